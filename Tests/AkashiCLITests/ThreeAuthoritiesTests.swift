import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// Issue 7's scenario with real processes on loopback: three authorities
/// (飯塚市, 加賀市, 佐賀市), each an issuer (`akashi serve`), a witness of
/// every log (`akashi witness`, a separate process and key) and a mirror of
/// one neighbour (`akashi mirror`). Every log needs 2 of the 3 witnesses.
@Suite("Three authorities on loopback: witnesses, quorum, federation, mirrors, restore, forks", .serialized)
final class ThreeAuthoritiesTests {
    struct Town {
        let id: String
        let name: String
        let code: String
        var origin: String { "\(id).example/akashi/log" }
        var witnessName: String { "\(id).example/witness" }
    }

    static let towns = [
        Town(id: "iizuka", name: "飯塚市", code: "402052"),
        Town(id: "kaga", name: "加賀市", code: "172065"),
        Town(id: "saga", name: "佐賀市", code: "412015"),
    ]

    let dir: TemporaryDirectory
    let http = TestHTTP()
    var logKeys: [String] = []
    var witnessKeys: [String] = []
    var witnesses: [BackgroundAkashi] = []
    var servers: [BackgroundAkashi] = []
    var tokens: [String] = []
    var mirrors: [BackgroundAkashi] = []

    init() throws { dir = try TemporaryDirectory() }

    deinit {
        for process in witnesses + servers + mirrors { process.kill() }
    }

    func data(_ i: Int) -> String { dir.path("authority-\(Self.towns[i].id)") }
    func witnessData(_ i: Int) -> String { dir.path("witness-\(Self.towns[i].id)") }
    var certs: String { packageRoot.appendingPathComponent("certs").path }

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> CommandResult {
        let result = try await akashi(arguments, in: dir)
        #expect(result.status == 0, "akashi \(arguments.joined(separator: " ")): \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Authorities, witnesses (each following all three logs), 2-of-3 policies, tokens.
    func setUp() async throws {
        for (i, town) in Self.towns.enumerated() {
            let initResult = try await run([
                "init", "--data", data(i), "--origin", town.origin, "--name", town.name, "--code", town.code,
                "--verifier-url", "https://\(town.id).example/v/",
            ])
            let line = try #require(initResult.lines.first { $0.hasPrefix("log verifier key: ") })
            logKeys.append(String(line.dropFirst("log verifier key: ".count)))
            try await run(["witness", "init", "--data", witnessData(i), "--name", town.witnessName])
            witnessKeys.append(try await run(["witness", "vkey", "--data", witnessData(i)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for w in Self.towns.indices {
            for key in logKeys { try await run(["witness", "add-log", "--data", witnessData(w), "--vkey", key]) }
            let witness = BackgroundAkashi("witness-\(Self.towns[w].id)", ["witness", "serve", "--data", witnessData(w)], in: dir)
            try await witness.start()
            witnesses.append(witness)
        }
        for a in Self.towns.indices {
            for w in Self.towns.indices {
                try await run([
                    "log", "witness", "add", "--data", data(a), "--vkey", witnessKeys[w], "--url", witnesses[w].base, "--quorum", w == 0 ? "1" : "2",
                ])
            }
            tokens.append(
                try await run(["token", "create", "--data", data(a), "--name", "resident-system", "--role", "clerk"]).stdout.trimmingCharacters(
                    in: .whitespacesAndNewlines))
            try await run(["trust", "export", "--data", data(a), "--certs", certs, "--out", dir.path("trust-\(Self.towns[a].id).json")])
        }
        // The prefecture signs one list of all three; a company merges it into one trust file.
        let keygen = try await run(["federation", "keygen", "--out", dir.path("federation.key"), "--name", "pref.example/federation"])
        let federationKey = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? ""
        try await run(
            [
                "federation", "sign", "--key", dir.path("federation.key"), "--name", "九州・北陸連携", "--version", "1", "--expires", "2099-01-01",
                "--out", dir.path("federation.list"),
            ] + Self.towns.map { dir.path("trust-\($0.id).json") })
        try await run(["federation", "merge", "--vkey", federationKey, "--out", dir.path("trust.json"), dir.path("federation.list")])
        for a in Self.towns.indices {
            let server = BackgroundAkashi("serve-\(Self.towns[a].id)", ["serve", "--data", data(a), "--certs", certs, "--web", dir.path("no-web")], in: dir)
            try await server.start(environment: ["AKASHI_WITNESS_TIMEOUT": "3"])
            servers.append(server)
        }
    }

    static var residence: [String: Any] {
        let url = packageRoot.appendingPathComponent("certs/examples/residence.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }

    /// Issues a residence certificate at authority `a` through the API.
    func issue(_ a: Int) async throws -> TestHTTP.Answer {
        try await http.post("\(servers[a].base)/api/v1/certificates", bearer: tokens[a], json: ["kind": "residence", "fields": Self.residence])
    }

    func issueAll(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        var qrs: [String] = []
        for a in Self.towns.indices {
            let answer = try await issue(a)
            #expect(answer.status == 201, "\(Self.towns[a].name): \(answer)", sourceLocation: sourceLocation)
            if let qr = answer.json["qr"] as? String { qrs.append(qr) }
        }
        return qrs
    }

    /// Verifies with the one federated trust file; returns the number of cosignature lines per QR.
    func expectValid(_ qrs: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Int] {
        let reports = try await verifyQRTexts(qrs, trust: dir.path("trust.json"), in: dir)
        #expect(reports.count == qrs.count, sourceLocation: sourceLocation)
        var cosignatures: [Int] = []
        for report in reports {
            #expect(report["verdict"] as? String != "invalid", "invalid: \(report["reasons"] ?? "")", sourceLocation: sourceLocation)
            let checkpoint = ((report["log"] as? [String: Any])?["checkpoint"] as? String) ?? ""
            cosignatures.append(checkpoint.split(separator: "\n").filter { $0.hasPrefix("— ") }.count - 1)
        }
        return cosignatures
    }

    func publishedSize(_ a: Int) async throws -> UInt64 {
        let answer = try await http.get("\(servers[a].base)/log/checkpoint")
        return try SignedCheckpoint(parsing: answer.text).checkpoint.size
    }

    @Test("issue at all three; 2-of-3 with one witness stopped; refused with two stopped; caught up when they return")
    func witnessQuorum() async throws {
        try await setUp()
        defer { for process in witnesses + servers { process.kill() } }

        // The trust file carries each log's tlog-policy (2 of 3 witnesses).
        let trust = try String(contentsOfFile: dir.path("trust.json"), encoding: .utf8)
        #expect(trust.components(separatedBy: "group quorum 2").count - 1 == 3, "every authority's policy is 2 of 3: \(trust.prefix(400))")

        var qrs = try await issueAll()
        #expect(qrs.count == 3)
        let first = try await expectValid(qrs)
        #expect(first == [2, 2, 2], "each QR carries exactly the two cosignatures the policy needs")

        // One witness down: issuance continues everywhere with 2 of 3.
        let kagaPort = witnesses[1].port
        await witnesses[1].stop()
        qrs += try await issueAll()
        _ = try await expectValid(qrs)

        // Two down: the clerk hears the policy cannot be met; nothing is published.
        let sagaPort = witnesses[2].port
        await witnesses[2].stop()
        let before = try await publishedSize(0)
        let refused = try await issue(0)
        #expect(refused.status == 503, "\(refused)")
        #expect(refused.json["error"] as? String == "witnessPolicy")
        #expect((refused.json["messageJa"] as? String ?? "").contains("立会人"), "\(refused)")
        let pendingSerial = try #require(refused.json["serial"] as? String, "the answer names the recorded certificate")
        #expect(refused.json["qr"] == nil, "no QR code is given out")
        #expect(try await publishedSize(0) == before, "the unpublished checkpoint is not served")
        let pendingView = try await http.get("\(servers[0].base)/api/v1/certificates/\(pendingSerial)", bearer: tokens[0])
        #expect(pendingView.status != 200 || pendingView.json["qr"] == nil, "a certificate whose checkpoint is not cosigned has no QR yet: \(pendingView)")

        // The witnesses come back on their ports: issuance resumes, and the
        // certificate recorded while they were away is now proven too.
        try await witnesses[1].start(port: kagaPort)
        try await witnesses[2].start(port: sagaPort)
        try await Task.sleep(for: .seconds(1))  // past the first back-off
        var resumed: TestHTTP.Answer? = nil
        for _ in 0..<20 {
            resumed = try await issue(0)
            if resumed?.status == 201 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(resumed?.status == 201, "\(resumed?.description ?? "")")
        let later = try await http.get("\(servers[0].base)/api/v1/certificates/\(pendingSerial)", bearer: tokens[0])
        #expect(later.status == 200, "\(later)")
        let pendingQR = try #require(later.json["qr"] as? String)
        _ = try await expectValid(qrs + [pendingQR, resumed?.json["qr"] as? String ?? ""])
    }

    // MARK: Mirrors, forks, restore

    /// Mirror i follows authority (i + 1) % 3.
    func startMirrors() async throws {
        for i in Self.towns.indices {
            let followed = (i + 1) % 3
            if i == 2 {
                // The issue's form as is: `akashi mirror --from URL --data DIR` on a
                // fresh directory (default name; the log key pinned from the
                // authority's published trust file, with a warning).
                let mirror = BackgroundAkashi(
                    "mirror-\(Self.towns[i].id)",
                    [
                        "mirror", "--from", "\(servers[followed].base)/log/", "--data", dir.path("mirror-\(Self.towns[i].id)"), "--interval", "0.2",
                    ], in: dir)
                try await mirror.start()
                #expect(mirror.output.contains("trusted on first use"), "\(mirror.output)")
                mirrors.append(mirror)
                continue
            }
            try await run(["mirror", "init", "--data", dir.path("mirror-\(Self.towns[i].id)"), "--name", "\(Self.towns[i].id).example/mirror"])
            try await run([
                "mirror", "add-log", "--data", dir.path("mirror-\(Self.towns[i].id)"), "--from", "\(servers[followed].base)/log/",
                "--trust", dir.path("trust-\(Self.towns[followed].id).json"),
            ])
            let mirror = BackgroundAkashi(
                "mirror-\(Self.towns[i].id)", ["mirror", "serve", "--data", dir.path("mirror-\(Self.towns[i].id)"), "--interval", "0.2"], in: dir)
            try await mirror.start()
            mirrors.append(mirror)
        }
    }

    /// The mirror's copy of `origin` (its monitoring prefix + origin hash).
    func mirrorPrefix(_ m: Int, of a: Int) -> String {
        let hash = SHA256Hex.of(Self.towns[a].origin)
        return "\(mirrors[m].base)/\(hash)/"
    }

    /// Waits until mirror `m` serves authority `a`'s published size.
    func waitForMirror(_ m: Int, of a: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let want = try await publishedSize(a)
        for _ in 0..<150 {
            let answer = try await http.get(mirrorPrefix(m, of: a) + "checkpoint")
            if answer.status == 200, let c = try? SignedCheckpoint(parsing: answer.text), c.checkpoint.size >= want { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("mirror \(m) did not reach size \(want) of \(Self.towns[a].id): \(mirrors[m].output)", sourceLocation: sourceLocation)
    }

    func monitor(_ arguments: [String]) async throws -> (CommandResult, [[String: Any]]) {
        let result = try await akashi(["monitor", "--once", "--json"] + arguments, in: dir)
        let events = result.stdout.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        return (result, events)
    }

    @Test("mirrors copy and cosign; a forked log is refused by the witnesses and caught by the monitor; a lost authority is restored from its mirror")
    func mirrorsForksRestore() async throws {
        try await setUp()
        defer { for process in witnesses + servers + mirrors { process.kill() } }
        try await startMirrors()
        var qrs: [String] = []
        for _ in 0..<3 { qrs += try await issueAll() }
        _ = try await expectValid(qrs)

        // Saga's mirror (started with the bare command) copies Iizuka's log too.
        try await waitForMirror(2, of: 0)

        // Kaga's log as Kaga serves it and as Iizuka's mirror copies it: consistent.
        try await waitForMirror(0, of: 1)
        let mirrored = try SignedCheckpoint(parsing: try await http.get(mirrorPrefix(0, of: 1) + "checkpoint").text)
        let mirrorKey = try VerifierKey(
            parsing: try await run(["mirror", "vkey", "--data", dir.path("mirror-iizuka")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(mirrored.note.signatures.contains { $0.name == mirrorKey.name && $0.keyID == mirrorKey.keyID }, "the mirror cosigns what it stored")
        let kagaTile = try await http.get("\(servers[1].base)/log/tile/entries/000.p/\(min(mirrored.checkpoint.size, 256))")
        let mirrorTile = try await http.get(mirrorPrefix(0, of: 1) + "tile/entries/000.p/\(min(mirrored.checkpoint.size, 256))")
        #expect(kagaTile.status == 200 && kagaTile.data == mirrorTile.data, "the mirror serves the same entry bundle")
        let statePath = dir.path("monitor-kaga.json")
        let (agree, agreeEvents) = try await monitor([
            "--from", "\(servers[1].base)/log/", "--from", mirrorPrefix(0, of: 1), "--trust", dir.path("trust-kaga.json"), "--state", statePath,
        ])
        #expect(agree.status == 0, "\(agree)")
        #expect(!agreeEvents.contains { ["split-view", "inconsistent", "error"].contains($0["event"] as? String ?? "") })
        // `akashi monitor --from URL` as the issue spells it: the keys its authority publishes.
        let (bare, bareEvents) = try await monitor(["--from", "\(servers[1].base)/log/", "--from", mirrorPrefix(0, of: 1)])
        #expect(bare.status == 0, "\(bare)")
        #expect(bare.stderr.contains("trusted on first use"), "\(bare.stderr)")
        #expect(bareEvents.contains { $0["event"] as? String == "checkpoint" }, "\(bareEvents)")

        // A fork of Kaga: a copy of its data directory that goes its own way.
        let kagaPort = servers[1].port
        await servers[1].stop()
        let fork = dir.path("kaga-fork")
        try FileManager.default.copyItem(atPath: data(1), toPath: fork)
        try? FileManager.default.removeItem(atPath: fork + "/akashi.sqlite.lock")
        try await servers[1].start(port: kagaPort, environment: ["AKASHI_WITNESS_TIMEOUT": "3"])
        #expect(try await issue(1).status == 201, "the real Kaga moves on (cosigned)")
        let document = try dir.write("forged.txt", "a document the real log never saw")
        // Same size, another root: every witness refuses (409) — nothing published.
        let sameSize = try await akashi(["log", "append", "--data", fork, document], in: dir)
        #expect(sameSize.status == 69, "\(sameSize)")
        #expect(sameSize.stderr.contains("409"), "the witnesses answer 409 for a fork: \(sameSize.stderr)")
        // History rewritten further: refused too (422: not consistent with what they cosigned).
        let rewritten = try await akashi(["log", "append", "--data", fork, document], in: dir)
        #expect(rewritten.status == 69, "\(rewritten)")
        #expect(rewritten.stderr.contains("422") || rewritten.stderr.contains("409"), "\(rewritten.stderr)")
        // A forger that publishes without witnesses is caught by the monitor.
        try await run(["log", "witness", "quorum", "--data", fork, "0"])
        try await run(["log", "append", "--data", fork, document])
        let forkServer = BackgroundAkashi("serve-kaga-fork", ["serve", "--data", fork, "--certs", certs, "--web", dir.path("no-web")], in: dir)
        try await forkServer.start()
        defer { forkServer.kill() }
        let kagaVkey = logKeys[1]
        let (split, splitEvents) = try await monitor([
            "--from", "\(servers[1].base)/log/", "--from", "\(forkServer.base)/log/", "--vkey", kagaVkey, "--state", statePath,
        ])
        #expect(split.status == 1, "the monitor reports the fork: \(split)")
        let detected = splitEvents.first { ["split-view", "inconsistent"].contains($0["event"] as? String ?? "") }
        #expect(detected != nil, "\(splitEvents)")
        #expect(((detected?["evidence"] as? [[String: Any]]) ?? []).count >= 2, "both signed checkpoints are kept as evidence")
        // Under the trust file's 2-of-3 policy the forged checkpoint is not even trusted.
        let (refusedFork, _) = try await monitor(["--from", "\(forkServer.base)/log/", "--trust", dir.path("trust-kaga.json")])
        #expect(refusedFork.status != 0, "\(refusedFork)")
        forkServer.kill()

        // (A stale mirror's copy is refused by the restore: MirrorTests' RestoreWitnessCheckTests.)
        _ = try await issueAll()
        try await waitForMirror(1, of: 2)

        // Saga loses its data directory; it kept its keys (config.json + keys/).
        let sagaBefore = try await publishedSize(2)
        let sagaStatePath = dir.path("monitor-saga.json")
        #expect(try await monitor(["--from", "\(servers[2].base)/log/", "--vkey", logKeys[2], "--state", sagaStatePath]).0.status == 0)
        let sagaPort = servers[2].port
        await servers[2].stop()
        let backup = dir.path("saga-key-backup")
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: data(2) + "/config.json", toPath: backup + "/config.json")
        try FileManager.default.copyItem(atPath: data(2) + "/keys", toPath: backup + "/keys")
        try FileManager.default.removeItem(atPath: data(2))
        try FileManager.default.copyItem(atPath: backup, toPath: data(2))
        let restored = try await akashi(["log", "restore", "--data", data(2), "--from", mirrors[1].base], in: dir)
        #expect(restored.status == 0, "\(restored)")
        let again = try await akashi(["log", "restore", "--data", data(2), "--from", mirrors[1].base], in: dir)
        #expect(again.status == 73, "a restored log is never overwritten: \(again)")
        tokens[2] = try await run(["token", "create", "--data", data(2), "--name", "resident-system", "--role", "clerk"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        try await servers[2].start(port: sagaPort, environment: ["AKASHI_WITNESS_TIMEOUT": "3"])
        #expect(try await publishedSize(2) == sagaBefore, "the restored log is where it was")
        // Saga keeps issuing: the witnesses cosign, so the new checkpoints extend the old ones.
        let after = try await issue(2)
        #expect(after.status == 201, "\(after)")
        #expect(try await publishedSize(2) > sagaBefore)
        let (consistent, _) = try await monitor(["--from", "\(servers[2].base)/log/", "--vkey", logKeys[2], "--state", sagaStatePath])
        #expect(consistent.status == 0, "the monitor that saw Saga before the loss finds the new checkpoint consistent: \(consistent)")
        // Every certificate issued before the loss still verifies, with the new one.
        _ = try await expectValid(qrs + [after.json["qr"] as? String ?? ""])
    }
}

/// Lowercase hex SHA-256 of a string (a mirror's origin hash).
enum SHA256Hex {
    static func of(_ text: String) -> String {
        SHA256.hash(Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
