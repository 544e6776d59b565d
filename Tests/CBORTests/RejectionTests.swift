import CBOR
import Testing

/// Input that must be refused, with the code and the offset of the problem.
let rejected: [(hex: String, code: CBORError.Code, offset: Int, note: String)] = [
    // Not in shortest form.
    ("1817", .nonShortestArgument, 0, "23 with a one-byte argument"),
    ("190017", .nonShortestArgument, 0, "23 in two bytes"),
    ("1900ff", .nonShortestArgument, 0, "255 in two bytes"),
    ("1a0000ffff", .nonShortestArgument, 0, "65535 in four bytes"),
    ("1b00000000ffffffff", .nonShortestArgument, 0, "2^32-1 in eight bytes"),
    ("3817", .nonShortestArgument, 0, "-24 with a one-byte argument"),
    ("580161", .nonShortestArgument, 0, "byte string length 1 in a one-byte argument"),
    ("7900016161", .nonShortestArgument, 0, "text length in two bytes"),
    ("820198000102", .nonShortestArgument, 2, "nested array count, non-shortest"),
    ("d81200", .nonShortestArgument, 0, "tag 18 with a one-byte argument"),
    ("fa3f800000", .nonShortestFloat, 0, "1.0 as single"),
    ("fb3ff0000000000000", .nonShortestFloat, 0, "1.0 as double"),
    ("fb3ff8000000000000", .nonShortestFloat, 0, "1.5 as double"),
    ("fb47efffffe0000000", .nonShortestFloat, 0, "max single as double"),
    ("fa00000000", .nonShortestFloat, 0, "0.0 as single"),
    ("fa80000000", .nonShortestFloat, 0, "-0.0 as single"),
    ("fa33800000", .nonShortestFloat, 0, "2^-24 as single"),
    // Indefinite lengths.
    ("5fff", .indefiniteLength, 0, "empty indefinite byte string"),
    ("7fff", .indefiniteLength, 0, "empty indefinite text string"),
    ("9fff", .indefiniteLength, 0, "empty indefinite array"),
    ("bfff", .indefiniteLength, 0, "empty indefinite map"),
    ("81bfff", .indefiniteLength, 1, "nested indefinite map"),
    // Map keys.
    ("a202000100", .unsortedMapKeys, 3, "{2: 0, 1: 0}"),
    ("a2616200616100", .unsortedMapKeys, 4, "{\"b\": 0, \"a\": 0}"),
    ("a220000a00", .unsortedMapKeys, 3, "{-1: 0, 10: 0}"),
    ("a2626161006162 00", .unsortedMapKeys, 5, "{\"aa\": 0, \"b\": 0} is length-first; bytewise \"b\" (6162) < \"aa\" (626161)"),
    ("a201000100", .duplicateMapKey, 3, "{1: 0, 1: 0}"),
    ("a3010002000100", .unsortedMapKeys, 5, "{1: 0, 2: 0, 1: 0}: a later duplicate is also out of order"),
    ("a2f400f400", .duplicateMapKey, 3, "{false: 0, false: 0}"),
    // Text.
    ("62c328", .invalidUTF8, 0, "bad continuation byte"),
    ("61ff", .invalidUTF8, 0, "0xff is never UTF-8"),
    ("63eda080", .invalidUTF8, 0, "an encoded UTF-16 surrogate"),
    ("62c080", .invalidUTF8, 0, "overlong NUL"),
    ("64f4908080", .invalidUTF8, 0, "beyond U+10FFFF"),
    ("62e381", .invalidUTF8, 0, "truncated あ"),
    ("a162e38100", .invalidUTF8, 1, "invalid map key"),
    // Truncated input and lengths larger than what remains.
    ("", .truncated, 0, "empty input"),
    ("18", .truncated, 0, "missing one-byte argument"),
    ("1900", .truncated, 0, "half a two-byte argument"),
    ("4201", .truncated, 0, "byte string one short"),
    ("830102", .truncated, 0, "array count larger than the bytes left"),
    ("a101", .truncated, 0, "map missing a value"),
    ("5bffffffffffffffff00", .truncated, 0, "a 2^64-1 byte string"),
    ("5a7fffffff00", .truncated, 0, "a 2 GiB byte string"),
    ("7affffffff", .truncated, 0, "a 4 GiB text string"),
    ("9bffffffffffffffff00", .truncated, 0, "an array of 2^64-1 elements"),
    ("9a0001000001", .truncated, 0, "an array of 65536 elements in 1 byte"),
    ("828101", .truncated, 3, "array one element short, found at the end"),
    ("bbffffffffffffffff00", .truncated, 0, "a map whose count overflows when doubled"),
    ("a30102030405", .truncated, 0, "three entries need at least six bytes"),
    ("d2", .truncated, 1, "tag without content"),
    ("f9", .truncated, 0, "half float without bits"),
    ("fb000000", .truncated, 0, "double float cut short"),
    // Not well-formed.
    ("1c", .malformed, 0, "reserved additional information 28"),
    ("3d", .malformed, 0, "reserved additional information 29"),
    ("5e", .malformed, 0, "reserved additional information 30"),
    ("fc", .malformed, 0, "reserved simple 28"),
    ("ff", .malformed, 0, "break on its own"),
    ("8201ff", .malformed, 2, "break inside a definite array"),
    ("1f", .malformed, 0, "indefinite unsigned integer"),
    ("3f", .malformed, 0, "indefinite negative integer"),
    ("df00", .malformed, 0, "indefinite tag"),
    // Trailing bytes.
    ("0000", .trailingBytes, 1, "two items"),
    ("a0a0", .trailingBytes, 1, "two maps"),
    ("8001", .trailingBytes, 1, "array then integer"),
]

@Suite("Rejection")
struct RejectionTests {
    @Test("strict decoding refuses", arguments: rejected.indices)
    func strict(index: Int) {
        let (input, code, offset, note) = rejected[index]
        let error = decodeError(hex(input))
        #expect(error?.code == code, "\(input): \(note) gave \(String(describing: error))")
        #expect(error?.offset == offset, "\(input): \(note)")
        #expect(error.map { !$0.reason.isEmpty } == true)
    }

    @Test("lenient decoding refuses what is not well-formed, valid or complete")
    func lenient() {
        for (input, code, _, note) in rejected
        where [.truncated, .malformed, .trailingBytes, .invalidUTF8, .duplicateMapKey].contains(code) {
            #expect(decodeError(hex(input), .lenient)?.code == code, "\(input): \(note)")
        }
        // Lenient-only structure errors.
        let cases: [(String, CBORError.Code)] = [
            ("5f6161ff", .malformed),  // text chunk in a byte string
            ("5f5f4101ffff", .malformed),  // nested indefinite chunk
            ("7f62c328ff", .invalidUTF8),  // invalid chunk
            ("7f61e36281 81ff", .invalidUTF8),  // あ split across chunks: each chunk must be valid alone
            ("bf01ff", .malformed),  // key without value
            ("bf0100010000ff", .duplicateMapKey),
            ("bf0100180100ff", .duplicateMapKey),  // 1 and non-shortest 1 are the same key
            ("9f01", .truncated),  // no break
            ("5f41", .truncated),
        ]
        for (input, code) in cases {
            #expect(decodeError(hex(input), .lenient)?.code == code, "\(input)")
        }
    }

    @Test("nesting deeper than maxDepth is refused, at the boundary exactly")
    func depth() throws {
        for opener: UInt8 in [0x81, 0xa1, 0xc1] {
            func nested(_ levels: Int) -> [UInt8] {
                // [[...0]], {0: {0: ... 0}} or 1(1(...0))
                let level: [UInt8] = opener == 0xa1 ? [0xa1, 0x00] : [opener]
                return Array((0..<levels).map { _ in level }.joined()) + [0]
            }
            let limit = CBORDecodingOptions(maxDepth: 8)
            #expect(throws: Never.self) { try CBOR(decoding: nested(8), options: limit) }
            let error = decodeError(nested(9), limit)
            #expect(error?.code == .depthLimitExceeded)
            // The default limit stops hostile nesting long before the stack would.
            let deep = nested(10_000)
            #expect(decodeError(deep)?.code == .depthLimitExceeded)
            #expect(decodeError(deep, .lenient)?.code == .depthLimitExceeded)
        }
        #expect(decodeError([UInt8](repeating: 0x9f, count: 1000) + [0], .lenient)?.code == .depthLimitExceeded)
    }

    @Test("the error says where and why")
    func errorDescription() {
        let error = decodeError(hex("a201000100"))
        #expect(error?.description == "duplicateMapKey at byte 3: the key 1 appears twice in a map")
    }
}
