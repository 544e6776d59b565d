import ArgumentParser
import Authority
import Foundation
import Issuance
import LogStore
import Logging
import TransparencyLog
import Witness

/// Opens the authority's log for writing, with its witnesses attached: from
/// then on every checkpoint is cosigned as the policy requires before any
/// receipt (or QR code) is given out.
func openWitnessedLog(_ directory: AuthorityDirectory, timeout: Duration = witnessTimeout()) async throws -> LogStore {
    let log = try await directory.openLog()
    if let policy = try directory.witnessPolicy() { await WitnessCosigner.attach(to: log, policy: policy, timeout: timeout) }
    return log
}

/// `AKASHI_WITNESS_TIMEOUT` (seconds, default 5): how long one witness may take to answer.
func witnessTimeout() -> Duration {
    let seconds = ProcessInfo.processInfo.environment["AKASHI_WITNESS_TIMEOUT"].flatMap(Double.init) ?? 5
    return .milliseconds(Int64(max(seconds, 0.05) * 1000))
}

struct LogWitness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "The witnesses that must cosign this log's checkpoints before they are published.",
        discussion: """
            akashi log witness add --data DIR --vkey VKEY --url URL [--quorum K]
            akashi log witness remove --data DIR NAME
            akashi log witness quorum --data DIR K
            akashi log witness policy --data DIR --file POLICY.txt   (a c2sp.org/tlog-policy; --clear removes it)
            akashi log witness list --data DIR

            A witness is another authority running `akashi witness` (its vkey: `akashi witness vkey`). \
            It must also follow this log: on the witness, `akashi witness add-log --vkey <this log's vkey>`. \
            Re-export trust.json afterwards (`akashi trust export`): it carries the policy, and verifiers enforce it. \
            Restart `akashi serve` to apply changes. AKASHI_WITNESS_TIMEOUT sets the per-witness timeout (seconds, default 5).
            """,
        subcommands: [LogWitnessAdd.self, LogWitnessRemove.self, LogWitnessQuorum.self, LogWitnessPolicy.self, LogWitnessList.self])
}

struct LogWitnessAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add (or replace, by name) a witness of this log.")
    @OptionGroup var options: DataOptions
    @Option(help: ArgumentHelp("The witness's cosigner key (vkey, type 0x04: `akashi witness vkey`).", valueName: "VKEY")) var vkey: String
    @Option(help: ArgumentHelp("The witness's submission prefix (POST <url>/add-checkpoint).", valueName: "URL")) var url: String
    @Option(help: "How many witnesses must cosign (default: all of them).") var quorum: Int?

    func run() async throws {
        try await reportingErrors {
            let key: VerifierKey
            do { key = try VerifierKey(parsing: vkey) } catch {
                throw CommandFailure(exitCode: Exit.usage, message: "--vkey is not a verifier key (name+keyid+base64): \(error)")
            }
            guard key.type == .cosignatureV1 else {
                throw CommandFailure(
                    exitCode: Exit.usage, message: "--vkey \(key.name) is not a witness key (cosignature/v1, type 0x04); print it with `akashi witness vkey`")
            }
            var directory = try await options.open()
            guard directory.configuration.witnessPolicy == nil else {
                throw CommandFailure(
                    exitCode: Exit.usage,
                    message: "this log has a hand-written policy; edit it and run `akashi log witness policy --file`, or `--clear` it first")
            }
            try directory.setWitness(WitnessRecord(vkey: vkey, url: url), quorum: quorum)
            let n = directory.configuration.witnesses?.count ?? 0
            print("witness \(key.name) added: \(directory.configuration.witnessQuorum ?? n) of \(n) must cosign")
        }
    }
}

struct LogWitnessRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a witness by name.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The witness's name (its vkey's name).") var name: String

    func run() async throws {
        try await reportingErrors {
            var directory = try await options.open()
            try directory.removeWitness(named: name)
            let n = directory.configuration.witnesses?.count ?? 0
            print("witness \(name) removed: \(directory.configuration.witnessQuorum ?? 0) of \(n) must cosign")
        }
    }
}

struct LogWitnessQuorum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quorum", abstract: "Set how many witnesses must cosign (0: none).")
    @OptionGroup var options: DataOptions
    @Argument(help: "K") var k: Int

    func run() async throws {
        try await reportingErrors {
            var directory = try await options.open()
            try directory.setWitnessQuorum(k)
            print("\(k) of \(directory.configuration.witnesses?.count ?? 0) witnesses must cosign")
        }
    }
}

struct LogWitnessPolicy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Set a c2sp.org/tlog-policy (groups, thresholds) instead of witnesses + quorum; without options, print the policy in force.")
    @OptionGroup var options: DataOptions
    @Option(
        help: ArgumentHelp("The policy text: one `log` line (this log's vkey), `witness <name> <vkey> <url>` lines, `group`s and `quorum`.", valueName: "FILE"))
    var file: String?
    @Flag(help: "Remove the hand-written policy (back to witnesses + quorum).") var clear = false

    func run() async throws {
        try await reportingErrors {
            var directory = try await options.open()
            if let file {
                try directory.setWitnessPolicy(String(decoding: try readInput(file), as: UTF8.self))
            } else if clear {
                try directory.setWitnessPolicy(nil)
            }
            if let policy = try directory.witnessPolicy() {
                print(policy.text, terminator: "")
            } else {
                print("# no witnesses: checkpoints are published as soon as the log signs them")
            }
        }
    }
}

struct LogWitnessList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the witnesses and the quorum.")
    @OptionGroup var options: DataOptions

    func run() async throws {
        try await reportingErrors {
            let directory = try await options.open()
            guard let policy = try directory.witnessPolicy() else {
                print("no witnesses")
                return
            }
            for witness in policy.witnesses {
                print("\(witness.name)\t\(witness.url?.description ?? "-")\t\(witness.key)")
            }
            print("quorum: \(policy.quorum)" + (policy.quorumGroup.map { " (\($0.required) of \($0.members))" } ?? ""))
        }
    }
}
