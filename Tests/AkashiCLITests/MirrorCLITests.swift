import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

@Suite("akashi mirror / monitor on the command line")
struct MirrorCLITests {
    @Test("serve a log, mirror it (--once, then as a server), monitor both sources; usage and unreachable exit codes")
    func mirrorAndMonitor() async throws {
        let authority = try await Authority()
        let dir = authority.directory
        let files = try (1...3).map { try dir.write("doc\($0).txt", "document \($0)\n") }
        let appended = try await authority.log("append", files)
        try #require(appended.status == 0, "\(appended)")
        let vkey = authority.vkey.description
        let certs = packageRoot.appendingPathComponent("certs").path

        let serve = try await MirrorCLIProcess.start(
            ["serve", "--data", authority.data, "--port", "0", "--certs", certs], in: dir, label: "serve",
            listening: "akashi serve: listening on http://127.0.0.1:")
        defer { serve.stop() }
        let logURL = "http://127.0.0.1:\(serve.port)/log/"
        let mirrorData = dir.path("mirror")

        // Follow and copy once; the mirror is created on the way (--name).
        let once = try await authority.run(["mirror", "--data", mirrorData, "--name", "kaga.example/mirror", "--from", logURL, "--vkey", vkey, "--once"])
        #expect(once.status == 0, "\(once)")
        #expect(once.stdout.contains("\(Authority.origin)\tsize 3\troot "), "\(once)")
        #expect(try mode(mirrorData + "/mirror.key") == 0o600)
        let mirrorVkey = try await authority.run(["mirror", "vkey", "--data", mirrorData])
        #expect(mirrorVkey.status == 0)
        let mirrorKey = try VerifierKey(parsing: mirrorVkey.stdout)
        #expect(mirrorKey.type == .cosignatureV1)
        let list = try await authority.run(["mirror", "list", "--data", mirrorData])
        let listed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        #expect(listed?["size"] as? Int == 3, "\(list)")
        #expect(listed?["originHash"] as? String == SHA256.hash(Array(Authority.origin.utf8)).hexString)

        let mirror = try await MirrorCLIProcess.start(
            ["mirror", "--data", mirrorData, "--port", "0", "--interval", "0.5"], in: dir, label: "mirror",
            listening: "akashi mirror: listening on http://127.0.0.1:")
        defer { mirror.stop() }
        let mirrorURL = "http://127.0.0.1:\(mirror.port)/"

        // Both sources agree; the mirror's prefix resolves to /<origin hash>/.
        let monitor = try await authority.run([
            "monitor", "--from", logURL, "--from", mirrorURL, "--vkey", vkey, "--once", "--json", "--state", dir.path("monitor.json"),
        ])
        #expect(monitor.status == 0, "\(monitor)")
        let events = monitor.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.map { $0["event"] as? String } == ["checkpoint", "checkpoint"], "\(monitor)")
        #expect(events.map { $0["size"] as? Int } == [3, 3])
        #expect((events.last?["source"] as? String)?.hasSuffix(SHA256.hash(Array(Authority.origin.utf8)).hexString + "/") == true)
        let again = try await authority.run(["monitor", "--from", mirrorURL, "--vkey", vkey, "--once", "--state", dir.path("monitor.json")])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("変化なし / unchanged"), "\(again)")

        // The mirror's checkpoint carries its cosignature.
        let (body, _) = try await URLSession.shared.data(from: URL(string: mirrorURL + SHA256.hash(Array(Authority.origin.utf8)).hexString + "/checkpoint")!)
        let served = try SignedCheckpoint(parsing: String(decoding: body, as: UTF8.self))
        _ = try served.note.verify([CosignatureV1Verifier(key: mirrorKey)])
        _ = try authority.policy.verify(served)

        // Usage and unreachable sources.
        let noKey = try await authority.run(["mirror", "add-log", "--data", mirrorData, "--from", logURL])
        #expect(noKey.status == 64, "\(noKey)")
        // (An unfollowed log whose trust file cannot be fetched, 69: ExitCodeTests, in process.)
        let down = try await authority.run(["monitor", "--from", "http://127.0.0.1:1/log/", "--vkey", vkey, "--once"])
        #expect(down.status == 2, "\(down)")
        #expect(down.stdout.contains("確認できません / cannot check"), "\(down)")
        let twice = try await authority.run(["mirror", "init", "--data", mirrorData, "--name", "x.example/m"])
        #expect(twice.status != 0, "\(twice)")

        // SIGTERM stops the mirror cleanly.
        mirror.signal(SIGTERM)
        #expect(try await mirror.waitForExit(timeout: .seconds(10)) == 0, "\(mirror.output)")
    }
}

/// An `akashi` child process that prints a "listening on" line with its port.
private final class MirrorCLIProcess: @unchecked Sendable {
    let process = Process()
    let outURL: URL
    let errURL: URL
    private(set) var port = 0

    private init(outURL: URL, errURL: URL) {
        self.outURL = outURL
        self.errURL = errURL
    }

    static func start(_ arguments: [String], in dir: TemporaryDirectory, label: String, listening prefix: String) async throws -> MirrorCLIProcess {
        let child = MirrorCLIProcess(outURL: dir.url.appendingPathComponent("\(label).out"), errURL: dir.url.appendingPathComponent("\(label).err"))
        _ = FileManager.default.createFile(atPath: child.outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: child.errURL.path, contents: nil)
        child.process.executableURL = try akashiExecutable()
        child.process.arguments = arguments
        child.process.currentDirectoryURL = dir.url
        child.process.standardInput = FileHandle.nullDevice
        child.process.standardOutput = try FileHandle(forWritingTo: child.outURL)
        child.process.standardError = try FileHandle(forWritingTo: child.errURL)
        try child.process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, child.process.isRunning {
            if let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                let port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber })
            {
                child.port = port
                return child
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        child.stop()
        Issue.record("\(label) did not start listening within 10 s: \(child.output)")
        throw MissingBinary(path: label)
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var output: String { "stdout: \(stdout)\nstderr: \((try? String(contentsOf: errURL, encoding: .utf8)) ?? "")" }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
