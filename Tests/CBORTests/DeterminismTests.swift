import CBOR
import Testing

@Suite("Deterministic encoding (RFC 8949 §4.2.1)")
struct DeterminismTests {
    /// The example list from §4.2.1, in the required order.
    static let sortedKeys: [(CBOR, String)] = [
        (10, "0a"),
        (100, "1864"),
        (-1, "20"),
        ("z", "617a"),
        ("aa", "626161"),
        ([100], "811864"),
        ([-1], "8120"),
        (false, "f4"),
    ]

    @Test("map keys sort by their encoded bytes, whatever order they were given in")
    func keyOrder() throws {
        let expected = "a8" + Self.sortedKeys.enumerated().map { $1.1 + CBOR($0).encodedHex }.joined()
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20 {
            var entries = Self.sortedKeys.enumerated().map { (key: $1.0, value: CBOR($0)) }
            entries.shuffle(using: &rng)
            #expect(try CBOR.map(entries).encoded().hexString == expected)
        }
        // The sorted form decodes strictly and keeps that order.
        let decoded = try CBOR(decoding: hex(expected))
        #expect(decoded.mapEntries?.map(\.key) == Self.sortedKeys.map(\.0))
    }

    @Test("bytewise order is not the length-first order of RFC 7049 canonical CBOR")
    func notLengthFirst() throws {
        // {10: 0, -1: 1, 100: 2} in length-first order (0a, 20, 1864), as
        // cbor2's canonical=True writes it: valid CBOR, but not deterministic.
        let lengthFirst = hex("a30a002001186402")
        #expect(decodeError(lengthFirst)?.code == .unsortedMapKeys)
        #expect(decodeError(lengthFirst)?.offset == 5)  // 100 (1864) after -1 (20)
        let lenient = try CBOR(decoding: lengthFirst, options: .lenient)
        #expect(try lenient.encoded().hexString == "a30a001864022001")
    }

    @Test("shortest argument at every boundary")
    func argumentBoundaries() throws {
        let cases: [(CBOR, String)] = [
            (23, "17"), (24, "1818"), (255, "18ff"), (256, "190100"), (65535, "19ffff"),
            (65536, "1a00010000"), (.unsigned(0xffff_ffff), "1affffffff"), (.unsigned(0x1_0000_0000), "1b0000000100000000"),
            (-24, "37"), (-25, "3818"), (-256, "38ff"), (-257, "390100"),
            (CBOR(Int64.min), "3b7fffffffffffffff"), (CBOR(Int64.max), "1b7fffffffffffffff"),
            (.byteString([UInt8](repeating: 7, count: 23)), "57" + String(repeating: "07", count: 23)),
            (.byteString([UInt8](repeating: 7, count: 24)), "5818" + String(repeating: "07", count: 24)),
            (.tagged(24, 0), "d81800"), (.tagged(0xffff_ffff_ffff_ffff, 0), "dbffffffffffffffff00"),
        ]
        for (value, expected) in cases {
            #expect(try value.encoded().hexString == expected, "\(value)")
            #expect(try CBOR(decoding: hex(expected)) == value)
        }
        let bigText = CBOR.textString(String(repeating: "あ", count: 100))  // 300 UTF-8 bytes
        #expect(try Array(bigText.encoded().prefix(3)).hexString == "79012c")
    }

    @Test("floats use the shortest exact format, NaN payloads included")
    func floats() throws {
        let cases: [(Double, String)] = [
            (0x1p-24, "f90001"),  // smallest half subnormal
            (0x1.ff8p-15, "f903ff"),  // largest half subnormal
            (0x1p-25, "fa33000000"),  // too small for half, exact in single
            (65504, "f97bff"),
            (65505, "fa477fe100"),
            (65536, "fa47800000"),  // beyond half's range
            (0x1.004p0, "f93c01"),  // 10 fraction bits: half
            (0x1.002p0, "fa3f801000"),  // 11 fraction bits: single
            (Double(Float.leastNonzeroMagnitude), "fa00000001"),
            (Double(Float.greatestFiniteMagnitude), "fa7f7fffff"),
            (.leastNonzeroMagnitude, "fb0000000000000001"),
            (.greatestFiniteMagnitude, "fb7fefffffffffffff"),
            (Double(bitPattern: 0x7ff0_0400_0000_0000), "f97c01"),  // signalling NaN, payload fits half
            (Double(bitPattern: 0xfff8_0000_2000_0000), "faffc00001"),  // payload needs single
            (Double(bitPattern: 0x7ff8_0000_0000_0001), "fb7ff8000000000001"),
        ]
        for (value, expected) in cases {
            let encoded = try CBOR.float(value).encoded()
            #expect(encoded.hexString == expected, "\(value)")
            let decoded = try CBOR(decoding: encoded)
            #expect(decoded.double?.bitPattern == value.bitPattern, "\(expected)")
        }
    }

    @Test("an integer-valued float stays a float")
    func floatNotInteger() throws {
        #expect(try CBOR.float(1).encoded().hexString == "f93c00")
        #expect(CBOR.float(1) != CBOR(1))
    }

    @Test("the encoder refuses duplicate keys, also nested and also when built in different ways")
    func duplicateKeys() throws {
        let cases: [CBOR] = [
            [1: "a", 1: "b"],
            .map([(key: CBOR(1), value: CBOR(1)), (key: CBOR.unsigned(1), value: CBOR(2))]),
            [["x": 1, "x": 2]],
            .tagged(18, [0: [[1, 2]: 0, [1, 2]: 1]]),
        ]
        for value in cases {
            #expect(throws: CBORError.self) { try value.encoded() }
            do { _ = try value.encoded() } catch { #expect(error.code == .duplicateMapKey) }
        }
        // Keys that Swift's String calls equal but whose bytes differ are distinct.
        let composed: CBOR = ["\u{e9}": 1, "e\u{301}": 2]
        #expect(try composed.encoded().hexString == "a262c3a9016365cc8102")
    }
}

extension CBOR {
    var encodedHex: String { (try? encoded().hexString) ?? "?" }
}
