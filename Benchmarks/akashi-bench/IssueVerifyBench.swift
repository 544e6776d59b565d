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
        let authority = try ScratchAuthority(scratch: scratch, registry: registry)
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
            print(String(format: "%@\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.3f\t%.2f", withQR ? "sign+log+QR" : "sign+log", count, concurrency,
                Double(count) / run.seconds, quantile(run.latencies, 0.5) * 1000, quantile(run.latencies, 0.99) * 1000,
                run.cpuSeconds / Double(count) * 1000, run.cpuSeconds / run.seconds))
        }
    }
}

struct VerifyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verifications per second on one core (from QR text), and QR image decodes per second.",
        discussion: """
            Issues --distinct certificates on a scratch authority, exports its trust file and verifies their QR \
            texts in turn in one loop on one task, as akashi-verify does. Then decodes the PNG akashi issue would \
            print for each (scale 4, quiet zone 4) with QRScanner, also in one loop. Every verdict and every \
            decoded text is checked, so a fast wrong answer fails the run.
            """)

    @OptionGroup var certsOptions: CertsOptions
    @Option(help: "Verifications to time.") var count = 20_000
    @Option(help: "QR images to decode.") var images = 500
    @Option(help: "Distinct certificates to issue first and cycle through.") var distinct = 200
    @Option(help: "The kind to issue, from certs/examples/<kind>.json.") var kind = "residence"
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()

    func validate() throws {
        guard count > 0, images > 0, distinct > 0 else { throw ValidationError("--count, --images and --distinct must be positive") }
    }

    func run() async throws {
        let registry = try certsOptions.registry()
        let inputs = try certsOptions.examples(kind: kind, csv: false)
        let authority = try ScratchAuthority(scratch: scratch, registry: registry)
        defer { authority.remove() }
        let texts = try await issueLoad(
            issuer: authority.issuer, kind: kind, inputs: inputs, count: distinct, concurrency: 16, withQR: false
        ).texts
        // Through the encoded file, as the verifier receives it.
        let trust = try TrustFile.decode(TrustFile.export(directory: authority.directory, registry: registry).encoded())
        let verifier = CertificateVerifier(trust: trust)
        let date = Date()

        for text in texts.prefix(50) where !verifier.verify(text: text, at: date).isGenuine {
            throw BenchFailure("a freshly issued certificate does not verify")
        }
        var invalid = 0
        var start = now()
        var cpuStart = cpuTime()
        for i in 0..<count where !verifier.verify(text: texts[i % texts.count], at: date).isGenuine {
            invalid += 1
        }
        let verifySeconds = now() - start
        let verifyCPU = cpuTime() - cpuStart
        guard invalid == 0 else { throw BenchFailure("\(invalid) of \(count) verifications failed") }

        let pngs = try texts.map { try renderQR($0).png }
        start = now()
        cpuStart = cpuTime()
        for i in 0..<images {
            let png = pngs[i % pngs.count]
            guard try QRScanner.decode(imageData: png) == [texts[i % texts.count]] else {
                throw BenchFailure("image \(i % pngs.count) decoded to a different text")
            }
        }
        let decodeSeconds = now() - start
        let decodeCPU = cpuTime() - cpuStart
        let symbol = try QRCode.encode(texts[0], level: .medium)
        let side = (symbol.width + 8) * 4
        print("operation\tcount\tseconds\tper second (1 task)\tper CPU second")
        print(String(format: "verify QR text (%@, %d chars)\t%d\t%.2f\t%.0f\t%.0f", kind, texts[0].count, count, verifySeconds,
            Double(count) / verifySeconds, Double(count) / verifyCPU))
        print(String(format: "decode QR PNG (version %d, %d×%d px)\t%d\t%.2f\t%.0f\t%.0f", symbol.version, side, side, images, decodeSeconds,
            Double(images) / decodeSeconds, Double(images) / decodeCPU))
    }
}
