import AkashiCrypto
import Testing

@testable import TransparencyLog

/// A second, deliberately naive implementation of RFC 9162 §2.1: the
/// recursive definitions of MTH, PATH and PROOF, and verifiers that rebuild
/// the roots by the same recursion (not by the RFC's bit-walking algorithm).
/// The randomized tests compare the module against it.
enum ReferenceMerkle {
    static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { SHA256.hash([1] + left + right) }

    /// The largest power of two strictly less than n (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return SHA256.hash([UInt8]())
        case 1: return leaves.first!
        default:
            let k = split(leaves.count)
            return node(mth(leaves.prefix(k)), mth(leaves.dropFirst(k)))
        }
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        if m < k { return path(m, leaves.prefix(k)) + [mth(leaves.dropFirst(k))] }
        return path(m - k, leaves.dropFirst(k)) + [mth(leaves.prefix(k))]
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    static func proof(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] { subproof(m, leaves, true) }

    static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ complete: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return complete ? [] : [mth(leaves)] }
        let k = split(n)
        if m <= k { return subproof(m, leaves.prefix(k), complete) + [mth(leaves.dropFirst(k))] }
        return subproof(m - k, leaves.dropFirst(k), false) + [mth(leaves.prefix(k))]
    }

    /// The same recursions over one tree, with MTH of each leaf range
    /// computed once, so that many proofs of one tree stay cheap.
    final class Tree {
        let leaves: [[UInt8]]
        private var cache: [Int: [UInt8]] = [:]  // key lo * 2^32 + hi

        init(_ leaves: [[UInt8]]) { self.leaves = leaves }

        func mth(_ lo: Int, _ hi: Int) -> [UInt8] {
            if hi - lo == 1 { return leaves[lo] }
            if hi == lo { return SHA256.hash([UInt8]()) }
            if let hash = cache[lo << 32 | hi] { return hash }
            let k = split(hi - lo)
            let hash = node(mth(lo, lo + k), mth(lo + k, hi))
            cache[lo << 32 | hi] = hash
            return hash
        }

        /// PATH(m, D[lo:hi]).
        func path(_ m: Int, _ lo: Int, _ hi: Int) -> [[UInt8]] {
            guard hi - lo > 1 else { return [] }
            let k = split(hi - lo)
            if m < k { return path(m, lo, lo + k) + [mth(lo + k, hi)] }
            return path(m - k, lo + k, hi) + [mth(lo, lo + k)]
        }

        /// SUBPROOF(m, D[lo:hi], complete).
        func subproof(_ m: Int, _ lo: Int, _ hi: Int, _ complete: Bool) -> [[UInt8]] {
            if m == hi - lo { return complete ? [] : [mth(lo, hi)] }
            let k = split(hi - lo)
            if m <= k { return subproof(m, lo, lo + k, complete) + [mth(lo + k, hi)] }
            return subproof(m - k, lo + k, hi, false) + [mth(lo, lo + k)]
        }
    }

    /// Rebuilds the root from an inclusion proof by following PATH's recursion.
    static func verifyInclusion(leaf: [UInt8], index: UInt64, size: UInt64, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index < size, leaf.count == 32, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var remaining = proof[...]
        func rebuild(_ m: UInt64, _ n: UInt64) -> [UInt8]? {
            if n == 1 { return leaf }
            guard let sibling = remaining.popLast() else { return nil }
            let k = UInt64(split(Int(n)))
            if m < k { return rebuild(m, k).map { node($0, sibling) } }
            return rebuild(m - k, n - k).map { node(sibling, $0) }
        }
        guard let computed = rebuild(index, size), remaining.isEmpty else { return false }
        return computed == root
    }

    /// Rebuilds both roots from a consistency proof by following SUBPROOF's recursion.
    static func verifyConsistency(size1: UInt64, size2: UInt64, proof: [[UInt8]], root1: [UInt8], root2: [UInt8]) -> Bool {
        guard size1 > 0, size1 <= size2 else { return false }
        if size1 == size2 { return proof.isEmpty && root1 == root2 }
        guard proof.allSatisfy({ $0.count == 32 }) else { return false }
        var remaining = proof[...]
        func rebuild(_ m: UInt64, _ n: UInt64, _ complete: Bool) -> (old: [UInt8], new: [UInt8])? {
            if m == n {
                if complete { return (root1, root1) }
                guard let h = remaining.popLast() else { return nil }
                return (h, h)
            }
            guard let sibling = remaining.popLast() else { return nil }
            let k = UInt64(split(Int(n)))
            if m <= k {
                return rebuild(m, k, complete).map { ($0.old, node($0.new, sibling)) }
            }
            return rebuild(m - k, n - k, false).map { (node(sibling, $0.old), node(sibling, $0.new)) }
        }
        guard let (old, new) = rebuild(size1, size2, true), remaining.isEmpty else { return false }
        return old == root1 && new == root2
    }
}

/// Builds tiles for a tree from its leaf hashes, per c2sp.org/tlog-tiles:
/// level 0 holds leaf hashes in groups of 256, level L+1 the roots of the
/// full tiles of level L; the rightmost tile of each level may be partial.
struct TiledTree {
    var tiles: [Int: [UInt64: ExpandedTile]] = [:]

    init(leafHashes: [[UInt8]]) {
        var hashes = leafHashes
        var level = 0
        while !hashes.isEmpty {
            var roots: [[UInt8]] = []
            for (i, start) in stride(from: 0, to: hashes.count, by: Tiles.width).enumerated() {
                let tile = ExpandedTile(hashes: Array(hashes[start..<min(start + Tiles.width, hashes.count)]))
                tiles[level, default: [:]][UInt64(i)] = tile
                if tile.width == Tiles.width { roots.append(tile.rootHash) }
            }
            hashes = roots
            level += 1
        }
    }

    var source: TileHashSource {
        let tiles = self.tiles
        return TileHashSource { level, index in
            guard let tile = tiles[level]?[index] else { throw ProofError(.indexOutOfRange, "no tile \(level)/\(index)") }
            return tile
        }
    }
}

@Suite("Randomized Merkle trees and proofs")
struct RandomizedMerkleTests {
    static func randomLeaves(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.bytes(32) }
    }

    static func accepts(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return true
        } catch {
            return false
        }
    }

    /// Size 1…300 in parallel chunks, plus larger trees.
    static let sizeGroups: [[Int]] =
        stride(from: 1, through: 300, by: 75).map { Array($0..<min($0 + 75, 301)) } + [[511, 512, 513, 1000, 4097]]

    @Test("roots, inclusion proofs and consistency proofs agree with the reference and catch every mutation", arguments: sizeGroups)
    func proofs(sizes: [Int]) throws {
        for size in sizes {
            var rng = SplitMix64(seed: UInt64(size) &* 7919)
            let leaves = Self.randomLeaves(size, seed: UInt64(size))
            let tree = InMemoryMerkleTree(leafHashes: leaves)
            let reference = ReferenceMerkle.Tree(leaves)
            #expect(tree.size == UInt64(size))
            let root = tree.rootHash()
            #expect(root == reference.mth(0, size), "size \(size)")

            // Inclusion: both ends and a random index.
            let indices: Set<Int> = [0, size - 1, Int(rng.next() % UInt64(size))]
            for index in indices.sorted() {
                try checkInclusion(leaves: leaves, tree: tree, reference: reference, root: root, index: index, rng: &rng)
            }

            // Consistency: from 1, from size - 1, from a random size, and equal sizes.
            let pairs: Set<[Int]> = [[1, size], [max(1, size - 1), size], [1 + Int(rng.next() % UInt64(size)), size], [size, size]]
            for pair in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                try checkConsistency(tree: tree, reference: reference, size1: pair[0], size2: pair[1], rng: &rng)
            }
        }
    }

    func checkInclusion(
        leaves: [[UInt8]], tree: InMemoryMerkleTree, reference: ReferenceMerkle.Tree, root: [UInt8], index: Int, rng: inout SplitMix64
    ) throws {
        let size = UInt64(leaves.count)
        let i = UInt64(index)
        let leaf = leaves[index]
        let proof = try MerkleProofs.inclusionProof(index: i, size: size, source: tree)
        #expect(proof == reference.path(index, 0, leaves.count), "PATH(\(index), \(size))")
        #expect(proof.count == Self.inclusionProofLength(index: i, size: size))
        try Merkle.verifyInclusion(leafHash: leaf, index: i, treeSize: size, proof: proof, root: root)
        #expect(try Merkle.rootFromInclusionProof(leafHash: leaf, index: i, treeSize: size, proof: proof) == root)
        #expect(ReferenceMerkle.verifyInclusion(leaf: leaf, index: i, size: size, proof: proof, root: root))

        func verifies(_ leaf: [UInt8], _ index: UInt64, _ size: UInt64, _ proof: [[UInt8]], _ root: [UInt8]) -> Bool {
            Self.accepts { try Merkle.verifyInclusion(leafHash: leaf, index: index, treeSize: size, proof: proof, root: root) }
        }
        let context: Comment = "inclusion of \(index) in \(size)"
        // A random bit of each proof hash, of the leaf, of the root.
        for h in proof.indices {
            var bad = proof
            bad[h] = proof[h].flippingBit(Int(rng.next() % 256))
            #expect(!verifies(leaf, i, size, bad, root), context)
        }
        #expect(!verifies(leaf.flippingBit(Int(rng.next() % 256)), i, size, proof, root), context)
        #expect(!verifies(leaf, i, size, proof, root.flippingBit(Int(rng.next() % 256))), context)
        // Another index in the same tree never verifies.
        for other in [i &- 1, i + 1] where other < size + 1 {
            #expect(!verifies(leaf, other, size, proof, root), context)
        }
        // A hash too many or too few.
        #expect(!verifies(leaf, i, size, proof + [root], root), context)
        if !proof.isEmpty { #expect(!verifies(leaf, i, size, Array(proof.dropLast()), root), context) }
        // Another tree size: RFC 9162 proofs do not commit to the size, so a
        // size whose path has the same shape also verifies; the module must
        // agree with the reference verifier either way.
        for otherSize in [size - 1, size + 1, size * 2] {
            #expect(
                verifies(leaf, i, otherSize, proof, root)
                    == ReferenceMerkle.verifyInclusion(leaf: leaf, index: i, size: otherSize, proof: proof, root: root),
                "inclusion of \(index) in \(size) checked as size \(otherSize)")
        }
    }

    func checkConsistency(tree: InMemoryMerkleTree, reference: ReferenceMerkle.Tree, size1: Int, size2: Int, rng: inout SplitMix64) throws {
        let s1 = UInt64(size1)
        let s2 = UInt64(size2)
        let root1 = tree.rootHash(size: s1)
        let root2 = tree.rootHash(size: s2)
        #expect(root1 == reference.mth(0, size1))
        let proof = try MerkleProofs.consistencyProof(from: s1, to: s2, source: tree)
        #expect(proof == (size1 == size2 ? [] : reference.subproof(size1, 0, size2, true)), "PROOF(\(size1), \(size2))")
        try Merkle.verifyConsistency(size1: s1, size2: s2, proof: proof, root1: root1, root2: root2)
        #expect(ReferenceMerkle.verifyConsistency(size1: s1, size2: s2, proof: proof, root1: root1, root2: root2))

        func verifies(_ s1: UInt64, _ s2: UInt64, _ proof: [[UInt8]], _ root1: [UInt8], _ root2: [UInt8]) -> Bool {
            Self.accepts { try Merkle.verifyConsistency(size1: s1, size2: s2, proof: proof, root1: root1, root2: root2) }
        }
        let context: Comment = "consistency \(size1) → \(size2)"
        for h in proof.indices {
            var bad = proof
            bad[h] = proof[h].flippingBit(Int(rng.next() % 256))
            #expect(!verifies(s1, s2, bad, root1, root2), context)
        }
        #expect(!verifies(s1, s2, proof, root1.flippingBit(Int(rng.next() % 256)), root2), context)
        #expect(!verifies(s1, s2, proof, root1, root2.flippingBit(Int(rng.next() % 256))), context)
        if s1 != s2 {
            #expect(!verifies(s1, s2, proof, root2, root1), context)
            #expect(!verifies(s1, s2, Array(proof.dropLast()), root1, root2), context)
            #expect(!verifies(s1, s2, proof + [root1], root1, root2), context)
        }
        #expect(!verifies(0, s2, proof, root1, root2), context)
        #expect(!verifies(s2 + 1, s2, proof, root1, root2), context)
        // Other sizes: the module agrees with the reference verifier.
        for (o1, o2) in [(s1 + 1, s2), (s1, s2 + 1), (s1 - 1, s2 * 2)] {
            #expect(
                verifies(o1, o2, proof, root1, root2)
                    == ReferenceMerkle.verifyConsistency(size1: o1, size2: o2, proof: proof, root1: root1, root2: root2),
                "consistency \(size1) → \(size2) checked as \(o1) → \(o2)")
        }
    }

    /// The number of hashes in PATH(m, D[n]), counted by descending the tree.
    static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        var m = index
        var n = size
        var length = 0
        while n > 1 {
            let k = UInt64(ReferenceMerkle.split(Int(n)))
            if m < k { n = k } else { m -= k; n -= k }
            length += 1
        }
        return length
    }

    @Test("every bit of every hash of one proof matters")
    func exhaustiveBitFlips() throws {
        let leaves = Self.randomLeaves(300, seed: 300_300)
        let tree = InMemoryMerkleTree(leafHashes: leaves)
        let root = tree.rootHash()
        let proof = try MerkleProofs.inclusionProof(index: 123, size: 300, source: tree)
        var accepted = 0
        for h in proof.indices {
            for bit in 0..<256 {
                var bad = proof
                bad[h] = proof[h].flippingBit(bit)
                if Self.accepts({ try Merkle.verifyInclusion(leafHash: leaves[123], index: 123, treeSize: 300, proof: bad, root: root) }) {
                    accepted += 1
                }
            }
        }
        #expect(accepted == 0)

        let consistency = try MerkleProofs.consistencyProof(from: 123, to: 300, source: tree)
        let root1 = tree.rootHash(size: 123)
        accepted = 0
        for h in consistency.indices {
            for bit in 0..<256 {
                var bad = consistency
                bad[h] = consistency[h].flippingBit(bit)
                if Self.accepts({ try Merkle.verifyConsistency(size1: 123, size2: 300, proof: bad, root1: root1, root2: root) }) {
                    accepted += 1
                }
            }
        }
        #expect(accepted == 0)
    }

    /// RFC 9162 proofs do not commit to the tree size: leaf 0's proof in a
    /// tree of 3 has the same shape as in a tree of 4. Both verifiers agree.
    @Test("a proof can verify under another tree size with the same path shape")
    func sizeAmbiguity() throws {
        let leaves = Self.randomLeaves(3, seed: 3)
        let tree = InMemoryMerkleTree(leafHashes: leaves)
        let proof = try MerkleProofs.inclusionProof(index: 0, size: 3, source: tree)
        let root = tree.rootHash()
        #expect(Self.accepts { try Merkle.verifyInclusion(leafHash: leaves[0], index: 0, treeSize: 4, proof: proof, root: root) })
        #expect(ReferenceMerkle.verifyInclusion(leaf: leaves[0], index: 0, size: 4, proof: proof, root: root))
        #expect(!Self.accepts { try Merkle.verifyInclusion(leafHash: leaves[0], index: 0, treeSize: 5, proof: proof, root: root) })
    }

    @Test("InMemoryMerkleTree grows one leaf at a time to the same roots")
    func incrementalAppend() throws {
        let leaves = Self.randomLeaves(600, seed: 600)
        var tree = InMemoryMerkleTree()
        #expect(tree.size == 0)
        #expect(tree.rootHash() == Merkle.emptyRoot)
        #expect(try MerkleProofs.rootHash(size: 0, source: tree) == SHA256.hash([UInt8]()))
        var roots: [[UInt8]] = []
        for leaf in leaves {
            tree.append(leafHash: leaf)
            roots.append(tree.rootHash())
        }
        let full = InMemoryMerkleTree(leafHashes: leaves)
        for size in stride(from: 1, through: 600, by: 37) {
            #expect(roots[size - 1] == full.rootHash(size: UInt64(size)))
            #expect(roots[size - 1] == ReferenceMerkle.mth(leaves[..<size]))
        }
        #expect(Set(roots).count == roots.count)
    }

    @Test("a source asked for a subtree it does not have throws")
    func missingSubtrees() throws {
        let tree = InMemoryMerkleTree(leafHashes: Self.randomLeaves(5, seed: 5))
        #expect(throws: (any Error).self) { try tree.perfectSubtreeHash(level: 0, index: 5) }
        #expect(throws: (any Error).self) { try tree.perfectSubtreeHash(level: 1, index: 2) }
        #expect(throws: (any Error).self) { try tree.perfectSubtreeHash(level: 3, index: 0) }
        #expect(throws: (any Error).self) { try MerkleProofs.rootHash(size: 6, source: tree) }
        #expect(throws: (any Error).self) { try MerkleProofs.inclusionProof(index: 0, size: 9, source: tree) }
        #expect(try tree.perfectSubtreeHash(level: 2, index: 0) == tree.rootHash(size: 4))
    }

    // MARK: Tiles

    @Test("tiles built from the same leaves give the same roots and proofs", arguments: [1, 2, 255, 256, 257, 300, 511, 512, 513, 1000, 4097, 70_000])
    func tilesMatchMemory(size: Int) throws {
        var rng = SplitMix64(seed: UInt64(size) &+ 99)
        let leaves = Self.randomLeaves(size, seed: UInt64(size) &+ 1)
        let tree = InMemoryMerkleTree(leafHashes: leaves)
        let tiled = TiledTree(leafHashes: leaves)

        // The tiles built are exactly those tlog-tiles lists for the size.
        let listed = Tiles.coordinates(treeSize: UInt64(size))
        let built = tiled.tiles.flatMap { level, row in row.map { Tiles.Coordinate(level: level, index: $0.key, width: $0.value.width) } }
        #expect(Set(listed) == Set(built))
        #expect(listed.count == built.count)

        let source = tiled.source
        let n = UInt64(size)
        #expect(try MerkleProofs.rootHash(size: n, source: source) == tree.rootHash())
        // Smaller trees can be computed from the same tiles.
        let smaller: [UInt64] = size <= 600 ? Array(1...n) : (0..<100).map { _ in 1 + rng.next() % n }
        for s in smaller {
            #expect(try MerkleProofs.rootHash(size: s, source: source) == tree.rootHash(size: s), "size \(s) of \(size)")
        }
        for _ in 0..<(size > 5000 ? 10 : 25) {
            let index = rng.next() % n
            let proof = try MerkleProofs.inclusionProof(index: index, size: n, source: source)
            let expectedProof = try MerkleProofs.inclusionProof(index: index, size: n, source: tree)
            #expect(proof == expectedProof, "index \(index)")
            try Merkle.verifyInclusion(leafHash: leaves[Int(index)], index: index, treeSize: n, proof: proof, root: tree.rootHash())
            let size1 = 1 + rng.next() % n
            let consistency = try MerkleProofs.consistencyProof(from: size1, to: n, source: source)
            let expectedConsistency = try MerkleProofs.consistencyProof(from: size1, to: n, source: tree)
            #expect(consistency == expectedConsistency, "\(size1) → \(n)")
        }
    }
}
