/// Cryptographically secure random bytes from the operating system's CSPRNG
/// (through libcrypto's DRBG). Used for keys and certificate salts.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        OpenSSLRandom.bytes(count)
    }
}
