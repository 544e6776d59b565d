import ArgumentParser
import Certificates
import Foundation
import QRCode
import QRScan

struct IssueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue certificates on a scratch authority; print certificates/s and p50/p99 latency, without and with the QR.",
        discussion: """
            Runs twice on the same log: (a) Issuer.issue only — validate, sign (ES256), log and record in one \
            group-committed transaction; (b) the same plus the QR symbol, its PNG and its SVG, as akashi issue \
            makes them (nothing is written to disk).
            """)

    @OptionGroup var certsOptions: CertsOptions
    @Option(help: "Certificates per run.") var count = 2_000
    @Option(help: "Concurrent issuing tasks.") var concurrency = 64
    @Option(help: "The kind to issue, from certs/examples/<kind>.json.") var kind = "residence"
    @Flag(help: "Issue the rows of certs/examples/<kind>.csv in turn instead of the JSON example.") var csv = false
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()

    func validate() throws {
        guard count > 0, concurrency > 0 else { throw ValidationError("--count and --concurrency must be positive") }
    }

    func run() async throws {
        let registry = try certsOptions.registry()
        let inputs = try certsOptions.examples(kind: kind, csv: csv)
        let authority = try await ScratchAuthority(scratch: scratch, registry: registry)
        defer { authority.remove() }
        // Warm up: the first issue creates tables and fills caches.
        _ = try await issueLoad(issuer: authority.issuer, kind: kind, inputs: inputs, count: 100, concurrency: concurrency, withQR: true)
        // Cores used = CPU time / wall time: well under 2 while the machine is
        // idle means waiting (fsync, the one log writer); under load it shows
        // how much of the machine this run got.
        print("run\tcertificates\tconcurrency\tcertificates/s\tp50 ms\tp99 ms\tCPU ms/certificate\tcores used")
        for withQR in [false, true] {
            let run = try await issueLoad(
                issuer: authority.issuer, kind: kind, inputs: inputs, count: count, concurrency: concurrency, withQR: withQR)
            print(
                String(
                    format: "%@\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.3f\t%.2f", withQR ? "sign+log+QR" : "sign+log", count, concurrency,
                    Double(count) / run.seconds, quantile(run.latencies, 0.5) * 1000, quantile(run.latencies, 0.99) * 1000,
                    run.cpuSeconds / Double(count) * 1000, run.cpuSeconds / run.seconds))
        }
    }
}
