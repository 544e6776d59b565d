// Fuzzes the QR text reader, CertificateQR(utf8:) (docs/spec/qr-text.md, payload.md),
// and what a verifier reads right after it: the envelope (COSESign1, Akashi's byte form),
// the disclosures (Disclosures, selective-disclosure.md §3; the disclosures harness checks
// them in depth), the compact proof and, when the envelope is well-formed, the claims
// (before any signature check, as a careless caller would).
//
// Invariants (a failure is a crash):
// - an accepted text is canonical: after trimming SP/HT/LF/CR and dropping everything up
//   to the first '#', it is exactly `AK2.` + NumericCodec.encode(payload bytes), and the
//   payload is exactly version 2, a minimal uvarint L, the envelope, a minimal uvarint D,
//   the D bytes of disclosures (none when D = 0), the proof (payload.md §1);
// - the canonical text and the binary form read back to the same value.
import COSE
import Certificates
import FuzzSupport
import TransparencyLog

func isIgnorable(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let qr = try? CertificateQR(utf8: input) else { return 0 }

    // The text form is canonical.
    var start = 0, end = input.count
    while start < end, isIgnorable(input[start]) { start += 1 }
    while end > start, isIgnorable(input[end - 1]) { end -= 1 }
    var payloadText = input[start..<end]
    if let hash = payloadText.firstIndex(of: 0x23) { payloadText = payloadText[(hash + 1)...] }
    let canonical = Array(qr.text(verifierURL: nil).utf8)
    require(Array(payloadText) == canonical, "an accepted QR text is not the canonical encoding of what it decodes to")

    // The binary form is canonical: version, minimal L, envelope, minimal D, disclosures, proof.
    var expected: [UInt8] = [CertificateQR.version]
    CompactProof.appendUvarint(UInt64(qr.envelope.count), to: &expected)
    expected += qr.envelope
    CompactProof.appendUvarint(UInt64(qr.disclosures.count), to: &expected)
    expected += qr.disclosures + qr.proof
    require(qr.bytes == expected, "CertificateQR.bytes is not version + uvarint + envelope + uvarint + disclosures + proof")
    require(!qr.envelope.isEmpty && !qr.proof.isEmpty, "an accepted payload has an empty envelope or proof")

    // Both forms read back to the same value.
    guard let again = try? CertificateQR(utf8: canonical) else { fatalError("fuzz invariant broken: the canonical QR text does not read back") }
    require(again == qr, "the canonical QR text reads back to another value")
    guard let fromBytes = try? CertificateQR(bytes: qr.bytes) else { fatalError("fuzz invariant broken: the QR payload bytes do not read back") }
    require(fromBytes == qr, "the QR payload bytes read back to another value")
    let withURL = Array(qr.text(verifierURL: "https://fuzz.example/verify/").utf8)
    require((try? CertificateQR(utf8: withURL)) == qr, "the QR text with a verifier URL reads back to another value")

    // What follows in a verifier: the envelope, the proof, the claims.
    if let envelope = try? COSESign1(decodingAkashiEnvelope: qr.envelope) {
        require(envelope.encoded == qr.envelope, "COSESign1.encoded is not the bytes read")
        _ = try? CertificateClaims(decoding: envelope.payload)
    }
    if !qr.disclosures.isEmpty, let disclosures = try? Disclosures(decoding: qr.disclosures) {
        require(disclosures.encoded == qr.disclosures, "accepted disclosures do not re-encode to the bytes read")
        require(disclosures.commitment.count == 16, "the disclosures' commitment is not 16 bytes")
    }
    _ = try? CompactProof(decoding: qr.proof)
    return 0
}
