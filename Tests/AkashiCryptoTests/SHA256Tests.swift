import AkashiCrypto
import Foundation
import Testing

func hexBytes(_ text: String) -> [UInt8] {
    precondition(text.count % 2 == 0)
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        out.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return out
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// FIPS 180-4 / NIST CAVS known answers.
@Suite("SHA-256")
struct SHA256Tests {
    @Test(
        "known answers",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func knownAnswers(_ input: String, _ digest: String) {
        let bytes = Array(input.utf8)
        #expect(hexString(SHA256.hash(bytes)) == digest)
        #expect(hexString(SHA256.hash(Data(bytes))) == digest)
        #expect(hexString(SHA256.hash(bytes[...])) == digest)
        var hasher = SHA256.Hasher()
        for byte in bytes { hasher.update([byte]) }
        #expect(hexString(hasher.finalize()) == digest)
    }

    @Test("one million 'a' (NIST long message), incrementally and at once")
    func millionA() {
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        var hasher = SHA256.Hasher()
        for _ in 0..<1000 { hasher.update(chunk) }
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(hexString(hasher.finalize()) == expected)
        #expect(hexString(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)
    }

    @Test("hash(parts:) equals the hash of the concatenation, for every split")
    func parts() {
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(hexString(SHA256.hash(message)) == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
        for split in 0...message.count {
            #expect(SHA256.hash(parts: Array(message[..<split]), Array(message[split...])) == SHA256.hash(message))
        }
        #expect(SHA256.hash(parts: [1], [], [0x01, 2]) == SHA256.hash([1, 1, 2]))
        #expect(SHA256.hash(parts: []) == SHA256.hash([UInt8]()))
        #expect(SHA256.byteCount == 32)
    }

    @Test("an unsafe raw buffer hashes like the array it views")
    func rawBuffer() {
        let bytes: [UInt8] = Array(0...255)
        let digest = bytes.withUnsafeBytes { SHA256.hash($0) }
        #expect(digest == SHA256.hash(bytes))
        #expect(digest != SHA256.hash(Array(bytes.dropLast())))
    }
}

@Suite("Secure random")
struct SecureRandomTests {
    @Test("returns the requested number of bytes, differently each time")
    func bytes() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(1).count == 1)
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
        #expect(a != [UInt8](repeating: 0, count: 32))
        // Over 64 KiB every byte value turns up.
        #expect(Set(SecureRandom.bytes(65_536)).count == 256)
    }
}

/// RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
@Suite("HMAC-SHA256 (RFC 4231)")
struct HMACTests {
    @Test("known answers")
    func knownAnswers() {
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
        ]
        for (key, data, expected) in cases {
            #expect(HMACSHA256.authenticate(data, key: key).map { String(format: "%02x", $0) }.joined() == expected)
        }
        #expect(HMACSHA256.authenticate([UInt8](), key: [UInt8]()).count == 32)
    }
}
