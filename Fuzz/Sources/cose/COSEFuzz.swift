// Fuzzes COSE_Sign1 decoding: COSESign1(decoding:options:) (.strict and .lenient) and
// COSESign1(decodingAkashiEnvelope:) (docs/spec/certificate.md §2.1).
//
// Invariants (a failure is a crash):
// - an accepted Akashi envelope is exactly the one byte form the spec allows:
//   D2 84 4D A2 01 26 04 48 <kid[8]> A0 <bstr payload> 58 40 <r||s>;
// - what the envelope reader accepts, the general reader accepts as the same message;
// - what .strict accepts, .lenient accepts as the same message;
// - the fields are consistent (64-byte signature, ES256, encoded == input) and the
//   Sig_structure is the one RFC 9052 §4.4 defines over them.
import CBOR
import COSE
import Foundation
import FuzzSupport

/// The lenient decoder at its full depth (deep maps as keys were exponentially slow until
/// fixed: Tests/fuzz/crashes/cose-lenient-nested-map-keys-timeout.bin).
let lenientOptions = CBORDecodingOptions.lenient

func bstrHead(_ count: Int) -> [UInt8] {
    var e = CBOREncoder()
    e.appendByteString([UInt8](repeating: 0, count: count))
    return Array(e.bytes.prefix(e.bytes.count - count))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    let lenient = try? COSESign1(decoding: input, options: lenientOptions)
    let strict = try? COSESign1(decoding: input)
    let envelope = try? COSESign1(decodingAkashiEnvelope: input)

    for message in [lenient, strict, envelope] {
        guard let message else { continue }
        require(message.encoded == input, "COSESign1.encoded is not the bytes read")
        require(message.signature.count == 64 && message.alg == .es256, "an accepted message is not ES256 with a 64-byte signature")
        let expected = try! CBOR.array([.textString("Signature1"), .byteString(message.protectedBytes), .byteString([]), .byteString(message.payload)])
            .encoded()
        require(message.toBeSigned() == expected, "toBeSigned() is not the RFC 9052 Sig_structure")
    }
    if let s = strict {
        if let l = lenient {
            require(
                l.payload == s.payload && l.kid == s.kid && l.protectedBytes == s.protectedBytes && l.signature == s.signature,
                ".strict and .lenient read the same COSE_Sign1 differently")
        } else {
            // Only the depth bound of lenientOptions may refuse what .strict accepts.
            require(
                (try? COSESign1(decoding: input, options: CBORDecodingOptions(maxDepth: lenientOptions.maxDepth))) == nil,
                ".strict accepts a COSE_Sign1 that .lenient refuses")
        }
    }
    if let e = envelope {
        guard let s = strict else { fatalError("fuzz invariant broken: the Akashi envelope reader accepts a COSE_Sign1 that .strict refuses") }
        require(s.payload == e.payload && s.kid == e.kid && s.signature == e.signature, "the envelope and .strict readers disagree")
        require(e.isTagged && e.kidIsProtected && e.kid.count == 8, "an Akashi envelope is not tagged with an 8-byte protected kid")
        let form: [UInt8] =
            [0xD2, 0x84, 0x4D, 0xA2, 0x01, 0x26, 0x04, 0x48] + e.kid + [0xA0] + bstrHead(e.payload.count) + e.payload + [0x58, 0x40] + e.signature
        require(form == input, "an accepted Akashi envelope is not in the one byte form of docs/spec/certificate.md §2.1")
    }
    return 0
}
