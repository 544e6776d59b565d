import AkashiCrypto
import Authority
import Certificates
import Foundation
import Issuance
import LogStore
import QRCode
import QRScan
import Testing
import TransparencyLog

/// The product's core path for every kind: issue → QR image → decode with the
/// verifier's reader → verify; then forgeries, each refused with its reason.
@Suite struct EndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Every kind in certs/ (each has its example): a kind added as data is covered without a code change.
    /// (A missing certs/ stops the suite rather than leaving these tests with no cases.)
    static let kinds: [String] = (try! FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("certs").path))
        .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()

    struct Authority {
        let directory: AuthorityDirectory
        let issuer: Issuer
        let trust: TrustFile
    }

    static func makeAuthority(code: String = "402052", origin: String = "iizuka.example/akashi/log", kinds: [String]? = nil) async throws -> Authority {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-e2e-\(UUID().uuidString)")
        let directory = try await AuthorityDirectory.create(
            at: dir, origin: origin, name: "飯塚市", code: code, verifierURL: "https://iizuka.example/akashi/verify/")
        var registry = try KindRegistry(directory: root.appendingPathComponent("certs"))
        if let kinds { registry = try KindRegistry(kinds: registry.kinds.filter { kinds.contains($0.id) }) }
        let issuer = try await Issuer(directory: directory, registry: registry, log: directory.openLog())
        return Authority(directory: directory, issuer: issuer, trust: try TrustFile.export(directory: directory, registry: registry))
    }

    static func example(_ kind: String) throws -> [String: InputValue] {
        let data = try Data(contentsOf: root.appendingPathComponent("certs/examples/\(kind).json"))
        return try JSONDecoder().decode([String: InputValue].self, from: data)
    }

    @Test(arguments: kinds)
    func issueRenderScanVerify(kind: String) async throws {
        let authority = try await Self.makeAuthority()
        let issued = try await authority.issuer.issue(kind: kind, input: Self.example(kind))
        let qr = try QRCode.encode(issued.qrText, level: .medium)
        #expect(qr.version <= 27, "QR version \(qr.version) for \(kind)")
        let scanned = try QRScanner.decode(imageData: qr.pngData(scale: 4, quietZone: 4))
        #expect(scanned == [issued.qrText])
        let report = CertificateVerifier(trust: authority.trust).verify(text: scanned[0])
        #expect(report.isGenuine, "\(report.reasons.map { $0.message?.en ?? "" })")
        #expect(report.claims?.kind == kind)
        #expect(report.claims?.fields == issued.claims.fields)
        #expect(report.checks.map(\.name) == VerificationReport.CheckName.allCases)
    }

    @Test func omittedByDefaultAndForbiddenFields() async throws {
        let authority = try await Self.makeAuthority()
        var input = try Self.example("residence")
        let plain = try await authority.issuer.issue(kind: "residence", input: input)
        #expect(plain.claims.allFields["domicile"] == nil, "本籍 is omitted unless asked for")
        let withDomicile = try await authority.issuer.issue(kind: "residence", input: input, include: ["domicile"])
        #expect(withDomicile.claims.allFields["domicile"] != nil)
        input["myNumber"] = .string("123456789012")
        input["birthDate"] = .string("1990-02-30")
        await #expect(throws: CertificateError.self) { try await authority.issuer.issue(kind: "residence", input: input) }
        do {
            _ = try await authority.issuer.issue(kind: "residence", input: input)
        } catch let error as CertificateError {
            #expect(Set(error.problems.map(\.code)) == ["forbiddenField", "invalidDate"], "every problem is reported at once")
        }
    }

    /// Each forgery class is refused, with the reason code a verifier can show.
    @Test func tamperMatrix() async throws {
        let authority = try await Self.makeAuthority()
        let verifier = CertificateVerifier(trust: authority.trust)
        let a = try await authority.issuer.issue(kind: "residence", input: Self.example("residence"))
        let b = try await authority.issuer.issue(kind: "graduation", input: Self.example("graduation"))
        #expect(verifier.verify(text: a.qrText).isGenuine)
        func codes(_ report: VerificationReport) -> Set<String> { Set(report.reasons.compactMap(\.code)) }

        // Any changed digit of the QR text.
        let text = Array(a.qrText)
        let start = a.qrText.distance(from: a.qrText.startIndex, to: a.qrText.range(of: "AK2.")!.upperBound)
        for position in stride(from: start, to: text.count, by: max(1, (text.count - start) / 60)) {
            var t = text
            t[position] = t[position] == "7" ? "3" : "7"
            let report = verifier.verify(text: String(t))
            #expect(!report.isGenuine, "changed digit at \(position) still verified")
        }
        // A proof from another certificate.
        let qa = try CertificateQR(text: a.qrText), qb = try CertificateQR(text: b.qrText)
        #expect(codes(verifier.verify(CertificateQR(envelope: qa.envelope, disclosures: qa.disclosures, proof: qb.proof))) == ["inclusionFailed"])

        // A checkpoint from another log, another authority's trust file.
        let other = try await Self.makeAuthority(code: "172065", origin: "kaga.example/akashi/log")
        let c = try await other.issuer.issue(kind: "residence", input: Self.example("residence"))
        let qc = try CertificateQR(text: c.qrText)
        #expect(
            codes(verifier.verify(CertificateQR(envelope: qa.envelope, disclosures: qa.disclosures, proof: qc.proof))) == ["inclusionFailed"],
            "no signature the trust file knows")
        #expect(codes(CertificateVerifier(trust: other.trust).verify(text: a.qrText)) == ["unknownKey"])

        // A signature by a key the issuer does not have (same issuer id).
        let forger = try await Self.makeAuthority(code: "402052", origin: "iizuka.example/akashi/log")
        let forged = try await forger.issuer.issue(kind: "residence", input: Self.example("residence"))
        #expect(codes(verifier.verify(text: forged.qrText)).contains("unknownKey"))

        // A kind the issuer may not issue.
        var restricted = authority.trust
        restricted.authorities[0].kinds.removeAll { $0.id == "graduation" }
        #expect(codes(CertificateVerifier(trust: restricted).verify(text: b.qrText)) == ["kindNotAllowed"])

        // Expired (residence: 90 days) and before issue.
        #expect(codes(verifier.verify(text: a.qrText, at: Date().addingTimeInterval(91 * 86_400))) == ["expired"])
        #expect(codes(verifier.verify(text: a.qrText, at: Date().addingTimeInterval(-86_400))) == ["notYetValid"])

        // Not an Akashi QR at all.
        #expect(codes(verifier.verify(text: "https://example.com/")) == ["undecodable"])
    }

    @Test func envelopeAndLogEntryCarryNoPersonalData() async throws {
        let authority = try await Self.makeAuthority()
        let issued = try await authority.issuer.issue(kind: "residence", input: Self.example("residence"))
        let entry = try await authority.issuer.log.entry(at: issued.receipt.index)
        let text = String(decoding: entry, as: UTF8.self)
        #expect(!text.contains("飯塚 花子") && !text.contains("1990-04-01"))
        let lines = try SubjectLines.lines(cti: issued.claims.cti, serial: issued.claims.serial, keys: issued.claims.subjectKeys)
        #expect(lines.count == 1, "one subject line: the resident")
        #expect(
            try LogEntry(parsing: entry)
                == .certificate(sha256: SHA256.hash(issued.envelope.encoded), kind: "residence", issuedAt: issued.claims.issuedAt, subjects: lines))
    }

    @Test func randomFieldValuesRoundTrip() async throws {
        let authority = try await Self.makeAuthority()
        let verifier = CertificateVerifier(trust: authority.trust)
        // No ZWJ sequences: U+200D is an invisible character the text rule refuses.
        let alphabet = Array("あいうえお漢字テスト😀🇯🇵ABCxyz 0123-・、。髙﨑")
        for _ in 0..<12 {
            var input = try Self.example("residence")
            input["name"] = .string(String((0..<Int.random(in: 1...30)).map { _ in alphabet.randomElement()! }).trimmingCharacters(in: .whitespaces) + "x")
            // 4-byte characters, counted as one each; short enough to print at 27-M.
            input["address"] = .string(String(repeating: "😀", count: 30) + "端")
            let issued = try await authority.issuer.issue(kind: "residence", input: input)
            let report = verifier.verify(text: issued.qrText)
            #expect(report.isGenuine)
            #expect(report.claims?.fields["name"] == issued.claims.fields["name"])
            #expect(report.claims?.fields["address"] == .text(String(repeating: "😀", count: 30) + "端"))
        }
    }
}
