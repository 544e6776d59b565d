/// Why a payload text could not be decoded.
///
/// Decoders in this module are strict: a QR payload is signed data, so two
/// different texts must never decode to the same bytes (that would let a
/// copy be altered without detection in places that compare texts, and make
/// other implementations disagree on edge cases). Every rejected input gets
/// one of these, with the offset of the first offending character when there
/// is one.
public struct QRPayloadError: Error, Hashable, CustomStringConvertible {
    /// The kind of failure; extensible, so later codecs can add their own.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A character outside the codec's alphabet.
        public static let invalidCharacter = Code("invalid-character")
        /// A length no encoder output can have.
        public static let invalidLength = Code("invalid-length")
        /// A group whose value does not fit the bytes it stands for.
        public static let valueOutOfRange = Code("value-out-of-range")
        /// Well-formed but not what the encoder would have produced
        /// (e.g. non-zero unused bits in base64url).
        public static let nonCanonical = Code("non-canonical")
    }

    public let code: Code
    /// A sentence for humans: what was wrong and where.
    public let reason: String
    /// Offset in characters (UTF-8 code units) of the offending input, if any.
    public let offset: Int?

    public init(_ code: Code, _ reason: String, offset: Int? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(code): \(reason)" }
}
