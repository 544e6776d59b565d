/// A C2SP signed note: a text ending in a newline, a blank line, and one or
/// more signature lines `— <name> base64(keyID || signature)`.
///
/// https://c2sp.org/signed-note — the value keeps the exact text that was
/// signed; signatures are checked against those bytes, never a re-rendering.
public struct SignedNote: Hashable, Sendable {
    public struct Signature: Hashable, Sendable {
        public let name: String
        public let keyID: UInt32
        /// The signature bytes after the 4-byte key ID.
        public let bytes: [UInt8]

        public init(name: String, keyID: UInt32, bytes: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        /// `— <name> base64(keyID || bytes)` without the newline.
        public var line: String {
            let id: [UInt8] = [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)]
            return "\u{2014} \(name) \((id + bytes).base64String)"
        }
    }

    /// Verifiers must accept at least 16 signatures; more than this many is
    /// treated as abuse rather than a note.
    public static let maxSignatures = 100
    /// A note larger than this is refused before parsing.
    public static let maxSize = 1 << 20

    /// The signed text, including its final newline.
    public let text: String
    public let signatures: [Signature]

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as it is transmitted: text, blank line, signature lines.
    public var serialized: String {
        text + "\n" + signatures.map { $0.line + "\n" }.joined()
    }

    /// Parses a note strictly per the specification.
    public init(parsing note: String) throws(NoteError) {
        let bytes = Array(note.utf8)
        guard bytes.count <= Self.maxSize else { throw NoteError(.malformedNote, "the note is larger than 1 MiB") }
        for b in bytes where b < 0x20 && b != 0x0a {
            throw NoteError(.malformedNote, "the note contains a control character (0x\([b].hexString)); only newlines are allowed")
        }
        guard bytes.last == 0x0a else { throw NoteError(.malformedNote, "the note does not end with a newline") }
        // The text is separated from the signatures by the last empty line.
        guard let separator = Self.lastBlankLine(bytes) else {
            throw NoteError(.malformedNote, "the note has no blank line before its signatures")
        }
        let textBytes = bytes[..<(separator + 1)]
        guard !textBytes.isEmpty, textBytes.count > 1 || textBytes.first != 0x0a else {
            throw NoteError(.malformedNote, "the note text is empty")
        }
        let signatureBytes = bytes[(separator + 2)...]
        let lines = signatureBytes.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast()
        guard !lines.isEmpty else { throw NoteError(.malformedNote, "the note has no signature lines") }
        guard lines.count <= Self.maxSignatures else {
            throw NoteError(.malformedNote, "the note has more than \(Self.maxSignatures) signatures")
        }
        var signatures: [Signature] = []
        for line in lines {
            signatures.append(try Self.parseSignatureLine(String(decoding: line, as: UTF8.self)))
        }
        self.text = String(decoding: textBytes, as: UTF8.self)
        self.signatures = signatures
    }

    /// Index of the newline that ends the text (the one before the last "\n\n" pair's second newline).
    private static func lastBlankLine(_ bytes: [UInt8]) -> Int? {
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0a && bytes[i + 1] == 0x0a { return i }
            i -= 1
        }
        return nil
    }

    static func parseSignatureLine(_ line: String) throws(NoteError) -> Signature {
        let prefix = "\u{2014} "
        guard line.hasPrefix(prefix) else {
            throw NoteError(.malformedSignature, "a signature line must start with an em dash and a space: \(line.prefix(40))")
        }
        let rest = line.dropFirst(prefix.count)
        let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, isValidKeyName(parts[0]) else {
            throw NoteError(.malformedSignature, "a signature line must be '— <key name> <base64>': \(line.prefix(60))")
        }
        guard let blob = [UInt8](base64String: parts[1]), blob.count > 4 else {
            throw NoteError(.malformedSignature, "the signature of '\(parts[0])' is not valid base64 of a key ID and signature")
        }
        let keyID = UInt32(blob[0]) << 24 | UInt32(blob[1]) << 16 | UInt32(blob[2]) << 8 | UInt32(blob[3])
        return Signature(name: String(parts[0]), keyID: keyID, bytes: Array(blob[4...]))
    }

    /// Key names are non-empty and contain no Unicode space and no '+'
    /// (c2sp.org/signed-note, "Format"): the general rule, for reading other
    /// logs' notes and keys (mirrors, monitors). It depends on the platform's
    /// Unicode tables; Akashi's own names follow ``isAkashiKeyName(_:)``.
    public static func isValidKeyName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// An Akashi origin or witness name (docs/spec/log.md §1): 1 to 255
    /// bytes of 0x21–0x7E except `+` — printable ASCII, so no Unicode table
    /// decides what is a space. Used where Akashi chooses or trusts a name:
    /// `akashi init --origin`, witness and mirror names, the trust file's
    /// origin and its tlog-policy keys.
    public static func isAkashiKeyName(_ name: some StringProtocol) -> Bool {
        (1...255).contains(name.utf8.count) && name.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != 0x2B }
    }

    /// Verifies the note against trusted keys, per the specification:
    /// signatures from unknown keys are ignored; a known key's signature that
    /// fails rejects the whole note; at least one known key must have signed.
    ///
    /// Returns the verifiers whose signatures verified, in the order given.
    public func verify(_ verifiers: [any NoteVerifier]) throws(NoteError) -> [any NoteVerifier] {
        var verified: [any NoteVerifier] = []
        let message = Array(text.utf8)
        for verifier in verifiers {
            let mine = signatures.filter { $0.name == verifier.name && $0.keyID == verifier.keyID }
            for signature in mine {
                guard verifier.verify(message: message, signature: signature.bytes) else {
                    throw NoteError(.badSignature, "the signature by \(verifier.name) does not verify: the note was altered or signed by another key")
                }
            }
            if !mine.isEmpty { verified.append(verifier) }
        }
        guard !verified.isEmpty else {
            let names = verifiers.map(\.name).joined(separator: ", ")
            throw NoteError(.unverified, "the note carries no signature by a trusted key (\(names))")
        }
        return verified
    }
}
