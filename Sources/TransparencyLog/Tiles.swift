/// Tile geometry and paths, c2sp.org/tlog-tiles: tiles are 256 hashes wide
/// (8 tree levels); the tile at level L holds hashes of subtrees of height 8L.
public enum Tiles {
    public static let width = 256
    public static let height = 8

    /// `<N>` as zero-padded 3-digit elements, all but the last prefixed `x`:
    /// 1234067 → `x001/x234/067`.
    public static func encodeIndex(_ n: UInt64) -> String {
        var groups: [String] = []
        var v = n
        repeat {
            let g = String(v % 1000)
            groups.append(String(repeating: "0", count: 3 - g.count) + g)
            v /= 1000
        } while v > 0
        return groups.reversed().enumerated().map { i, g in i == groups.count - 1 ? g : "x" + g }.joined(separator: "/")
    }

    /// `tile/<L>/<N>[.p/<W>]`; `width` 256 is a full tile.
    public static func tilePath(level: Int, index: UInt64, width: Int = Tiles.width) -> String {
        "tile/\(level)/\(encodeIndex(index))" + (width < Tiles.width ? ".p/\(width)" : "")
    }

    /// `tile/entries/<N>[.p/<W>]`.
    public static func entriesPath(index: UInt64, width: Int = Tiles.width) -> String {
        "tile/entries/\(encodeIndex(index))" + (width < Tiles.width ? ".p/\(width)" : "")
    }

    /// A tile or entry bundle named by a request path (the part after `tile/`).
    public struct Request: Hashable, Sendable {
        /// nil for an entry bundle (`tile/entries/...`).
        public let level: Int?
        public let index: UInt64
        /// 1...256; 256 is a full tile.
        public let width: Int
    }

    /// Parses `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` strictly: the
    /// canonical encoding only (so each tile has exactly one URL), level 0...63,
    /// width 1...255 for partial tiles. nil for anything else.
    public static func parseRequest(_ path: String) -> Request? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return nil }
        let head = parts.removeFirst()
        let level: Int?
        if head == "entries" {
            level = nil
        } else {
            guard let l = Int(head), l >= 0, l < 64, String(l) == head else { return nil }
            level = l
        }
        var width = Tiles.width
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = Int(parts[parts.count - 1]), w >= 1, w < Tiles.width, String(w) == parts[parts.count - 1] else { return nil }
            width = w
            parts.removeLast()
            parts[parts.count - 1].removeLast(2)
        }
        var index: UInt64 = 0
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            var digits = Substring(part)
            if !last {
                guard digits.hasPrefix("x") else { return nil }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let g = UInt64(digits) else { return nil }
            let (m, o1) = index.multipliedReportingOverflow(by: 1000)
            let (a, o2) = m.addingReportingOverflow(g)
            guard !o1, !o2 else { return nil }
            index = a
        }
        // Reject non-canonical leading groups like x000/001.
        guard encodeIndex(index) == parts.joined(separator: "/") else { return nil }
        // The first entry or hash a tile covers (index × 256) must fit in 64
        // bits; anything larger names a tile no log can have (and would
        // overflow every computation that follows).
        guard index <= UInt64.max / UInt64(Tiles.width) else { return nil }
        return Request(level: level, index: index, width: width)
    }

    /// One tile of a tree of some size: its level, index and width (1...256).
    public struct Coordinate: Hashable, Sendable {
        public let level: Int
        public let index: UInt64
        public let width: Int
        public var path: String { Tiles.tilePath(level: level, index: index, width: width) }
    }

    /// Every tile (full and the partial ones) that a tree of `size` is served as.
    public static func coordinates(treeSize size: UInt64) -> [Coordinate] {
        var out: [Coordinate] = []
        var level = 0
        var count = size  // hashes at this tile level
        while count > 0 {
            let full = count / UInt64(width)
            for i in 0..<full { out.append(Coordinate(level: level, index: i, width: width)) }
            let partial = Int(count % UInt64(width))
            if partial > 0 { out.append(Coordinate(level: level, index: full, width: partial)) }
            level += 1
            count = full
        }
        return out
    }

    /// The width of tile `index` at `level` in a tree of `size` (0 if it does not exist).
    public static func width(level: Int, index: UInt64, treeSize size: UInt64) -> Int {
        let count = size >> UInt64(height * level)
        let (start, overflow) = index.multipliedReportingOverflow(by: UInt64(width))
        guard !overflow, count > start else { return 0 }
        return Int(min(UInt64(width), count - start))
    }

    /// The entry bundle format: big-endian uint16 length-prefixed entries.
    public static func entryBundle(_ entries: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            precondition(entry.count <= Int(UInt16.max), "entries are at most 65535 bytes")
            out += [UInt8(entry.count >> 8), UInt8(entry.count & 0xff)]
            out += entry
        }
        return out
    }

    /// Splits an entry bundle; nil if the length prefixes do not add up.
    public static func parseEntryBundle(_ bytes: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else { return nil }
            let n = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard i + 2 + n <= bytes.count else { return nil }
            out.append(Array(bytes[(i + 2)..<(i + 2 + n)]))
            i += 2 + n
        }
        return out
    }
}

/// One tile with every interior node of its 8 levels computed, so that any
/// perfect subtree inside it is a lookup rather than up to 255 hashes.
public struct ExpandedTile: Sendable {
    /// nodes[0] are the tile's hashes; nodes[j][i] is the subtree of height j
    /// (relative to the tile) at position i. Only complete subtrees are present.
    public private(set) var nodes: [[[UInt8]]]

    public init(hashes: [[UInt8]]) {
        precondition(hashes.count <= Tiles.width)
        nodes = [hashes]
        var level = 0
        while nodes[level].count >= 2 {
            let below = nodes[level]
            var above: [[UInt8]] = []
            above.reserveCapacity(below.count / 2)
            var i = 0
            while i + 1 < below.count {
                above.append(Merkle.nodeHash(below[i], below[i + 1]))
                i += 2
            }
            nodes.append(above)
            level += 1
        }
    }

    /// Parses a tile's bytes (a multiple of 32).
    public init?(bytes: [UInt8]) {
        guard bytes.count % 32 == 0, bytes.count / 32 <= Tiles.width, !bytes.isEmpty else { return nil }
        self.init(hashes: stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<$0 + 32]) })
    }

    public var width: Int { nodes[0].count }
    public var hashes: [[UInt8]] { nodes[0] }
    public var bytes: [UInt8] { nodes[0].flatMap { $0 } }

    /// The root of a full tile: the hash stored one tile level up.
    public var rootHash: [UInt8] {
        precondition(width == Tiles.width, "only a full tile has a root in the level above")
        return nodes[Tiles.height][0]
    }

    /// Appends one hash, updating the interior nodes it completes.
    public mutating func append(_ hash: [UInt8]) {
        precondition(width < Tiles.width, "the tile is full")
        nodes[0].append(hash)
        var level = 0
        while nodes[level].count % 2 == 0 {
            let n = nodes[level].count
            let parent = Merkle.nodeHash(nodes[level][n - 2], nodes[level][n - 1])
            if nodes.count == level + 1 { nodes.append([]) }
            nodes[level + 1].append(parent)
            level += 1
        }
    }

    /// The subtree of relative height `height` at position `index`, if complete.
    public func node(height: Int, index: Int) -> [UInt8]? {
        guard height < nodes.count, index < nodes[height].count else { return nil }
        return nodes[height][index]
    }
}

/// Answers perfect-subtree hashes from tiles, which is how every proof and
/// root is computed from a tiled log — by the store, a mirror or a monitor.
public struct TileHashSource: SubtreeHashSource {
    /// Returns the tile at (level, index) with at least the hashes needed.
    public let tile: (Int, UInt64) throws -> ExpandedTile

    public init(tile: @escaping (Int, UInt64) throws -> ExpandedTile) { self.tile = tile }

    public func perfectSubtreeHash(level: Int, index: UInt64) throws -> [UInt8] {
        let tileLevel = level / Tiles.height
        let relative = level % Tiles.height
        let first = index << UInt64(relative)  // first hash at the tile level
        let tileIndex = first / UInt64(Tiles.width)
        let offset = Int(first % UInt64(Tiles.width)) >> relative
        let t = try tile(tileLevel, tileIndex)
        guard let hash = t.node(height: relative, index: offset) else {
            throw ProofError(.indexOutOfRange, "tile \(tileLevel)/\(tileIndex) does not hold subtree \(level)/\(index)")
        }
        return hash
    }
}
