import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TransparencyLog
import Witness

@Suite("Witness HTTP service")
struct WitnessHTTPTests {
    func app(_ f: WitnessFixture) -> some ApplicationProtocol {
        Application(router: WitnessApplication.router(witness: f.witness))
    }

    func post(_ client: some TestClientProtocol, _ body: [UInt8]) async throws -> TestResponse {
        try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(bytes: body))
    }

    @Test("POST /add-checkpoint: 200 with the cosignature line as text")
    func success() async throws {
        let f = try WitnessFixture()
        try await app(f).test(.router) { client in
            let response = try await post(client, f.log.body(old: 0, size: 6))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
            let text = String(buffer: response.body)
            _ = try AddCheckpointTests.verifiedCosignatures(text, on: f.log.checkpoint(6), key: f.witness.verifierKey)

            let next = try await post(client, f.log.body(old: 6, size: 11))
            #expect(next.status == .ok)
            _ = try AddCheckpointTests.verifiedCosignatures(String(buffer: next.body), on: f.log.checkpoint(11), key: f.witness.verifierKey)
        }
        #expect(try f.storedSize() == 11)
    }

    @Test("409 for a stale old size: body '<size>\\n', Content-Type text/x.tlog.size")
    func conflictBody() async throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 42)
        try await app(f).test(.router) { client in
            let response = try await post(client, f.log.body(old: 40, size: 50))
            #expect(response.status == .conflict)
            #expect(response.headers[.contentType] == "text/x.tlog.size")
            #expect(String(buffer: response.body) == "42\n")

            // A fork is a 409 too, but not a size: plain text.
            let fork = TestLog(salt: "fork")
            let forked = try await post(client, fork.body(old: 42, size: 42))
            #expect(forked.status == .conflict)
            #expect(forked.headers[.contentType] != "text/x.tlog.size")
            #expect(String(buffer: forked.body).contains("fork"))
        }
    }

    @Test("each refusal has its status")
    func statuses() async throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 10)
        let unknown = TestLog(origin: "unknown.example/log", keyLabel: "u")
        let impostor = TestLog(keyLabel: "impostor")
        let rewritten = TestLog(salt: "rewritten")
        let cases: [(String, [UInt8], HTTPResponse.Status)] = [
            ("unknown origin", unknown.body(old: 0, size: 3), .notFound),
            ("unknown key", impostor.body(old: 10, size: 12), .forbidden),
            ("old > size", AddCheckpointRequest(oldSize: 10, proof: [], checkpoint: f.log.checkpoint(9)).body, .badRequest),
            ("malformed", Array("old 1\n".utf8), .badRequest),
            ("bad proof", AddCheckpointRequest(oldSize: 10, proof: f.log.proof(from: 9, to: 12), checkpoint: f.log.checkpoint(12)).body, .unprocessableContent),
            ("inconsistent history", rewritten.body(old: 10, size: 12), .unprocessableContent),
        ]
        try await app(f).test(.router) { client in
            for (label, body, status) in cases {
                let response = try await post(client, body)
                #expect(response.status == status, "\(label): \(String(buffer: response.body))")
                #expect(String(buffer: response.body).hasSuffix("\n"), "\(label)")
            }
        }
        #expect(try f.storedSize() == 10)
    }

    @Test("bodies above 64 KiB are refused before parsing; only POST adds; /healthz answers")
    func limitsAndHealth() async throws {
        let f = try WitnessFixture()
        try await app(f).test(.router) { client in
            let big = Array("old 0\n".utf8) + [UInt8](repeating: 0x41, count: WitnessApplication.maxBodySize)
            let tooBig = try await post(client, big)
            #expect(tooBig.status == .contentTooLarge)

            let get = try await client.execute(uri: "/add-checkpoint", method: .get)
            #expect(get.status != .ok)

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == "ok\n")
        }
        #expect(try f.storedSize() == 0)
    }
}
