/// A signed note, checkpoint, key or proof text that cannot be used.
///
/// ``code`` is stable for tests and JSON output; ``reason`` says what is wrong
/// and, where it helps, how to fix it.
public struct NoteError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let malformedNote = Code(name: "malformedNote")
        public static let malformedSignature = Code(name: "malformedSignature")
        public static let malformedKey = Code(name: "malformedKey")
        public static let malformedCheckpoint = Code(name: "malformedCheckpoint")
        public static let malformedProof = Code(name: "malformedProof")
        /// No signature from a trusted key was found.
        public static let unverified = Code(name: "unverified")
        /// A signature from a trusted key did not verify.
        public static let badSignature = Code(name: "badSignature")
        public var description: String { name }
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
