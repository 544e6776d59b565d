/// zlib (RFC 1950) compression through the system zlib — the format a
/// browser's `DecompressionStream("deflate")` reads, so the web verifier can
/// open what the issuer compresses. zlib itself is touched only in
/// `Deflate_zlib.swift`; nothing here has a C type.
public enum Deflate {
    /// Why compressed data could not be opened. Tests compare ``code``;
    /// people read ``description``.
    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        /// The kind of failure; extensible.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let rawValue: String
            public init(_ rawValue: String) { self.rawValue = rawValue }
            public var description: String { rawValue }

            /// More output than the caller's limit.
            public static let tooLarge = Code("too-large")
            /// Not a complete zlib stream (damaged, truncated, or with bytes after its end).
            public static let damaged = Code("damaged")
            /// zlib could not start (out of memory).
            public static let libraryFailure = Code("library-failure")
        }

        public let code: Code
        /// A sentence for humans: what failed and why.
        public let description: String

        public init(_ code: Code, _ description: String) {
            self.code = code
            self.description = description
        }
    }

    public static func compress(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] {
        Zlib.compress(bytes, level: level)
    }

    /// Decompresses, refusing output larger than `limit` bytes (a small input
    /// must not be able to make the verifier allocate gigabytes).
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(Error) -> [UInt8] {
        guard let stream = ZlibInflateStream() else {
            throw Error(.libraryFailure, "zlib could not start")
        }
        switch stream.inflate(bytes, limit: limit) {
        case .complete(let out):
            return out
        case .tooLarge:
            throw Error(.tooLarge, "the compressed data expands beyond \(limit) bytes")
        case .damaged(let status):
            throw Error(.damaged, "the compressed data is damaged or truncated (zlib status \(status))")
        }
    }
}
