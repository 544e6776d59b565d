import TransparencyLog

/// The right edge of the tree: the one partial tile at each level.
///
/// Everything left of the edge is in full tiles, which never change; so
/// appending a batch touches only these tiles plus any that become full, and
/// the root needs no database read. A value type: the sequencer computes the
/// next edge, commits it, and only then replaces the old one.
struct TreeEdge: Sendable {
    private(set) var size: UInt64 = 0
    /// tiles[L] is the partial tile at level L (possibly empty).
    private(set) var tiles: [ExpandedTile] = []

    init() {}

    /// Rebuilds the edge of a tree of `size` from stored tiles.
    init(size: UInt64, loadTile: (Int, UInt64) throws -> [UInt8]?) throws {
        self.size = size
        var level = 0
        while size >> UInt64(Tiles.height * level) > 0 {
            let count = size >> UInt64(Tiles.height * level)
            let width = Int(count % UInt64(Tiles.width))
            let index = count / UInt64(Tiles.width)
            if width == 0 {
                tiles.append(ExpandedTile(hashes: []))
            } else {
                guard let bytes = try loadTile(level, index), bytes.count >= width * 32 else {
                    throw LogStoreError(.corrupt, "tile \(level)/\(index) is missing or shorter than the tree size \(size) needs")
                }
                tiles.append(ExpandedTile(bytes: Array(bytes[0..<(width * 32)]))!)
            }
            level += 1
        }
    }

    /// The stored tiles ``init(size:loadTile:)`` reads for a tree of `size`:
    /// the non-empty partial tile of each level.
    static func storedTiles(size: UInt64) -> [TileKey] {
        var keys: [TileKey] = []
        var level = 0
        while size >> UInt64(Tiles.height * level) > 0 {
            let count = size >> UInt64(Tiles.height * level)
            if count % UInt64(Tiles.width) != 0 { keys.append(TileKey(level: level, index: count / UInt64(Tiles.width))) }
            level += 1
        }
        return keys
    }

    /// A tile that the append filled or changed, to be written.
    struct ChangedTile {
        let level: Int
        let index: UInt64
        let tile: ExpandedTile
    }

    /// Appends leaf hashes; returns every tile that became full (those are
    /// written once and cached) — the partial ones are ``partialTiles``.
    mutating func append(leafHashes: [[UInt8]]) -> [ChangedTile] {
        var completed: [ChangedTile] = []
        for leaf in leafHashes {
            var hash = leaf
            var level = 0
            while true {
                if tiles.count == level { tiles.append(ExpandedTile(hashes: [])) }
                tiles[level].append(hash)
                guard tiles[level].width == Tiles.width else { break }
                let index = ((size + 1) >> UInt64(Tiles.height * level)) / UInt64(Tiles.width) - 1
                completed.append(ChangedTile(level: level, index: index, tile: tiles[level]))
                hash = tiles[level].rootHash
                tiles[level] = ExpandedTile(hashes: [])
                level += 1
            }
            size += 1
        }
        return completed
    }

    /// The non-empty partial tiles, with their indices.
    var partialTiles: [ChangedTile] {
        tiles.enumerated().compactMap { level, tile in
            guard tile.width > 0 else { return nil }
            let index = (size >> UInt64(Tiles.height * level)) / UInt64(Tiles.width)
            return ChangedTile(level: level, index: index, tile: tile)
        }
    }

    /// The partial tile at (level, index), if it is on the edge.
    func edgeTile(level: Int, index: UInt64) -> ExpandedTile? {
        guard level < tiles.count, tiles[level].width > 0,
            (size >> UInt64(Tiles.height * level)) / UInt64(Tiles.width) == index
        else { return nil }
        return tiles[level]
    }

    /// MTH of the whole tree, from the edge alone.
    var rootHash: [UInt8] {
        let source = TileHashSource { level, index in
            guard let tile = self.edgeTile(level: level, index: index) else {
                throw LogStoreError(.corrupt, "root needs tile \(level)/\(index), which is not on the edge")
            }
            return tile
        }
        return try! MerkleProofs.rootHash(size: size, source: source)
    }
}
