import Accounts
import ArgumentParser
import Authority
import Certificates
import Foundation
import Issuance
import Store
import TransparencyLog

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke a certificate: a revocation entry in the log (no personal data); the original entry is never changed.")

    @OptionGroup var options: DataOptions
    @OptionGroup var kinds: KindOptions
    @Argument(help: "The certificate's serial (XXXX-XXXX-XXXX-XXXX).") var serial: String
    @Option(help: "Why: error (issued in error), moved (転出), ended (関係の解消), other.") var reason: String

    func run() async throws {
        try await reportingErrors {
            guard let why = LogEntry.RevocationReason(rawValue: reason) else {
                throw CommandFailure(
                    exitCode: Exit.usage, message: "--reason must be one of \(LogEntry.RevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let lifecycle = try await openLifecycle(options, kinds)
            let actor = cliActor().actor
            let (stored, receipt) = try await lifecycle.revoke(
                serial: serial, reason: why,
                audit: AuditNote(actor: actor, role: nil, action: "revoke", detail: "reason=\(why.rawValue)", address: "local", at: Date()))
            print("失効しました / revoked \(stored.serial) (\(why.rawValue)); revocation logged at #\(receipt.index)")
        }
    }
}

struct Reissue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue a new certificate replacing an old one (supersession): the old one is marked superseded by the new serial.",
        discussion: "Without --input, the new certificate carries the old one's fields (a fresh issue date and validity).")

    @OptionGroup var options: DataOptions
    @OptionGroup var kinds: KindOptions
    @Argument(help: "The old certificate's serial.") var serial: String
    @Option(help: ArgumentHelp("New fields as a JSON object (default: the old certificate's).", valueName: "FILE.json")) var input: String?
    @Option(help: ArgumentHelp("Write the new certificate's files (<serial>.png/.svg/.txt/.html) here.", valueName: "DIR")) var out: String?

    func run() async throws {
        try await reportingErrors {
            var values: [String: InputValue]? = nil
            if let input {
                do { values = try JSONDecoder().decode([String: InputValue].self, from: readInput(input)) } catch let e as CommandFailure { throw e } catch {
                    throw CommandFailure(exitCode: Exit.dataError, message: "\(input) is not a JSON object of fields: \(error)")
                }
            }
            let lifecycle = try await openLifecycle(options, kinds)
            let actor = cliActor().actor
            let (old, new) = try await lifecycle.reissue(
                serial: serial, input: values, issuedBy: actor, audit: AuditNote(actor: actor, role: nil, action: "supersede", address: "local", at: Date()))
            if let out {
                let url = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                try Issue.write(new, to: url, issuerName: lifecycle.issuer.directory.configuration.name)
            }
            print("\(new.claims.serialText)\t\(new.kind.id)\tlog #\(new.receipt.index)\tsupersedes \(old.serial)")
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "The signed status list verifiers carry offline.", subcommands: [StatusExport.self])
}

struct StatusExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the signed status list (akashi-status/v1, COSE_Sign1) of every revoked or superseded certificate, with its time and checkpoint.")

    @OptionGroup var options: DataOptions
    @OptionGroup var kinds: KindOptions
    @Option(help: ArgumentHelp("Output file.", valueName: "FILE")) var out: String

    func run() async throws {
        try await reportingErrors {
            let lifecycle = try await openLifecycle(options, kinds)
            let list = try await lifecycle.statusList()
            let signed = try list.signed(with: lifecycle.issuer.directory.issuerKey().key)
            try Data(signed).write(to: URL(fileURLWithPath: out), options: .atomic)
            let size = (try? SignedCheckpoint(parsing: list.checkpoint))?.checkpoint.size ?? 0
            print("wrote \(out): \(list.entries.count) revoked or superseded, log size \(size), \(signed.count) bytes")
        }
    }
}

func openLifecycle(_ options: DataOptions, _ kinds: KindOptions) async throws -> CertificateLifecycle {
    let registry = try kinds.registry()
    let directory = try await options.open()
    let log = try await openWitnessedLog(directory)
    let issuer = try Issuer(directory: directory, registry: registry, log: log)
    let archive = CertificateArchive(log: log, registry: registry, verifierURL: directory.configuration.verifierURL)
    return CertificateLifecycle(issuer: issuer, archive: archive)
}

struct Key: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issuer key rotation: add a key, retire one, or declare one compromised. Re-export trust.json afterwards and restart `akashi serve`.",
        subcommands: [KeyList.self, KeyRotate.self, KeyRetire.self, KeyCompromised.self])
}

struct KeyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List issuer keys: file, status, valid from/until.")
    @OptionGroup var options: DataOptions
    func run() async throws {
        try await reportingErrors {
            let directory = try await options.open()
            let iso = ISO8601DateFormatter()
            for record in directory.configuration.issuerKeys ?? [] {
                var line = "\(record.file)\t\(record.status)\t\(iso.string(from: record.notBefore))\t\(record.notAfter.map(iso.string) ?? "-")"
                if let from = record.compromisedFromLogIndex { line += "\tinvalid from log #\(from)" }
                print(line)
            }
        }
    }
}

struct KeyRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate", abstract: "Create a new issuer key (0600) that signs from now on.")
    @OptionGroup var options: DataOptions
    func run() async throws {
        try await reportingErrors {
            var directory = try await options.open()
            let record = try directory.rotateIssuerKey()
            try await auditKey(directory, "key.rotate", record.file)
            print("new issuer key \(record.file); retire the old one with `akashi key retire --file FILE` (and the same --data or --database options)")
        }
    }
}

struct KeyRetire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retire", abstract: "Retire a key: certificates it signed stay valid; it signs nothing new.")
    @OptionGroup var options: DataOptions
    @Option(help: "The key file, e.g. issuer-1.pem (see `akashi key list`).") var file: String
    func run() async throws {
        try await reportingErrors {
            var directory = try await options.open()
            try directory.retireIssuerKey(file: file)
            try await auditKey(directory, "key.retire", file)
            print("retired \(file)")
        }
    }
}

struct KeyCompromised: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compromised",
        abstract: "Declare a key compromised since TIME: certificates logged after TIME are invalid, earlier ones stay valid (the log's order decides).")
    @OptionGroup var options: DataOptions
    @Option(help: "The key file, e.g. issuer-1.pem.") var file: String
    @Option(help: ArgumentHelp("When the key may first have been misused (ISO 8601).", valueName: "TIME")) var since: String

    func run() async throws {
        try await reportingErrors {
            guard let date = ISO8601DateFormatter().date(from: since) else {
                throw CommandFailure(exitCode: Exit.usage, message: "--since '\(since)' is not an ISO 8601 time, e.g. 2026-11-20T09:00:00+09:00")
            }
            var directory = try await options.open()
            let from = try await directory.openLogReadOnly().size(asOf: date)
            try directory.declareCompromised(file: file, since: date, fromLogIndex: from)
            try await auditKey(directory, "key.compromised", file, detail: "since=\(since) fromLogIndex=\(from)")
            print("\(file) declared compromised: certificates logged at #\(from) or later are invalid; export the trust file again and publish it")
        }
    }
}

func auditKey(_ directory: AuthorityDirectory, _ action: String, _ file: String, detail: String? = nil) async throws {
    try await AuditTrail(store: directory.openStore()).record(
        actor: cliActor().actor, role: nil, action: action, target: file, detail: detail, address: "local")
}
