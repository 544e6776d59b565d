import AkashiCrypto
import Foundation
import Testing

/// RFC 8032 §7.1 test vectors (also checked against pyca/cryptography).
@Suite("Ed25519")
struct Ed25519Tests {
    struct Vector: Sendable {
        let name: String
        let secret: String
        let publicKey: String
        let message: String
        let signature: String
    }

    static let vectors = [
        Vector(
            name: "RFC 8032 TEST 1",
            secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        Vector(
            name: "RFC 8032 TEST 2",
            secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
    ]

    @Test("known answers: public key, exact signature, verification", arguments: vectors.indices)
    func knownAnswer(_ i: Int) throws {
        let vector = Self.vectors[i]
        let key = try Ed25519.PrivateKey(seed: hexBytes(vector.secret))
        #expect(key.seed == hexBytes(vector.secret))
        #expect(hexString(key.publicKey.rawRepresentation) == vector.publicKey, "\(vector.name)")
        let message = hexBytes(vector.message)
        #expect(hexString(key.signature(for: message)) == vector.signature, "\(vector.name)")
        #expect(hexString(key.signature(for: Data(message))) == vector.signature)

        // Verification with a key built only from the public bytes.
        let publicKey = try Ed25519.PublicKey(rawRepresentation: hexBytes(vector.publicKey))
        #expect(publicKey == key.publicKey)
        #expect(publicKey.isValidSignature(hexBytes(vector.signature), for: message))
        #expect(!publicKey.isValidSignature(hexBytes(vector.signature), for: message + [0]))
    }

    @Test("every single-bit change of a signature, message or key is rejected")
    func tampering() throws {
        let vector = Self.vectors[1]
        let publicKey = try Ed25519.PublicKey(rawRepresentation: hexBytes(vector.publicKey))
        let signature = hexBytes(vector.signature)
        let message = hexBytes(vector.message)
        for bit in 0..<(signature.count * 8) {
            var bad = signature
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(!publicKey.isValidSignature(bad, for: message), "signature bit \(bit)")
        }
        for bit in 0..<8 {
            #expect(!publicKey.isValidSignature(signature, for: [message[0] ^ (1 << bit)]), "message bit \(bit)")
        }
        var otherKeyBytes = hexBytes(vector.publicKey)
        otherKeyBytes[0] ^= 1
        if let other = try? Ed25519.PublicKey(rawRepresentation: otherKeyBytes) {
            #expect(!other.isValidSignature(signature, for: message))
        }
        // Another key's valid signature of the same message.
        let stranger = try Ed25519.PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        #expect(!publicKey.isValidSignature(stranger.signature(for: message), for: message))
    }

    /// S + L (the group order) is the same scalar but not canonical; RFC 8032
    /// §5.1.7 requires rejecting S ≥ L, which prevents signature malleability.
    @Test("a signature with S replaced by S + L is rejected")
    func malleability() throws {
        let vector = Self.vectors[0]
        let publicKey = try Ed25519.PublicKey(rawRepresentation: hexBytes(vector.publicKey))
        let signature = hexBytes(vector.signature)
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let order = hexBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var s = Array(signature[32...])
        var carry = 0
        for i in 0..<32 {
            let sum = Int(s[i]) + Int(order[i]) + carry
            s[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(carry == 0)
        #expect(publicKey.isValidSignature(signature, for: [UInt8]()))
        #expect(!publicKey.isValidSignature(Array(signature[..<32]) + s, for: [UInt8]()))
    }

    @Test("wrong-length keys and signatures are rejected")
    func lengths() throws {
        for count in [0, 31, 33, 64] {
            #expect(throws: CryptoError.self) { try Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: count)) }
            #expect(throws: CryptoError.self) { try Ed25519.PublicKey(rawRepresentation: [UInt8](repeating: 1, count: count)) }
        }
        do throws(CryptoError) {
            _ = try Ed25519.PublicKey(rawRepresentation: [1, 2, 3])
            Issue.record("a 3-byte key was accepted")
        } catch {
            #expect(error.code == .invalidKey)
        }
        let vector = Self.vectors[0]
        let publicKey = try Ed25519.PublicKey(rawRepresentation: hexBytes(vector.publicKey))
        let signature = hexBytes(vector.signature)
        #expect(!publicKey.isValidSignature(Array(signature.dropLast()), for: [UInt8]()))
        #expect(!publicKey.isValidSignature(signature + [0], for: [UInt8]()))
        #expect(!publicKey.isValidSignature([], for: [UInt8]()))
    }

    @Test("random keys sign and verify, and differ")
    func randomKeys() throws {
        let a = Ed25519.PrivateKey()
        let b = Ed25519.PrivateKey()
        #expect(a.seed.count == 32)
        #expect(a.seed != b.seed)
        #expect(a.publicKey != b.publicKey)
        let message = Array("hello".utf8)
        let signature = a.signature(for: message)
        #expect(signature.count == Ed25519.signatureByteCount)
        #expect(a.publicKey.isValidSignature(signature, for: message))
        #expect(!b.publicKey.isValidSignature(signature, for: message))
        // Deterministic: the same key and message give the same signature.
        #expect(a.signature(for: message) == signature)
        // A key rebuilt from the seed is the same key.
        let again = try Ed25519.PrivateKey(seed: a.seed)
        #expect(again.publicKey == a.publicKey)
        #expect(Set([a.publicKey, again.publicKey, b.publicKey]).count == 2)
    }
}
