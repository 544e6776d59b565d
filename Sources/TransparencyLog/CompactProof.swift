/// A dense binary packing of a ``TlogProof`` for QR codes
/// (`docs/spec/compact-proof.md`, format v2).
///
/// Everything the verifier knows or can compute is left out: the log origin
/// and signer names (from the trust file, by key ID), the root hash
/// (recomputed from the leaf and the proof — the checkpoint signature then
/// covers it), the number of proof hashes (a function of index and tree
/// size) and the number of signatures (they run to the end):
///
///     uvarint index              minimal; index < tree size
///     uvarint tree size          minimal; 1 … 2^53 − 1
///     H × [32]                   inclusion proof, leaf sibling first; H = pathLength(index, size)
///     1* (u32 key ID, u8 length, signature bytes)   until the end; key IDs distinct
///
/// Extension lines and extra data are not representable (Akashi's
/// checkpoints have none).
public struct CompactProof: Hashable, Sendable {
    /// The largest tree size (and index + 1) the format admits: a JavaScript number holds it exactly.
    public static let maxTreeSize: UInt64 = (1 << 53) - 1
    /// A decoder accepts at least this many signature records and refuses more.
    public static let maxSignatures = 100

    public struct RawSignature: Hashable, Sendable {
        public let keyID: UInt32
        public let bytes: [UInt8]
        public init(keyID: UInt32, bytes: [UInt8]) {
            self.keyID = keyID
            self.bytes = bytes
        }
    }

    public let index: UInt64
    public let treeSize: UInt64
    public let hashes: [[UInt8]]
    public let signatures: [RawSignature]

    /// The number of hashes in the RFC 9162 §2.1.3.1 audit path of leaf
    /// `index` in a tree of `treeSize` leaves (`index < treeSize`).
    public static func pathLength(index: UInt64, treeSize: UInt64) -> Int {
        precondition(index < treeSize)
        let inner = 64 - (index ^ (treeSize - 1)).leadingZeroBitCount
        let border = inner >= 64 ? 0 : (index >> UInt64(inner)).nonzeroBitCount
        return inner + border
    }

    public static func encode(_ proof: TlogProof) throws(NoteError) -> [UInt8] {
        let checkpoint = proof.checkpoint.checkpoint
        guard proof.extra == nil, checkpoint.extensions.isEmpty else {
            throw NoteError(.malformedProof, "the compact form has no room for extra data or checkpoint extensions")
        }
        guard checkpoint.size >= 1, checkpoint.size <= maxTreeSize, proof.index < checkpoint.size,
            proof.inclusionProof.count == pathLength(index: proof.index, treeSize: checkpoint.size)
        else { throw NoteError(.malformedProof, "the proof does not fit the compact form (index, tree size or proof length)") }
        var out: [UInt8] = []
        appendUvarint(proof.index, to: &out)
        appendUvarint(checkpoint.size, to: &out)
        for hash in proof.inclusionProof { out += hash }
        var seen = Set<UInt32>()
        for signature in proof.checkpoint.note.signatures where seen.insert(signature.keyID).inserted {
            guard signature.bytes.count < 256 else { throw NoteError(.malformedProof, "a signature is too long for the compact form") }
            out += [UInt8(signature.keyID >> 24), UInt8(signature.keyID >> 16 & 0xff), UInt8(signature.keyID >> 8 & 0xff), UInt8(signature.keyID & 0xff)]
            out.append(UInt8(signature.bytes.count))
            out += signature.bytes
        }
        return out
    }

    /// Decodes the structure only (spec §3): nothing from the trust file, no
    /// signature checked yet.
    public init(decoding bytes: [UInt8]) throws(NoteError) {
        var reader = ByteReader(bytes)
        let index = try reader.uvarint()
        let size = try reader.uvarint()
        guard size >= 1, size <= Self.maxTreeSize else { throw NoteError(.malformedProof, "the tree size \(size) is outside 1…2^53−1") }
        guard index < size else { throw NoteError(.malformedProof, "the index \(index) is outside the tree of size \(size)") }
        var hashes: [[UInt8]] = []
        for _ in 0..<Self.pathLength(index: index, treeSize: size) { hashes.append(try reader.bytes(32)) }
        var signatures: [RawSignature] = []
        var seen = Set<UInt32>()
        while !reader.isAtEnd {
            let id = try reader.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let signature = try reader.bytes(Int(try reader.byte()))
            guard seen.insert(id).inserted else { throw NoteError(.malformedProof, "two signatures have the key ID \(String(id, radix: 16))") }
            signatures.append(RawSignature(keyID: id, bytes: signature))
            guard signatures.count <= Self.maxSignatures else { throw NoteError(.malformedProof, "more than \(Self.maxSignatures) signatures") }
        }
        guard !signatures.isEmpty else { throw NoteError(.malformedProof, "the compact proof carries no signature") }
        self.index = index
        self.treeSize = size
        self.hashes = hashes
        self.signatures = signatures
    }

    /// The signed checkpoint this proof claims for `leafHash`: the root
    /// recomputed from the proof, the origin from `logKey`, and the signatures
    /// of the keys listed (the log key and witnesses; others are skipped).
    /// Nothing is verified here: a wrong proof gives a checkpoint whose log
    /// signature will not verify.
    public func tlogProof(leafHash: [UInt8], logKey: VerifierKey, knownKeys: [VerifierKey] = []) throws(NoteError) -> TlogProof {
        let root: [UInt8]
        do { root = try Merkle.rootFromInclusionProof(leafHash: leafHash, index: index, treeSize: treeSize, proof: hashes) } catch {
            throw NoteError(.malformedProof, "the inclusion proof does not fit the tree: \(error.reason)")
        }
        let keys = [logKey] + knownKeys
        let named: [SignedNote.Signature] = signatures.compactMap { raw in
            keys.first { $0.keyID == raw.keyID }.map { SignedNote.Signature(name: $0.name, keyID: raw.keyID, bytes: raw.bytes) }
        }
        guard !named.isEmpty else { throw NoteError(.unverified, "the proof's checkpoint is not signed by any trusted key") }
        let checkpoint = Checkpoint(origin: logKey.name, size: treeSize, rootHash: root)
        return TlogProof(index: index, inclusionProof: hashes, checkpoint: try SignedCheckpoint(checkpoint: checkpoint, signatures: named))
    }

    /// Unsigned LEB128, minimal; shared by the QR payload and status lists.
    public static func appendUvarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// Reads a byte buffer front to back, failing cleanly on truncation.
public struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    public mutating func byte() throws(NoteError) -> UInt8 {
        guard offset < bytes.count else { throw NoteError(.malformedProof, "the compact proof is truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bytes(_ count: Int) throws(NoteError) -> [UInt8] {
        guard count <= bytes.count - offset else { throw NoteError(.malformedProof, "the compact proof is truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func uvarint() throws(NoteError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64, !(shift == 63 && b > 1) else { throw NoteError(.malformedProof, "a number in the compact proof overflows") }
            value |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 {
                // Reject non-minimal encodings so each proof has one byte form.
                guard b != 0 || shift == 0 else { throw NoteError(.malformedProof, "a number in the compact proof is not minimally encoded") }
                return value
            }
            shift += 7
        }
    }
}
