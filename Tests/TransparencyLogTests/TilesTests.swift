import AkashiCrypto
import Testing

@testable import TransparencyLog

/// Tile geometry, paths and entry bundles: https://c2sp.org/tlog-tiles
@Suite("Tiles")
struct TilesTests {
    @Test(
        "tile indices are 3-digit groups, all but the last prefixed with x",
        arguments: [
            (UInt64(0), "000"), (5, "005"), (42, "042"), (999, "999"), (1000, "x001/000"), (1001, "x001/001"),
            (1_234_067, "x001/x234/067"), (1_000_000, "x001/x000/000"), (999_999, "x999/999"),
            (UInt64.max, "x018/x446/x744/x073/x709/x551/615"),
        ] as [(UInt64, String)])
    func encodeIndex(_ index: UInt64, _ expected: String) {
        #expect(Tiles.encodeIndex(index) == expected)
    }

    @Test("tile and entry bundle paths")
    func paths() {
        #expect(Tiles.tilePath(level: 0, index: 1_234_067) == "tile/0/x001/x234/067")
        #expect(Tiles.tilePath(level: 2, index: 0, width: 1) == "tile/2/000.p/1")
        #expect(Tiles.tilePath(level: 1, index: 3, width: 255) == "tile/1/003.p/255")
        #expect(Tiles.tilePath(level: 1, index: 3, width: 256) == "tile/1/003")
        #expect(Tiles.entriesPath(index: 1_234_067, width: 12) == "tile/entries/x001/x234/067.p/12")
        #expect(Tiles.entriesPath(index: 7) == "tile/entries/007")
    }

    @Test("a tree of size 70,000 is served as the specification's example says")
    func coordinates70000() {
        let tiles = Tiles.coordinates(treeSize: 70_000)
        let level0 = tiles.filter { $0.level == 0 }
        #expect(level0.filter { $0.width == 256 }.count == 273)
        #expect(level0.filter { $0.width < 256 }.map(\.width) == [112])
        #expect(level0.last == Tiles.Coordinate(level: 0, index: 273, width: 112))
        #expect(Set(level0.map(\.index)) == Set(0...273))
        #expect(tiles.filter { $0.level == 1 } == [Tiles.Coordinate(level: 1, index: 0, width: 256), Tiles.Coordinate(level: 1, index: 1, width: 17)])
        #expect(tiles.filter { $0.level == 2 } == [Tiles.Coordinate(level: 2, index: 0, width: 1)])
        #expect(tiles.count == 273 + 1 + 2 + 1)
        #expect(tiles.filter { $0.level == 2 }.map(\.path) == ["tile/2/000.p/1"])
        #expect(level0.last?.path == "tile/0/273.p/112")
    }

    @Test("a tree of size 256 is a full level-0 tile and a level-1 tile of width 1")
    func coordinates256() {
        #expect(Tiles.coordinates(treeSize: 256) == [Tiles.Coordinate(level: 0, index: 0, width: 256), Tiles.Coordinate(level: 1, index: 0, width: 1)])
        #expect(Tiles.coordinates(treeSize: 0).isEmpty)
        #expect(Tiles.coordinates(treeSize: 1) == [Tiles.Coordinate(level: 0, index: 0, width: 1)])
        #expect(Tiles.coordinates(treeSize: 255) == [Tiles.Coordinate(level: 0, index: 0, width: 255)])
        #expect(
            Tiles.coordinates(treeSize: 257)
                == [
                    Tiles.Coordinate(level: 0, index: 0, width: 256), Tiles.Coordinate(level: 0, index: 1, width: 1),
                    Tiles.Coordinate(level: 1, index: 0, width: 1),
                ])
        let big = Tiles.coordinates(treeSize: 65_536)
        #expect(big.count == 256 + 1 + 1)
        #expect(big.last == Tiles.Coordinate(level: 2, index: 0, width: 1))
    }

    /// The partial tile at level l of a tree of size s has floor(s / 256^l) mod 256
    /// entries, and there are floor(s / 256^(l+1)) full ones.
    @Test("coordinates and widths follow the specification's formula for random sizes")
    func coordinatesFormula() {
        var rng = SplitMix64(seed: 256)
        let sizes: [UInt64] = [1, 255, 256, 257, 65_535, 65_536, 65_537, 16_777_216 + 255] + (0..<60).map { _ in rng.next() % 1_000_000 }
        for size in sizes {
            let tiles = Tiles.coordinates(treeSize: size)
            var expected: [Tiles.Coordinate] = []
            var level = 0
            var power: UInt64 = 1  // 256^level
            while size / power > 0 {
                let hashes = size / power
                for i in 0..<(hashes / 256) { expected.append(Tiles.Coordinate(level: level, index: i, width: 256)) }
                if hashes % 256 != 0 { expected.append(Tiles.Coordinate(level: level, index: hashes / 256, width: Int(hashes % 256))) }
                level += 1
                power *= 256
            }
            #expect(tiles == expected, "size \(size)")
            for tile in tiles.suffix(5) {
                #expect(Tiles.width(level: tile.level, index: tile.index, treeSize: size) == tile.width)
            }
            #expect(Tiles.width(level: 0, index: (size + 255) / 256, treeSize: size) == 0)
            #expect(Tiles.width(level: level, index: 0, treeSize: size) == 0)
        }
    }

    // MARK: Expanded tiles

    @Test("an expanded tile holds every complete subtree, whether built at once or appended")
    func expandedTile() throws {
        var rng = SplitMix64(seed: 77)
        let hashes = (0..<256).map { _ in rng.bytes(32) }
        var grown = ExpandedTile(hashes: [])
        #expect(grown.width == 0)
        for width in 1...256 {
            grown.append(hashes[width - 1])
            let built = ExpandedTile(hashes: Array(hashes.prefix(width)))
            #expect(grown.nodes == built.nodes, "width \(width)")
            #expect(built.width == width)
            // The subtree at relative height h and position i is MTH of its
            // hashes when complete (checked at a sample of widths), else absent.
            let sampled = [1, 2, 3, 5, 8, 63, 64, 65, 127, 128, 129, 200, 255, 256].contains(width)
            for height in 0...8 {
                let span = 1 << height
                let complete = width / span
                if complete > 0, sampled || height < 2 {
                    let last = complete - 1
                    #expect(
                        built.node(height: height, index: last) == ReferenceMerkle.mth(hashes[(last * span)..<(complete * span)]),
                        "w\(width) h\(height) i\(last)")
                }
                #expect(built.node(height: height, index: complete) == nil, "w\(width) h\(height) i\(complete)")
            }
        }
        #expect(grown.rootHash == ReferenceMerkle.mth(hashes[...]))
        #expect(grown.bytes == hashes.flatMap { $0 })
        #expect(ExpandedTile(bytes: grown.bytes)?.nodes == grown.nodes)
    }

    @Test("tile bytes must be 1 to 256 whole hashes")
    func tileBytes() {
        #expect(ExpandedTile(bytes: []) == nil)
        #expect(ExpandedTile(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(ExpandedTile(bytes: [UInt8](repeating: 1, count: 33)) == nil)
        #expect(ExpandedTile(bytes: [UInt8](repeating: 1, count: 257 * 32)) == nil)
        #expect(ExpandedTile(bytes: [UInt8](repeating: 1, count: 256 * 32))?.width == 256)
        #expect(ExpandedTile(bytes: [UInt8](repeating: 1, count: 32))?.width == 1)
    }

    @Test("a tile source throws for a subtree its tile does not hold")
    func tileSourceMissingNode() throws {
        let tile = ExpandedTile(hashes: (0..<10).map { SHA256.hash([UInt8($0)]) })
        let source = TileHashSource { level, index in
            guard level == 0, index == 0 else { throw ProofError(.indexOutOfRange, "none") }
            return tile
        }
        #expect(try source.perfectSubtreeHash(level: 0, index: 9) == tile.hashes[9])
        #expect(try source.perfectSubtreeHash(level: 3, index: 0) == tile.node(height: 3, index: 0))
        #expect(throws: ProofError.self) { try source.perfectSubtreeHash(level: 0, index: 10) }
        #expect(throws: ProofError.self) { try source.perfectSubtreeHash(level: 2, index: 2) }
        #expect(throws: ProofError.self) { try source.perfectSubtreeHash(level: 4, index: 0) }
        #expect(throws: ProofError.self) { try source.perfectSubtreeHash(level: 8, index: 0) }
    }

    // MARK: Entry bundles

    @Test("entry bundles are big-endian uint16 length-prefixed entries")
    func entryBundleLayout() {
        #expect(Tiles.entryBundle([]) == [])
        #expect(Tiles.entryBundle([[0x61]]) == [0, 1, 0x61])
        #expect(Tiles.entryBundle([[], [1, 2]]) == [0, 0, 0, 2, 1, 2])
        let long = [UInt8](repeating: 7, count: 0x1234)
        #expect(Array(Tiles.entryBundle([long]).prefix(2)) == [0x12, 0x34])
        #expect(Tiles.parseEntryBundle([]) == [])
        #expect(Tiles.parseEntryBundle([0, 0, 0, 2, 1, 2]) == [[], [1, 2]])
        #expect(Tiles.parseEntryBundle([0xff, 0xff] + [UInt8](repeating: 0, count: 65_535)) == [[UInt8](repeating: 0, count: 65_535)])
    }

    @Test("truncated or overlong bundles do not parse")
    func entryBundleTruncation() {
        let bundle = Tiles.entryBundle([[1, 2, 3], [], [4]])
        for length in 1..<bundle.count where length != 5 && length != 7 {
            #expect(Tiles.parseEntryBundle(Array(bundle.prefix(length))) == nil, "truncated to \(length)")
        }
        // Cut between entries the prefix is itself a valid bundle.
        #expect(Tiles.parseEntryBundle(Array(bundle.prefix(5))) == [[1, 2, 3]])
        #expect(Tiles.parseEntryBundle(Array(bundle.prefix(7))) == [[1, 2, 3], []])
        #expect(Tiles.parseEntryBundle(bundle + [0]) == nil)
        #expect(Tiles.parseEntryBundle([0, 5, 1, 2, 3, 4]) == nil)
    }

    /// What a monitor does with a tiled log: fetch bundles, hash each entry,
    /// and compare with the level-0 tiles and the checkpoint root.
    @Test("entries from bundles hash to the level-0 tiles and the tree root")
    func bundlesMatchTiles() throws {
        var rng = SplitMix64(seed: 300)
        let entries: [[UInt8]] = (0..<300).map { i in
            let length = Int(rng.next() % 100)
            return Array("entry \(i)".utf8) + rng.bytes(length)
        }
        let leaves = entries.map { Merkle.leafHash($0) }
        let tiled = TiledTree(leafHashes: leaves)
        var bundles: [String: [UInt8]] = [:]
        for (i, start) in stride(from: 0, to: entries.count, by: 256).enumerated() {
            let chunk = Array(entries[start..<min(start + 256, entries.count)])
            bundles[Tiles.entriesPath(index: UInt64(i), width: chunk.count)] = Tiles.entryBundle(chunk)
        }
        #expect(Set(bundles.keys) == ["tile/entries/000", "tile/entries/001.p/44"])

        var recovered: [[UInt8]] = []
        for coordinate in Tiles.coordinates(treeSize: 300) where coordinate.level == 0 {
            let bundle = try #require(bundles[Tiles.entriesPath(index: coordinate.index, width: coordinate.width)])
            let parsed = try #require(Tiles.parseEntryBundle(bundle))
            #expect(parsed.count == coordinate.width)
            let tile = try #require(tiled.tiles[0]?[coordinate.index])
            #expect(parsed.map { Merkle.leafHash($0) } == tile.hashes)
            recovered += parsed
        }
        #expect(recovered == entries)
        #expect(try MerkleProofs.rootHash(size: 300, source: tiled.source) == ReferenceMerkle.mth(leaves[...]))
    }

    @Test("tile indices whose first entry overflows 64 bits are not tile paths; width() never overflows")
    func hugeIndices() {
        let largest = UInt64.max / 256  // 72057594037927935
        #expect(Tiles.parseRequest(Tiles.tilePath(level: 0, index: largest).dropFirst("tile/".count).description)?.index == largest)
        #expect(Tiles.parseRequest("0/x072/x057/x594/x037/x927/936") == nil)
        #expect(Tiles.parseRequest("entries/x018/x446/x744/x073/x709/551/615") == nil)
        #expect(Tiles.width(level: 0, index: UInt64.max, treeSize: UInt64.max) == 0)
    }
}
