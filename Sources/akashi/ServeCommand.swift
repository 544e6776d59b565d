import ArgumentParser
import Authority
import Foundation
import IssuerService
import Logging
import ServiceLifecycle
import Witness

/// `akashi serve`: the issuer service (clerk UI, API, public log endpoints)
/// until SIGTERM or SIGINT, which finish in-flight requests before exiting.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the issuer service: clerk web UI, JSON API, public log and trust endpoints.",
        discussion: """
            With --database URL --keys DIR [--authority CODE] (or AKASHI_DATABASE, AKASHI_KEYS, \
            AKASHI_AUTHORITY) it serves one authority of a PostgreSQL database instead of a data directory. \
            Flags override the environment: AKASHI_DATA, AKASHI_HOST, AKASHI_PORT, AKASHI_CERTS, AKASHI_WEB, \
            AKASHI_SECURE_COOKIES=1 (behind a TLS proxy), LOG_LEVEL (trace…critical). Stops gracefully on \
            SIGTERM/SIGINT: requests already accepted are answered first.
            """)

    @Option(help: ArgumentHelp("The authority's data directory (or $AKASHI_DATA).", valueName: "DIR")) var data: String?
    @Option(help: ArgumentHelp("Instead of --data: a PostgreSQL database of many authorities (or $AKASHI_DATABASE).", valueName: "URL")) var database: String?
    @Option(help: ArgumentHelp("With --database: the folder of the authorities' config.json and keys, DIR/<CODE>/ (or $AKASHI_KEYS).", valueName: "DIR"))
    var keys: String?
    @Option(
        help: ArgumentHelp("With --database: the authority to serve (or $AKASHI_AUTHORITY; may be left out when the database holds one).", valueName: "CODE"))
    var authority: String?
    @Option(help: "Address to listen on (or $AKASHI_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port (or $AKASHI_PORT; default 8080; 0 picks a free one).") var port: Int?
    @OptionGroup var kinds: KindOptions
    @Option(help: ArgumentHelp("Folder of the static web verifier, served at /verify/ (or $AKASHI_WEB; default ./web if present).", valueName: "DIR")) var web:
        String?
    @Flag(help: "Mark session cookies Secure (when a TLS proxy is in front).") var secureCookies = false

    func run() async throws {
        try await reportingErrors {
            let env = ProcessInfo.processInfo.environment
            let data = data ?? (database == nil ? env["AKASHI_DATA"] : nil)
            guard data != nil || database != nil || !(env["AKASHI_DATABASE"] ?? "").isEmpty else {
                throw CommandFailure(
                    exitCode: Exit.usage,
                    message: "give --data DIR (or set AKASHI_DATA): the authority's data directory made by `akashi init`; or --database URL --keys DIR")
            }
            // The authority's folder and, with a database, its store there (checked and resolved once).
            let target = try DataOptions.target(data: data, database: database, keys: keys, authority: authority)
            let dataDirectory: URL
            var store = StoreLocation.file
            switch target {
            case .file(let url):
                dataDirectory = url
            case .database:
                let directory = try await DataOptions.open(target)
                dataDirectory = directory.url
                store = directory.location
            }
            let portValue = port ?? env["AKASHI_PORT"].flatMap(Int.init) ?? 8080
            guard (0...65535).contains(portValue) else {
                throw CommandFailure(exitCode: Exit.usage, message: "--port must be 0…65535, not \(portValue)")
            }
            let certsPath = kinds.certs ?? env["AKASHI_CERTS"] ?? "certs"
            guard FileManager.default.fileExists(atPath: certsPath) else {
                throw CommandFailure(exitCode: Exit.noInput, message: "no kind definitions at \(certsPath); give --certs DIR (the repository's certs/ folder)")
            }
            let webPath = web ?? env["AKASHI_WEB"] ?? "web"
            var configuration = ServiceConfiguration(
                dataDirectory: dataDirectory, certsDirectory: URL(fileURLWithPath: certsPath),
                host: host ?? env["AKASHI_HOST"] ?? "127.0.0.1", port: portValue,
                webDirectory: FileManager.default.fileExists(atPath: webPath) ? URL(fileURLWithPath: webPath) : nil,
                secureCookies: secureCookies || env["AKASHI_SECURE_COOKIES"] == "1")
            configuration.store = store
            var logger = Logger(label: "akashi.serve")
            logger.logLevel = env["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            let state = try await ServiceState(configuration: configuration, logger: logger)
            var background: [PeriodicService] = []
            if let policy = try state.directory.witnessPolicy() {
                let cosigner = await WitnessCosigner.attach(to: state.log, policy: policy, timeout: witnessTimeout(), logger: logger)
                // Entries recorded while the witnesses were down are published
                // as soon as they are back, not only at the next issuance.
                background.append(
                    PeriodicService("publish checkpoints waiting for witnesses", every: .seconds(15)) { [log = state.log, logger] in
                        await WitnessCosigner.publishWaiting(log, logger: logger)
                    })
                let quorum = policy.quorumGroup.map { "\($0.required)/\($0.members)" } ?? policy.quorum.description
                await state.witnessing.attach(quorum: quorum) {
                    await cosigner.status().map { WitnessHealth(name: $0.name, size: $0.size, lastError: $0.lastError) }
                }
                logger.info(
                    "checkpoints are cosigned before publishing",
                    metadata: ["policy": "\(policy.quorum): \(policy.witnesses.map(\.name.description).joined(separator: ", "))"])
            }
            if state.log.sequencing == .perBatch {
                // Other nodes append to this log too: follow them, so this
                // node's checkpoint, tiles and proofs are at most 2 s behind.
                background.append(
                    PeriodicService("follow the shared log", every: .seconds(2)) { [log = state.log, logger] in
                        do { try await log.refresh() } catch { logger.warning("cannot follow the shared log", metadata: ["error": "\(error)"]) }
                    })
            }
            let host = configuration.host
            let app = IssuerApplication.make(state: state) { port in
                // One line on stdout that scripts wait for.
                FileHandle.standardOutput.write(Data("akashi serve: listening on http://\(host):\(port)/ (\(state.authorityName))\n".utf8))
            }
            // SIGTERM or SIGINT: the group shuts down in reverse order — the
            // HTTP server first (it finishes the requests it accepted), then the
            // background jobs — and then the log lets go of its sequencer, so
            // another node takes over at once.
            let group = ServiceGroup(
                configuration: .init(
                    services: background.map { .init(service: $0) } + [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            do { try await group.run() } catch {
                await state.log.close()
                throw error
            }
            await state.log.close()
        }
    }
}
