import Accounts
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import NIOCore
import QRScan
import Testing
import TransparencyLog

@Suite struct APITests {
    func post(_ client: some TestClientProtocol, token: String?, _ body: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/api/v1/certificates", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
    }

    static func body(_ kind: String, omit: [String] = [], fields: [String: Any]? = nil) throws -> String {
        let object: [String: Any] = ["kind": kind, "fields": try fields ?? ServiceFixture.example(kind), "omit": omit]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func issueReadAndVerifyEveryKind() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "resident-system", role: .clerk)
        try await fixture.app().test(.router) { client in
            let trustResponse = try await client.execute(uri: "/trust.json", method: .get)
            #expect(trustResponse.status == .ok)
            let trust = try TrustFile.decode(Data(buffer: trustResponse.body))
            for kind in ["residence", "partnership", "energy-origin", "graduation"] {
                let response = try await post(client, token: secret, try Self.body(kind))
                #expect(response.status == .created, "\(kind): \(String(buffer: response.body))")
                let object = try json(response)
                for key in ["serial", "qr", "issuedAt", "expiresAt", "logIndex"] { #expect(object[key] != nil, "missing \(key)") }
                let serial = try #require(object["serial"] as? String)
                let qr = try #require(object["qr"] as? String)
                #expect(response.headers[.location] == "/api/v1/certificates/\(serial)")
                let report = CertificateVerifier(trust: trust).verify(text: qr)
                #expect(report.isGenuine, "\(kind): \(report.reasons.map(\.code))")

                let read = try await client.execute(uri: "/api/v1/certificates/\(serial)", method: .get, headers: [.authorization: "Bearer \(secret)"])
                #expect(read.status == .ok)
                #expect(try json(read)["qr"] as? String == qr, "a read returns the same QR text as the issuance")

                let png = try await client.execute(uri: "/api/v1/certificates/\(serial).png", method: .get, headers: [.authorization: "Bearer \(secret)"])
                #expect(png.status == .ok)
                #expect(png.headers[.contentType] == "image/png")
                #expect(try QRScanner.decode(imageData: Array(buffer: png.body)) == [qr])

                let svg = try await client.execute(uri: "/api/v1/certificates/\(serial).svg", method: .get, headers: [.authorization: "Bearer \(secret)"])
                #expect(String(buffer: svg.body).hasPrefix("<svg"))
                let html = try await client.execute(uri: "/api/v1/certificates/\(serial).html", method: .get, headers: [.authorization: "Bearer \(secret)"])
                #expect(String(buffer: html.body).contains(serial))
                #expect(html.headers[.contentSecurityPolicy]?.contains("style-src 'sha256-") == true)
            }
        }
        // Every issuance was audited in the same transaction as its log entry.
        let issues = try await fixture.state.audit.events(action: "issue")
        #expect(issues.count == 4)
        #expect(issues.allSatisfy { $0.actor == "token:resident-system" })
        await #expect(try fixture.state.audit.verify().intact)
    }

    @Test func statusCodes() async throws {
        let fixture = try await ServiceFixture()
        let (clerk, _) = try await fixture.state.accounts.createToken(name: "clerk", role: .clerk)
        let (auditor, _) = try await fixture.state.accounts.createToken(name: "auditor", role: .auditor)
        let (revoked, revokedToken) = try await fixture.state.accounts.createToken(name: "old", role: .admin)
        try await fixture.state.accounts.revokeToken(id: revokedToken.id)
        try await fixture.app().test(.router) { client in
            #expect(try await post(client, token: nil, try Self.body("residence")).status == .unauthorized)
            #expect(try await post(client, token: "akashi_nope", try Self.body("residence")).status == .unauthorized)
            #expect(try await post(client, token: revoked, try Self.body("residence")).status == .unauthorized)
            let forbidden = try await post(client, token: auditor, try Self.body("residence"))
            #expect(forbidden.status == .forbidden)
            #expect(try json(forbidden)["error"] as? String == "forbidden")
            #expect(try await post(client, token: clerk, "not json").status == .badRequest)
            #expect(try await post(client, token: clerk, "{\"fields\":{}}").status == .badRequest)

            let unknown = try await post(client, token: clerk, "{\"kind\":\"passport\",\"fields\":{}}")
            #expect(unknown.status == .unprocessableContent)
            #expect(try json(unknown)["error"] as? String == "unknownKind")

            var fields = try ServiceFixture.example("residence")
            fields["name"] = nil
            fields["birthDate"] = "1990-02-30"
            fields["myNumber"] = "123456789012"
            let invalid = try await post(client, token: clerk, try Self.body("residence", fields: fields))
            #expect(invalid.status == .unprocessableContent)
            let problems = try #require(try json(invalid)["problems"] as? [[String: Any]])
            let byField = Set(problems.compactMap { $0["field"] as? String })
            #expect(byField == ["name", "birthDate", "myNumber"], "every problem is reported at once: \(byField)")
            #expect(problems.allSatisfy { ($0["ja"] as? String)?.isEmpty == false && ($0["en"] as? String)?.isEmpty == false })

            let missing = try await client.execute(uri: "/api/v1/certificates/AAAA-AAAA-AAAA-AAAA", method: .get, headers: [.authorization: "Bearer \(clerk)"])
            #expect(missing.status == .notFound)
            let auditorRead = try await client.execute(
                uri: "/api/v1/certificates/AAAA-AAAA-AAAA-AAAA", method: .get, headers: [.authorization: "Bearer \(auditor)"])
            #expect(auditorRead.status == .forbidden)
        }
        await #expect(try fixture.state.audit.events(action: "issue").isEmpty, "nothing was issued by the failed requests")
        #expect(await fixture.state.log.size == 0)
    }

    @Test func publicLogEndpoints() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "c", role: .clerk)
        try await fixture.app().test(.router) { client in
            for _ in 0..<3 { #expect(try await post(client, token: secret, try Self.body("energy-origin")).status == .created) }
            let checkpoint = try await client.execute(uri: "/log/checkpoint", method: .get)
            #expect(checkpoint.status == .ok)
            #expect(checkpoint.headers[.cacheControl] == "no-cache")
            let note = try SignedCheckpoint(parsing: String(buffer: checkpoint.body))
            #expect(note.checkpoint.size == 3)
            let vkey = try VerifierKey(parsing: fixture.state.directory.logVerifierKey().description)
            #expect(throws: Never.self) { try TlogPolicy(logKey: vkey).verify(note) }

            let tile = try await client.execute(uri: "/log/tile/0/000.p/3", method: .get)
            #expect(tile.status == .ok)
            let hashes = Array(buffer: tile.body)
            #expect(hashes.count == 3 * 32)
            let leaves = stride(from: 0, to: hashes.count, by: 32).map { Array(hashes[$0..<$0 + 32]) }
            #expect(InMemoryMerkleTree(leafHashes: leaves).rootHash() == note.checkpoint.rootHash)

            let bundle = try await client.execute(uri: "/log/tile/entries/000.p/3", method: .get)
            let entries = try #require(Tiles.parseEntryBundle(Array(buffer: bundle.body)))
            #expect(entries.map(Merkle.leafHash) == leaves)
            #expect(entries.allSatisfy { !String(decoding: $0, as: UTF8.self).contains("飯塚") }, "no personal data in the public log")

            #expect(try await client.execute(uri: "/log/tile/0/000.p/4", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/log/tile/0/000", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/log/tile/0/x000/000.p/1", method: .get).status == .notFound, "non-canonical paths are refused")
            #expect(try await client.execute(uri: "/log/tile/../../etc/passwd", method: .get).status == .notFound)
            // Tile indices whose first entry does not fit in 64 bits: refused, not a crash.
            for huge in [
                "/log/tile/entries/x072/x057/x594/x037/x927/936", "/log/tile/0/x072/x057/x594/x037/x927/936",
                "/log/tile/entries/x018/x446/x744/x073/x709/551/615",
            ] {
                #expect(try await client.execute(uri: huge, method: .get).status == .notFound, "\(huge)")
            }
            #expect(
                try await client.execute(uri: "/log/tile/entries/x072/x057/x594/x037/x927/935", method: .get).status == .notFound,
                "the largest valid index: not there yet")
            let openapi = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(String(buffer: openapi.body).contains("/api/v1/certificates"))
        }
    }
}
