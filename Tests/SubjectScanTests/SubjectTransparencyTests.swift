import AkashiCrypto
import Authority
import Certificates
import Foundation
import Hummingbird
import HummingbirdTesting
@_spi(ConformanceVectors) import Issuance
import LogStore
import Logging
import Mirror
import SubjectScan
import Testing
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// Subject transparency (docs/spec/subject-transparency.md): every resident
/// finds exactly their certificates in the public log — from the town's tiles
/// or a mirror's copy — and nobody else can tell whose an entry is.
@Suite struct SubjectTransparencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Town {
        let directory: AuthorityDirectory
        let issuer: Issuer
        let registry: KindRegistry
        var trust: TrustFile { try! TrustFile.export(directory: directory, registry: registry) }
    }

    static func town() async throws -> Town {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-subject-\(UUID().uuidString)")
        let directory = try await AuthorityDirectory.create(at: dir, origin: "iizuka.example/akashi/log", name: "飯塚市", code: "402052", verifierURL: nil)
        let registry = try KindRegistry(directory: root.appendingPathComponent("certs"))
        return await Town(directory: directory, issuer: try Issuer(directory: directory, registry: registry, log: directory.openLog()), registry: registry)
    }

    static func example(_ kind: String) throws -> [String: InputValue] {
        try JSONDecoder().decode([String: InputValue].self, from: Data(contentsOf: root.appendingPathComponent("certs/examples/\(kind).json")))
    }

    static var quiet: Logger {
        var logger = Logger(label: "subject-test")
        logger.logLevel = .critical
        return logger
    }

    /// Serves `directory` as static files on a loopback port while `body` runs.
    static func serving<T: Sendable>(_ directory: URL, _ body: @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        router.add(middleware: FileMiddleware(directory.path, searchForIndexHtml: false, logger: quiet))
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quiet)
        return try await app.test(.live) { client in try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))/")!) }
    }

    /// A town issues for many residents (registered keys, a partnership of two,
    /// one resident who never registered); revokes one, reissues one. Each
    /// resident's scan finds exactly theirs, with the right states; the
    /// town's tiles and a real mirror's copy give the same answer.
    @Test func everyResidentFindsExactlyTheirs() async throws {
        let town = try await Self.town()
        let residents = (0..<8).map { _ in SubjectSecret() }
        let subjects = SubjectRegistry(store: town.issuer.log.store)
        for (i, r) in residents.enumerated() { try await subjects.register(reference: "R-\(i)", key: r.publicKey) }
        var expected: [Int: Set<String>] = [:]
        var issued: [IssuedCertificate] = []
        for n in 0..<20 {
            let a = n % residents.count, b = (n * 3 + 1) % residents.count
            let kind = ["residence", "graduation", "partnership"][n % 3]
            let keys = kind == "partnership" ? [residents[a].publicKey, residents[b].publicKey] : [residents[a].publicKey]
            let certificate = try await town.issuer.issue(kind: kind, input: Self.example(kind), subjectKeys: keys)
            issued.append(certificate)
            expected[a, default: []].insert(certificate.claims.serialText)
            if kind == "partnership" { expected[b, default: []].insert(certificate.claims.serialText) }
        }
        // Someone who never registered: a fresh secret comes with the certificate.
        let walkIn = try await town.issuer.issue(kind: "residence", input: Self.example("residence"))
        let walkInSecret = try #require(walkIn.subjectSecrets.first)
        #expect(walkIn.claims.subjectKeys == [walkInSecret.publicKey])
        // Lifecycle: one revoked, one superseded (its successor bound to the same person).
        let archive = try CertificateArchive(log: town.issuer.log, registry: town.registry, verifierURL: nil)
        let lifecycle = try CertificateLifecycle(issuer: town.issuer, archive: archive)
        _ = try await lifecycle.revoke(serial: issued[0].claims.serialText, reason: .moved)
        let (_, successor) = try await lifecycle.reissue(serial: issued[3].claims.serialText)
        expected[3 % residents.count, default: []].insert(successor.claims.serialText)

        let site = town.directory.url.appendingPathComponent("site")
        _ = try await town.issuer.log.publishTiles(to: site.appendingPathComponent("log"))
        let policy = try town.trust.authorities[0].log.tlogPolicy()

        @Sendable func scan(_ client: TileLogClient, _ secret: SubjectSecret) async throws -> SubjectScan.Result {
            try await SubjectScan(client: client, policy: policy, secret: secret.secret).run()
        }
        let fromTown: [[SubjectScan.Found]] = try await Self.serving(site) { base in
            var all: [[SubjectScan.Found]] = []
            for r in residents + [walkInSecret] {
                let result = try await scan(TileLogClient(prefix: base.appendingPathComponent("log/")), r)
                #expect(result.entriesScanned == UInt64(try await town.issuer.log.size))
                all.append(result.certificates)
            }
            return all
        }
        for (i, found) in fromTown.prefix(residents.count).enumerated() {
            #expect(Set(found.map(\.serial)) == expected[i] ?? [], "resident \(i)")
        }
        #expect(fromTown.last?.map(\.serial) == [walkIn.claims.serialText])
        let revoked = try #require(fromTown[0].first { $0.serial == issued[0].claims.serialText })
        #expect(revoked.state == .revoked && revoked.reason == "moved")
        let superseded = try #require(fromTown[3].first { $0.serial == issued[3].claims.serialText })
        #expect(superseded.state == .superseded && superseded.successorIndex == successor.receipt.index)
        // The partnership's second declarant is role 1.
        #expect(fromTown[1].contains { $0.kind == "partnership" && $0.role == 1 })

        // A real mirror copies the town's log; scanning the mirror gives the same answer.
        let mirrorDir = town.directory.url.appendingPathComponent("mirror")
        let directory = try MirrorDirectory.create(at: mirrorDir, name: "kaga.example/mirror") { text, url in
            try Data(text.utf8).write(to: url)
            chmod(url.path, 0o600)
        }
        let mirror = try Mirror(
            directory: directory, signer: try directory.signer(readSecret: { try String(contentsOf: $0, encoding: .utf8) }), timeout: .seconds(10),
            logger: Self.quiet)
        let fromMirror: [[SubjectScan.Found]] = try await Self.serving(site) { base in
            let record = try await mirror.addLog(url: base.appendingPathComponent("log").absoluteString, policy: policy)
            _ = try await mirror.sync(originHash: record.originHash)
            let app = MirrorApplication.make(mirror: mirror, port: 0, logger: Self.quiet)
            return try await app.test(.live) { client in
                let mirrorURL = URL(string: "http://127.0.0.1:\(try #require(client.port))/")!
                let resolved = await TileLogClient.resolve(mirrorURL, origin: "iizuka.example/akashi/log")
                #expect(resolved.source != mirrorURL.absoluteString, "resolved to the mirror's copy of this origin")
                var all: [[SubjectScan.Found]] = []
                for r in residents + [walkInSecret] { all.append(try await scan(resolved, r).certificates) }
                return all
            }
        }
        await mirror.close()
        #expect(fromMirror == fromTown)
    }

    /// Tampered tiles are refused: an entry left out changes the root.
    @Test func aScanThatCannotCoverTheWholeLogFails() async throws {
        let town = try await Self.town()
        let resident = SubjectSecret()
        for _ in 0..<3 { _ = try await town.issuer.issue(kind: "residence", input: Self.example("residence"), subjectKeys: [resident.publicKey]) }
        let site = town.directory.url.appendingPathComponent("site")
        _ = try await town.issuer.log.publishTiles(to: site.appendingPathComponent("log"))
        // Hide the resident's first certificate: replace entry 0 in the bundle with another entry of the same length.
        let bundleURL = site.appendingPathComponent("log/tile/entries/000.p/3")
        var bytes = [UInt8](try Data(contentsOf: bundleURL))
        // Bundle offset 42 = the 2-byte length, then entry 0's first sha256 hex digit (after
        // "akashi-entry/v1\ntype certificate\nsha256 "): another digit still parses, as another leaf.
        bytes[42] = bytes[42] == 0x30 ? 0x31 : 0x30
        try Data(bytes).write(to: bundleURL)
        let policy = try town.trust.authorities[0].log.tlogPolicy()
        let error = await #expect(throws: SubjectScan.ScanError.self) {
            try await Self.serving(site) { base in
                try await SubjectScan(client: TileLogClient(prefix: base.appendingPathComponent("log/")), policy: policy, secret: resident.secret).run()
            }
        }
        #expect(error?.code == .rootMismatch, "the entry still parses; only the root can tell")
    }

    /// Property 1 as a measurement: given two subject lines, decide whether
    /// they belong to one resident or to two, holding every other resident's
    /// secret. The distinguisher tries every test it can think of; with the
    /// real derivation it does no better than a coin, with a derivation that
    /// reuses the ephemeral key per resident (the control) it always wins —
    /// so the test can fail.
    @Test func linesAreUnlinkable() throws {
        let others = (0..<4).map { _ in SubjectSecret() }
        func lines(sameResident: Bool, broken: Bool) throws -> ([UInt8], [UInt8]) {
            let a = SubjectSecret(), b = sameResident ? a : SubjectSecret()
            func line(_ s: SubjectSecret) throws -> [UInt8] {
                let cti = broken ? SHA256.hash(s.publicKey) : SecureRandom.bytes(16)
                return try SubjectLines.lines(cti: cti, serial: SecureRandom.bytes(10), keys: [s.publicKey])[0]
            }
            return (try line(a), try line(b))
        }
        /// Says "same resident" when any public relation holds (equal ephemeral
        /// keys, equal tags, an XOR of the two lines' bytes that is not
        /// uniform), else "two residents".
        func guessSame(_ x: [UInt8], _ y: [UInt8]) -> Bool {
            if x.prefix(32) == y.prefix(32) { return true }  // same ephemeral key
            if x[32..<40] == y[32..<40] { return true }  // same tag
            for o in others where (SubjectLines.open(x, secret: o.secret) != nil) != (SubjectLines.open(y, secret: o.secret) != nil) { return false }
            let ones = zip(x, y).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
            return abs(ones - 200) > 60  // 400 bits of XOR: ~200 ± 10 ones when independent
        }
        func accuracy(broken: Bool, trials: Int) throws -> Double {
            var right = 0
            for t in 0..<trials {
                let same = t % 2 == 0
                let (x, y) = try lines(sameResident: same, broken: broken)
                if guessSame(x, y) == same { right += 1 }
            }
            return Double(right) / Double(trials)
        }
        let real = try accuracy(broken: false, trials: 1000)
        #expect(abs(real - 0.5) < 0.07, "distinguisher accuracy \(real) on real subject lines")
        let control = try accuracy(broken: true, trials: 200)
        #expect(control > 0.95, "the control derivation is linkable (accuracy \(control)); the distinguisher has power")
        // And no other resident's secret opens a line.
        let (x, _) = try lines(sameResident: false, broken: false)
        #expect(others.allSatisfy { SubjectLines.open(x, secret: $0.secret) == nil })
    }

    /// A verifier refuses a certificate its subject cannot find.
    @Test func verifiersRefuseUnfindableCertificates() async throws {
        let town = try await Self.town()
        let verifier = CertificateVerifier(trust: town.trust)
        let good = try await town.issuer.issue(kind: "graduation", input: Self.example("graduation"))
        #expect(verifier.verify(text: good.qrText).isGenuine)
        #expect(verifier.verify(text: good.qrText).checks.contains { $0.name == .subject && $0.status == .passed })
        var unbound = good.claims
        unbound.subjectKeys = []
        let qr = try CertificateQR(text: good.qrText)
        let noKey = try await town.issuer.issueUnchecked(unbound, disclosures: qr.disclosures, kind: good.kind)
        #expect(verifier.verify(text: noKey.qrText).reasons.compactMap(\.code) == ["subjectNotFindable"])
        let hidden = try await town.issuer.issueUnboundUnchecked(good.claims, disclosures: qr.disclosures)
        let report = verifier.verify(text: hidden)
        #expect(report.reasons.map(\.name) == [.inclusion])
        #expect(report.reasons.compactMap(\.code) == ["subjectNotFindable"])
        // A low-order key is refused before signing.
        await #expect(throws: CertificateError.self) {
            try await town.issuer.issue(kind: "graduation", input: Self.example("graduation"), subjectKeys: [[UInt8](repeating: 0, count: 32)])
        }
        #expect(throws: CertificateError.self) { try SubjectSecret.publicKey(text: SubjectSecret.keyText([UInt8](repeating: 0, count: 32))) }
    }

    @Test func secretAndKeyTextsRoundTrip() throws {
        let s = SubjectSecret()
        #expect(s.secretText.hasPrefix("AKS1.") && s.keyText.hasPrefix("AKP1."))
        #expect(try SubjectSecret(text: " " + s.secretText + "\r\n").publicKey == s.publicKey)
        #expect(try SubjectSecret.publicKey(text: s.keyText) == s.publicKey)
        #expect(throws: CertificateError.self) { try SubjectSecret(text: s.keyText) }
    }
}
