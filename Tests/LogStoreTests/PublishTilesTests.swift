import AkashiCrypto
import Foundation
import LogStore
import Testing
import TransparencyLog

@Suite("LogStore static tiles")
struct PublishTilesTests {
    /// Every regular file below `directory`, as relative paths.
    static func files(in directory: URL) -> Set<String> {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let prefix = directory.standardizedFileURL.path + "/"
        var out: Set<String> = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.insert(String(url.standardizedFileURL.path.dropFirst(prefix.count)))
        }
        return out
    }

    static func inode(_ url: URL) -> UInt64? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.systemFileNumber] as? UInt64
    }

    /// Checks a publication of a tree of `reference.size` entries in `directory`
    /// against the reference tree, the entries and the signed checkpoint.
    static func checkPublication(
        _ directory: URL, reference: InMemoryMerkleTree, entries: [[UInt8]], policy: TlogPolicy, exactLayout: Bool
    ) throws {
        let size = reference.size
        let coordinates = Tiles.coordinates(treeSize: size)
        if exactLayout {
            var expected: Set<String> = ["checkpoint"]
            for c in coordinates {
                expected.insert(c.path)
                if c.level == 0 { expected.insert(Tiles.entriesPath(index: c.index, width: c.width)) }
            }
            #expect(files(in: directory) == expected)
        }
        // The checkpoint file: signed, of this size and root.
        let checkpointText = try String(contentsOf: directory.appendingPathComponent("checkpoint"), encoding: .utf8)
        let checkpoint = try SignedCheckpoint(parsing: checkpointText)
        _ = try policy.verify(checkpoint)
        #expect(checkpoint.checkpoint.size == size)
        #expect(checkpoint.checkpoint.rootHash == reference.rootHash())

        for c in coordinates {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(c.path)))
            // Tile hash i at level L is the perfect subtree of height 8L at N·256+i.
            let expected = (0..<UInt64(c.width)).flatMap {
                try! reference.perfectSubtreeHash(level: c.level * Tiles.height, index: c.index * UInt64(Tiles.width) + $0)
            }
            #expect(bytes == expected, "tile \(c.path) has the wrong hashes")
            guard c.level == 0 else { continue }
            let bundle = [UInt8](try Data(contentsOf: directory.appendingPathComponent(Tiles.entriesPath(index: c.index, width: c.width))))
            let parsed = try #require(Tiles.parseEntryBundle(bundle), "entry bundle \(c.index) does not parse")
            let first = Int(c.index) * Tiles.width
            #expect(parsed == Array(entries[first..<(first + c.width)]))
            #expect(parsed.flatMap { Merkle.leafHash($0) } == bytes, "entry bundle \(c.index) does not hash to its level-0 tile")
        }

        // The root, recomputed from nothing but the files.
        let fromFiles = TileHashSource { level, index in
            let width = Tiles.width(level: level, index: index, treeSize: size)
            let url = directory.appendingPathComponent(Tiles.tilePath(level: level, index: index, width: width))
            guard let tile = ExpandedTile(bytes: [UInt8](try Data(contentsOf: url))), tile.width == width else {
                throw ProofError(.malformedHash, "\(url.path) is not a tile of width \(width)")
            }
            return tile
        }
        #expect(try MerkleProofs.rootHash(size: size, source: fromFiles) == checkpoint.checkpoint.rootHash)
        // And an inclusion proof for the last entry, from the files alone.
        let last = size - 1
        try Merkle.verifyInclusion(
            leafHash: Merkle.leafHash(entries[Int(last)]), index: last, treeSize: size,
            proof: try MerkleProofs.inclusionProof(index: last, size: size, source: fromFiles), root: checkpoint.checkpoint.rootHash)
    }

    @Test func publishesTheC2SPLayout() async throws {
        let t = try await TestLog(.disk)
        let out = try TemporaryDirectory("tiles")
        var entries: [[UInt8]] = []
        var reference = InMemoryMerkleTree()
        func grow(to target: Int) async throws {
            let fresh = (entries.count..<target).map { _ in randomEntry() }
            let receipts = try await appendConcurrently(t.log, fresh)
            for (entry, _) in zip(fresh, receipts).sorted(by: { $0.1.index < $1.1.index }) {
                entries.append(entry.bytes)
                reference.append(leafHash: Merkle.leafHash(entry.bytes))
            }
        }

        // 600 entries: two full level-0 tiles, a partial one, a partial level-1 tile.
        try await grow(to: 600)
        let first = try await t.log.publishTiles(to: out.url)
        #expect(first.treeSize == 600)
        #expect(first.tilesWritten == 4 && first.bundlesWritten == 3 && first.unchanged == 0)
        try Self.checkPublication(out.url, reference: reference, entries: entries, policy: t.policy, exactLayout: true)

        // Again with nothing new: full tiles and bundles are left alone, partial ones rewritten.
        let fullTile = out.url.appendingPathComponent(Tiles.tilePath(level: 0, index: 1))
        let fullBundle = out.url.appendingPathComponent(Tiles.entriesPath(index: 1))
        let inodes = (Self.inode(fullTile), Self.inode(fullBundle))
        let again = try await t.log.publishTiles(to: out.url)
        #expect(again.unchanged == 4)  // tiles 0/000, 0/001 and their bundles
        #expect(again.tilesWritten == 2 && again.bundlesWritten == 1)
        #expect(Self.inode(fullTile) == inodes.0 && Self.inode(fullBundle) == inodes.1)
        try Self.checkPublication(out.url, reference: reference, entries: entries, policy: t.policy, exactLayout: true)

        // Grown to 700: the partial tiles of the 600-tree stay for clients
        // still holding that checkpoint; the new ones are added.
        try await grow(to: 700)
        let grown = try await t.log.publishTiles(to: out.url)
        #expect(grown.treeSize == 700 && grown.unchanged == 4)
        try Self.checkPublication(out.url, reference: reference, entries: entries, policy: t.policy, exactLayout: false)
        let kept = [Tiles.tilePath(level: 0, index: 2, width: 88), Tiles.tilePath(level: 1, index: 0, width: 2), Tiles.entriesPath(index: 2, width: 88)]
        for path in kept {
            #expect(FileManager.default.fileExists(atPath: out.url.appendingPathComponent(path).path), "\(path) was removed")
        }
        let oldTile = [UInt8](try Data(contentsOf: out.url.appendingPathComponent(kept[0])))
        #expect(oldTile == (512..<600).flatMap { try! reference.perfectSubtreeHash(level: 0, index: UInt64($0)) })
        var layout: Set<String> = ["checkpoint"]
        for size in [600, 700] as [UInt64] {
            for c in Tiles.coordinates(treeSize: size) {
                layout.insert(c.path)
                if c.level == 0 { layout.insert(Tiles.entriesPath(index: c.index, width: c.width)) }
            }
        }
        #expect(Self.files(in: out.url) == layout, "stray or missing files (temporaries left behind?)")
    }

    /// The layout past 256·256 entries: a full level-1 tile and a level-2 tile.
    @Test func publishesALogPastTheFirstLevel1Tile() async throws {
        let big = try await BigLog.shared.value
        let out = try TemporaryDirectory("tiles")
        let coordinates = Tiles.coordinates(treeSize: UInt64(BigLog.size))
        let fullTiles = coordinates.filter { $0.width == Tiles.width }.count
        #expect(fullTiles == 257)
        #expect(coordinates.contains { $0.level == 2 && $0.index == 0 && $0.width == 1 })

        let summary = try await big.log.publishTiles(to: out.url)
        #expect(summary.treeSize == UInt64(BigLog.size))
        #expect(summary.tilesWritten == coordinates.count && summary.bundlesWritten == 257 && summary.unchanged == 0)
        #expect(FileManager.default.fileExists(atPath: out.url.appendingPathComponent("tile/2/000.p/1").path))
        #expect(FileManager.default.fileExists(atPath: out.url.appendingPathComponent("tile/1/000").path))
        #expect(FileManager.default.fileExists(atPath: out.url.appendingPathComponent("tile/0/256.p/3").path))
        try Self.checkPublication(out.url, reference: big.reference, entries: big.entries, policy: big.policy, exactLayout: true)

        let rerun = try await big.log.publishTiles(to: out.url)
        #expect(rerun.unchanged == fullTiles + 256)  // full tiles and full bundles
        #expect(rerun.tilesWritten == 2 && rerun.bundlesWritten == 1)  // 0/256.p/3, 2/000.p/1 and entries/256.p/3
        try Self.checkPublication(out.url, reference: big.reference, entries: big.entries, policy: big.policy, exactLayout: true)
    }
}
