import ArgumentParser
import Authority
import Federation
import Foundation
import LogStore
import Logging
import Mirror
import TransparencyLog
import Witness

// MARK: Shared options and errors

/// Who must sign the followed log's checkpoints.
struct LogTrustOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The log's Ed25519 verifier key (`akashi log verifier-key`); its name is the origin.", valueName: "VKEY"))
    var vkey: String?

    @Option(
        help: ArgumentHelp(
            "A c2sp.org/tlog-policy file (log keys, witnesses, quorum) or an akashi trust.json (`akashi trust export`).",
            valueName: "FILE"))
    var trust: String?

    @Option(help: ArgumentHelp("Which log, when --trust lists several.", valueName: "ORIGIN"))
    var origin: String?

    var given: Bool { vkey != nil || trust != nil }

    func validate() throws {
        guard !(vkey != nil && trust != nil) else { throw ValidationError("give --vkey or --trust, not both") }
    }

    /// The policy of each trusted log, by origin.
    func policies() throws -> [String: TlogPolicy] {
        var out: [String: TlogPolicy] = [:]
        if let vkey {
            let key = try VerifierKey(parsing: vkey)
            guard key.type == .ed25519 else {
                throw CommandFailure(
                    exitCode: Exit.usage, message: "--vkey \(key.name) is a cosignature key; a log signs checkpoints with an Ed25519 (type 0x01) key")
            }
            out[key.name] = try TlogPolicy(logKey: key)
        } else if let trust {
            out = try TrustedLogs.policies(parsing: readInput(trust))
        }
        if let origin {
            guard let policy = out[origin] else {
                throw CommandFailure(
                    exitCode: Exit.usage, message: "the keys given list no log '\(origin)' (they list: \(out.keys.sorted().joined(separator: ", ")))")
            }
            return [origin: policy]
        }
        guard !out.isEmpty else { throw CommandFailure(exitCode: Exit.usage, message: "--trust \(trust ?? "") lists no log") }
        return out
    }
}

/// Exit codes of the mirror, monitor and restore commands beyond `Exit`.
enum MirrorExit {
    /// A source could not be reached or answered with an error (EX_UNAVAILABLE).
    static let unavailable: Int32 = 69
    /// `akashi monitor --once`: a source could not be checked, nothing inconsistent found.
    static let sourceFailed: Int32 = 2
}

/// Runs a body with mirror errors mapped to exit codes and their evidence printed.
private func reportingMirrorErrors(_ body: () async throws -> Void) async throws {
    try await reportingErrors {
        do {
            try await body()
        } catch let e as MirrorError {
            printEvidence(e.evidence)
            throw CommandFailure(exitCode: mirrorExitCode(e), message: "\(e.code): \(e.reason)")
        }
    }
}

func mirrorExitCode(_ e: MirrorError) -> Int32 {
    switch e.code {
    case .transport, .httpStatus, .responseTooLarge: MirrorExit.unavailable
    case .unverifiedCheckpoint, .bundleMismatch, .rootMismatch, .tileMismatch, .inconsistent, .wrongOrigin: Exit.verificationFailed
    case .malformedCheckpoint, .malformedTile, .malformedBundle, .unlistedOrigin: Exit.dataError
    case .staleCopy: Exit.verificationFailed
    case .notEmpty: Exit.cannotCreate
    case .invalidRequest: Exit.usage
    case .locked: Exit.busy
    default: Exit.software
    }
}

/// Signed checkpoints kept as proof, on stderr.
private func printEvidence(_ evidence: [MirrorError.Evidence]) {
    for item in evidence {
        var text = "証拠 / evidence from \(item.source):\n"
        for line in item.checkpoint.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { text += "    \(line)\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

private func seconds(_ value: Double) -> Duration { .milliseconds(Int64((value * 1000).rounded())) }

// MARK: akashi mirror

/// `akashi mirror`: a c2sp.org/tlog-mirror that pulls logs over their tiles,
/// verifies every entry and serves cosigned copies. Without a subcommand it
/// runs the mirror (`akashi mirror --from URL --data DIR`).
struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "A transparency log mirror (c2sp.org/tlog-mirror): keeps verified, cosigned copies of logs and serves them as tiles.",
        discussion: """
            akashi mirror init --data DIR --name NAME
              create a mirror (its cosignature/v1 key 0600); prints its vkey
            akashi mirror add-log --data DIR --from URL (--vkey VKEY | --trust FILE)
              follow a log; URL is its tlog-tiles prefix, e.g. http://host:8080/log/
            akashi mirror --data DIR [--from URL [--vkey VKEY | --trust FILE]] [--port 7390]
              poll every log; serve /<sha256(origin) hex>/checkpoint and /tile/...
              (`akashi mirror --from URL --data DIR` alone creates the mirror if needed and,
              the first time, pins the log key its authority publishes at <host>/trust.json —
              trusted on first use; check it out of band)

            Each poll verifies the checkpoint (the log key, and the witness quorum of \
            --trust), downloads the new entry bundles, recomputes the tree and \
            commits entries, tiles and checkpoint in one transaction only if the \
            root matches; the mirror cosigns only after that commit. A refused step \
            changes nothing. The push API (add-checkpoint, add-entries) is not \
            implemented: the mirror pulls over tiles.
            """,
        subcommands: [MirrorServe.self, MirrorInit.self, MirrorAddLog.self, MirrorList.self, MirrorVkey.self],
        defaultSubcommand: MirrorServe.self)
}

struct MirrorDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The mirror's data directory.", valueName: "DIR"))
    var data: String

    var url: URL { URL(fileURLWithPath: data) }
}

func openMirror(_ url: URL, logger: Logger = Logger(label: "akashi.mirror"), timeout: Duration = .seconds(30)) throws -> Mirror {
    let directory = try MirrorDirectory(at: url)
    let signer = try directory.signer(readSecret: AuthorityDirectory.readSecret)
    return try Mirror(directory: directory, signer: signer, timeout: timeout, logger: logger)
}

struct MirrorServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Poll the followed logs and serve their cosigned copies (the default subcommand).",
        discussion: """
            Serves GET /<hash>/checkpoint, /<hash>/tile/<L>/<N>[.p/<W>] and \
            /<hash>/tile/entries/<N>[.p/<W>] (hash: lowercase hex SHA-256 of the \
            origin), GET / (the mirrored logs, JSON) and /healthz. --from URL \
            (repeatable) follows that log first, as add-log does; --name creates the \
            mirror when DIR has none. --once syncs every log once, prints one line \
            each and exits without serving.

            Exit codes (--once): 0 all synced; 1 a checkpoint or entry was refused \
            (bad signature, wrong root, fork; the evidence goes to stderr); 69 a log \
            could not be reached; 75 another mirror process holds a copy.

            Stops gracefully on SIGTERM/SIGINT. LOG_LEVEL (trace…critical) sets the log level.
            """)

    @OptionGroup var options: MirrorDataOptions
    @Option(name: .long, help: ArgumentHelp("A log's tlog-tiles prefix to follow (repeatable).", valueName: "URL"))
    var from: [String] = []
    @OptionGroup var trust: LogTrustOptions
    @Option(help: ArgumentHelp("Create the mirror with this key name first, when DIR holds none.", valueName: "NAME"))
    var name: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 7390
    @Option(help: ArgumentHelp("Seconds between polls.", valueName: "SECONDS")) var interval: Double = 30
    @Option(help: ArgumentHelp("Seconds before a request to a log is abandoned.", valueName: "SECONDS")) var timeout: Double = 30
    @Flag(help: "Sync every log once and exit (no server).") var once = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, not \(port)") }
        guard interval > 0, timeout > 0 else { throw ValidationError("--interval and --timeout must be positive") }
        if trust.given && from.isEmpty { throw ValidationError("--vkey/--trust go with --from URL") }
    }

    /// A key name for a mirror created without --name: `<host>/akashi-mirror`.
    static func defaultName() -> String {
        let host = ProcessInfo.processInfo.hostName.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        return (host.isEmpty ? "localhost" : host) + "/akashi-mirror"
    }

    /// Follows the log at `prefix` with the keys its authority publishes beside it.
    static func followOnFirstUse(_ mirror: Mirror, prefix: String) async throws -> (MirroredLogRecord, URL) {
        let published: PublishedTrust
        do throws(FederationError) { published = try await PublishedTrust.fetch(besideLog: prefix) } catch {
            let exit = error.code == .unreachable ? Exit.unavailable : error.code == .notPublished ? Exit.usage : Exit.dataError
            throw CommandFailure(exitCode: exit, message: "\(prefix) is not followed yet and \(error.reason): give --vkey VKEY or --trust FILE the first time")
        }
        do throws(MirrorError) {
            return (try await mirror.followOnFirstUse(url: prefix, policies: published.policies), published.url)
        } catch {
            guard error.code == .unlistedOrigin else { throw error }
            throw CommandFailure(exitCode: Exit.dataError, message: "\(published.url): \(error.reason); give --vkey VKEY or --trust FILE")
        }
    }

    func run() async throws {
        try await reportingMirrorErrors {
            var logger = Logger(label: "akashi.mirror")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
            if !MirrorDirectory.exists(at: options.url) {
                guard let name = name ?? (from.isEmpty ? nil : Self.defaultName()) else {
                    throw CommandFailure(
                        exitCode: Exit.noInput,
                        message: "no mirror at \(options.data); create one with `akashi mirror init --data \(options.data) --name NAME` (or add --name NAME)")
                }
                let created = try MirrorDirectory.create(at: options.url, name: name, writeSecret: AuthorityDirectory.writeSecret)
                printError("created mirror \(name) in \(options.data); vkey \(created.configuration.vkey)")
            }
            let mirror = try openMirror(options.url, logger: logger, timeout: seconds(timeout))
            for url in from {
                if trust.given {
                    let record = try await mirror.follow(url: url, policies: trust.policies())
                    printError("following \(record.origin) at \(record.url)")
                } else {
                    let prefix = try TileLogClient(prefix: url).source
                    if await !mirror.logs.contains(where: { $0.url == prefix }) {
                        // `akashi mirror --from URL --data DIR` as is: pin the key the
                        // authority publishes beside its log, and say so loudly.
                        let (record, trustURL) = try await Self.followOnFirstUse(mirror, prefix: prefix)
                        printError(
                            "following \(record.origin) at \(record.url) with the keys its authority publishes at \(trustURL) "
                                + "(trusted on first use, pinned from now on). Check the log key out of band, e.g. against the prefecture's "
                                + "federated list, or give --vkey/--trust: \(record.policy.split(separator: "\n").first ?? "")")
                    }
                }
            }
            if once {
                var status: Int32 = 0
                for report in await mirror.syncAll() {
                    printReport(report, always: true)
                    if let error = report.error {
                        let code = mirrorExitCode(error)
                        if status == 0 || code == Exit.verificationFailed { status = code }
                    }
                }
                await mirror.close()
                if status != 0 { throw ExitCode(status) }
                return
            }
            let host = self.host
            let name = mirror.signer.name
            let app = MirrorApplication.make(mirror: mirror, host: host, port: port, logger: logger) { port in
                FileHandle.standardOutput.write(Data("akashi mirror: listening on http://\(host):\(port)/ (\(name))\n".utf8))
            }
            let interval = seconds(interval)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                group.addTask { await mirror.run(interval: interval) { report in printReport(report, always: false) } }
                // The server ends on SIGTERM/SIGINT; then the polling stops.
                _ = try await group.next()
                group.cancelAll()
            }
            await mirror.close()
        }
    }
}

/// One line per log on stdout (changes, or every log with `always`); refusals on stderr with their evidence.
private func printReport(_ report: Mirror.SyncReport, always: Bool) {
    if let error = report.error {
        printError("\(report.origin): \(error.code): \(error.reason)")
        printEvidence(error.evidence)
        return
    }
    guard always || report.changed else { return }
    guard let checkpoint = report.published?.checkpoint else {
        print("\(report.origin)\tnothing mirrored yet")
        return
    }
    print(
        "\(report.origin)\tsize \(checkpoint.size)\troot \(checkpoint.rootHash.base64String)\t\(report.changed ? "mirrored" : "unchanged")\t/\(report.originHash)/"
    )
}

struct MirrorInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a mirror: DIR (0700) with mirror.key (0600), mirror.sqlite, logs/ and config.json; prints its vkey.")

    @OptionGroup var options: MirrorDataOptions
    @Option(help: ArgumentHelp("The mirror's key name, a schema-less URL (e.g. kaga.example/mirror).", valueName: "NAME"))
    var name: String

    func run() async throws {
        try await reportingMirrorErrors {
            let directory = try MirrorDirectory.create(at: options.url, name: name, writeSecret: AuthorityDirectory.writeSecret)
            print(directory.configuration.vkey)
        }
    }
}

struct MirrorAddLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-log",
        abstract: "Follow a log at its tlog-tiles prefix (works while the mirror runs; again with new keys to update).",
        discussion: "With a --trust file listing several logs, the origin is read from the log's checkpoint (or give --origin).")

    @OptionGroup var options: MirrorDataOptions
    @Option(name: .long, help: ArgumentHelp("The log's tlog-tiles prefix, e.g. http://127.0.0.1:8080/log/.", valueName: "URL"))
    var from: String
    @OptionGroup var trust: LogTrustOptions

    func validate() throws {
        guard trust.given else { throw ValidationError("give --vkey VKEY or --trust FILE: the mirror verifies every checkpoint") }
    }

    func run() async throws {
        try await reportingMirrorErrors {
            let mirror = try openMirror(options.url)
            let record = try await mirror.follow(url: from, policies: trust.policies())
            print("following \(record.origin) at \(record.url); served under /\(record.originHash)/")
        }
    }
}

struct MirrorList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the followed logs (JSON lines: origin, originHash, url, size, root, lastError, checkedAt).")

    @OptionGroup var options: MirrorDataOptions

    func run() async throws {
        try await reportingMirrorErrors {
            let directory = try MirrorDirectory(at: options.url)
            for record in try directory.openState().logs() {
                var object: [String: Any] = ["origin": record.origin, "originHash": record.originHash, "url": record.url]
                let path = directory.replicaURL(originHash: record.originHash).path
                if FileManager.default.fileExists(atPath: path), let copy = try? await LogStore.openReadOnly(path: path, authority: record.origin) {
                    let checkpoint = await copy.checkpoint.checkpoint
                    object["size"] = checkpoint.size
                    object["root"] = checkpoint.rootHash.base64String
                }
                if let error = record.lastError { object["lastError"] = error }
                if let time = record.checkedAt { object["checkedAt"] = time }
                try printJSON(object)
            }
        }
    }
}

struct MirrorVkey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vkey", abstract: "Print the mirror's verifier key (cosignature/v1, type 0x04).")

    @OptionGroup var options: MirrorDataOptions

    func run() async throws {
        try await reportingMirrorErrors {
            let directory = try MirrorDirectory(at: options.url)
            print(try directory.signer(readSecret: AuthorityDirectory.readSecret).verifierKey)
        }
    }
}

// MARK: akashi monitor

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch a log through the log itself and its mirrors; report any split view or inconsistency.",
        discussion: """
            Every checkpoint is verified with --vkey/--trust (without them: the keys the \
            authority publishes at <host>/trust.json, trusted on first use) and checked against the \
            largest one seen so far (kept in --state FILE across runs): the same size \
            must have the same root, and a larger tree must extend it (a consistency \
            proof built from the source's tiles). A URL may be a log's tlog-tiles \
            prefix or a mirror's prefix (the mirror's /<sha256(origin)>/ is found \
            automatically).

            One line per event, Japanese / English; with --json one object per line \
            (stable keys): event (checkpoint, unchanged, split-view, inconsistent, \
            error), source, origin, size, root, reason, and code or evidence \
            ([{source, checkpoint}]) when present. Unchanged sources are shown with --once.

            Exit codes: 0 every source consistent (--once); 1 a split view or an \
            inconsistency was found (both signed checkpoints are printed; the monitor \
            stops); 2 a source could not be checked (--once, nothing inconsistent \
            found); 64 usage; 65 a bad state or trust file.
            """)

    @Option(name: .long, help: ArgumentHelp("A source: a tlog-tiles prefix or a mirror (repeatable).", valueName: "URL"))
    var from: [String] = []
    @OptionGroup var trust: LogTrustOptions
    @Option(help: ArgumentHelp("Seconds between polls.", valueName: "SECONDS")) var interval: Double = 60
    @Option(help: ArgumentHelp("Seconds before a request is abandoned.", valueName: "SECONDS")) var timeout: Double = 30
    @Flag(help: "Poll once and exit with the result.") var once = false
    @Option(help: ArgumentHelp("Where to keep what was seen between runs (JSON).", valueName: "FILE")) var state: String?
    @Flag(help: "One JSON object per event.") var json = false

    func validate() throws {
        guard !from.isEmpty else { throw ValidationError("give at least one --from URL") }
        guard interval > 0, timeout > 0 else { throw ValidationError("--interval and --timeout must be positive") }
    }

    /// Without --vkey/--trust: the policy the first source's authority
    /// publishes beside its log (trusted on first use, said on stderr).
    func publishedPolicies() async throws -> [String: TlogPolicy] {
        let prefix = try TileLogClient(prefix: from[0]).source
        let published: PublishedTrust
        do throws(FederationError) { published = try await PublishedTrust.fetch(besideLog: prefix, timeout: seconds(timeout)) } catch {
            guard error.code == .unreachable || error.code == .notPublished else {
                throw CommandFailure(exitCode: Exit.dataError, message: error.reason)
            }
            throw CommandFailure(exitCode: MirrorExit.sourceFailed, message: "no --vkey/--trust, and \(error.reason); give --vkey VKEY or --trust FILE")
        }
        printError(
            "using the log keys published at \(published.url) (trusted on first use: pass --trust FILE to pin them): \(published.policies.keys.sorted().joined(separator: ", "))"
        )
        return published.policies
    }

    func run() async throws {
        try await reportingMirrorErrors {
            let policies = trust.given ? try trust.policies() : try await publishedPolicies()
            let policy: any CheckpointVerifying = policies.count == 1 ? policies.first!.value : OriginPolicies(policies)
            let origin = policies.count == 1 ? policies.first!.key : nil
            var sources: [TileLogClient] = []
            for url in from {
                let plain = try TileLogClient(prefix: url, timeout: seconds(timeout))
                sources.append(origin == nil ? plain : await TileLogClient.resolve(plain.prefix, origin: origin!, timeout: seconds(timeout)))
            }
            let stateURL = state.map { URL(fileURLWithPath: $0) }
            let saved = try stateURL.map { try MonitorState.load(from: $0) } ?? MonitorState()
            let monitor = try LogMonitor(sources: sources, policy: policy, state: saved)
            while true {
                let events = await monitor.poll()
                if let stateURL { try await monitor.state.save(to: stateURL) }
                for event in events where once || event.kind != .unchanged {
                    if json { try printJSON(event.jsonObject) } else { print(event.text) }
                }
                if events.contains(where: \.isInconsistency) { throw ExitCode(Exit.verificationFailed) }
                if once {
                    if events.contains(where: { $0.kind == .error }) { throw ExitCode(MirrorExit.sourceFailed) }
                    return
                }
                try await Task.sleep(for: seconds(interval))
            }
        }
    }
}

// MARK: akashi log restore

/// `akashi log restore`: rebuilds the public log of an authority that lost
/// `akashi.sqlite` (but kept `config.json` and `keys/`) from a mirror.
struct LogRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild a lost log from a mirror, verified with this authority's own log key.",
        discussion: """
            URL is a mirror's prefix (e.g. http://mirror.example:7390/; \
            /<sha256(origin)>/ is added when the mirror has the log) or any \
            tlog-tiles prefix of the log. With several --from, the largest verified \
            checkpoint wins and the others must be consistent with it. The checkpoint \
            must carry this authority's own log signature (keys/log.key); every entry \
            is rehashed and the tree must give its root. Writes DIR/akashi.sqlite \
            (entries, tiles, the signed checkpoint with its cosignatures, published); \
            refuses a log that is not empty.

            Certificates, accounts and the audit trail are private, not in the log, \
            and are NOT restored.

            Exit codes: 0 restored; 1 no checkpoint verified or the sources disagree; \
            69 no source reachable; 73 the log is not empty; 75 the log is in use \
            (stop akashi serve first).
            """)

    @OptionGroup var options: DataOptions
    @Option(name: .long, help: ArgumentHelp("A mirror or tlog-tiles prefix to restore from (repeatable).", valueName: "URL"))
    var from: [String] = []
    @Option(help: ArgumentHelp("Seconds before a request is abandoned.", valueName: "SECONDS")) var timeout: Double = 30

    func validate() throws {
        guard !from.isEmpty else { throw ValidationError("give at least one --from URL") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        try await reportingMirrorErrors {
            guard case .file(let data) = try options.target() else {
                throw CommandFailure(exitCode: Exit.usage, message: "akashi log restore rebuilds an akashi.sqlite: give --data DIR (not --database)")
            }
            let directory = try AuthorityDirectory(at: data)
            let key = try directory.logVerifierKey()
            let urls = try from.map { try TileLogClient(prefix: $0).prefix }
            let witnessPolicy = try directory.witnessPolicy()
            // Also asks the witnesses: a stale mirror's copy is refused and moved aside.
            let summary = try await LogRestorer.restoreCheckingWitnesses(
                path: directory.databaseURL.path, logKey: key, witnessPolicy: witnessPolicy, from: urls, timeout: seconds(timeout))
            for (witness, problem) in summary.unconfirmedWitnesses {
                printError("witness \(witness) could not confirm the restored size: \(problem)")
            }
            for source in summary.sources where source.problem != nil {
                printError("not used: \(source.source): \(source.problem!)")
            }
            // The restored file must open as the authority's log.
            try directory.makeDatabasePrivate()
            let log = try await directory.openLog()
            let restored = await log.checkpoint
            let checkpoint = restored.checkpoint
            print("復元しました / restored: \(checkpoint.origin) size \(checkpoint.size) root \(checkpoint.rootHash.base64String) from \(summary.source)")
            print(restored.serialized, terminator: "")
            print(
                """
                注意: 証明書・職員アカウント・監査記録などの非公開データは公開ログに含まれないため、この方法では復元できません。
                note: certificates, accounts, the audit trail and other private tables are not in the public log and were NOT restored.
                note: entries logged after this checkpoint (size \(checkpoint.size)) are lost if no mirror had them; \
                new entries continue from this size.
                """)
        }
    }
}
