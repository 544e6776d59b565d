import AkashiCrypto
import Foundation
import LogStore
import Mirror
import Testing
import TransparencyLog

@Suite("Restoring a lost log from a mirror")
struct RestoreTests {
    @Test("log of a few hundred entries → mirror → database lost → restore: same root, same proofs, appends continue consistently")
    func roundTrip() async throws {
        let tmp = TemporaryDirectory()
        let authority = tmp.sub("authority")
        try FileManager.default.createDirectory(at: authority, withIntermediateDirectories: true)
        let database = authority.appendingPathComponent("akashi.sqlite").path
        let signer = try Ed25519NoteSigner(name: originName, privateKey: testKey("origin"))

        // The authority's log on disk, published as tiles, grown in two batches.
        let before: (checkpoint: SignedCheckpoint, proofs: [UInt64: [[UInt8]]], subjects: [UInt64], entries: [[UInt8]])
        do {
            let origin = try await OriginLog(root: tmp.sub("origin"), path: database)
            try await origin.grow(to: 180)
            try await origin.grow(to: 333)
            try await origin.publish()
            let checkpoint = await origin.store.checkpoint
            var proofs: [UInt64: [[UInt8]]] = [:]
            for index: UInt64 in [0, 1, 100, 255, 256, 300, 332] {
                proofs[index] = try await origin.store.inclusionProof(index: index)
            }
            let entry5 = try await origin.store.entry(at: 5)
            let subject = try LogEntry(parsing: entry5).subjectDigest
            before = (checkpoint, proofs, try await origin.store.indices(subject: subject), try await origin.store.entries(0..<333))
        }
        #expect(before.subjects == [5])

        let f = try MirrorFixture(at: tmp.sub("mirror"))
        let hash = TileLogClient.originHash(originName)
        try await withStaticServer(root: tmp.sub("origin")) { base in
            try await f.mirror.addLog(url: base.appendingPathComponent("log").absoluteString, policy: try TlogPolicy(logKey: signer.verifierKey))
            #expect(try await f.mirror.sync(originHash: hash)?.checkpoint == before.checkpoint.checkpoint)
        }

        // The disk dies: akashi.sqlite and its companions are gone; keys survive.
        for suffix in ["", "-wal", "-shm", ".lock"] {
            try? FileManager.default.removeItem(atPath: database + suffix)
        }

        try await withMirrorServer(f.mirror) { mirrorBase in
            // A source that is down and a mirror given by its bare prefix.
            let down = URL(string: "http://127.0.0.1:1/")!
            let summary = try await LogRestorer.restore(path: database, logKey: signer.verifierKey, from: [down, mirrorBase], timeout: .seconds(5))
            #expect(summary.checkpoint.checkpoint == before.checkpoint.checkpoint)
            #expect(summary.source == mirrorBase.absoluteString + hash + "/")
            #expect(summary.sources.count == 2)
            #expect(summary.sources[0].problem?.hasPrefix("transport") == true)
            // Only lines the authority can verify are kept: the log's own signature
            // (the mirror's cosignature is not in its witness policy).
            #expect(summary.checkpoint.note.signatures.map(\.name) == [signer.verifierKey.name])
            _ = try TlogPolicy(logKey: signer.verifierKey).verify(summary.checkpoint)

            // Restoring over the restored log is refused.
            await expectMirrorError(.notEmpty) {
                try await LogRestorer.restore(path: database, logKey: signer.verifierKey, from: [mirrorBase])
            }
            // Another log's key finds nothing it can verify.
            let stranger = try Ed25519NoteSigner(name: originName, privateKey: testKey("stranger"))
            await expectMirrorError(.unverifiedCheckpoint) {
                try await LogRestorer.restore(path: tmp.sub("other.sqlite").path, logKey: stranger.verifierKey, from: [mirrorBase])
            }
        }

        // The restored file is a log store again.
        let store = try await LogStore.open(path: database, authority: testAuthority, signer: signer)
        #expect(await store.size == 333)
        #expect(await store.checkpoint.checkpoint == before.checkpoint.checkpoint)
        #expect(try await store.rootHash(treeSize: 333) == before.checkpoint.checkpoint.rootHash)
        for (index, proof) in before.proofs {
            #expect(try await store.inclusionProof(index: index) == proof, "inclusion proof of \(index)")
        }
        let subject = try LogEntry(parsing: try await store.entry(at: 5)).subjectDigest
        #expect(try await store.indices(subject: subject) == before.subjects)
        #expect(try await store.checkpoints().map(\.checkpoint.size) == [333])

        // Appending continues the same tree.
        let receipt = try await store.append(LogEntry.document(sha256: SHA256.hash(Array("after restore".utf8)), name: nil))
        #expect(receipt.index == 333)
        let next = receipt.checkpoint.checkpoint
        #expect(next.size == 334)
        _ = try TlogPolicy(logKey: signer.verifierKey).verify(receipt.checkpoint)
        try Merkle.verifyConsistency(
            size1: 333, size2: 334, proof: try await store.consistencyProof(from: 333, to: 334),
            root1: before.checkpoint.checkpoint.rootHash, root2: next.rootHash)
        try Merkle.verifyInclusion(leafHash: receipt.leafHash, index: 333, treeSize: 334, proof: receipt.inclusionProof, root: next.rootHash)
        // The original log would have produced the very same root for that entry.
        var reference = InMemoryMerkleTree()
        for entry in before.entries { reference.append(leafHash: Merkle.leafHash(entry)) }
        reference.append(leafHash: receipt.leafHash)
        #expect(reference.rootHash() == next.rootHash)
    }

    @Test("two sources with two histories: the restore stops and keeps both checkpoints as evidence")
    func splitSourcesRefused() async throws {
        let tmp = TemporaryDirectory()
        let a = try await OriginLog(root: tmp.sub("a"))
        try await a.grow(to: 50)
        try await a.publish()
        let b = try await OriginLog(root: tmp.sub("b"), salt: "fork")
        try await b.grow(to: 70)
        try await b.publish()
        try await withStaticServer(root: tmp.sub("a")) { baseA in
            try await withStaticServer(root: tmp.sub("b")) { baseB in
                let error = await expectMirrorError(.inconsistent) {
                    try await LogRestorer.restore(
                        path: tmp.sub("restored.sqlite").path, logKey: a.vkey,
                        from: [baseA.appendingPathComponent("log"), baseB.appendingPathComponent("log")])
                }
                #expect(error?.evidence.count == 2)
                #expect(!FileManager.default.fileExists(atPath: tmp.sub("restored.sqlite").path))
            }
        }
    }
}

@Suite("Restored checkpoint times come only from verified cosignatures")
struct RestoreTimestampTests {
    @Test("a forged 1970 line is dropped and does not set the time; a listed witness's verified cosignature does")
    func forgedLinesAreDropped() throws {
        let log = try Ed25519NoteSigner(name: "restore.example/log", privateKey: Ed25519.PrivateKey())
        let witness = try CosignatureV1Signer(name: "w.example/witness", privateKey: Ed25519.PrivateKey())
        let checkpoint = Checkpoint(origin: log.name, size: 3, rootHash: [UInt8](repeating: 7, count: 32))
        let signed = try SignedCheckpoint(signing: checkpoint, with: log)
        let cosigned = witness.cosign(checkpointText: signed.note.text, timestamp: 1_800_000_000)
        // A line by nobody the authority knows, claiming timestamp 1 (1970).
        let forged = SignedNote.Signature(name: "x", keyID: 0x0102_0304, bytes: [0, 0, 0, 0, 0, 0, 0, 1] + [UInt8](repeating: 9, count: 64))
        let hostile = try SignedCheckpoint(note: SignedNote(text: signed.note.text, signatures: signed.note.signatures + [forged, cosigned]))
        let policy = try TlogPolicy(parsing: "log \(log.verifierKey)\nwitness w \(witness.verifierKey)\nquorum w\n")

        let (kept, time) = LogRestorer.verifiedLines(hostile, logKey: log.verifierKey, witnessPolicy: policy)
        #expect(kept.note.signatures.map(\.name) == [log.name, witness.name])
        #expect(time == Date(timeIntervalSince1970: 1_800_000_000))

        let (bare, now) = LogRestorer.verifiedLines(hostile, logKey: log.verifierKey, witnessPolicy: nil)
        #expect(bare.note.signatures.map(\.name) == [log.name])
        #expect(abs(now.timeIntervalSinceNow) < 60, "without verified cosignatures: the restore time, never the forged 1970")
    }
}
