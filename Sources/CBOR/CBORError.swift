/// CBOR that cannot be decoded, or a value that cannot be encoded.
///
/// ``code`` is stable and meant for tests and programs; ``reason`` says in
/// words what is wrong, for the person reading a log. ``offset`` points at the
/// byte where decoding gave up (the start of the offending data item or
/// argument), so a hex dump of a rejected certificate shows where to look.
/// Encoding errors have no offset.
public struct CBORError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem it is. New codes may be added; switch with a
    /// `default` or compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }

        /// The input ends in the middle of a data item, or a length or count
        /// claims more bytes than remain (checked before anything is allocated).
        public static let truncated = Code(name: "truncated")
        /// Bytes follow the single top-level data item.
        public static let trailingBytes = Code(name: "trailingBytes")
        /// Not well-formed CBOR (RFC 8949 §3): reserved additional information
        /// 28–30, a "break" outside an indefinite-length item, a two-byte simple
        /// value below 32, a bad chunk in an indefinite-length string.
        public static let malformed = Code(name: "malformed")
        /// An integer, length, count or tag not in its shortest form (§4.2.1).
        public static let nonShortestArgument = Code(name: "nonShortestArgument")
        /// An indefinite-length string, array or map (forbidden by §4.2.1).
        public static let indefiniteLength = Code(name: "indefiniteLength")
        /// Map keys not in bytewise lexicographic order of their encodings (§4.2.1).
        public static let unsortedMapKeys = Code(name: "unsortedMapKeys")
        /// The same key twice in one map (§5.6). Rejected in every mode, and the
        /// encoder refuses to write one.
        public static let duplicateMapKey = Code(name: "duplicateMapKey")
        /// A float that a shorter IEEE 754 format represents exactly (§4.2.1).
        public static let nonShortestFloat = Code(name: "nonShortestFloat")
        /// A text string that is not valid UTF-8 (§3.1, major type 3).
        public static let invalidUTF8 = Code(name: "invalidUTF8")
        /// Arrays, maps and tags nested deeper than the decoder allows.
        public static let depthLimitExceeded = Code(name: "depthLimitExceeded")
        /// A simple value other than false, true, null and undefined.
        public static let unsupportedSimpleValue = Code(name: "unsupportedSimpleValue")
        /// Major type 7 (a Boolean, null, undefined, another simple value or a
        /// float) where the options refuse it (``CBORDecodingOptions/allowsMajorType7``).
        public static let majorType7 = Code(name: "majorType7")
        /// A tag the options do not list (``CBORDecodingOptions/allowedTags``).
        public static let tagNotAllowed = Code(name: "tagNotAllowed")

        public var description: String { name }
    }

    public let code: Code
    public let reason: String
    /// The byte offset in the input where the problem is; `nil` for encoding errors.
    public let offset: Int?

    public init(_ code: Code, _ reason: String, offset: Int? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(code) at byte \(offset): \(reason)" }
        return "\(code): \(reason)"
    }
}
