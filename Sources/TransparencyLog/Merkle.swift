import AkashiCrypto

/// Merkle Tree Hash and proof verification exactly as RFC 9162 §2.1
/// (the same tree as RFC 6962): SHA-256, leaf = H(0x00 || entry),
/// node = H(0x01 || left || right).
///
/// https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1
public enum Merkle {
    public static let hashSize = 32

    /// MTH({}) = SHA-256 of the empty string.
    public static let emptyRoot: [UInt8] = SHA256.hash([UInt8]())

    /// The leaf hash of an entry: SHA-256(0x00 || entry).
    public static func leafHash<E: RawBytes>(_ entry: E) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update([UInt8(0)])
        hasher.update(entry)
        return hasher.finalize()
    }

    /// An interior node: SHA-256(0x01 || left || right).
    @inline(__always)
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var buffer = [UInt8]()
        buffer.reserveCapacity(65)
        buffer.append(1)
        buffer.append(contentsOf: left)
        buffer.append(contentsOf: right)
        return SHA256.hash(buffer)
    }

    /// The largest power of two strictly less than `n` (n ≥ 2): RFC 9162's k.
    @inline(__always)
    static func splitPoint(_ n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return 1 << (63 - (n - 1).leadingZeroBitCount)
    }

    // MARK: Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)

    /// Recomputes the root from an inclusion proof (RFC 9162 §2.1.3.2).
    public static func rootFromInclusionProof(
        leafHash: [UInt8], index: UInt64, treeSize: UInt64, proof: [[UInt8]]
    ) throws(ProofError) -> [UInt8] {
        guard treeSize > 0 else { throw ProofError(.emptyTree, "an empty tree contains no entries") }
        guard index < treeSize else {
            throw ProofError(.indexOutOfRange, "index \(index) is outside a tree of size \(treeSize)")
        }
        guard leafHash.count == hashSize else { throw ProofError(.malformedHash, "the leaf hash is not 32 bytes") }
        for node in proof where node.count != hashSize {
            throw ProofError(.malformedHash, "a proof hash is \(node.count) bytes, not 32")
        }
        var fn = index
        var sn = treeSize - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else {
                throw ProofError(.wrongProofLength, "the inclusion proof is longer than the tree is deep")
            }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw ProofError(.wrongProofLength, "the inclusion proof is too short for the tree size") }
        return r
    }

    /// Checks that `leafHash` is at `index` in the tree of `treeSize` with `root`.
    public static func verifyInclusion(
        leafHash: [UInt8], index: UInt64, treeSize: UInt64, proof: [[UInt8]], root: [UInt8]
    ) throws(ProofError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, treeSize: treeSize, proof: proof)
        guard computed == root else {
            throw ProofError(.rootMismatch, "the inclusion proof leads to another root than the checkpoint's")
        }
    }

    /// Checks that the tree of `size2` with `root2` extends the tree of `size1`
    /// with `root1` (RFC 9162 §2.1.4.2).
    ///
    /// A proof from the empty tree proves nothing — every tree extends it — so
    /// `size1 == 0` is refused; callers accept a first checkpoint without one.
    public static func verifyConsistency(
        size1: UInt64, size2: UInt64, proof: [[UInt8]], root1: [UInt8], root2: [UInt8]
    ) throws(ProofError) {
        let implied = try rootsFromConsistencyProof(size1: size1, size2: size2, proof: proof, root1: root1)
        if size1 == size2 {
            guard root1 == root2 else { throw ProofError(.rootMismatch, "two trees of the same size have different roots") }
            return
        }
        guard implied.root1 == root1 else { throw ProofError(.rootMismatch, "the consistency proof does not lead to the older root") }
        guard implied.root2 == root2 else { throw ProofError(.rootMismatch, "the consistency proof does not lead to the newer root") }
    }

    /// The roots of the older and the newer tree that a consistency proof
    /// implies: RFC 9162 §2.1.4.2 up to, not including, its two final
    /// comparisons. The one fold of the project; ``verifyConsistency`` is it
    /// followed by those comparisons.
    ///
    /// When `size1` is a power of two, the older tree is a complete subtree of
    /// the newer and the proof leaves its hash out, because the verifier holds
    /// it: the fold starts from `root1`, which comes back as the older root.
    /// For any other `size1` the proof alone determines both roots and `root1`
    /// is not read; for `size1 == size2` the proof is empty and both roots are
    /// `root1`.
    ///
    /// Why a step of its own: a mirror building the proof from an untrusted
    /// source's tiles must tell "these tiles are not the source's own
    /// checkpoint" (the newer root differs) from "the log signed two
    /// inconsistent trees" (the newer root matches, the older does not), and
    /// needs the older root the log committed to as evidence.
    ///
    /// - Throws: `.sizesOutOfOrder`, `.emptyTree` (`size1 == 0`),
    ///   `.malformedHash`, `.wrongProofLength`; never `.rootMismatch`.
    public static func rootsFromConsistencyProof(
        size1: UInt64, size2: UInt64, proof: [[UInt8]], root1: [UInt8]
    ) throws(ProofError) -> (root1: [UInt8], root2: [UInt8]) {
        guard size1 <= size2 else {
            throw ProofError(.sizesOutOfOrder, "the older tree (\(size1)) is larger than the newer (\(size2))")
        }
        guard size1 > 0 else {
            throw ProofError(.emptyTree, "a consistency proof from the empty tree proves nothing")
        }
        if size1 == size2 {
            guard proof.isEmpty else {
                throw ProofError(.wrongProofLength, "trees of equal size need an empty consistency proof")
            }
            return (root1, root1)
        }
        guard !proof.isEmpty else { throw ProofError(.wrongProofLength, "the consistency proof is empty") }
        for node in proof where node.count != hashSize {
            throw ProofError(.malformedHash, "a proof hash is \(node.count) bytes, not 32")
        }
        var path = proof[...]
        if size1 & (size1 - 1) == 0 {
            path = [root1] + proof
        }
        var fn = size1 - 1
        var sn = size2 - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path.first!
        var sr = fr
        for c in path.dropFirst() {
            guard sn != 0 else { throw ProofError(.wrongProofLength, "the consistency proof is too long") }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw ProofError(.wrongProofLength, "the consistency proof is too short") }
        return (fr, sr)
    }
}
