import Foundation
import Mirror
import Testing
import TransparencyLog

/// `Mirror.follow(url:policies:)` (`--vkey`/`--trust`) and
/// `followOnFirstUse(url:policies:)` (the keys an authority publishes).
@Suite("Following a log under given or published keys")
struct MirrorFollowTests {
    @Test("one policy: followed without a request; several: the served checkpoint's origin, verified; first use: the served origin must be listed")
    func follow() async throws {
        let tmp = TemporaryDirectory()
        let origin = try await OriginLog(root: tmp.sub("origin"))
        try await origin.grow(to: 3)
        try await origin.publish()
        let stranger = try Ed25519NoteSigner(name: "other.example/akashi/log", privateKey: testKey("other"))
        let strangerPolicy = try TlogPolicy(logKey: stranger.verifierKey)
        let f = try MirrorFixture(at: tmp.sub("mirror"))

        // Nothing listens there: one policy needs no request.
        let offline = try await f.mirror.follow(url: "http://127.0.0.1:1/log/", policies: [stranger.name: strangerPolicy])
        #expect(offline.origin == stranger.name)

        try await withStaticServer(root: tmp.sub("origin")) { base in
            let url = base.appendingPathComponent("log").absoluteString
            let record = try await f.mirror.follow(url: url, policies: [originName: origin.policy, stranger.name: strangerPolicy])
            #expect(record.origin == originName)
            #expect(record.policy == origin.policy.text)
            // Several policies, none of them this log's: its checkpoint does not verify.
            await expectMirrorError(.unverifiedCheckpoint) {
                try await f.mirror.follow(
                    url: url,
                    policies: [
                        stranger.name: strangerPolicy,
                        "third.example/log": try TlogPolicy(logKey: try Ed25519NoteSigner(name: "third.example/log", privateKey: testKey("third")).verifierKey),
                    ])
            }

            let g = try MirrorFixture(at: tmp.sub("mirror2"))
            let error = await expectMirrorError(.unlistedOrigin) {
                try await g.mirror.followOnFirstUse(url: url, policies: [stranger.name: strangerPolicy])
            }
            #expect(error?.reason.contains("list no log '\(originName)'") == true, "\(error?.reason ?? "")")
            #expect(await g.mirror.logs.isEmpty, "nothing is followed")
            let pinned = try await g.mirror.followOnFirstUse(url: url, policies: [stranger.name: strangerPolicy, originName: origin.policy])
            #expect(pinned.origin == originName)
            #expect(try await g.mirror.sync(originHash: pinned.originHash)?.checkpoint.size == 3, "the first sync verifies and copies")
        }
    }
}
