import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import LogStore
import NIOCore
import Testing
import TransparencyLog

/// Witnesses that cannot be reached, as the log sees them: every cosigning
/// attempt fails (the real `WitnessCosigner` is tested on loopback in
/// WitnessTests and with real processes in ThreeAuthoritiesTests).
struct UnreachableWitnesses: CheckpointCosigner {
    struct Down: Error, CustomStringConvertible {
        var description: String { "kaga.example/witness: the witness could not be reached" }
    }

    func cosign(_ checkpoint: SignedCheckpoint, consistencyProof: @escaping @Sendable (UInt64) async throws -> [[UInt8]]) async throws -> SignedCheckpoint {
        throw Down()
    }
}

@Suite struct WitnessPolicyServiceTests {
    @Test("when witnesses cannot cosign, the clerk and the API client are told so (503), with the recorded serial and no QR")
    func clerkAndAPIHearTheWitnessPolicyCannotBeMet() async throws {
        let fixture = try await ServiceFixture()
        let (secret, _) = try await fixture.state.accounts.createToken(name: "resident-system", role: .clerk)
        await fixture.state.log.setCosigner(UnreachableWitnesses())
        let before = await fixture.state.log.checkpoint
        try await fixture.app().test(.router) { client in
            let api = try await client.execute(
                uri: "/api/v1/certificates", method: .post,
                headers: [.contentType: "application/json", .authorization: "Bearer \(secret)"],
                body: ByteBuffer(string: try APITests.body("residence")))
            #expect(api.status == .serviceUnavailable)
            #expect(api.headers[.retryAfter] != nil)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: api.body)) as? [String: Any])
            #expect(object["error"] as? String == "witnessPolicy")
            #expect(object["qr"] == nil)
            let serial = try #require(object["serial"] as? String)
            #expect((object["messageJa"] as? String)?.contains("立会人") == true)
            #expect((object["messageEn"] as? String)?.contains("do not issue it again") == true)
            #expect((object["detail"] as? String)?.contains("kaga.example/witness") == true, "the detail names the witness")
            // Reading it back: recorded, but there is no QR to give out yet.
            let read = try await client.execute(uri: "/api/v1/certificates/\(serial)", method: .get, headers: [.authorization: "Bearer \(secret)"])
            #expect(read.status == .serviceUnavailable, "\(String(buffer: read.body))")

            var browser = Browser()
            _ = try await browser.login(client, "clerk")
            let fields = try ServiceFixture.example("residence").map { ("f.\($0.key)", "\($0.value)") }
            let page = try await browser.post(client, "/issue/residence", fields + [("action", "issue")])
            #expect(page.status == .serviceUnavailable)
            let html = String(buffer: page.body)
            #expect(html.contains("立会人（近隣自治体）の署名が方針に必要な数に届かない"), "\(html.prefix(2000))")
            #expect(html.contains("kaga.example/witness"), "the technical detail names the witness")
            #expect(html.contains("<details>"), "the technical detail is folded away")
            #expect(html.contains("href=\"/certificates\""), "the page keeps the clerk's navigation")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
        }
        #expect(await fixture.state.log.checkpoint == before, "nothing was published")
        #expect(await fixture.state.log.size == 2, "both certificates are recorded (unpublished) in the log")
    }

    @Test("the dashboard shows each witness's state and the entries waiting for cosignatures")
    func dashboardShowsWitnesses() async throws {
        let fixture = try await ServiceFixture()
        await fixture.state.witnessing.attach(quorum: "2/3") {
            [
                WitnessHealth(name: "kaga.example/witness", size: 12, lastError: nil),
                WitnessHealth(name: "saga.example/witness", size: 9, lastError: "the witness could not be reached: <refused>"),
                WitnessHealth(name: "iizuka.example/witness", size: 0, lastError: nil),
            ]
        }
        await fixture.state.log.setCosigner(UnreachableWitnesses())
        _ = try? await fixture.state.log.append(Array("waiting".utf8))
        try await fixture.app().test(.router) { client in
            var browser = Browser()
            _ = try await browser.login(client, "clerk")
            let home = try await browser.get(client, "/")
            let html = String(buffer: home.body)
            #expect(html.contains("台帳の立会人"))
            #expect(html.contains("2/3 の署名が必要"))
            #expect(html.contains("kaga.example/witness") && html.contains("署名済み"))
            #expect(html.contains("saga.example/witness") && html.contains("応答なし・拒否"))
            #expect(html.contains("&lt;refused&gt;"), "the reason is escaped")
            #expect(html.contains("未依頼"))
            #expect(html.contains("立会人の署名待ちの記録: 1 件"))
        }
    }
}
