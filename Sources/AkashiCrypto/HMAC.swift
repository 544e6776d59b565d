/// HMAC-SHA256 (RFC 2104): binds a value to a server-side secret, e.g. the
/// login form's double-submit token to the service's own key, so a token
/// planted by another site (or another process) does not pass.
public enum HMACSHA256 {
    public static let byteCount = 32

    public static func authenticate<Key: RawBytes, Data: RawBytes>(_ data: Data, key: Key) -> [UInt8] {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in OpenSSLHMAC.sha256(key: k, data: d) } }
    }
}
