import ArgumentParser
import Authority
import Certificates
import Foundation
import Issuance
import QRCode

#if canImport(Glibc)
    import Glibc
#endif

/// The verifier URL `scripts/demo.sh` gives `akashi init`: what a real
/// authority's QR codes carry in front of the payload.
let demoVerifierURL = "https://iizuka.example/akashi/verify/"

/// A benchmark's own failure, printed by ArgumentParser as one line.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where kinds and their example inputs come from: the repository's `certs/`.
struct CertsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of kind definitions, with examples/ inside.", valueName: "DIR"))
    var certs = "certs"

    func registry() throws -> KindRegistry {
        guard FileManager.default.fileExists(atPath: certs) else {
            throw BenchFailure("no kind definitions at \(certs); run from the repository root or give --certs DIR")
        }
        return try KindRegistry(directory: URL(fileURLWithPath: certs))
    }

    /// The example input of `kind`: the one object of `examples/<kind>.json`,
    /// or with `csv` every row of `examples/<kind>.csv` (used in turn).
    func examples(kind: String, csv: Bool) throws -> [[String: InputValue]] {
        let file = URL(fileURLWithPath: certs).appendingPathComponent("examples/\(kind).\(csv ? "csv" : "json")")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw BenchFailure("cannot read \(file.path)")
        }
        guard csv else { return [try JSONDecoder().decode([String: InputValue].self, from: data)] }
        let table = try CSVTable(text: String(decoding: data, as: UTF8.self))
        let rows = table.rows.map { Dictionary(uniqueKeysWithValues: zip(table.header, $0.values.map { InputValue.string($0) })) }
        guard !rows.isEmpty else { throw BenchFailure("\(file.path) has no rows") }
        return rows
    }
}

/// An authority made for one run in a temporary folder, with its issuer.
/// `remove()` deletes it: benchmark logs are large and worthless afterwards.
struct ScratchAuthority {
    let directory: AuthorityDirectory
    let issuer: Issuer

    init(scratch: String, registry: KindRegistry, verifierURL: String? = demoVerifierURL) async throws {
        let url = URL(fileURLWithPath: scratch).appendingPathComponent("akashi-bench-\(getpid())")
        directory = try await AuthorityDirectory.create(
            at: url, origin: "bench.example/log", name: "ベンチ市", code: "402052", verifierURL: verifierURL)
        issuer = try Issuer(directory: directory, registry: registry, log: await directory.openLog())
    }

    func remove() { try? FileManager.default.removeItem(at: directory.url) }
}

/// What `akashi issue` makes of a certificate besides the envelope: the
/// symbol at level M, its PNG (scale 4, quiet zone 4) and its SVG.
func renderQR(_ text: String) throws -> (png: [UInt8], svg: String) {
    let qr = try QRCode.encode(text, level: .medium)
    return (try qr.pngData(scale: 4, quietZone: 4), qr.svg(quietZone: 4))
}

/// Issues `count` certificates of `kind` with `concurrency` callers at once,
/// cycling through `inputs`; with `withQR` each caller also renders the QR as
/// `akashi issue` does. Returns the seconds it took and every certificate's
/// latency (call to return, including the wait for its group commit) and the
/// process's CPU time.
func issueLoad(
    issuer: Issuer, kind: String, inputs: [[String: InputValue]], count: Int, concurrency: Int, withQR: Bool
) async throws -> (seconds: Double, cpuSeconds: Double, latencies: [Double], texts: [String]) {
    let start = now()
    let cpuStart = cpuTime()
    let results = try await withThrowingTaskGroup(of: [(Double, String)].self) { group in
        let perTask = (count + concurrency - 1) / concurrency
        for t in 0..<concurrency {
            let n = min(perTask, count - t * perTask)
            guard n > 0 else { continue }
            group.addTask {
                var results: [(Double, String)] = []
                results.reserveCapacity(n)
                for i in 0..<n {
                    let begin = now()
                    let certificate = try await issuer.issue(kind: kind, input: inputs[(t * perTask + i) % inputs.count])
                    if withQR { _ = try renderQR(certificate.qrText) }
                    results.append((now() - begin, certificate.qrText))
                }
                return results
            }
        }
        var all: [(Double, String)] = []
        for try await results in group { all += results }
        return all
    }
    return (now() - start, cpuTime() - cpuStart, results.map(\.0), results.map(\.1))
}

/// CPU seconds this process has used, all threads. On a shared machine the
/// wall clock counts other processes' time too; CPU time per operation does not.
func cpuTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The `q` quantile (0...1) of `values`, nearest rank; 0 when empty.
func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1))]
}
