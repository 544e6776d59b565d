/// X25519 (RFC 7748 §5): the Diffie-Hellman function behind subject lines
/// (docs/spec/subject-transparency.md) — an issuer derives a one-time key
/// from a resident's public key; the resident finds it with their secret.
public enum X25519 {
    public static let byteCount = 32

    /// X25519(scalar, u). Throws for wrong lengths and for a low-order `u`
    /// (the all-zero result RFC 7748 §6.1 tells implementations to refuse).
    public static func sharedSecret(scalar: [UInt8], publicKey u: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard scalar.count == byteCount, u.count == byteCount else {
            throw CryptoError(.invalidKey, "X25519 takes a 32-byte scalar and a 32-byte public key, got \(scalar.count) and \(u.count)")
        }
        return try OpenSSLX25519.scalarMultiply(scalar: scalar, u: u)
    }

    /// X25519(scalar, 9): the public key of a secret.
    public static func publicKey(scalar: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard scalar.count == byteCount else { throw CryptoError(.invalidKey, "an X25519 secret is 32 bytes, got \(scalar.count)") }
        return try OpenSSLX25519.publicKey(scalar: scalar)
    }
}

extension X25519 {
    /// A secret held for many derivations (a resident's scan: one per subject line).
    public struct Secret: Sendable {
        private let key: OpenSSLX25519.Secret

        public init(_ scalar: [UInt8]) throws(CryptoError) {
            guard scalar.count == X25519.byteCount else { throw CryptoError(.invalidKey, "an X25519 secret is 32 bytes, got \(scalar.count)") }
            key = try OpenSSLX25519.Secret(scalar: scalar)
        }

        /// X25519(secret, 9), computed once when the secret was prepared.
        public func publicKey() throws(CryptoError) -> [UInt8] { try key.publicKey() }

        /// X25519(secret, u); throws for a wrong length or a low-order `u`.
        public func sharedSecret(with u: [UInt8]) throws(CryptoError) -> [UInt8] {
            guard u.count == X25519.byteCount else { throw CryptoError(.invalidKey, "an X25519 public key is 32 bytes, got \(u.count)") }
            return try key.sharedSecret(with: u)
        }
    }
}
