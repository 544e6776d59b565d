import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// The package root: this file is `<root>/Tests/AkashiCLITests/CLISupport.swift`.
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // AkashiCLITests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root

struct MissingBinary: Error { let path: String }

/// The built `akashi` executable, or a test failure that says how to build it.
func akashiExecutable() throws -> URL {
    let url = packageRoot.appendingPathComponent(".build/debug/akashi")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        Issue.record("\(url.path) is missing: run `swift build` in \(packageRoot.path) first (these tests drive the real binary)")
        throw MissingBinary(path: url.path)
    }
    return url
}

/// A fresh directory removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes a file and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        try Data(contents.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

struct CommandResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs `akashi` with `arguments` in `directory` and waits for it.
func akashi(_ arguments: [String], in directory: TemporaryDirectory) async throws -> CommandResult {
    try await runTool(try akashiExecutable(), arguments, in: directory)
}

/// Runs a built tool with `arguments` in `directory` and waits for it.
func runTool(_ executable: URL, _ arguments: [String], in directory: TemporaryDirectory) async throws -> CommandResult {
    let name = UUID().uuidString
    let outURL = directory.url.appendingPathComponent(".\(name).out")
    let errURL = directory.url.appendingPathComponent(".\(name).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory.url
    process.standardInput = FileHandle.nullDevice
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    try process.run()
    while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
    process.waitUntilExit()
    try out.close()
    try err.close()
    return CommandResult(
        status: process.terminationStatus,
        stdout: try String(contentsOf: outURL, encoding: .utf8),
        stderr: try String(contentsOf: errURL, encoding: .utf8))
}

/// An authority created by `akashi init` in a temporary directory.
struct Authority {
    static let origin = "cli.example/akashi/log"
    let directory: TemporaryDirectory
    let data: String
    let vkey: VerifierKey
    let initResult: CommandResult

    init() async throws {
        directory = try TemporaryDirectory()
        data = directory.path("authority")
        initResult = try await akashi(
            ["init", "--data", data, "--origin", Self.origin, "--name", "飯塚市", "--code", "402052"], in: directory)
        try #require(initResult.status == 0, "akashi init failed: \(initResult)")
        let line = try #require(initResult.lines.first { $0.hasPrefix("log verifier key: ") }, "init printed no verifier key")
        vkey = try VerifierKey(parsing: String(line.dropFirst("log verifier key: ".count)))
    }

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await akashi(arguments, in: directory)
    }

    /// `akashi log <subcommand> --data DATA <arguments>`.
    func log(_ subcommand: String, _ arguments: [String] = []) async throws -> CommandResult {
        try await akashi(["log", subcommand, "--data", data] + arguments, in: directory)
    }

    func checkpoint() async throws -> SignedCheckpoint {
        let result = try await log("checkpoint")
        try #require(result.status == 0, "log checkpoint failed: \(result)")
        return try SignedCheckpoint(parsing: result.stdout)
    }

    var policy: TlogPolicy { try! TlogPolicy(logKey: vkey) }
}

/// Mode bits of a file (permissions only).
func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
}

/// Everything about a directory tree that a refused command must not change.
func snapshot(_ root: URL) throws -> [String: String] {
    var out: [String: String] = [:]
    let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
    let prefix = root.standardizedFileURL.path + "/"
    while let url = walker?.nextObject() as? URL {
        let path = url.standardizedFileURL.path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        var description = "\(attributes[.type] ?? "") mode \(attributes[.posixPermissions] ?? "") mtime \(attributes[.modificationDate] ?? "")"
        if attributes[.type] as? FileAttributeType == .typeRegular {
            description += " sha256 \(SHA256.hash([UInt8](try Data(contentsOf: url))).hexString)"
        }
        out[String(path.dropFirst(prefix.count))] = description
    }
    return out
}
