import struct Foundation.Data

/// SHA-256 (FIPS 180-4), the only hash Akashi uses: Merkle nodes (RFC 9162),
/// note key IDs (C2SP signed-note), ES256 and document digests.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes`.
    public static func hash<Bytes: RawBytes>(_ bytes: Bytes) -> [UInt8] {
        bytes.withUnsafeBytes { OpenSSLDigest.sha256($0) }
    }

    /// The digest of several byte strings concatenated, without copying them
    /// together first (a Merkle node is `0x01 || left || right`).
    public static func hash(parts: [UInt8]...) -> [UInt8] {
        var hasher = Hasher()
        for part in parts { hasher.update(part) }
        return hasher.finalize()
    }

    /// Incremental hashing, for files too large to read at once.
    public struct Hasher: ~Copyable {
        private let context: OpenSSLDigest.Context

        public init() { context = OpenSSLDigest.Context() }

        public mutating func update<Bytes: RawBytes>(_ bytes: Bytes) {
            bytes.withUnsafeBytes { context.update($0) }
        }

        public consuming func finalize() -> [UInt8] { context.finalize() }
    }
}

/// Bytes a hash or signature can read in place: `[UInt8]`, `ArraySlice`, `Data`.
public protocol RawBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}
extension Array: RawBytes where Element == UInt8 {}
extension ArraySlice: RawBytes where Element == UInt8 {}
extension UnsafeRawBufferPointer: RawBytes {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try body(self) }
}

extension Data: RawBytes {}
