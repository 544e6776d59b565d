import Certificates
import COSE
import Foundation
import GRDB
import LogStore
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
}

/// Reads the issuer's private record of certificates: lookup by serial,
/// search (by name, address, any text field), and reprints. Never consulted
/// by verifiers, and nothing here is published.
public struct CertificateArchive: Sendable {
    public let log: LogStore
    public let registry: KindRegistry
    public let verifierURL: String?

    public init(log: LogStore, registry: KindRegistry, verifierURL: String?) throws {
        self.log = log
        self.registry = registry
        self.verifierURL = verifierURL
        try CertificateRecords.migrate(log.writer)
    }

    /// The certificate with this serial (`XXXX-XXXX-XXXX-XXXX`, any case, dashes optional).
    public func certificate(serial text: String) throws -> StoredCertificate? {
        guard let serial = Serial.parse(text) else { return nil }
        return try log.writer.read { db in
            try Row.fetchOne(db, sql: "\(Self.select) WHERE serial = ?", arguments: [Data(serial)]).map(Self.stored)
        }
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
    public func search(_ query: Query) throws -> [StoredCertificate] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let text = query.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            let needle = CertificateRecords.normalizeForSearch(text)
            let escaped = needle.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            conditions.append("search_text LIKE ? ESCAPE '\\'")
            arguments.append("%\(escaped)%")
        }
        if let serialText = query.serial?.trimmingCharacters(in: .whitespaces), !serialText.isEmpty {
            // An unparseable serial matches nothing rather than everything.
            conditions.append("serial = ?")
            arguments.append(Serial.parse(serialText).map { Data($0) } ?? Data())
        }
        if let kind = query.kind, !kind.isEmpty {
            conditions.append("kind = ?")
            arguments.append(kind)
        }
        if let from = query.issuedFrom {
            conditions.append("issued_at >= ?")
            arguments.append(Int64(from.timeIntervalSince1970))
        }
        if let until = query.issuedUntil {
            conditions.append("issued_at < ?")
            arguments.append(Int64(until.timeIntervalSince1970))
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "\(Self.select)\(whereClause) ORDER BY issued_at DESC, log_index DESC LIMIT ?"
        arguments.append(max(1, min(query.limit, 1000)))
        return try log.writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.stored)
        }
    }

    /// How many certificates were issued in [from, until), per kind.
    public func counts(from: Date, until: Date) throws -> [String: Int] {
        try log.writer.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kind, COUNT(*) AS n FROM certificate WHERE issued_at >= ? AND issued_at < ? GROUP BY kind",
                arguments: [Int64(from.timeIntervalSince1970), Int64(until.timeIntervalSince1970)])
            {
                out[row["kind"]] = row["n"]
            }
            return out
        }
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

    private static let select = "SELECT serial, kind, issued_at, expires_at, log_index, issued_by, envelope, disclosures FROM certificate"

    private static func stored(_ row: Row) -> StoredCertificate {
        let serial: Data = row["serial"]
        let expires: Int64? = row["expires_at"]
        let index: Int64 = row["log_index"]
        let envelope: Data = row["envelope"]
        let disclosures: Data = row["disclosures"]
        return StoredCertificate(
            serial: Serial.text(Array(serial)), kind: row["kind"],
            issuedAt: Date(timeIntervalSince1970: TimeInterval(row["issued_at"] as Int64)),
            expiresAt: expires.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            logIndex: UInt64(index), issuedBy: row["issued_by"], envelope: Array(envelope), disclosures: Array(disclosures))
    }
}
