import QRPayload
import TransparencyLog

/// What a QR code carries: the signed envelope and its offline log proof.
///
/// Binary form (version 1):
///
///     u8      1
///     uvarint length of the COSE_Sign1 bytes
///     …       the COSE_Sign1 bytes
///     …       the rest: a CompactProof (index, tree size, root, proof, signatures)
///
/// Text form: `AK1.` followed by the bytes in QR numeric mode (7 bytes → 17
/// digits, see ``NumericCodec``), optionally after the verifier's URL and `#`:
/// `https://iizuka.example/akashi/verify/#AK1.0123…`. The fragment never
/// leaves the phone, and digits are the densest QR mode.
public struct CertificateQR: Hashable, Sendable {
    public static let prefix = "AK1."
    public static let version: UInt8 = 1

    public let envelope: [UInt8]
    public let proof: [UInt8]

    public init(envelope: [UInt8], proof: [UInt8]) {
        self.envelope = envelope
        self.proof = proof
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [Self.version]
        var n = UInt64(envelope.count)
        while n >= 0x80 {
            out.append(UInt8(n & 0x7f) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        return out + envelope + proof
    }

    /// The QR text; with a verifier URL, a link that opens the web verifier.
    public func text(verifierURL: String?) -> String {
        let payload = Self.prefix + NumericCodec.encode(bytes)
        guard let verifierURL, !verifierURL.isEmpty else { return payload }
        return verifierURL + "#" + payload
    }

    public init(bytes: [UInt8]) throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedPayload, "the QR payload \(what)") }
        guard bytes.first == Self.version else { throw fail("has an unknown version (expected 1)") }
        var offset = 1
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 35 else { throw fail("is truncated") }
            let b = bytes[offset]
            offset += 1
            length |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard length > 0, UInt64(bytes.count - offset) > length else { throw fail("is truncated") }
        let end = offset + Int(length)
        envelope = Array(bytes[offset..<end])
        proof = Array(bytes[end...])
    }

    /// Parses QR text: a URL with `#AK1.…`, or `AK1.…` alone. Surrounding white
    /// space (from scanners and copy-paste) is ignored.
    public init(text: String) throws(CertificateError) {
        var t = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if let hash = t.lastIndex(of: "#") { t = t[t.index(after: hash)...] }
        guard t.prefix(Self.prefix.count).uppercased() == Self.prefix else {
            throw CertificateError(.malformedPayload, "this is not an Akashi certificate QR (no \(Self.prefix) payload)")
        }
        let digits = t.dropFirst(Self.prefix.count)
        let bytes: [UInt8]
        do { bytes = try NumericCodec.decode(digits) } catch {
            throw CertificateError(.malformedPayload, "the QR payload digits are damaged: \(error.reason)")
        }
        try self.init(bytes: bytes)
    }
}

import Foundation
