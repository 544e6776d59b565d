import Foundation
import Store
import StoreTestSupport
import Testing

/// `kill -9` of a process that commits log batches: what it acknowledged is
/// there, nothing half-written is, and its sequencer lock comes free.
@Suite("Store conformance: crashes", .timeLimit(.minutes(1)))
struct CrashTests {
    /// Rounds per engine: round 0 is killed 0–40 ms after launch (often
    /// while opening), the others 20–250 ms after the child is ready.
    static let rounds = 4

    @Test("SIGKILL at random moments: every acknowledged batch is present, nothing partial exists, the sequencer is free again", arguments: Engine.durable)
    func killedWriter(engine: Engine) async throws {
        let executable = try crashChildExecutable()
        let t = try await makeStore(engine)
        try await t.store.initializeLog(CrashSchedule.checkpoint(0))
        let location = engine == .sqlite ? t.path! : try await TestPostgres.shared.connection().url
        let scratch = try Scratch()
        var stored: UInt64 = 0
        for round in 0..<Self.rounds {
            let delay = round == 0 ? Int.random(in: 0...40) : Int.random(in: 20...250)
            let child = try ChildProcess(executable, [engine == .sqlite ? "sqlite" : "postgres", location, t.authority], scratch: scratch)
            if round > 0 {
                try await child.waitForLine(prefix: "ready ")
                // Alive, it holds the sequencer: nobody else gets it.
                await expectStoreError(.locked, "round \(round): acquire while the child holds the sequencer") { _ = try await t.store.acquireSequencer() }
            }
            try await Task.sleep(for: .milliseconds(delay))
            try #require(child.isRunning, "round \(round): the child ended by itself: \(child.output)")
            await child.kill()
            let context = "round \(round), killed \(delay) ms after \(round == 0 ? "launch" : "ready")"

            // What the child said before it died.
            let lines = child.lines
            var acknowledged = stored
            if let ready = lines.first(where: { $0.hasPrefix("ready ") }) {
                let fields = ready.split(separator: " ")
                #expect(fields.count == 3 && UInt64(fields[1]) == stored, "\(context): \(ready), but the log had \(stored)")
                #expect(fields.count == 3 && fields[2] == CrashSchedule.fingerprint, "\(context): the child's CrashSchedule differs from the test's copy")
            }
            for line in lines where line.hasPrefix("ack ") {
                let fields = line.split(separator: " ").compactMap { UInt64($0) }
                try #require(fields.count == 2 && fields[0] == acknowledged && fields[1] > fields[0], "\(context): unexpected '\(line)' after \(acknowledged)")
                acknowledged = fields[1]
            }

            // The lock of a killed holder is free again within a few seconds.
            let clock = ContinuousClock()
            let killedAt = clock.now
            var lease: (any SequencerLease)?
            while lease == nil {
                do {
                    lease = try await t.store.acquireSequencer()
                } catch let error as StoreError where error.code == .locked && clock.now - killedAt < .seconds(5) {
                    try await Task.sleep(for: .milliseconds(25))
                }
            }
            #expect(clock.now - killedAt < .seconds(5), "\(context): the sequencer came free only after \(clock.now - killedAt)")
            await lease?.release()
            // A commit the server received just before the kill may still be finishing.
            if engine == .postgres { try await Task.sleep(for: .milliseconds(100)) }

            let reopened = try #require(try await t.reopen())
            stored = try await verifyCrashLog(reopened, acknowledged: acknowledged, context: context)
        }
        #expect(stored > 0, "no batch was ever committed in \(Self.rounds) rounds")
    }

    /// Checks a store the crash child wrote to against ``CrashSchedule`` and
    /// returns its size: at least `acknowledged` entries (at most one more
    /// batch, committed but killed before it said so), the checkpoint of
    /// exactly that size, every entry, tile, certificate record, status,
    /// idempotent response and audit row of the entries below it, none above.
    func verifyCrashLog(_ store: any AuthorityStore, acknowledged: UInt64, context: String) async throws -> UInt64 {
        let state = try #require(try await store.logState(), "\(context): the log is gone")
        let n = state.entryCount
        #expect(n >= acknowledged, "\(context): \(acknowledged) entries were acknowledged, the log has \(n)")
        #expect(n <= acknowledged + 8, "\(context): \(n) entries, more than one batch beyond the acknowledged \(acknowledged)")
        #expect(state.latestNote == CrashSchedule.note(n), "\(context): the latest checkpoint is not of the entry count \(n): \(state.latestNote)")
        #expect(state.publishedNote == CrashSchedule.note(n))
        let notes = try await store.checkpointNotes()
        let sizes = notes.compactMap(size(ofNote:))
        #expect(sizes.count == notes.count && sizes.first == 0 && sizes.last == n, "\(context): checkpoint sizes \(sizes.suffix(5)) for \(n) entries")
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 < $1 }, "\(context): checkpoint sizes do not grow")
        #expect(notes == sizes.map(CrashSchedule.note), "\(context): a checkpoint note is not the one committed")

        let entries = try await store.entries(0..<n)
        let wrong = entries.count == Int(n) ? entries.indices.first { entries[$0] != CrashSchedule.entry(UInt64($0)) } : 0
        #expect(entries.count == Int(n) && wrong == nil, "\(context): \(entries.count) entries read for \(n), first wrong at \(String(describing: wrong))")
        for index in n..<n + 9 { #expect(try await store.entry(at: index) == nil, "\(context): entry \(index) exists beyond the checkpoint \(n)") }
        if n > 0 {
            for tile in UInt64(0)...(n - 1) / 256 {
                #expect(try await store.tile(level: 0, index: tile) == CrashSchedule.tile(tile, size: n), "\(context): tile 0/\(tile) is not that of size \(n)")
            }
        }
        let nextTile = n == 0 ? 0 : (n - 1) / 256 + 1
        #expect(try await store.tile(level: 0, index: nextTile) == nil, "\(context): tile 0/\(nextTile) exists beyond the checkpoint \(n)")

        // Certificates: exactly the issues below n, each at its own index.
        let issues = (0..<n).filter { CrashSchedule.kind($0) == .issue }
        for window in UInt64(0)...(n + 8) / 1000 {
            let from = CrashSchedule.base + Int64(window * 1000)
            let found = try await store.certificates(matching: CertificateQuery(kind: "crash", issuedFrom: from, issuedUntil: from + 1000, limit: 1000))
            let expected = issues.filter { $0 / 1000 == window }.reversed().map { i in
                let c = CrashSchedule.certificate(i)
                return CertificateRecord(
                    serial: c.serial, kind: c.kind, issuedAt: c.issuedAt, expiresAt: nil, logIndex: i, issuedBy: c.issuedBy, envelope: c.envelope,
                    disclosures: [])
            }
            #expect(found == Array(expected), "\(context): the certificate records issued in window \(window) are not those of the entries below \(n)")
        }
        #expect(try await store.certificateCounts(from: 0, until: CrashSchedule.base * 2) == (issues.isEmpty ? [:] : ["crash": issues.count]))
        for i in n..<n + 9 where CrashSchedule.kind(i) == .issue {
            #expect(try await store.certificate(serial: CrashSchedule.serial(i)) == nil, "\(context): certificate \(i) recorded without its entry")
            #expect(try await store.entryIndices(subject: CrashSchedule.subject(i)!) == [])
            if i % 2 == 0 { #expect(try await store.idempotentResponse(key: "crash-\(i)") == nil) }
        }
        if let last = issues.last {
            #expect(try await store.entryIndices(subject: CrashSchedule.subject(last)!) == [last])
        }
        if let lastKeyed = issues.last(where: { $0 % 2 == 0 }) {
            #expect(try await store.idempotentResponse(key: "crash-\(lastKeyed)") == Array("r\(lastKeyed)".utf8))
        }

        // Statuses: exactly the revocations below n.
        let snapshot = try await store.statusSnapshot()
        #expect(snapshot.latestNote == state.latestNote)
        let revocations = (0..<n).filter { CrashSchedule.kind($0) == .revoke }
        let expectedStatus = Dictionary(
            uniqueKeysWithValues: revocations.map { ($0 - 1, CertificateStatus.revoked(reason: "crash", at: CrashSchedule.base + Int64($0))) })
        #expect(snapshot.entries == expectedStatus, "\(context): the status snapshot is not that of the revocations below \(n)")

        // The audit chain: one row per entry, in order, intact.
        var seq: Int64 = 0
        var previous = AuditEvent.zeroHash
        var problems: [String] = []
        try await store.forEachAuditEvent(AuditFilter()) { row in
            seq += 1
            let index = UInt64(seq - 1)
            if row.seq != seq || row.previousHash != previous || !row.hashIsValid || row.detail != "crash log=\(index)"
                || row.action != CrashSchedule.kind(index).rawValue
            {
                problems.append("row \(row.seq) (expected \(seq)): \(row.action) \(row.detail ?? "nil") hashIsValid=\(row.hashIsValid)")
            }
            previous = row.hash
        }
        #expect(problems.isEmpty, "\(context): audit chain: \(problems.prefix(3))")
        #expect(seq == Int64(n), "\(context): \(seq) audit rows for \(n) entries")
        #expect(try await store.auditCount() == Int(n))
        return n
    }
}

/// The built `store-crash-child`, beside the test binary (the build products
/// directory), or a failure that says how to build it.
func crashChildExecutable() throws -> URL {
    var directories: [URL] = []
    if let main = Bundle.main.executableURL { directories.append(main.deletingLastPathComponent()) }
    directories.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
    directories += [".build/debug", ".build/release"].map { packageRoot.appendingPathComponent($0) }
    for directory in directories {
        let url = directory.appendingPathComponent("store-crash-child")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    let message = "store-crash-child is not built (looked in \(directories.map(\.path))): `swift build --product store-crash-child` (swift test builds it)"
    Issue.record(Comment(rawValue: message))
    throw SetupFailure(message)
}

/// The crash child, its output in files.
final class ChildProcess: Sendable {
    let process: Spawned

    init(_ executable: URL, _ arguments: [String], scratch: Scratch) throws {
        let name = UUID().uuidString
        process = try Spawned(executable.path, arguments, stdout: scratch.path("\(name).out"), stderr: scratch.path("\(name).err"))
    }

    var isRunning: Bool { process.isRunning }
    /// Complete lines only (a line is one write, but the last may be cut by the kill).
    var lines: [String] {
        var lines = process.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        return lines
    }
    var output: String { "stdout: \(process.stdout.suffix(400))\nstderr: \(process.stderr)" }

    func waitForLine(prefix: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lines.contains(where: { $0.hasPrefix(prefix) }) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        await kill()
        throw SetupFailure("the crash child did not print '\(prefix)…': \(output)")
    }

    /// SIGKILL, and wait until it is gone; records an issue if it had ended by itself.
    func kill() async {
        process.sendKill()
        await process.wait()
        if let status = process.exitStatus {
            Issue.record("the crash child was not killed but exited with status \(status): \(output)")
        }
    }
}
