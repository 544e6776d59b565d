import AkashiCrypto
import Certificates
import COSE
import Foundation
import GRDB
import LogStore
import TransparencyLog

/// Revocation and supersession: each is a new log entry naming the
/// certificate (the original entry never changes) plus a private status row
/// written in the same transaction, and the signed status list verifiers carry.
public struct CertificateLifecycle: Sendable {
    public let issuer: Issuer
    public let archive: CertificateArchive

    public init(issuer: Issuer, archive: CertificateArchive) throws {
        self.issuer = issuer
        self.archive = archive
        try CertificateRecords.migrate(issuer.log.writer)
    }

    public typealias InTransaction = @Sendable (Database, _ lifecycleIndex: UInt64) throws -> Void

    /// The current state of a certificate (nil: valid, as far as the issuer knows).
    public func state(serial: String) throws -> CertificateState? {
        guard let bytes = Serial.parse(serial) else { return nil }
        return try issuer.log.writer.read { db in try Self.state(db, serial: bytes) }
    }

    static func state(_ db: Database, serial: [UInt8]) throws -> CertificateState? {
        guard let row = try Row.fetchOne(
            db, sql: """
                SELECT s.state, s.reason, s.at, s.successor_index, c.serial AS successor
                FROM certificate_status s LEFT JOIN certificate c ON c.log_index = s.successor_index
                WHERE s.serial = ?
                """, arguments: [Data(serial)])
        else { return nil }
        return stateFrom(row)
    }

    static func stateFrom(_ row: Row) -> CertificateState? {
        let at: Int64 = row["at"]
        switch row["state"] as String {
        case "revoked":
            return .revoked(reason: LogEntry.RevocationReason(rawValue: row["reason"]) ?? .other, at: at)
        case "superseded":
            let successor: Data? = row["successor"]
            let index: Int64 = row["successor_index"]
            return .superseded(successor: successor.map { Serial.text(Array($0)) } ?? "", successorIndex: UInt64(index), at: at)
        default:
            return nil
        }
    }

    /// Revokes a valid certificate: logs a revocation entry, records its state.
    @discardableResult
    public func revoke(serial: String, reason: LogEntry.RevocationReason, at date: Date = Date(), alsoInTransaction: InTransaction? = nil) async throws -> (StoredCertificate, LogStore.Receipt) {
        let stored = try await validCertificate(serial)
        let at = Int64(date.timeIntervalSince1970)
        let entry = LogEntry.revocation(sha256: SHA256.hash(stored.envelope), target: stored.logIndex, reason: reason, at: at)
        let serialBytes = Serial.parse(stored.serial)!
        let receipt = try await issuer.log.append(entry) { db, index in
            // Re-checked inside the transaction: two clerks revoking at once get one revocation.
            guard try Self.state(db, serial: serialBytes) == nil else {
                throw CertificateError(.invalidInput, "証明書 \(stored.serial) はすでに失効または置き換え済みです / \(stored.serial) is already revoked or superseded")
            }
            try db.execute(
                sql: "INSERT INTO certificate_status (serial, state, reason, at, successor_index, lifecycle_index) VALUES (?, 'revoked', ?, ?, NULL, ?)",
                arguments: [Data(serialBytes), reason.rawValue, at, Int64(index)])
            try alsoInTransaction?(db, index)
        }
        return (stored, receipt)
    }

    /// Issues a new certificate of the same kind (from `input`, or the old
    /// one's fields) and marks the old one superseded by it.
    ///
    /// Two log entries, two transactions: if the process dies between them,
    /// the new certificate exists and the old one is still valid; reissuing
    /// again then supersedes the old one by another new certificate — never
    /// a silently valid pair without a trace in the log.
    public func reissue(
        serial: String, input: [String: InputValue]? = nil, include: Set<String> = [], at date: Date = Date(),
        issuedBy: String? = nil, alsoInTransaction: InTransaction? = nil
    ) async throws -> (old: StoredCertificate, new: IssuedCertificate) {
        let stored = try await validCertificate(serial)
        let old = try await archive.reissued(stored)
        let values = input ?? old.claims.allFields.mapValues(\.inputValue)
        let included = input == nil ? Set(old.kind.fields.filter { $0.isOmittedByDefault && old.claims.allFields[$0.id] != nil }.map(\.id)) : include
        // The same persons: the successor is bound to the same subject keys.
        let new = try await issuer.issue(
            kind: old.kind.id, input: values, include: included, subjectKeys: old.claims.subjectKeys, at: date, issuedBy: issuedBy)
        let at = Int64(date.timeIntervalSince1970)
        let entry = LogEntry.supersession(sha256: SHA256.hash(stored.envelope), target: stored.logIndex, successor: new.receipt.index, at: at)
        let serialBytes = Serial.parse(stored.serial)!
        _ = try await issuer.log.append(entry) { db, index in
            guard try Self.state(db, serial: serialBytes) == nil else {
                throw CertificateError(.invalidInput, "証明書 \(stored.serial) はすでに失効または置き換え済みです / \(stored.serial) is already revoked or superseded")
            }
            try db.execute(
                sql: "INSERT INTO certificate_status (serial, state, reason, at, successor_index, lifecycle_index) VALUES (?, 'superseded', NULL, ?, ?, ?)",
                arguments: [Data(serialBytes), at, Int64(new.receipt.index), Int64(index)])
            try alsoInTransaction?(db, index)
        }
        return (stored, new)
    }

    private func validCertificate(_ serial: String) async throws -> StoredCertificate {
        guard let stored = try archive.certificate(serial: serial) else {
            throw CertificateError(.invalidInput, "証明書番号 \(serial) の証明書はありません / no certificate has serial \(serial)")
        }
        if let state = try state(serial: stored.serial) {
            let what = if case .revoked = state { "失効済み / already revoked" } else { "置き換え済み / already superseded" }
            throw CertificateError(.invalidInput, "証明書 \(stored.serial) は\(what)")
        }
        return stored
    }

    /// The status list as of now: every revoked or superseded certificate and
    /// the checkpoint they are all logged under, read in one transaction.
    public func statusList(at date: Date = Date()) throws -> StatusList {
        let code = issuer.directory.configuration.code
        return try issuer.log.writer.read { db in
            guard let note = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1") else {
                throw CertificateError(.invalidInput, "the log has no checkpoint")
            }
            var entries: [UInt64: CertificateState] = [:]
            let rows = try Row.fetchCursor(
                db, sql: """
                    SELECT c.log_index, s.state, s.reason, s.at, s.successor_index, n.serial AS successor
                    FROM certificate_status s JOIN certificate c ON c.serial = s.serial
                    LEFT JOIN certificate n ON n.log_index = s.successor_index
                    """)
            while let row = try rows.next() {
                let index: Int64 = row["log_index"]
                if let state = Self.stateFrom(row) { entries[UInt64(index)] = state }
            }
            return StatusList(issuer: code, issuedAt: Int64(date.timeIntervalSince1970), checkpoint: note, entries: entries)
        }
    }

    /// The status list signed with the authority's issuer key (the file verifiers carry).
    public func signedStatusList(at date: Date = Date()) throws -> [UInt8] {
        try statusList(at: date).signed(with: issuer.directory.issuerKey().key)
    }
}

extension FieldValue {
    /// The value as issuer input again (for reissuing with the same fields).
    public var inputValue: InputValue {
        switch self {
        case .text(let s), .date(let s), .decimal(let s), .enumValue(let s): .string(s)
        case .integer(let n): .number(String(n))
        case .textList(let items): .list(items.map { .string($0) })
        }
    }
}
