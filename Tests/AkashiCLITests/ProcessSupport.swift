import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A long-running `akashi` process (serve, witness, mirror) started with
/// `--port`: waits for its "listening on http://127.0.0.1:PORT/" line.
final class BackgroundAkashi: @unchecked Sendable {
    let label: String
    let arguments: [String]
    let directory: TemporaryDirectory
    private(set) var process = Process()
    private(set) var port = 0
    private let outURL: URL
    private let errURL: URL

    init(_ label: String, _ arguments: [String], in directory: TemporaryDirectory) {
        self.label = label
        self.arguments = arguments
        self.directory = directory
        outURL = directory.url.appendingPathComponent("\(label).out")
        errURL = directory.url.appendingPathComponent("\(label).err")
    }

    /// Starts (or restarts, on the same port when it had one) and waits up to 15 s.
    func start(port fixedPort: Int? = nil, environment extra: [String: String] = [:]) async throws {
        process = Process()
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = try akashiExecutable()
        process.arguments = arguments + ["--port", String(fixedPort ?? 0)]
        process.currentDirectoryURL = directory.url
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "warning"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let marker = "listening on http://127.0.0.1:"
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let line = stdout.split(separator: "\n").first(where: { $0.contains(marker) }),
                let range = line.range(of: marker), let bound = Int(line[range.upperBound...].prefix { $0.isNumber })
            {
                port = bound
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill()
        Issue.record("\(label) (akashi \(arguments.joined(separator: " "))) did not start listening: \(output)")
        throw ProcessTestFailure("\(label) did not start")
    }

    var base: String { "http://127.0.0.1:\(port)" }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var output: String { "stdout: \(stdout)\nstderr: \((try? String(contentsOf: errURL, encoding: .utf8)) ?? "")" }

    /// SIGTERM, then wait up to 10 s (SIGKILL after that).
    func stop() async {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        kill()
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct ProcessTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Plain HTTP for tests: no cache, no cookies, bounded waits.
struct TestHTTP: Sendable {
    let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 20
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    struct Answer: CustomStringConvertible {
        let status: Int
        let data: Data
        var text: String { String(decoding: data, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:] }
        var description: String { "HTTP \(status): \(text.prefix(800))" }
    }

    func get(_ url: String, bearer: String? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: url)!)
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        return try await send(request)
    }

    func post(_ url: String, bearer: String, json: [String: Any]) async throws -> Answer {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization")
        return try await send(request)
    }

    private func send(_ request: URLRequest) async throws -> Answer {
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw ProcessTestFailure("not HTTP: \(request.url!)") }
        return Answer(status: http.statusCode, data: data)
    }
}

/// The built `akashi-verify`.
func akashiVerifyExecutable() throws -> URL {
    let url = packageRoot.appendingPathComponent(".build/debug/akashi-verify")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        Issue.record("\(url.path) is missing: run `swift build` first")
        throw MissingBinary(path: url.path)
    }
    return url
}

/// Runs `akashi-verify --json --trust TRUST` over QR texts; one JSON object per input.
func verifyQRTexts(_ texts: [String], trust: String, in directory: TemporaryDirectory) async throws -> [[String: Any]] {
    var paths: [String] = []
    for (i, text) in texts.enumerated() {
        paths.append(try directory.write("qr-\(UUID().uuidString)-\(i).txt", text))
    }
    let text = try await runTool(try akashiVerifyExecutable(), ["--json", "--trust", trust] + paths, in: directory).stdout
    return text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
}
