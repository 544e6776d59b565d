import AkashiCrypto
import Foundation
import TransparencyLog

/// What `config.json` of a witness's data directory holds (public).
public struct WitnessConfiguration: Codable, Hashable, Sendable {
    public static let currentFormat = "akashi-witness/v1"

    public var format: String
    /// The witness's key name, e.g. `kaga.example/witness`.
    public var name: String
    /// Its cosignature/v1 vkey, for logs' and verifiers' policies.
    public var vkey: String
    public var createdAt: Date

    public init(name: String, vkey: String, createdAt: Date = Date()) {
        self.format = Self.currentFormat
        self.name = name
        self.vkey = vkey
        self.createdAt = createdAt
    }
}

/// A witness directory that cannot be created or opened.
public struct WitnessDirectoryError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound, alreadyExists, invalidConfiguration, io
    }
    public let code: Code
    public let reason: String
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { reason }
}

/// A witness's data directory (mode 0700):
///
///     DIR/witness.key      the Ed25519 private key (0600), in the note
///                          `PRIVATE+KEY+<name>+…` text form; it signs only
///                          cosignature/v1 (as transparency-dev's witness does)
///     DIR/witness.sqlite   the followed logs and what was cosigned (``WitnessState``)
///     DIR/config.json      name and vkey (public)
///
/// The module writes no secret itself: the caller passes the functions that
/// write a key 0600 and refuse to read one others can read (the CLI passes
/// `AuthorityDirectory.writeSecret` / `readSecret`).
public struct WitnessDirectory: Sendable {
    public let url: URL
    public let configuration: WitnessConfiguration

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var keyURL: URL { url.appendingPathComponent("witness.key") }
    public var databaseURL: URL { url.appendingPathComponent("witness.sqlite") }

    /// Creates a witness: a fresh key, an empty state, the configuration
    /// (written last: its presence marks a complete directory). Refuses a
    /// directory that exists and is not empty.
    public static func create(
        at url: URL, name: String, writeSecret: (_ text: String, _ to: URL) throws -> Void
    ) throws -> WitnessDirectory {
        guard SignedNote.isValidKeyName(name) else {
            throw WitnessDirectoryError(.invalidConfiguration,
                "the witness name '\(name)' must be non-empty with no spaces and no '+'; use a schema-less URL such as kaga.example/witness")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true else {
                throw WitnessDirectoryError(.alreadyExists, "\(url.path) exists and is not an empty directory; refusing to overwrite it (choose another --data)")
            }
        }
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        } catch {
            throw WitnessDirectoryError(.io, "cannot create \(url.path): \(error.localizedDescription)")
        }
        let key = try Ed25519NoteSigner(name: name, privateKey: Ed25519.PrivateKey())
        let signer = try CosignatureV1Signer(name: name, privateKey: key.privateKey)
        // Whole seconds: what config.json (ISO 8601) keeps, so the value reads back equal.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let configuration = WitnessConfiguration(name: name, vkey: signer.verifierKey.description, createdAt: now)
        let directory = WitnessDirectory(url: url, configuration: configuration)
        try writeSecret(key.privateKeyText + "\n", directory.keyURL)
        _ = try WitnessState(path: directory.databaseURL.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try (try encoder.encode(configuration) + Data("\n".utf8)).write(to: directory.configURL, options: .atomic)
        } catch {
            throw WitnessDirectoryError(.io, "cannot write \(directory.configURL.path): \(error.localizedDescription)")
        }
        return directory
    }

    /// Opens an existing witness directory (reads config.json only).
    public init(at url: URL) throws(WitnessDirectoryError) {
        let configURL = url.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw WitnessDirectoryError(.notFound, "no witness at \(url.path) (config.json missing); create one with `akashi witness init --data \(url.path) --name NAME`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let configuration: WitnessConfiguration
        do {
            configuration = try decoder.decode(WitnessConfiguration.self, from: data)
        } catch {
            throw WitnessDirectoryError(.invalidConfiguration, "\(configURL.path) is not a witness configuration: \(error)")
        }
        guard configuration.format == WitnessConfiguration.currentFormat else {
            throw WitnessDirectoryError(.invalidConfiguration, "\(configURL.path) has format '\(configuration.format)'; this version reads \(WitnessConfiguration.currentFormat)")
        }
        self.init(url: url, configuration: configuration)
    }

    private init(url: URL, configuration: WitnessConfiguration) {
        self.url = url
        self.configuration = configuration
    }

    /// The cosigning key, read with `readSecret` (which refuses a key others
    /// can read) and checked against config.json.
    public func signer(readSecret: (URL) throws -> String) throws -> CosignatureV1Signer {
        let key = try Ed25519NoteSigner(parsingPrivateKey: try readSecret(keyURL))
        let signer = try CosignatureV1Signer(name: key.name, privateKey: key.privateKey)
        guard signer.name == configuration.name, signer.verifierKey.description == configuration.vkey else {
            throw WitnessDirectoryError(.invalidConfiguration,
                "\(keyURL.path) is the key of \(signer.verifierKey), but config.json names \(configuration.vkey)")
        }
        return signer
    }

    /// The state database (which must exist).
    public func openState() throws -> WitnessState {
        guard FileManager.default.fileExists(atPath: databaseURL.path) else {
            throw WitnessDirectoryError(.notFound, "\(databaseURL.path) is missing")
        }
        return try WitnessState(path: databaseURL.path)
    }
}
