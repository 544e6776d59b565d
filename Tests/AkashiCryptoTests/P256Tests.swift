import AkashiCrypto
import Foundation
import Testing

/// ES256: ECDSA over P-256 with SHA-256, signatures as 64-byte r || s.
@Suite("P-256 (ES256)")
struct P256Tests {
    // Known answers made once with pyca/cryptography (OpenSSL's ECDSA behind
    // another API, with its own DER ↔ r||s conversion), hard-coded here.
    static let pyPublicKey =
        "04575d50ea61e3c257ca023e9837b18496409de429184f6eb192a3cf02121737e7120a6dadf2e334ab4ff2f3dc42e2485d1123fd967e98fc31e404e99a4f1b7840"
    static let pyMessage = "Akashi ES256 known answer from pyca/cryptography"
    static let pySignature =
        "736ee99bdc06f421493c6420592d6f20ffd4c76899708b12332c7aa2686fc2f3698a172b6127b3537134f845e8bc1b3c5debc2f257c251a7975087255b8c52d6"

    /// A PKCS#8 key written by pyca/cryptography, its public point, and a
    /// signature by it whose r is below 2^248 (a leading zero byte in r || s).
    static let pyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh56WeuHItUaxE4hY
        NQGHvZMmtA+DNt9+ePhqHVPB5l6hRANCAATbYHPcQFopC1LINpeOJAfTk04maoXo
        arvkMQiAcIPVMhbKfZ5afFflnI9c68KQY0K9z60vP1QMZD1pqp/7i3Vo
        -----END PRIVATE KEY-----

        """
    static let pyPEMPublicKey =
        "04db6073dc405a290b52c836978e2407d3934e266a85e86abbe43108807083d53216ca7d9e5a7c57e59c8f5cebc2906342bdcfad2f3f540c643d69aa9ffb8b7568"
    static let shortRMessage = "short r 407"
    static let shortRSignature =
        "00a7c7cc2569111dfdef7a2d9440a29c5a9bd24ee2271fc5e15b9087bcf454377e7a1df515de5c7d2ef89068c6638daab11a688f279d00dd970552501ea0ca70"

    /// The same kind of key in the older SEC 1 form (`BEGIN EC PRIVATE KEY`).
    static let pySEC1PEM = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIKHGSgVBJsdHUq8Z02jm0scNcUdEDBSqv/BlVw53rBeWoAoGCCqGSM49
        AwEHoUQDQgAEIN9X0kpduFw0MjIW0DTLBNGIGk4NPPE+8LC30Xjfpk7si9nFmg5p
        PLE71WSG2YKgqKb5DWEZ6kebt6129pCvNg==
        -----END EC PRIVATE KEY-----

        """
    static let pySEC1PublicKey =
        "0420df57d24a5db85c34323216d034cb04d1881a4e0d3cf13ef0b0b7d178dfa64eec8bd9c59a0e693cb13bd56486d982a0a8a6f90d6119ea479bb7ad76f690af36"

    @Test("verify-only known answer from an independent implementation")
    func knownAnswer() throws {
        let key = try P256.PublicKey(x963Representation: hexBytes(Self.pyPublicKey))
        let message = Array(Self.pyMessage.utf8)
        let signature = hexBytes(Self.pySignature)
        #expect(key.isValidSignature(signature, for: message))
        #expect(key.isValidSignature(signature, for: Data(message)))
        #expect(!key.isValidSignature(signature, for: message.dropLast() + [0x21]))
        #expect(hexString(key.x) == String(Self.pyPublicKey.dropFirst(2).prefix(64)))
        #expect(hexString(key.y) == String(Self.pyPublicKey.suffix(64)))
        #expect(try P256.PublicKey(x: key.x, y: key.y) == key)
    }

    @Test("a PEM key from another implementation loads, and verifies its signature with a short r")
    func foreignPEM() throws {
        let key = try P256.PrivateKey(pemRepresentation: Self.pyPEM)
        #expect(hexString(key.publicKey.x963Representation) == Self.pyPEMPublicKey)
        let signature = hexBytes(Self.shortRSignature)
        #expect(signature[0] == 0, "r has a leading zero byte")
        #expect(key.publicKey.isValidSignature(signature, for: Array(Self.shortRMessage.utf8)))
        #expect(!key.publicKey.isValidSignature(signature, for: Array("short r 408".utf8)))
        // And our signatures verify under its public key.
        let ours = try key.signature(for: Array("ours".utf8))
        #expect(try P256.PublicKey(x963Representation: hexBytes(Self.pyPEMPublicKey)).isValidSignature(ours, for: Array("ours".utf8)))

        let sec1 = try P256.PrivateKey(pemRepresentation: Self.pySEC1PEM)
        #expect(hexString(sec1.publicKey.x963Representation) == Self.pySEC1PublicKey)
    }

    @Test("sign and verify; tampered messages and signatures fail")
    func signVerify() throws {
        let key = try P256.PrivateKey()
        let message = Array("a certificate payload".utf8)
        let signature = try key.signature(for: message)
        #expect(signature.count == P256.signatureByteCount)
        #expect(key.publicKey.x963Representation.count == P256.x963ByteCount)
        #expect(key.publicKey.x963Representation.first == 0x04)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(key.publicKey.isValidSignature(signature, for: message[...]))

        for i in message.indices {
            var bad = message
            bad[i] ^= 0x20
            #expect(!key.publicKey.isValidSignature(signature, for: bad), "message byte \(i)")
        }
        for bit in stride(from: 0, to: 512, by: 7) {
            var bad = signature
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(!key.publicKey.isValidSignature(bad, for: message), "signature bit \(bit)")
        }
        // r and s swapped; zero r or s; all 0xff (r, s ≥ n).
        #expect(!key.publicKey.isValidSignature(Array(signature[32...] + signature[..<32]), for: message))
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0, count: 32) + signature[32...], for: message))
        #expect(!key.publicKey.isValidSignature(Array(signature[..<32]) + [UInt8](repeating: 0, count: 32), for: message))
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0xff, count: 64), for: message))
        // Another key.
        let other = try P256.PrivateKey()
        #expect(other.publicKey != key.publicKey)
        #expect(!other.publicKey.isValidSignature(signature, for: message))
        // Empty messages are signable.
        let empty = try key.signature(for: [UInt8]())
        #expect(key.publicKey.isValidSignature(empty, for: [UInt8]()))
        #expect(!key.publicKey.isValidSignature(empty, for: [0]))
    }

    @Test("wrong-length signatures are rejected, not padded or truncated")
    func signatureLengths() throws {
        let key = try P256.PrivateKey()
        let message = Array("m".utf8)
        let signature = try key.signature(for: message)
        #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), for: message))
        #expect(!key.publicKey.isValidSignature(signature + [0], for: message))
        #expect(!key.publicKey.isValidSignature([0] + signature, for: message))
        #expect(!key.publicKey.isValidSignature([], for: message))
        // A DER signature is not accepted in place of r || s.
        #expect(!key.publicKey.isValidSignature(Self.der(signature), for: message))
    }

    @Test("PEM round trip keeps the key")
    func pemRoundTrip() throws {
        let key = try P256.PrivateKey()
        let pem = try key.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let restored = try P256.PrivateKey(pemRepresentation: pem)
        #expect(restored.publicKey == key.publicKey)
        #expect(try restored.pemRepresentation == pem)
        let message = Array("restored".utf8)
        #expect(key.publicKey.isValidSignature(try restored.signature(for: message), for: message))
    }

    @Test("public keys must be 65-byte uncompressed points on P-256")
    func publicKeyValidation() throws {
        let good = hexBytes(Self.pyPublicKey)
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: Array(good.dropLast())) }
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: good + [0]) }
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: []) }
        // Compressed form (02/03 || x) and a wrong prefix byte.
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: [0x02] + good[1..<33]) }
        var wrongPrefix = good
        wrongPrefix[0] = 0x06
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: wrongPrefix) }
        // Points not on the curve.
        var offCurve = good
        offCurve[64] ^= 1
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: offCurve) }
        #expect(throws: CryptoError.self) { try P256.PublicKey(x963Representation: [0x04] + [UInt8](repeating: 0, count: 64)) }
        #expect(throws: CryptoError.self) { try P256.PublicKey(x: [UInt8](repeating: 1, count: 31), y: [UInt8](repeating: 1, count: 32)) }
        do throws(CryptoError) {
            _ = try P256.PublicKey(x963Representation: offCurve)
            Issue.record("an off-curve point was accepted")
        } catch {
            #expect(error.code == .invalidKey)
        }
    }

    @Test(
        "PEM input that is not an unencrypted P-256 private key is refused",
        arguments: [
            ("empty", ""),
            ("garbage", "not a key"),
            (
                "public key only",
                "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE22Bz3EBaKQtSyDaXjiQH05NOJmqF\n6Gq75DEIgHCD1TIWyn2eWnxX5ZyPXOvCkGNCvc+tLz9UDGQ9aaqf+4t1aA==\n-----END PUBLIC KEY-----\n"
            ),
            (
                "secp256k1 (also 256 bits)",
                """
                -----BEGIN PRIVATE KEY-----
                MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgdJdEz5R4TgF6f2cc3I/3
                tZdkJN0k20FJfnwWOAnx4mqhRANCAATMzK4Y4qKBF+adv6AX+ZFTmulXgYWeht9V
                XF3DdJrxv1GYpwMEVgumA4SSAH9cjoIxpJV/++do0gUmpIYQEINS
                -----END PRIVATE KEY-----

                """
            ),
            ("Ed25519", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJlazdzNaV5+JrjS4GwiISc3Db7CwIUg1+BcbDRgRbk0\n-----END PRIVATE KEY-----\n"),
            (
                "encrypted PKCS#8 (must not prompt for a passphrase)",
                """
                -----BEGIN ENCRYPTED PRIVATE KEY-----
                MIH0MF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBBsXTwM9084KEhWKQH9
                8AlnAgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQkpTbHzlqFjux6KKe
                M466QASBkBjRlr/rWpb/oQY058LpWAOMmhaoHCIbooeDNZquiNrNIWpa/TKZzhXc
                MES0wMbwy9iU30/9Soa1jcfpEjCInJ4c+z6Rie+mLlvLSYS/QNgLui7/LloBm2Nu
                g9XQe1rIH96qIheeG6jnPSrt4dbP8OLORNbjkT616EIsKwUQnwK2KKAyTeOPc7s9
                BmlWEuQ/uw==
                -----END ENCRYPTED PRIVATE KEY-----

                """
            ),
            ("truncated", String(pyPEM.prefix(120))),
        ])
    func badPEM(_ label: String, _ pem: String) {
        do throws(CryptoError) {
            _ = try P256.PrivateKey(pemRepresentation: pem)
            Issue.record("\(label) was accepted")
        } catch {
            #expect(error.code == .invalidKey, "\(label): \(error)")
        }
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` of a raw signature, for the test above.
    static func der(_ raw: [UInt8]) -> [UInt8] {
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.isEmpty || value[0] & 0x80 != 0 { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(raw[..<32]) + integer(raw[32...])
        return [0x30, UInt8(body.count)] + body
    }
}
