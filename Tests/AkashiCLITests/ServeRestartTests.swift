import Foundation
import Testing
import TransparencyLog

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `akashi serve` stopped with SIGTERM in the middle of a burst of
/// `POST /api/v1/certificates`: it must answer what it accepted, exit 0 within
/// seconds, and leave a store where every acknowledged certificate is still
/// there — same serial, same log index, same QR — the log holds exactly the
/// certificates it recorded, and the audit trail has one `issue` per certificate.
@Suite("akashi serve: SIGTERM under load (end to end)")
struct ServeRestartTests {
    static let clients = 16
    /// SIGTERM goes out once this many certificates were acknowledged.
    static let acknowledgedBeforeSIGTERM = 100
    static let kind = "energy-origin"

    @Test(.timeLimit(.minutes(1)))
    func sigtermMidLoadLosesNoAcknowledgedCertificate() async throws {
        let started = ContinuousClock.now
        let dir = try TemporaryDirectory()
        let data = dir.path("authority")
        let certs = packageRoot.appendingPathComponent("certs").path

        let initResult = try await akashi(
            [
                "init", "--data", data, "--origin", "restart.example/akashi/log", "--name", "飯塚市", "--code", "402052",
                "--verifier-url", "https://iizuka.example/akashi/verify/",
            ], in: dir)
        try #require(initResult.status == 0, "akashi init failed: \(initResult)")
        let vkeyLine = try #require(initResult.lines.first { $0.hasPrefix("log verifier key: ") }, "init printed no verifier key")
        let vkey = try VerifierKey(parsing: String(vkeyLine.dropFirst("log verifier key: ".count)))
        let tokenResult = try await akashi(["token", "create", "--data", data, "--name", "load", "--role", "clerk"], in: dir)
        try #require(tokenResult.status == 0, "akashi token create failed: \(tokenResult)")
        let secret = tokenResult.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(secret.hasPrefix("akashi_") && !secret.contains("\n"), "unexpected token output: \(tokenResult)")

        let example = try Data(contentsOf: packageRoot.appendingPathComponent("certs/examples/\(Self.kind).json"))
        let fields = try JSONSerialization.jsonObject(with: example)
        let body = try JSONSerialization.data(withJSONObject: ["kind": Self.kind, "fields": fields])
        let http = RestartHTTPClient(connections: Self.clients)
        defer { http.invalidate() }

        // MARK: 1. Load, then SIGTERM in the middle of it.

        let first = try await RestartServer.start(data: data, certs: certs, in: dir, label: "first")
        defer { first.killIfRunning() }
        let issueURL = first.url("api/v1/certificates")
        let ledger = RestartLedger()
        let loadDeadline = ContinuousClock.now + .seconds(20)

        let exitStatus: Int32? = try await withThrowingTaskGroup(of: Int32?.self) { group in
            for _ in 0..<Self.clients {
                group.addTask {
                    await Self.client(http: http, url: issueURL, secret: secret, body: body, server: first, ledger: ledger, deadline: loadDeadline)
                    return nil
                }
            }
            // The conductor: SIGTERM after enough acknowledgements, then the exit.
            group.addTask {
                defer { ledger.stop() }
                let enough = await restartPoll(timeout: .seconds(10)) { ledger.acknowledgedCount >= Self.acknowledgedBeforeSIGTERM }
                guard enough else {
                    Issue.record("only \(ledger.acknowledgedCount) certificates acknowledged in 10 s (\(ledger.summary)); server output: \(first.output)")
                    return nil
                }
                ledger.markSIGTERM()
                first.signal(SIGTERM)
                return try await first.waitForExit(timeout: .seconds(8))
            }
            var status: Int32?
            for try await result in group { if let result { status = result } }
            return status
        }
        let shutdown = ledger.shutdownDuration
        try #require(exitStatus != nil, "akashi serve did not exit within 8 s of SIGTERM; output: \(first.output)")
        #expect(
            first.terminationReason == .exit && exitStatus == 0,
            "akashi serve exited with \(String(describing: exitStatus)) (\(first.terminationReason)); output: \(first.output)")
        #expect(!first.output.contains("entries failed"), "a log batch failed: \(first.output)")
        // Failures are fine only once the server is going away (refused, reset, closed).
        #expect(ledger.failuresBeforeSIGTERM.isEmpty, "requests failed before SIGTERM: \(ledger.failuresBeforeSIGTERM.prefix(5))")
        #expect(ledger.timeouts == 0, "requests timed out instead of being answered or refused: \(ledger.summary)")
        #expect(ledger.unexpectedResponses.isEmpty, "non-201 answers: \(ledger.unexpectedResponses.prefix(5))")

        let acknowledged = ledger.acknowledged
        try #require(acknowledged.count >= Self.acknowledgedBeforeSIGTERM, "\(ledger.summary)")
        #expect(Set(acknowledged.map(\.serial)).count == acknowledged.count, "a serial was acknowledged twice")
        #expect(Set(acknowledged.map(\.logIndex)).count == acknowledged.count, "a log index was acknowledged twice")
        let highest = try #require(acknowledged.max { $0.logIndex < $1.logIndex })

        // MARK: 2. Restart on the same data and read everything back.

        let second = try await RestartServer.start(data: data, certs: certs, in: dir, label: "second")
        defer { second.killIfRunning() }

        // The checkpoint: signed by the log's key, covering every acknowledged entry.
        let checkpointText = try await http.get(second.url("log/checkpoint"))
        try #require(checkpointText.status == 200, "GET /log/checkpoint: \(checkpointText)")
        let sizeLine = try #require(checkpointText.text.split(separator: "\n").dropFirst().first.flatMap { UInt64($0) }, "no size line: \(checkpointText.text)")
        let signed = try SignedCheckpoint(parsing: checkpointText.text)
        _ = try TlogPolicy(logKey: vkey).verify(signed)
        let size = signed.checkpoint.size
        #expect(size == sizeLine)
        #expect(size >= highest.logIndex + 1, "checkpoint size \(size) does not cover acknowledged index \(highest.logIndex)")
        #expect(size >= UInt64(acknowledged.count))

        // The log's entries: exactly `size` certificate entries, and they hash to the checkpoint's root.
        var entries: [[UInt8]] = []
        var tile: UInt64 = 0
        while UInt64(entries.count) < size {
            let width = Int(min(UInt64(Tiles.width), size - tile * UInt64(Tiles.width)))
            let bundle = try await http.getBytes(second.url("log/" + Tiles.entriesPath(index: tile, width: width)))
            try #require(bundle.status == 200, "entry bundle \(tile) (\(width)): HTTP \(bundle.status)")
            let parsed = try #require(Tiles.parseEntryBundle(bundle.bytes), "entry bundle \(tile) does not parse")
            try #require(parsed.count == width, "entry bundle \(tile) has \(parsed.count) entries, not \(width)")
            entries += parsed
            tile += 1
        }
        #expect(
            InMemoryMerkleTree(leafHashes: entries.map { Merkle.leafHash($0) }).rootHash() == signed.checkpoint.rootHash,
            "the entries do not hash to the checkpoint's root")
        for (index, entry) in entries.enumerated() {
            guard case .certificate(_, let kind, _, _) = try LogEntry(parsing: entry), kind == Self.kind else {
                Issue.record("entry \(index) is not an \(Self.kind) certificate")
                break
            }
        }
        let beyond = try await http.getBytes(
            second.url("log/" + Tiles.entriesPath(index: size / UInt64(Tiles.width), width: Int(size % UInt64(Tiles.width)) + 1)))
        #expect(beyond.status == 404, "the log serves more entries than its checkpoint says")

        // Every acknowledged certificate: same log index, same QR, as acknowledged.
        let trust = try await http.getBytes(second.url("trust.json"))
        try #require(trust.status == 200, "GET /trust.json: HTTP \(trust.status)")
        let trustPath = dir.path("trust.json")
        try Data(trust.bytes).write(to: URL(fileURLWithPath: trustPath))
        var reread: [String: RestartAck] = [:]
        for chunk in stride(from: 0, to: acknowledged.count, by: Self.clients).map({ Array(acknowledged[$0..<min($0 + Self.clients, acknowledged.count)]) }) {
            try await withThrowingTaskGroup(of: (String, RestartAck?, String).self) { group in
                for ack in chunk {
                    group.addTask {
                        let got = try await http.get(second.url("api/v1/certificates/\(ack.serial)"), secret: secret)
                        return (ack.serial, got.status == 200 ? RestartAck(json: got.text) : nil, "HTTP \(got.status) \(got.text.prefix(300))")
                    }
                }
                for try await (serial, found, description) in group {
                    if let found { reread[serial] = found } else { Issue.record("acknowledged \(serial) is not retrievable: \(description)") }
                }
            }
        }
        for ack in acknowledged {
            guard let found = reread[ack.serial] else { continue }
            #expect(found.logIndex == ack.logIndex, "\(ack.serial): log index \(found.logIndex), acknowledged \(ack.logIndex)")
            #expect(found.qr == ack.qr, "\(ack.serial): the QR read back differs from the one acknowledged")
        }

        // A sample (and the newest) verifies offline with the trust file the service publishes.
        var sample = Array(acknowledged.shuffled().prefix(20))
        if let last = acknowledged.last { sample.append(last) }
        sample.append(highest)
        let qrFile = try dir.write("sample.qr", sample.map { (reread[$0.serial] ?? $0).qr + "\n" }.joined())
        let verified = try await runRestartTool(
            packageRoot.appendingPathComponent(".build/debug/akashi-verify"), ["--trust", trustPath, "--json", "-"], stdin: qrFile, in: dir)
        // Genuine; no status list was given, so unconfirmed (exit 2), never invalid (1).
        #expect(verified.status == 2, "akashi-verify: \(verified)")
        let reports = verified.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(reports.count == sample.count, "akashi-verify printed \(reports.count) reports for \(sample.count) QR texts")
        for (ack, report) in zip(sample, reports) {
            #expect(report["verdict"] as? String != "invalid", "\(ack.serial) does not verify: \(report["reasons"] ?? "")")
            #expect(report["serial"] as? String == ack.serial)
            let log = report["log"] as? [String: Any]
            #expect((log?["index"] as? NSNumber)?.uint64Value == ack.logIndex, "\(ack.serial): verified log index \(String(describing: log?["index"]))")
        }

        second.signal(SIGTERM)
        let secondStatus = try await second.waitForExit(timeout: .seconds(8))
        #expect(secondStatus == 0, "the restarted server did not stop cleanly: \(String(describing: secondStatus)); output: \(second.output)")

        // MARK: 3. The CLI on the data directory: checkpoint and audit trail.

        let cliCheckpoint = try await akashi(["log", "checkpoint", "--data", data], in: dir)
        #expect(cliCheckpoint.status == 0, "\(cliCheckpoint)")
        #expect(cliCheckpoint.stdout == signed.serialized, "the CLI's checkpoint differs from the one served")

        let auditVerify = try await akashi(["audit", "verify", "--data", data], in: dir)
        #expect(auditVerify.status == 0, "akashi audit verify: \(auditVerify)")
        let export = try await akashi(["audit", "export", "--data", data], in: dir)
        try #require(export.status == 0, "akashi audit export: \(export)")
        let rows = parseRestartCSV(export.stdout)
        try #require(
            rows.first == ["seq", "at", "actor", "role", "action", "target", "detail", "address", "previous_hash", "hash"], "CSV header: \(rows.first ?? [])")
        let events = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(rows[0], $0)) }
        #expect(auditVerify.stdout.contains(" \(events.count) audit events"), "audit verify counted differently: \(auditVerify.stdout)")
        let issues = events.filter { $0["action"] == "issue" }
        #expect(UInt64(issues.count) == size, "\(issues.count) issue events for \(size) logged certificates")
        var issuedAt: [String: [String]] = [:]
        for event in issues { issuedAt[event["target"] ?? "", default: []].append(event["detail"] ?? "") }
        #expect(issuedAt.count == issues.count, "a certificate has more than one issue event")
        for ack in acknowledged {
            let details = issuedAt[ack.serial] ?? []
            #expect(
                details.count == 1 && details.first?.hasSuffix(" log=\(ack.logIndex)") == true,
                "audit issue events for \(ack.serial) (log \(ack.logIndex)): \(details)")
        }
        #expect(events.filter { $0["action"] == "read" }.count == reread.count, "one read event per GET")

        let elapsed = ContinuousClock.now - started
        print(
            """
            ServeRestartTests: \(ledger.summary); SIGTERM→exit \(shutdown.map { "\($0)" } ?? "?"); \
            log size \(size), highest acknowledged index \(highest.logIndex); \(events.count) audit events; \
            total \(elapsed)
            """)
    }

    /// One client: POST in a loop until the server is gone, the conductor says
    /// stop, or the deadline passes.
    private static func client(
        http: RestartHTTPClient, url: URL, secret: String, body: Data, server: RestartServer, ledger: RestartLedger,
        deadline: ContinuousClock.Instant
    ) async {
        while !ledger.stopped, ContinuousClock.now < deadline {
            do {
                let response = try await http.post(url, secret: secret, body: body)
                if response.status == 201, let ack = RestartAck(json: response.text) {
                    ledger.acknowledge(ack)
                } else {
                    ledger.unexpected("HTTP \(response.status): \(response.text.prefix(300))")
                }
            } catch {
                ledger.failed(error)
                if !server.isRunning || ledger.sigtermSent {
                    // Refused or reset: the server is going away. Pause a little so
                    // a refused connect does not spin.
                    try? await Task.sleep(for: .milliseconds(20))
                    if !server.isRunning { return }
                }
            }
        }
    }
}

// MARK: - Support (file-private: other test files keep their own names)

/// What a 201 said (and what a later GET says).
private struct RestartAck: Sendable {
    let serial: String
    let logIndex: UInt64
    let qr: String

    init?(json text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let serial = object["serial"] as? String, let index = object["logIndex"] as? NSNumber, let qr = object["qr"] as? String
        else { return nil }
        self.serial = serial
        self.logIndex = index.uint64Value
        self.qr = qr
    }
}

/// Everything the clients saw, shared between them.
private final class RestartLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var acks: [RestartAck] = []
    private var acksAfterSIGTERM = 0
    private var failures: [(afterSIGTERM: Bool, description: String)] = []
    private var timeoutCount = 0
    private var failureKinds: [String: Int] = [:]
    private var unexpectedAnswers: [String] = []
    private var sigterm: ContinuousClock.Instant?
    private var stoppedAt: ContinuousClock.Instant?
    private var isStopped = false

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    func acknowledge(_ ack: RestartAck) {
        locked {
            acks.append(ack)
            if sigterm != nil { acksAfterSIGTERM += 1 }
        }
    }
    func unexpected(_ description: String) { locked { unexpectedAnswers.append(description) } }
    func failed(_ error: any Error) {
        locked {
            if let error = error as? URLError, error.code == .timedOut { timeoutCount += 1 }
            failures.append((sigterm != nil, "\(error)"))
            let code = (error as? URLError).map { "URLError \($0.code.rawValue)" } ?? "\(type(of: error))"
            failureKinds[code, default: 0] += 1
        }
    }
    func markSIGTERM() { locked { sigterm = .now } }
    func stop() {
        locked {
            isStopped = true
            if stoppedAt == nil { stoppedAt = .now }
        }
    }

    var acknowledged: [RestartAck] { locked { acks } }
    var acknowledgedCount: Int { locked { acks.count } }
    var stopped: Bool { locked { isStopped } }
    var sigtermSent: Bool { locked { sigterm != nil } }
    var timeouts: Int { locked { timeoutCount } }
    var unexpectedResponses: [String] { locked { unexpectedAnswers } }
    var failuresBeforeSIGTERM: [String] { locked { failures.filter { !$0.afterSIGTERM }.map(\.description) } }
    var shutdownDuration: Duration? { locked { sigterm.flatMap { s in stoppedAt.map { $0 - s } } } }
    var summary: String {
        locked {
            "\(acks.count) acknowledged (\(acksAfterSIGTERM) after SIGTERM), \(failures.count) refused/reset "
                + "\(failureKinds.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }), "
                + "\(unexpectedAnswers.count) other answers, \(timeoutCount) timeouts"
        }
    }
}

/// `akashi serve --port 0` as a child process, its output in files.
private final class RestartServer: @unchecked Sendable {
    let process = Process()
    let outURL: URL
    let errURL: URL
    private(set) var port = 0

    private init(outURL: URL, errURL: URL) {
        self.outURL = outURL
        self.errURL = errURL
    }

    /// Starts the server and waits (10 s at most) for its "listening on" line.
    static func start(data: String, certs: String, in dir: TemporaryDirectory, label: String) async throws -> RestartServer {
        let server = RestartServer(outURL: dir.url.appendingPathComponent("serve-\(label).out"), errURL: dir.url.appendingPathComponent("serve-\(label).err"))
        _ = FileManager.default.createFile(atPath: server.outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: server.errURL.path, contents: nil)
        server.process.executableURL = try akashiExecutable()
        server.process.arguments = ["serve", "--data", data, "--port", "0", "--certs", certs]
        server.process.currentDirectoryURL = dir.url
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "info"
        server.process.environment = environment
        server.process.standardInput = FileHandle.nullDevice
        server.process.standardOutput = try FileHandle(forWritingTo: server.outURL)
        server.process.standardError = try FileHandle(forWritingTo: server.errURL)
        try server.process.run()
        let prefix = "akashi serve: listening on http://127.0.0.1:"
        var port: Int?
        let ready = await restartPoll(timeout: .seconds(10)) {
            if let line = server.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber })
            }
            return port != nil || !server.process.isRunning
        }
        guard ready, let port, server.process.isRunning else {
            server.killIfRunning()
            Issue.record("akashi serve (\(label)) did not start listening within 10 s: \(server.output)")
            throw RestartTestFailure("akashi serve did not start")
        }
        server.port = port
        return server
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(path)")! }
    var isRunning: Bool { process.isRunning }
    var terminationReason: Process.TerminationReason { process.terminationReason }
    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var output: String { "stdout: \(stdout)\nstderr: \((try? String(contentsOf: errURL, encoding: .utf8)) ?? "")" }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// The exit status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        guard await restartPoll(timeout: timeout, { !self.process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func killIfRunning() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

private struct RestartTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Plain HTTP over URLSession: no cache, no cookies, bounded waits.
private final class RestartHTTPClient: @unchecked Sendable {
    let session: URLSession

    init(connections: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connections
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 15
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    func invalidate() { session.invalidateAndCancel() }

    struct Answer: CustomStringConvertible {
        let status: Int
        let bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var description: String { "HTTP \(status): \(text.prefix(500))" }
    }

    func post(_ url: URL, secret: String, body: Data) async throws -> Answer {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization")
        return try await send(request)
    }

    func get(_ url: URL, secret: String? = nil) async throws -> Answer {
        var request = URLRequest(url: url)
        if let secret { request.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization") }
        return try await send(request)
    }

    func getBytes(_ url: URL) async throws -> Answer { try await get(url) }

    private func send(_ request: URLRequest) async throws -> Answer {
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw RestartTestFailure("not an HTTP response from \(request.url!)") }
        return Answer(status: http.statusCode, bytes: [UInt8](data))
    }
}

/// Polls `condition` every 10 ms; false if it is still false after `timeout`.
private func restartPoll(timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// Runs a tool with standard input from a file (the CLI helper's stdin is /dev/null).
private func runRestartTool(_ executable: URL, _ arguments: [String], stdin: String, in dir: TemporaryDirectory) async throws -> CommandResult {
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
        Issue.record("\(executable.path) is missing: run `swift build` first")
        throw MissingBinary(path: executable.path)
    }
    let name = UUID().uuidString
    let outURL = dir.url.appendingPathComponent(".\(name).out")
    let errURL = dir.url.appendingPathComponent(".\(name).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = dir.url
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin))
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    let done = await restartPoll(timeout: .seconds(20)) { !process.isRunning }
    if !done {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("\(executable.lastPathComponent) did not finish in 20 s")
    }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

/// RFC 4180 rows (quoted cells, doubled quotes, CRLF or LF line ends).
private func parseRestartCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var cell = ""
    var quoted = false
    var iterator = Array(text.unicodeScalars).makeIterator()
    var pending: Unicode.Scalar? = nil
    func next() -> Unicode.Scalar? {
        if let p = pending {
            pending = nil
            return p
        }
        return iterator.next()
    }
    while let c = next() {
        if quoted {
            if c == "\"" {
                if let n = next() {
                    if n == "\"" { cell.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                } else {
                    quoted = false
                }
            } else {
                cell.unicodeScalars.append(c)
            }
            continue
        }
        switch c {
        case "\"": quoted = true
        case ",":
            row.append(cell)
            cell = ""
        case "\r": break
        case "\n":
            row.append(cell)
            rows.append(row)
            row = []
            cell = ""
        default: cell.unicodeScalars.append(c)
        }
    }
    if !cell.isEmpty || !row.isEmpty {
        row.append(cell)
        rows.append(row)
    }
    return rows
}
