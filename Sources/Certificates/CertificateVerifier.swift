import AkashiCrypto
import COSE
import Foundation
import Synchronization
import TransparencyLog

/// The one verification core: the `akashi-verify` CLI, the issuer service and
/// the conformance vectors all get their verdicts from here. It follows
/// `docs/spec/verification.md`.
///
/// Malformed *trust* is an error the caller must fix; everything about the
/// certificate — undecodable, forged, expired, not in the log — is a result
/// with named checks and stable reason codes, in a fixed order, and one of
/// three verdicts (``VerificationReport/Verdict``). A signature is checked
/// before what it covers is interpreted: the claims are parsed only after the
/// COSE signature verified, the checkpoint only after the log's.
///
/// 1. `decode` 2. `issuerKnown` 3. `signature` 4. `claims` 5. `keyValid`
/// 6. `kindValid` 7. `disclosure` 8. `validityPeriod` 9. `subject`
/// 10. `logEntry` 11. `inclusion` 12. `checkpoint` 13. `status`
public struct CertificateVerifier: Sendable {
    public let trust: TrustFile

    /// A verified status snapshot to check revocation against, and how old it may be.
    public let status: VerifiedStatusList?
    public let maxStatusAge: TimeInterval
    /// The clock tolerance for issue times and key validity windows.
    public static let skew: TimeInterval = 300

    /// What verification needs of the trust file, parsed once: public keys by
    /// key id, and each authority's log key, witness policy and witness keys —
    /// so verifying many certificates re-parses nothing.
    struct Prepared: Sendable {
        struct Key: Sendable {
            let authority: Int
            let key: IssuerKey
            let publicKey: P256.PublicKey
        }
        struct Log: Sendable {
            let key: VerifierKey
            let policy: TlogPolicy
            let witnesses: [VerifierKey]
        }
        var keys: [[UInt8]: Key] = [:]
        var logs: [Log?] = []
        /// Each authority's kinds' withholding rules, in the trust file's order.
        var withholding: [[WithholdingRules]] = []
        let checkpoints = CheckpointOutcomes()

        init(_ trust: TrustFile) {
            withholding = trust.authorities.map { $0.kinds.map(WithholdingRules.init) }
            for (i, authority) in trust.authorities.enumerated() {
                for key in authority.keys {
                    if let kid = key.kidBytes, let publicKey = try? key.publicKey() { keys[kid] = Key(authority: i, key: key, publicKey: publicKey) }
                }
                if let logKey = try? authority.log.verifierKey(), let policy = try? authority.log.tlogPolicy() {
                    logs.append(Log(key: logKey, policy: policy, witnesses: policy.witnesses.map(\.key)))
                } else {
                    logs.append(nil)
                }
            }
        }
    }
    let prepared: Prepared

    /// What the log signature and witness policy said of each checkpoint
    /// already seen, keyed by the checkpoint note — its text's exact bytes
    /// and each signature's name, key ID and bytes, which is what its
    /// serialization writes — and the authority: the outcome is a pure
    /// function of the two. Bounded: it starts again after ``limit``
    /// distinct checkpoints.
    final class CheckpointOutcomes: Sendable {
        enum Outcome: Sendable {
            case notLogSigned(String)
            case notWitnessed(String)
            case witnessed
        }
        struct Key: Hashable, Sendable {
            struct Signature: Hashable, Sendable {
                let name: [UInt8]
                let keyID: UInt32
                let bytes: [UInt8]
            }
            let authority: Int
            let text: [UInt8]
            let signatures: [Signature]

            init(authority: Int, note: SignedNote) {
                self.authority = authority
                self.text = Array(note.text.utf8)
                self.signatures = note.signatures.map { Signature(name: Array($0.name.utf8), keyID: $0.keyID, bytes: $0.bytes) }
            }
        }
        static let limit = 4096
        private let state = Mutex<[Key: Outcome]>([:])

        func outcome(of signed: SignedCheckpoint, authority: Int, compute: (SignedCheckpoint) -> Outcome) -> Outcome {
            let key = Key(authority: authority, note: signed.note)
            if let known = state.withLock({ $0[key] }) { return known }
            let outcome = compute(signed)
            state.withLock { table in
                if table.count >= Self.limit { table.removeAll(keepingCapacity: true) }
                table[key] = outcome
            }
            return outcome
        }
    }

    public init(trust: TrustFile, status: VerifiedStatusList? = nil, maxStatusAge: TimeInterval = 7 * 86_400) {
        self.trust = trust
        self.status = status
        self.maxStatusAge = maxStatusAge
        self.prepared = Prepared(trust)
    }

    /// Verifies QR text (a URL with `#AK2.…`, or `AK2.…`) as of `date`.
    public func verify(text: String, at date: Date = Date()) -> VerificationReport {
        verify(utf8: Array(text.utf8), at: date)
    }

    /// Verifies QR text given as bytes (a file, standard input, a QR decoder).
    public func verify(utf8 bytes: [UInt8], at date: Date = Date()) -> VerificationReport {
        let qr: CertificateQR
        do { qr = try CertificateQR(utf8: bytes) } catch {
            var report = VerificationReport()
            report.stop(at: .decode, "undecodable", ja: "QRコードの内容を読み取れません（\(error.reason)）", en: "cannot decode the QR content: \(error.reason)")
            return report
        }
        return verify(qr, at: date)
    }

    public func verify(_ qr: CertificateQR, at date: Date = Date()) -> VerificationReport {
        var report = VerificationReport()
        report.envelope = qr.envelope
        // 1. decode: the envelope's structure and protected header, the proof's structure.
        let envelope: COSESign1
        let proof: CompactProof
        let disclosures: Disclosures?
        do {
            // Akashi's one byte form (docs/spec/certificate.md §2.1): tagged, {1: -7, 4: kid[8]}, nothing unprotected.
            envelope = try COSESign1(decodingAkashiEnvelope: qr.envelope)
            // Unsigned, like the proof: only its structure is read here.
            disclosures = qr.disclosures.isEmpty ? nil : try Disclosures(decoding: qr.disclosures)
            proof = try CompactProof(decoding: qr.proof)
        } catch {
            report.stop(at: .decode, "undecodable", ja: "証明書の署名データを解釈できません（\(error)）", en: "the signed certificate cannot be parsed: \(error)")
            return report
        }
        report.pass(.decode)

        // 2. the signing key, by its key id, among every trusted authority's keys.
        guard let found = prepared.keys[envelope.kid] else {
            report.stop(
                at: .issuerKnown, "unknownKey",
                ja: "署名鍵が信頼リストのどの発行元の鍵でもありません（偽造、または信頼リストにない発行元）",
                en: "the certificate is signed with a key no authority in the trust file has (a forgery, or an issuer not in the trust file)")
            return report
        }
        let authority = trust.authorities[found.authority], key = found.key, publicKey = found.publicKey
        report.authority = authority
        report.pass(.issuerKnown)

        // 3. signature
        guard envelope.isValidSignature(publicKey: publicKey) else {
            report.stop(at: .signature, "badSignature", ja: "電子署名が一致しません（改ざんまたは偽造）", en: "the signature does not match (altered or forged)")
            return report
        }
        report.pass(.signature)

        // 4. claims, now that they are known to be signed.
        let claims: CertificateClaims
        do { claims = try CertificateClaims(decoding: envelope.payload) } catch {
            report.stop(at: .claims, "undecodable", ja: "証明書の記載内容を解釈できません（\(error.reason)）", en: "the certificate's claims cannot be parsed: \(error.reason)")
            return report
        }
        report.claims = claims
        guard Array(claims.issuer.utf8) == Array(authority.issuer.utf8) else {
            report.stop(
                at: .claims, "issuerMismatch",
                ja: "発行元の鍵で署名されていますが、記載の発行元（\(claims.issuer)）が鍵の発行元（\(authority.issuer)）と異なります",
                en: "signed by a key of \(authority.issuer) but naming issuer \(claims.issuer)")
            return report
        }
        report.pass(.claims)

        // 5. key valid at issue time. A compromised key's certificates stand
        // only if the log proves them older than the compromise (the index
        // counts because inclusion must pass too for any other verdict).
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(claims.issuedAt))
        let loggedBeforeCompromise = key.compromisedFromLogIndex.map { proof.index < $0 } ?? false
        if key.status == .compromised && !loggedBeforeCompromise {
            report.fail(.keyValid, "keyCompromised", ja: "署名鍵は漏えいにより無効です", en: "the signing key was declared compromised")
        } else if issuedAt < key.notBefore.addingTimeInterval(-Self.skew) || key.notAfter.map({ issuedAt > $0 }) == true {
            report.fail(
                .keyValid, "keyNotValidAtIssue",
                ja: "発行日時に署名鍵が有効ではありません", en: "the signing key was not valid when the certificate was issued")
        } else {
            report.pass(.keyValid)
        }

        // 6. kind known, allowed and fields valid
        var withholding: WithholdingRules? = nil
        if let kindIndex = authority.kinds.firstIndex(where: { $0.id.utf8.elementsEqual(claims.kind.utf8) }) {
            let kind = authority.kinds[kindIndex], rules = prepared.withholding[found.authority][kindIndex]
            report.kind = kind
            withholding = rules
            if kind.version != claims.kindVersion {
                report.fail(
                    .kindValid, "kindVersion", ja: "証明書の様式の版（\(claims.kindVersion)）が信頼リスト（\(kind.version)）と異なります",
                    en: "kind version \(claims.kindVersion) differs from the trusted definition (\(kind.version))")
            } else {
                let problems =
                    kind.check(claims.fields, alsoPresent: claims.presentMask.map(rules.presentWithholdable) ?? [])
                    + kind.withholdingProblems(signed: claims.fields, mask: claims.presentMask, rules: rules)
                if !problems.isEmpty {
                    report.fail(
                        .kindValid, "invalidFields", ja: "記載事項が様式に合いません: " + problems.map(\.ja).joined(separator: "、"),
                        en: "fields do not match the kind: " + problems.map(\.en).joined(separator: "; "))
                } else {
                    report.pass(.kindValid)
                }
            }
        } else {
            report.fail(
                .kindValid, "kindNotAllowed", ja: "発行元はこの種類の証明書（\(claims.kind)）を発行できません", en: "the issuer may not issue certificates of kind '\(claims.kind)'")
        }

        // 7. disclosure: the shown withholdable fields against the signed commitment.
        var claimsShown = claims
        if let kind = report.kind, let withholding {
            switch Self.checkDisclosure(disclosures, claims: claims, kind: kind, rules: withholding) {
            case .failure(let failure):
                report.stop(at: .disclosure, failure.code, ja: failure.ja, en: failure.en)
                return report
            case .success(let (shown, withheld)):
                claimsShown.withholdable = shown
                report.claims = claimsShown
                report.withheld = withheld
                report.pass(.disclosure)
            }
        } else {
            report.skip(.disclosure)
        }

        // 8. validity period
        if issuedAt > date.addingTimeInterval(Self.skew) {
            report.fail(.validityPeriod, "notYetValid", ja: "発行日時が検証日時より後です", en: "the certificate is issued after the verification time")
        } else if let exp = claims.expiresAt, Date(timeIntervalSince1970: TimeInterval(exp)) <= date {
            report.fail(.validityPeriod, "expired", ja: "有効期限が切れています", en: "the certificate has expired")
        } else {
            report.pass(.validityPeriod)
        }

        // 9. subject: bound to the key of each person it is about, so they can find it.
        var subjectLines: [[UInt8]] = []
        let expectedSubjects = report.kind?.subjectCount ?? claims.subjectKeys.count
        if claims.subjectKeys.count != expectedSubjects {
            report.fail(
                .subject, "subjectNotFindable",
                ja: "この種類の証明書は本人が台帳で見つけられるよう本人の鍵に結び付ける必要がありますが、鍵が\(claims.subjectKeys.count)個です（必要: \(expectedSubjects)個）",
                en:
                    "a certificate of this kind must be bound to the key of each of its \(expectedSubjects) subject(s) so they can find it; it has \(claims.subjectKeys.count)"
            )
        } else if let lines = try? SubjectLines.lines(cti: claims.cti, serial: claims.serial, keys: claims.subjectKeys) {
            subjectLines = lines
            report.pass(.subject)
        } else {
            report.fail(
                .subject, "subjectNotFindable", ja: "本人の鍵が不正（位数の小さい点）で、本人はこの証明書を見つけられません", en: "a subject key is of low order: no secret finds this certificate"
            )
        }

        // 10. the log entry, rebuilt from the envelope (and its subject lines)
        let envelopeDigest = SHA256.hash(qr.envelope)
        let entryBytes = LogEntry.certificate(sha256: envelopeDigest, kind: claims.kind, issuedAt: claims.issuedAt, subjects: subjectLines).bytes
        let leafHash = Merkle.leafHash(entryBytes)
        report.entry = entryBytes
        report.leafHash = leafHash
        report.pass(.logEntry)

        // 10. inclusion: the root recomputed from the proof, signed by the log key.
        // 11. checkpoint: valid witness cosignatures meet the policy.
        guard let log = prepared.logs[found.authority] else {
            // TrustFile.decode validated both; unreachable for a decoded trust file.
            report.fail(.inclusion, "inclusionFailed", ja: "信頼リストの台帳の鍵を読めません", en: "the trust file's log key or policy cannot be read")
            report.skip(.checkpoint)
            checkStatus(&report, authority: authority, index: nil, at: date)
            return report
        }
        let logKey = log.key, policy = log.policy
        do throws(NoteError) {
            let tlogProof = try proof.tlogProof(leafHash: leafHash, logKey: logKey, knownKeys: log.witnesses)
            // The log's signature and the witness quorum: one outcome per
            // distinct checkpoint, remembered (certificates issued together
            // share one, so a batch pays its Ed25519 checks once).
            let outcome = prepared.checkpoints.outcome(of: tlogProof.checkpoint, authority: found.authority) { signed in
                let signer: VerifierKey
                do throws(NoteError) {
                    signer = try policy.logSigner(of: signed)
                } catch {
                    return .notLogSigned(error.reason)
                }
                // The trust file's policy lists exactly its log key (TrustFile.decode).
                guard signer == logKey else { return .notLogSigned("the checkpoint is not signed by the trust file's log key") }
                do throws(NoteError) {
                    _ = try policy.witnessed(signed, signedBy: signer)
                    return .witnessed
                } catch {
                    return .notWitnessed(error.reason)
                }
            }
            if case .notLogSigned(let why) = outcome {
                throw NoteError(.badSignature, "the log's signature does not cover the checkpoint rebuilt from this certificate and its proof (\(why))")
            }
            report.proof = tlogProof
            report.pass(.inclusion)
            if case .notWitnessed(let why) = outcome {
                report.fail(
                    .checkpoint, "checkpointUntrusted", ja: "台帳のチェックポイントに必要な立会人の署名がありません（\(why)）",
                    en: "the log checkpoint lacks the witness cosignatures the trust file requires: \(why)")
            } else {
                report.pass(.checkpoint)
            }
        } catch {
            // Logged without the subject lines a person could find it by?
            let unbound = LogEntry.certificate(sha256: envelopeDigest, kind: claims.kind, issuedAt: claims.issuedAt)
            if !subjectLines.isEmpty,
                let tlogProof = try? proof.tlogProof(leafHash: Merkle.leafHash(unbound.bytes), logKey: logKey, knownKeys: log.witnesses),
                (try? policy.logSigner(of: tlogProof.checkpoint)) == logKey
            {
                report.fail(
                    .inclusion, "subjectNotFindable",
                    ja: "台帳には本人が見つけられない形（本人の行なし）で記録されています", en: "the log holds this certificate without the subject lines its subject would find it by")
            } else {
                report.fail(
                    .inclusion, "inclusionFailed", ja: "台帳（透明性ログ）への記録を確認できません（\(error.reason)）",
                    en: "the certificate is not proven to be in the log: \(error.reason)")
            }
            report.skip(.checkpoint)
        }

        // 13. status: revoked, superseded, or valid as of the snapshot
        checkStatus(&report, authority: authority, index: report.proof?.index, at: date)
        return report
    }

    private func checkStatus(_ report: inout VerificationReport, authority: TrustedAuthority, index: UInt64?, at date: Date) {
        // Revocation is only worth saying about a certificate that is otherwise genuine.
        guard report.reasons.isEmpty, let index else {
            report.skip(.status)
            return
        }
        func day(_ seconds: Int64) -> String { CivilDate.japaneseText(seconds) }
        guard let status else {
            report.unconfirmed(
                "statusMissing",
                ja: "失効情報がないため、失効していないことは確認できていません。インターネットに接続して最新の失効情報を取得するか、発行元に確認してください",
                en: "no status list: whether it was revoked is not confirmed. Connect to the internet to fetch the latest status list, or ask the issuer")
            return
        }
        var asOf: String { day(status.list.issuedAt) }
        guard Array(status.list.issuer.utf8) == Array(authority.issuer.utf8) else {
            report.unconfirmed(
                "statusNotApplicable",
                ja: "失効情報が別の発行元（\(status.list.issuer)）のものなので、失効していないことは確認できていません",
                en: "the status list is another issuer's (\(status.list.issuer)): whether it was revoked is not confirmed")
            return
        }
        guard index < status.treeSize else {
            report.unconfirmed(
                "statusUnknown",
                ja: "失効情報（\(asOf)時点）がこの証明書より古いため、失効していないことは確認できていません。最新の失効情報を取得してください",
                en: "the status list (\(asOf)) predates this certificate: whether it was revoked is not confirmed. Fetch the latest status list")
            return
        }
        // Revocation and supersession are permanent: said from any list that covers the index.
        switch status.list.entries[index] {
        case .revoked(let reason, let at)?:
            let why: (String, String) =
                switch reason {
                case .error: ("誤発行", "issued in error")
                case .moved: ("転出等による記載事項の変更", "the resident moved")
                case .ended: ("関係の解消", "ended")
                case .other: ("その他", "other")
                }
            report.fail(.status, "revoked", ja: "\(day(at))に失効しています（理由: \(why.0)）", en: "revoked on \(day(at)) (reason: \(why.1))")
            return
        case .superseded(let successor, _, let at)?:
            report.fail(.status, "superseded", ja: "\(day(at))に新しい証明書 \(successor) に置き換えられています", en: "superseded by \(successor) on \(day(at))")
            return
        case nil:
            break
        }
        let age = date.timeIntervalSince(status.issuedAt)
        guard age <= maxStatusAge else {
            let days = Int(maxStatusAge / 86_400)
            report.unconfirmed(
                "statusStale",
                ja: "失効情報が古いため（\(asOf)時点、\(days)日より前）、その後に失効していないことは確認できていません。最新の失効情報を取得してください",
                en: "the status list (\(asOf)) is older than \(days) days: a later revocation is not excluded. Fetch the latest status list")
            return
        }
        report.statusAsOf = status.issuedAt
        report.pass(.status)
    }
}

/// The outcome of verifying one certificate: every check by name, in order.
public struct VerificationReport: Sendable {
    public enum CheckName: String, Sendable, CaseIterable, Codable {
        case decode, issuerKnown, signature, claims, keyValid, kindValid, disclosure, validityPeriod, subject, logEntry, inclusion, checkpoint, status

        public var label: LocalizedText {
            switch self {
            case .decode: LocalizedText(ja: "読み取り", en: "Decodes")
            case .issuerKnown: LocalizedText(ja: "発行元の鍵", en: "Issuer's key known")
            case .signature: LocalizedText(ja: "電子署名", en: "COSE signature")
            case .claims: LocalizedText(ja: "記載内容・発行元", en: "Claims and issuer")
            case .keyValid: LocalizedText(ja: "署名鍵の有効性", en: "Key valid at issue time")
            case .kindValid: LocalizedText(ja: "様式・記載事項", en: "Kind and fields")
            case .disclosure: LocalizedText(ja: "提示された項目", en: "Shown fields")
            case .subject: LocalizedText(ja: "本人による確認可能性", en: "Findable by its subject")
            case .validityPeriod: LocalizedText(ja: "有効期間", en: "Validity period")
            case .logEntry: LocalizedText(ja: "台帳記録の再構成", en: "Log entry rebuilt")
            case .inclusion: LocalizedText(ja: "台帳への記録", en: "Inclusion in the log")
            case .checkpoint: LocalizedText(ja: "立会人の署名", en: "Witness cosignatures")
            case .status: LocalizedText(ja: "失効状況", en: "Revocation status")
            }
        }
    }

    /// `valid`; `invalid` (something is proven wrong); `unconfirmed` (genuine,
    /// but whether it was revoked could not be confirmed).
    public enum Verdict: String, Sendable, Codable { case valid, invalid, unconfirmed }

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
    /// The RFC 9162 leaf hash of ``entry``.
    public var leafHash: [UInt8]?
    public var proof: TlogProof?
    /// When a status list was checked and says nothing against the certificate:
    /// the certificate is valid as of this time.
    public var statusAsOf: Date?
    /// The fields the holder withheld (selective-disclosure.md §6), kind
    /// order; `[]` when none; nil unless the disclosure check passed.
    public var withheld: [String]?

    /// Invalid when any check failed; unconfirmed when everything else held
    /// but the status check could not be made (it carries a code: no list, a
    /// stale one, one older than the certificate, another issuer's); valid
    /// only when every check passed.
    public var verdict: Verdict {
        if checks.contains(where: { $0.status == .failed }) || checks.count != CheckName.allCases.count { return .invalid }
        if checks.contains(where: { $0.status == .skipped }) { return .unconfirmed }
        return .valid
    }

    public var isValid: Bool { verdict == .valid }

    /// Nothing is proven wrong: the certificate is genuine (valid or unconfirmed).
    public var isGenuine: Bool { verdict != .invalid }

    /// Why it is unconfirmed: the status check's code and message, when it was skipped with one.
    public var unconfirmedReason: Check? { checks.first { $0.status == .skipped && $0.code != nil } }

    /// The failed checks, as reasons (code and message).
    public var reasons: [Check] { checks.filter { $0.status == .failed } }

    mutating func pass(_ name: CheckName) { checks.append(Check(name: name, status: .passed, code: nil, message: nil)) }
    mutating func skip(_ name: CheckName) { checks.append(Check(name: name, status: .skipped, code: nil, message: nil)) }
    mutating func fail(_ name: CheckName, _ code: String, ja: String, en: String) {
        checks.append(Check(name: name, status: .failed, code: code, message: LocalizedText(ja: ja, en: en)))
    }
    /// A failure that ends verification: every later check is skipped.
    mutating func stop(at name: CheckName, _ code: String, ja: String, en: String) {
        for earlier in CheckName.allCases.prefix(while: { $0 != name }) where !checks.contains(where: { $0.name == earlier }) { skip(earlier) }
        fail(name, code, ja: ja, en: en)
        for later in CheckName.allCases.drop(while: { $0 != name }).dropFirst() { skip(later) }
    }
    /// The status check, skipped with a reason: the verdict is unconfirmed.
    mutating func unconfirmed(_ code: String, ja: String, en: String) {
        checks.append(Check(name: .status, status: .skipped, code: code, message: LocalizedText(ja: ja, en: en)))
    }
}
