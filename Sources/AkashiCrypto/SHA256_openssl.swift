internal import CLibCrypto

/// The one place SHA-256 touches libcrypto.
enum OpenSSLDigest {
    /// Fetched once: an implicit fetch per call costs more than hashing a
    /// 65-byte Merkle node.
    nonisolated(unsafe) static let md: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("libcrypto has no SHA256") }
        return md
    }()

    static func sha256(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { o in
            EVP_Digest(input.baseAddress, input.count, o.baseAddress, &length, md, nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA256) failed")
        return out
    }

    /// Owns one `EVP_MD_CTX`.
    final class Context: @unchecked Sendable {
        private let ctx: OpaquePointer

        init() {
            guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
            precondition(EVP_DigestInit_ex2(ctx, OpenSSLDigest.md, nil) == 1)
            self.ctx = ctx
        }

        deinit { EVP_MD_CTX_free(ctx) }

        func update(_ input: UnsafeRawBufferPointer) {
            precondition(EVP_DigestUpdate(ctx, input.baseAddress, input.count) == 1)
        }

        func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(ctx, $0.baseAddress, &length) }
            precondition(ok == 1 && length == 32)
            return out
        }
    }
}

/// The text of the oldest error on libcrypto's queue, and clears the queue.
func openSSLErrorText() -> String {
    let code = ERR_get_error()
    ERR_clear_error()
    guard code != 0 else { return "" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
