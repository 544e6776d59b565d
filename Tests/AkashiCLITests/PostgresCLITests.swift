import Foundation
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `akashi … --database URL --keys DIR` (issue 17): two towns in one
/// PostgreSQL database, driven through the built binary. The database comes
/// from `AKASHI_TEST_DATABASE` (`make test` sets it through
/// `scripts/with-postgres.sh`); each test works in a fresh database of its
/// own on that server, so tests never see each other's authorities.
@Suite("akashi --database: many towns in one PostgreSQL database")
struct PostgresCLITests {
    static let towns = [
        Town(code: "402052", origin: "iizuka.example/akashi/log", name: "飯塚市"),
        Town(code: "131016", origin: "chiyoda.example/akashi/log", name: "千代田区"),
    ]

    struct Town {
        let code: String
        let origin: String
        let name: String
    }

    @Test("two authorities in one database: init, user, token, issue, trust, verify, revoke, status, log, isolation, key files")
    func twoAuthoritiesInOneDatabase() async throws {
        let url = try await freshTestDatabase()
        let dir = try TemporaryDirectory()
        let keys = dir.path("keys")
        let certs = packageRoot.appendingPathComponent("certs").path
        let example = packageRoot.appendingPathComponent("certs/examples/residence.json").path
        let (a, b) = (Self.towns[0], Self.towns[1])
        /// `akashi <command words> --database URL --keys DIR [--authority CODE] <arguments>`.
        func run(_ command: String, _ arguments: [String] = [], town: Town? = nil, stdin: String? = nil) async throws -> CommandResult {
            let select = ["--database", url, "--keys", keys] + (town.map { ["--authority", $0.code] } ?? [])
            return try await akashiWithInput(command.split(separator: " ").map(String.init) + select + arguments, stdin: stdin, in: dir)
        }

        // The first town; with one authority in the database --authority may be left out.
        let initA = try await akashi(["init", "--database", url, "--keys", keys, "--origin", a.origin, "--name", a.name, "--code", a.code], in: dir)
        try #require(initA.status == 0, "\(initA)")
        #expect(initA.stdout.contains("added \(a.code)"), "\(initA)")
        let added = try await run("user add", ["--login", "tanaka.h", "--role", "clerk"], stdin: "correct horse battery\n")
        #expect(added.status == 0, "\(added)")

        let initB = try await akashi(["init", "--database", url, "--keys", keys, "--origin", b.origin, "--name", b.name, "--code", b.code], in: dir)
        try #require(initB.status == 0, "\(initB)")
        // The same code again: 73, in the folder or in the database.
        let again = try await akashi(
            ["init", "--database", url, "--keys", dir.path("other-keys"), "--origin", a.origin, "--name", a.name, "--code", a.code], in: dir)
        #expect(again.status == 73, "\(again)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("other-keys/\(a.code)/keys/log.key")), "a refused init leaves no key behind")

        // Two authorities: the command must say which.
        let ambiguous = try await run("user list")
        #expect(ambiguous.status == 64, "\(ambiguous)")
        #expect(ambiguous.stderr.contains("--authority") && ambiguous.stderr.contains(a.code) && ambiguous.stderr.contains(b.code), "\(ambiguous)")
        let unknown = try await run("user list", town: Town(code: "011002", origin: "", name: ""))
        #expect(unknown.status == 66, "\(unknown)")

        // A user of A does not exist in B.
        let usersA = try await run("user list", town: a)
        #expect(usersA.status == 0 && usersA.stdout.contains("tanaka.h"), "\(usersA)")
        let usersB = try await run("user list", town: b)
        #expect(usersB.status == 0 && !usersB.stdout.contains("tanaka.h"), "\(usersB)")
        let disableInB = try await run("user disable", ["--login", "tanaka.h"], town: b)
        #expect(disableInB.status == 65, "\(disableInB)")

        // A token each, belonging to its authority.
        var tokens: [String: String] = [:]
        for town in [a, b] {
            let created = try await run("token create", ["--name", "sync-\(town.code)", "--role", "clerk"], town: town)
            #expect(created.status == 0, "\(created)")
            tokens[town.code] = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(tokens[town.code]?.hasPrefix("akashi_") == true, "\(created)")
            let listed = try await run("token list", town: town)
            #expect(listed.lines.count == 1 && listed.stdout.contains("sync-\(town.code)"), "\(listed)")
        }

        // A certificate issued in each, valid against that town's trust file only.
        var serials: [String: String] = [:]
        for town in [a, b] {
            let issued = try await run(
                "issue", ["--certs", certs, "--kind", "residence", "--input", example, "--out", dir.path("out-\(town.code)")], town: town)
            try #require(issued.status == 0, "\(issued)")
            serials[town.code] = try #require(issued.lines.first?.split(separator: "\t").first.map(String.init))
            #expect(issued.stdout.contains("log #0"), "each town has its own log: \(issued)")
            let exported = try await run("trust export", ["--certs", certs, "--out", dir.path("trust-\(town.code).json")], town: town)
            #expect(exported.status == 0 && exported.stdout.contains(town.name), "\(exported)")
        }
        func qrText(_ town: Town) -> String { dir.path("out-\(town.code)/\(serials[town.code]!).txt") }
        func verify(_ town: Town, trust: Town? = nil) async throws -> CommandResult {
            let status = try await run("status export", ["--certs", certs, "--out", dir.path("status-\(town.code).cose")], town: town)
            #expect(status.status == 0, "\(status)")
            let trust = trust ?? town
            return try await runTool(
                try akashiVerifyExecutable(),
                ["--trust", dir.path("trust-\(trust.code).json"), "--status", dir.path("status-\(town.code).cose"), qrText(town)], in: dir)
        }
        for town in [a, b] {
            let verified = try await verify(town)
            #expect(verified.status == 0, "\(town.code): \(verified)")
        }
        let crossed = try await verify(a, trust: b)
        #expect(crossed.status != 0, "A's certificate against B's trust file: \(crossed)")

        // A revocation in A changes A's status list, not B's.
        let revoked = try await run("revoke", ["--certs", certs, serials[a.code]!, "--reason", "error"], town: a)
        #expect(revoked.status == 0, "\(revoked)")
        let revokeInB = try await run("revoke", ["--certs", certs, serials[a.code]!, "--reason", "error"], town: b)
        #expect(revokeInB.status != 0, "A's serial is unknown in B: \(revokeInB)")
        for (town, count) in [(a, 1), (b, 0)] {
            let status = try await run("status export", ["--certs", certs, "--out", dir.path("status-\(town.code).cose")], town: town)
            #expect(status.status == 0 && status.stdout.contains(": \(count) revoked or superseded"), "\(town.code): \(status)")
            let checked = try await runTool(
                try akashiVerifyExecutable(), ["--trust", dir.path("trust-\(town.code).json"), "--status", dir.path("status-\(town.code).cose"), qrText(town)],
                in: dir)
            #expect(checked.status == (count == 1 ? 1 : 0), "\(town.code): \(checked)")
        }
        let reissued = try await run("reissue", ["--certs", certs, serials[b.code]!, "--out", dir.path("reissued")], town: b)
        #expect(reissued.status == 0 && reissued.stdout.contains("supersedes \(serials[b.code]!)"), "\(reissued)")

        // Each log: its own origin and size (A: issue + revoke; B: issue + reissue's two entries).
        let checkpointA = try await run("log checkpoint", town: a)
        #expect(checkpointA.status == 0 && checkpointA.lines.first == a.origin && checkpointA.lines.dropFirst().first == "2", "\(checkpointA)")
        let vkeyB = try await run("log verifier-key", town: b)
        #expect(vkeyB.status == 0 && vkeyB.stdout.hasPrefix(b.origin + "+"), "\(vkeyB)")
        // key and log … on the database: a rotated key is a 0600 file, its audit row in A's chain.
        let rotated = try await run("key rotate", town: a)
        #expect(rotated.status == 0, "\(rotated)")
        #expect(try mode("\(keys)/\(a.code)/keys/issuer-2.pem") == 0o600)
        let keyList = try await run("key list", town: a)
        #expect(keyList.status == 0 && keyList.stdout.contains("issuer-2.pem\tactive"), "\(keyList)")
        let document = try dir.write("minutes.txt", "議事録\n")
        let appended = try await run("log append", [document], town: a)
        #expect(appended.status == 0 && appended.stdout.hasPrefix("2\t"), "\(appended)")
        let proved = try await run("log prove", ["--index", "2"], town: a)
        #expect(proved.status == 0, "\(proved)")
        let audit = try await run("audit verify", town: a)
        #expect(audit.status == 0, "\(audit)")
        let auditB = try await run("audit export", town: b)
        #expect(auditB.status == 0 && !auditB.stdout.contains("key.rotate") && !auditB.stdout.contains("tanaka.h"), "\(auditB)")

        // The keys: in DIR/<CODE>/, 0600 in 0700 folders, no SQLite file there.
        for town in [a, b] {
            let folder = "\(keys)/\(town.code)"
            #expect(try mode(folder) == 0o700)
            #expect(try mode(folder + "/keys") == 0o700)
            #expect(try mode(folder + "/keys/log.key") == 0o600)
            #expect(try mode(folder + "/keys/issuer-1.pem") == 0o600)
            #expect(!FileManager.default.fileExists(atPath: folder + "/akashi.sqlite"))
        }
        #expect(try mode(keys) == 0o700)

        // …and never in the database: its authority rows hold config.json only.
        let database = try PostgresDatabase(url: url)
        let runner = Task.detached { await database.run() }
        defer { runner.cancel() }
        let registered = try await database.authorities()
        #expect(registered.map(\.code) == [b.code, a.code].sorted())
        for (code, configuration) in registered {
            let text = String(decoding: configuration, as: UTF8.self)
            let json = try JSONSerialization.jsonObject(with: Data(configuration)) as? [String: Any]
            #expect(json?["code"] as? String == code)
            #expect(!text.contains("PRIVATE") && !text.contains("BEGIN"), "\(code): \(text)")
            for file in ["log.key", "issuer-1.pem"] {
                let secret = try String(contentsOfFile: "\(keys)/\(code)/keys/\(file)", encoding: .utf8)
                let body = secret.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
                #expect(!text.contains(body.suffix(40)), "\(code): the database holds \(file)")
            }
        }
    }

    @Test("akashi serve --database --keys --authority serves that one town from PostgreSQL")
    func serveOneAuthority() async throws {
        let url = try await freshTestDatabase()
        let dir = try TemporaryDirectory()
        let keys = dir.path("keys")
        let certs = packageRoot.appendingPathComponent("certs").path
        for town in Self.towns {
            let created = try await akashi(
                ["init", "--database", url, "--keys", keys, "--origin", town.origin, "--name", town.name, "--code", town.code], in: dir)
            try #require(created.status == 0, "\(created)")
        }
        let town = Self.towns[1]
        let select = ["--database", url, "--keys", keys, "--authority", town.code]
        let token = try await akashi(["token", "create"] + select + ["--name", "api", "--role", "clerk"], in: dir)
        try #require(token.status == 0, "\(token)")
        let secret = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let exported = try await akashi(["trust", "export"] + select + ["--certs", certs, "--out", dir.path("trust.json")], in: dir)
        try #require(exported.status == 0, "\(exported)")

        let server = BackgroundAkashi("serve", ["serve"] + select + ["--certs", certs, "--web", dir.path("no-web")], in: dir)
        try await server.start()
        defer { server.kill() }
        #expect(server.stdout.contains(town.name), "\(server.output)")
        let http = TestHTTP()
        let example = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("certs/examples/residence.json")))
        let issued = try await http.post("\(server.base)/api/v1/certificates", bearer: secret, json: ["kind": "residence", "fields": example])
        #expect(issued.status == 201, "\(issued)")
        let qr = try #require(issued.json["qr"] as? String, "\(issued)")
        let status = try await http.get("\(server.base)/status/latest")
        #expect(status.status == 200, "\(status)")
        try status.data.write(to: dir.url.appendingPathComponent("status.cose"))
        let qrFile = try dir.write("qr.txt", qr + "\n")
        let verified = try await runTool(
            try akashiVerifyExecutable(), ["--trust", dir.path("trust.json"), "--status", dir.path("status.cose"), qrFile], in: dir)
        #expect(verified.status == 0, "\(verified)")
        // The other town's token is not one of this town's.
        let other = try await akashi(
            ["token", "create", "--database", url, "--keys", keys, "--authority", Self.towns[0].code, "--name", "api", "--role", "clerk"], in: dir)
        let refused = try await http.post(
            "\(server.base)/api/v1/certificates", bearer: other.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            json: ["kind": "residence", "fields": example])
        #expect(refused.status == 401, "\(refused)")
        await server.stop()
        // The certificate is in the database: the town's log grew, the other's did not.
        let checkpoint = try await akashi(["log", "checkpoint"] + select, in: dir)
        #expect(checkpoint.lines.dropFirst().first == "1", "\(checkpoint)")
    }

    @Test("two akashi serve nodes on one town's log: both issue; kill -9 one and the other goes on; nothing acknowledged is lost")
    func twoNodesAndAKill() async throws {
        let url = try await freshTestDatabase()
        let dir = try TemporaryDirectory()
        let keys = dir.path("keys")
        let certs = packageRoot.appendingPathComponent("certs").path
        let town = Self.towns[0]
        let created = try await akashi(
            ["init", "--database", url, "--keys", keys, "--origin", town.origin, "--name", town.name, "--code", town.code], in: dir)
        try #require(created.status == 0, "\(created)")
        let select = ["--database", url, "--keys", keys, "--authority", town.code]
        let token = try await akashi(["token", "create"] + select + ["--name", "api", "--role", "clerk"], in: dir)
        try #require(token.status == 0, "\(token)")
        let secret = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let exported = try await akashi(["trust", "export"] + select + ["--certs", certs, "--out", dir.path("trust.json")], in: dir)
        try #require(exported.status == 0, "\(exported)")
        let serve = ["serve"] + select + ["--certs", certs, "--web", dir.path("no-web")]
        let fleet = Fleet([BackgroundAkashi("node-1", serve, in: dir), BackgroundAkashi("node-2", serve, in: dir)])
        for node in fleet.nodes { try await node.start() }
        defer { fleet.killAll() }
        let exampleData = try Data(contentsOf: packageRoot.appendingPathComponent("certs/examples/residence.json"))

        /// Issues `count` certificates through `targets` round-robin, all at once; the acknowledged ones.
        @Sendable func issue(_ count: Int, through targets: [String]) async -> [(serial: String, index: Int, qr: String)] {
            await withTaskGroup(of: (String, Int, String)?.self) { group in
                for i in 0..<count {
                    group.addTask {
                        guard let example = try? JSONSerialization.jsonObject(with: exampleData),
                            let answer = try? await TestHTTP().post(
                                "\(targets[i % targets.count])/api/v1/certificates", bearer: secret, json: ["kind": "residence", "fields": example]),
                            answer.status == 201, let serial = answer.json["serial"] as? String, let index = answer.json["logIndex"] as? Int,
                            let qr = answer.json["qr"] as? String
                        else { return nil }
                        return (serial, index, qr)
                    }
                }
                var out: [(serial: String, index: Int, qr: String)] = []
                for await result in group { if let result { out.append((result.0, result.1, result.2)) } }
                return out
            }
        }

        var acknowledged = await issue(40, through: fleet.nodes.map(\.base))
        #expect(acknowledged.count == 40, "both nodes issue while both are up")
        // kill -9 a node at a random instant while requests are in flight
        // through both; the survivor must answer everything after; the victim
        // restarts. One round in make test; scripts/failover-campaign.sh sets
        // AKASHI_FAILOVER_KILLS for a campaign.
        let kills = Int(ProcessInfo.processInfo.environment["AKASHI_FAILOVER_KILLS"] ?? "") ?? 1
        var worst = Duration.zero
        var aroundKills = 0
        for round in 0..<kills {
            let bases = fleet.nodes.map(\.base)
            let during = Task { await issue(12, through: bases) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...120)))
            let victim = Int.random(in: 0...1)
            fleet.nodes[victim].kill()
            let killedAt = ContinuousClock.now
            let inFlight = await during.value
            aroundKills += inFlight.count
            let after = await issue(5, through: [bases[1 - victim]])
            worst = max(worst, ContinuousClock.now - killedAt)
            #expect(after.count == 5, "round \(round): the surviving node issues every request after the kill")
            acknowledged += inFlight + after
            let restarted = BackgroundAkashi("node-\(victim + 1)-\(round)", serve, in: dir)
            try await restarted.start()
            fleet.nodes[victim] = restarted
        }
        #expect(Set(acknowledged.map(\.serial)).count == acknowledged.count, "no serial twice")
        #expect(Set(acknowledged.map(\.index)).count == acknowledged.count, "no log index twice")
        print(
            "two nodes: \(kills) kill(s) -9; \(acknowledged.count) acknowledged (\(aroundKills) of them in flight at a kill); the survivor's 5 issuances done within \(worst) of a kill at worst"
        )
        let bases = fleet.nodes.map(\.base)

        // Every acknowledged certificate is recorded once, at the index it was acknowledged with, and verifies.
        let http = TestHTTP()
        for certificate in acknowledged {
            let read = try await http.get("\(bases[1])/api/v1/certificates/\(certificate.serial)", bearer: secret)
            #expect(read.status == 200, "\(certificate.serial): \(read)")
            #expect(read.json["logIndex"] as? Int == certificate.index, "\(certificate.serial)")
        }
        let status = try await http.get("\(bases[1])/status/latest")
        try status.data.write(to: dir.url.appendingPathComponent("status.cose"))
        for (chunk, start) in stride(from: 0, to: acknowledged.count, by: 400).enumerated() {
            var qrFiles: [String] = []
            for (i, certificate) in acknowledged[start..<min(start + 400, acknowledged.count)].enumerated() {
                qrFiles.append(try dir.write("qr-\(chunk)-\(i).txt", certificate.qr + "\n"))
            }
            let verified = try await runTool(
                try akashiVerifyExecutable(), ["--trust", dir.path("trust.json"), "--status", dir.path("status.cose")] + qrFiles, in: dir)
            #expect(verified.status == 0, "every acknowledged certificate verifies: \(verified)")
        }
        // The log is one chain: the CLI proves its consistency from the first checkpoint.
        for node in fleet.nodes { await node.stop() }
        let audit = try await akashi(["audit", "verify"] + select, in: dir)
        #expect(audit.status == 0, "the audit chain verifies: \(audit)")
        let checkpoint = try await akashi(["log", "checkpoint"] + select, in: dir)
        let size = Int(checkpoint.lines.dropFirst().first ?? "") ?? -1
        #expect(size >= acknowledged.count, "\(checkpoint)")
        let consistency = try await akashi(["log", "consistency"] + select + ["--from", "1"], in: dir)
        #expect(consistency.status == 0, "\(consistency)")
    }

    @Test("an unreachable database or a bad URL: one line naming the target without the password")
    func unreachableOrBadDatabase() async throws {
        let dir = try TemporaryDirectory()
        let closed = try await akashi(["user", "list", "--database", "postgres://akashi:sekrit-pw@127.0.0.1:1/towns", "--keys", dir.path("keys")], in: dir)
        #expect(closed.status == 69, "\(closed)")
        #expect(closed.stderr.contains("akashi@127.0.0.1:1/towns") && !closed.stderr.contains("sekrit"), "\(closed)")
        #expect(closed.stderr.split(separator: "\n").count == 1, "\(closed)")
        let bad = try await akashi(["user", "list", "--database", "mysql://akashi:sekrit-pw@127.0.0.1/towns", "--keys", dir.path("keys")], in: dir)
        #expect(bad.status == 64, "\(bad)")
        #expect(!bad.stderr.contains("sekrit") && bad.stderr.contains("***"), "\(bad)")
        let noKeys = try await akashi(["user", "list", "--database", "postgres://akashi@127.0.0.1:1/towns"], in: dir)
        #expect(noKeys.status == 64 && noKeys.stderr.contains("--keys"), "\(noKeys)")
        let both = try await akashi(["user", "list", "--data", dir.path("d"), "--database", "postgres://akashi@127.0.0.1:1/towns", "--keys", "k"], in: dir)
        #expect(both.status == 64, "\(both)")
    }
}

/// A new database on the server of `AKASHI_TEST_DATABASE` (the test cluster's
/// user may create databases); its URL. Fails, never skips, without it.
func freshTestDatabase() async throws -> String {
    guard let base = ProcessInfo.processInfo.environment["AKASHI_TEST_DATABASE"], !base.isEmpty,
        let slash = base.range(of: "/", options: .backwards), base[..<slash.lowerBound].contains("@")
    else {
        Issue.record(
            """
            AKASHI_TEST_DATABASE is not set, so the PostgreSQL CLI tests cannot run: run `make test-deps` (it installs \
            PostgreSQL), then `./scripts/with-postgres.sh swift test` (or `make test`), or set \
            AKASHI_TEST_DATABASE=postgres://USER@HOST:PORT/DB
            """)
        throw ProcessTestFailure("AKASHI_TEST_DATABASE is not set")
    }
    let name = "akashi_cli_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
    let dir = try TemporaryDirectory()
    let created = try await runTool(URL(fileURLWithPath: "/usr/bin/psql"), [base, "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"], in: dir)
    guard created.status == 0 else {
        Issue.record("cannot create a test database with psql on \(base): \(created); run `make test-deps`")
        throw ProcessTestFailure("CREATE DATABASE failed")
    }
    return String(base[..<slash.lowerBound]) + "/" + name
}

/// `akashi` with `stdin` on its standard input.
func akashiWithInput(_ arguments: [String], stdin: String?, in directory: TemporaryDirectory) async throws -> CommandResult {
    guard let stdin else { return try await akashi(arguments, in: directory) }
    let input = try directory.write(".stdin-\(UUID().uuidString)", stdin)
    defer { try? FileManager.default.removeItem(atPath: input) }
    let script = "exec \"$0\" \"$@\" < '\(input)'"
    return try await runTool(URL(fileURLWithPath: "/bin/sh"), ["-c", script, try akashiExecutable().path] + arguments, in: directory)
}

/// The serve nodes of a test, replaced as they are killed and restarted.
final class Fleet: @unchecked Sendable {
    var nodes: [BackgroundAkashi]
    init(_ nodes: [BackgroundAkashi]) { self.nodes = nodes }
    func killAll() { for node in nodes { node.kill() } }
}
