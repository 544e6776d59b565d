import ArgumentParser
import Authority
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an authority's data directory: keys (0600), the SQLite store and config.json.",
        discussion: """
            Refuses to overwrite an existing authority. With --database URL --keys DIR (or AKASHI_DATABASE, \
            AKASHI_KEYS) the authority is added to a PostgreSQL database of many authorities: its config.json \
            and keys go to DIR/<CODE>/ (0600 files in 0700 folders, never into the database), its log, \
            records, staff, tokens and audit trail into the database under its code.
            """)

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
            let directory: AuthorityDirectory
            switch try options.target() {
            case .file(let url):
                directory = try await AuthorityDirectory.create(at: url, origin: origin, name: name, code: code, verifierURL: verifierURL)
            case .database(let url, let keys, _):
                // An exported AKASHI_AUTHORITY names the town other commands work on; init ignores it.
                if let authority = options.authority {
                    throw CommandFailure(
                        exitCode: Exit.usage, message: "akashi init takes the new authority's code from --code, not --authority (\(authority))")
                }
                let digits = try LocalGovernmentCode(code).digits
                let database = try AuthorityDatabase(url: url, logger: DataOptions.databaseLogger())
                defer { database.close() }
                // Nothing is created while the database cannot be reached (create migrates too; idempotent).
                try await database.migrate()
                try makePrivateFolder(keys)
                directory = try await AuthorityDirectory.create(
                    at: keys.appendingPathComponent(digits), origin: origin, name: name, code: digits, verifierURL: verifierURL,
                    location: .database(database))
                print("added \(digits) to the database \(database.target)")
            }
            let vkey = try directory.logVerifierKey()
            print("created \(directory.url.path)")
            print("origin: \(directory.configuration.origin)")
            print("issuer: \(directory.configuration.name) (\(directory.configuration.code))")
            print("log verifier key: \(vkey)")
        }
    }
}

/// The `--keys DIR` folder: created 0700 when missing (each authority's
/// folder in it is made 0700 by `AuthorityDirectory.create`).
func makePrivateFolder(_ url: URL) throws {
    guard !FileManager.default.fileExists(atPath: url.path) else { return }
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
        throw CommandFailure(exitCode: Exit.cannotCreate, message: "cannot create \(url.path): \(error.localizedDescription)")
    }
    _ = chmod(url.path, 0o700)
}
