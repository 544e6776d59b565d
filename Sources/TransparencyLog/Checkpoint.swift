/// The body of a checkpoint, c2sp.org/tlog-checkpoint: origin, tree size,
/// base64 root hash, then optional extension lines.
public struct Checkpoint: Hashable, Sendable {
    public let origin: String
    public let size: UInt64
    public let rootHash: [UInt8]
    public let extensions: [String]

    public init(origin: String, size: UInt64, rootHash: [UInt8], extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text, ending in a newline.
    public var text: String {
        var text = origin + "\n" + String(size) + "\n" + rootHash.base64String + "\n"
        for line in extensions { text += line + "\n" }
        return text
    }

    public init(parsing text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError(.malformedCheckpoint, "the checkpoint text does not end with a newline") }
        guard !text.utf8.contains(0x0D) else {
            throw NoteError(.malformedCheckpoint, "a checkpoint line holds a carriage return (CR, 0x0D)")
        }
        // Split on the LF byte, not on Characters: Swift takes CR LF for one
        // Character, so a "\r\n" line would hide a line feed (found by fuzzing).
        let lines = Array(text.utf8.dropLast()).split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3 else {
            throw NoteError(.malformedCheckpoint, "a checkpoint has at least three lines (origin, size, root hash)")
        }
        guard !lines[0].isEmpty else { throw NoteError(.malformedCheckpoint, "the checkpoint origin is empty") }
        let sizeLine = lines[1]
        guard !sizeLine.isEmpty, sizeLine.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            sizeLine == "0" || !sizeLine.hasPrefix("0"), let size = UInt64(sizeLine)
        else {
            throw NoteError(.malformedCheckpoint, "the tree size '\(sizeLine.prefix(30))' is not a decimal number without leading zeros")
        }
        guard let root = [UInt8](base64String: lines[2]), root.count == Merkle.hashSize else {
            throw NoteError(.malformedCheckpoint, "the root hash is not base64 of 32 bytes")
        }
        let extensions = Array(lines.dropFirst(3))
        guard !extensions.contains(where: \.isEmpty) else {
            throw NoteError(.malformedCheckpoint, "checkpoint extension lines must not be empty")
        }
        self.init(origin: lines[0], size: size, rootHash: root, extensions: extensions)
    }
}

/// A checkpoint together with the signed note that carries it — the exact
/// text and every signature line (the log's and any cosignatures).
public struct SignedCheckpoint: Hashable, Sendable {
    public let checkpoint: Checkpoint
    public let note: SignedNote

    public init(note: SignedNote) throws(NoteError) {
        self.checkpoint = try Checkpoint(parsing: note.text)
        self.note = note
    }

    public init(parsing text: String) throws(NoteError) {
        try self.init(note: SignedNote(parsing: text))
    }

    /// The note of a checkpoint made here rather than read — a verifier
    /// rebuilding one from a compact proof: its text is `checkpoint.text`,
    /// so instead of parsing that text back, what parsing would refuse is
    /// checked (an empty origin, a root that is not 32 bytes, an empty line,
    /// LF or CR inside a line); the value is the one ``init(note:)`` gives.
    public init(checkpoint: Checkpoint, signatures: [SignedNote.Signature]) throws(NoteError) {
        func isLine(_ line: String) -> Bool { !line.isEmpty && !line.utf8.contains(0x0A) && !line.utf8.contains(0x0D) }
        guard isLine(checkpoint.origin), checkpoint.rootHash.count == Merkle.hashSize, checkpoint.extensions.allSatisfy(isLine) else {
            throw NoteError(.malformedCheckpoint, "the checkpoint's origin, root hash or extension lines cannot be written as a checkpoint")
        }
        self.checkpoint = checkpoint
        self.note = SignedNote(text: checkpoint.text, signatures: signatures)
    }

    /// Signs a checkpoint as a new note.
    public init(signing checkpoint: Checkpoint, with signer: some NoteSigner) throws {
        self.checkpoint = checkpoint
        self.note = try signer.signNote(checkpoint.text)
    }

    public var serialized: String { note.serialized }

    /// Adds signature lines (cosignatures) to the note.
    public func adding(_ signatures: [SignedNote.Signature]) -> SignedCheckpoint {
        try! SignedCheckpoint(note: SignedNote(text: note.text, signatures: note.signatures + signatures))
    }
}
