// Fuzzes the claims readers: CertificateClaims(decoding:) (Akashi's, docs/spec/certificate.md
// §1, §3) and the generic CWTClaims(decoding:options:) (RFC 8392).
//
// Invariants (a failure is a crash):
// - accepted claims encode, and the encoding reads back to equal claims;
// - one byte form: accepted claims re-encode to exactly the input bytes — unless the
//   field map had keys that Swift's String equality merges (canonically equivalent,
//   e.g. "K" and U+212A), which the reader deliberately collapses to one;
// - the decoded values keep the reader's own bounds (iat/exp ≤ 2^53 − 1, 10-byte serial,
//   a kind id of [a-z][a-z0-9-]{0,39}, version 1…2^31 − 1);
// - selective disclosure (selective-disclosure.md §1.1, §5 step 2): a present mask (content
//   key 4, 1 … 65 535) iff a 16-byte cti, which is then the commitment and begins with the
//   serial; without one the cti is the 10-byte serial;
// - CWTClaims: decode → encode → decode is the identity.
import CBOR
import COSE
import Certificates
import FuzzSupport

let maxTime: Int64 = (1 << 53) - 1

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    if let claims = try? CertificateClaims(decoding: input) {
        require(claims.issuedAt >= 0 && claims.issuedAt <= maxTime, "iat out of range")
        require(claims.expiresAt.map { $0 >= 0 && $0 <= maxTime } ?? true, "exp out of range")
        require(claims.serial.count == 10, "the serial is not 10 bytes")
        require(claims.kindVersion >= 1 && claims.kindVersion <= Int(Int32.max), "the kind version is out of range")
        require(CertificateKind.isValidID(claims.kind), "the kind id is not of the kind grammar")
        if let mask = claims.presentMask {
            require(mask >= 1, "a present mask of 0")
            require(claims.commitment?.count == 16, "a present mask without a 16-byte commitment")
            require(claims.cti == claims.commitment && Array(claims.cti.prefix(10)) == claims.serial, "the cti is not the commitment beginning with the serial")
        } else {
            require(claims.commitment == nil, "a commitment without a present mask")
            require(claims.cti == claims.serial, "without a present mask the cti is not the serial")
        }
        // The cti as read: 10 bytes without content key 4, 16 with it.
        if let raw = try? CBOR(decoding: input, options: .akashi(tags: [1004, 30000, 30001])), let cti = raw[CBOR(7)]?.bytes {
            require(cti == claims.cti, "the cti read is not the claims' cti")
            require(cti.count == (raw[CBOR(-70000)]?[CBOR(4)] == nil ? 10 : 16), "a \(cti.count)-byte cti that does not match content key 4")
        }
        let encoded = claims.encoded()
        guard let again = try? CertificateClaims(decoding: encoded) else { fatalError("fuzz invariant broken: re-encoded claims do not read back") }
        require(again == claims, "re-encoded claims read back to other claims")
        require(again.encoded() == encoded, "re-encoding is not stable")
        // Count the field map's entries as CBOR sees them (bytewise-distinct keys).
        let raw = try! CBOR(decoding: input, options: .akashi(tags: [1004, 30000, 30001]))
        let fieldEntries = raw[CBOR(-70000)]?[CBOR(3)]?.mapEntries?.count
        if fieldEntries == claims.fields.count {
            require(encoded == input, "accepted claims do not re-encode to the input bytes")
        }
    }

    if let claims = try? CWTClaims(decoding: input) {
        guard let encoded = try? claims.encoded() else { fatalError("fuzz invariant broken: decoded CWTClaims do not encode") }
        guard let again = try? CWTClaims(decoding: encoded) else { fatalError("fuzz invariant broken: re-encoded CWTClaims do not read back") }
        require(again == claims, "re-encoded CWTClaims read back to other claims")
    }
    return 0
}
