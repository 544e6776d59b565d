/// Why libpng could not read or write a PNG.
///
/// Tests compare ``code``; people read ``reason``, which carries libpng's own
/// message, because "the PNG is unreadable" without libpng's why is useless to
/// someone holding a damaged scan. The codes are the ones `QRScanError` and
/// `QRCodeError` use for the same failures, so callers map them one to one.
public struct PNGError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Bytes libpng could not decode: corrupt, truncated, or not a PNG.
        public static let unreadableImage = Code("unreadable-image")
        /// libpng ran out of memory or failed writing.
        public static let libraryFailure = Code("library-failure")
    }

    public let code: Code
    /// A sentence for humans: what failed, with libpng's message.
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
