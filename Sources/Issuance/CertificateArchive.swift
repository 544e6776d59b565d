import COSE
import Certificates
import Foundation
import LogStore
import Store
import TransparencyLog

/// One certificate from the issuer's private record.
public struct StoredCertificate: Sendable {
    public let serial: String
    public let kind: String
    public let issuedAt: Date
    public let expiresAt: Date?
    public let logIndex: UInt64
    public let issuedBy: String?
    /// The exact COSE_Sign1 bytes that were signed and logged.
    public let envelope: [UInt8]
    /// The full disclosures (empty for a kind without withholdable fields).
    public let disclosures: [UInt8]

    init(_ record: CertificateRecord) {
        serial = Serial.text(record.serial)
        kind = record.kind
        issuedAt = Date(timeIntervalSince1970: TimeInterval(record.issuedAt))
        expiresAt = record.expiresAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        logIndex = record.logIndex
        issuedBy = record.issuedBy
        envelope = record.envelope
        disclosures = record.disclosures
    }
}

/// Reads the issuer's private record of certificates: lookup by serial,
/// search (by name, address, any text field), and reprints. Never consulted
/// by verifiers, and nothing here is published.
public struct CertificateArchive: Sendable {
    public let log: LogStore
    public let registry: KindRegistry
    public let verifierURL: String?

    public init(log: LogStore, registry: KindRegistry, verifierURL: String?) {
        self.log = log
        self.registry = registry
        self.verifierURL = verifierURL
    }

    private var store: any AuthorityStore { log.store }

    /// The certificate with this serial (`XXXX-XXXX-XXXX-XXXX`, any case, dashes optional).
    public func certificate(serial text: String) async throws -> StoredCertificate? {
        guard let serial = Serial.parse(text) else { return nil }
        return try await store.certificate(serial: serial).map(StoredCertificate.init)
    }

    public struct Query: Sendable {
        /// Matched against the certificate's text fields, NFKC-folded (全角/半角 and case ignored).
        public var text: String?
        public var serial: String?
        public var kind: String?
        public var issuedFrom: Date?
        public var issuedUntil: Date?
        public var limit: Int
        public init(text: String? = nil, serial: String? = nil, kind: String? = nil, issuedFrom: Date? = nil, issuedUntil: Date? = nil, limit: Int = 100) {
            self.text = text
            self.serial = serial
            self.kind = kind
            self.issuedFrom = issuedFrom
            self.issuedUntil = issuedUntil
            self.limit = limit
        }
    }

    /// Certificates matching every given criterion, newest first.
    public func search(_ query: Query) async throws -> [StoredCertificate] {
        var criteria = CertificateQuery(limit: max(1, min(query.limit, 1000)))
        if let text = query.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            criteria.text = CertificateRecords.normalizeForSearch(text)
        }
        if let serialText = query.serial?.trimmingCharacters(in: .whitespaces), !serialText.isEmpty {
            // An unparseable serial matches nothing rather than everything.
            criteria.serial = Serial.parse(serialText) ?? []
        }
        if let kind = query.kind, !kind.isEmpty { criteria.kind = kind }
        criteria.issuedFrom = query.issuedFrom.map { Int64($0.timeIntervalSince1970) }
        criteria.issuedUntil = query.issuedUntil.map { Int64($0.timeIntervalSince1970) }
        return try await store.certificates(matching: criteria).map(StoredCertificate.init)
    }

    /// How many certificates were issued in [from, until), per kind.
    public func counts(from: Date, until: Date) async throws -> [String: Int] {
        try await store.certificateCounts(from: Int64(from.timeIntervalSince1970), until: Int64(until.timeIntervalSince1970))
    }

    /// The certificate as it was issued — same envelope, same proof, same
    /// checkpoint, so the same QR text — for a reprint. Fails if the kind's
    /// definition is no longer loaded.
    public func reissued(_ stored: StoredCertificate) async throws -> IssuedCertificate {
        let envelope = try COSESign1(decodingAkashiEnvelope: stored.envelope)
        var claims = try CertificateClaims(decoding: envelope.payload)
        if !stored.disclosures.isEmpty {
            for unit in try Disclosures(decoding: stored.disclosures).entries.compactMap(\.unit) {
                for (id, value) in unit.fields { claims.withholdable[id] = value }
            }
        }
        guard let kind = registry.kind(claims.kind) else {
            throw CertificateError(.unknownKind, "証明書の種類「\(claims.kind)」の定義が読み込まれていません / the definition of kind '\(claims.kind)' is not loaded")
        }
        let receipt = try await log.originalReceipt(index: stored.logIndex)
        let proof = try CompactProof.encode(receipt.tlogProof)
        let qrText = CertificateQR(envelope: stored.envelope, disclosures: stored.disclosures, proof: proof).text(verifierURL: verifierURL)
        return IssuedCertificate(claims: claims, kind: kind, envelope: envelope, receipt: receipt, qrText: qrText)
    }
}
