import CBOR
import Testing

/// `CBOR.decodingArrayElements`: the same verdict as decoding the whole item,
/// and each element's exact bytes.
@Suite("Array elements with their bytes")
struct ArrayElementsTests {
    static let inputs: [String] = [
        "80", "8101", "83 01 a1 61 61 02 42 ff00", "82 a2 61 61 01 61 62 82 01 02 40",
        "9f 01 ff",  // indefinite: refused strictly, nil leniently
        "a1 01 02", "01", "d8 12 80",  // not arrays
        "82 01", "82 01 02 03",  // truncated, trailing
        "81 b8 01 01 02",  // non-minimal length inside
        "82 a2 61 62 01 61 61 02 00",  // unsorted keys inside
        "81 f5",  // major type 7
    ]

    @Test("agrees with init(decoding:) on every input, under every profile", arguments: inputs)
    func agrees(_ text: String) {
        let bytes = hex(text)
        for options in [CBORDecodingOptions.strict, .lenient, .akashi()] {
            let whole = Result { () throws(CBORError) in try CBOR(decoding: bytes, options: options) }
            let parts = Result { () throws(CBORError) in try CBOR.decodingArrayElements(bytes, options: options) }
            switch (whole, parts) {
            case (.failure(let a), .failure(let b)):
                #expect(a.code == b.code, "\(text)")
            case (.success(let value), .success(let elements)):
                if case .array(let items) = value, bytes.first.map({ $0 & 0x1f != 31 }) == true {
                    #expect(elements?.map(\.value) == items, "\(text)")
                    for element in elements ?? [] {
                        #expect(try! element.value.encoded() == Array(bytes[element.range]) || options != .strict, "\(text)")
                    }
                } else {
                    #expect(elements == nil, "\(text)")
                }
            default:
                Issue.record("\(text): \(whole) but \(parts)")
            }
        }
    }

    @Test("ranges are consecutive and cover the elements")
    func ranges() throws {
        let bytes = hex("83 01 a1 61 61 02 42 ff00")
        let elements = try #require(try CBOR.decodingArrayElements(bytes))
        #expect(elements.map(\.range) == [1..<2, 2..<6, 6..<9])
    }
}
