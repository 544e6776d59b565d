import QRPayload
import TransparencyLog

/// What a QR code carries: the signed envelope and its offline log proof
/// (`docs/spec/qr-text.md`, `docs/spec/payload.md`, format v2).
///
/// Binary form:
///
///     u8      2
///     uvarint length of the COSE_Sign1 bytes (minimal, ≥ 1, leaves ≥ 1 byte of proof)
///     …       the COSE_Sign1 bytes
///     uvarint length of the disclosures (minimal, 0 when there are none, leaves ≥ 1 byte of proof)
///     …       the disclosures (``Disclosures``, docs/spec/selective-disclosure.md)
///     …       the rest: a ``CompactProof``
///
/// Text form: `AK2.` followed by the bytes in QR numeric mode (7 bytes → 17
/// digits, see ``NumericCodec``), optionally after the verifier's URL and `#`:
/// `https://iizuka.example/akashi/verify/#AK2.0123…`. The fragment never
/// leaves the phone, and digits are the densest QR mode.
public struct CertificateQR: Hashable, Sendable {
    public static let prefix = "AK2."
    public static let version: UInt8 = 2

    public let envelope: [UInt8]
    /// The holder's part, outside the signed envelope: empty for a
    /// certificate without withholdable fields.
    public let disclosures: [UInt8]
    public let proof: [UInt8]

    public init(envelope: [UInt8], disclosures: [UInt8] = [], proof: [UInt8]) {
        self.envelope = envelope
        self.disclosures = disclosures
        self.proof = proof
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [Self.version]
        CompactProof.appendUvarint(UInt64(envelope.count), to: &out)
        out += envelope
        CompactProof.appendUvarint(UInt64(disclosures.count), to: &out)
        return out + disclosures + proof
    }

    /// The payload length for parts of these sizes (PrintBudget's arithmetic).
    public static func byteCount(envelope: Int, disclosures: Int, proof: Int) -> Int {
        func uvarintLength(_ v: Int) -> Int {
            var bytes: [UInt8] = []
            CompactProof.appendUvarint(UInt64(v), to: &bytes)
            return bytes.count
        }
        return 1 + uvarintLength(envelope) + envelope + uvarintLength(disclosures) + disclosures + proof
    }

    /// The QR text; with a verifier URL, a link that opens the web verifier.
    public func text(verifierURL: String?) -> String {
        let payload = Self.prefix + NumericCodec.encode(bytes)
        guard let verifierURL, !verifierURL.isEmpty else { return payload }
        return verifierURL + "#" + payload
    }

    public init(bytes: [UInt8]) throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedPayload, "the QR payload \(what)") }
        guard bytes.first == Self.version else { throw fail("has an unknown version (expected \(Self.version))") }
        var reader = ByteReader(Array(bytes.dropFirst()))
        let length: UInt64
        do { length = try reader.uvarint() } catch { throw fail("has a malformed envelope length (\(error.reason))") }
        let start = bytes.count - reader.remaining
        guard length >= 1, length < UInt64(reader.remaining) else { throw fail("is truncated (the envelope length leaves no proof)") }
        let end = start + Int(length)
        envelope = Array(bytes[start..<end])
        var rest = ByteReader(Array(bytes[end...]))
        let disclosureLength: UInt64
        do { disclosureLength = try rest.uvarint() } catch { throw fail("has a malformed disclosures length (\(error.reason))") }
        guard disclosureLength < UInt64(rest.remaining) else { throw fail("is truncated (the disclosures length leaves no proof)") }
        let disclosureStart = bytes.count - rest.remaining
        let disclosureEnd = disclosureStart + Int(disclosureLength)
        disclosures = Array(bytes[disclosureStart..<disclosureEnd])
        proof = Array(bytes[disclosureEnd...])
    }

    /// The bytes a verifier ignores around a QR text (scanners and copy-paste
    /// add them): SP, HT, LF, CR — at the ends only, and nothing else.
    static func isIgnorable(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Parses QR text as the spec says, on UTF-8 bytes: trim SP/HT/LF/CR at
    /// the ends, take what follows the first `#`, require the exact bytes
    /// `AK2.`, then digits only.
    public init(text: String) throws(CertificateError) {
        try self.init(utf8: Array(text.utf8))
    }

    /// The same from raw bytes (a file, standard input, a QR decoder), which
    /// must be well-formed UTF-8.
    public init(utf8 raw: [UInt8]) throws(CertificateError) {
        // ASCII is UTF-8; anything else is checked by the standard library.
        guard raw.allSatisfy({ $0 < 0x80 }) || String(validating: raw, as: UTF8.self) != nil else {
            throw CertificateError(.malformedPayload, "the QR text is not valid UTF-8")
        }
        var start = raw.startIndex, end = raw.endIndex
        while start < end, Self.isIgnorable(raw[start]) { start += 1 }
        while end > start, Self.isIgnorable(raw[end - 1]) { end -= 1 }
        var text = raw[start..<end]
        if let hash = text.firstIndex(of: 0x23) { text = text[(hash + 1)...] }
        let prefix = Array(Self.prefix.utf8)
        guard text.count >= prefix.count, Array(text.prefix(prefix.count)) == prefix else {
            throw CertificateError(.malformedPayload, "this is not an Akashi certificate QR (no \(Self.prefix) payload)")
        }
        let digits = text.dropFirst(prefix.count)
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw CertificateError(.malformedPayload, "the QR payload has a character that is not a digit")
        }
        let bytes: [UInt8]
        do { bytes = try NumericCodec.decode(digits: digits) } catch {
            throw CertificateError(.malformedPayload, "the QR payload digits are damaged: \(error.reason)")
        }
        try self.init(bytes: bytes)
    }
}
