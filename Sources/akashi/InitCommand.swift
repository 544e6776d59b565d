import ArgumentParser
import Authority
import Foundation

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an authority's data directory: keys (0600), the SQLite store and config.json.",
        discussion: "Refuses to overwrite an existing authority.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The log origin, a schema-less URL (e.g. iizuka.example/akashi/log).", valueName: "ORIGIN"))
    var origin: String

    @Option(help: ArgumentHelp("The authority's name as printed on certificates (e.g. 飯塚市).", valueName: "NAME"))
    var name: String

    @Option(help: ArgumentHelp("全国地方公共団体コード, 6 digits with check digit (5 digits: the check digit is added).", valueName: "CODE"))
    var code: String

    @Option(name: .customLong("verifier-url"), help: ArgumentHelp("URL of the static verifier the QR codes open.", valueName: "URL"))
    var verifierURL: String?

    func run() async throws {
        try await reportingErrors {
            let directory = try await AuthorityDirectory.create(
                at: URL(fileURLWithPath: options.data), origin: origin, name: name, code: code, verifierURL: verifierURL)
            let vkey = try directory.logVerifierKey()
            print("created \(directory.url.path)")
            print("origin: \(directory.configuration.origin)")
            print("issuer: \(directory.configuration.name) (\(directory.configuration.code))")
            print("log verifier key: \(vkey)")
        }
    }
}
