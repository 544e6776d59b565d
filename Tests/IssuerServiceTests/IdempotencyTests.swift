import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import NIOCore
import Testing

/// `Idempotency-Key` on `POST /api/v1/certificates`: a retry gets the first
/// attempt's certificate, never a second one.
@Suite struct IdempotencyTests {
    static let key = HTTPField.Name("Idempotency-Key")!

    func post(_ client: some TestClientProtocol, token: String, key: String?, _ body: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
        if let key { headers[Self.key] = key }
        return try await client.execute(uri: "/api/v1/certificates", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func object(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
    }

    @Test("a retry with the same key and body returns the same certificate; the log and the record hold one")
    func retryReturnsTheFirstCertificate() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "resident-system", role: .clerk)
        let body = try APITests.body("residence")
        try await fixture.app().test(.router) { client in
            let first = try await post(client, token: secret, key: "\"order-2026-0001\"", body)
            #expect(first.status == .created, "\(String(buffer: first.body))")
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let size = await fixture.state.log.size
            for form in ["\"order-2026-0001\"", "order-2026-0001"] {
                let again = try await post(client, token: secret, key: form, body)
                #expect(again.status == .created)
                #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                let a = try object(first), b = try object(again)
                #expect(a["serial"] as? String == b["serial"] as? String)
                #expect(a["qr"] as? String == b["qr"] as? String, "the same QR text: same envelope, proof and checkpoint")
                #expect(a["logIndex"] as? Int == b["logIndex"] as? Int)
                #expect((b["subjectSecrets"] as? [String])?.isEmpty ?? true, "secrets are never stored, so never repeated")
            }
            #expect(await fixture.state.log.size == size, "no second log entry")
            let all = try await fixture.state.archive.search(.init(limit: 1000))
            #expect(all.count == 1)
        }
    }

    @Test("the same key with another body is 422; another token's same key is its own")
    func reuseAndScope() async throws {
        let fixture = try await ServiceFixture()
        let (alice, _) = try await fixture.state.accounts.createToken(name: "system-a", role: .clerk)
        let (bob, _) = try await fixture.state.accounts.createToken(name: "system-b", role: .clerk)
        try await fixture.app().test(.router) { client in
            let first = try await post(client, token: alice, key: "k-1", try APITests.body("residence"))
            #expect(first.status == .created)
            let other = try await post(client, token: alice, key: "k-1", try APITests.body("graduation"))
            #expect(other.status == .unprocessableContent)
            #expect(try object(other)["error"] as? String == "idempotencyKeyReused")
            let bobs = try await post(client, token: bob, key: "k-1", try APITests.body("graduation"))
            #expect(bobs.status == .created, "keys are per token: \(String(buffer: bobs.body))")
            #expect(try object(bobs)["serial"] as? String != (try object(first)["serial"] as? String))
            for bad in ["", "has space", String(repeating: "x", count: 256), "ключ", "\"unterminated"] {
                let response = try await post(client, token: alice, key: bad, try APITests.body("residence"))
                #expect(response.status == .badRequest, "'\(bad)'")
                #expect(try object(response)["error"] as? String == "invalidIdempotencyKey")
            }
        }
    }

    @Test("concurrent requests with one key make one certificate")
    func concurrentSameKey() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "resident-system", role: .clerk)
        let body = try APITests.body("partnership")
        try await fixture.app().test(.router) { client in
            let serials = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await post(client, token: secret, key: "race-1", body)
                        return (response.status, try? object(response)["serial"] as? String)
                    }
                }
                var out: [(HTTPResponse.Status, String?)] = []
                for try await result in group { out.append(result) }
                return out
            }
            #expect(serials.allSatisfy { $0.0 == .created }, "\(serials)")
            #expect(Set(serials.compactMap(\.1)).count == 1, "one certificate: \(serials)")
            #expect(try await fixture.state.archive.search(.init(limit: 1000)).count == 1)
            #expect(await fixture.state.log.size == 1, "the losers' entries were rolled back with their batch")
        }
    }
}
