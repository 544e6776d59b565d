import ArgumentParser
import Authority
import Certificates
import Foundation
import Issuance
import QRCode

/// Where kind definitions are read from: --certs, $AKASHI_CERTS, or ./certs.
struct KindOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of kind definitions (default: $AKASHI_CERTS or ./certs).", valueName: "DIR"))
    var certs: String?

    func registry() throws -> KindRegistry {
        let path = certs ?? ProcessInfo.processInfo.environment["AKASHI_CERTS"] ?? "certs"
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(exitCode: Exit.noInput, message: "no kind definitions at \(path); give --certs DIR (the repository's certs/ folder)")
        }
        return try KindRegistry(directory: URL(fileURLWithPath: path))
    }
}

struct Issue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue certificates from a JSON object or CSV rows: sign, anchor in the log, write QR and print page.",
        discussion: """
            Writes <serial>.png, <serial>.svg, <serial>.txt (the exact QR text) and <serial>.html (printable A4) \
            per certificate into --out. A CSV row with problems is reported with its line number; the \
            other rows are still issued (exit 65 at the end if any row failed).
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var kinds: KindOptions

    @Option(help: "The kind of certificate (residence, partnership, energy-origin, graduation, …).")
    var kind: String

    @Option(help: ArgumentHelp("FILE.json (one object of fields) or FILE.csv (a header line, then rows).", valueName: "FILE"))
    var input: String

    @Option(help: ArgumentHelp("Output folder.", valueName: "DIR"))
    var out: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Fields to leave out.", valueName: "FIELD"))
    var omit: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Fields omitted by default to include (e.g. domicile).", valueName: "FIELD"))
    var include: [String] = []

    @Option(
        help: ArgumentHelp(
            "A subject's registered reference (akashi subject register), once per person the kind is about, in order. Without it (or --subject-key) a fresh secret is made and written as <serial>.subject-<n>.key (0600) and onto the page.",
            valueName: "REF"))
    var subject: [String] = []

    @Option(help: ArgumentHelp("A subject's key text (AKP1.…) instead of a registered reference.", valueName: "AKP1"))
    var subjectKey: [String] = []

    func run() async throws {
        try await reportingErrors {
            let registry = try kinds.registry()
            let inputData = try readInput(input)
            var rows: [(label: String, values: [String: InputValue])] = []
            if input.lowercased().hasSuffix(".csv") {
                let table: CSVTable
                do { table = try CSVTable(text: String(decoding: inputData, as: UTF8.self)) } catch {
                    throw CommandFailure(exitCode: Exit.dataError, message: "\(input): \(error)")
                }
                for (line, values) in table.rows {
                    rows.append(("\(input):\(line)", Dictionary(uniqueKeysWithValues: zip(table.header, values.map { InputValue.string($0) }))))
                }
            } else {
                do {
                    rows.append((input, try JSONDecoder().decode([String: InputValue].self, from: inputData)))
                } catch {
                    throw CommandFailure(exitCode: Exit.dataError, message: "\(input) is not a JSON object of fields: \(error)")
                }
            }
            let directory = try await options.open()
            let log = try await openWitnessedLog(directory)
            let issuer = try Issuer(directory: directory, registry: registry, log: log)
            var subjectKeys: [[UInt8]] = []
            if !subject.isEmpty {
                let subjects = SubjectRegistry(store: log.store)
                for reference in subject {
                    guard let key = try await subjects.key(reference: reference) else {
                        throw CommandFailure(
                            exitCode: Exit.noInput,
                            message: "no subject key is registered for '\(reference)' (akashi subject register) / 住民「\(reference)」の鍵は登録されていません")
                    }
                    subjectKeys.append(key)
                }
            }
            for text in subjectKey {
                do { subjectKeys.append(try SubjectSecret.publicKey(text: text)) } catch let error as CertificateError {
                    throw CommandFailure(exitCode: Exit.usage, message: "--subject-key: \(error.reason)")
                }
            }
            if !subjectKeys.isEmpty && rows.count > 1 {
                throw CommandFailure(exitCode: Exit.usage, message: "--subject and --subject-key bind one certificate; a CSV batch gets fresh secrets per row")
            }
            let keys = subjectKeys
            let outURL = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
            let start = Date()
            var failures = 0
            var failureCodes: [Int32] = []
            var issued = 0
            let batch = rows.count > 1
            // Rows are issued concurrently so they share log batches (group commit).
            let requests = rows.map {
                IssueRequest(kind: kind, input: $0.values, include: Set(include), omit: Set(omit), subjectKeys: keys)
            }
            try await issuer.issue(requests) { i, result in
                switch result {
                case .success(let certificate):
                    try Self.write(certificate, to: outURL, issuerName: directory.configuration.name)
                    issued += 1
                    print("\(certificate.claims.serialText)\t\(certificate.kind.id)\tlog #\(certificate.receipt.index)\t\(rows[i].label)")
                    if batch && issued % 100 == 0 {
                        printError("\(issued + failures)/\(rows.count) …")
                    }
                case .failure(let error):
                    failures += 1
                    let (code, message) = describe(error)
                    failureCodes.append(code)
                    printError("\(rows[i].label): \(message)")
                }
            }
            let seconds = Date().timeIntervalSince(start)
            if batch || failures > 0 {
                printError(
                    String(
                        format: "発行 %d 件、エラー %d 件 / issued %d, failed %d in %.2f s (%.1f certificates/s)",
                        issued, failures, issued, failures, seconds, Double(issued) / max(seconds, 0.001)))
            }
            if failures > 0 { throw ExitCode(Exit.mostSpecific(failureCodes)) }
        }
    }

    static func write(_ certificate: IssuedCertificate, to dir: URL, issuerName: String) throws {
        let serial = certificate.claims.serialText
        let qr = try QRCode.encode(certificate.qrText, level: .medium)
        let svg = qr.svg(quietZone: 4)
        try Data(qr.pngData(scale: 4, quietZone: 4)).write(to: dir.appendingPathComponent("\(serial).png"))
        try Data(svg.utf8).write(to: dir.appendingPathComponent("\(serial).svg"))
        try Data((certificate.qrText + "\n").utf8).write(to: dir.appendingPathComponent("\(serial).txt"))
        // A fresh subject secret: for the resident only (0600), and on the page as its own QR.
        for (n, secret) in certificate.subjectSecrets.enumerated() {
            let file = dir.appendingPathComponent("\(serial).subject-\(n + 1).key")
            FileManager.default.createFile(atPath: file.path, contents: Data((secret.secretText + "\n").utf8), attributes: [.posixPermissions: 0o600])
        }
        let page = CertificatePage.html(certificate, issuerName: issuerName, qrSVG: svg, subjectSecretSVGs: try CertificatePage.subjectSecretSVGs(certificate))
        try Data(page.utf8).write(to: dir.appendingPathComponent("\(serial).html"))
    }
}

struct Trust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The trust file verifiers need.", subcommands: [TrustExport.self])
}

struct TrustExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write trust.json: issuer id and name, ES256 keys as JWK with validity, the kinds, the log origin and vkey.")

    @OptionGroup var options: DataOptions
    @OptionGroup var kinds: KindOptions

    @Option(help: ArgumentHelp("Output file.", valueName: "FILE"))
    var out: String

    func run() async throws {
        try await reportingErrors {
            let directory = try await options.open()
            let trust = try TrustFile.export(directory: directory, registry: kinds.registry())
            try trust.encoded().write(to: URL(fileURLWithPath: out))
            print(
                "wrote \(out): \(trust.authorities[0].name) (\(trust.authorities[0].issuer)), \(trust.authorities[0].keys.count) key(s), \(trust.authorities[0].kinds.count) kinds"
            )
        }
    }
}
