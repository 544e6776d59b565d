internal import CLibCrypto

enum OpenSSLEd25519 {
    /// Owns one Ed25519 `EVP_PKEY`.
    final class Key: @unchecked Sendable {
        private let pkey: OpaquePointer

        init(privateSeed: [UInt8]) throws(CryptoError) {
            guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, privateSeed, privateSeed.count) else {
                throw CryptoError(.invalidKey, "libcrypto rejected the Ed25519 private key \(openSSLErrorText())")
            }
            self.pkey = pkey
        }

        init(publicKey: [UInt8]) throws(CryptoError) {
            guard let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, publicKey.count) else {
                throw CryptoError(.invalidKey, "libcrypto rejected the Ed25519 public key \(openSSLErrorText())")
            }
            self.pkey = pkey
        }

        deinit { EVP_PKEY_free(pkey) }

        func rawPublicKey() throws(CryptoError) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var length = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1, length == 32 else {
                throw CryptoError(.libraryFailure, "cannot read the Ed25519 public key \(openSSLErrorText())")
            }
            return out
        }

        func sign(_ message: UnsafeRawBufferPointer) -> [UInt8] {
            guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
            defer { EVP_MD_CTX_free(ctx) }
            precondition(EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1, "Ed25519 sign init: \(openSSLErrorText())")
            var signature = [UInt8](repeating: 0, count: 64)
            var length = 64
            let ok = signature.withUnsafeMutableBufferPointer { s in
                EVP_DigestSign(ctx, s.baseAddress, &length, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
            }
            precondition(ok == 1 && length == 64, "Ed25519 sign: \(openSSLErrorText())")
            return signature
        }

        func verify(signature: [UInt8], message: UnsafeRawBufferPointer) -> Bool {
            guard let ctx = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else {
                ERR_clear_error()
                return false
            }
            let ok = EVP_DigestVerify(ctx, signature, signature.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
            ERR_clear_error()
            return ok == 1
        }
    }
}
