/// An error from the cryptographic wrapper.
///
/// Tests compare ``code``; people read ``reason``. The C library's own error
/// queue text is appended to the reason when there is one, because "OpenSSL
/// said no" without the why is useless to an operator.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let invalidKey = Code(name: "invalidKey")
        public static let invalidSignatureEncoding = Code(name: "invalidSignatureEncoding")
        public static let libraryFailure = Code(name: "libraryFailure")
        public static let randomFailure = Code(name: "randomFailure")
        public var description: String { name }
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "\(code): \(reason)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.reason == rhs.reason }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(reason)
    }
}
