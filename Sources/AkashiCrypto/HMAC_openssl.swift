internal import CLibCrypto

/// The one place HMAC touches libcrypto (OpenSSL 3's one-shot EVP_Q_mac).
enum OpenSSLHMAC {
    static func sha256(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        // An empty key still needs a valid pointer.
        let dummy: UInt8 = 0
        let result = withUnsafePointer(to: dummy) { fallback in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Q_mac(
                    nil, "HMAC", nil, "SHA256", nil, key.baseAddress ?? UnsafeRawPointer(fallback), key.count,
                    data.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? fallback, data.count, o.baseAddress, 32, &length)
            }
        }
        precondition(result != nil && length == 32, "EVP_Q_mac(HMAC-SHA256) failed: \(openSSLErrorText())")
        return out
    }
}
