import ArgumentParser
import ConformanceVectors
import Foundation

/// `akashi vectors`: (re)generates the published conformance vectors.
struct Vectors: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the conformance vectors: valid certificates of every kind and each forgery class, with trust files and expected verdicts.",
        discussion: "Each vector is checked against the Swift verifier before it is written. See vectors/README.md.")

    @OptionGroup var kinds: KindOptions
    @Option(help: ArgumentHelp("Output folder (index.json, trust/, <id>.txt, <id>.png).", valueName: "DIR")) var out: String

    func run() async throws {
        try await reportingErrors {
            let registry = try kinds.registry()
            let certs = URL(fileURLWithPath: kinds.certs ?? ProcessInfo.processInfo.environment["AKASHI_CERTS"] ?? "certs")
            let index = try await VectorGenerator(registry: registry).generate(certsDirectory: certs, out: URL(fileURLWithPath: out))
            func count(_ verdict: String) -> Int { index.vectors.filter { $0.expected.verdict == verdict }.count }
            print("wrote \(index.vectors.count) vectors to \(out): \(count("valid")) valid, \(count("unconfirmed")) unconfirmed, \(count("invalid")) invalid")
        }
    }
}
