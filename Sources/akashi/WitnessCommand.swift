import ArgumentParser
import Authority
import Foundation
import Logging
import TransparencyLog
import Witness

/// `akashi witness`: a C2SP tlog-witness that cosigns other logs' checkpoints.
/// Without a subcommand it runs the server (`akashi witness --data DIR --port P`).
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "A transparency log witness (c2sp.org/tlog-witness): cosigns checkpoints of the logs it follows.",
        discussion: """
            akashi witness init --data DIR --name NAME     create a witness (key 0600, state, config)
            akashi witness add-log --data DIR --vkey VKEY  follow a log (its origin is the key's name)
            akashi witness --data DIR --port P             serve POST /add-checkpoint until SIGTERM
            """,
        subcommands: [WitnessServe.self, WitnessInit.self, WitnessAddLog.self, WitnessList.self, WitnessVkey.self],
        defaultSubcommand: WitnessServe.self)
}

struct WitnessDataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The witness's data directory.", valueName: "DIR"))
    var data: String

    var url: URL { URL(fileURLWithPath: data) }
}

/// Runs a witness command body with the witness's errors mapped to exit codes.
private func reportingWitnessErrors(_ body: () async throws -> Void) async throws {
    try await reportingErrors {
        do {
            try await body()
        } catch let e as WitnessDirectoryError {
            switch e.code {
            case .notFound: throw CommandFailure(exitCode: Exit.noInput, message: e.reason)
            case .alreadyExists: throw CommandFailure(exitCode: Exit.cannotCreate, message: e.reason)
            case .invalidConfiguration: throw CommandFailure(exitCode: Exit.dataError, message: e.reason)
            case .io: throw CommandFailure(exitCode: Exit.software, message: e.reason)
            }
        } catch let e as WitnessError {
            throw CommandFailure(exitCode: witnessExitCode(e), message: e.reason)
        }
    }
}

func witnessExitCode(_ e: WitnessError) -> Int32 {
    switch e.code {
    case .locked: Exit.busy
    case .storage: Exit.software
    default: Exit.dataError
    }
}

struct WitnessServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the witness: POST /add-checkpoint, GET /healthz (the default subcommand).",
        discussion: "Stops gracefully on SIGTERM/SIGINT. LOG_LEVEL (trace…critical) sets the log level.")

    @OptionGroup var options: WitnessDataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 7380

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, not \(port)") }
    }

    func run() async throws {
        try await reportingWitnessErrors {
            let directory = try WitnessDirectory(at: options.url)
            let signer = try directory.signer(readSecret: AuthorityDirectory.readSecret)
            var logger = Logger(label: "akashi.witness")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            let witness = Witness(state: try directory.openState(), signer: signer, logger: logger)
            let host = self.host
            let name = signer.name
            let app = WitnessApplication.make(witness: witness, host: host, port: port, logger: logger) { port in
                // One line on stdout that scripts wait for.
                FileHandle.standardOutput.write(Data("akashi witness: listening on http://\(host):\(port)/ (\(name))\n".utf8))
            }
            try await app.runService()
        }
    }
}

struct WitnessInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a witness: DIR (0700) with witness.key (0600), witness.sqlite and config.json; prints its vkey.")

    @OptionGroup var options: WitnessDataOptions
    @Option(help: ArgumentHelp("The witness's key name, a schema-less URL (e.g. kaga.example/witness).", valueName: "NAME"))
    var name: String

    func run() async throws {
        try await reportingWitnessErrors {
            let directory = try WitnessDirectory.create(at: options.url, name: name, writeSecret: AuthorityDirectory.writeSecret)
            print(directory.configuration.vkey)
        }
    }
}

struct WitnessAddLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-log",
        abstract: "Follow a log: trust its Ed25519 vkey for checkpoints of its origin (works while the witness runs).",
        discussion: "The origin is the key's name unless --origin says otherwise. Repeat with another key to trust several keys for one log.")

    @OptionGroup var options: WitnessDataOptions
    @Option(help: ArgumentHelp("The log's verifier key (`akashi log verifier-key`).", valueName: "VKEY"))
    var vkey: String
    @Option(help: ArgumentHelp("The log's origin line, when it differs from the key's name.", valueName: "ORIGIN"))
    var origin: String?

    func run() async throws {
        try await reportingWitnessErrors {
            let key = try VerifierKey(parsing: vkey)
            let state = try WitnessDirectory(at: options.url).openState()
            let origin = origin ?? key.name
            let added = try state.addLog(key: key, origin: origin)
            print(added ? "following \(origin) with key \(key)" : "\(origin) already trusts key \(key)")
        }
    }
}

struct WitnessList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the followed logs: origin, latest cosigned size, keys (JSON lines).")

    @OptionGroup var options: WitnessDataOptions

    func run() async throws {
        try await reportingWitnessErrors {
            for log in try WitnessDirectory(at: options.url).openState().logs() {
                var object: [String: Any] = ["origin": log.origin, "size": log.size, "keys": log.keys.map(\.description)]
                if let root = log.rootHash { object["root"] = root.base64String }
                if let time = log.cosignedAt { object["cosignedAt"] = time }
                try printJSON(object)
            }
        }
    }
}

struct WitnessVkey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vkey", abstract: "Print the witness's verifier key (cosignature/v1, type 0x04).")

    @OptionGroup var options: WitnessDataOptions

    func run() async throws {
        try await reportingWitnessErrors {
            let directory = try WitnessDirectory(at: options.url)
            print(try directory.signer(readSecret: AuthorityDirectory.readSecret).verifierKey)
        }
    }
}
