import CBOR
import Testing

/// RFC 8949 Appendix A, the examples whose encoding is deterministic
/// (preferred serialization, definite lengths, sorted keys): each must encode
/// to exactly these bytes and decode back to the same value, strictly.
let appendixADeterministic: [(value: CBOR, hex: String)] = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1_000_000, "1a000f4240"),
    (1_000_000_000_000, "1b000000e8d4a51000"),
    (.unsigned(18_446_744_073_709_551_615), "1bffffffffffffffff"),
    (.tagged(2, .byteString(hex("010000000000000000"))), "c249010000000000000000"),  // 18446744073709551616
    (.negative(18_446_744_073_709_551_615), "3bffffffffffffffff"),  // -18446744073709551616
    (.tagged(3, .byteString(hex("010000000000000000"))), "c349010000000000000000"),  // -18446744073709551617
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (0.0, "f90000"),
    (.float(-0.0), "f98000"),
    (1.0, "f93c00"),
    (1.1, "fb3ff199999999999a"),
    (1.5, "f93e00"),
    (65504.0, "f97bff"),
    (100000.0, "fa47c35000"),
    (3.4028234663852886e+38, "fa7f7fffff"),
    (1.0e+300, "fb7e37e43c8800759c"),
    (5.960464477539063e-8, "f90001"),
    (0.00006103515625, "f90400"),
    (-4.0, "f9c400"),
    (-4.1, "fbc010666666666666"),
    (.float(.infinity), "f97c00"),
    (.float(.nan), "f97e00"),
    (.float(-.infinity), "f9fc00"),
    (false, "f4"),
    (true, "f5"),
    (.null, "f6"),
    (.undefined, "f7"),
    (.tagged(0, "2013-03-21T20:04:00Z"), "c074323031332d30332d32315432303a30343a30305a"),
    (.tagged(1, 1_363_896_240), "c11a514b67b0"),
    (.tagged(1, 1363896240.5), "c1fb41d452d9ec200000"),
    (.tagged(23, .byteString(hex("01020304"))), "d74401020304"),
    (.tagged(24, .byteString(hex("6449455446"))), "d818456449455446"),
    (.tagged(32, "http://www.example.com"), "d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
    (.byteString([]), "40"),
    (.byteString(hex("01020304")), "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ("\"\\", "62225c"),
    ("\u{00fc}", "62c3bc"),
    ("\u{6c34}", "63e6b0b4"),
    ("\u{10151}", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (.array((1...25).map { CBOR($0) }), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ([:], "a0"),
    ([1: 2, 3: 4], "a201020304"),
    (["a": 1, "b": [2, 3]], "a26161016162820203"),
    (["a", ["b": "c"]], "826161a161626163"),
    (["a": "A", "b": "B", "c": "C", "d": "D", "e": "E"], "a56161614161626142616361436164614461656145"),
]

/// RFC 8949 Appendix A examples that are well-formed but not deterministic:
/// the lenient decoder reads them as this value; the strict one refuses them
/// with this code.
let appendixANonDeterministic: [(hex: String, value: CBOR, code: CBORError.Code)] = [
    ("fa7f800000", .float(.infinity), .nonShortestFloat),
    ("fa7fc00000", .float(.nan), .nonShortestFloat),
    ("faff800000", .float(-.infinity), .nonShortestFloat),
    ("fb7ff0000000000000", .float(.infinity), .nonShortestFloat),
    ("fb7ff8000000000000", .float(.nan), .nonShortestFloat),
    ("fbfff0000000000000", .float(-.infinity), .nonShortestFloat),
    ("5f42010243030405ff", .byteString(hex("0102030405")), .indefiniteLength),
    ("7f657374726561646d696e67ff", "streaming", .indefiniteLength),
    ("9fff", [], .indefiniteLength),
    ("9f018202039f0405ffff", [1, [2, 3], [4, 5]], .indefiniteLength),
    ("9f01820203820405ff", [1, [2, 3], [4, 5]], .indefiniteLength),
    ("83018202039f0405ff", [1, [2, 3], [4, 5]], .indefiniteLength),
    ("83019f0203ff820405", [1, [2, 3], [4, 5]], .indefiniteLength),
    ("9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", .array((1...25).map { CBOR($0) }), .indefiniteLength),
    ("bf61610161629f0203ffff", ["a": 1, "b": [2, 3]], .indefiniteLength),
    ("826161bf61626163ff", ["a", ["b": "c"]], .indefiniteLength),
    ("bf6346756ef563416d7421ff", ["Fun": true, "Amt": -2], .indefiniteLength),
]

@Suite("RFC 8949 Appendix A")
struct AppendixATests {
    @Test("deterministic examples encode to the RFC bytes", arguments: appendixADeterministic.indices)
    func encodes(index: Int) throws {
        let (value, expected) = appendixADeterministic[index]
        #expect(try value.encoded().hexString == expected, "\(value)")
    }

    @Test("deterministic examples decode strictly to the RFC value", arguments: appendixADeterministic.indices)
    func decodes(index: Int) throws {
        let (value, expected) = appendixADeterministic[index]
        let decoded = try CBOR(decoding: hex(expected))
        #expect(decoded == value, "\(expected) decoded as \(decoded)")
        #expect(try CBOR(decoding: hex(expected), options: .lenient) == value)
    }

    @Test("non-deterministic examples: lenient reads them, strict refuses", arguments: appendixANonDeterministic.indices)
    func nonDeterministic(index: Int) throws {
        let (input, value, code) = appendixANonDeterministic[index]
        #expect(try CBOR(decoding: hex(input), options: .lenient) == value)
        #expect(decodeError(hex(input))?.code == code)
        // And the deterministic encoding of what was read is the preferred form.
        #expect(try CBOR(decoding: try value.encoded()) == value)
    }

    @Test("\"{_ \\\"Fun\\\": true, \\\"Amt\\\": -2}\" re-encodes with sorted keys")
    func reencodesSorted() throws {
        let value = try CBOR(decoding: hex("bf6346756ef563416d7421ff"), options: .lenient)
        // "Amt" (63 41..) sorts before "Fun" (63 46..).
        #expect(try value.encoded().hexString == "a263416d74216346756ef5")
    }

    @Test("simple values other than false/true/null/undefined are refused")
    func simpleValues() {
        #expect(decodeError(hex("f0"))?.code == .unsupportedSimpleValue)  // simple(16)
        #expect(decodeError(hex("f8ff"))?.code == .unsupportedSimpleValue)  // simple(255)
        #expect(decodeError(hex("f818"))?.code == .malformed)  // two-byte form of 24: not well-formed
        #expect(decodeError(hex("f818"), .lenient)?.code == .malformed)
    }
}
