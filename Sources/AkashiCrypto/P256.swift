/// ECDSA over NIST P-256 with SHA-256 — JOSE/COSE "ES256", the certificate
/// signature: every browser's WebCrypto verifies it, and the EU Digital COVID
/// Certificate stack uses it.
///
/// Signatures are the 64-byte `r || s` form COSE (RFC 9052 §8.1) and WebCrypto
/// use, not DER.
public enum P256 {
    public static let signatureByteCount = 64
    public static let x963ByteCount = 65

    public struct PrivateKey: Sendable {
        private let key: OpenSSLP256.Key
        public let publicKey: PublicKey

        /// A new random key.
        public init() throws(CryptoError) {
            key = try OpenSSLP256.Key.generate()
            publicKey = try PublicKey(x963Representation: key.x963PublicKey())
        }

        /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`), as
        /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` writes.
        public init(pemRepresentation: String) throws(CryptoError) {
            key = try OpenSSLP256.Key(privatePEM: pemRepresentation)
            publicKey = try PublicKey(x963Representation: key.x963PublicKey())
        }

        /// PKCS#8 PEM. Treat as a secret.
        public var pemRepresentation: String {
            get throws(CryptoError) { try key.privatePEM() }
        }

        /// The 64-byte `r || s` ES256 signature of `message` (hashed with SHA-256 here).
        public func signature<M: RawBytes>(for message: M) throws(CryptoError) -> [UInt8] {
            let result = message.withUnsafeBytes { m in Result { () throws(CryptoError) in try key.sign(m) } }
            return try result.get()
        }
    }

    public struct PublicKey: Sendable, Hashable {
        private let key: OpenSSLP256.Key
        /// The uncompressed SEC 1 point `0x04 || x || y` (65 bytes).
        public let x963Representation: [UInt8]

        public init(x963Representation: [UInt8]) throws(CryptoError) {
            guard x963Representation.count == P256.x963ByteCount, x963Representation.first == 0x04 else {
                throw CryptoError(.invalidKey, "a P-256 public key is a 65-byte uncompressed point starting with 04")
            }
            key = try OpenSSLP256.Key(x963PublicKey: x963Representation)
            self.x963Representation = x963Representation
        }

        /// The affine x coordinate (32 bytes), as in a JWK's `x`.
        public var x: [UInt8] { Array(x963Representation[1..<33]) }
        /// The affine y coordinate (32 bytes), as in a JWK's `y`.
        public var y: [UInt8] { Array(x963Representation[33..<65]) }

        public init(x: [UInt8], y: [UInt8]) throws(CryptoError) {
            guard x.count == 32, y.count == 32 else {
                throw CryptoError(.invalidKey, "P-256 coordinates are 32 bytes each")
            }
            try self.init(x963Representation: [0x04] + x + y)
        }

        /// Whether `signature` (64-byte `r || s`) is a valid ES256 signature of `message`.
        public func isValidSignature<M: RawBytes>(_ signature: [UInt8], for message: M) -> Bool {
            guard signature.count == P256.signatureByteCount else { return false }
            return message.withUnsafeBytes { key.verify(rawSignature: signature, message: $0) }
        }

        public static func == (a: Self, b: Self) -> Bool { a.x963Representation == b.x963Representation }
        public func hash(into hasher: inout Hasher) { hasher.combine(x963Representation) }
    }
}
