import AkashiCrypto
import COSE
import Certificates
import Foundation
import LogStore
import Store
import TransparencyLog

/// Revocation and supersession: each is a new log entry naming the
/// certificate (the original entry never changes) plus a private status row
/// committed with it, and the signed status list verifiers carry.
public struct CertificateLifecycle: Sendable {
    public let issuer: Issuer
    public let archive: CertificateArchive

    public init(issuer: Issuer, archive: CertificateArchive) {
        self.issuer = issuer
        self.archive = archive
    }

    private var store: any AuthorityStore { issuer.log.store }

    /// The current state of a certificate (nil: valid, as far as the issuer knows).
    public func state(serial: String) async throws -> CertificateState? {
        guard let bytes = Serial.parse(serial) else { return nil }
        return try await store.certificateStatus(serial: bytes).map(CertificateState.init)
    }

    /// Revokes a valid certificate: logs a revocation entry, records its
    /// state, and `audit` (its target the serial, ` log=<index>` after its
    /// detail) in the same transaction.
    @discardableResult
    public func revoke(
        serial: String, reason: LogEntry.RevocationReason, at date: Date = Date(), audit: AuditNote? = nil
    ) async throws -> (StoredCertificate, LogStore.Receipt) {
        let stored = try await validCertificate(serial)
        let at = Int64(date.timeIntervalSince1970)
        let entry = LogEntry.revocation(sha256: SHA256.hash(stored.envelope), target: stored.logIndex, reason: reason, at: at)
        let serialBytes = Serial.parse(stored.serial)!
        // The store re-checks inside the transaction: two clerks revoking at once get one revocation.
        let receipt = try await refusingTwice(stored.serial) {
            try await issuer.log.append(
                entry, effect: .revoke(serial: serialBytes, reason: reason.rawValue, at: at, audit: audit?.targeting(stored.serial)))
        }
        return (stored, receipt)
    }

    /// Issues a new certificate of the same kind (from `input`, or the old
    /// one's fields) and marks the old one superseded by it.
    ///
    /// Two log entries, two transactions: if the process dies between them,
    /// the new certificate exists and the old one is still valid; reissuing
    /// again then supersedes the old one by another new certificate — never
    /// a silently valid pair without a trace in the log. `audit` is the
    /// supersession's row (target: the old serial).
    public func reissue(
        serial: String, input: [String: InputValue]? = nil, include: Set<String> = [], at date: Date = Date(),
        issuedBy: String? = nil, audit: AuditNote? = nil
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
        _ = try await refusingTwice(stored.serial) {
            try await issuer.log.append(
                entry, effect: .supersede(serial: serialBytes, successorIndex: new.receipt.index, at: at, audit: audit?.targeting(stored.serial)))
        }
        return (stored, new)
    }

    /// The store's refusal of a second status change, in the clerk's words.
    private func refusingTwice<T>(_ serial: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError where error.code == .conflict {
            throw CertificateError(.invalidInput, "証明書 \(serial) はすでに失効または置き換え済みです / \(serial) is already revoked or superseded")
        }
    }

    private func validCertificate(_ serial: String) async throws -> StoredCertificate {
        guard let stored = try await archive.certificate(serial: serial) else {
            throw CertificateError(.invalidInput, "証明書番号 \(serial) の証明書はありません / no certificate has serial \(serial)")
        }
        if let state = try await state(serial: stored.serial) {
            let what = if case .revoked = state { "失効済み / already revoked" } else { "置き換え済み / already superseded" }
            throw CertificateError(.invalidInput, "証明書 \(stored.serial) は\(what)")
        }
        return stored
    }

    /// The status list as of now: every revoked or superseded certificate and
    /// the checkpoint they are all logged under, read in one transaction.
    public func statusList(at date: Date = Date()) async throws -> StatusList {
        let code = issuer.directory.configuration.code
        let snapshot = try await store.statusSnapshot()
        return StatusList(
            issuer: code, issuedAt: Int64(date.timeIntervalSince1970), checkpoint: snapshot.latestNote,
            entries: snapshot.entries.mapValues(CertificateState.init))
    }

    /// The status list signed with the authority's issuer key (the file verifiers carry).
    public func signedStatusList(at date: Date = Date()) async throws -> [UInt8] {
        try await statusList(at: date).signed(with: issuer.directory.issuerKey().key)
    }
}

extension CertificateState {
    /// The stored status as the status list says it.
    init(_ status: CertificateStatus) {
        switch status {
        case .revoked(let reason, let at):
            self = .revoked(reason: LogEntry.RevocationReason(rawValue: reason) ?? .other, at: at)
        case .superseded(let successor, let successorIndex, let at):
            self = .superseded(successor: successor.map(Serial.text) ?? "", successorIndex: successorIndex, at: at)
        }
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
