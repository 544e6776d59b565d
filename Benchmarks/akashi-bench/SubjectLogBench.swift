import AkashiCrypto
import ArgumentParser
import Certificates
import Foundation
import Issuance
import TransparencyLog

/// Builds a log for measuring a resident's scan (docs/spec/subject-transparency.md
/// §5): `--entries` certificate entries with one subject line each, of which
/// one in `--every` is a real certificate issued for the test resident and the
/// rest carry random lines — which is what anybody else's lines look like
/// (§7, property 1), and cost the scanner the same X25519 each. Publishes the
/// tiles, the trust file and the resident's secret under `--out`;
/// scripts/subject-scan-bench.sh serves them and times the scans.
struct SubjectLogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject-log", abstract: "Build a log of certificate entries with subject lines for the resident's scan benchmark.")

    @OptionGroup var certsOptions: CertsOptions
    @Option(help: "Entries in the log.") var entries = 10_000
    @Option(help: "One in this many is the resident's (a real certificate).") var every = 1_000
    @Option(help: "Output folder: log/ (tiles), trust.json, resident.key, expected.txt.") var out: String
    @Option(help: "Concurrent appenders.") var concurrency = 256
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()

    func run() async throws {
        let registry = try certsOptions.registry()
        let authority = try await ScratchAuthority(scratch: scratch, registry: registry)
        defer { authority.remove() }
        let resident = SubjectSecret()
        let input = try certsOptions.examples(kind: "graduation", csv: false)[0]
        let chunks = max(1, entries / max(every, 1))
        let start = Date()
        var serials: [String] = []
        for c in 0..<chunks {
            let fill = (c == chunks - 1 ? entries - (chunks - 1) * every : every) - 1
            if fill > 0 {
                _ = try await appendLoad(log: authority.issuer.log, count: fill, concurrency: concurrency, acks: false) {
                    LogEntry.certificate(sha256: SecureRandom.bytes(32), kind: "graduation", issuedAt: 1_796_000_000, subjects: [SecureRandom.bytes(50)])
                }
            }
            let certificate = try await authority.issuer.issue(kind: "graduation", input: input, subjectKeys: [resident.publicKey])
            serials.append(certificate.claims.serialText)
        }
        let built = Date().timeIntervalSince(start)
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let summary = try await authority.issuer.log.publishTiles(to: outURL.appendingPathComponent("log"))
        try TrustFile.export(directory: authority.directory, registry: registry).encoded().write(to: outURL.appendingPathComponent("trust.json"))
        FileManager.default.createFile(
            atPath: outURL.appendingPathComponent("resident.key").path, contents: Data((resident.secretText + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        try Data((serials.sorted().joined(separator: "\n") + "\n").utf8).write(to: outURL.appendingPathComponent("expected.txt"))
        print(
            String(format: "built %llu entries (%d the resident's) in %.1f s; tiles: %@", await authority.issuer.log.size, serials.count, built, "\(summary)"))
    }
}
