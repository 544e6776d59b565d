import Accounts
import ArgumentParser
import Authority
import Certificates
import Foundation
import Issuance

/// `akashi site`: the deployable static verifier folder — the web page, the
/// kinds, and this authority's trust file — for any static host or a mirror.
struct Site: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assemble the static web verifier: web/, the kinds (kinds/*.json) and the authority's trust.json.",
        discussion: "Serve the folder from any static web server; the page verifies offline once loaded.")

    @OptionGroup var options: DataOptions
    @OptionGroup var kinds: KindOptions
    @Option(help: ArgumentHelp("The web verifier's source folder (default ./web).", valueName: "DIR")) var web = "web"
    @Option(help: ArgumentHelp("Output folder (must not exist, or be empty).", valueName: "SITE")) var out: String

    func run() async throws {
        try await reportingErrors {
            let fm = FileManager.default
            let source = URL(fileURLWithPath: web)
            guard fm.fileExists(atPath: source.appendingPathComponent("index.html").path) else {
                throw CommandFailure(exitCode: Exit.noInput, message: "no web verifier at \(web)/index.html; give --web DIR (the repository's web/ folder)")
            }
            let target = URL(fileURLWithPath: out)
            if fm.fileExists(atPath: target.path), !((try? fm.contentsOfDirectory(atPath: target.path))?.isEmpty ?? true) {
                throw CommandFailure(exitCode: Exit.cannotCreate, message: "\(out) exists and is not empty; refusing to overwrite it")
            }
            let registry = try kinds.registry()
            let directory = try await options.open()
            try? fm.removeItem(at: target)
            try fm.copyItem(at: source, to: target)
            // Test pages stay in the repository; the published site is the verifier only.
            try? fm.removeItem(at: target.appendingPathComponent("test"))
            let kindsDir = target.appendingPathComponent("kinds")
            try fm.createDirectory(at: kindsDir, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for kind in registry.kinds {
                try encoder.encode(kind).write(to: kindsDir.appendingPathComponent("\(kind.id).json"))
            }
            let trust = try TrustFile.export(directory: directory, registry: registry)
            try trust.encoded().write(to: target.appendingPathComponent("trust.json"))
            // The status list as of now; republish the site (or serve it with
            // `akashi serve`) at least weekly, or verifiers call it stale.
            let log = try await directory.openLog()
            let issuer = try Issuer(directory: directory, registry: registry, log: log)
            let lifecycle = CertificateLifecycle(
                issuer: issuer, archive: CertificateArchive(log: log, registry: registry, verifierURL: directory.configuration.verifierURL))
            try await Data(lifecycle.signedStatusList()).write(to: target.appendingPathComponent("status.cose"))
            print(
                "wrote \(out): web verifier, \(registry.kinds.count) kinds, trust.json and status.cose for \(trust.authorities[0].name) (\(trust.authorities[0].issuer))"
            )
        }
    }
}
