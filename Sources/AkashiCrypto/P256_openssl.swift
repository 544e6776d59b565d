internal import CLibCrypto

enum OpenSSLP256 {
    /// DER SubjectPublicKeyInfo header for an uncompressed P-256 point
    /// (id-ecPublicKey, prime256v1, BIT STRING of 66 bytes). Prepending it to
    /// the 65-byte point gives a complete SPKI that `d2i_PUBKEY` reads —
    /// simpler and sturdier than building an OSSL_PARAM array from Swift.
    static let spkiPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
        0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]

    /// Owns one EC `EVP_PKEY` (private or public).
    final class Key: @unchecked Sendable {
        private let pkey: OpaquePointer

        private init(owning pkey: OpaquePointer) throws(CryptoError) {
            // 256 bits alone would also admit secp256k1 and brainpoolP256r1.
            guard EVP_PKEY_is_a(pkey, "EC") == 1, EVP_PKEY_get_bits(pkey) == 256, Self.groupName(pkey) == "prime256v1" else {
                EVP_PKEY_free(pkey)
                throw CryptoError(.invalidKey, "the key is not an EC P-256 key")
            }
            self.pkey = pkey
        }

        private static func groupName(_ pkey: OpaquePointer) -> String? {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else {
                ERR_clear_error()
                return nil
            }
            return String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        deinit { EVP_PKEY_free(pkey) }

        static func generate() throws(CryptoError) -> Key {
            guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
                throw CryptoError(.libraryFailure, "EVP_PKEY_CTX_new_from_name(EC) \(openSSLErrorText())")
            }
            defer { EVP_PKEY_CTX_free(ctx) }
            var pkey: OpaquePointer? = nil
            guard EVP_PKEY_keygen_init(ctx) == 1,
                EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1,
                EVP_PKEY_generate(ctx, &pkey) == 1, let pkey
            else {
                throw CryptoError(.libraryFailure, "P-256 key generation failed \(openSSLErrorText())")
            }
            return try Key(owning: pkey)
        }

        convenience init(privatePEM: String) throws(CryptoError) {
            let bytes = Array(privatePEM.utf8)
            let pkey: OpaquePointer? = bytes.withUnsafeBytes { b in
                guard let bio = BIO_new_mem_buf(b.baseAddress, Int32(b.count)) else { return nil }
                defer { BIO_free(bio) }
                // With no callback libcrypto prompts for a passphrase on the
                // terminal when the key is encrypted; refuse instead.
                return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
            }
            guard let pkey else {
                throw CryptoError(.invalidKey, "not a PEM private key \(openSSLErrorText())")
            }
            try self.init(owning: pkey)
        }

        convenience init(x963PublicKey: [UInt8]) throws(CryptoError) {
            let der = OpenSSLP256.spkiPrefix + x963PublicKey
            let pkey: OpaquePointer? = der.withUnsafeBufferPointer { b in
                var p: UnsafePointer<UInt8>? = b.baseAddress
                return d2i_PUBKEY(nil, &p, b.count)
            }
            guard let pkey else {
                throw CryptoError(.invalidKey, "not a point on P-256 \(openSSLErrorText())")
            }
            try self.init(owning: pkey)
        }

        func x963PublicKey() throws(CryptoError) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 65)
            var length = 0
            guard EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key", &out, 65, &length) == 1, length == 65 else {
                throw CryptoError(.libraryFailure, "cannot read the P-256 public point \(openSSLErrorText())")
            }
            return out
        }

        func privatePEM() throws(CryptoError) -> String {
            guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError(.libraryFailure, "BIO_new failed") }
            defer { BIO_free(bio) }
            guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
                throw CryptoError(.libraryFailure, "cannot write the private key \(openSSLErrorText())")
            }
            var pointer: UnsafeMutableRawPointer? = nil
            let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
            guard length > 0, let pointer else { throw CryptoError(.libraryFailure, "empty PEM") }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        }

        func sign(_ message: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
            guard let ctx = EVP_MD_CTX_new() else { throw CryptoError(.libraryFailure, "EVP_MD_CTX_new failed") }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestSignInit(ctx, nil, OpenSSLDigest.md, nil, pkey) == 1 else {
                throw CryptoError(.libraryFailure, "ES256 sign init \(openSSLErrorText())")
            }
            var der = [UInt8](repeating: 0, count: 80)
            var length = der.count
            let m = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard EVP_DigestSign(ctx, &der, &length, m, message.count) == 1 else {
                throw CryptoError(.libraryFailure, "ES256 sign \(openSSLErrorText())")
            }
            return try Self.rawSignature(fromDER: Array(der[0..<length]))
        }

        /// ES256: ECDSA over the message's SHA-256. The digest is taken here
        /// and checked with `EVP_PKEY_verify` — the same check as
        /// `EVP_DigestVerify` with SHA-256, without setting up a digest
        /// context inside libcrypto per call.
        func verify(rawSignature: [UInt8], message: UnsafeRawBufferPointer) -> Bool {
            guard let der = Self.derSignature(fromRaw: rawSignature) else { return false }
            let digest = OpenSSLDigest.sha256(message)
            guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { return false }
            defer { EVP_PKEY_CTX_free(ctx); ERR_clear_error() }
            guard EVP_PKEY_verify_init(ctx) == 1 else { return false }
            return EVP_PKEY_verify(ctx, der, der.count, digest, digest.count) == 1
        }

        static func rawSignature(fromDER der: [UInt8]) throws(CryptoError) -> [UInt8] {
            let sig: OpaquePointer? = der.withUnsafeBufferPointer { b in
                var p: UnsafePointer<UInt8>? = b.baseAddress
                return d2i_ECDSA_SIG(nil, &p, b.count)
            }
            guard let sig else { throw CryptoError(.invalidSignatureEncoding, "libcrypto returned a malformed ECDSA signature") }
            defer { ECDSA_SIG_free(sig) }
            var out = [UInt8](repeating: 0, count: 64)
            guard let r = ECDSA_SIG_get0_r(sig), let s = ECDSA_SIG_get0_s(sig),
                BN_bn2binpad(r, &out, 32) == 32,
                out.withUnsafeMutableBufferPointer({ BN_bn2binpad(s, $0.baseAddress! + 32, 32) }) == 32
            else { throw CryptoError(.invalidSignatureEncoding, "ECDSA r or s does not fit 32 bytes") }
            return out
        }

        /// The DER `ECDSA-Sig-Value` (SEQUENCE of two INTEGERs, RFC 3279
        /// §2.2.3) of a 64-byte `r || s`: each half as the minimal encoding of
        /// a non-negative integer (leading zero bytes dropped, one 0x00 put
        /// back before a high bit, 0 as one 0x00) — what `i2d_ECDSA_SIG`
        /// writes for the same numbers. Whether r and s lie in [1, n − 1] is
        /// libcrypto's check.
        static func derSignature(fromRaw raw: [UInt8]) -> [UInt8]? {
            guard raw.count == 64 else { return nil }
            func integer(_ half: ArraySlice<UInt8>, into der: inout [UInt8]) {
                var digits = half.drop { $0 == 0 }
                if digits.isEmpty { digits = [0][...] }
                let pad = digits.first! >= 0x80
                der.append(0x02)
                der.append(UInt8(digits.count + (pad ? 1 : 0)))
                if pad { der.append(0x00) }
                der.append(contentsOf: digits)
            }
            var body: [UInt8] = []
            body.reserveCapacity(70)
            integer(raw[0..<32], into: &body)
            integer(raw[32..<64], into: &body)
            return [0x30, UInt8(body.count)] + body  // at most 2 × 35 = 70 bytes: short-form lengths
        }
    }
}
