import AkashiCrypto
import COSE
import Foundation
import TransparencyLog

/// The one verification core: the `akashi-verify` CLI, the issuer service and
/// the web page's conformance vectors all get their verdicts from here.
///
/// Malformed *trust* is an error the caller must fix; everything about the
/// certificate — undecodable, forged, expired, not in the log — is a result
/// with named checks and stable reason codes, in a fixed order:
///
/// 1. `decode` 2. `issuerKnown` 3. `keyValid` 4. `signature` 5. `kindValid`
/// 6. `validityPeriod` 7. `logEntry` 8. `inclusion` 9. `checkpoint`
public struct CertificateVerifier: Sendable {
    public let trust: TrustFile

    /// A verified status snapshot to check revocation against, and how old it may be.
    public let status: VerifiedStatusList?
    public let maxStatusAge: TimeInterval

    public init(trust: TrustFile, status: VerifiedStatusList? = nil, maxStatusAge: TimeInterval = 7 * 86_400) {
        self.trust = trust
        self.status = status
        self.maxStatusAge = maxStatusAge
    }

    /// Verifies QR text (a URL with `#AK1.…`, or `AK1.…`) as of `date`.
    public func verify(text: String, at date: Date = Date()) -> VerificationReport {
        var report = VerificationReport()
        let qr: CertificateQR
        do { qr = try CertificateQR(text: text) } catch {
            report.fail(.decode, "undecodable", ja: "QRコードの内容を読み取れません（\(error.reason)）", en: "cannot decode the QR content: \(error.reason)")
            return report
        }
        return verify(qr, at: date, report: report)
    }

    public func verify(_ qr: CertificateQR, at date: Date = Date()) -> VerificationReport {
        verify(qr, at: date, report: VerificationReport())
    }

    private func verify(_ qr: CertificateQR, at date: Date, report initial: VerificationReport) -> VerificationReport {
        var report = initial
        report.envelope = qr.envelope
        // 1. decode
        let envelope: COSESign1
        let claims: CertificateClaims
        do {
            envelope = try COSESign1(decoding: qr.envelope)
            // Akashi signs the key id; an unsigned one could be swapped in transit.
            guard envelope.kidIsProtected else {
                throw CertificateError(.malformedEnvelope, "the key id is not in the signed (protected) header")
            }
            claims = try CertificateClaims(decoding: envelope.payload)
        } catch {
            report.fail(.decode, "undecodable", ja: "証明書の署名データを解釈できません（\(error)）", en: "the signed certificate cannot be parsed: \(error)")
            return report
        }
        report.claims = claims
        report.pass(.decode)

        // 2. issuer known
        guard let authority = trust.authority(issuer: claims.issuer) else {
            report.fail(.issuerKnown, "unknownIssuer",
                ja: "発行元（\(claims.issuer)）は信頼リストにありません", en: "the issuer \(claims.issuer) is not in the trust file")
            return report
        }
        report.authority = authority
        report.pass(.issuerKnown)

        // The log position the QR claims (proven or not in step 8); a
        // compromised key's certificates are judged by it.
        let claimedIndex: UInt64? = try? CompactProof.decode(
            qr.proof, logKey: authority.log.verifierKey(),
            knownKeys: authority.log.witnessKeys()).index

        // 3. key valid at issue time
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(claims.issuedAt))
        let key = authority.keys.first { $0.kidBytes == envelope.kid }
        var publicKey: P256.PublicKey? = nil
        if let key, let pk = try? key.publicKey() {
            let loggedBeforeCompromise = key.compromisedFromLogIndex.map { from in claimedIndex.map { $0 < from } ?? false } ?? false
            if key.status == "compromised" && !loggedBeforeCompromise {
                report.fail(.keyValid, "keyCompromised", ja: "署名鍵は漏えいにより無効です", en: "the signing key was declared compromised")
            } else if issuedAt < key.notBefore.addingTimeInterval(-300) || key.notAfter.map({ issuedAt > $0 }) == true {
                report.fail(.keyValid, "keyNotValidAtIssue",
                    ja: "発行日時に署名鍵が有効ではありません", en: "the signing key was not valid when the certificate was issued")
            } else {
                report.pass(.keyValid)
            }
            publicKey = pk
        } else {
            report.fail(.keyValid, "unknownKey", ja: "署名鍵が発行元の鍵ではありません（偽造の可能性）", en: "the certificate is signed with a key the issuer does not have (possible forgery)")
        }

        // 4. signature
        if let publicKey {
            if envelope.isValidSignature(publicKey: publicKey) {
                report.pass(.signature)
            } else {
                report.fail(.signature, "badSignature", ja: "電子署名が一致しません（改ざんまたは偽造）", en: "the signature does not match (altered or forged)")
            }
        } else {
            report.skip(.signature)
        }

        // 5. kind known, allowed and fields valid
        if let kind = authority.kinds.first(where: { $0.id == claims.kind }) {
            report.kind = kind
            let problems = kind.check(claims.fields)
            if kind.version != claims.kindVersion {
                report.fail(.kindValid, "kindVersion", ja: "証明書の様式の版（\(claims.kindVersion)）が信頼リスト（\(kind.version)）と異なります", en: "kind version \(claims.kindVersion) differs from the trusted definition (\(kind.version))")
            } else if !problems.isEmpty {
                report.fail(.kindValid, "invalidFields", ja: "記載事項が様式に合いません: " + problems.map(\.ja).joined(separator: "、"), en: "fields do not match the kind: " + problems.map(\.en).joined(separator: "; "))
            } else {
                report.pass(.kindValid)
            }
        } else {
            report.fail(.kindValid, "kindNotAllowed", ja: "発行元はこの種類の証明書（\(claims.kind)）を発行できません", en: "the issuer may not issue certificates of kind '\(claims.kind)'")
        }

        // 6. validity period
        if issuedAt > date.addingTimeInterval(300) {
            report.fail(.validityPeriod, "notYetValid", ja: "発行日時が検証日時より後です", en: "the certificate is issued after the verification time")
        } else if let exp = claims.expiresAt, Date(timeIntervalSince1970: TimeInterval(exp)) <= date {
            report.fail(.validityPeriod, "expired", ja: "有効期限が切れています", en: "the certificate has expired")
        } else {
            report.pass(.validityPeriod)
        }

        // 7. the log entry, rebuilt from the envelope alone
        let entry = LogEntry.certificate(sha256: SHA256.hash(qr.envelope), kind: claims.kind, issuedAt: claims.issuedAt)
        report.entry = entry.bytes
        report.pass(.logEntry)

        // 8–9. inclusion and checkpoint
        do {
            let logKey = try authority.log.verifierKey()
            let proof = try CompactProof.decode(qr.proof, logKey: logKey, knownKeys: authority.log.witnessKeys())
            report.proof = proof
            do {
                try Merkle.verifyInclusion(
                    leafHash: Merkle.leafHash(entry.bytes), index: proof.index, treeSize: proof.checkpoint.checkpoint.size,
                    proof: proof.inclusionProof, root: proof.checkpoint.checkpoint.rootHash)
                report.pass(.inclusion)
            } catch {
                report.fail(.inclusion, "inclusionFailed", ja: "台帳（透明性ログ）への記録を確認できません（\(error.reason)）", en: "the certificate is not proven to be in the log: \(error.reason)")
            }
            do {
                _ = try authority.log.checkpointVerifier().verifyCheckpoint(proof.checkpoint)
                report.pass(.checkpoint)
            } catch {
                report.fail(.checkpoint, "checkpointUntrusted", ja: "台帳のチェックポイントが信頼できる署名を持ちません（\(error)）", en: "the log checkpoint is not signed as the trust file requires: \(error)")
            }
        } catch let error as NoteError {
            let code = error.code == .unverified ? "checkpointUntrusted" : "inclusionFailed"
            report.fail(.inclusion, code, ja: "台帳の証明を読み取れません（\(error.reason)）", en: "the log proof cannot be read: \(error.reason)")
            report.skip(.checkpoint)
        } catch {
            report.fail(.inclusion, "inclusionFailed", ja: "台帳の証明を読み取れません", en: "the log proof cannot be read: \(error)")
            report.skip(.checkpoint)
        }

        // 10. status: revoked, superseded, or valid as of the snapshot
        checkStatus(&report, authority: authority, index: report.proof?.index, at: date)
        return report
    }

    private func checkStatus(_ report: inout VerificationReport, authority: TrustedAuthority, index: UInt64?, at date: Date) {
        guard let status else {
            report.skip(.status)
            return
        }
        func day(_ seconds: Int64) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "ja_JP")
            f.timeZone = TimeZone(identifier: "Asia/Tokyo")
            f.dateFormat = "yyyy年M月d日"
            return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
        let asOf = day(status.list.issuedAt)
        guard status.list.issuer == authority.issuer else {
            report.fail(.status, "statusInvalid", ja: "失効情報が別の発行元（\(status.list.issuer)）のものです", en: "the status list is from another issuer (\(status.list.issuer))")
            return
        }
        guard let index else {
            report.skip(.status)
            return
        }
        let age = date.timeIntervalSince(status.issuedAt)
        guard age <= maxStatusAge else {
            let days = Int(maxStatusAge / 86_400)
            report.fail(.status, "statusStale",
                ja: "失効情報が古いため状態は不明です（\(asOf)時点、\(days)日より古い）", en: "status unknown: the status list (\(asOf)) is older than \(days) days")
            return
        }
        guard index < status.treeSize else {
            report.fail(.status, "statusUnknown",
                ja: "失効情報（\(asOf)時点）はこの証明書より古いため状態は不明です", en: "status unknown: the status list (\(asOf)) predates this certificate")
            return
        }
        switch status.list.entries[index] {
        case .revoked(let reason, let at)?:
            let why: (String, String) = switch reason {
            case .error: ("誤発行", "issued in error")
            case .moved: ("転出等による記載事項の変更", "the resident moved")
            case .ended: ("関係の解消", "ended")
            case .other: ("その他", "other")
            }
            report.fail(.status, "revoked", ja: "\(day(at))に失効しています（理由: \(why.0)）", en: "revoked on \(day(at)) (reason: \(why.1))")
        case .superseded(let successor, _, let at)?:
            report.fail(.status, "superseded", ja: "\(day(at))に新しい証明書 \(successor) に置き換えられています", en: "superseded by \(successor) on \(day(at))")
        case nil:
            report.statusAsOf = status.issuedAt
            report.pass(.status)
        }
    }
}

/// The outcome of verifying one certificate: every check by name, in order.
public struct VerificationReport: Sendable {
    public enum CheckName: String, Sendable, CaseIterable, Codable {
        case decode, issuerKnown, keyValid, signature, kindValid, validityPeriod, logEntry, inclusion, checkpoint, status

        public var label: LocalizedText {
            switch self {
            case .decode: LocalizedText(ja: "読み取り", en: "Decodes")
            case .issuerKnown: LocalizedText(ja: "発行元", en: "Issuer known")
            case .keyValid: LocalizedText(ja: "署名鍵", en: "Key valid at issue time")
            case .signature: LocalizedText(ja: "電子署名", en: "COSE signature")
            case .kindValid: LocalizedText(ja: "様式・記載事項", en: "Kind and fields")
            case .validityPeriod: LocalizedText(ja: "有効期間", en: "Validity period")
            case .logEntry: LocalizedText(ja: "台帳記録の再構成", en: "Log entry rebuilt")
            case .inclusion: LocalizedText(ja: "台帳への記録", en: "Inclusion in the log")
            case .checkpoint: LocalizedText(ja: "台帳の署名", en: "Checkpoint signature")
            case .status: LocalizedText(ja: "失効状況", en: "Revocation status")
            }
        }
    }

    public enum Status: String, Sendable, Codable { case passed, failed, skipped }

    public struct Check: Sendable {
        public let name: CheckName
        public let status: Status
        public let code: String?
        public let message: LocalizedText?
    }

    public private(set) var checks: [Check] = []
    public var claims: CertificateClaims?
    public var authority: TrustedAuthority?
    public var kind: CertificateKind?
    public var envelope: [UInt8] = []
    public var entry: [UInt8]?
    public var proof: TlogProof?
    /// When a status list was checked and says nothing against the certificate:
    /// the certificate is valid as of this time.
    public var statusAsOf: Date?

    /// Valid only when every check ran and passed — except status, which is
    /// skipped when no status list was given (the verdict then says nothing
    /// about revocation).
    public var isValid: Bool {
        checks.count == CheckName.allCases.count
            && checks.allSatisfy { $0.status == .passed || ($0.name == .status && $0.status == .skipped) }
    }

    /// The failed checks, as reasons (code and message).
    public var reasons: [Check] { checks.filter { $0.status == .failed } }

    mutating func pass(_ name: CheckName) { checks.append(Check(name: name, status: .passed, code: nil, message: nil)) }
    mutating func skip(_ name: CheckName) { checks.append(Check(name: name, status: .skipped, code: nil, message: nil)) }
    mutating func fail(_ name: CheckName, _ code: String, ja: String, en: String) {
        checks.append(Check(name: name, status: .failed, code: code, message: LocalizedText(ja: ja, en: en)))
    }
}
