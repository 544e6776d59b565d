import CBOR
import Testing

@Suite("CBOR values")
struct ValueTests {
    @Test("integers cover -2^64 ... 2^64-1 and convert back to Int64 where they fit")
    func integers() {
        #expect(CBOR(0) == .unsigned(0))
        #expect(CBOR(-1) == .negative(0))
        #expect(CBOR(Int64.min) == .negative(UInt64(Int64.max)))
        #expect(CBOR(Int64.min).int == Int64.min)
        #expect(CBOR(Int64.max).int == Int64.max)
        #expect(CBOR.unsigned(UInt64(Int64.max) + 1).int == nil)
        #expect(CBOR.negative(UInt64(Int64.max) + 1).int == nil)  // -2^63 - 1
        #expect(CBOR.unsigned(UInt64.max).uint == UInt64.max)
        #expect(CBOR(-5).uint == nil)
        #expect(CBOR("5").int == nil)
    }

    @Test("accessors return nil for other types")
    func accessors() {
        let value: CBOR = [1: "iss", 4: 1_700_000_000, -260: [1: ["v": [["dn": 1]]]], "k": .byteString([1, 2])]
        #expect(value[1]?.text == "iss")
        #expect(value[4]?.int == 1_700_000_000)
        #expect(value[-260]?[1]?["v"]?.array?.first?["dn"]?.int == 1)
        #expect(value["k"]?.bytes == [1, 2])
        #expect(value[2] == nil)
        #expect(value[1]?.bytes == nil)
        #expect(CBOR(5)[1] == nil)
        #expect(CBOR.boolean(true).bool == true)
        #expect(CBOR.null.isNull && !CBOR.undefined.isNull)
        #expect(CBOR.tagged(18, []).tagged?.tag == 18)
        #expect(CBOR.float(2.5).double == 2.5)
        #expect(CBOR(2).double == nil)
    }

    @Test("equality is equality of CBOR data items")
    func equality() {
        // Maps are unordered.
        let a: CBOR = [1: "a", 2: ["x": 1, "y": 2]]
        let b: CBOR = [2: ["y": 2, "x": 1], 1: "a"]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(a != [1: "a", 2: ["x": 1, "y": 3]])
        #expect(a != [1: "a"])
        // Same multiset, not just same keys.
        #expect(CBOR.map([(1, 1), (2, 2)]) != .map([(1, 2), (2, 1)]))
        // Text compares by UTF-8 bytes, not canonical equivalence.
        #expect("\u{e9}" as String == "e\u{301}")  // Swift says equal...
        #expect(CBOR.textString("\u{e9}") != CBOR.textString("e\u{301}"))  // ...CBOR does not.
        // Floats compare by bits.
        #expect(CBOR.float(0.0) != CBOR.float(-0.0))
        #expect(CBOR.float(.nan) == CBOR.float(.nan))
        #expect(CBOR.float(.nan) != CBOR.float(-.nan))
        // Types matter.
        #expect(CBOR(1) != CBOR.float(1))
        #expect(CBOR.byteString([0x61]) != CBOR.textString("a"))
        #expect(CBOR.tagged(1, 0) != CBOR.tagged(2, 0))
    }

    @Test("diagnostic notation")
    func diagnostic() {
        let value: CBOR = .tagged(18, [.byteString([0xa1, 0x01, 0x26]), [:], "東京\"", -7, .negative(UInt64.max), 1.5, .float(.nan), .null, true])
        #expect(value.description == #"18([h'a10126', {}, "東京\"", -7, -18446744073709551616, 1.5, NaN, null, true])"#)
        let header: CBOR = [1: -7, 4: .byteString([0x6b])]
        #expect(header.description == "{1: -7, 4: h'6b'}")
        // Error reasons quote values abbreviated, so a huge hostile key stays a short line.
        let long = CBOR.byteString([UInt8](repeating: 0xab, count: 10_000))
        #expect(long.abbreviatedDescription.count == 80 && long.abbreviatedDescription.hasSuffix("..."))
        #expect(header.abbreviatedDescription == header.description)
        let bigKeys: CBOR = .map([(key: long, value: CBOR(0)), (key: long, value: CBOR(1))])
        do { _ = try bigKeys.encoded() } catch { #expect(error.reason.count < 200) }
    }

    @Test("CBOREncoder's appending methods match encoding whole values")
    func encoderPieces() throws {
        var encoder = CBOREncoder()
        encoder.appendArrayHeader(count: 5)
        encoder.appendTextString("Signature1")
        encoder.appendByteString([0xa1, 0x01, 0x26])
        encoder.appendByteString([UInt8]())
        encoder.appendInteger(-7)
        encoder.appendTagHeader(1)
        encoder.appendFloat(1.5)
        let whole: CBOR = ["Signature1", .byteString([0xa1, 0x01, 0x26]), .byteString([]), -7, .tagged(1, 1.5)]
        #expect(encoder.bytes == (try whole.encoded()))
    }
}
