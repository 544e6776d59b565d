import AkashiCrypto
import Foundation
import LogStore
import Mirror
import Testing
import TransparencyLog

@Suite("Mirror follows a log over tlog-tiles and serves a cosigned copy")
struct MirrorTests {
    @Test("a growing log is copied step by step; tiles, bundles and checkpoint are served identically, plus the mirror's cosignature")
    func followsGrowingLog() async throws {
        let tmp = TemporaryDirectory()
        let origin = try await OriginLog(root: tmp.sub("origin"))
        try await origin.publish()
        let f = try MirrorFixture(at: tmp.sub("mirror"))
        let hash = TileLogClient.originHash(originName)
        #expect(hash == SHA256.hash(Array(originName.utf8)).hexString)

        try await withStaticServer(root: origin.root) { base in
            let record = try await f.mirror.addLog(url: base.appendingPathComponent("log").absoluteString, policy: origin.policy)
            #expect(record.origin == originName)
            #expect(record.originHash == hash)
            #expect(record.url.hasSuffix("/log/"))

            // Empty log first, then through tile boundaries (255/256/257, a full level-1 entry at 512).
            for size in [0, 70, 255, 256, 257, 300, 600] {
                try await origin.grow(to: size)
                try await origin.publish()
                let served = try #require(try await f.mirror.sync(originHash: hash))
                #expect(served.checkpoint == (await origin.store.checkpoint).checkpoint)
            }
            // Nothing new: unchanged, and the same note (no fresh cosignature).
            let before = await f.mirror.servedCheckpoint(originHash: hash)
            let reports = await f.mirror.syncAll()
            #expect(reports.count == 1)
            #expect(reports[0].error == nil)
            #expect(!reports[0].changed)
            #expect(await f.mirror.servedCheckpoint(originHash: hash) == before)
            let replica = try #require(try await f.mirror.replica(originHash: hash))
            #expect(try await replica.checkpoints().map(\.checkpoint.size) == [0, 70, 255, 256, 257, 300, 600])

            try await withMirrorServer(f.mirror) { mirrorBase in
                let client = TileLogClient(prefix: mirrorBase.appendingPathComponent(hash), timeout: .seconds(10))
                let served = try await client.checkpoint()
                let original = await origin.store.checkpoint
                // The log's note, its signature kept, plus one cosignature/v1 line by the mirror.
                #expect(served.note.text == original.note.text)
                #expect(Array(served.note.signatures.dropLast()) == original.note.signatures)
                #expect(served.note.signatures.last?.name == MirrorFixture.name)
                _ = try served.note.verify([CosignatureV1Verifier(key: f.vkey)])
                let policy = try TlogPolicy(logKey: origin.vkey, witnesses: [f.vkey], quorum: 1)
                #expect(try policy.verify(served).cosigners.map(\.key.name) == [MirrorFixture.name])

                // Every tile and bundle of the tree, byte for byte.
                for coordinate in Tiles.coordinates(treeSize: 600) {
                    let tile = try await client.tile(level: coordinate.level, index: coordinate.index, width: coordinate.width)
                    #expect(tile.bytes == (try origin.bytes(coordinate.path)), "\(coordinate.path)")
                    if coordinate.level == 0 {
                        let bundle = try await client.entryBundle(index: coordinate.index, width: coordinate.width)
                        let path = Tiles.entriesPath(index: coordinate.index, width: coordinate.width)
                        #expect(Tiles.entryBundle(bundle) == (try origin.bytes(path)), "\(path)")
                    }
                }
                // An older partial width is a prefix of what is there now; beyond the tree is a 404.
                #expect(try await client.tile(level: 0, index: 1, width: 1).bytes == Array(try origin.bytes("tile/0/001").prefix(32)))
                await expectMirrorError(.httpStatus) { try await client.tile(level: 0, index: 2, width: 89) }
                // A 404 whose explanation is longer than the tile asked for is still a 404 (after the full-tile fallback).
                let missing = await expectMirrorError(.httpStatus) { try await client.tile(level: 0, index: 9, width: 1) }
                #expect(missing?.reason.contains("answered 404: tile/0/009 is beyond the mirrored tree of size 600") == true)
                await expectMirrorError(.httpStatus) { try await client.entryBundle(index: 3, width: 1) }
                await expectMirrorError(.httpStatus) {
                    try await TileLogClient(prefix: mirrorBase.appendingPathComponent(String(repeating: "0", count: 64))).checkpoint()
                }

                // The mirror's prefix, given bare, resolves to the log's copy.
                let resolved = await TileLogClient.resolve(mirrorBase, origin: originName)
                #expect(resolved.prefix == client.prefix)
                let direct = await TileLogClient.resolve(base.appendingPathComponent("log"), origin: originName)
                #expect(direct.prefix.absoluteString == base.appendingPathComponent("log").absoluteString + "/")

                // A follower of the mirror (a mirror of the mirror) verifies everything again.
                let copy = try LogReplica.inMemory()
                let outcome = try await LogFollower(client: client, policy: origin.policy).update(copy)
                guard case .advanced(0, let to) = outcome else { Issue.record("\(outcome)"); return }
                #expect(to.checkpoint.size == 600)
                #expect(try await copy.rootHash(treeSize: 300) == (try await origin.store.rootHash(treeSize: 300)))
            }
        }
        await f.mirror.close()
    }

    @Test("tampered bundles, a wrong root, a foreign key and forks are refused with their codes; the mirror keeps its last good state")
    func refusals() async throws {
        let tmp = TemporaryDirectory()
        let origin = try await OriginLog(root: tmp.sub("origin"))
        try await origin.grow(to: 100)
        try await origin.publish()
        let f = try MirrorFixture(at: tmp.sub("mirror"))
        let hash = TileLogClient.originHash(originName)

        try await withStaticServer(root: origin.root) { base in
            try await f.mirror.addLog(url: base.appendingPathComponent("log").absoluteString, policy: origin.policy)
            var good = try #require(try await f.mirror.sync(originHash: hash))
            #expect(good.checkpoint.size == 100)

            func expectKeptGoodState(_ note: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let served = await f.mirror.servedCheckpoint(originHash: hash)
                #expect(served == good, "\(note)", sourceLocation: sourceLocation)
                let replica = try #require(try await f.mirror.replica(originHash: hash))
                #expect(await replica.size == good.checkpoint.size, "\(note)", sourceLocation: sourceLocation)
                #expect(await replica.latestCheckpoint?.checkpoint == good.checkpoint, "\(note)", sourceLocation: sourceLocation)
            }

            // 1. An entry the mirror already holds, changed in the bundle.
            try await origin.grow(to: 150)
            try await origin.publish()
            let bundlePath = "tile/entries/000.p/150"
            let pristine = try origin.bytes(bundlePath)
            var tampered = pristine
            tampered[2 + 10] ^= 0x01  // inside entry 0
            try origin.write(bundlePath, tampered)
            await expectMirrorError(.bundleMismatch) { try await f.mirror.sync(originHash: hash) }
            try await expectKeptGoodState("bundle mismatch")
            let recorded = try f.mirror.state.logs()[0]
            #expect(recorded.lastError?.hasPrefix("bundleMismatch") == true)

            // 2. A new entry changed: the entries do not give the checkpoint's root.
            let entries = try #require(Tiles.parseEntryBundle(pristine))
            let offset = entries[..<120].reduce(0) { $0 + 2 + $1.count } + 2 + 5
            tampered = pristine
            tampered[offset] ^= 0x01
            try origin.write(bundlePath, tampered)
            let mismatch = await expectMirrorError(.rootMismatch) { try await f.mirror.sync(originHash: hash) }
            #expect(mismatch?.reason.contains("100..<150") == true)
            try await expectKeptGoodState("root mismatch")

            // Repaired, it goes through.
            try origin.write(bundlePath, pristine)
            good = try #require(try await f.mirror.sync(originHash: hash))
            #expect(good.checkpoint.size == 150)

            // 3. A checkpoint signed by the log key with a root that is not the tree's.
            try await origin.grow(to: 160)
            try await origin.publish()
            let lie = try SignedCheckpoint(
                signing: Checkpoint(origin: originName, size: 160, rootHash: SHA256.hash(Array("not the root".utf8))), with: origin.signer)
            try origin.write("checkpoint", Array(lie.serialized.utf8))
            await expectMirrorError(.rootMismatch) { try await f.mirror.sync(originHash: hash) }
            try await expectKeptGoodState("wrong root")

            // 4. Signed by another key of the same name.
            let impostor = try Ed25519NoteSigner(name: originName, privateKey: testKey("impostor"))
            let foreign = try SignedCheckpoint(signing: (await origin.store.checkpoint).checkpoint, with: impostor)
            try origin.write("checkpoint", Array(foreign.serialized.utf8))
            await expectMirrorError(.unverifiedCheckpoint) { try await f.mirror.sync(originHash: hash) }
            try await expectKeptGoodState("foreign key")

            // 5. Garbage instead of a checkpoint.
            try origin.write("checkpoint", Array("hello\n".utf8))
            await expectMirrorError(.malformedCheckpoint) { try await f.mirror.sync(originHash: hash) }
            try await origin.publish()
            good = try #require(try await f.mirror.sync(originHash: hash))
            #expect(good.checkpoint.size == 160)

            // 6. A fork: the same key signs another history of the same size (split view).
            let fork = try await OriginLog(root: origin.root, salt: "fork")
            try await fork.grow(to: 160)
            try FileManager.default.removeItem(at: origin.directory)
            try await fork.publish()
            let split = await expectMirrorError(.inconsistent) { try await f.mirror.sync(originHash: hash) }
            #expect(split?.evidence.count == 2)
            #expect(split?.evidence.last?.checkpoint == (await fork.store.checkpoint).serialized)
            try await expectKeptGoodState("same-size fork")

            // 7. The fork grows: its history rewrites the mirrored entries.
            try await fork.grow(to: 200)
            try await fork.publish()
            let rewritten = await expectMirrorError(.inconsistent) { try await f.mirror.sync(originHash: hash) }
            #expect(rewritten?.reason.contains("does not extend") == true)
            #expect(rewritten?.evidence.first.map { $0.checkpoint.contains(good.note.text) } == true)
            try await expectKeptGoodState("rewritten history")

            // 8. An older checkpoint of the fork: not the mirrored tree at that size.
            let older = try SignedCheckpoint(
                signing: Checkpoint(origin: originName, size: 120, rootHash: try await fork.store.rootHash(treeSize: 120)), with: fork.signer)
            try origin.write("checkpoint", Array(older.serialized.utf8))
            await expectMirrorError(.inconsistent) { try await f.mirror.sync(originHash: hash) }
            // An older checkpoint of the true history is only stale: accepted, nothing changes.
            let stale = try SignedCheckpoint(
                signing: Checkpoint(origin: originName, size: 120, rootHash: try await origin.store.rootHash(treeSize: 120)), with: origin.signer)
            try origin.write("checkpoint", Array(stale.serialized.utf8))
            #expect(try await f.mirror.sync(originHash: hash) == good)
            try await expectKeptGoodState("stale")
        }
        await f.mirror.close()
    }

    @Test("a copy committed but not cosigned (a crash in between) is cosigned on the next sync; the copy reopens intact")
    func crashBetweenCommitAndCosign() async throws {
        let tmp = TemporaryDirectory()
        let origin = try await OriginLog(root: tmp.sub("origin"))
        try await origin.grow(to: 40)
        try await origin.publish()
        let hash = TileLogClient.originHash(originName)
        let mirrorURL = tmp.sub("mirror")
        let f = try MirrorFixture(at: mirrorURL)

        try await withStaticServer(root: origin.root) { base in
            let url = base.appendingPathComponent("log").absoluteString
            try await f.mirror.addLog(url: url, policy: origin.policy)
            try await f.mirror.sync(originHash: hash)
            await f.mirror.close()

            // The follower commits 40 → 90 but the process "dies" before cosigning.
            try await origin.grow(to: 90)
            try await origin.publish()
            let directory = try MirrorDirectory(at: mirrorURL)
            let replica = try LogReplica.open(path: directory.replicaURL(originHash: hash).path)
            _ = try await LogFollower(client: try TileLogClient(prefix: url), policy: origin.policy).update(replica)
            #expect(await replica.latestCheckpoint?.checkpoint.size == 90)
            #expect(await replica.publishedCheckpoint?.checkpoint.size == 40)
            try await replica.close()

            // A second replica on the same file is refused while one is open.
            let first = try LogReplica.open(path: directory.replicaURL(originHash: hash).path)
            #expect(throws: LogStoreError.self) { try LogReplica.open(path: directory.replicaURL(originHash: hash).path) }
            try await first.close()

            let restarted = try Mirror(
                directory: directory, signer: try directory.signer(readSecret: { try String(contentsOf: $0, encoding: .utf8) }), logger: quietLogger)
            // Served before any sync: still the cosigned 40.
            #expect(await restarted.servedCheckpoint(originHash: hash)?.checkpoint.size == 40)
            let served = try #require(try await restarted.sync(originHash: hash))
            #expect(served.checkpoint.size == 90)
            _ = try served.note.verify([CosignatureV1Verifier(key: restarted.signer.verifierKey)])
            // The copy opens as a log store too (same tables), read-only.
            let asStore = try await LogStore.openReadOnly(path: directory.replicaURL(originHash: hash).path, authority: testAuthority)
            #expect(await asStore.checkpoint == served)
            await restarted.close()
        }
    }

    @Test("mirror directory: key 0600-written by the caller, config, logs list, policy checks")
    func directory() async throws {
        let tmp = TemporaryDirectory()
        let f = try MirrorFixture(at: tmp.sub("m"))
        #expect(f.directory.configuration.vkey == f.vkey.description)
        #expect(f.vkey.type == .cosignatureV1)
        #expect(throws: MirrorError.self) { try MirrorDirectory.create(at: tmp.sub("m"), name: "x.example/m", writeSecret: writeTestSecret) }
        #expect(throws: MirrorError.self) { try MirrorDirectory.create(at: tmp.sub("n"), name: "has space", writeSecret: writeTestSecret) }
        await expectMirrorError(.invalidRequest) { try MirrorDirectory(at: tmp.sub("none")) }
        let other = try Ed25519NoteSigner(name: "other.example/log", privateKey: testKey("other")).verifierKey
        await expectMirrorError(.invalidRequest) {
            try f.directory.openState().addLog(origin: originName, url: "http://x/", policy: try TlogPolicy(logKey: other))
        }
        await expectMirrorError(.invalidRequest) { try await f.mirror.sync(originHash: "00") }
        await expectMirrorError(.invalidRequest) { try await f.mirror.addLog(url: "ftp://x/", policy: try TlogPolicy(logKey: other)) }
    }
}
