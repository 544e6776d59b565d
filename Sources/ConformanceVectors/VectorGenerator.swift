import AkashiCrypto
import Authority
import CBOR
import Certificates
import Foundation
@_spi(ConformanceVectors) import Issuance
import QRCode
import QRPayload
import TransparencyLog

/// One published conformance vector: a QR text, the trust file to verify it
/// with, the verification time, and what every verifier must answer.
public struct ConformanceVector: Codable, Sendable {
    public struct Expected: Codable, Sendable, Equatable {
        /// `valid`, `invalid` or `unconfirmed` (docs/spec/verification.md §2).
        public var verdict: String
        /// `verdict == "valid"`.
        public var valid: Bool
        /// The reason codes — every check that has one (failed, or the
        /// status check skipped with the reason it is unconfirmed) — in check order.
        public var codes: [String]
        /// Every check's status by name: `passed`, `failed` or `skipped`.
        public var checks: [String: String]
        /// With a status list: `accepted`, or `rejected` when the list itself
        /// must be refused (bad signature, unknown signer) — then the
        /// verdict fields do not apply.
        public var status: String?
    }
    public var id: String
    public var description: LocalizedText
    public var qr: String
    /// The QR image, relative to the index.
    public var png: String
    /// The trust file, relative to the index.
    public var trust: String
    public var at: Date
    /// A signed status list to verify with (relative to the index), if any.
    public var status: String?
    public var expected: Expected
}

public struct ConformanceIndex: Codable, Sendable {
    public static let currentFormat = "akashi-vectors/v2"
    public var format: String
    public var generatedAt: Date
    public var vectors: [ConformanceVector]

    public static func decode(_ data: Data) throws -> ConformanceIndex {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ConformanceIndex.self, from: data)
    }
}

/// Makes the published vector set: valid certificates of every kind and one
/// case per forgery class of the tamper matrix. The expected result of each is
/// decided by how the case was built (a proof from another certificate must
/// fail inclusion), and the generator refuses to write a vector the Swift
/// verifier disagrees with.
public struct VectorGenerator {
    public let registry: KindRegistry
    public init(registry: KindRegistry) { self.registry = registry }

    struct Fixture {
        let directory: AuthorityDirectory
        let issuer: Issuer
        let trust: TrustFile
    }

    func authority(_ root: URL, _ name: String, code: String, origin: String, displayName: String) async throws -> Fixture {
        let dir = root.appendingPathComponent(name)
        let directory = try await AuthorityDirectory.create(
            at: dir, origin: origin, name: displayName, code: code, verifierURL: "https://\(origin.split(separator: "/")[0])/akashi/verify/")
        let issuer = try Issuer(directory: directory, registry: registry, log: await directory.openLog())
        return Fixture(directory: directory, issuer: issuer, trust: try TrustFile.export(directory: directory, registry: registry))
    }

    static func example(_ certs: URL, _ kind: String) throws -> [String: InputValue] {
        try JSONDecoder().decode([String: InputValue].self, from: Data(contentsOf: certs.appendingPathComponent("examples/\(kind).json")))
    }

    /// Writes `index.json`, `trust/*.json` and `<id>.png` + `<id>.txt` into `out`.
    public func generate(certsDirectory certs: URL, out: URL) async throws -> ConformanceIndex {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-vectors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let iizuka = try await authority(scratch, "iizuka", code: "402052", origin: "iizuka.example/akashi/log", displayName: "飯塚市")
        let kaga = try await authority(scratch, "kaga", code: "172065", origin: "kaga.example/akashi/log", displayName: "加賀市")
        // Same issuer id and origin as Iizuka, other keys: a forger.
        let forger = try await authority(scratch, "forger", code: "402052", origin: "iizuka.example/akashi/log", displayName: "飯塚市")

        let now = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970))
        let at = now.addingTimeInterval(86_400)
        var trusts: [String: TrustFile] = ["iizuka": iizuka.trust, "kaga": kaga.trust]
        var vectors: [ConformanceVector] = []
        var statusFiles: [String: [UInt8]] = [:]
        /// A vector whose verdict and reason codes are decided by how it was
        /// built; the per-check statuses are filled in from the reference
        /// verifier below, which must agree on verdict and codes.
        func add(
            _ id: String, _ ja: String, _ en: String, qr: String, trust: String = "iizuka", at when: Date = at, status: String? = nil,
            rejected: Bool = false, verdict: String, codes: [String]
        ) {
            vectors.append(
                ConformanceVector(
                    id: id, description: LocalizedText(ja: ja, en: en), qr: qr, png: "\(id).png", trust: "trust/\(trust).json", at: when,
                    status: status.map { "status/\($0).cose" },
                    expected: .init(
                        verdict: rejected ? "invalid" : verdict, valid: verdict == "valid" && !rejected, codes: codes, checks: [:],
                        status: status == nil ? nil : (rejected ? "rejected" : "accepted"))))
        }

        // Valid: one of each kind.
        var issued: [String: IssuedCertificate] = [:]
        for kind in registry.kinds.map(\.id) {
            // Every field, those omitted by default included (本籍・筆頭者).
            let every = Set(registry.kind(kind)?.fields.filter(\.isOmittedByDefault).map(\.id) ?? [])
            let certificate = try await iizuka.issuer.issue(kind: kind, input: Self.example(certs, kind), include: every, at: now)
            issued[kind] = certificate
            add(
                "valid-\(kind)", "有効な証明書（\(certificate.kind.label.ja)、失効情報で確認）",
                "a valid certificate (\(certificate.kind.label.en)), checked against the status list",
                qr: certificate.qrText, status: "iizuka", verdict: "valid", codes: [])
        }
        guard let residence = issued["residence"], let graduation = issued["graduation"] ?? issued.values.first(where: { $0.kind.id != "residence" }) else {
            throw CertificateError(.invalidKind, "the vectors need the residence kind and one other kind in certs/")
        }
        let qa = try CertificateQR(text: residence.qrText)
        let qb = try CertificateQR(text: graduation.qrText)
        let url = iizuka.directory.configuration.verifierURL

        // The bare form (no URL) is as valid as the URL form.
        add(
            "valid-bare-text", "URLなしのQR文字列（AK2.…）", "the bare QR text without URL (AK2.…)", qr: qa.text(verifierURL: nil), status: "iizuka", verdict: "valid",
            codes: [])
        // Without a status list a genuine certificate is unconfirmed, never invalid.
        add(
            "unconfirmed-no-status", "失効情報なし（本物だが失効の有無は未確認）", "no status list: genuine, revocation not confirmed",
            qr: residence.qrText, verdict: "unconfirmed", codes: ["statusMissing"])
        // Exactly SP, HT, CR, LF around the text are ignored; nothing else is.
        add(
            "qr-surrounding-whitespace", "前後の空白・改行は無視", "spaces and line breaks around the text are ignored",
            qr: " \t" + residence.qrText + "\r\n", status: "iizuka", verdict: "valid", codes: [])
        for (id, ja, en, text) in [
            // Before the bare text (before a URL it would be part of the ignored URL part).
            ("qr-leading-zero-width", "先頭にゼロ幅スペース（U+200B）", "a zero-width space (U+200B) before the bare text", "\u{200B}" + qa.text(verifierURL: nil)),
            ("qr-trailing-zero-width", "末尾にゼロ幅スペース（U+200B）", "a zero-width space (U+200B) after the text", residence.qrText + "\u{200B}"),
            (
                "qr-combining-after-prefix", "AK2. の後に結合文字（U+0345）", "a combining mark (U+0345) after AK2.",
                qa.text(verifierURL: nil).replacingOccurrences(of: "AK2.", with: "AK2.\u{345}")
            ),
            (
                "qr-lowercase-prefix", "小文字の接頭辞 ak2.", "the prefix in lower case (ak2.)",
                qa.text(verifierURL: nil).replacingOccurrences(of: "AK2.", with: "ak2.")
            ),
            ("qr-v1-prefix", "旧形式の接頭辞 AK1.", "the old prefix AK1.", qa.text(verifierURL: nil).replacingOccurrences(of: "AK2.", with: "AK1.")),
            ("qr-no-break-space", "末尾にノーブレークスペース（U+00A0）", "a no-break space (U+00A0) after the text", residence.qrText + "\u{A0}"),
        ] {
            add(id, ja, en, qr: text, verdict: "invalid", codes: ["undecodable"])
        }
        // The payload's envelope length with a non-minimal uvarint: two byte forms of one certificate.
        do {
            var bytes = qa.bytes
            let length = UInt64(qa.envelope.count)
            var minimal: [UInt8] = []
            CompactProof.appendUvarint(length, to: &minimal)
            var padded = minimal
            padded[padded.count - 1] |= 0x80
            padded.append(0x00)
            bytes.replaceSubrange(1..<(1 + minimal.count), with: padded)
            add(
                "payload-non-minimal-length", "封筒長が最短形でない（同じ証明書の別のバイト列）", "a non-minimal envelope length (another byte form of one certificate)",
                qr: CertificateQR.prefix + NumericCodec.encode(bytes), verdict: "invalid", codes: ["undecodable"])
        }

        // A field changed after signing: same length, so only the signature can tell.
        let name = Array("飯塚 花子".utf8), changed = Array("飯塚 花美".utf8)
        if let range = Self.find(name, in: qa.envelope) {
            var envelope = qa.envelope
            envelope.replaceSubrange(range, with: changed)
            add(
                "tampered-field", "署名後に氏名を書き換えた", "a name changed after signing",
                qr: CertificateQR(envelope: envelope, disclosures: qa.disclosures, proof: qa.proof).text(verifierURL: url), verdict: "invalid",
                codes: ["badSignature"])
        }
        // The signature's last byte flipped.
        var flipped = qa.envelope
        flipped[flipped.count - 1] ^= 0x01
        add(
            "bad-signature", "署名の1ビットを反転", "one bit of the signature flipped",
            qr: CertificateQR(envelope: flipped, disclosures: qa.disclosures, proof: qa.proof).text(verifierURL: url), verdict: "invalid",
            codes: ["badSignature"])

        // One changed digit in the proof part of the text: the proof no longer proves.
        var digits = Array(residence.qrText)
        let position = digits.count - 40
        digits[position] = digits[position] == "7" ? "3" : "7"
        let digitQR = String(digits)

        add(
            "proof-from-other-certificate", "別の証明書の台帳証明を付けた", "the log proof of another certificate",
            qr: CertificateQR(envelope: qa.envelope, disclosures: qa.disclosures, proof: qb.proof).text(verifierURL: url), verdict: "invalid",
            codes: ["inclusionFailed"])

        let kagaCertificate = try await kaga.issuer.issue(kind: "residence", input: Self.example(certs, "residence"), at: now)
        let qc = try CertificateQR(text: kagaCertificate.qrText)
        add(
            "checkpoint-from-other-log", "別の自治体の台帳のチェックポイント", "a checkpoint from another authority's log",
            qr: CertificateQR(envelope: qa.envelope, disclosures: qa.disclosures, proof: qc.proof).text(verifierURL: url), verdict: "invalid",
            codes: ["inclusionFailed"])
        add(
            "other-authority-trust", "別の自治体の信頼リストで検証", "verified with another authority's trust file",
            qr: residence.qrText, trust: "kaga", verdict: "invalid", codes: ["unknownKey"])

        let forged = try await forger.issuer.issue(kind: "residence", input: Self.example(certs, "residence"), at: now)
        add(
            "unknown-key", "発行元にない鍵で署名（偽造）", "signed by a key the issuer does not have (forgery)",
            qr: forged.qrText, verdict: "invalid", codes: ["unknownKey"])

        var restricted = iizuka.trust
        restricted.authorities[0].kinds.removeAll { $0.id == graduation.kind.id }
        trusts["iizuka-restricted"] = restricted
        add(
            "kind-not-allowed", "発行元に許されていない種類", "a kind the issuer may not issue",
            qr: graduation.qrText, trust: "iizuka-restricted", verdict: "invalid", codes: ["kindNotAllowed"])

        let validity = TimeInterval(residence.kind.validityDays ?? 90) * 86_400
        add(
            "expired", "有効期限後に検証", "verified after expiry", qr: residence.qrText, at: now.addingTimeInterval(validity + 86_400), verdict: "invalid",
            codes: ["expired"])
        add(
            "not-yet-valid", "発行前の日時で検証", "verified before the issue time", qr: residence.qrText, at: now.addingTimeInterval(-86_400), verdict: "invalid",
            codes: ["notYetValid"])

        var compromised = iizuka.trust
        compromised.authorities[0].keys[0].status = .compromised
        compromised.authorities[0].keys[0].notAfter = now
        trusts["iizuka-compromised"] = compromised
        add(
            "key-compromised", "漏えいした鍵", "a key declared compromised", qr: residence.qrText, trust: "iizuka-compromised", verdict: "invalid",
            codes: ["keyCompromised"])

        var late = iizuka.trust
        late.authorities[0].keys[0].notBefore = now.addingTimeInterval(3600)
        trusts["iizuka-key-later"] = late
        add(
            "key-not-valid-at-issue", "発行時に鍵が有効期間外", "the key was not valid at the issue time", qr: residence.qrText, trust: "iizuka-key-later",
            verdict: "invalid", codes: ["keyNotValidAtIssue"])

        // Correctly signed and logged, but wrong in content.
        var badFields = residence.claims
        badFields.serial = Serial.random()
        badFields.fields["residentSince"] = .date("1990-02-30")
        let invalid = try await iizuka.issuer.issueUnchecked(badFields, disclosures: qa.disclosures, kind: residence.kind)
        add(
            "invalid-fields", "様式に合わない記載（存在しない日付）", "fields that do not match the kind (an impossible date)", qr: invalid.qrText, verdict: "invalid",
            codes: ["invalidFields"])
        var newer = residence.claims
        newer.serial = Serial.random()
        newer.kindVersion = residence.kind.version + 1
        let versioned = try await iizuka.issuer.issueUnchecked(newer, disclosures: qa.disclosures, kind: residence.kind)
        add("kind-version", "様式の版が信頼リストと異なる", "a kind version the trust file does not have", qr: versioned.qrText, verdict: "invalid", codes: ["kindVersion"])

        // Signed and logged, but values outside the field rules (certificate.md §4, §5):
        // each is one way two verifiers used to read the same text differently.
        for (id, ja, en, field, value) in [
            ("field-not-nfc", "氏名が NFC でない（分解された濁点）", "a name not in NFC (a decomposed voiced mark)", "name", FieldValue.text("飯塚 は\u{3099}なこ")),
            ("field-edge-whitespace", "氏名の末尾に全角空白", "a name ending in U+3000 IDEOGRAPHIC SPACE", "name", .text("飯塚 花子\u{3000}")),
            ("field-trailing-zero-width", "氏名の末尾にゼロ幅空白（U+200B）", "a name ending in U+200B ZERO WIDTH SPACE", "name", .text("飯塚 花子\u{200B}")),
            ("field-empty-text", "空の氏名", "an empty name", "name", .text("")),
            ("field-line-separator", "住所に行区切り（U+2028）", "an address with U+2028 LINE SEPARATOR", "address", .text("福岡県飯塚市新立岩5番5号\u{2028}")),
            ("field-enum-label", "選択肢の値ではなく表示名を記載", "an enum holding an option's label instead of its value", "sex", .enumValue("女")),
        ] {
            var claims = residence.claims
            claims.serial = Serial.random()
            claims.fields[field] = value
            let issued = try await iizuka.issuer.issueUnchecked(claims, disclosures: qa.disclosures, kind: residence.kind)
            add(id, ja, en, qr: issued.qrText, verdict: "invalid", codes: ["invalidFields"])
        }
        if let energy = issued["energy-origin"] {
            for (id, ja, en, value) in [
                ("field-decimal-trailing-newline", "小数の末尾に改行", "a decimal ending in LF", "1234.5\n"),
                ("field-decimal-below-minimum", "小数が最小値（0）未満", "a decimal below its minimum 0", "-0.5"),
                ("field-decimal-not-canonical", "小数が正規形でない（末尾の0）", "a decimal with a trailing zero", "1234.50"),
            ] {
                var claims = energy.claims
                claims.serial = Serial.random()
                claims.fields["generatedKWh"] = .decimal(value)
                let issued = try await iizuka.issuer.issueUnchecked(claims, kind: energy.kind)
                add(id, ja, en, qr: issued.qrText, verdict: "invalid", codes: ["invalidFields"])
            }
        }

        // Signed and logged, but not claims of the format (certificate.md §1, §3): undecodable at the claims step.
        func claimsBytes(_ change: (inout [(key: CBOR, value: CBOR)], inout [(key: CBOR, value: CBOR)]) -> Void) throws -> [UInt8] {
            guard case .map(var top) = residence.claims.cbor, let i = top.firstIndex(where: { $0.key == CBOR(CertificateClaims.akashiClaim) }),
                case .map(let content) = top[i].value, let j = content.firstIndex(where: { $0.key == CBOR(3) }), case .map(var fields) = content[j].value
            else { throw CertificateError(.malformedPayload, "unexpected claims shape") }
            change(&top, &fields)
            var newContent = content
            newContent[j] = (CBOR(3), .map(fields))
            top[i] = (top[i].key, .map(newContent))
            // The residence certificate's cti is its disclosure commitment;
            // each vector differs from it in content, so is its own certificate.
            return try CBOR.map(top).encoded()
        }
        func setClaim(_ key: Int64, _ value: CBOR) -> (inout [(key: CBOR, value: CBOR)], inout [(key: CBOR, value: CBOR)]) -> Void {
            { top, _ in if let k = top.firstIndex(where: { $0.key == CBOR(key) }) { top[k] = (CBOR(key), value) } }
        }
        func setField(_ name: String, _ value: CBOR) -> (inout [(key: CBOR, value: CBOR)], inout [(key: CBOR, value: CBOR)]) -> Void {
            { _, fields in if let k = fields.firstIndex(where: { $0.key == .textString(name) }) { fields[k] = (.textString(name), value) } }
        }
        for (id, ja, en, change) in [
            ("claims-simple-value", "記載値に true（CBOR 主型7）", "a field value `true` (CBOR major type 7)", setField("name", .boolean(true))),
            ("claims-float", "記載値に浮動小数点数", "a field value that is a float", setField("name", .float(1.5))),
            ("claims-unlisted-tag", "記載値に許されないタグ（1）", "a field value with a tag the format does not list (1)", setField("residentSince", .tagged(1, CBOR(0)))),
            ("claims-negative-iat", "発行日時が負", "a negative issue time", setClaim(6, CBOR(Int64(-1)))),
            ("claims-iat-beyond-2-53", "発行日時が 2^53 以上", "an issue time of 2^53", setClaim(6, CBOR(UInt64(1) << 53))),
        ] {
            let qr = try await iizuka.issuer.signAndLogUnchecked(payload: try claimsBytes(change), kind: "residence", issuedAt: residence.claims.issuedAt)
            add(id, ja, en, qr: qr, verdict: "invalid", codes: ["undecodable"])
        }
        do {
            var claims = residence.claims
            claims.serial = Serial.random()
            claims.kind = "residence\nissued 0"
            let qr = try await iizuka.issuer.signAndLogUnchecked(payload: claims.encoded(), kind: "residence", issuedAt: claims.issuedAt)
            add(
                "claims-kind-with-newline", "種類IDに改行（台帳エントリの行を偽装）", "a kind id with a line feed (forging a log entry line)", qr: qr, verdict: "invalid",
                codes: ["undecodable"])
        }

        // The envelope's one byte form (certificate.md §2.1): the signature still verifies in
        // each, so only the profile refuses them.
        do {
            let envelope = qa.envelope
            // D2 84 4D <13-byte protected> A0 …: the untagged array, and an unprotected header.
            var untagged = envelope
            untagged.removeFirst()
            add(
                "envelope-untagged", "COSE_Sign1 のタグ（18）がない", "the envelope without its COSE_Sign1 tag (18)",
                qr: CertificateQR(envelope: untagged, disclosures: qa.disclosures, proof: qa.proof).text(verifierURL: url), verdict: "invalid",
                codes: ["undecodable"])
            var unprotected = envelope
            if unprotected.count > 16, unprotected[16] == 0xA0 {
                unprotected.replaceSubrange(16..<17, with: [0xA1, 0x18, 0x21, 0x61, 0x78])  // {33: "x"}
                add(
                    "envelope-unprotected-header", "保護されないヘッダーに値がある", "an unprotected header that is not empty",
                    qr: CertificateQR(envelope: unprotected, disclosures: qa.disclosures, proof: qa.proof).text(verifierURL: url), verdict: "invalid",
                    codes: ["undecodable"])
            }
            // The payload's byte-string length in a longer form than the shortest (RFC 8949 §4.2.1).
            var longLength = envelope
            if longLength.count > 19, longLength[17] == 0x58 || longLength[17] == 0x59 {
                // 58 nn → 59 00 nn, or 59 nn nn → 5A 00 00 nn nn: one byte longer than needed.
                longLength.replaceSubrange(17..<18, with: longLength[17] == 0x58 ? [0x59, 0x00] : [0x5A, 0x00, 0x00])
                add(
                    "envelope-non-minimal-length", "封筒内の長さが最短形でない", "a non-minimal byte-string length inside the envelope",
                    qr: CertificateQR(envelope: longLength, disclosures: qa.disclosures, proof: qa.proof).text(verifierURL: url), verdict: "invalid",
                    codes: ["undecodable"])
            }
        }

        add("undecodable-url", "Akashi のQRではない", "not an Akashi QR code", qr: "https://example.com/", verdict: "invalid", codes: ["undecodable"])
        add(
            "truncated", "途中で切れたQR文字列", "a truncated QR text", qr: String(residence.qrText.prefix(residence.qrText.count / 2)), verdict: "invalid",
            codes: ["undecodable"])

        // A key compromised from a log index: what was logged before stays
        // valid, what was logged at or after it is not — whatever its iat says.
        let (early, lateCertificate) = graduation.receipt.index < residence.receipt.index ? (graduation, residence) : (residence, graduation)
        var before = iizuka.trust
        before.authorities[0].keys[0].status = .compromised
        before.authorities[0].keys[0].notAfter = now
        before.authorities[0].keys[0].compromisedAt = now
        before.authorities[0].keys[0].compromisedFromLogIndex = lateCertificate.receipt.index
        trusts["iizuka-compromised-after-residence"] = before
        add(
            "key-compromised-logged-before", "鍵の漏えい前に台帳に記録された証明書", "logged before the key was compromised (index below compromisedFromLogIndex)",
            qr: early.qrText, trust: "iizuka-compromised-after-residence", verdict: "unconfirmed", codes: ["statusMissing"])
        add(
            "key-compromised-logged-after", "鍵の漏えい後に台帳に記録された証明書", "logged at or after the compromise (index = compromisedFromLogIndex)",
            qr: lateCertificate.qrText, trust: "iizuka-compromised-after-residence", verdict: "invalid", codes: ["keyCompromised"])

        // Status: revoked, superseded, valid as of the list, stale, newer than the list.
        let archive = try CertificateArchive(log: iizuka.issuer.log, registry: registry, verifierURL: url)
        let lifecycle = try CertificateLifecycle(issuer: iizuka.issuer, archive: archive)
        let moved = try await iizuka.issuer.issue(kind: "residence", input: Self.example(certs, "residence"), at: now)
        try await lifecycle.revoke(serial: moved.claims.serialText, reason: .moved, at: now)
        let old = try await iizuka.issuer.issue(kind: graduation.kind.id, input: Self.example(certs, graduation.kind.id), at: now)
        _ = try await lifecycle.reissue(serial: old.claims.serialText, at: now)
        statusFiles["iizuka"] = try await lifecycle.signedStatusList(at: now)
        let afterList = try await iizuka.issuer.issue(kind: "residence", input: Self.example(certs, "residence"), at: now)
        add("status-revoked", "失効した証明書（転出）", "a revoked certificate (moved)", qr: moved.qrText, status: "iizuka", verdict: "invalid", codes: ["revoked"])
        add("status-superseded", "置き換えられた証明書", "a superseded certificate", qr: old.qrText, status: "iizuka", verdict: "invalid", codes: ["superseded"])
        add("status-valid", "失効情報で確認して有効", "valid as of the status list", qr: residence.qrText, status: "iizuka", verdict: "valid", codes: [])
        add(
            "status-stale", "古い失効情報（8日前）", "a status list older than 7 days", qr: residence.qrText, at: now.addingTimeInterval(8 * 86_400), status: "iizuka",
            verdict: "unconfirmed", codes: ["statusStale"])
        add(
            "status-stale-revoked", "古い失効情報でも失効は失効", "revoked in a stale status list: still revoked", qr: moved.qrText, at: now.addingTimeInterval(8 * 86_400),
            status: "iizuka", verdict: "invalid", codes: ["revoked"])
        add(
            "status-unknown", "失効情報より後に発行された証明書", "a certificate newer than the status list", qr: afterList.qrText, status: "iizuka", verdict: "unconfirmed",
            codes: ["statusUnknown"])
        var tampered = statusFiles["iizuka"]!
        tampered[tampered.count / 2] ^= 0x01
        statusFiles["iizuka-tampered"] = tampered
        add(
            "status-list-tampered", "改ざんされた失効情報", "a tampered status list", qr: residence.qrText, status: "iizuka-tampered", rejected: true, verdict: "invalid",
            codes: [])
        let kagaArchive = try CertificateArchive(log: kaga.issuer.log, registry: registry, verifierURL: nil)
        statusFiles["kaga"] = try await CertificateLifecycle(issuer: kaga.issuer, archive: kagaArchive).signedStatusList(at: now)
        add(
            "status-list-foreign", "別の自治体の失効情報", "another authority's status list", qr: residence.qrText, status: "kaga", rejected: true, verdict: "invalid",
            codes: [])

        // Selective disclosure (selective-disclosure.md): the holder's reduced
        // copies verify; each forgery of the disclosures has its own code.
        func reduced(_ certificate: IssuedCertificate, hiding fields: [String]) throws -> CertificateQR {
            try CertificateQR(text: certificate.qrText).withholding(fields).qr
        }
        let residenceFields = residence.kind.withholdableFields.map(\.id)
        add(
            "sd-residence-name-address", "本人が氏名・住所など以外を隠した住民票の写し", "a residence certificate reduced by its holder to name, address and the other signed fields",
            qr: try reduced(residence, hiding: residenceFields).text(verifierURL: url), status: "iizuka", verdict: "valid", codes: [])
        add(
            "sd-residence-birth-date", "本人が生年月日だけを隠した住民票の写し", "a residence certificate with only the birth date withheld",
            qr: try reduced(residence, hiding: ["birthDate"]).text(verifierURL: url), status: "iizuka", verdict: "valid", codes: [])
        add(
            "sd-residence-bare", "生年月日と続柄を隠した URL なしの QR 文字列", "birth date and relationship withheld, bare text",
            qr: try reduced(residence, hiding: ["birthDate", "relationship"]).text(verifierURL: nil), status: "iizuka", verdict: "valid", codes: [])
        for (kind, hide) in [
            ("partnership", ["partner1BirthDate"]), ("partnership", ["partner1BirthDate", "partner2BirthDate"]), ("graduation", ["birthDate"]),
        ] {
            guard let certificate = issued[kind] else { continue }
            add(
                "sd-\(kind)-\(hide.count == 1 ? hide[0] : "both-birth-dates")", "本人が生年月日を隠した\(certificate.kind.label.ja)",
                "\(certificate.kind.label.en) with \(hide.joined(separator: " and ")) withheld",
                qr: try reduced(certificate, hiding: hide).text(verifierURL: url), status: "iizuka", verdict: "valid", codes: [])
        }
        // The disclosures as CBOR, to forge them.
        func forgeDisclosures(_ qr: CertificateQR, _ change: (inout [CBOR]) -> Void) throws -> String {
            guard case .array(var items) = try CBOR(decoding: qr.disclosures, options: .akashi(tags: [1004, 30000, 30001])) else {
                throw CertificateError(.malformedPayload, "unexpected disclosures shape")
            }
            change(&items)
            return CertificateQR(envelope: qr.envelope, disclosures: try CBOR.array(items).encoded(), proof: qr.proof).text(verifierURL: url)
        }
        func inUnit(_ field: String, _ change: @escaping (inout [(key: CBOR, value: CBOR)]) -> Void) -> (inout [CBOR]) -> Void {
            { items in
                for i in items.indices {
                    guard case .map(var entries) = items[i], entries.contains(where: { $0.key == .textString(field) }) else { continue }
                    change(&entries)
                    items[i] = .map(entries)
                }
            }
        }
        let partial = try reduced(residence, hiding: ["domicile"])
        add(
            "sd-altered-value", "本人が開示した続柄を書き換えた", "a shown value (relationship) altered by the holder",
            qr: try forgeDisclosures(
                partial,
                inUnit("relationship") { entries in
                    if let k = entries.firstIndex(where: { $0.key == .textString("relationship") }) { entries[k].value = .textString("夫") }
                }), verdict: "invalid", codes: ["disclosureMismatch"])
        add(
            "sd-added-field", "様式にない項目（個人番号）を開示情報に加えた", "a field the kind does not define (myNumber) added to a unit",
            qr: try forgeDisclosures(
                partial,
                inUnit("birthDate") { entries in
                    entries.append((.textString("myNumber"), .textString("123456789012")))
                    entries.sort { try! $0.key.encoded().lexicographicallyPrecedes(try! $1.key.encoded()) }
                }), verdict: "invalid", codes: ["disclosureUnknownField"])
        add(
            "sd-not-withholdable", "隠せない項目（氏名）を開示情報に入れた", "a field that may not be withheld (name) put in a unit",
            qr: try forgeDisclosures(
                partial,
                inUnit("birthDate") { entries in
                    entries.append((.textString("name"), .textString("飯塚 花美")))
                    entries.sort { try! $0.key.encoded().lexicographicallyPrecedes(try! $1.key.encoded()) }
                }), verdict: "invalid", codes: ["notWithholdable"])
        add(
            "sd-added-and-not-withholdable", "様式にない項目と隠せない項目を同じまとまりに加えた（様式にない項目が先に報告される）",
            "an undefined field and a non-withholdable field added to one unit (the undefined one is reported: rules are checked in order over all entries)",
            qr: try forgeDisclosures(
                partial,
                inUnit("birthDate") { entries in
                    entries.append((.textString("name"), .textString("飯塚 花美")))
                    entries.append((.textString("zzz"), .textString("x")))
                    entries.sort { try! $0.key.encoded().lexicographicallyPrecedes(try! $1.key.encoded()) }
                }), verdict: "invalid", codes: ["disclosureUnknownField"])
        let other = try CertificateQR(text: afterList.qrText)
        add(
            "sd-disclosures-from-other-certificate", "別の証明書の開示情報を付けた", "the disclosures of another certificate of the same person",
            qr: CertificateQR(envelope: qa.envelope, disclosures: other.disclosures, proof: qa.proof).text(verifierURL: url),
            verdict: "invalid", codes: ["disclosureMismatch"])
        add(
            "sd-disclosures-missing", "開示情報を取り除いた", "the disclosures removed",
            qr: CertificateQR(envelope: qa.envelope, proof: qa.proof).text(verifierURL: url), verdict: "invalid", codes: ["disclosureMismatch"])
        add(
            "sd-unit-dropped", "項目のまとまりを1つ取り除き、節を合わせた", "one unit entry dropped, the nodes adjusted to the shorter pattern",
            qr: try forgeDisclosures(try reduced(residence, hiding: ["domicile", "relationship"])) { items in
                // Entries: birthDate, householder, {} , {} → drop the last withheld one: three units, nodes for (shown, shown)(withheld).
                items.remove(at: 3)
            }, verdict: "invalid", codes: ["disclosureMismatch"])
        add(
            "sd-node-length", "節のバイト数が足りない", "the node string one byte short",
            qr: try forgeDisclosures(partial) { items in
                if case .byteString(let nodes) = items[items.count - 1] { items[items.count - 1] = .byteString(Array(nodes.dropLast())) }
            }, verdict: "invalid", codes: ["undecodable"])

        // Subject transparency (subject-transparency.md): a certificate about a
        // person must be findable by them.
        do {
            var unbound = residence.claims
            unbound.subjectKeys = []
            let issued = try await iizuka.issuer.issueUnchecked(unbound, disclosures: qa.disclosures, kind: residence.kind)
            add(
                "subject-key-missing", "本人の鍵に結び付けられていない住民票の写し", "a residence certificate bound to no subject key",
                qr: issued.qrText, verdict: "invalid", codes: ["subjectNotFindable"])
            let hidden = try await iizuka.issuer.issueUnboundUnchecked(residence.claims, disclosures: qa.disclosures)
            add(
                "subject-logged-without-line", "本人が見つけられない形（本人の行なし）で台帳に記録", "logged without the subject line its subject would find it by",
                qr: hidden, verdict: "invalid", codes: ["subjectNotFindable"])
        }

        // Verdict for the changed digit as the reference verifier sees it (any
        // invalid verdict is right; implementations must agree on the code).
        let digitCodes = CertificateVerifier(trust: iizuka.trust).verify(text: digitQR, at: at).reasons.compactMap(\.code)
        add("tampered-digit", "QR文字列の1桁を変更", "one digit of the QR text changed", qr: digitQR, verdict: "invalid", codes: digitCodes)

        // Witnesses: the residence certificate's checkpoint cosigned by fixed
        // witness keys (``witness(_:)``), each case with its own trust file
        // whose log carries a c2sp.org/tlog-policy.
        let logKey = try iizuka.directory.logVerifierKey()
        let witnessKeys = try (1...5).map { try Self.witness("w\($0).witness.example") }
        let cosignedAt = UInt64(now.timeIntervalSince1970)
        func cosigned(_ signers: [CosignatureV1Signer], corrupting corrupted: Int? = nil) throws -> String {
            let leaf = Merkle.leafHash(try LogEntry.certificate(envelope: qa.envelope, claims: residence.claims).bytes)
            let proof = try CompactProof(decoding: qa.proof).tlogProof(leafHash: leaf, logKey: logKey)
            var lines = signers.map { $0.cosign(checkpointText: proof.checkpoint.note.text, timestamp: cosignedAt) }
            if let corrupted {
                var bytes = lines[corrupted].bytes
                bytes[bytes.count - 1] ^= 0x01
                lines[corrupted] = SignedNote.Signature(name: lines[corrupted].name, keyID: lines[corrupted].keyID, bytes: bytes)
            }
            let witnessed = TlogProof(index: proof.index, inclusionProof: proof.inclusionProof, checkpoint: proof.checkpoint.adding(lines))
            return CertificateQR(envelope: qa.envelope, disclosures: qa.disclosures, proof: try CompactProof.encode(witnessed)).text(verifierURL: url)
        }
        func withPolicy(_ name: String, _ policy: String) throws {
            _ = try TlogPolicy(parsing: policy)
            var trust = iizuka.trust
            trust.authorities[0].log.policy = policy
            trusts[name] = trust
        }
        let w = witnessKeys.map(\.verifierKey)
        let twoOfThree = """
            # Iizuka's log; any two of three witnesses must cosign its checkpoints.
            log \(logKey)
            witness W1 \(w[0]) https://w1.witness.example/
            witness W2 \(w[1]) https://w2.witness.example/
            witness W3 \(w[2]) https://w3.witness.example/
            group two-of-three 2 W1 W2 W3
            quorum two-of-three

            """
        try withPolicy("iizuka-witness-quorum-met", twoOfThree)
        add(
            "witness-quorum-met", "3者中2者の証人が連署（ポリシー: 3者中2者）", "cosigned by 2 of 3 witnesses (policy: 2 of 3)",
            qr: try cosigned([witnessKeys[0], witnessKeys[2]]), trust: "iizuka-witness-quorum-met", verdict: "unconfirmed", codes: ["statusMissing"])
        try withPolicy("iizuka-witness-quorum-not-met", twoOfThree)
        add(
            "witness-quorum-not-met", "3者中1者の証人のみ連署（ポリシー: 3者中2者）", "cosigned by only 1 of 3 witnesses (policy: 2 of 3)",
            qr: try cosigned([witnessKeys[1]]), trust: "iizuka-witness-quorum-not-met", verdict: "invalid", codes: ["checkpointUntrusted"])
        try withPolicy(
            "iizuka-witness-group-policy",
            """
            # Either operator A's two witnesses both, or two of operator B's three.
            log \(logKey)
            witness A1 \(w[0])
            witness A2 \(w[1])
            group operator-a all A1 A2

            witness B1 \(w[2])
            witness B2 \(w[3])
            witness B3 \(w[4])
            group operator-b 2 B1 B2 B3
            group either any operator-a operator-b
            quorum either

            """)
        add(
            "witness-group-policy", "入れ子のグループ（A社の全員またはB社の3者中2者）をB社の2者で満たす",
            "nested groups (all of operator A or 2 of 3 of operator B) met by two of operator B",
            qr: try cosigned([witnessKeys[0], witnessKeys[2], witnessKeys[4]]), trust: "iizuka-witness-group-policy", verdict: "unconfirmed",
            codes: ["statusMissing"])
        try withPolicy("iizuka-witness-bad-cosignature", twoOfThree)
        // A bad cosignature counts as absent (the holder could drop it anyway):
        // the two good ones still meet the quorum …
        add(
            "witness-bad-cosignature", "ポリシーにある証人の連署が1つ壊れている（残り2者で定足数を満たす）",
            "a listed witness's cosignature is corrupted; the other two meet the quorum (a bad cosignature counts as absent)",
            qr: try cosigned(Array(witnessKeys[0..<3]), corrupting: 1), trust: "iizuka-witness-bad-cosignature", verdict: "unconfirmed",
            codes: ["statusMissing"])
        // … and with only one good one left it does not.
        add(
            "witness-bad-cosignature-short", "壊れた連署を除くと定足数に足りない", "without the corrupted cosignature the quorum is not met",
            qr: try cosigned([witnessKeys[0], witnessKeys[1]], corrupting: 1), trust: "iizuka-witness-bad-cosignature", verdict: "invalid",
            codes: ["checkpointUntrusted"])

        // Every vector must get exactly its expected verdict and codes from the
        // reference verifier; its per-check statuses are then recorded.
        for i in vectors.indices {
            let vector = vectors[i]
            let trust = trusts[String(vector.trust.dropFirst("trust/".count).dropLast(".json".count))]!
            let got = Self.verify(
                vector, trust: trust, statusBytes: vector.status.map { statusFiles[String($0.dropFirst("status/".count).dropLast(".cose".count))]! })
            guard got.verdict == vector.expected.verdict, got.codes == vector.expected.codes, got.status == vector.expected.status else {
                throw CertificateError(.invalidInput, "vector \(vector.id): expected \(vector.expected), the verifier says \(got)")
            }
            vectors[i].expected.checks = got.checks
        }

        try FileManager.default.createDirectory(at: out.appendingPathComponent("trust"), withIntermediateDirectories: true)
        for (name, trust) in trusts {
            try trust.encoded().write(to: out.appendingPathComponent("trust/\(name).json"))
        }
        if !statusFiles.isEmpty { try FileManager.default.createDirectory(at: out.appendingPathComponent("status"), withIntermediateDirectories: true) }
        for (name, bytes) in statusFiles { try Data(bytes).write(to: out.appendingPathComponent("status/\(name).cose")) }
        for vector in vectors {
            try Data((vector.qr + "\n").utf8).write(to: out.appendingPathComponent("\(vector.id).txt"))
            try Data(QRCode.encode(vector.qr, level: .medium).pngData(scale: 4, quietZone: 4)).write(to: out.appendingPathComponent(vector.png))
        }
        let index = ConformanceIndex(format: ConformanceIndex.currentFormat, generatedAt: now, vectors: vectors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try (encoder.encode(index) + Data("\n".utf8)).write(to: out.appendingPathComponent("index.json"))
        return index
    }

    /// What the reference verifier answers for a vector, in the vector's terms.
    public static func verify(_ vector: ConformanceVector, trust: TrustFile, statusBytes: [UInt8]?) -> ConformanceVector.Expected {
        var status: VerifiedStatusList? = nil
        if let statusBytes {
            do { status = try VerifiedStatusList(signed: statusBytes, trust: trust) } catch {
                return .init(verdict: "invalid", valid: false, codes: [], checks: [:], status: "rejected")
            }
        }
        let report = CertificateVerifier(trust: trust, status: status).verify(utf8: Array(vector.qr.utf8), at: vector.at)
        return .init(
            verdict: report.verdict.rawValue, valid: report.isValid, codes: report.checks.compactMap(\.code),
            checks: Dictionary(uniqueKeysWithValues: report.checks.map { ($0.name.rawValue, $0.status.rawValue) }),
            status: statusBytes == nil ? nil : "accepted")
    }

    /// A witness cosigning key fixed by its name (seed = SHA-256 of
    /// "akashi conformance vectors witness " + name): the vectors' witnesses
    /// are the same in every regeneration. Test keys only — never trust them.
    static func witness(_ name: String) throws -> CosignatureV1Signer {
        try CosignatureV1Signer(name: name, privateKey: Ed25519.PrivateKey(seed: SHA256.hash(Array("akashi conformance vectors witness \(name)".utf8))))
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<i + needle.count].elementsEqual(needle) {
            return i..<i + needle.count
        }
        return nil
    }
}
