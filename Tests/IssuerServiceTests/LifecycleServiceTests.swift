import Accounts
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import NIOCore
import Testing

@Suite struct LifecycleServiceTests {
    func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
    }

    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, _ body: String = "") async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: body))
    }

    @Test func revokeAndReissueThroughTheAPIThenTheStatusListSaysSo() async throws {
        let fixture = try await ServiceFixture()
        let (clerk, _) = try await fixture.state.accounts.createToken(name: "clerk", role: .clerk)
        let (supervisor, _) = try await fixture.state.accounts.createToken(name: "sup", role: .supervisor)
        try await fixture.app().test(.router) { client in
            var serials: [String] = []
            var qrs: [String] = []
            for _ in 0..<3 {
                let r = try await call(client, .post, "/api/v1/certificates", token: clerk, try APITests.body("residence"))
                serials.append(try json(r)["serial"] as! String)
                qrs.append(try json(r)["qr"] as! String)
            }
            let forbidden = try await call(client, .post, "/api/v1/certificates/\(serials[0])/revoke", token: clerk, #"{"reason":"moved"}"#)
            #expect(forbidden.status == .forbidden, "clerks may not revoke")
            #expect(try await call(client, .post, "/api/v1/certificates/\(serials[0])/revoke", token: supervisor, #"{"reason":"lost"}"#).status == .badRequest)
            let revoked = try await call(client, .post, "/api/v1/certificates/\(serials[0])/revoke", token: supervisor, #"{"reason":"moved"}"#)
            #expect(revoked.status == .ok)
            #expect(try json(revoked)["state"] as? String == "revoked")
            #expect(try await call(client, .post, "/api/v1/certificates/\(serials[0])/revoke", token: supervisor, #"{"reason":"moved"}"#).status == .conflict)
            #expect(
                try await call(client, .post, "/api/v1/certificates/AAAA-AAAA-AAAA-AAAA/revoke", token: supervisor, #"{"reason":"moved"}"#).status == .notFound)

            let reissued = try await call(client, .post, "/api/v1/certificates/\(serials[1])/reissue", token: supervisor)
            #expect(reissued.status == .created)
            let successor = try #require(try json(reissued)["serial"] as? String)
            #expect(try json(reissued)["supersedes"] as? String == serials[1])

            let read = try await call(client, .get, "/api/v1/certificates/\(serials[1])", token: clerk)
            let status = try #require(try json(read)["status"] as? [String: Any])
            #expect(status["state"] as? String == "superseded")
            #expect(status["successor"] as? String == successor)

            // The public status list verifies against the public trust file and carries both.
            let trust = try TrustFile.decode(Data(buffer: try await client.execute(uri: "/trust.json", method: .get).body))
            let list = try await client.execute(uri: "/status/latest", method: .get)
            #expect(list.status == .ok)
            let verified = try VerifiedStatusList(signed: Array(buffer: list.body), trust: trust)
            let verifier = CertificateVerifier(trust: trust, status: verified)
            #expect(verifier.verify(text: qrs[0]).reasons.compactMap(\.code) == ["revoked"])
            #expect(verifier.verify(text: qrs[1]).reasons.compactMap(\.code) == ["superseded"])
            #expect(verifier.verify(text: qrs[2]).isGenuine)
        }
        let actions = try await fixture.state.audit.events().map(\.action)
        #expect(actions.filter { $0 == "revoke" }.count == 1)
        #expect(actions.filter { $0 == "supersede" }.count == 1)
    }

    @Test func supervisorsRevokeInTheUIAndThePrintPageSaysInvalid() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.app().test(.router) { client in
            var clerk = Browser()
            _ = try await clerk.login(client, "clerk")
            let fields = try ServiceFixture.example("residence").map { ("f.\($0.key)", "\($0.value)") }
            let issued = try await clerk.post(client, "/issue/residence", fields + [("action", "issue")])
            let serial = String(try #require(issued.headers[.location]).dropFirst("/certificates/".count).prefix(19))
            let detail = try await clerk.get(client, "/certificates/\(serial)")
            #expect(!String(buffer: detail.body).contains("/revoke"), "clerks are not offered revocation")
            #expect(try await clerk.post(client, "/certificates/\(serial)/revoke", [("reason", "error")]).status == .forbidden)

            var supervisor = Browser()
            _ = try await supervisor.login(client, "supervisor")
            _ = try await supervisor.get(client, "/certificates/\(serial)")
            #expect(try await supervisor.post(client, "/certificates/\(serial)/revoke", [("reason", "error")], csrf: false).status == .forbidden)
            let done = try await supervisor.post(client, "/certificates/\(serial)/revoke", [("reason", "error")])
            #expect(done.status == .seeOther)
            let after = String(buffer: try await supervisor.get(client, "/certificates/\(serial)").body)
            #expect(after.contains("失効しました（理由: 誤発行）"))
            let print = String(buffer: try await supervisor.get(client, "/certificates/\(serial)/print").body)
            #expect(print.contains("この証明書は無効です"))
        }
    }
}
