import Foundation
import Testing

/// `akashi federation keygen|sign|verify|merge` through the real binaries, end
/// to end: two authorities issue, export trust files, two prefectures sign
/// lists, a company merges them and checks both certificates with
/// `akashi-verify --trust`. Needs `swift build` (the tests drive .build/debug).
@Suite(.serialized, .enabled("needs .build/debug/akashi with the federation command") { await FederationCLI.available() })
struct FederationCLITests {
    @Test func keygenSignVerifyMergeAndVerifyCertificates() async throws {
        let dir = try FederationCLI.Directory()
        let certs = federationPackageRoot.appendingPathComponent("certs").path
        func run(_ args: [String], _ tool: String = "akashi") async throws -> FederationCLI.Result {
            try await FederationCLI.run(tool, args, in: dir.url)
        }
        func expect(_ result: FederationCLI.Result, _ status: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
        }

        // Two authorities, one certificate each, their trust files.
        for (data, origin, name, code) in [("iizuka", "iizuka.example/akashi/log", "飯塚市", "402052"), ("kaga", "kaga.example/akashi/log", "加賀市", "172065")] {
            expect(try await run(["init", "--data", data, "--origin", origin, "--name", name, "--code", code]), 0)
            expect(
                try await run([
                    "issue", "--data", data, "--certs", certs, "--kind", "residence", "--input", "\(certs)/examples/residence.json", "--out", "out-\(data)",
                ]), 0)
            expect(try await run(["trust", "export", "--data", data, "--certs", certs, "--out", "\(data).json"]), 0)
        }

        // keygen: 0600, prints the vkey, never overwrites.
        let keygen = try await run(["federation", "keygen", "--out", "fukuoka.key", "--name", "pref.fukuoka.example/federation"])
        expect(keygen, 0)
        let fukuokaVkey = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(fukuokaVkey.hasPrefix("pref.fukuoka.example/federation+"))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path("fukuoka.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        expect(try await run(["federation", "keygen", "--out", "fukuoka.key", "--name", "pref.fukuoka.example/federation"]), 73)
        expect(try await run(["federation", "keygen", "--out", "x.key", "--name", "has space"]), 64)
        let ishikawa = try await run(["federation", "keygen", "--out", "ishikawa.key", "--name", "pref.ishikawa.example/federation"])
        let ishikawaVkey = ishikawa.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // sign
        expect(
            try await run([
                "federation", "sign", "--key", "fukuoka.key", "--name", "福岡県", "--version", "3", "--expires", "2099-04-01", "--out", "fukuoka.list",
                "iizuka.json",
            ]), 0)
        expect(
            try await run([
                "federation", "sign", "--key", "ishikawa.key", "--name", "石川県", "--version", "1", "--expires", "2099-04-01T00:00:00+09:00", "--out",
                "ishikawa.list", "kaga.json",
            ]), 0)
        let listText = try String(contentsOfFile: dir.path("fukuoka.list"), encoding: .utf8)
        #expect(listText.hasPrefix("akashi-federation/v1\n{\"authorities\":[{\"issuer\":\"402052\""))
        expect(
            try await run([
                "federation", "sign", "--key", "missing.key", "--name", "x", "--version", "1", "--expires", "2099-01-01", "--out", "x.list", "iizuka.json",
            ]), 66)
        expect(
            try await run([
                "federation", "sign", "--key", "fukuoka.key", "--name", "x", "--version", "0", "--expires", "2099-01-01", "--out", "x.list", "iizuka.json",
            ]), 64)
        expect(
            try await run([
                "federation", "sign", "--key", "fukuoka.key", "--name", "x", "--version", "1", "--expires", "someday", "--out", "x.list", "iizuka.json",
            ]), 64)
        expect(
            try await run([
                "federation", "sign", "--key", "fukuoka.key", "--name", "x", "--version", "1", "--expires", "2099-01-01", "--out", "x.list", "missing.json",
            ]), 66)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.path("ishikawa.key"))
        expect(
            try await run([
                "federation", "sign", "--key", "ishikawa.key", "--name", "x", "--version", "1", "--expires", "2099-01-01", "--out", "x.list", "kaga.json",
            ]), 77)

        // verify: 0 when valid, 1 otherwise.
        let verified = try await run(["federation", "verify", "--vkey", fukuokaVkey, "fukuoka.list"])
        expect(verified, 0)
        #expect(verified.stdout.contains("402052\t飯塚市"))
        try Data((fukuokaVkey + "\n").utf8).write(to: dir.url.appendingPathComponent("fukuoka.vkey"))
        expect(try await run(["federation", "verify", "--vkey", "fukuoka.vkey", "fukuoka.list"]), 0)
        expect(try await run(["federation", "verify", "--vkey", ishikawaVkey, "fukuoka.list"]), 1)
        expect(try await run(["federation", "verify", "--vkey", fukuokaVkey, "--at", "2099-04-02", "fukuoka.list"]), 1)
        expect(try await run(["federation", "verify", "--vkey", fukuokaVkey, "--min-version", "4", "fukuoka.list"]), 1)
        expect(try await run(["federation", "verify", "--vkey", fukuokaVkey, "--min-version", "3", "fukuoka.list"]), 0)
        try Data(listText.replacingOccurrences(of: "飯塚市", with: "加賀市").utf8).write(to: dir.url.appendingPathComponent("tampered.list"))
        let tampered = try await run(["federation", "verify", "--vkey", fukuokaVkey, "tampered.list"])
        expect(tampered, 1)
        #expect(tampered.stderr.contains("verification failed"))
        expect(try await run(["federation", "verify", "--vkey", "not-a-vkey", "fukuoka.list"]), 64)
        expect(try await run(["federation", "verify", "--vkey", fukuokaVkey, "missing.list"]), 66)

        // merge → one trust file → akashi-verify accepts both certificates.
        expect(
            try await run(["federation", "merge", "--vkey", fukuokaVkey, "--vkey", ishikawaVkey, "--out", "merged.json", "fukuoka.list", "ishikawa.list"]), 0)
        let certificates = try ["out-iizuka", "out-kaga"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: dir.path(folder)).filter { $0.hasSuffix(".txt") }.map { "\(folder)/\($0)" }
        }
        #expect(certificates.count == 2)
        // Genuine, without status lists: unconfirmed (2), not invalid (1).
        expect(try await run(["--trust", "merged.json"] + certificates, "akashi-verify"), 2)
        expect(try await run(["--trust", "iizuka.json"] + certificates, "akashi-verify"), 1)
        // A list that does not verify stops the merge; a conflicting issuer is bad data.
        expect(try await run(["federation", "merge", "--vkey", fukuokaVkey, "--out", "bad.json", "fukuoka.list", "ishikawa.list"]), 1)
        expect(try await run(["init", "--data", "impostor", "--origin", "iizuka.example/akashi/log", "--name", "飯塚市", "--code", "402052"]), 0)
        expect(try await run(["trust", "export", "--data", "impostor", "--certs", certs, "--out", "impostor.json"]), 0)
        let conflict = try await run(["federation", "merge", "--vkey", fukuokaVkey, "--trust", "impostor.json", "--out", "bad.json", "fukuoka.list"])
        expect(conflict, 65)
        #expect(conflict.stderr.contains("402052"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("bad.json")))
    }
}

enum FederationCLI {
    struct Result: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    final class Directory: @unchecked Sendable {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-federation-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    static func executable(_ tool: String) -> URL {
        federationPackageRoot.appendingPathComponent(".build/debug/\(tool)")
    }

    /// Whether the built `akashi` has the federation command (it is registered in Akashi.swift).
    static func available() async -> Bool {
        guard FileManager.default.isExecutableFile(atPath: executable("akashi").path),
            FileManager.default.isExecutableFile(atPath: executable("akashi-verify").path),
            let dir = try? Directory(),
            let result = try? await run("akashi", ["federation", "--help"], in: dir.url)
        else { return false }
        // Without the command, ArgumentParser prints the root help (and exits 0).
        return result.status == 0 && result.stdout.contains("USAGE: akashi federation")
    }

    static func run(_ tool: String, _ arguments: [String], in directory: URL) async throws -> Result {
        let name = UUID().uuidString
        let outURL = directory.appendingPathComponent(".\(name).out"), errURL = directory.appendingPathComponent(".\(name).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = executable(tool)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}
