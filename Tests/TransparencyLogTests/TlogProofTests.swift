import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// A small signed log: leaves, a checkpoint signed by the log and cosigned
/// by two witnesses, and the policy that trusts them.
struct SignedLogFixture {
    let origin = "log.example/akashi"
    let logSigner: Ed25519NoteSigner
    let witnesses: [CosignatureV1Signer]
    let entries: [[UInt8]]
    let leafHashes: [[UInt8]]
    let tree: InMemoryMerkleTree
    let checkpoint: SignedCheckpoint
    let timestamps: [UInt64] = [1_700_000_000, 1_700_000_123]

    init(size: Int, seed: UInt64 = 42) throws {
        var rng = SplitMix64(seed: seed)
        var entries: [[UInt8]] = []
        for i in 0..<size {
            let length = Int(rng.next() % 41)
            entries.append(Array("entry \(i) ".utf8) + rng.bytes(length))
        }
        self.entries = entries
        leafHashes = entries.map { Merkle.leafHash($0) }
        tree = InMemoryMerkleTree(leafHashes: leafHashes)
        logSigner = try Ed25519NoteSigner(name: origin, privateKey: testKey("log"))
        witnesses = [
            try CosignatureV1Signer(name: "witness1.example", privateKey: testKey("w1")),
            try CosignatureV1Signer(name: "witness2.example", privateKey: testKey("w2")),
        ]
        let body = Checkpoint(origin: origin, size: UInt64(size), rootHash: tree.rootHash())
        let signed = try SignedCheckpoint(signing: body, with: logSigner)
        checkpoint = signed.adding(
            zip(witnesses, timestamps).map { witness, time in witness.cosign(checkpointText: signed.note.text, timestamp: time) })
    }

    func proof(index: UInt64, extra: [UInt8]? = nil) throws -> TlogProof {
        TlogProof(
            extra: extra, index: index,
            inclusionProof: try MerkleProofs.inclusionProof(index: index, size: tree.size, source: tree),
            checkpoint: checkpoint)
    }

    /// Trusts the log and both witnesses, needing `quorum` cosignatures;
    /// with `absentWitness`, also lists a third witness that never cosigns.
    func policy(quorum: Int = 0, absentWitness: Bool = false) throws -> TlogPolicy {
        var keys = witnesses.map(\.verifierKey)
        if absentWitness { keys.append(try CosignatureV1Signer(name: "witness3.example", privateKey: testKey("w3")).verifierKey) }
        return try TlogPolicy(logKey: logSigner.verifierKey, witnesses: keys, quorum: quorum)
    }
}

@Suite("Checkpoints, cosignatures and policies")
struct CheckpointTests {
    @Test("checkpoint text round trip, with and without extension lines")
    func checkpointRoundTrip() throws {
        let root = SHA256.hash([UInt8]("root".utf8))
        for extensions in [[], ["ext one", "— ext two"]] {
            let checkpoint = Checkpoint(origin: "example.com/log", size: 1234, rootHash: root, extensions: extensions)
            let expected = "example.com/log\n1234\n\(root.base64String)\n" + extensions.map { $0 + "\n" }.joined()
            #expect(checkpoint.text == expected)
            #expect(try Checkpoint(parsing: checkpoint.text) == checkpoint)
        }
        let empty = try Checkpoint(parsing: "o\n0\n\(Merkle.emptyRoot.base64String)\n")
        #expect(empty.size == 0 && empty.rootHash == Merkle.emptyRoot)
        let max = try Checkpoint(parsing: "o\n18446744073709551615\n\(root.base64String)\n")
        #expect(max.size == UInt64.max)
    }

    @Test(
        "malformed checkpoint bodies are rejected",
        arguments: [
            "o\n1\n\(String(repeating: "A", count: 43))=",  // no final newline
            "o\n1\n",  // no root line
            "\n1\n\(Merkle.emptyRoot.base64String)\n",  // empty origin
            "o\n01\n\(Merkle.emptyRoot.base64String)\n",  // leading zero
            "o\n00\n\(Merkle.emptyRoot.base64String)\n",
            "o\n+1\n\(Merkle.emptyRoot.base64String)\n",
            "o\n-1\n\(Merkle.emptyRoot.base64String)\n",
            "o\n 1\n\(Merkle.emptyRoot.base64String)\n",
            "o\n\n\(Merkle.emptyRoot.base64String)\n",
            "o\n18446744073709551616\n\(Merkle.emptyRoot.base64String)\n",  // 2^64
            "o\n1\n\(Array(Merkle.emptyRoot.dropLast()).base64String)\n",  // 31 bytes
            "o\n1\n\((Merkle.emptyRoot + [0]).base64String)\n",  // 33 bytes
            "o\n1\n\(Merkle.emptyRoot.hexString)\n",  // hex, not base64
            "o\n1\n\(Merkle.emptyRoot.base64String)\n\nafter an empty line\n",  // empty extension line
        ] as [String])
    func malformedCheckpoint(_ text: String) {
        #expect(throws: NoteError.self, "\(text.debugDescription)") { try Checkpoint(parsing: text) }
    }

    @Test("cosignature/v1 signed message and timestamp encoding follow c2sp.org/tlog-cosignature")
    func cosignatureFormat() throws {
        // The example message of the specification.
        let body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        #expect(
            CosignatureV1.signedMessage(checkpointText: body, timestamp: 1_679_315_147)
                == Array("cosignature/v1\ntime 1679315147\n\(body)".utf8))

        let witness = try CosignatureV1Signer(name: "witness.example/w1", privateKey: testKey("w"))
        #expect(witness.verifierKey.type == .cosignatureV1)
        let time: UInt64 = 0x0102_0304_0506_0708
        let line = witness.cosign(checkpointText: body, timestamp: time)
        #expect(line.name == "witness.example/w1")
        #expect(line.keyID == witness.verifierKey.keyID)
        #expect(line.bytes.count == 72)
        #expect(Array(line.bytes.prefix(8)) == [1, 2, 3, 4, 5, 6, 7, 8], "big-endian u64 timestamp")
        #expect(CosignatureV1.timestamp(of: line.bytes) == time)
        // The Ed25519 signature is over the cosignature/v1 message, checked with the raw key.
        let message = CosignatureV1.signedMessage(checkpointText: body, timestamp: time)
        #expect(witness.privateKey.publicKey.isValidSignature(Array(line.bytes.dropFirst(8)), for: message))

        let verifier = CosignatureV1Verifier(key: witness.verifierKey)
        #expect(verifier.verify(message: Array(body.utf8), signature: line.bytes))
        // Another body, another timestamp, a truncated or extended signature: rejected.
        #expect(!verifier.verify(message: Array(body.dropLast().utf8) + [0x0a, 0x0a], signature: line.bytes))
        var otherTime = line.bytes
        otherTime[7] ^= 1
        #expect(!verifier.verify(message: Array(body.utf8), signature: otherTime))
        #expect(!verifier.verify(message: Array(body.utf8), signature: Array(line.bytes.dropLast())))
        #expect(!verifier.verify(message: Array(body.utf8), signature: line.bytes + [0]))
        #expect(CosignatureV1.timestamp(of: Array(line.bytes.dropLast())) == nil)
        // A plain Ed25519 signature of the body (no header, no timestamp) is not a cosignature.
        let plain = witness.privateKey.signature(for: Array(body.utf8))
        #expect(!verifier.verify(message: Array(body.utf8), signature: [UInt8](repeating: 0, count: 8) + plain))
    }

    @Test("cosignature timestamps above 2^63 - 1 are rejected even when correctly signed")
    func cosignatureTimestampLimit() throws {
        let witness = try CosignatureV1Signer(name: "w.example", privateKey: testKey("w"))
        let verifier = CosignatureV1Verifier(key: witness.verifierKey)
        let body = "o\n1\n\(Merkle.emptyRoot.base64String)\n"
        let atLimit = witness.cosign(checkpointText: body, timestamp: UInt64(Int64.max))
        #expect(verifier.verify(message: Array(body.utf8), signature: atLimit.bytes))
        let beyond = witness.cosign(checkpointText: body, timestamp: UInt64(Int64.max) + 1)
        #expect(!verifier.verify(message: Array(body.utf8), signature: beyond.bytes))
    }

    @Test("a checkpoint policy checks origin, the log signature and the witness quorum")
    func policy() throws {
        let log = try SignedLogFixture(size: 5)
        let reparsed = try SignedCheckpoint(parsing: log.checkpoint.serialized)
        #expect(reparsed == log.checkpoint)
        #expect(reparsed.note.signatures.map(\.name) == ["log.example/akashi", "witness1.example", "witness2.example"])

        let verified = try log.policy(quorum: 2).verify(reparsed)
        #expect(verified.checkpoint == log.checkpoint.checkpoint)
        #expect(verified.cosigners.map(\.name) == ["witness1.example", "witness2.example"])
        #expect(verified.cosigners.map(\.timestamp) == log.timestamps)
        #expect(try log.policy(quorum: 0).verify(reparsed).cosigners.count == 2)

        #expect(Self.code { _ = try log.policy(quorum: 3, absentWitness: true).verify(reparsed) } == .unverified)

        // Without one witness's line, quorum 2 fails and quorum 1 passes.
        let oneWitness = try SignedCheckpoint(
            note: SignedNote(text: reparsed.note.text, signatures: Array(reparsed.note.signatures.prefix(2))))
        #expect(Self.code { _ = try log.policy(quorum: 2).verify(oneWitness) } == .unverified)
        #expect(try log.policy(quorum: 1).verify(oneWitness).cosigners.map(\.name) == ["witness1.example"])

        // Witnesses alone do not make a checkpoint: the log must have signed.
        let noLog = try SignedCheckpoint(note: SignedNote(text: reparsed.note.text, signatures: Array(reparsed.note.signatures.dropFirst())))
        #expect(Self.code { _ = try log.policy(quorum: 2).verify(noLog) } == .unverified)

        // A broken cosignature by a trusted witness counts as absent (the
        // holder could drop it anyway): fine for quorum 1, not for quorum 2.
        var signatures = reparsed.note.signatures
        signatures[2] = SignedNote.Signature(name: signatures[2].name, keyID: signatures[2].keyID, bytes: signatures[2].bytes.flippingBit(100))
        let badWitness = try SignedCheckpoint(note: SignedNote(text: reparsed.note.text, signatures: signatures))
        #expect(Self.code { _ = try log.policy(quorum: 1).verify(badWitness) } == nil)
        #expect(Self.code { _ = try log.policy(quorum: 2).verify(badWitness) } == .unverified)

        // A policy for another origin, or a log key with another name.
        let otherOrigin = try TlogPolicy(logKey: Ed25519NoteSigner(name: "log.example/other", privateKey: testKey("log")).verifierKey)
        #expect(Self.code { _ = try otherOrigin.verify(reparsed) } == .unverified)
        let otherLog = try Ed25519NoteSigner(name: log.origin, privateKey: testKey("impostor"))
        #expect(Self.code { _ = try TlogPolicy(logKey: otherLog.verifierKey).verify(reparsed) } == .unverified)
    }

    static func code(_ body: () throws -> Void) -> NoteError.Code? {
        do {
            try body()
        } catch let error as NoteError {
            return error.code
        } catch {
            Issue.record("expected a NoteError, got \(type(of: error)): \(error)")
        }
        return nil
    }
}

@Suite("tlog-proof and the compact proof")
struct TlogProofTests {
    @Test("proof text layout and round trip", arguments: [nil, [], Array("age-v1.2.1-darwin-arm64.tar.gz".utf8)] as [[UInt8]?])
    func textRoundTrip(extra: [UInt8]?) throws {
        let log = try SignedLogFixture(size: 1000)
        let proof = try log.proof(index: 737, extra: extra)
        let text = proof.text
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        #expect(lines.popFirst() == "c2sp.org/tlog-proof@v1")
        if let extra { #expect(lines.popFirst().map(String.init) == "extra \(extra.base64String)") }
        #expect(lines.popFirst() == "index 737")
        for hash in proof.inclusionProof { #expect(lines.popFirst().map(String.init) == hash.base64String) }
        #expect(lines.popFirst() == "")
        #expect(lines.joined(separator: "\n") == log.checkpoint.serialized)
        #expect(proof.inclusionProof.count == 10)

        let parsed = try TlogProof(parsing: text)
        #expect(parsed == proof)
        #expect(parsed.text == text)
        #expect(parsed.extra == extra)
        try parsed.verify(leafHash: log.leafHashes[737], policy: log.policy(quorum: 2))
    }

    @Test("a proof for a one-entry tree has no hashes")
    func singleEntry() throws {
        let log = try SignedLogFixture(size: 1)
        let proof = try log.proof(index: 0)
        #expect(proof.inclusionProof.isEmpty)
        #expect(proof.text.hasPrefix("c2sp.org/tlog-proof@v1\nindex 0\n\nlog.example/akashi\n1\n"))
        let parsed = try TlogProof(parsing: proof.text)
        try parsed.verify(leafHash: log.leafHashes[0], policy: log.policy(quorum: 2))
    }

    @Test("verification checks the checkpoint, then the inclusion of the leaf")
    func verification() throws {
        let log = try SignedLogFixture(size: 300)
        let proof = try log.proof(index: 123)
        let verified = try proof.verify(leafHash: log.leafHashes[123], policy: log.policy(quorum: 2))
        #expect(verified.cosigners.count == 2)

        // Another entry's leaf, or a leaf at another index.
        #expect(Self.proofCode { try proof.verify(leafHash: log.leafHashes[124], policy: log.policy()) } == .rootMismatch)
        let shifted = TlogProof(index: 124, inclusionProof: proof.inclusionProof, checkpoint: proof.checkpoint)
        #expect(throws: ProofError.self) { try shifted.verify(leafHash: log.leafHashes[123], policy: log.policy()) }
        let outside = TlogProof(index: 300, inclusionProof: proof.inclusionProof, checkpoint: proof.checkpoint)
        #expect(Self.proofCode { try outside.verify(leafHash: log.leafHashes[123], policy: log.policy()) } == .indexOutOfRange)
        let short = TlogProof(index: 123, inclusionProof: proof.inclusionProof.dropLast(), checkpoint: proof.checkpoint)
        #expect(Self.proofCode { try short.verify(leafHash: log.leafHashes[123], policy: log.policy()) } == .wrongProofLength)

        // Signature failures come first, as NoteErrors.
        #expect(throws: NoteError.self) { try proof.verify(leafHash: log.leafHashes[123], policy: log.policy(quorum: 3, absentWitness: true)) }
        let stranger = try Ed25519NoteSigner(name: log.origin, privateKey: testKey("stranger"))
        let forged = TlogProof(
            index: 123, inclusionProof: proof.inclusionProof,
            checkpoint: try SignedCheckpoint(signing: log.checkpoint.checkpoint, with: stranger))
        #expect(throws: NoteError.self) { try forged.verify(leafHash: log.leafHashes[123], policy: log.policy()) }
    }

    static let goodBody: String = {
        let log = try! SignedLogFixture(size: 3)
        return try! log.proof(index: 2).text
    }()

    static let malformedTexts: [(String, String)] = {
        let good = goodBody
        let checkpoint = String(good.split(separator: "\n\n", maxSplits: 1)[1])
        let header = "c2sp.org/tlog-proof@v1\n"
        func replacingIndex(_ with: String) -> String { good.replacingOccurrences(of: "index 2\n", with: with) }
        let hash31 = [UInt8](repeating: 1, count: 31).base64String
        let emptyRoot = Merkle.emptyRoot.base64String
        var cases: [(String, String)] = []
        cases.append(("empty", ""))
        cases.append(("wrong header", good.replacingOccurrences(of: "tlog-proof@v1", with: "tlog-proof@v2")))
        cases.append(("header only", header))
        cases.append(("missing index", replacingIndex("")))
        cases.append(("leading zero", replacingIndex("index 02\n")))
        cases.append(("negative", replacingIndex("index -2\n")))
        cases.append(("plus sign", replacingIndex("index +2\n")))
        cases.append(("empty index", replacingIndex("index \n")))
        cases.append(("two spaces", replacingIndex("index  2\n")))
        cases.append(("overflowing index", replacingIndex("index 18446744073709551616\n")))
        cases.append(("extra after index", replacingIndex("index 2\nextra AAAA\n")))
        cases.append(("extra not base64", replacingIndex("extra !!\nindex 2\n")))
        cases.append(("hash not base64", replacingIndex("index 2\nnot-a-hash\n")))
        cases.append(("hash of 31 bytes", replacingIndex("index 2\n" + hash31 + "\n")))
        cases.append(("no checkpoint", header + "index 2\n\n"))
        cases.append(("no blank line", header + "index 2\n" + checkpoint))
        cases.append(("checkpoint without signatures", header + "index 0\n\no\n1\n" + emptyRoot + "\n"))
        cases.append(("decoy checkpoint", header + "index 0\n\ndecoy, must never be served\n"))
        cases.append(("65 hashes", header + "index 0\n" + String(repeating: emptyRoot + "\n", count: 65) + "\n" + checkpoint))
        return cases
    }()

    @Test("malformed proof texts are rejected", arguments: malformedTexts)
    func malformed(_ label: String, _ text: String) {
        #expect(throws: NoteError.self, "\(label)") { try TlogProof(parsing: text) }
    }

    @Test("64 hashes are accepted by the parser")
    func sixtyFourHashes() throws {
        let checkpoint = String(Self.goodBody.split(separator: "\n\n", maxSplits: 1)[1])
        let text = "c2sp.org/tlog-proof@v1\nindex 0\n" + String(repeating: Merkle.emptyRoot.base64String + "\n", count: 64) + "\n" + checkpoint
        #expect(try TlogProof(parsing: text).inclusionProof.count == 64)
    }

    // MARK: Compact proof (docs/spec/compact-proof.md, format v2)

    /// PATHLEN of the spec, §2, written as its recursion.
    static func pathLengthByRecursion(_ m: UInt64, _ n: UInt64) -> Int {
        if n == 1 { return 0 }
        var k: UInt64 = 1
        while k << 1 < n { k <<= 1 }
        return m < k ? 1 + pathLengthByRecursion(m, k) : 1 + pathLengthByRecursion(m - k, n - k)
    }

    @Test("the number of proof hashes follows from index and tree size (spec §2, its table and its recursion)")
    func pathLengths() throws {
        for n in UInt64(1)...300 {
            for m in 0..<n { #expect(CompactProof.pathLength(index: m, treeSize: n) == Self.pathLengthByRecursion(m, n), "m=\(m) n=\(n)") }
        }
        let table: [(UInt64, UInt64, Int)] = [
            (0, 1, 0), (0, 2, 1), (1, 2, 1), (0, 3, 2), (2, 3, 1), (3, 4, 2), (0, 5, 3), (4, 5, 1), (3, 7, 3), (6, 7, 2),
            (5, 8, 3), (0, 1000, 10), (768, 1000, 10), (999, 1000, 8), (1023, 1024, 10), (1024, 1025, 1), (1_048_575, 1_048_581, 21),
        ]
        for (m, n, h) in table { #expect(CompactProof.pathLength(index: m, treeSize: n) == h, "m=\(m) n=\(n)") }
        // And the real tree's proofs have exactly that many hashes.
        let log = try SignedLogFixture(size: 37)
        for i in UInt64(0)..<37 { #expect(try log.proof(index: i).inclusionProof.count == CompactProof.pathLength(index: i, treeSize: 37)) }
    }

    @Test("compact proof round trip and size", arguments: [1, 2, 7, 300, 1000])
    func compactRoundTrip(size: Int) throws {
        let log = try SignedLogFixture(size: size)
        let index = UInt64(size - 1)
        let proof = try log.proof(index: index)
        let compact = try CompactProof.encode(proof)
        let leaf = log.leafHashes[Int(index)]

        let witnessKeys = log.witnesses.map(\.verifierKey)
        let decoded = try CompactProof(decoding: compact).tlogProof(leafHash: leaf, logKey: log.logSigner.verifierKey, knownKeys: witnessKeys)
        #expect(decoded == proof, "the root recomputed from the leaf and the proof is the checkpoint's")
        #expect(decoded.text == proof.text)
        try decoded.verify(leafHash: leaf, policy: log.policy(quorum: 2))
        #expect(try CompactProof.encode(decoded) == compact)

        // Size: two varints, the hashes, and per signature key ID, length and
        // bytes (64 for the log, 72 per witness) — no version, root or counts.
        func varintSize(_ v: UInt64) -> Int { v < 128 ? 1 : v < 16384 ? 2 : 3 }
        let expected = varintSize(index) + varintSize(UInt64(size)) + 32 * proof.inclusionProof.count + (5 + 64) + 2 * (5 + 72)
        #expect(compact.count == expected)
        #expect(compact.count < proof.text.utf8.count * 2 / 3, "compact \(compact.count) bytes vs text \(proof.text.utf8.count)")

        // Without the witnesses' keys their lines are dropped; the log's stays.
        let logOnly = try CompactProof(decoding: compact).tlogProof(leafHash: leaf, logKey: log.logSigner.verifierKey)
        #expect(logOnly.checkpoint.note.signatures.map(\.name) == [log.origin])
        try logOnly.verify(leafHash: leaf, policy: log.policy(quorum: 0))
        #expect(throws: NoteError.self) { try logOnly.verify(leafHash: leaf, policy: log.policy(quorum: 1)) }
        // Another leaf gives another root, which the log never signed.
        let other = try CompactProof(decoding: compact).tlogProof(
            leafHash: Merkle.leafHash([1, 2, 3]), logKey: log.logSigner.verifierKey, knownKeys: witnessKeys)
        #expect(throws: NoteError.self) { try other.verify(leafHash: Merkle.leafHash([1, 2, 3]), policy: log.policy(quorum: 0)) }
    }

    @Test("compact proofs refuse what they cannot carry and what is not theirs")
    func compactLimits() throws {
        let log = try SignedLogFixture(size: 10)
        let withExtra = try log.proof(index: 3, extra: [1, 2, 3])
        #expect(throws: NoteError.self) { try CompactProof.encode(withExtra) }
        let extended = Checkpoint(origin: log.origin, size: 10, rootHash: log.tree.rootHash(), extensions: ["ext"])
        let withExtension = TlogProof(
            index: 3, inclusionProof: try log.proof(index: 3).inclusionProof,
            checkpoint: try SignedCheckpoint(signing: extended, with: log.logSigner))
        #expect(throws: NoteError.self) { try CompactProof.encode(withExtension) }

        let compact = try CompactProof.encode(try log.proof(index: 3))
        let key = log.logSigner.verifierKey
        let leaf = log.leafHashes[3]
        func verifies(_ bytes: [UInt8], quorum: Int = 2) -> Bool {
            (try? CompactProof(decoding: bytes).tlogProof(leafHash: leaf, logKey: key, knownKeys: log.witnesses.map(\.verifierKey))
                .verify(leafHash: leaf, policy: log.policy(quorum: quorum))) != nil
        }
        #expect(verifies(compact))
        // A truncation either fails to decode or drops a signature the policy needs.
        for length in 0..<compact.count { #expect(!verifies(Array(compact.prefix(length))), "truncated to \(length)") }
        // A trailing byte is an incomplete signature record.
        #expect(throws: NoteError.self) { try CompactProof(decoding: compact + [0]) }
        // The index 3 re-encoded non-minimally (0x83 0x00) is refused.
        #expect(throws: NoteError.self) { try CompactProof(decoding: [0x83, 0x00] + compact[1...]) }
        // A 10-byte varint that overflows 64 bits.
        #expect(throws: NoteError.self) { try CompactProof(decoding: [UInt8](repeating: 0xff, count: 9) + [0x7f] + compact[1...]) }
        // An index outside the tree, a tree beyond 2^53 − 1, an empty tree.
        #expect(throws: NoteError.self) { try CompactProof(decoding: [10, 10] + compact[2...]) }
        #expect(throws: NoteError.self) { try CompactProof(decoding: [0, 0] + compact[2...]) }
        var huge: [UInt8] = [0]
        CompactProof.appendUvarint(1 << 53, to: &huge)
        #expect(throws: NoteError.self) { try CompactProof(decoding: huge + [UInt8](repeating: 0, count: 53 * 32 + 69)) }
        // The same key ID twice.
        let record = Array(compact[(compact.count - 2 * 77 - 69)..<(compact.count - 2 * 77)])
        #expect(throws: NoteError.self) { try CompactProof(decoding: compact + record) }
        // No signature at all.
        #expect(throws: NoteError.self) { try CompactProof(decoding: Array(compact.prefix(2 + 32 * CompactProof.pathLength(index: 3, treeSize: 10)))) }
        // Signed by nobody the verifier knows.
        let stranger = try Ed25519NoteSigner(name: log.origin, privateKey: testKey("stranger"))
        #expect(throws: NoteError.self) { try CompactProof(decoding: compact).tlogProof(leafHash: leaf, logKey: stranger.verifierKey) }
    }

    @Test("large indices and sizes survive the varint encoding, up to 2^53 − 1")
    func compactLargeNumbers() throws {
        let log = try SignedLogFixture(size: 2)
        for size in [UInt64(1) << 35, CompactProof.maxTreeSize] {
            let index = size - 1
            let body = Checkpoint(origin: log.origin, size: size, rootHash: log.tree.rootHash())
            let hashes = [[UInt8]](repeating: log.leafHashes[0], count: CompactProof.pathLength(index: index, treeSize: size))
            let proof = TlogProof(index: index, inclusionProof: hashes, checkpoint: try SignedCheckpoint(signing: body, with: log.logSigner))
            let compact = try CompactProof.encode(proof)
            // 2^35 − 1 takes five 7-bit groups and 2^35 six; 2^53 − 1 and 2^53 − 2 take eight.
            #expect(compact.count == (size == CompactProof.maxTreeSize ? 16 : 11) + 32 * hashes.count + 69)
            let decoded = try CompactProof(decoding: compact)
            #expect(decoded.index == index && decoded.treeSize == size && decoded.hashes == hashes)
        }
        let tooBig = Checkpoint(origin: log.origin, size: UInt64.max, rootHash: log.tree.rootHash())
        #expect(throws: NoteError.self) {
            try CompactProof.encode(TlogProof(index: 0, inclusionProof: [], checkpoint: try SignedCheckpoint(signing: tooBig, with: log.logSigner)))
        }
    }

    /// A single-byte change anywhere in a compact proof must make it
    /// undecodable or unverifiable under a policy that requires both
    /// witnesses. The varint bytes get all 255 other values; key IDs and
    /// lengths every bit flip; hash and signature bytes one bit flip each.
    @Test("single-byte changes at every position of a compact proof are caught")
    func compactMutations() throws {
        let log = try SignedLogFixture(size: 21)
        let index: UInt64 = 13
        let leaf = log.leafHashes[Int(index)]
        let compact = try CompactProof.encode(try log.proof(index: index))
        let policy = try log.policy(quorum: 2)
        let logKey = log.logSigner.verifierKey
        let knownKeys = log.witnesses.map(\.verifierKey)
        try CompactProof(decoding: compact).tlogProof(leafHash: leaf, logKey: logKey, knownKeys: knownKeys).verify(leafHash: leaf, policy: policy)

        // Offsets from the documented layout: index, size, the hashes, then records.
        let numbers: Set<Int> = [0, 1]
        var headers: Set<Int> = []
        var offset = 2 + 32 * CompactProof.pathLength(index: index, treeSize: 21)
        while offset < compact.count {
            for i in offset..<(offset + 5) { headers.insert(i) }
            offset += 5 + Int(compact[offset + 4])
        }
        #expect(offset == compact.count)

        var accepted: [String] = []
        var tried = 0
        for position in 0..<compact.count {
            let original = compact[position]
            let values: [UInt8]
            if numbers.contains(position) {
                values = (0...255).map(UInt8.init).filter { $0 != original }
            } else if headers.contains(position) {
                values = (0..<8).map { original ^ (1 << $0) }
            } else {
                values = [original ^ (1 << (position % 8))]
            }
            for value in values {
                var mutated = compact
                mutated[position] = value
                tried += 1
                let outcome = Result {
                    try CompactProof(decoding: mutated).tlogProof(leafHash: leaf, logKey: logKey, knownKeys: knownKeys).verify(leafHash: leaf, policy: policy)
                }
                if outcome.succeeded { accepted.append("byte \(position): \(original) → \(value)") }
            }
        }
        #expect(tried == 2 * 255 + headers.count * 8 + (compact.count - 2 - headers.count))
        #expect(accepted.isEmpty, "mutations that still verified: \(accepted.prefix(10))")
    }

    static func proofCode(_ body: () throws -> Void) -> ProofError.Code? {
        do {
            try body()
        } catch let error as ProofError {
            return error.code
        } catch {
            Issue.record("expected a ProofError, got \(type(of: error)): \(error)")
        }
        return nil
    }
}
