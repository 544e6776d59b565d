import QRPayload
import Testing

@Suite struct NumericCodecTests {
    @Test func digitCountsPerGroupSize() {
        let expected = [0, 3, 5, 8, 10, 13, 15, 17]
        for k in 0...7 {
            #expect(NumericCodec.encode([UInt8](repeating: 0xAB, count: k)).count == expected[k], "k = \(k)")
            #expect(NumericCodec.encodedLength(byteCount: k) == expected[k])
        }
        // Full groups plus a tail: 17 per 7 bytes.
        #expect(NumericCodec.encode([UInt8](repeating: 1, count: 7 * 3 + 2)).count == 17 * 3 + 5)
        #expect(NumericCodec.encodedLength(byteCount: 1084) == 154 * 17 + 15)
    }

    @Test func knownVectors() throws {
        #expect(NumericCodec.encode([0x01, 0x02]) == "00258")
        #expect(NumericCodec.encode([0xFF]) == "255")
        #expect(NumericCodec.encode([0x00]) == "000")
        #expect(NumericCodec.encode([UInt8](repeating: 0xFF, count: 7)) == "72057594037927935")
        #expect(NumericCodec.encode([UInt8](repeating: 0, count: 7)) == String(repeating: "0", count: 17))
        #expect(NumericCodec.encode([0, 0, 0, 0, 0, 0, 1, 0xFF]) == "00000000000000001255")
        #expect(try NumericCodec.decode("00000000000000001255") == [0, 0, 0, 0, 0, 0, 1, 0xFF])
    }

    /// The largest value of each group size is accepted; one more is rejected.
    @Test func groupBoundaries() throws {
        for k in 1...7 {
            let maxBytes = [UInt8](repeating: 0xFF, count: k)
            let text = NumericCodec.encode(maxBytes)
            #expect(try NumericCodec.decode(text) == maxBytes)
            let overflow = String(UInt64(1) << UInt64(8 * k))
            let padded = String(repeating: "0", count: text.count - overflow.count) + overflow
            #expect(padded.count == text.count)
            let error = #expect(throws: QRPayloadError.self) { try NumericCodec.decode(padded) }
            #expect(error?.code == .valueOutOfRange)
            // The same overflow in a final group after a valid full group.
            let later = #expect(throws: QRPayloadError.self) {
                try NumericCodec.decode("00000000000000000" + padded)
            }
            #expect(later?.code == .valueOutOfRange)
            #expect(later?.offset == 17)
        }
        #expect(throws: QRPayloadError.self) { try NumericCodec.decode("99999999999999999") }
    }

    @Test func rejectsBadLengths() {
        for length in [1, 2, 4, 6, 7, 9, 11, 12, 14, 16, 18, 19, 34 + 16] {
            let error = #expect(throws: QRPayloadError.self) {
                try NumericCodec.decode(String(repeating: "0", count: length))
            }
            #expect(error?.code == .invalidLength, "length \(length)")
        }
    }

    @Test func rejectsBadCharacters() {
        for text in ["12a", "-12", "+12", " 12", "1.2", "00000000000000000 12", "12\u{0}"] {
            let error = #expect(throws: QRPayloadError.self) { try NumericCodec.decode(text) }
            #expect(error?.code == .invalidCharacter, "\(text)")
        }
        let error = #expect(throws: QRPayloadError.self) { try NumericCodec.decode("12a") }
        #expect(error?.offset == 2)
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededGenerator(seed: 1)
        for length in 0...300 {
            let bytes = rng.bytes(length)
            let text = NumericCodec.encode(bytes)
            #expect(text.count == NumericCodec.encodedLength(byteCount: length))
            #expect(text.utf8.allSatisfy { (0x30...0x39).contains($0) })
            #expect(try NumericCodec.decode(text) == bytes, "length \(length)")
        }
    }
}

@Suite struct Base45Tests {
    @Test func rfc9285Examples() throws {
        #expect(Base45.encode(Array("AB".utf8)) == "BB8")
        #expect(Base45.encode(Array("Hello!!".utf8)) == "%69 VD92EX0")
        #expect(Base45.encode(Array("base-45".utf8)) == "UJCLQE7W581")
        #expect(try Base45.decode("QED8WEX0") == Array("ietf!".utf8))
        #expect(try Base45.decode("%69 VD92EX0") == Array("Hello!!".utf8))
        #expect(Base45.encode([UInt8]()) == "")
    }

    @Test func rejectsInvalidInput() {
        let cases: [(String, QRPayloadError.Code)] = [
            ("GGW", .valueOutOfRange),  // 65536
            ("::", .valueOutOfRange),  // final pair 2024 > 255
            ("bb8", .invalidCharacter),  // lower case is not in the alphabet
            ("BB8=", .invalidLength),
            ("A", .invalidLength),
            ("BB8_", .invalidLength),
            ("BB_", .invalidCharacter),
        ]
        for (text, code) in cases {
            let error = #expect(throws: QRPayloadError.self) { try Base45.decode(text) }
            #expect(error?.code == code, "\(text)")
        }
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededGenerator(seed: 2)
        for length in 0...300 {
            let bytes = rng.bytes(length)
            let text = Base45.encode(bytes)
            #expect(text.count == Base45.encodedLength(byteCount: length))
            #expect(try Base45.decode(text) == bytes, "length \(length)")
        }
    }
}

@Suite struct Base64URLTests {
    @Test func rfc4648Vectors() throws {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(try Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(try Base64URL.decode("-_8") == [0xFB, 0xFF])
    }

    @Test func rejectsInvalidInput() {
        let cases: [(String, QRPayloadError.Code)] = [
            ("Zg==", .invalidCharacter),  // padding
            ("Zm+v", .invalidCharacter),  // standard alphabet
            ("Zm9v\nA", .invalidCharacter),
            ("Z", .invalidLength),
            ("Zm9vY", .invalidLength),
            ("Zh", .nonCanonical),  // unused bits set
            ("Zm9", .nonCanonical),
        ]
        for (text, code) in cases {
            let error = #expect(throws: QRPayloadError.self) { try Base64URL.decode(text) }
            #expect(error?.code == code, "\(text.debugDescription)")
        }
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededGenerator(seed: 3)
        for length in 0...300 {
            let bytes = rng.bytes(length)
            let text = Base64URL.encode(bytes)
            #expect(text.count == Base64URL.encodedLength(byteCount: length))
            #expect(try Base64URL.decode(text) == bytes, "length \(length)")
        }
    }
}
