/// A dense binary packing of a ``TlogProof`` for QR codes.
///
/// The text form repeats what a verifier already knows from its trust file —
/// the log origin and every signer's name — and spends base64 on every hash.
/// This form drops both: names are restored from the trusted keys by key ID,
/// the origin from the log key's name. Extension lines and extra data are
/// not representable (Akashi's checkpoints have none).
///
///     u8      version (1)
///     uvarint index
///     uvarint tree size
///     [32]    root hash
///     u8 n,   n × [32] inclusion proof hashes, leaf sibling first
///     u8 m,   m × (u32 key ID, u8 length, signature bytes)
public enum CompactProof {
    public static let version: UInt8 = 1

    public static func encode(_ proof: TlogProof) throws(NoteError) -> [UInt8] {
        let checkpoint = proof.checkpoint.checkpoint
        guard proof.extra == nil, checkpoint.extensions.isEmpty else {
            throw NoteError(.malformedProof, "the compact form has no room for extra data or checkpoint extensions")
        }
        guard proof.inclusionProof.count < 256, proof.checkpoint.note.signatures.count < 256 else {
            throw NoteError(.malformedProof, "too many hashes or signatures for the compact form")
        }
        var out: [UInt8] = [version]
        appendUvarint(proof.index, to: &out)
        appendUvarint(checkpoint.size, to: &out)
        out += checkpoint.rootHash
        out.append(UInt8(proof.inclusionProof.count))
        for hash in proof.inclusionProof { out += hash }
        out.append(UInt8(proof.checkpoint.note.signatures.count))
        for signature in proof.checkpoint.note.signatures {
            guard signature.bytes.count < 256 else { throw NoteError(.malformedProof, "a signature is too long for the compact form") }
            out += [UInt8(signature.keyID >> 24), UInt8(signature.keyID >> 16 & 0xff), UInt8(signature.keyID >> 8 & 0xff), UInt8(signature.keyID & 0xff)]
            out.append(UInt8(signature.bytes.count))
            out += signature.bytes
        }
        return out
    }

    /// Decodes `bytes`, restoring the origin from `logKey` and signer names
    /// from `knownKeys` (the log key and any witnesses). Signatures by keys not
    /// listed are dropped: a verifier would ignore them anyway.
    public static func decode(_ bytes: [UInt8], logKey: VerifierKey, knownKeys: [VerifierKey] = []) throws(NoteError) -> TlogProof {
        var reader = ByteReader(bytes)
        guard try reader.byte() == version else { throw NoteError(.malformedProof, "unknown compact proof version") }
        let index = try reader.uvarint()
        let size = try reader.uvarint()
        let root = try reader.bytes(32)
        var hashes: [[UInt8]] = []
        for _ in 0..<(try reader.byte()) { hashes.append(try reader.bytes(32)) }
        var signatures: [SignedNote.Signature] = []
        let keys = [logKey] + knownKeys
        for _ in 0..<(try reader.byte()) {
            let id = try reader.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let signature = try reader.bytes(Int(try reader.byte()))
            if let key = keys.first(where: { $0.keyID == id }) {
                signatures.append(SignedNote.Signature(name: key.name, keyID: id, bytes: signature))
            }
        }
        guard reader.isAtEnd else { throw NoteError(.malformedProof, "trailing bytes after the compact proof") }
        guard !signatures.isEmpty else { throw NoteError(.unverified, "the proof's checkpoint is not signed by any trusted key") }
        let checkpoint = Checkpoint(origin: logKey.name, size: size, rootHash: root)
        let note = SignedNote(text: checkpoint.text, signatures: signatures)
        return TlogProof(index: index, inclusionProof: hashes, checkpoint: try SignedCheckpoint(note: note))
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
