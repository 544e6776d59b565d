internal import CLibCrypto

enum OpenSSLX25519 {
    /// X25519(scalar, u) with libcrypto: the scalar as a raw private key, the
    /// u-coordinate as a raw peer key, derived without padding checks of our own
    /// (libcrypto refuses an all-zero result, RFC 7748 §6.1).
    static func scalarMultiply(scalar: [UInt8], u: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let own = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, scalar, scalar.count) else {
            throw CryptoError(.invalidKey, "libcrypto rejected the X25519 scalar \(openSSLErrorText())")
        }
        defer { EVP_PKEY_free(own) }
        guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, u, u.count) else {
            throw CryptoError(.invalidKey, "libcrypto rejected the X25519 public key \(openSSLErrorText())")
        }
        defer { EVP_PKEY_free(peer) }
        guard let ctx = EVP_PKEY_CTX_new(own, nil) else { throw CryptoError(.libraryFailure, "EVP_PKEY_CTX_new failed") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peer) == 1,
            EVP_PKEY_derive(ctx, &out, &length) == 1, length == 32
        else {
            let why = openSSLErrorText()
            throw CryptoError(.invalidKey, "X25519 failed (a low-order public key gives an all-zero secret) \(why)")
        }
        return out
    }

    /// The public key of a raw private key (X25519(scalar, 9)).
    static func publicKey(scalar: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let own = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, scalar, scalar.count) else {
            throw CryptoError(.invalidKey, "libcrypto rejected the X25519 scalar \(openSSLErrorText())")
        }
        defer { EVP_PKEY_free(own) }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(own, &out, &length) == 1, length == 32 else {
            throw CryptoError(.libraryFailure, "cannot read the X25519 public key \(openSSLErrorText())")
        }
        return out
    }
}

extension OpenSSLX25519 {
    /// Owns one X25519 private `EVP_PKEY`, made once: creating it computes the
    /// public key (a scalar multiplication), so a scan that derives with one
    /// secret for every line must not create it per line.
    final class Secret: @unchecked Sendable {
        private let pkey: OpaquePointer

        init(scalar: [UInt8]) throws(CryptoError) {
            guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, scalar, scalar.count) else {
                throw CryptoError(.invalidKey, "libcrypto rejected the X25519 scalar \(openSSLErrorText())")
            }
            self.pkey = pkey
        }

        deinit { EVP_PKEY_free(pkey) }

        /// The public key libcrypto computed when the key was made.
        func publicKey() throws(CryptoError) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var length = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1, length == 32 else {
                throw CryptoError(.libraryFailure, "cannot read the X25519 public key \(openSSLErrorText())")
            }
            return out
        }

        func sharedSecret(with u: [UInt8]) throws(CryptoError) -> [UInt8] {
            guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, u, u.count) else {
                throw CryptoError(.invalidKey, "libcrypto rejected the X25519 public key \(openSSLErrorText())")
            }
            defer { EVP_PKEY_free(peer) }
            guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw CryptoError(.libraryFailure, "EVP_PKEY_CTX_new failed") }
            defer { EVP_PKEY_CTX_free(ctx) }
            var out = [UInt8](repeating: 0, count: 32)
            var length = 32
            guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peer) == 1, EVP_PKEY_derive(ctx, &out, &length) == 1, length == 32 else {
                ERR_clear_error()
                throw CryptoError(.invalidKey, "X25519 failed (a low-order public key gives an all-zero secret)")
            }
            return out
        }
    }
}
