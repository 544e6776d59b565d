import Accounts
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import NIOCore
import Testing

@Suite struct UITests {
    @Test func pagesNeedALogin() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            let home = try await client.execute(uri: "/certificates?q=x", method: .get)
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/login?next=%2Fcertificates%3Fq%3Dx")
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(login.status == .ok)
            let html = String(buffer: login.body)
            #expect(html.contains("<html lang=\"ja\""))
            #expect(html.contains("ログイン名"))
            #expect(login.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(login.headers[.xContentTypeOptions] == "nosniff")
            let english = try await client.execute(uri: "/login?lang=en", method: .get)
            #expect(String(buffer: english.body).contains("Login name"))
        }
    }

    @Test func loginFailuresAreAuditedAndThrottled() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            for _ in 0..<5 {
                let r = try await browser.login(client, "clerk", password: "wrong password!!")
                #expect(r.status == .unauthorized)
                #expect(String(buffer: r.body).contains("ログイン名またはパスワードが違います"))
            }
            let throttled = try await browser.login(client, "clerk")
            #expect(throttled.status == .tooManyRequests, "even the right password waits once locked")
            #expect(throttled.headers[.retryAfter] != nil)
            // A login form posted without its double-submit token is refused.
            var bare = Browser()
            let forged = try await bare.post(client, "/login", [("login", "admin"), ("password", ServiceFixture.password)], csrf: false)
            #expect(forged.status == .forbidden)
        }
        await #expect(try fixture.state.audit.events(action: "login.failed").count == 5)
        await #expect(try fixture.state.audit.events(action: "login.throttled").count == 1)
    }

    /// Every role × every page: the server decides, whatever the menu shows.
    @Test func roleMatrix() async throws {
        let fixture = try await ServiceFixture()
        let pages: [(String, Role.Action)] = [
            ("/issue", .issue), ("/issue/residence", .issue), ("/batch", .batch), ("/certificates", .search),
            ("/audit", .audit), ("/audit.csv", .audit), ("/admin/users", .manageUsers), ("/admin/tokens", .manageTokens),
        ]
        try await fixture.app().test(.router) { client in
            for role in Role.allCases {
                var browser = Browser()
                #expect(try await browser.login(client, role.rawValue).status == .seeOther)
                for (path, action) in pages {
                    let response = try await browser.get(client, path)
                    #expect(response.status == (role.may(action) ? .ok : .forbidden), "\(role) \(path)")
                }
                // Forbidden POSTs too (with a valid CSRF token, so only the role decides).
                let add = try await browser.post(client, "/admin/tokens", [("name", "x"), ("role", "admin")])
                #expect(add.status == (role.may(.manageTokens) ? .ok : .forbidden), "\(role) POST /admin/tokens")
                let issue = try await browser.post(client, "/issue/residence", [("action", "preview")])
                #expect(issue.status == (role.may(.issue) ? .unprocessableContent : .forbidden), "\(role) POST /issue")
            }
        }
        // Only the admin's token creation went through.
        await #expect(try fixture.state.accounts.tokens().count == 1)
    }

    @Test func supervisorsManageOnlyClerks() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            _ = try await browser.login(client, "supervisor")
            let clerk = try await browser.post(
                client, "/admin/users", [("login", "tanaka"), ("name", "田中"), ("role", "clerk"), ("password", "a long enough password")])
            #expect(clerk.status == .ok)
            let admin = try await browser.post(client, "/admin/users", [("login", "evil"), ("role", "admin"), ("password", "a long enough password")])
            #expect(admin.status == .forbidden)
            let weak = try await browser.post(client, "/admin/users", [("login", "suzuki"), ("role", "clerk"), ("password", "short")])
            #expect(weak.status == .unprocessableContent)
            let disableAdmin = try await browser.post(client, "/admin/users/admin", [("action", "disable")])
            #expect(disableAdmin.status == .forbidden)
        }
        await #expect(try fixture.state.accounts.user(login: "tanaka")?.role == .clerk)
        await #expect(try fixture.state.accounts.user(login: "evil") == nil)
        await #expect(try fixture.state.accounts.user(login: "admin")?.disabled == false)
    }

    @Test func csrfIsRequiredOnEveryForm() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            _ = try await browser.login(client, "admin")
            let fields = try ServiceFixture.example("residence").map { ("f.\($0.key)", "\($0.value)") }
            let none = try await browser.post(client, "/issue/residence", fields + [("action", "issue")], csrf: false)
            #expect(none.status == .forbidden)
            let wrong = try await browser.post(client, "/issue/residence", fields + [("action", "issue"), ("_csrf", "forged")], csrf: false)
            #expect(wrong.status == .forbidden)
            let token = try await browser.post(client, "/admin/tokens", [("name", "x"), ("role", "clerk")], csrf: false)
            #expect(token.status == .forbidden)
            let logout = try await browser.post(client, "/logout", [], csrf: false)
            #expect(logout.status == .forbidden)
        }
        #expect(await fixture.state.log.size == 0)
        await #expect(try fixture.state.accounts.tokens().isEmpty)
    }

    @Test func issueThroughTheFormThenPrintSearchAndReprint() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            _ = try await browser.login(client, "clerk")
            var fields = try ServiceFixture.example("residence").map { ("f.\($0.key)", "\($0.value)") }
            // A bad date and a missing name: errors next to the fields, in Japanese.
            let bad = fields.map { $0.0 == "f.birthDate" ? ($0.0, "1990-13-01") : $0 }.filter { $0.0 != "f.name" }
            let errors = try await browser.post(client, "/issue/residence", bad + [("action", "preview")])
            #expect(errors.status == .unprocessableContent)
            let errorPage = String(buffer: errors.body)
            #expect(errorPage.contains("id=\"err-birthDate\""))
            #expect(errorPage.contains("id=\"err-name\""))
            #expect(errorPage.contains("aria-invalid=\"true\""))
            #expect(errorPage.contains("氏名を入力してください"))

            fields.append(("include", "domicile"))
            let preview = try await browser.post(client, "/issue/residence", fields + [("action", "preview")])
            #expect(preview.status == .ok)
            #expect(String(buffer: preview.body).contains("発行する"))
            #expect(await fixture.state.log.size == 0, "a preview issues nothing")

            let issued = try await browser.post(client, "/issue/residence", fields + [("action", "issue")])
            #expect(issued.status == .seeOther)
            let location = try #require(issued.headers[.location])
            #expect(location.hasSuffix("/print?issued=1"))
            let serial = String(location.dropFirst("/certificates/".count).prefix(19))

            let print = try await browser.get(client, location)
            #expect(print.status == .ok)
            let page = String(buffer: print.body)
            #expect(page.contains(serial))
            #expect(page.contains("<svg"))
            #expect(page.contains("飯塚市"))
            #expect(print.headers[.contentSecurityPolicy]?.contains("'sha256-") == true)
            // The resident brought no subject key: a fresh secret, on its own sheet, this once.
            #expect(page.contains("わたしの証明書の記録の鍵"))
            let again = try await browser.get(client, location)
            #expect(!String(buffer: again.body).contains("わたしの証明書の記録の鍵"), "the secret is shown once and kept nowhere")

            let bySerial = try await browser.get(client, "/certificates?serial=\(serial.lowercased())")
            #expect(String(buffer: bySerial.body).contains("/certificates/\(serial)"))
            let example = try ServiceFixture.example("residence")
            let name = try #require(example["name"] as? String)
            let byName = try await browser.get(
                client, "/certificates?q=" + String(name.prefix(2)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(String(buffer: byName.body).contains(serial))

            let reprint = try await browser.get(client, "/certificates/\(serial)/print")
            #expect(reprint.status == .ok)
            #expect(Self.svg(in: String(buffer: reprint.body)) == Self.svg(in: page), "a reprint is the same certificate: same QR")
        }
        let actions = try await fixture.state.audit.events().map(\.action)
        for action in ["login", "issue", "print", "search", "reprint"] { #expect(actions.contains(action), "audited: \(action)") }
        await #expect(try fixture.state.audit.verify().intact)
        #expect(await fixture.state.log.size == 1)
    }

    static func svg(in html: String) -> Substring? {
        guard let start = html.range(of: "<svg"), let end = html.range(of: "</svg>") else { return nil }
        return html[start.lowerBound..<end.upperBound]
    }

    @Test func batchReportsBadRowsAndIssuesTheRest() async throws {
        let fixture = try await ServiceFixture()
        var csv = try String(contentsOf: ServiceFixture.root.appendingPathComponent("certs/examples/graduation.csv"), encoding: .utf8)
        let goodRows = csv.split(separator: "\n").count - 1
        let header = csv.split(separator: "\n")[0]
        let columns = header.split(separator: ",").count
        csv += Array(repeating: "", count: columns).joined(separator: ",") + "\n"  // an empty row: every required field missing
        let upload = csv
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            _ = try await browser.login(client, "supervisor")
            let boundary = "----akashi\(UUID().uuidString)"
            var body = ""
            for (name, value) in [("_csrf", browser.csrf ?? ""), ("kind", "graduation")] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body +=
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"g.csv\"\r\nContent-Type: text/csv\r\n\r\n\(upload)\r\n--\(boundary)--\r\n"
            var headers = browser.cookieHeader
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let started = try await client.execute(uri: "/batch", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(started.status == .seeOther)
            let progress = try #require(started.headers[.location])
            var page = ""
            for _ in 0..<100 {
                page = String(buffer: try await browser.get(client, progress).body)
                if page.contains("完了") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(page.contains("完了: 発行 \(goodRows) 件、エラー 1 件"), "\(page)")
            #expect(page.contains("<td>\(goodRows + 2)</td>"), "the bad row is reported with its line number")
            let print = try await browser.get(client, progress + "/print")
            #expect(String(buffer: print.body).components(separatedBy: "<section class=\"sheet").count - 1 == goodRows)
        }
        #expect(await fixture.state.log.size == UInt64(goodRows))
    }
}
