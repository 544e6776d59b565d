import AkashiCrypto
import Foundation
import Hummingbird
import Issuance
import QRCode

/// Serves the printable A4 certificate page with a Content-Security-Policy
/// that allows exactly its one inline stylesheet (by SHA-256) and our print
/// script — nothing injected into a field could run or restyle the page.
enum CertificatePrint {
    static let csp: String = {
        let hash = Data(SHA256.hash(Array(CertificatePage.stylesheet.utf8))).base64EncodedString()
        return
            "default-src 'none'; style-src 'sha256-\(hash)'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }()

    static func toolbar(back: String?) -> String {
        var html = "<div class=\"toolbar\"><button type=\"button\" data-action=\"print\">印刷する <span lang=\"en\">Print</span></button>"
        if let back { html += "<a href=\"\(CertificatePage.escape(back))\">戻る <span lang=\"en\">Back</span></a>" }
        html += "<script src=\"/assets/print.js\" defer></script></div>"
        return html
    }

    static func response(_ certificate: IssuedCertificate, issuerName: String, toolbar: Bool, back: String? = nil, stamp: String? = nil) throws -> Response {
        let svg = try QRCode.encode(certificate.qrText).svg()
        // Fresh subject secrets (only right after issuing: never stored) get their own sheets.
        let html = CertificatePage.html(
            certificate, issuerName: issuerName, qrSVG: svg, toolbar: toolbar ? self.toolbar(back: back) : "", stamp: stamp,
            subjectSecretSVGs: try CertificatePage.subjectSecretSVGs(certificate))
        return htmlResponse(html)
    }

    static func batchResponse(_ certificates: [IssuedCertificate], issuerName: String, title: String, back: String?) throws -> Response {
        let pages = try certificates.map { ($0, qrSVG: try QRCode.encode($0.qrText).svg()) }
        return htmlResponse(CertificatePage.html(batch: pages, issuerName: issuerName, title: title, toolbar: toolbar(back: back)))
    }

    private static func htmlResponse(_ html: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = csp
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
