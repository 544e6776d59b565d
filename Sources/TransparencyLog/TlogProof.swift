/// An offline proof that an entry is in a log, c2sp.org/tlog-proof@v1:
/// a header, optional extra data, the index, the inclusion proof and the
/// checkpoint (with any cosignatures) verbatim.
public struct TlogProof: Hashable, Sendable {
    public static let header = "c2sp.org/tlog-proof@v1"

    public let extra: [UInt8]?
    public let index: UInt64
    /// Leaf sibling first, up to the root's child (RFC 6962 §2.1.1 order).
    public let inclusionProof: [[UInt8]]
    public let checkpoint: SignedCheckpoint

    public init(extra: [UInt8]? = nil, index: UInt64, inclusionProof: [[UInt8]], checkpoint: SignedCheckpoint) {
        self.extra = extra
        self.index = index
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
    }

    public var text: String {
        var out = Self.header + "\n"
        if let extra { out += "extra \(extra.base64String)\n" }
        out += "index \(index)\n"
        for hash in inclusionProof { out += hash.base64String + "\n" }
        return out + "\n" + checkpoint.serialized
    }

    public init(parsing text: String) throws(NoteError) {
        var rest = text[...]
        func nextLine() throws(NoteError) -> Substring {
            guard let newline = rest.firstIndex(of: "\n") else {
                throw NoteError(.malformedProof, "the proof ends before its checkpoint")
            }
            defer { rest = rest[rest.index(after: newline)...] }
            return rest[..<newline]
        }
        guard try nextLine() == Self.header else {
            throw NoteError(.malformedProof, "a tlog proof starts with the line '\(Self.header)'")
        }
        var line = try nextLine()
        var extra: [UInt8]? = nil
        if line.hasPrefix("extra ") {
            guard let bytes = [UInt8](base64String: line.dropFirst(6)) else {
                throw NoteError(.malformedProof, "the extra line is not valid base64")
            }
            extra = bytes
            line = try nextLine()
        }
        guard line.hasPrefix("index ") else { throw NoteError(.malformedProof, "the proof has no 'index N' line") }
        let digits = line.dropFirst(6)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            digits == "0" || !digits.hasPrefix("0"), let index = UInt64(digits)
        else { throw NoteError(.malformedProof, "the index '\(digits.prefix(30))' is not a decimal number without leading zeros") }
        var hashes: [[UInt8]] = []
        while true {
            let hashLine = try nextLine()
            if hashLine.isEmpty { break }
            guard let hash = [UInt8](base64String: hashLine), hash.count == Merkle.hashSize else {
                throw NoteError(.malformedProof, "inclusion proof line \(hashes.count + 1) is not base64 of 32 bytes")
            }
            guard hashes.count < 64 else { throw NoteError(.malformedProof, "the inclusion proof has more than 64 hashes") }
            hashes.append(hash)
        }
        self.init(extra: extra, index: index, inclusionProof: hashes, checkpoint: try SignedCheckpoint(parsing: String(rest)))
    }

    /// Verifies the proof for an entry whose leaf hash the caller computed
    /// (step 1 of the specification is application-specific): checkpoint
    /// signatures under `policy` (a ``TlogPolicy``, or any other
    /// ``CheckpointVerifying``), then inclusion. Throws the first failure.
    @discardableResult
    public func verify(leafHash: [UInt8], policy: some CheckpointVerifying) throws -> TlogPolicy.Verified {
        let verified = try policy.verify(checkpoint)
        try Merkle.verifyInclusion(
            leafHash: leafHash, index: index, treeSize: checkpoint.checkpoint.size,
            proof: inclusionProof, root: checkpoint.checkpoint.rootHash)
        return verified
    }
}
