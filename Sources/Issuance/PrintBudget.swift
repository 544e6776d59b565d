import Certificates
import QRCode
import QRPayload
import TransparencyLog

/// How large a certificate may be and still print as the authority's largest
/// QR code — checked before anything is signed or logged, so no certificate is
/// ever recorded that could not be printed.
///
/// The bound is exact for the QR as issued: the envelope's length is known
/// before signing (an ES256 signature is always 64 bytes), the inclusion proof
/// of a tree of `n` entries has at most ⌈log₂ n⌉ hashes, and the checkpoint
/// carries the log's signature and at most `maxCosignatures` cosignatures.
/// The largest payload that fits is found once per authority by asking the
/// real QR encoder (libqrencode), not from a capacity table of our own.
public struct PrintBudget: Sendable {
    public let maxVersion: Int
    public let maxCosignatures: Int
    /// The most `CertificateQR.bytes` that fit in `maxVersion` at level M with this verifier URL.
    public let maxPayloadBytes: Int
    /// Entries appended together with this one at most (group commit), so the
    /// tree the proof is made against may be this much larger than now.
    static let batchMargin: UInt64 = 1024

    public init(verifierURL: String?, maxVersion: Int, maxCosignatures: Int) throws(CertificateError) {
        guard (1...QRCode.maximumVersion).contains(maxVersion) else {
            throw CertificateError(.invalidKind, "maxQRVersion must be 1 to 40, not \(maxVersion) (config.json)")
        }
        self.maxVersion = maxVersion
        self.maxCosignatures = maxCosignatures
        let head = verifierURL.map { $0.isEmpty ? "" : $0 + "#" } ?? ""
        // The digits of n bytes depend only on n (NumericCodec), so one text per length is exact.
        func fits(_ count: Int) -> Bool {
            let text = head + CertificateQR.prefix + NumericCodec.encode([UInt8](repeating: 0xFF, count: count))
            guard let code = try? QRCode.encode(text) else { return false }
            return code.version <= maxVersion
        }
        var low = 0, high = 8 * 1024  // fits(low), !fits(high)
        while high - low > 1 {
            let mid = (low + high) / 2
            if fits(mid) { low = mid } else { high = mid }
        }
        self.maxPayloadBytes = low
    }

    /// The payload length of the QR of an envelope of `envelopeByteCount`
    /// bytes proven in a tree of up to `treeSize` entries.
    public func worstCasePayloadBytes(envelopeByteCount: Int, disclosuresByteCount: Int = 0, treeSize: UInt64) throws -> Int {
        let size = treeSize.addingReportingOverflow(Self.batchMargin).partialValue | 1
        let hashes = 64 - (size - 1).leadingZeroBitCount  // ⌈log₂ size⌉, the deepest leaf's path
        func uvarintLength(_ v: UInt64) -> Int {
            var bytes: [UInt8] = []
            CompactProof.appendUvarint(v, to: &bytes)
            return bytes.count
        }
        // docs/spec/compact-proof.md: the largest index's uvarint, the size,
        // the hashes, the log's signature record and the cosignature records.
        let proof = uvarintLength(size - 1) + uvarintLength(size) + 32 * hashes + (4 + 1 + 64) + maxCosignatures * (4 + 1 + 72)
        return CertificateQR.byteCount(envelope: envelopeByteCount, disclosures: disclosuresByteCount, proof: proof)
    }

    /// Throws `tooLargeToPrint` naming the longest field and how much is over.
    public func check(envelopeByteCount: Int, disclosuresByteCount: Int = 0, treeSize: UInt64, fields: [String: FieldValue], kind: CertificateKind) throws {
        let needed = try worstCasePayloadBytes(envelopeByteCount: envelopeByteCount, disclosuresByteCount: disclosuresByteCount, treeSize: treeSize)
        guard needed > maxPayloadBytes else { return }
        let over = needed - maxPayloadBytes
        func weight(_ value: FieldValue) -> Int {
            switch value {
            case .text(let s), .date(let s), .decimal(let s), .enumValue(let s): s.utf8.count
            case .integer: 8
            case .textList(let items): items.reduce(0) { $0 + $1.utf8.count }
            }
        }
        let longest = fields.max { weight($0.value) < weight($1.value) || (weight($0.value) == weight($1.value) && $0.key > $1.key) }
        let field = longest.flatMap { kind.field($0.key) }
        let id = field?.id ?? "fields"
        let ja =
            "この証明書は印刷できる最大のQRコード（バージョン\(maxVersion)-M）に \(over) バイト収まりません。"
            + (field.map { "最も長い項目は「\($0.label.ja)」（UTF-8で\(weight(longest!.value))バイト）です。短くするか、省略できる項目を省略してください。" } ?? "")
        let en =
            "This certificate's QR code would be \(over) bytes over the largest version this authority prints (\(maxVersion)-M). "
            + (field.map { "The longest field is \($0.label.en) (\(weight(longest!.value)) bytes of UTF-8): shorten it or omit optional fields." } ?? "")
        throw CertificateError(.tooLargeToPrint, "\(ja) / \(en)", problems: [FieldProblem(field: id, code: "tooLargeToPrint", ja: ja, en: en)])
    }
}
