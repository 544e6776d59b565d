/// Why a QR code could not be made or rendered.
public struct QRCodeError: Error, Hashable, CustomStringConvertible {
    /// The kind of failure; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The data needs more than a version-40 symbol at the requested level.
        public static let dataTooLarge = Code("data-too-large")
        /// The input cannot be encoded as given (e.g. a NUL inside text).
        public static let invalidInput = Code("invalid-input")
        /// The requested image would be unreasonably large.
        public static let imageTooLarge = Code("image-too-large")
        /// The C library ran out of memory or failed unexpectedly.
        public static let libraryFailure = Code("library-failure")
    }

    public let code: Code
    /// A sentence for humans: what failed and why.
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
