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
