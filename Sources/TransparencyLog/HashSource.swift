import AkashiCrypto

/// Where the hashes of *perfect* subtrees come from: a subtree of height
/// `level` covering leaves `[index·2^level, (index+1)·2^level)`.
///
/// Every RFC 9162 proof and root is built from such hashes; a store answers
/// them from its tiles, tests from an array of leaves.
public protocol SubtreeHashSource {
    func perfectSubtreeHash(level: Int, index: UInt64) throws -> [UInt8]
}

/// Tree heads and proofs computed from a ``SubtreeHashSource``, with the
/// recursive definitions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1.
public enum MerkleProofs {
    /// MTH(D[lo:hi]) for a range the RFC recursion can produce: a perfect,
    /// aligned range, or any range that splits into such ranges from the left.
    public static func subtreeHash(lo: UInt64, hi: UInt64, source: some SubtreeHashSource) throws -> [UInt8] {
        precondition(lo < hi)
        let n = hi - lo
        if n & (n - 1) == 0, lo % n == 0 {
            return try source.perfectSubtreeHash(level: n.trailingZeroBitCount, index: lo / n)
        }
        let k = Merkle.splitPoint(n)
        return Merkle.nodeHash(
            try subtreeHash(lo: lo, hi: lo + k, source: source),
            try subtreeHash(lo: lo + k, hi: hi, source: source))
    }

    /// MTH(D[0:size]).
    public static func rootHash(size: UInt64, source: some SubtreeHashSource) throws -> [UInt8] {
        size == 0 ? Merkle.emptyRoot : try subtreeHash(lo: 0, hi: size, source: source)
    }

    /// PATH(index, D[0:size]), leaf sibling first.
    public static func inclusionProof(index: UInt64, size: UInt64, source: some SubtreeHashSource) throws -> [[UInt8]] {
        precondition(index < size, "index \(index) outside tree of size \(size)")
        var proof: [[UInt8]] = []
        var lo: UInt64 = 0
        var hi = size
        var m = index
        // Walk down from the root, collecting siblings top-down, then reverse.
        while hi - lo > 1 {
            let k = Merkle.splitPoint(hi - lo)
            if m < k {
                proof.append(try subtreeHash(lo: lo + k, hi: hi, source: source))
                hi = lo + k
            } else {
                proof.append(try subtreeHash(lo: lo, hi: lo + k, source: source))
                lo += k
                m -= k
            }
        }
        return proof.reversed()
    }

    /// PROOF(size1, D[0:size2]) for 0 < size1 ≤ size2; empty when equal.
    public static func consistencyProof(from size1: UInt64, to size2: UInt64, source: some SubtreeHashSource) throws -> [[UInt8]] {
        precondition(size1 > 0 && size1 <= size2, "consistency proof needs 0 < from ≤ to")
        guard size1 < size2 else { return [] }
        var proof: [[UInt8]] = []
        var lo: UInt64 = 0
        var hi = size2
        var m = size1
        var complete = true
        // SUBPROOF(m, D[lo:hi], complete), iteratively, top-down then reversed.
        while m != hi - lo {
            let k = Merkle.splitPoint(hi - lo)
            if m <= k {
                proof.append(try subtreeHash(lo: lo + k, hi: hi, source: source))
                hi = lo + k
            } else {
                proof.append(try subtreeHash(lo: lo, hi: lo + k, source: source))
                lo += k
                m -= k
                complete = false
            }
        }
        if !complete {
            proof.append(try subtreeHash(lo: lo, hi: hi, source: source))
        }
        return proof.reversed()
    }
}

/// A whole tree held in memory: for tests, tools and small logs.
public struct InMemoryMerkleTree: SubtreeHashSource, Sendable {
    /// levels[0] are leaf hashes; levels[h][i] is the perfect subtree of height h at i.
    private var levels: [[[UInt8]]] = [[]]

    public init() {}

    public init(leafHashes: [[UInt8]]) {
        for hash in leafHashes { append(leafHash: hash) }
    }

    public var size: UInt64 { UInt64(levels[0].count) }

    public mutating func append(leafHash: [UInt8]) {
        levels[0].append(leafHash)
        var level = 0
        while levels[level].count % 2 == 0 {
            let n = levels[level].count
            let parent = Merkle.nodeHash(levels[level][n - 2], levels[level][n - 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
    }

    public func perfectSubtreeHash(level: Int, index: UInt64) throws -> [UInt8] {
        guard level >= 0, level < levels.count, index < UInt64(levels[level].count) else {
            throw ProofError(.indexOutOfRange, "a tree of size \(size) has no complete subtree \(level)/\(index)")
        }
        return levels[level][Int(index)]
    }

    public func rootHash(size: UInt64? = nil) -> [UInt8] {
        try! MerkleProofs.rootHash(size: size ?? self.size, source: self)
    }
}

/// The root of a tree whose leaves arrive one by one, in O(log n) memory:
/// the perfect subtrees on the right edge, merged as they complete (RFC 9162
/// §2.1.1), folded right to left at the end. For checking that a download of
/// every entry is the tree a checkpoint commits to.
public struct StreamingTreeHasher: Sendable {
    /// (height, hash) of each perfect subtree on the right edge, left to right.
    private var stack: [(height: Int, hash: [UInt8])] = []
    public private(set) var size: UInt64 = 0

    public init() {}

    public mutating func append(leafHash: [UInt8]) {
        var node = (height: 0, hash: leafHash)
        while let last = stack.last, last.height == node.height {
            stack.removeLast()
            node = (node.height + 1, Merkle.nodeHash(last.hash, node.hash))
        }
        stack.append(node)
        size += 1
    }

    /// MTH of the leaves so far (SHA-256 of the empty string for none).
    public var rootHash: [UInt8] {
        guard var root = stack.last?.hash else { return SHA256.hash([UInt8]()) }
        for node in stack.dropLast().reversed() { root = Merkle.nodeHash(node.hash, root) }
        return root
    }
}
