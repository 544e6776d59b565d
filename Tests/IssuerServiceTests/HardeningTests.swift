import Accounts
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import NIOCore
import Testing

/// The reproductions of the hardening findings (issue 13), each of which
/// failed on the code before it, plus a hostile-input sweep of the routes.
@Suite struct HardeningTests {
    static func issueBody(_ fields: [String: Any], kind: String = "residence") throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["kind": kind, "fields": fields]))
    }

    @Test("a NUL in the login name is refused before the database, the throttle and the audit chain (findings 1, 2)")
    func nulLogin() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            // The right password for "supervisor", with a NUL suffix: never a session.
            let r = try await browser.login(client, "supervisor\u{0}x")
            #expect(r.status == .badRequest)
            #expect(browser.cookies["akashi_session"] == nil)
            let other = try await browser.login(client, "x\u{0}y")
            #expect(other.status == .badRequest)
            // Each suffix is not a fresh throttle key: they are refused outright.
        }
        // The chain verifies (it throws or reports a break otherwise) and holds no NUL.
        _ = try await fixture.state.audit.verify()
        await #expect(
            try fixture.state.audit.events().allSatisfy { !$0.actor.unicodeScalars.contains("\u{0}") && !($0.detail ?? "").unicodeScalars.contains("\u{0}") })
    }

    @Test("hostile text in URLs is refused with 400 and security headers; the audit chain stays whole (findings 1, 12, 13)")
    func hostileURLs() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            #expect(try await browser.login(client, "clerk").status == .seeOther)
            for q in ["a%00b", "%E2%80%AE", "%C0%80", "%ZZ", "a%0Ab", "%E2%80%8B", "%C2%85", "%FF"] {
                let r = try await browser.get(client, "/certificates?q=\(q)")
                #expect(r.status == .badRequest, "q=\(q)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
                #expect(r.headers[.contentSecurityPolicy] != nil)
            }
            let path = try await client.execute(uri: "/verify/sw.js%00.svg", method: .get)
            #expect(path.status == .badRequest)
            let missing = try await client.execute(uri: "/no/such/page", method: .get)
            #expect(missing.headers[.xContentTypeOptions] == "nosniff", "errors carry the security headers too")
            // The service still answers.
            #expect(try await browser.get(client, "/certificates?q=%E5%B1%B1%E7%94%B0").status == .ok)
        }
        let report = try await fixture.state.audit.verify()
        #expect(report.events > 0)
    }

    @Test("a page number at the 64-bit edge does not stop the server (finding 3)")
    func auditPageOverflow() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            let login = try await browser.login(client, "auditor")
            #expect(login.status == .seeOther)
            for page in ["92233720368547759", "9223372036854775807", "-9223372036854775808", "99999999999999999999999", "-1", "x"] {
                let r = try await browser.get(client, "/audit?page=\(page)")
                #expect(r.status == .ok, "page=\(page)")
            }
        }
        _ = try await fixture.state.audit.verify()
    }

    @Test("fields with bidi, zero-width, C1 or private-use characters are refused, naming the field (finding 10)")
    func spoofingCharacters() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "t", role: .clerk)
        let sizeBefore = await fixture.state.log.size
        try await fixture.app().test(.router) { client in
            for bad in ["山田\u{202E}太郎", "山田\u{200B}太郎", "山\u{85}田", "\u{2066}x", "x\u{2028}y", "\u{E000}", "a\u{0}b", "\u{9B}"] {
                var fields = try ServiceFixture.example("residence")
                fields["name"] = bad
                let r = try await client.execute(
                    uri: "/api/v1/certificates", method: .post,
                    headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"], body: Self.issueBody(fields))
                #expect(r.status == .unprocessableContent, "\(bad.unicodeScalars.map { String($0.value, radix: 16) })")
                let body = String(buffer: r.body)
                #expect(body.contains("\"field\":\"name\""))
            }
        }
        #expect(await fixture.state.log.size == sizeBefore, "nothing was logged")
    }

    @Test("lengths count Unicode scalars, and a certificate too large to print is refused before it is logged (finding 4)")
    func tooLarge() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "t", role: .clerk)
        let sizeBefore = await fixture.state.log.size
        try await fixture.app().test(.router) { client in
            var zalgo = try ServiceFixture.example("residence")
            zalgo["name"] = "a" + String(repeating: "\u{301}", count: 1500)
            let r1 = try await client.execute(
                uri: "/api/v1/certificates", method: .post,
                headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"], body: Self.issueBody(zalgo))
            #expect(r1.status == .unprocessableContent)
            #expect(String(buffer: r1.body).contains("tooLong"))

            // Every text field at its limit in 4-byte kanji.
            let kind = try #require(fixture.state.registry.kind("residence"))
            var huge = try ServiceFixture.example("residence")
            for field in kind.fields where field.type == .text {
                huge[field.id] = String(repeating: "𠮷", count: field.maxLength ?? 60)
            }
            let r2 = try await client.execute(
                uri: "/api/v1/certificates", method: .post,
                headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"], body: Self.issueBody(huge))
            #expect(r2.status == .unprocessableContent)
            let body = String(buffer: r2.body)
            #expect(body.contains("tooLargeToPrint"))
            #expect(body.contains("バイト"))
        }
        #expect(await fixture.state.log.size == sizeBefore, "nothing was signed or logged")
    }

    @Test("changing a password ends the user's sessions (finding 6)")
    func passwordEndsSessions() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            #expect(try await browser.login(client, "clerk").status == .seeOther)
            #expect(try await browser.get(client, "/certificates").status == .ok)
            try await fixture.state.accounts.setPassword(login: "clerk", password: "another long password")
            #expect(try await browser.get(client, "/certificates").status == .seeOther, "back to the login page")
        }
    }

    @Test("only pages the router serves are login redirect targets (finding 8)")
    func redirects() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            for next in ["/\t/127.0.0.1:8472/pwned", "//evil.example", "/\\evil", "https://evil.example/", "/%2F%2Fevil", "/nowhere", "/certificates/../..//x"]
            {
                var browser = Browser()
                try await browser.get(client, "/login")
                let r = try await browser.post(client, "/login", [("login", "clerk"), ("password", ServiceFixture.password), ("next", next)])
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/", "\(next)")
            }
            var browser = Browser()
            try await browser.get(client, "/login")
            let ok = try await browser.post(client, "/login", [("login", "clerk"), ("password", ServiceFixture.password), ("next", "/certificates?q=x")])
            #expect(ok.headers[.location] == "/certificates?q=x")
        }
    }

    @Test("the login form's token is bound to the service: a planted cookie and field do not pass (finding 14)")
    func boundLoginToken() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "akashi_login=planted"]
            let r = try await client.execute(
                uri: "/login", method: .post, headers: headers,
                body: Browser.form([("login", "clerk"), ("password", ServiceFixture.password), ("_csrf", "planted")]))
            #expect(r.status == .forbidden)
        }
    }

    @Test("a form posted from another site is refused with 403 before any handler runs; same-origin and header-less posts pass (finding 14)")
    func crossOriginForms() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            #expect(try await browser.login(client, "admin").status == .seeOther)
            let before = try await fixture.state.accounts.tokens().count
            for header: HTTPFields in [[.origin: "https://evil.example"], [.origin: "null"], [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]] {
                let r = try await browser.post(client, "/admin/tokens", [("name", "x"), ("role", "clerk")], headers: header)
                #expect(r.status == .forbidden, "\(header)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
            }
            await #expect(try fixture.state.accounts.tokens().count == before, "nothing was created by a cross-site post")
            // A same-origin post passes on to the CSRF check (the Origin = Host
            // case runs in the browser test, where Chromium sends both).
            let same = try await browser.post(
                client, "/admin/tokens", [("name", "y"), ("role", "clerk")], headers: [HTTPField.Name("Sec-Fetch-Site")!: "same-origin"])
            #expect(same.status != .forbidden)
            await #expect(try fixture.state.accounts.tokens().count == before + 1)
        }
    }

    @Test("an API body that names a key twice is refused with 400 (finding 14); nothing is signed or logged")
    func duplicateJSONKeys() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "t", role: .clerk)
        let sizeBefore = await fixture.state.log.size
        var fields = try ServiceFixture.example("residence")
        fields["name"] = "本物 太郎"
        let good = String(decoding: try JSONSerialization.data(withJSONObject: ["kind": "residence", "fields": fields], options: [.sortedKeys]), as: UTF8.self)
        // The same body with a second "name" inside fields, and with a second "kind", and escaped spellings.
        let twiceName = good.replacingOccurrences(of: "\"name\":", with: "\"name\":\"偽物 花子\",\"name\":")
        let twiceKind = good.replacingOccurrences(of: "{\"fields\"", with: "{\"kind\":\"graduation\",\"fields\"")
        let escaped = good.replacingOccurrences(of: "\"name\":", with: "\"n\\u0061me\":\"偽物\",\"name\":")
        try await fixture.app().test(.router) { client in
            for body in [twiceName, twiceKind, escaped] {
                let r = try await client.execute(
                    uri: "/api/v1/certificates", method: .post,
                    headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"], body: ByteBuffer(string: body))
                #expect(r.status == .badRequest, "\(body.prefix(80))")
                #expect(String(buffer: r.body).contains("twice"))
            }
            let ok = try await client.execute(
                uri: "/api/v1/certificates", method: .post,
                headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"], body: ByteBuffer(string: good))
            #expect(ok.status == .created)
        }
        #expect(await fixture.state.log.size == sizeBefore + 1)
    }

    @Test("TRACE and other unknown methods get 405 with Allow (finding 15)")
    func unknownMethods() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (HTTPRequest.Method("TRACE")!, "/login", "GET, HEAD, POST"), (.put, "/api/v1/certificates", "POST"),
                (.delete, "/login", "GET, HEAD, POST"), (.options, "/trust.json", "GET, HEAD"), (.post, "/log/checkpoint", "GET, HEAD"),
                (.post, "/log/tile/0/000", "GET, HEAD"), (.delete, "/api/v1/certificates/ABCD-ABCD-ABCD-ABCD", "GET, HEAD"),
            ]
            for (method, uri, allow) in cases {
                let r = try await client.execute(uri: uri, method: method)
                #expect(r.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(r.headers[.allow] == allow, "\(method) \(uri)")
            }
            // A path no route serves is 404 whatever the method.
            #expect(try await client.execute(uri: "/no/such", method: .delete).status == .notFound)
        }
    }

    @Test("/verify/ publishes the verifier only: no README, no test page, no directory redirects that lose /verify (findings 12, 14)")
    func verifierSiteAllowList() async throws {
        let fixture = try await ServiceFixture { dir, configuration in
            let web = dir.appendingPathComponent("web")
            for folder in ["js/core", "test", "css"] {
                try FileManager.default.createDirectory(at: web.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            try Data("<!doctype html><title>検証</title>".utf8).write(to: web.appendingPathComponent("index.html"))
            try Data("export const x = 1;".utf8).write(to: web.appendingPathComponent("js/core/verify.js"))
            try Data("a{}".utf8).write(to: web.appendingPathComponent("css/app.css"))
            try Data("# notes".utf8).write(to: web.appendingPathComponent("README.md"))
            try Data("<!doctype html>".utf8).write(to: web.appendingPathComponent("test/conformance.html"))
            try Data("x".utf8).write(to: web.appendingPathComponent("js/.hidden.js"))
            configuration.webDirectory = web
        }
        try await fixture.app().test(.router) { client in
            for ok in ["/verify/", "/verify/index.html", "/verify/js/core/verify.js", "/verify/css/app.css", "/verify/trust.json"] {
                #expect(try await client.execute(uri: ok, method: .get).status == .ok, "\(ok)")
            }
            for hidden in [
                "/verify/README.md", "/verify/test/conformance.html", "/verify/js", "/verify/js/", "/verify/js/core", "/verify/test/", "/verify/js/.hidden.js",
                "/verify/css/nothing.css",
            ] {
                let r = try await client.execute(uri: hidden, method: .get)
                #expect(r.status == .notFound, "\(hidden)")
                #expect(r.headers[.location] == nil, "\(hidden) is not redirected")
            }
            let bare = try await client.execute(uri: "/verify?x=1", method: .get)
            #expect(bare.headers[.location] == "/verify/?x=1")
        }
    }
}
