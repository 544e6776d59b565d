import AkashiCrypto
import Authority
import CBOR
import COSE
import Certificates
import Foundation
import LogStore
import Store
import TransparencyLog

/// A certificate as issued: what it says, the signed envelope, where it is in
/// the log, and the exact QR text printed on it.
public struct IssuedCertificate: Sendable {
    public let claims: CertificateClaims
    public let kind: CertificateKind
    public let envelope: COSESign1
    public let receipt: LogStore.Receipt
    public let qrText: String
    /// Secrets made at issuance for subjects who brought no key
    /// (docs/spec/subject-transparency.md §6): printed for the resident, never stored.
    public var subjectSecrets: [SubjectSecret] = []
}

/// Issues certificates for one authority: validate against the kind, sign
/// (ES256), anchor in the log, and record privately — the private record and
/// the log entry commit in one transaction, so a crash never leaves an
/// acknowledged certificate unrecorded.
public struct Issuer: Sendable {
    public let directory: AuthorityDirectory
    public let registry: KindRegistry
    public let log: LogStore
    private let key: P256.PrivateKey
    private let kid: [UInt8]
    /// What the authority can print; checked before signing.
    public let printBudget: PrintBudget

    public init(directory: AuthorityDirectory, registry: KindRegistry, log: LogStore) throws {
        self.directory = directory
        self.registry = registry
        self.log = log
        let (key, _) = try directory.issuerKey()
        self.key = key
        self.kid = IssuerKey.keyID(key.publicKey)
        let configuration = directory.configuration
        self.printBudget = try PrintBudget(
            verifierURL: configuration.verifierURL, maxVersion: configuration.maxQRVersion ?? AuthorityConfiguration.defaultMaxQRVersion,
            maxCosignatures: configuration.maxCosignatures)
    }

    /// Validates, signs, logs and records one certificate.
    ///
    /// `issuedBy` names who issued it in the private record. `audit` (who,
    /// from where, and a detail) becomes the audit row of the issuance, its
    /// target the new serial and ` log=<index>` after its detail; it commits
    /// in the log's transaction with the entry and the private record, so
    /// all three exist or none does. `idempotency` records the request's key
    /// with the certificate in the same transaction (a second use of the key
    /// fails with ``StoreError/Code/duplicate`` and leaves nothing behind).
    public func issue(
        kind kindID: String, input: [String: InputValue], include: Set<String> = [], omit: Set<String> = [], subjectKeys: [[UInt8]] = [],
        at date: Date = Date(), issuedBy: String? = nil, audit: AuditNote? = nil,
        idempotency: IdempotentIssue? = nil
    ) async throws -> IssuedCertificate {
        guard let kind = registry.kind(kindID) else {
            throw CertificateError(
                .unknownKind, "「\(kindID)」という証明書の種類はありません / unknown kind '\(kindID)'; kinds: \(registry.kinds.map(\.id).joined(separator: ", "))")
        }
        let fields = try kind.validate(input, include: include, omit: omit)
        let issuedAt = Int64(date.timeIntervalSince1970)
        // Each person it is about gets a key: theirs, or a fresh secret printed for them.
        guard subjectKeys.isEmpty || subjectKeys.count == kind.subjectCount else {
            throw CertificateError(
                .invalidInput,
                "\(kind.label.ja)には本人の鍵が\(kind.subjectCount)個必要です（\(subjectKeys.count)個指定） / \(kind.label.en) takes \(kind.subjectCount) subject key(s), \(subjectKeys.count) given"
            )
        }
        let secrets = subjectKeys.isEmpty ? (0..<kind.subjectCount).map { _ in SubjectSecret() } : []
        var (claims, disclosures) = CertificateClaims.issuing(
            kind: kind, fields: fields, issuer: directory.configuration.code, issuedAt: issuedAt)
        claims.subjectKeys = subjectKeys.isEmpty ? secrets.map(\.publicKey) : subjectKeys
        let subjectLines: [[UInt8]]
        do { subjectLines = try SubjectLines.lines(cti: claims.cti, serial: claims.serial, keys: claims.subjectKeys) } catch {
            throw CertificateError(.invalidInput, "本人の鍵が不正です / a subject key is invalid: \(error.reason)")
        }
        let payload = claims.encoded()
        // Refuse before signing what could never be printed.
        try printBudget.check(
            envelopeByteCount: COSESign1.signedByteCount(payload: payload, kid: kid), disclosuresByteCount: disclosures.count,
            treeSize: await log.size, fields: fields, kind: kind)
        let envelope = try COSESign1.sign(payload: payload, kid: kid, privateKey: key)
        let entry = LogEntry.certificate(sha256: SHA256.hash(envelope.encoded), kind: kind.id, issuedAt: issuedAt, subjects: subjectLines)
        let serialText = claims.serialText
        let record = NewCertificate(
            serial: claims.serial, kind: kind.id, issuedAt: issuedAt, expiresAt: claims.expiresAt, envelope: envelope.encoded,
            disclosures: disclosures, issuedBy: issuedBy, searchText: CertificateRecords.searchText(fields),
            idempotency: idempotency.map { IdempotentResponse(key: $0.key, response: IdempotentIssue.recorded(serial: claims.serial, $0)) })
        let verifierURL = directory.configuration.verifierURL
        let receipt: LogStore.Receipt
        do {
            receipt = try await log.append(entry, effect: .issue(record, audit: audit?.targeting(serialText)))
        } catch let error as LogStoreError where error.code == .witnessPolicy {
            throw WitnessPendingError(serial: serialText, reason: error.reason)
        }
        let proof = try CompactProof.encode(receipt.tlogProof)
        let qrText = CertificateQR(envelope: envelope.encoded, disclosures: disclosures, proof: proof).text(verifierURL: verifierURL)
        var issued = IssuedCertificate(claims: claims, kind: kind, envelope: envelope, receipt: receipt, qrText: qrText)
        issued.subjectSecrets = secrets
        return issued
    }

    /// Signs and logs a payload of any bytes (claims that are not even
    /// decodable), logged as a certificate entry of `kind` at `issuedAt`, and
    /// returns its QR text. Only for conformance vectors that must reach the
    /// verifier's claims step with a valid signature.
    @_spi(ConformanceVectors)
    public func signAndLogUnchecked(payload: [UInt8], disclosures: [UInt8] = [], kind: String, issuedAt: Int64) async throws -> String {
        try await signAndLog(payload: payload, disclosures: disclosures, kind: kind, issuedAt: issuedAt).qrText
    }

    /// Signs and logs claims with subject keys but logs the entry *without*
    /// its subject lines — a certificate its subject cannot find. Only for
    /// the conformance vector that verifiers must refuse.
    @_spi(ConformanceVectors)
    public func issueUnboundUnchecked(_ claims: CertificateClaims, disclosures: [UInt8]) async throws -> String {
        try await signAndLog(payload: claims.encoded(), disclosures: disclosures, kind: claims.kind, issuedAt: claims.issuedAt, bindSubjects: false).qrText
    }

    /// Signs `payload`, logs its certificate entry and makes the QR text — nothing checked.
    private func signAndLog(
        payload: [UInt8], disclosures: [UInt8], kind: String, issuedAt: Int64, bindSubjects: Bool = true
    ) async throws -> (envelope: COSESign1, receipt: LogStore.Receipt, qrText: String) {
        let envelope = try COSESign1.sign(payload: payload, kid: kid, privateKey: key)
        // Subject lines as the verifier will rebuild them, when the payload has subject keys.
        let lines =
            bindSubjects
            ? (try? CertificateClaims(decoding: payload)).flatMap { try? SubjectLines.lines(cti: $0.cti, serial: $0.serial, keys: $0.subjectKeys) } ?? [] : []
        // (Not LogEntry.certificate(envelope:claims:): the payload may be undecodable or name another kind on purpose.)
        let entry = LogEntry.certificate(sha256: SHA256.hash(envelope.encoded), kind: kind, issuedAt: issuedAt, subjects: lines)
        let receipt = try await log.append(entry)
        let proof = try CompactProof.encode(receipt.tlogProof)
        let qr = CertificateQR(envelope: envelope.encoded, disclosures: disclosures, proof: proof)
        return (envelope, receipt, qr.text(verifierURL: directory.configuration.verifierURL))
    }
}

/// The certificate is recorded (its private row and its log entry committed)
/// but its checkpoint could not be cosigned by enough witnesses, so nothing
/// was published and no QR code was given out. It becomes printable (search
/// → reprint) once a later checkpoint is cosigned; issuing again would make a
/// second certificate.
public struct WitnessPendingError: Error, Hashable, Sendable, CustomStringConvertible {
    public let serial: String
    public let reason: String

    public init(serial: String, reason: String) {
        self.serial = serial
        self.reason = reason
    }

    public var ja: String {
        "立会人（近隣自治体）の署名が方針に必要な数に届かないため、証明書 \(serial) を公開できませんでした。QRコードは発行されていません。台帳には記録済みのため、もう一度発行せず、立会人の復旧後に検索から印刷してください。"
    }

    public var en: String {
        "Not enough witnesses (neighbouring municipalities) cosigned, so certificate \(serial) was not published and has no QR code yet. It is recorded: do not issue it again; print it from search once the witnesses are back."
    }

    public var description: String { "\(ja) / \(en) (\(reason))" }
}

extension Issuer {
    /// Signs and logs claims exactly as given — no validation against the
    /// kind. Only for making conformance vectors (certificates that are
    /// correctly signed but wrong in content); never reachable from the CLI's
    /// issue path or the service.
    @_spi(ConformanceVectors)
    public func issueUnchecked(_ claims: CertificateClaims, disclosures: [UInt8] = [], kind: CertificateKind) async throws -> IssuedCertificate {
        let (envelope, receipt, qrText) = try await signAndLog(
            payload: claims.encoded(), disclosures: disclosures, kind: claims.kind, issuedAt: claims.issuedAt)
        return IssuedCertificate(claims: claims, kind: kind, envelope: envelope, receipt: receipt, qrText: qrText)
    }
}

/// What a clerk may search by in the private record (never published).
enum CertificateRecords {
    /// The text fields, NFKC-folded and lower-cased so 全角/半角 and case do
    /// not matter (names, addresses, numbers). Private.
    static func searchText(_ fields: [String: FieldValue]) -> String {
        var parts: [String] = []
        for key in fields.keys.sorted() {
            switch fields[key]! {
            case .text(let s), .date(let s), .decimal(let s), .enumValue(let s): parts.append(s)
            case .integer(let n): parts.append(String(n))
            case .textList(let items): parts.append(contentsOf: items)
            }
        }
        return normalizeForSearch(parts.joined(separator: "\n"))
    }

    static func normalizeForSearch(_ s: String) -> String {
        s.precomposedStringWithCompatibilityMapping.lowercased()
    }
}

/// An issuance request's idempotency key (the API's `Idempotency-Key`) and
/// the digest of the request it came with: recorded with the certificate, so
/// a retried request finds the certificate its first attempt made instead of
/// making a second one, and a reused key with another request is told apart.
public struct IdempotentIssue: Sendable, Hashable {
    /// Unique per authority; the caller scopes it (the API by its token).
    public let key: String
    /// SHA-256 of the request as the client sent it.
    public let requestDigest: [UInt8]

    public init(key: String, requestDigest: [UInt8]) {
        self.key = key
        self.requestDigest = requestDigest
    }

    /// What the store keeps for the key: the serial (10 bytes), then the request digest (32).
    static func recorded(serial: [UInt8], _ issue: IdempotentIssue) -> [UInt8] { serial + issue.requestDigest }

    /// The serial and request digest of a recorded key; nil for bytes not of that form.
    public static func parse(recorded bytes: [UInt8]) -> (serial: [UInt8], requestDigest: [UInt8])? {
        guard bytes.count == CertificateClaims.serialByteCount + SHA256.byteCount else { return nil }
        return (Array(bytes.prefix(CertificateClaims.serialByteCount)), Array(bytes.suffix(SHA256.byteCount)))
    }
}

extension AuditNote {
    /// The same note about `target` (an issuance's audit row names the serial
    /// that exists only once the claims are made).
    public func targeting(_ target: String) -> AuditNote {
        AuditNote(actor: actor, role: role, action: action, target: target, detail: detail, address: address, atMillis: atMillis)
    }
}

extension TrustFile {
    /// The trust file for one authority: its keys, the kinds it issues, its log.
    public static func export(directory: AuthorityDirectory, registry: KindRegistry, at date: Date = Date()) throws -> TrustFile {
        let config = directory.configuration
        let keys = try directory.issuerPublicKeys().map { key, record in
            var key = IssuerKey(
                publicKey: key, notBefore: record.notBefore, notAfter: record.notAfter, status: KeyStatus(rawValue: record.status) ?? .compromised)
            key.compromisedAt = record.compromisedAt
            key.compromisedFromLogIndex = record.compromisedFromLogIndex
            return key
        }
        let authority = TrustedAuthority(
            issuer: config.code, name: config.name, verifierURL: config.verifierURL, keys: keys, kinds: registry.kinds,
            log: LogTrust(
                origin: config.origin, vkey: try directory.logVerifierKey().description,
                policy: try directory.witnessPolicy()?.text))
        return TrustFile(generatedAt: date, authorities: [authority])
    }
}
