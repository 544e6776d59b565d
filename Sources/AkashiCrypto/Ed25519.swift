/// Ed25519 (RFC 8032), the signature of checkpoints and cosignatures
/// (C2SP signed-note type 0x01 and cosignature/v1 type 0x04).
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let seedByteCount = 32
    public static let signatureByteCount = 64

    /// A signing key, held as its 32-byte RFC 8032 seed.
    public struct PrivateKey: Sendable {
        private let key: OpenSSLEd25519.Key
        /// The 32-byte RFC 8032 private key (the seed). Treat as a secret.
        public let seed: [UInt8]
        public let publicKey: PublicKey

        /// A new random key.
        public init() {
            try! self.init(seed: SecureRandom.bytes(Ed25519.seedByteCount))
        }

        public init(seed: [UInt8]) throws(CryptoError) {
            guard seed.count == Ed25519.seedByteCount else {
                throw CryptoError(.invalidKey, "an Ed25519 private key is 32 bytes, got \(seed.count)")
            }
            key = try OpenSSLEd25519.Key(privateSeed: seed)
            self.seed = seed
            publicKey = try PublicKey(rawRepresentation: key.rawPublicKey())
        }

        /// The 64-byte signature of `message`.
        public func signature<M: RawBytes>(for message: M) -> [UInt8] {
            message.withUnsafeBytes { key.sign($0) }
        }
    }

    public struct PublicKey: Sendable, Hashable {
        private let key: OpenSSLEd25519.Key
        /// The 32-byte RFC 8032 encoding.
        public let rawRepresentation: [UInt8]

        public init(rawRepresentation: [UInt8]) throws(CryptoError) {
            guard rawRepresentation.count == Ed25519.publicKeyByteCount else {
                throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, got \(rawRepresentation.count)")
            }
            key = try OpenSSLEd25519.Key(publicKey: rawRepresentation)
            self.rawRepresentation = rawRepresentation
        }

        public func isValidSignature<M: RawBytes>(_ signature: [UInt8], for message: M) -> Bool {
            guard signature.count == Ed25519.signatureByteCount else { return false }
            return message.withUnsafeBytes { key.verify(signature: signature, message: $0) }
        }

        public static func == (a: Self, b: Self) -> Bool { a.rawRepresentation == b.rawRepresentation }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
    }
}
