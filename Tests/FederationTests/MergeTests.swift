import AkashiCrypto
import Certificates
import Federation
import Foundation
import Testing
import TransparencyLog

/// Merging lists and trust files into one trust file: both authorities kept,
/// duplicates collapsed deterministically, conflicts refused — and the merged
/// file verifies certificates from every listed authority.
@Suite struct MergeTests {
    static func list(_ authorities: [TrustedAuthority], name: String, version: Int = 1) -> FederatedTrustList {
        FederatedTrustList(name: name, version: version, issuedAt: now, expiresAt: now + 90 * day, authorities: authorities)
    }

    static func mergeCode(_ lists: [FederatedTrustList], trustFiles: [TrustFile] = []) -> FederationError.Code? {
        federationErrorCode { () throws(FederationError) in try FederatedTrustList.merge(lists, trustFiles: trustFiles, generatedAt: now) }
    }

    @Test func iizukaAndKagaListsMergeIntoOneTrustFile() throws {
        let iizuka = try TestAuthority.iizuka(), kaga = try TestAuthority.kaga()
        let fukuoka = try federationKey(), ishikawa = try federationKey("pref.ishikawa.example/federation")
        let a = try FederatedTrustList.verify(Self.list([iizuka.authority], name: "福岡県").signed(by: fukuoka).data, trusting: [fukuoka.verifierKey], at: now)
        let b = try FederatedTrustList.verify(Self.list([kaga.authority], name: "石川県").signed(by: ishikawa).data, trusting: [ishikawa.verifierKey], at: now)
        let merged = try FederatedTrustList.merge([a, b], generatedAt: now)
        #expect(merged.authorities.map(\.issuer) == ["172065", "402052"], "sorted by issuer id")
        #expect(merged.authority(issuer: "402052")?.name == "飯塚市")
        #expect(merged.authority(issuer: "172065")?.kinds.map(\.id).sorted() == ["partnership", "residence"])
        #expect(try merged.authority(issuer: "172065")?.log.tlogPolicy().witnesses.count == 2, "Kaga: any one of two witnesses")
        #expect(merged.format == TrustFile.currentFormat && merged.generatedAt == now)
        // A file the verifier reads back unchanged.
        #expect(try TrustFile.decode(merged.encoded()) == merged)
        // The order of the inputs does not matter.
        #expect(try FederatedTrustList.merge([b, a], generatedAt: now).encoded() == merged.encoded())
        // Plain trust files merge the same way.
        let plain = try TrustFile.merged([kaga.trustFile, iizuka.trustFile], generatedAt: now)
        #expect(try plain.encoded() == merged.encoded())
        #expect(try FederatedTrustList.merge([a], trustFiles: [kaga.trustFile], generatedAt: now).encoded() == merged.encoded())
    }

    @Test func identicalDuplicatesCollapseAndKindsAreCombined() throws {
        let iizuka = try TestAuthority.iizuka()
        var fewer = iizuka.authority
        fewer.kinds = fewer.kinds.filter { $0.id == "residence" }
        // The same authority in the prefecture's list and a national list.
        let merged = try FederatedTrustList.merge([Self.list([iizuka.authority], name: "福岡県"), Self.list([iizuka.authority], name: "全国")], generatedAt: now)
        #expect(merged.authorities.count == 1)
        #expect(merged.authorities[0] == iizuka.authority.normalizedForTest())
        // One source allows fewer kinds: the union, sorted by id.
        let union = try FederatedTrustList.merge([Self.list([fewer], name: "A"), Self.list([iizuka.authority], name: "B")], generatedAt: now)
        #expect(union.authorities[0].kinds.map(\.id) == iizuka.authority.kinds.map(\.id).sorted())
        let reversed = try FederatedTrustList.merge([Self.list([iizuka.authority], name: "B"), Self.list([fewer], name: "A")], generatedAt: now)
        #expect(try reversed.encoded() == union.encoded())
        // Two spellings of one policy (a comment, other spacing) are the same rule.
        var explicit = iizuka.authority
        explicit.log.policy = "# no witnesses\n" + explicit.log.policy.replacingOccurrences(of: "quorum none", with: "quorum  none")
        #expect(Self.mergeCode([Self.list([explicit], name: "A"), Self.list([iizuka.authority], name: "B")]) == nil)
    }

    @Test func conflictingDuplicateIssuerIsRefused() throws {
        let iizuka = try TestAuthority.iizuka()
        // Another authority claiming the same issuer id, with its own keys and log.
        let impostor = try TestAuthority(code: "402052", name: "飯塚市", origin: "iizuka.example/akashi/log")
        #expect(Self.mergeCode([Self.list([iizuka.authority], name: "福岡県"), Self.list([impostor.authority], name: "偽")]) == .conflict)
        #expect(Self.mergeCode([], trustFiles: [iizuka.trustFile, impostor.trustFile]) == .conflict)
        let error = try #require(throws: FederationError.self) {
            try FederatedTrustList.merge([Self.list([iizuka.authority], name: "福岡県"), Self.list([impostor.authority], name: "偽")], generatedAt: now)
        }
        #expect(error.reason.contains("402052") && error.reason.contains("福岡県") && error.reason.contains("偽"))

        func conflicts(_ change: (inout TrustedAuthority) -> Void) -> Bool {
            var other = iizuka.authority
            change(&other)
            return Self.mergeCode([Self.list([iizuka.authority], name: "A"), Self.list([other], name: "B")]) == .conflict
        }
        // The same key, but declared compromised (or retired) in one source: never pick one silently.
        #expect(
            conflicts {
                $0.keys[0].status = .compromised; $0.keys[0].compromisedAt = now; $0.keys[0].notAfter = now
            })
        #expect(
            conflicts {
                $0.keys[0].status = .retired; $0.keys[0].notAfter = now
            })
        // A key only one source has (a rotation one list has not caught up with).
        let rotated = try P256.PrivateKey()
        #expect(conflicts { $0.keys.append(IssuerKey(publicKey: rotated.publicKey, notBefore: now)) })
        // The log, its witnesses, the name, the verifier page.
        let otherLog = try Ed25519NoteSigner(name: "iizuka.example/akashi/log", privateKey: Ed25519.PrivateKey())
        #expect(
            conflicts {
                $0.log.vkey = otherLog.verifierKey.description; $0.log.policy = LogTrust.noWitnesses(vkey: otherLog.verifierKey.description)
            })
        let witness = try CosignatureV1Signer(name: "w.example", privateKey: Ed25519.PrivateKey())
        #expect(conflicts { $0.log.policy = try! LogTrust.policy(logKey: iizuka.logSigner.verifierKey, witnesses: [witness.verifierKey], quorum: 1) })
        #expect(conflicts { $0.name = "加賀市" })
        #expect(conflicts { $0.verifierURL = "https://elsewhere.example/" })
        // A kind with the same id but another definition.
        #expect(conflicts { $0.kinds[0].version += 1 })
    }

    @Test func onlyTheNewestVersionOfAListCounts() throws {
        let before = try TestAuthority.iizuka()
        var after = before.authority
        let rotated = try P256.PrivateKey()
        after.keys.append(IssuerKey(publicKey: rotated.publicKey, notBefore: now))
        let v1 = Self.list([before.authority], name: "福岡県", version: 1)
        let v2 = Self.list([after], name: "福岡県", version: 2)
        for order in [[v1, v2], [v2, v1]] {
            let merged = try FederatedTrustList.merge(order, generatedAt: now)
            #expect(merged.authorities[0].keys.count == 2, "v2 replaces v1, no conflict")
        }
        // Two different lists that both claim to be version 2.
        #expect(Self.mergeCode([v2, Self.list([before.authority], name: "福岡県", version: 2)]) == .conflict)
        #expect(Self.mergeCode([v2, v2]) == nil)
    }

    /// The product path: certificates issued at Iizuka and at Kaga (which has
    /// witnesses), each authority in its prefecture's signed list; one merged
    /// trust file verifies both.
    @Test func endToEndCertificatesFromTwoAuthoritiesVerifyWithOneMergedTrustFile() throws {
        let iizuka = try TestAuthority.iizuka(), kaga = try TestAuthority.kaga()
        let fromIizuka = try iizuka.issue("residence")
        let fromKaga = try kaga.issue("partnership")
        let fukuoka = try federationKey(), ishikawa = try federationKey("pref.ishikawa.example/federation")
        let files = [
            try Self.list([iizuka.authority], name: "福岡県", version: 7).signed(by: fukuoka).data,
            try Self.list([kaga.authority], name: "石川県", version: 2).signed(by: ishikawa).data,
        ]
        let lists = try files.map { try FederatedTrustList.verify($0, trusting: [fukuoka.verifierKey, ishikawa.verifierKey]) }
        let merged = try TrustFile.decode(FederatedTrustList.merge(lists).encoded())
        let verifier = CertificateVerifier(trust: merged)
        for text in [fromIizuka, fromKaga] {
            let report = verifier.verify(text: text)
            #expect(report.isGenuine, "\(report.reasons.map { $0.message?.en ?? "" })")
        }
        #expect(verifier.verify(text: fromIizuka).authority?.name == "飯塚市")
        #expect(verifier.verify(text: fromKaga).authority?.name == "加賀市")
        // One list alone trusts only its own authority.
        let fukuokaOnly = CertificateVerifier(trust: lists[0].trustFile())
        #expect(fukuokaOnly.verify(text: fromIizuka).isGenuine)
        #expect(fukuokaOnly.verify(text: fromKaga).reasons.compactMap(\.code) == ["unknownKey"])
        // Kaga may not issue graduation certificates; the merge did not widen that.
        let graduation = try kaga.issue(kind: try #require(TestAuthority.registry.kind("graduation")))
        #expect(verifier.verify(text: graduation).reasons.compactMap(\.code) == ["kindNotAllowed"])
        // Nor does it trust another key claiming to be Iizuka.
        let impostor = try TestAuthority(code: "402052", name: "飯塚市", origin: "iizuka.example/akashi/log")
        #expect(!verifier.verify(text: try impostor.issue("residence")).isGenuine)
    }
}

extension TrustedAuthority {
    /// As it reads back from JSON (dates in whole seconds).
    func normalizedForTest() -> TrustedAuthority {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try! decoder.decode(TrustedAuthority.self, from: encoder.encode(self))
    }
}
