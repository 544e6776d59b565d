import ArgumentParser
import Authority
import Certificates
import Federation
import Foundation
import TransparencyLog

/// `akashi federation …`: a federation (e.g. a prefecture) signs the trust
/// files of its authorities into one list; verifiers check and merge lists.
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Federated trust lists: authorities signed together by a federation key (akashi-federation/v1).",
        discussion: """
            A list is a C2SP signed note whose text is 'akashi-federation/v1' and one line of JSON: \
            {name, version, issuedAt, expiresAt, authorities} — each authority exactly as in trust.json.
            """,
        subcommands: [FederationKeygen.self, FederationSign.self, FederationVerify.self, FederationMerge.self])
}

struct FederationKeygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a federation signing key (Ed25519, mode 0600) and print its vkey.",
        discussion: "The key file is never overwritten. Publish the printed vkey; verifiers pass it to --vkey.")

    @Option(help: ArgumentHelp("The private key file to create.", valueName: "KEYFILE"))
    var out: String

    @Option(help: ArgumentHelp("The key name, e.g. pref.fukuoka.example/federation (no spaces, no '+').", valueName: "NAME"))
    var name: String

    func validate() throws {
        guard SignedNote.isValidKeyName(name) else { throw ValidationError("--name '\(name)' must be non-empty with no spaces and no '+'") }
    }

    func run() async throws {
        try await reportingErrors {
            let signer = try federation { () throws(FederationError) in try FederationKey.generate(name: name) }
            let parent = URL(fileURLWithPath: out).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CommandFailure(exitCode: Exit.cannotCreate, message: "cannot create \(out): the directory \(parent) does not exist")
            }
            try AuthorityDirectory.writeSecret(signer.privateKeyText + "\n", to: URL(fileURLWithPath: out))
            print(signer.verifierKey)
        }
    }
}

struct FederationSign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign the authorities of trust files (from `akashi trust export`) as one federated list.",
        discussion: """
            Each version must be larger than the last one published: verifiers refuse older lists. \
            DATE is ISO 8601 (2027-04-01T00:00:00+09:00) or YYYY-MM-DD (00:00 Japan time).
            """)

    @Option(help: ArgumentHelp("The federation's private key file (mode 0600).", valueName: "KEYFILE"))
    var key: String

    @Option(help: ArgumentHelp("The list's name, e.g. 福岡県.", valueName: "LIST_NAME"))
    var name: String

    @Option(help: ArgumentHelp("The list's version: larger than every earlier one.", valueName: "N"))
    var version: Int

    @Option(help: ArgumentHelp("When the list stops being valid.", valueName: "DATE"))
    var expires: String

    @Option(help: ArgumentHelp("The signed list to write.", valueName: "FILE"))
    var out: String

    @Argument(help: ArgumentHelp("Trust files of the authorities to list.", valueName: "TRUST.json"))
    var trustFiles: [String] = []

    func validate() throws {
        guard !trustFiles.isEmpty else { throw ValidationError("give at least one TRUST.json") }
        guard version >= 1, version <= FederatedTrustList.maxVersion else {
            throw ValidationError("--version must be from 1 to \(FederatedTrustList.maxVersion)")
        }
        guard CivilDate.argument(expires) != nil else { throw ValidationError("--expires '\(expires)' is not a date (YYYY-MM-DD or ISO 8601)") }
    }

    func run() async throws {
        try await reportingErrors {
            let keyText = try readKey(key)
            let signer = try federation { () throws(FederationError) in try FederationKey.signer(parsing: keyText) }
            var files: [TrustFile] = []
            for path in trustFiles { files.append(try TrustFile.decode(readInput(path))) }
            let expiresAt = CivilDate.argument(expires)!
            guard expiresAt > Date() else {
                throw CommandFailure(exitCode: Exit.usage, message: "--expires \(expires) is in the past")
            }
            let signed = try federation { () throws(FederationError) in
                try FederatedTrustList(name: name, version: version, expiresAt: expiresAt, trustFiles: files).signed(by: signer)
            }
            try signed.data.write(to: URL(fileURLWithPath: out), options: .atomic)
            let list = signed.list
            print(
                "wrote \(out): '\(list.name)' version \(list.version), \(list.authorities.count) authorities (\(list.authorities.map { "\($0.issuer) \($0.name)" }.joined(separator: ", "))), expires \(iso8601(list.expiresAt)), signed by \(signer.name)"
            )
        }
    }
}

struct FederationVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a federated list: its signature, validity period and version. Exit 0 if valid, 1 if not.")

    @Option(help: ArgumentHelp("A federation vkey, or a file containing it (repeat for several).", valueName: "VKEY"))
    var vkey: [String] = []

    @Option(help: ArgumentHelp("Verify as of this time instead of now.", valueName: "DATE"))
    var at: String?

    @Option(name: .customLong("min-version"), help: ArgumentHelp("Refuse lists older than this version (the newest seen).", valueName: "N"))
    var minVersion: Int = 1

    @Argument(help: ArgumentHelp("The signed list.", valueName: "FILE"))
    var file: String

    func validate() throws {
        guard !vkey.isEmpty else { throw ValidationError("give the federation's key with --vkey VKEY") }
        if let at, CivilDate.argument(at) == nil { throw ValidationError("--at '\(at)' is not a date (YYYY-MM-DD or ISO 8601)") }
    }

    func run() async throws {
        try await reportingErrors {
            let keys = try vkey.map(readFederationKey)
            let data = try readInput(file)
            let list = try verifying { () throws(FederationError) in
                try FederatedTrustList.verify(data, trusting: keys, at: at.flatMap(CivilDate.argument) ?? Date(), minimumVersion: minVersion)
            }
            print("検証成功 / verified: '\(list.name)' version \(list.version), issued \(iso8601(list.issuedAt)), expires \(iso8601(list.expiresAt))")
            for authority in list.authorities {
                print(
                    "\(authority.issuer)\t\(authority.name)\t\(authority.log.origin)\t\(authority.keys.count) key(s)\t\(authority.kinds.map(\.id).joined(separator: ","))"
                )
            }
        }
    }
}

struct FederationMerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Verify federated lists and write one trust file of all their authorities (for akashi-verify --trust).",
        discussion: """
            Every list must verify (exit 1 otherwise). Of lists with the same name only the newest version counts. \
            The same issuer in two sources must have the same name, log and keys (exit 65 otherwise); kinds are combined.
            """)

    @Option(help: ArgumentHelp("A federation vkey, or a file containing it (repeat for several).", valueName: "VKEY"))
    var vkey: [String] = []

    @Option(help: ArgumentHelp("The trust file to write.", valueName: "FILE"))
    var out: String

    @Option(help: ArgumentHelp("Also include this plain trust file (repeatable).", valueName: "TRUST.json"))
    var trust: [String] = []

    @Option(help: ArgumentHelp("Verify as of this time instead of now.", valueName: "DATE"))
    var at: String?

    @Argument(help: ArgumentHelp("Signed lists.", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        guard !files.isEmpty || !trust.isEmpty else { throw ValidationError("give at least one signed list FILE") }
        guard !vkey.isEmpty || files.isEmpty else { throw ValidationError("give the federation's key with --vkey VKEY") }
        if let at, CivilDate.argument(at) == nil { throw ValidationError("--at '\(at)' is not a date (YYYY-MM-DD or ISO 8601)") }
    }

    func run() async throws {
        try await reportingErrors {
            let keys = try vkey.map(readFederationKey)
            let date = at.flatMap(CivilDate.argument) ?? Date()
            var lists: [FederatedTrustList] = []
            for file in files {
                let data = try readInput(file)
                lists.append(
                    try verifying(file) { () throws(FederationError) in
                        try FederatedTrustList.verify(data, trusting: keys, at: date)
                    })
            }
            var trustFiles: [TrustFile] = []
            for path in trust { trustFiles.append(try TrustFile.decode(readInput(path))) }
            let merged = try federation { () throws(FederationError) in
                try FederatedTrustList.merge(lists, trustFiles: trustFiles)
            }
            try merged.encoded().write(to: URL(fileURLWithPath: out), options: .atomic)
            print(
                "wrote \(out): \(merged.authorities.count) authorities (\(merged.authorities.map { "\($0.issuer) \($0.name)" }.joined(separator: ", "))) from \(lists.count) list(s) and \(trustFiles.count) trust file(s)"
            )
        }
    }
}

// MARK: Helpers

/// Runs federation code; its errors are bad data (65).
private func federation<T>(_ body: () throws(FederationError) -> T) throws -> T {
    do { return try body() } catch {
        throw CommandFailure(exitCode: error.isVerificationFailure ? Exit.verificationFailed : Exit.dataError, message: error.reason)
    }
}

/// Runs a list verification; every refusal is "verification failed" (1).
private func verifying<T>(_ file: String? = nil, _ body: () throws(FederationError) -> T) throws -> T {
    do { return try body() } catch {
        throw CommandFailure(exitCode: Exit.verificationFailed, message: "検証失敗 / verification failed: \(file.map { "\($0): " } ?? "")\(error.reason)")
    }
}

/// A federation vkey given inline or as a file.
private func readFederationKey(_ argument: String) throws -> VerifierKey {
    var text = argument
    if FileManager.default.fileExists(atPath: argument) {
        text = String(decoding: try readInput(argument), as: UTF8.self)
    }
    do { return try FederationKey.verifierKey(parsing: text) } catch {
        throw CommandFailure(exitCode: Exit.usage, message: "--vkey: \(error.reason)")
    }
}

/// A private key file, refused when others can read it (77).
private func readKey(_ path: String) throws -> String {
    try AuthorityDirectory.readSecret(URL(fileURLWithPath: path))
}

private func iso8601(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
