// Fuzzes the CBOR decoder, CBOR(decoding:options:), in every profile the code uses
// (.lenient, .strict, .akashi(tags:), .akashi()).
//
// Invariants (a failure is a crash):
// - a decoded value always encodes (no duplicate map keys get through, in any profile);
// - deterministic profiles (.strict, .akashi): re-encoding gives exactly the input bytes;
// - the re-encoding reads back, with .strict, to an equal value;
// - profiles nest: .akashi() ⊂ .akashi(tags: Akashi's) ⊂ .strict ⊂ .lenient — what a
//   stricter profile accepts the looser one accepts too, as the same value;
// - diagnostic notation never traps.
import CBOR
import Foundation
import FuzzSupport

let akashiTags: Set<UInt64> = [18, 1004, 30000, 30001]
/// The lenient decoder at its full depth: it checked duplicate keys with a Set<CBOR>,
/// exponential in the nesting of maps used as keys, until fixed
/// (Tests/fuzz/crashes/cose-lenient-nested-map-keys-timeout.bin).
let lenientOptions = CBORDecodingOptions.lenient

func decode(_ bytes: [UInt8], _ options: CBORDecodingOptions) -> CBOR? {
    try? CBOR(decoding: bytes, options: options)
}

func encode(_ value: CBOR, _ profile: String) -> [UInt8] {
    do { return try value.encoded() } catch {
        fatalError("fuzz invariant broken: a value decoded with \(profile) does not encode: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    let lenient = decode(input, lenientOptions)
    let strict = decode(input, .strict)
    let akashiTagged = decode(input, .akashi(tags: akashiTags))
    let akashiBare = decode(input, .akashi())

    if let value = lenient {
        let bytes = encode(value, ".lenient")
        guard let again = decode(bytes, .strict) else { fatalError("fuzz invariant broken: the re-encoding of a .lenient value is not .strict CBOR") }
        require(again == value, "the re-encoding of a .lenient value reads back to another value")
        _ = value.abbreviatedDescription
    }
    for (name, value) in [(".strict", strict), (".akashi(tags:)", akashiTagged), (".akashi()", akashiBare)] {
        guard let value else { continue }
        require(encode(value, name) == input, "a value decoded with \(name) does not re-encode to the input bytes")
    }
    if let s = strict {
        if let l = lenient {
            require(l == s, ".strict and .lenient read another value")
        } else {
            // Only the depth bound of lenientOptions may refuse what .strict accepts.
            require(decode(input, CBORDecodingOptions(maxDepth: lenientOptions.maxDepth)) == nil, ".strict accepts what .lenient refuses")
        }
    }
    if let a = akashiTagged { require(strict == a, ".akashi(tags:) accepts what .strict refuses, or reads another value") }
    if let a = akashiBare { require(akashiTagged == a, ".akashi() accepts what .akashi(tags:) refuses, or reads another value") }
    return 0
}
