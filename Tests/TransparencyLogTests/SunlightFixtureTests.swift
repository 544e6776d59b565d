import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// The C2SP log of 300 entries from FiloSottile/sunlight's witness test data
/// (`Tests/Fixtures/c2sp-sunlight`): checkpoints cosigned with
/// cosignature/v1 by a mirror and a witness, and the mirror's tiles.
@Suite("Sunlight fixture (C2SP tiles, checkpoints, cosignatures)")
struct SunlightFixtureTests {
    static let originDir = "000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706"
    static let mirrorDir = "c2sp-sunlight/mirror/\(originDir)"

    struct Trust: Decodable {
        let name: String
        let verifierKeys: [String]

        enum CodingKeys: String, CodingKey {
            case name
            case verifierKeys = "verifier_keys"  // the fixture's own spelling
        }
    }

    static func vkey(_ json: String) throws -> VerifierKey {
        let trust = try JSONDecoder().decode(Trust.self, from: Data(contentsOf: Vectors.url(json)))
        let text = try #require(trust.verifierKeys.first)
        let key = try VerifierKey(parsing: text)
        #expect(key.name == trust.name)
        #expect(key.type == .cosignatureV1, "the fixture's keys are cosignature/v1 (0x04)")
        #expect(key.description == text)
        return key
    }

    @Test("the tile directory is the SHA-256 of the log origin")
    func originHash() throws {
        let checkpoint = try SignedCheckpoint(parsing: Vectors.text("\(Self.mirrorDir)/checkpoint"))
        #expect(SHA256.hash(Array(checkpoint.checkpoint.origin.utf8)).hexString == Self.originDir)
    }

    @Test("the mirror's checkpoint carries a cosignature/v1 by mirror.example.org that verifies")
    func mirrorCheckpoint() throws {
        let mirror = try Self.vkey("c2sp-sunlight/mirror/mirror.v0.json")
        #expect(mirror.name == "mirror.example.org")
        #expect(mirror.keyID == 0x3fb1_48ef)

        let text = try Vectors.text("\(Self.mirrorDir)/checkpoint")
        let signed = try SignedCheckpoint(parsing: text)
        #expect(signed.checkpoint.origin == "rome2026h1.example.org")
        #expect(signed.checkpoint.size == 300)
        #expect(signed.checkpoint.rootHash.base64String == "gw31yQrqZZCcEOPrzX+bpy3nJ6QgngTKn8G1m0i62uU=")
        #expect(signed.checkpoint.extensions.isEmpty)
        #expect(signed.serialized == text)

        let verified = try signed.note.verify([mirror.verifier])
        #expect(verified.map(\.name) == ["mirror.example.org"])
        let signature = try #require(signed.note.signatures.first { $0.name == "mirror.example.org" })
        #expect(signature.bytes.count == 72)
        // The timestamp is the first 8 bytes, big-endian: here 0x6954_6780.
        #expect(CosignatureV1.timestamp(of: signature.bytes) == 0x6954_6780)

        // The cosignature covers the checkpoint: another root or size fails.
        let forged = SignedNote(
            text: Checkpoint(origin: signed.checkpoint.origin, size: 301, rootHash: signed.checkpoint.rootHash).text,
            signatures: signed.note.signatures)
        #expect(throws: NoteError.self) { try forged.verify([mirror.verifier]) }
        // An Ed25519 (0x01) key with the same name and public key has another
        // key ID, so it does not even match the cosignature line.
        let plain = try VerifierKey(name: mirror.name, type: .ed25519, publicKey: mirror.publicKey)
        #expect(plain.keyID != mirror.keyID)
        #expect(throws: NoteError.self) { try signed.note.verify([plain.verifier]) }
    }

    @Test("the witness's stored checkpoint carries a witness.example.org cosignature that verifies")
    func witnessCheckpoint() throws {
        let witness = try Self.vkey("c2sp-sunlight/witness.v0.json")
        #expect(witness.name == "witness.example.org")
        #expect(witness.keyID == 0xb8a2_cf20)

        let text = try Vectors.text("c2sp-sunlight/\(Self.originDir)/checkpoint")
        let signed = try SignedCheckpoint(parsing: text)
        #expect(signed.checkpoint.origin == "rome2026h1.example.org")
        #expect(signed.checkpoint.size == 300)
        #expect(signed.checkpoint.rootHash.base64String == "lCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=")
        #expect(signed.note.signatures.count == 2)
        #expect(signed.serialized == text)

        // The log's own line is a static-ct-api (type 0x05) ECDSA signature:
        // unknown to us, and ignored.
        let verified = try signed.note.verify([witness.verifier])
        #expect(verified.map(\.name) == ["witness.example.org"])

        // The cosignature verifier on its own: it signs this body, not the mirror's.
        let cosigner = CosignatureV1Verifier(key: witness)
        let line = try #require(signed.note.signatures.first { $0.name == witness.name })
        #expect(cosigner.verify(message: Array(signed.note.text.utf8), signature: line.bytes))
        let otherText = try Vectors.text("\(Self.mirrorDir)/checkpoint")
        let otherBody = try SignedCheckpoint(parsing: otherText).note.text
        #expect(!cosigner.verify(message: Array(otherBody.utf8), signature: line.bytes), "it cosigned another root")

        // The mirror's key does not verify the witness's line.
        let mirror = try Self.vkey("c2sp-sunlight/mirror/mirror.v0.json")
        #expect(throws: NoteError.self) { try signed.note.verify([mirror.verifier]) }
    }

    @Test("the top-level checkpoint files are decoys and do not parse", arguments: ["c2sp-sunlight/checkpoint", "c2sp-sunlight/mirror/checkpoint"])
    func decoys(path: String) throws {
        let text = try Vectors.text(path)
        #expect(throws: NoteError.self) { try SignedNote(parsing: text) }
        #expect(throws: NoteError.self) { try SignedCheckpoint(parsing: text) }
    }

    // MARK: Tiles

    static func tile(_ relative: String) throws -> ExpandedTile {
        let bytes = try Vectors.bytes("\(mirrorDir)/\(relative)")
        return try #require(ExpandedTile(bytes: bytes), "\(relative) is a tile")
    }

    @Test("the tiles present are exactly those of a tree of size 300")
    func tilePaths() throws {
        let paths = Tiles.coordinates(treeSize: 300).map(\.path)
        #expect(paths == ["tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"])
        for coordinate in Tiles.coordinates(treeSize: 300) {
            let bytes = try Vectors.bytes("\(Self.mirrorDir)/\(coordinate.path)")
            #expect(bytes.count == coordinate.width * 32, "\(coordinate.path)")
            #expect(Tiles.width(level: coordinate.level, index: coordinate.index, treeSize: 300) == coordinate.width)
        }
        #expect(Tiles.entriesPath(index: 0) == "tile/entries/000")
        #expect(Tiles.entriesPath(index: 1, width: 44) == "tile/entries/001.p/44")
        for path in [Tiles.entriesPath(index: 0), Tiles.entriesPath(index: 1, width: 44)] {
            #expect(FileManager.default.fileExists(atPath: Vectors.url("\(Self.mirrorDir)/\(path)").path), "\(path)")
        }
    }

    @Test("the tree of size 300 recomputed from the tiles has the checkpoint's root")
    func rootFromTiles() throws {
        let full = try Self.tile("tile/0/000")
        let partial = try Self.tile("tile/0/001.p/44")
        let level1 = try Self.tile("tile/1/000.p/1")
        #expect(full.width == 256 && partial.width == 44 && level1.width == 1)
        // A level-1 hash is the root of the full tile below it.
        #expect(level1.hashes[0] == full.rootHash)

        let source = TileHashSource { level, index in
            switch (level, index) {
            case (0, 0): full
            case (0, 1): partial
            case (1, 0): level1
            default: throw ProofError(.indexOutOfRange, "no tile \(level)/\(index) in the fixture")
            }
        }
        let checkpoint = try SignedCheckpoint(parsing: Vectors.text("\(Self.mirrorDir)/checkpoint")).checkpoint
        let root = try MerkleProofs.rootHash(size: 300, source: source)
        #expect(root == checkpoint.rootHash)

        // The same root from the 300 leaf hashes alone.
        let leaves = full.hashes + partial.hashes
        #expect(InMemoryMerkleTree(leafHashes: leaves).rootHash() == checkpoint.rootHash)
        // And the witness's other tree of size 300 is not this one.
        let other = try SignedCheckpoint(parsing: Vectors.text("c2sp-sunlight/\(Self.originDir)/checkpoint")).checkpoint
        #expect(root != other.rootHash)

        // Proofs computed from the tiles verify against the cosigned root.
        for index: UInt64 in [0, 1, 127, 255, 256, 257, 290, 299] {
            let proof = try MerkleProofs.inclusionProof(index: index, size: 300, source: source)
            try Merkle.verifyInclusion(leafHash: leaves[Int(index)], index: index, treeSize: 300, proof: proof, root: checkpoint.rootHash)
        }
        for size1: UInt64 in [1, 44, 255, 256, 257, 299] {
            let proof = try MerkleProofs.consistencyProof(from: size1, to: 300, source: source)
            let root1 = try MerkleProofs.rootHash(size: size1, source: source)
            #expect(root1 == InMemoryMerkleTree(leafHashes: Array(leaves.prefix(Int(size1)))).rootHash())
            try Merkle.verifyConsistency(size1: size1, size2: 300, proof: proof, root1: root1, root2: checkpoint.rootHash)
        }
    }

    /// The fixture's entry bundles are placeholders: gzip of the text
    /// "fake mirrored (partial) entry bundle\n", not 256 (or 44)
    /// length-prefixed entries, so they cannot hash to the level-0 tiles.
    /// What can be checked is that the parser refuses them as bundles.
    @Test("the fixture's entry bundles are gzip placeholders that do not parse as bundles", arguments: ["tile/entries/000", "tile/entries/001.p/44"])
    func placeholderBundles(path: String) throws {
        let bytes = try Vectors.bytes("\(Self.mirrorDir)/\(path)")
        #expect(Array(bytes.prefix(2)) == [0x1f, 0x8b], "gzip magic")
        #expect(Tiles.parseEntryBundle(bytes) == nil)
    }
}
