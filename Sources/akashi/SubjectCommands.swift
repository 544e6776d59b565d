import Accounts
import ArgumentParser
import Authority
import Certificates
import Foundation
import Issuance
import Mirror
import Store
import SubjectScan
import TransparencyLog

/// `akashi subject …`: residents' keys for finding every certificate issued
/// in their name (docs/spec/subject-transparency.md).
struct SubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject",
        abstract: "Residents' subject keys: make one, register one (clerk), scan a log for every certificate bound to it.",
        subcommands: [SubjectKeygen.self, SubjectRegister.self, SubjectScanCommand.self])
}

struct SubjectKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Make a subject secret (AKS1.…, written 0600 to --out) and print its key text (AKP1.…) for the clerk.")
    @Option(help: ArgumentHelp("Where to write the secret text.", valueName: "FILE")) var out: String

    func run() throws {
        let secret = SubjectSecret()
        guard FileManager.default.createFile(atPath: out, contents: Data((secret.secretText + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            printError("cannot write \(out)")
            throw ExitCode(Exit.cannotCreate)
        }
        print(secret.keyText)
    }
}

struct SubjectRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register (or replace) a resident's subject key under their reference; audited, nothing in the log.")
    @OptionGroup var options: DataOptions
    @Option(help: ArgumentHelp("The resident's reference in the town's files (1–100 visible characters).", valueName: "REF")) var ref: String
    @Option(help: ArgumentHelp("The resident's key text, AKP1.…", valueName: "AKP1")) var publicKey: String

    func run() async throws {
        try await reportingErrors {
            let key: [UInt8]
            do { key = try SubjectSecret.publicKey(text: publicKey) } catch let error as CertificateError {
                throw CommandFailure(exitCode: Exit.usage, message: "--public-key: \(error.reason)")
            }
            let directory = try await options.open()
            let actor = cliActor().actor
            let reference = ref
            let fingerprint = Array(key.prefix(8)).hexString
            // The register is not the log: this works while `akashi serve` runs.
            let replaced = try await SubjectRegistry(store: directory.openStore()).register(
                reference: reference, key: key,
                audit: AuditNote(actor: actor, role: nil, action: "subject-key", target: reference, detail: "key=\(fingerprint)", address: "local", at: Date()))
            print(replaced ? "鍵を置き換えました / replaced the key of \(reference) (\(fingerprint)…)" : "登録しました / registered \(reference) (\(fingerprint)…)")
        }
    }
}

struct SubjectScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find every certificate bound to your secret in one log (the authority's tiles or any mirror), checked against its cosigned checkpoint.",
        discussion:
            "Exit 0: a complete scan (its checkpoint verified when --trust is given). 1: the checkpoint or the downloaded entries do not verify. 66: unreadable input or source."
    )
    @Option(help: ArgumentHelp("The secret text file (AKS1.…).", valueName: "FILE")) var secret: String
    @Option(help: ArgumentHelp("The log's tile prefix or a mirror's URL.", valueName: "URL")) var from: String
    @Option(help: ArgumentHelp("A trust file: the checkpoint must verify with its log key and witness policy.", valueName: "FILE")) var trust: String?
    @Flag(help: "One JSON object on standard output.") var json = false
    @Option(help: "Entry bundles fetched at once.") var concurrency = 8

    struct Output: Encodable {
        struct Checkpoint: Encodable {
            let origin: String
            let size: UInt64
            let rootHash: String
            let verified: Bool
            let cosigners: [String]
        }
        let checkpoint: Checkpoint
        let certificates: [SubjectScan.Found]
        let entriesScanned: UInt64
        let subjectLinesTested: Int
        let bytesDownloaded: Int
        let seconds: Double
    }

    func run() async throws {
        try await reportingErrors {
            let secretText = String(decoding: try readInput(secret), as: UTF8.self)
            let subject: SubjectSecret
            do { subject = try SubjectSecret(text: secretText) } catch let error as CertificateError {
                throw CommandFailure(exitCode: Exit.dataError, message: "\(secret): \(error.reason)")
            }
            var policy: TlogPolicy? = nil
            var origin: String? = nil
            if let trust {
                let file = try TrustFile.decode(readInput(trust))
                guard file.authorities.count == 1, let authority = file.authorities.first else {
                    throw CommandFailure(exitCode: Exit.usage, message: "\(trust) must name one authority (the log to scan)")
                }
                policy = try authority.log.tlogPolicy()
                origin = authority.log.origin
            }
            guard let url = URL(string: from.hasSuffix("/") ? from : from + "/"), url.scheme == "http" || url.scheme == "https" else {
                throw CommandFailure(exitCode: Exit.usage, message: "--from must be an http(s) URL")
            }
            let client = origin.map { _ in url }.map { TileLogClient(prefix: $0) } ?? TileLogClient(prefix: url)
            let resolved = origin != nil ? await TileLogClient.resolve(url, origin: origin!) : client
            var scan = SubjectScan(client: resolved, policy: policy, secret: subject.secret)
            scan.concurrency = max(1, concurrency)
            let start = Date()
            let result: SubjectScan.Result
            do { result = try await scan.run() } catch let error as SubjectScan.ScanError {
                throw CommandFailure(exitCode: error.code == .source ? Exit.noInput : Exit.verificationFailed, message: error.reason)
            }
            let seconds = Date().timeIntervalSince(start)
            let c = result.checkpoint.checkpoint
            if json {
                let output = Output(
                    checkpoint: .init(
                        origin: c.origin, size: c.size, rootHash: c.rootHash.hexString, verified: result.verified != nil,
                        cosigners: result.verified?.cosigners.map { String(describing: $0.name) } ?? []),
                    certificates: result.certificates, entriesScanned: result.entriesScanned, subjectLinesTested: result.subjectLinesTested,
                    bytesDownloaded: result.bytesDownloaded, seconds: seconds)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else {
                print("わたしの証明書の記録 / certificates in your name: \(result.certificates.count)")
                for f in result.certificates {
                    let state =
                        switch f.state {
                        case .valid: "有効 / valid"
                        case .revoked: "失効 / revoked (\(f.reason ?? ""))"
                        case .superseded: "置換 / superseded by #\(f.successorIndex ?? 0)"
                        }
                    print("  #\(f.index)\t\(f.kind)\t\(CivilDate.utcISO8601(f.issuedAt))\t\(f.serial)\t\(state)")
                }
                print(
                    "台帳全体を確認 / the whole log checked: \(c.origin) size \(c.size), root \(c.rootHash.hexString.prefix(16))…"
                        + (result.verified.map { " (署名・立会人を確認 / signed and witnessed: \($0.cosigners.count) cosigner(s))" }
                            ?? " (署名は未確認: --trust がありません / signatures not checked: no --trust)"))
                printError(
                    String(
                        format: "%llu entries, %d subject lines, %d bytes in %.2f s", result.entriesScanned, result.subjectLinesTested, result.bytesDownloaded,
                        seconds))
            }
        }
    }
}
