import AkashiCrypto
import Authority
import Certificates
import Foundation
import Issuance
import LogStore
import Testing
import TransparencyLog

@Suite struct LifecycleTests {
    struct Setup {
        let authority: EndToEndTests.Authority
        let lifecycle: CertificateLifecycle
    }

    static func setup() async throws -> Setup {
        let authority = try await EndToEndTests.makeAuthority()
        let registry = authority.issuer.registry
        let archive = try CertificateArchive(log: authority.issuer.log, registry: registry, verifierURL: nil)
        return Setup(authority: authority, lifecycle: try CertificateLifecycle(issuer: authority.issuer, archive: archive))
    }

    /// Every code the report carries: failures, and why it is unconfirmed.
    func codes(_ report: VerificationReport) -> [String] { report.checks.compactMap(\.code) }

    @Test func revokeSupersedeAndVerifyWithTheStatusList() async throws {
        let s = try await Self.setup()
        let issuer = s.authority.issuer
        let a = try await issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        let b = try await issuer.issue(kind: "partnership", input: EndToEndTests.example("partnership"))
        let c = try await issuer.issue(kind: "energy-origin", input: EndToEndTests.example("energy-origin"))
        try await s.lifecycle.revoke(serial: a.claims.serialText, reason: .moved)
        let (_, successor) = try await s.lifecycle.reissue(serial: b.claims.serialText)
        #expect(successor.claims.fields == b.claims.fields, "a reissue keeps the fields")
        #expect(successor.claims.serial != b.claims.serial)

        // The log holds the history: the originals, then entries naming them.
        let size = await issuer.log.size
        let entries = try await issuer.log.entries(0..<size).map { try LogEntry(parsing: $0) }
        #expect(entries.contains { if case .revocation(_, a.receipt.index, .moved, _) = $0 { true } else { false } })
        #expect(entries.contains { if case .supersession(_, b.receipt.index, successor.receipt.index, _) = $0 { true } else { false } })

        let signed = try await s.lifecycle.signedStatusList()
        let status = try VerifiedStatusList(signed: signed, trust: s.authority.trust)
        #expect(status.list.entries.count == 2)
        let verifier = CertificateVerifier(trust: s.authority.trust, status: status)
        let revoked = verifier.verify(text: a.qrText)
        #expect(codes(revoked) == ["revoked"])
        #expect(revoked.reasons[0].message?.ja.contains("転出") == true)
        let superseded = verifier.verify(text: b.qrText)
        #expect(codes(superseded) == ["superseded"])
        #expect(superseded.reasons[0].message?.en.contains(successor.claims.serialText) == true)
        let fine = verifier.verify(text: c.qrText)
        #expect(fine.isValid)
        #expect(fine.statusAsOf != nil, "valid *as of* the status list")
        #expect(verifier.verify(text: successor.qrText).isGenuine)
        // Without a status list the verdict says nothing about revocation.
        let plain = CertificateVerifier(trust: s.authority.trust).verify(text: a.qrText)
        #expect(plain.verdict == .unconfirmed)
        #expect(plain.checks.last?.status == .skipped)

        // Stale, and a certificate newer than the snapshot: unconfirmed — never
        // silently valid, never called invalid.
        let stale = verifier.verify(text: c.qrText, at: Date().addingTimeInterval(8 * 86_400))
        #expect(codes(stale) == ["statusStale"] && stale.verdict == .unconfirmed)
        let later = try await issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        let newer = verifier.verify(text: later.qrText)
        #expect(codes(newer) == ["statusUnknown"] && newer.verdict == .unconfirmed)
        // A revocation in a stale list is still a revocation.
        #expect(verifier.verify(text: a.qrText, at: Date().addingTimeInterval(8 * 86_400)).verdict == .invalid)
    }

    @Test func aRevocationIsRefusedTwiceAndNeverBreaksOthersInTheBatch() async throws {
        let s = try await Self.setup()
        let a = try await s.authority.issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        let serial = a.claims.serialText
        // Two revocations and an issuance at once: they may share one batch.
        async let first: Bool = (try? await s.lifecycle.revoke(serial: serial, reason: .error)) != nil
        async let second: Bool = (try? await s.lifecycle.revoke(serial: serial, reason: .other)) != nil
        async let issued = try await s.authority.issuer.issue(kind: "graduation", input: EndToEndTests.example("graduation"))
        let outcomes = await [first, second]
        #expect(outcomes.filter { $0 }.count == 1, "exactly one revocation lands")
        _ = try await issued
        await #expect(throws: CertificateError.self) { try await s.lifecycle.revoke(serial: serial, reason: .error) }
        await #expect(throws: CertificateError.self) { try await s.lifecycle.reissue(serial: serial) }
        await #expect(throws: CertificateError.self) { try await s.lifecycle.revoke(serial: "AAAA-AAAA-AAAA-AAAA", reason: .error) }
    }

    @Test func tamperedForeignOrUnsignedStatusListsAreRejected() async throws {
        let s = try await Self.setup()
        let a = try await s.authority.issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        try await s.lifecycle.revoke(serial: a.claims.serialText, reason: .ended)
        let signed = try await s.lifecycle.signedStatusList()
        #expect(throws: Never.self) { try VerifiedStatusList(signed: signed, trust: s.authority.trust) }
        for position in stride(from: 0, to: signed.count, by: max(1, signed.count / 40)) {
            var bad = signed
            bad[position] ^= 0x10
            #expect(throws: CertificateError.self, "flipped byte \(position)") { try VerifiedStatusList(signed: bad, trust: s.authority.trust) }
        }
        // Another authority's status list, and one signed by an unknown key.
        let other = try await Self.setup()
        let foreign = try await other.lifecycle.signedStatusList()
        #expect(throws: CertificateError.self) { try VerifiedStatusList(signed: foreign, trust: s.authority.trust) }
        let forged = try await s.lifecycle.statusList().signed(with: P256.PrivateKey())
        #expect(throws: CertificateError.self) { try VerifiedStatusList(signed: forged, trust: s.authority.trust) }
    }

    @Test func statusListRoundTripsAndStaysSmall() throws {
        var entries: [UInt64: CertificateState] = [:]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let index = UInt64.random(in: 0..<100_000, using: &generator)
            entries[index] =
                Bool.random()
                ? .revoked(reason: LogEntry.RevocationReason.allCases.randomElement()!, at: 1_763_000_000 + Int64.random(in: 0..<1_000_000))
                : .superseded(successor: Serial.text(Serial.random()), successorIndex: index + 1, at: 1_763_000_000)
        }
        let list = StatusList(issuer: "402052", issuedAt: 1_764_000_000, checkpoint: "x", entries: entries)
        let decoded = try StatusList(decodingPayload: list.payload)
        #expect(decoded == list)
        #expect(list.payload.count < entries.count * 16, "\(list.payload.count) bytes for \(entries.count) entries")
    }

    @Test func keyRotationRetirementAndCompromiseByLogOrder() async throws {
        let s = try await Self.setup()
        var directory = s.authority.directory
        let before = try await s.authority.issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        let oldFile = directory.configuration.issuerKeys![0].file
        _ = try directory.rotateIssuerKey()
        try directory.retireIssuerKey(file: oldFile)
        let issuer2 = try Issuer(directory: directory, registry: s.authority.issuer.registry, log: s.authority.issuer.log)
        let after = try await issuer2.issue(kind: "residence", input: EndToEndTests.example("residence"))
        #expect(after.envelope.kid != before.envelope.kid, "new certificates use the new key")
        var trust = try TrustFile.export(directory: directory, registry: s.authority.issuer.registry)
        #expect(trust.authorities[0].keys.count == 2)
        #expect(CertificateVerifier(trust: trust).verify(text: before.qrText).isGenuine, "a retired key's certificates stay valid")
        #expect(CertificateVerifier(trust: trust).verify(text: after.qrText).isGenuine)

        // The old key leaks; the thief signs with it after the declared index.
        let stolen = try await s.authority.issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        try directory.declareCompromised(file: oldFile, since: Date(), fromLogIndex: before.receipt.index + 1)
        trust = try TrustFile.export(directory: directory, registry: s.authority.issuer.registry)
        let verifier = CertificateVerifier(trust: trust)
        #expect(verifier.verify(text: before.qrText).isGenuine, "logged before the compromise: still valid")
        #expect(codes(verifier.verify(text: stolen.qrText)).contains("keyCompromised"))
        #expect(verifier.verify(text: after.qrText).isGenuine)
        #expect(throws: AuthorityError.self) { try directory.retireIssuerKey(file: "issuer-9.pem") }
        // The configuration on disk has the same story.
        let reopened = try AuthorityDirectory(at: directory.url)
        #expect(reopened.configuration.issuerKeys?.first?.status == "compromised")
        #expect(reopened.configuration.issuerKeys?.first?.compromisedFromLogIndex == before.receipt.index + 1)
    }
}
