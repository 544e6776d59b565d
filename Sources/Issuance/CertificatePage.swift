import Certificates
import Foundation
import QRCode

/// The printable A4 certificate page: Japanese first, the fields with their
/// kind's labels, issuer, dates, serial and the QR code as inline SVG. Print
/// CSS makes Chromium's print/PDF one clean page.
public enum CertificatePage {
    /// One certificate as a complete printable page.
    /// `stamp`: printed across the top when the certificate is no longer valid
    /// (失効・置き換え), so a reprint can never pass for a current certificate.
    /// `subjectSecretSVGs`: the QR of each fresh subject secret made at
    /// issuance, printed on a sheet of its own — the certificate is handed to
    /// others, the secret must not be.
    public static func html(
        _ certificate: IssuedCertificate, issuerName: String, qrSVG: String, toolbar: String = "", stamp: String? = nil, subjectSecretSVGs: [String] = []
    ) -> String {
        let secrets = subjectSecretSVGs.enumerated().map { secretSheet(certificate, number: $0.offset + 1, of: subjectSecretSVGs.count, qrSVG: $0.element) }
        return document(
            title: "\(certificate.kind.label.ja) \(certificate.claims.serialText)",
            sheets: [sheet(certificate, issuerName: issuerName, qrSVG: qrSVG, stamp: stamp)] + secrets, toolbar: toolbar)
    }

    /// The QR of each fresh subject secret of `certificate`, for ``html(_:issuerName:qrSVG:toolbar:stamp:subjectSecretSVGs:)``.
    public static func subjectSecretSVGs(_ certificate: IssuedCertificate) throws -> [String] {
        try certificate.subjectSecrets.map { try QRCode.encode($0.secretText, level: .medium).svg(quietZone: 4) }
    }

    /// The slip with a resident's new subject secret (docs/spec/subject-transparency.md §6).
    static func secretSheet(_ certificate: IssuedCertificate, number: Int, of count: Int, qrSVG: String) -> String {
        let who = count > 1 ? "（宣誓者\(number)）" : ""
        return """
            <section class="sheet">
            <h1>わたしの証明書の記録の鍵\(who)</h1>
            <p class="sub">Your key to the record of your certificates</p>
            <p class="statement">この鍵で、あなたの名前で発行されたすべての証明書を「わたしの証明書の記録」で確認できます。証明書と一緒に他人に渡さないでください。なくした場合は窓口で新しい鍵を登録できます。<span class="en">With this key you can find every certificate issued in your name. Keep it to yourself; never hand it over with the certificate. If you lose it, register a new key at the counter.</span></p>
            <div class="foot"><dl><dt>対象の証明書 <span class="en">For certificate</span></dt><dd>\(certificate.claims.serialText)</dd></dl>
            <div class="qr">\(qrSVG)<p>本人以外に見せないでください<br>Do not show to anyone</p></div></div>
            </section>
            """
    }

    /// Several certificates, one A4 sheet each (a CSV batch's print).
    public static func html(batch: [(IssuedCertificate, qrSVG: String)], issuerName: String, title: String, toolbar: String = "") -> String {
        document(title: title, sheets: batch.map { sheet($0.0, issuerName: issuerName, qrSVG: $0.qrSVG) }, toolbar: toolbar)
    }

    /// The page's only inline style. Constant, so a Content-Security-Policy
    /// can allow exactly it by hash.
    public static let stylesheet = """
        @page { size: A4; margin: 18mm; }
        html { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif; color: #111; }
        body { margin: 0 auto; max-width: 174mm; }
        .sheet + .sheet { break-before: page; margin-top: 12mm; }
        h1 { font-size: 22pt; text-align: center; letter-spacing: 0.3em; padding-left: 0.3em; margin: 4mm 0 1mm; }
        .statement { font-size: 12pt; margin: 5mm 0 0; }
        .dense table { font-size: 11pt; } .dense th, .dense td { padding: 1.1mm 2.5mm; } .dense th .en { display: inline; margin-left: 2mm; }
        .dense h1 { margin-top: 0; } .dense .sub { margin-bottom: 4mm; } .dense .qr svg { width: 52mm; height: 52mm; } .dense .foot { margin-top: 4mm; }
        .stamp { border: 1.5mm solid #b00020; color: #b00020; font-size: 16pt; font-weight: 700; text-align: center; padding: 2mm; margin: 0 0 3mm; }
        .sub { text-align: center; color: #444; margin-bottom: 6mm; }
        .en { display: block; font-size: 8pt; font-weight: normal; color: #555; letter-spacing: 0; }
        table { width: 100%; border-collapse: collapse; font-size: 12pt; }
        th, td { border: 1px solid #333; padding: 1.8mm 3mm; text-align: left; vertical-align: top; }
        th { width: 38%; background: #f3f3f3; font-weight: 600; }
        .foot { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 6mm; gap: 6mm; page-break-inside: avoid; }
        dl { margin: 0; font-size: 10pt; display: grid; grid-template-columns: auto 1fr; gap: 1.5mm 4mm; align-items: baseline; }
        dt { font-weight: 600; } dd { margin: 0; } dt .en { display: inline; margin-left: 1mm; }
        .qr svg { width: 60mm; height: 60mm; display: block; }
        .qr p { font-size: 8pt; text-align: center; margin: 1mm 0 0; color: #333; }
        .issuer { font-size: 14pt; font-weight: 600; }
        .toolbar { display: flex; gap: 1em; align-items: center; padding: 3mm 0; border-bottom: 1px solid #ccc; margin-bottom: 4mm; font-size: 12pt; }
        .toolbar button, .toolbar a { font: inherit; font-weight: 600; padding: 2mm 6mm; border-radius: 6px; border: 2px solid #0b5cad; text-decoration: none; cursor: pointer; }
        .toolbar button { background: #0b5cad; color: #fff; }
        .toolbar a, .toolbar a:visited { background: #fff; color: #0b5cad; }
        .toolbar :focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
        @media print { body { max-width: none; } .toolbar { display: none; } .sheet + .sheet { margin-top: 0; } }
        """

    static func document(title: String, sheets: [String], toolbar: String) -> String {
        """
        <!doctype html>
        <html lang="ja">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(stylesheet)</style>
        </head>
        <body>
        \(toolbar)\(sheets.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    static func sheet(_ certificate: IssuedCertificate, issuerName: String, qrSVG: String, stamp: String? = nil) -> String {
        let claims = certificate.claims
        let kind = certificate.kind
        func date(_ seconds: Int64) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "ja_JP")
            f.timeZone = TimeZone(identifier: "Asia/Tokyo")
            f.dateFormat = "yyyy年M月d日 HH:mm"
            return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
        var rows = ""
        var rowCount = 0
        for field in kind.fields where field.isPrinted {
            guard let value = claims.allFields[field.id] else { continue }
            rowCount += 1
            rows +=
                "<tr><th scope=\"row\">\(escape(field.label.ja))<span class=\"en\">\(escape(field.label.en))</span></th><td>\(escape(value.display(field, .ja)))</td></tr>\n"
        }
        let expiry = claims.expiresAt.map { "<dt>有効期限 <span class=\"en\">Valid until</span></dt><dd>\(date($0))</dd>" } ?? ""
        return """
            <section class="sheet\(rowCount > 8 ? " dense" : "")">
            \(stamp.map { "<p class=\"stamp\" role=\"alert\">\(escape($0))</p>" } ?? "")
            <h1>\(escape(kind.label.ja))</h1>
            <p class="sub">\(escape(kind.label.en))</p>
            <table>
            \(rows)</table>
            \(kind.statement.map { "<p class=\"statement\">\(escape($0.ja))<span class=\"en\">\(escape($0.en))</span></p>" } ?? "")
            <div class="foot">
            <dl>
            <dt>証明書番号 <span class="en">Serial</span></dt><dd>\(claims.serialText)</dd>
            <dt>発行日時 <span class="en">Issued</span></dt><dd>\(date(claims.issuedAt))</dd>
            \(expiry)
            <dt>台帳記録 <span class="en">Log entry</span></dt><dd>#\(certificate.receipt.index)（\(escape(certificate.receipt.checkpoint.checkpoint.origin))）</dd>
            <dt>発行者 <span class="en">Issuer</span></dt><dd class="issuer">\(escape(issuerName))</dd>
            </dl>
            <div class="qr">\(qrSVG)<p>スマートフォンで読み取ると真正性を確認できます<br>Scan to verify offline</p></div>
            </div>
            </section>
            """
    }

    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
