import ArgumentParser
import Authority
import Foundation
import Logging

/// `akashi` — the issuer's command line: create an authority, run its
/// transparency log, (later) issue certificates.
@main
struct Akashi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "akashi",
        abstract: "Akashi (証): signed municipal certificates anchored in a transparency log.",
        discussion: """
            Exit codes: 0 ok; 1 verification failed; 64 usage; 65 bad data; 66 missing input;
            69 the witnesses did not cosign enough, or the --database cannot be reached; 73 refused
            to overwrite; 75 data directory busy (another akashi is writing); 77 key file readable by
            others; 70 internal error.
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Issue.self, Present.self, SubjectCommand.self, Trust.self, LogCommand.self, Serve.self, UserCommand.self, TokenCommand.self,
            AuditCommand.self, Vectors.self, Site.self, Revoke.self, Reissue.self, Status.self, Key.self, FederationCommand.self, WitnessCommand.self,
            MirrorCommand.self, MonitorCommand.self,
        ]
    )
}

/// Options every command that works on an authority takes: its data
/// directory (the SQLite store in it), or a PostgreSQL database of many
/// authorities with the folder of their keys.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("The authority's data directory (config.json, keys/, akashi.sqlite).", valueName: "DIR"))
    var dataOption: String?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "Instead of --data: a PostgreSQL database of many authorities, postgres://USER@HOST:PORT/DB (or $AKASHI_DATABASE).", valueName: "URL"))
    var database: String?

    @Option(
        name: .customLong("keys"),
        help: ArgumentHelp(
            "With --database: the folder of the authorities' config.json and keys, one DIR/<CODE>/ each (or $AKASHI_KEYS).", valueName: "DIR"))
    var keys: String?

    @Option(
        name: .customLong("authority"),
        help: ArgumentHelp(
            "With --database: the authority's code (or $AKASHI_AUTHORITY); may be left out when the database holds one authority.", valueName: "CODE"))
    var authority: String?

    /// The data directory's path, or with a database the authority's folder
    /// (for messages; after ``open()``).
    var data: String { dataOption ?? "" }

    /// `--data DIR`, or `--database URL --keys DIR [--authority CODE]`
    /// (flags before the environment; an explicit `--data` before `$AKASHI_DATABASE`).
    enum Target {
        case file(URL)
        case database(url: String, keys: URL, authority: String?)
    }

    func target() throws -> Target {
        try DataOptions.target(data: dataOption, database: database, keys: keys, authority: authority)
    }

    static func target(data: String?, database: String?, keys: String?, authority: String?) throws -> Target {
        let env = ProcessInfo.processInfo.environment
        let database = database ?? (data == nil ? env["AKASHI_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } : nil)
        guard let database else {
            guard let data else {
                throw CommandFailure(
                    exitCode: Exit.usage,
                    message: "give --data DIR (the authority's data directory), or --database URL --keys DIR (or AKASHI_DATABASE and AKASHI_KEYS)")
            }
            return .file(URL(fileURLWithPath: data))
        }
        if let data {
            throw CommandFailure(exitCode: Exit.usage, message: "give --data DIR or --database URL, not both (--data \(data))")
        }
        guard let keys = keys ?? env["AKASHI_KEYS"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw CommandFailure(
                exitCode: Exit.usage, message: "--database needs --keys DIR (or AKASHI_KEYS): the folder of each authority's config.json and keys, DIR/<CODE>/")
        }
        return .database(url: database, keys: URL(fileURLWithPath: keys), authority: authority ?? env["AKASHI_AUTHORITY"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The authority: its data directory, or its folder and rows in the
    /// database. Call ``AuthorityDirectory/close()`` when done (it stops the
    /// database's pool).
    func open() async throws -> AuthorityDirectory {
        try await DataOptions.open(try target())
    }

    /// The database driver's log: `LOG_LEVEL`, or only errors (a command's
    /// stderr is its one-line message).
    static func databaseLogger(_ level: Logger.Level? = nil) -> Logger {
        var logger = Logger(label: "akashi.postgres")
        logger.logLevel = level ?? ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        return logger
    }

    static func open(_ target: Target, logLevel: Logger.Level? = nil) async throws -> AuthorityDirectory {
        switch target {
        case .file(let url):
            return try AuthorityDirectory(at: url)
        case .database(let url, let keys, let authority):
            let database = try AuthorityDatabase(url: url, logger: databaseLogger(logLevel))
            do {
                let directory = try await AuthorityDirectory.open(database: database, keys: keys, authority: authority)
                CommandResources.current?.add(directory)
                return directory
            } catch {
                database.close()
                throw error
            }
        }
    }
}
