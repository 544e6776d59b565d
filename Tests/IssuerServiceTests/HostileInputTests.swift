import Accounts
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Issuance
import IssuerService
import NIOCore
import Testing

/// The standing hostile-input suite (hardening issue): every route the router
/// has — read from the router itself, so a new route is covered the day it
/// is added — gets hostile text in its path parameters, its query, a form
/// body and a JSON body, as an admin with a session and as an admin token.
/// Nothing may answer 5xx; afterwards the service still answers, the audit
/// chain verifies, and every stored certificate's QR verifies against the log.
@Suite struct HostileInputTests {
    /// Text an attacker would try: NUL, C0/C1, bidi, zero-width, separators,
    /// private use, noncharacters, huge and combining-mark bombs, numbers at
    /// and past the 64-bit edges, traversal, markup and SQL.
    static let values: [String] = [
        "\u{0}", "a\u{0}b", "\u{1}", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{9B}", "\u{202E}abc", "\u{2066}", "\u{200B}", "\u{FEFF}",
        "\u{2028}", "\u{E000}", "\u{FFFF}", "\u{10FFFD}", "\u{FFFD}", String(repeating: "A", count: 70_000),
        "a" + String(repeating: "\u{301}", count: 1_500), String(repeating: "𠮷", count: 5_000),
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999999", "-1", "1e309", "NaN", "../../../etc/passwd", "..%2F..%2Fconfig.json", "<script>alert(1)</script>",
        "' OR 1=1--", "%00", "%FF", "", " ",
    ]

    /// Invalid UTF-8 (a lone continuation, an overlong NUL, a surrogate, a cut sequence).
    static let invalidUTF8: [[UInt8]] = [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE3, 0x81]]

    static let fieldNames = [
        "login", "password", "name", "displayName", "role", "kind", "reason", "q", "serial", "next", "page", "fields", "omit", "include", "action", "password2",
        "id",
    ]

    static func percentEncoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// The route pattern with every parameter replaced by `value` (already encoded).
    static func path(_ pattern: String, _ value: String) -> String {
        "/"
            + pattern.split(separator: "/").map { part in
                if part.hasPrefix(":") || part == "*" || part == "**" { return value }
                if part.hasPrefix("{") { return value }
                // `:serial.png`-style and `*.png` parts keep their suffix.
                if let colon = part.firstIndex(of: ":") { return String(part[..<colon]) + value }
                return String(part)
            }.joined(separator: "/")
    }

    @Test("every route survives hostile text, numbers and bytes; the audit chain and the log stay whole")
    func everyRouteSurvives() async throws {
        let fixture = try await ServiceFixture()
        let routes = IssuerApplication.router(state: fixture.state).routes.map { ("\($0.path)", $0.method) }
        #expect(routes.count > 30, "the router lists its routes")
        let (secret, _) = try await fixture.state.accounts.createToken(name: "hostile", role: .admin)
        // A few certificates first, so there is a log and records to spoil.
        try await fixture.app().test(.router) { client in
            for kind in ["residence", "graduation"] {
                let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["kind": kind, "fields": try ServiceFixture.example(kind)]))
                let r = try await client.execute(
                    uri: "/api/v1/certificates", method: .post, headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"], body: body)
                #expect(r.status == .created)
            }
        }
        let logBefore = await fixture.state.log.size
        let (requests, serverErrors) = try await fixture.app().test(.router) { client in
            var requests = 0
            var serverErrors: [String] = []
            var browser = Browser()
            #expect(try await browser.login(client, "admin").status == .seeOther)
            let csrf = browser.csrf ?? ""
            func send(_ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, _ body: ByteBuffer?) async throws {
                requests += 1
                let r = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                if r.status.code >= 500 && r.status != .serviceUnavailable { serverErrors.append("\(method) \(uri.prefix(120)) → \(r.status.code)") }
            }
            var encodedValues = Self.values.map(Self.percentEncoded)
            encodedValues += Self.invalidUTF8.map { $0.map { String(format: "%%%02X", $0) }.joined() }
            for (pattern, method) in routes {
                let isAPI = pattern.hasPrefix("api/") || pattern.hasPrefix("/api/")
                for (i, value) in encodedValues.enumerated() {
                    var headers = isAPI ? HTTPFields([HTTPField(name: .authorization, value: "Bearer \(secret)")]) : browser.cookieHeader
                    let query = Self.fieldNames.prefix(6).map { "\($0)=\(value)" }.joined(separator: "&")
                    let uri = Self.path(pattern, value) + "?" + query
                    var body: ByteBuffer? = nil
                    if method == .post {
                        if isAPI {
                            headers[.contentType] = "application/json"
                            // Alternate: the raw value as every member, or hostile text inside the kind's fields.
                            let raw = i < Self.values.count ? Self.values[i] : "x"
                            let object: [String: Any] =
                                i % 2 == 0
                                ? Dictionary(uniqueKeysWithValues: Self.fieldNames.map { ($0, raw) })
                                : ["kind": "residence", "fields": (try ServiceFixture.example("residence")).mapValues { _ in raw }, "reason": raw]
                            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
                        } else {
                            headers[.contentType] = "application/x-www-form-urlencoded"
                            body = ByteBuffer(string: (["_csrf=\(csrf)"] + Self.fieldNames.map { "\($0)=\(value)" }).joined(separator: "&"))
                        }
                    }
                    try await send(method, uri, headers, body)
                }
                // Raw invalid UTF-8 in a body, not percent-encoded.
                if method == .post {
                    for bytes in Self.invalidUTF8 {
                        var headers = isAPI ? HTTPFields([HTTPField(name: .authorization, value: "Bearer \(secret)")]) : browser.cookieHeader
                        headers[.contentType] = isAPI ? "application/json" : "application/x-www-form-urlencoded"
                        let prefix = isAPI ? Array(#"{"kind":""#.utf8) : Array("_csrf=\(csrf)&login=".utf8)
                        let suffix = isAPI ? Array(#"","fields":{}}"#.utf8) : []
                        try await send(.post, Self.path(pattern, "x"), headers, ByteBuffer(bytes: prefix + bytes + suffix))
                    }
                }
            }
            // The service still answers, and a clerk still logs in and searches
            // (the sweep's own session may have ended: it posted to /logout too).
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            var clerk = Browser()
            #expect(try await clerk.login(client, "clerk").status == .seeOther)
            #expect(try await clerk.get(client, "/certificates?q=%E5%B1%B1").status == .ok)
            return (requests, serverErrors)
        }
        #expect(serverErrors.isEmpty, "\(serverErrors.count) of \(requests) requests answered 5xx: \(serverErrors.prefix(10))")
        #expect(requests > 1_000)
        // The audit chain verifies (it throws on a break).
        let audit = try await fixture.state.audit.verify()
        #expect(audit.events > 0)
        // The log and the records agree: every stored certificate's QR, rebuilt
        // from the database and proven from the log, verifies.
        let trust = try TrustFile.decode(Data(fixture.state.trustFile))
        let verifier = CertificateVerifier(trust: trust)
        let stored = try await fixture.state.archive.search(.init(limit: 1_000))
        #expect(stored.count >= 2)
        for record in stored {
            let qr = try await fixture.state.archive.reissued(record).qrText
            let report = verifier.verify(text: qr)
            #expect(report.isGenuine, "\(record.serial): \(report.reasons.map(\.code))")
        }
        #expect(await fixture.state.log.size >= logBefore)
        #expect(await fixture.state.log.size == UInt64(stored.count), "one log entry per stored certificate (nothing was revoked)")
    }
}
