import TransparencyLog

/// Whether a larger tree extends a smaller one, decided from the larger
/// tree's tiles as a source serves them (c2sp.org/tlog-tiles: "clients can
/// fetch all the tiles they need and compute any desired proof").
///
/// The tiles are untrusted, so the check tells two failures apart:
///
/// 1. The RFC 9162 §2.1.4 consistency proof from `older.size` to
///    `newer.size` is built from the tiles, together with the hash of
///    `[0, older.size)` when that is a power of two (where the RFC's verifier
///    would start from the *trusted* old root instead).
/// 2. The proof is folded into the two roots it implies by the log's own
///    verifier, `Merkle.rootsFromConsistencyProof` (RFC 9162 §2.1.4.2 without
///    its final comparisons). If the newer root implied is not
///    `newer.rootHash`, the tiles do not belong to the source's own
///    checkpoint: ``MirrorError/Code/tileMismatch``, a broken or lying
///    source, not evidence against the log.
/// 3. If it is, every hash on the path is authentic (a second preimage
///    otherwise), so the older root implied *is* the root of the first
///    `older.size` entries of the newer tree. It differs from `older.rootHash`
///    exactly when the log signed two inconsistent checkpoints.
///
/// Both roots matching is exactly what `Merkle.verifyConsistency` accepts
/// (it is the same fold followed by these two comparisons).
public enum TreeConsistency {
    public enum Verdict: Hashable, Sendable {
        case consistent
        /// The newer tree does not extend the older one; `impliedRoot` is the
        /// root the newer tree has at the older size.
        case inconsistent(impliedRoot: [UInt8])
    }

    /// Checks that the tree `newer` extends the tree (`olderSize`, `olderRoot`),
    /// fetching `newer`'s tiles from `client`. Throws ``MirrorError`` for a
    /// source that cannot be read or whose tiles are not its checkpoint's.
    public static func check(
        olderSize: UInt64, olderRoot: [UInt8], newer: Checkpoint, client: TileLogClient
    ) async throws(MirrorError) -> Verdict {
        let newSize = newer.size
        guard olderSize <= newSize else {
            throw MirrorError(.invalidRequest, "the older tree (\(olderSize)) is larger than the newer (\(newSize))")
        }
        if olderSize == 0 { return .consistent }
        if olderSize == newSize {
            return olderRoot == newer.rootHash ? .consistent : .inconsistent(impliedRoot: newer.rootHash)
        }
        // Which tiles the proof needs depends on the sizes only: find them
        // with placeholder tiles, then fetch just those.
        let recorder = TileRecorder(treeSize: newSize)
        _ = try? proof(from: olderSize, to: newSize, source: recorder.source)
        var tiles: [TileKey: ExpandedTile] = [:]
        for key in recorder.keys.sorted() {
            let width = Tiles.width(level: key.level, index: key.index, treeSize: newSize)
            tiles[key] = try await client.tile(level: key.level, index: key.index, width: width)
        }
        let source = TileHashSource { level, index in
            guard let tile = tiles[TileKey(level: level, index: index)] else {
                throw ProofError(.indexOutOfRange, "tile \(level)/\(index) was not fetched")
            }
            return tile
        }
        let built: (proof: [[UInt8]], olderSubtree: [UInt8]?)
        do {
            built = try proof(from: olderSize, to: newSize, source: source)
        } catch {
            throw MirrorError(
                .tileMismatch, "the tiles of \(client.source) for tree size \(newSize) cannot give a consistency proof from \(olderSize): \(error)",
                url: client.source)
        }
        let implied: (root1: [UInt8], root2: [UInt8])
        do throws(ProofError) {
            // The tiles' own hash of [0, olderSize) where the proof leaves it
            // out, never the trusted `olderRoot`: that is what is on trial.
            // (For other sizes the fold does not read it.)
            implied = try Merkle.rootsFromConsistencyProof(
                size1: olderSize, size2: newSize, proof: built.proof, root1: built.olderSubtree ?? olderRoot)
        } catch {
            throw MirrorError(
                .tileMismatch, "the consistency proof \(olderSize)→\(newSize) from the tiles of \(client.source) does not fold: \(error.reason)",
                url: client.source)
        }
        guard implied.root2 == newer.rootHash else {
            throw MirrorError(
                .tileMismatch,
                "the tiles of \(client.source) hash to root \(implied.root2.base64String), not to its checkpoint's \(newer.rootHash.base64String) (size \(newSize))",
                url: client.source)
        }
        guard implied.root1 == olderRoot else { return .inconsistent(impliedRoot: implied.root1) }
        return .consistent
    }

    /// The RFC 9162 consistency proof from `size1` to `size2`, and
    /// MTH(D[0:size1]) when `size1` is a power of two: the hash the proof
    /// leaves out, which the fold starts from.
    static func proof(from size1: UInt64, to size2: UInt64, source: some SubtreeHashSource) throws -> (proof: [[UInt8]], olderSubtree: [UInt8]?) {
        let proof = try MerkleProofs.consistencyProof(from: size1, to: size2, source: source)
        guard size1 & (size1 - 1) == 0 else { return (proof, nil) }
        return (proof, try MerkleProofs.subtreeHash(lo: 0, hi: size1, source: source))
    }
}

struct TileKey: Hashable, Comparable {
    let level: Int
    let index: UInt64
    static func < (a: TileKey, b: TileKey) -> Bool { (a.level, a.index) < (b.level, b.index) }
}

/// A hash source of zero-filled tiles that notes which tiles were asked for.
final class TileRecorder: @unchecked Sendable {
    let treeSize: UInt64
    private(set) var keys: Set<TileKey> = []

    init(treeSize: UInt64) { self.treeSize = treeSize }

    var source: TileHashSource {
        TileHashSource { [self] level, index in
            keys.insert(TileKey(level: level, index: index))
            let width = max(1, Tiles.width(level: level, index: index, treeSize: treeSize))
            return ExpandedTile(hashes: Array(repeating: [UInt8](repeating: 0, count: Merkle.hashSize), count: width))
        }
    }
}
