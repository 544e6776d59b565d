import AkashiCrypto
import Foundation
import TransparencyLog

/// What `config.json` of a cosigner's data directory holds (public): a
/// witness's (`akashi-witness/v1`) or a mirror's (`akashi-mirror/v1`).
public struct CosignerConfiguration: Codable, Hashable, Sendable {
    public var format: String
    /// The key name, e.g. `kaga.example/witness`.
    public var name: String
    /// Its cosignature/v1 vkey, for logs' and verifiers' policies.
    public var vkey: String
    public var createdAt: Date

    public init(format: String, name: String, vkey: String, createdAt: Date = Date()) {
        self.format = format
        self.name = name
        self.vkey = vkey
        self.createdAt = createdAt
    }
}

/// The part a witness's and a mirror's data directory share: the directory
/// (0700), an Ed25519 key that signs only cosignature/v1 lines (0600, in the
/// note `PRIVATE+KEY+<name>+…` form) and `config.json`, written last so its
/// presence marks a complete directory. `role` ("witness", "mirror") names
/// the command in messages.
///
/// No secret is written here: the caller passes the functions that write a
/// key 0600 and refuse to read one others can read.
public enum CosignerDirectory {
    /// Creates the directory, the key, whatever `prepare` adds (state,
    /// subfolders), then config.json. Refuses a directory that exists and is
    /// not empty.
    public static func create(
        at url: URL, role: String, format: String, keyFile: String, name: String,
        writeSecret: (_ text: String, _ to: URL) throws -> Void, prepare: (URL) throws -> Void
    ) throws -> CosignerConfiguration {
        guard SignedNote.isAkashiKeyName(name) else {
            throw WitnessDirectoryError(
                .invalidConfiguration,
                "the \(role) name '\(name)' must be 1 to 255 printable ASCII characters with no spaces and no '+'; use a schema-less URL such as kaga.example/\(role)"
            )
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true else {
                throw WitnessDirectoryError(
                    .alreadyExists, "\(url.path) exists and is not an empty directory; refusing to overwrite it (choose another --data)")
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
        let configuration = CosignerConfiguration(format: format, name: name, vkey: signer.verifierKey.description, createdAt: now)
        try writeSecret(key.privateKeyText + "\n", url.appendingPathComponent(keyFile))
        try prepare(url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let configURL = url.appendingPathComponent("config.json")
        do {
            try (try encoder.encode(configuration) + Data("\n".utf8)).write(to: configURL, options: .atomic)
        } catch {
            throw WitnessDirectoryError(.io, "cannot write \(configURL.path): \(error.localizedDescription)")
        }
        return configuration
    }

    /// Reads config.json of an existing directory.
    public static func open(at url: URL, role: String, format: String) throws(WitnessDirectoryError) -> CosignerConfiguration {
        let configURL = url.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw WitnessDirectoryError(
                .notFound, "no \(role) at \(url.path) (config.json missing); create one with `akashi \(role) init --data \(url.path) --name NAME`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let configuration: CosignerConfiguration
        do {
            configuration = try decoder.decode(CosignerConfiguration.self, from: data)
        } catch {
            throw WitnessDirectoryError(.invalidConfiguration, "\(configURL.path) is not a \(role) configuration: \(error)")
        }
        guard configuration.format == format else {
            throw WitnessDirectoryError(.invalidConfiguration, "\(configURL.path) has format '\(configuration.format)'; this version reads \(format)")
        }
        return configuration
    }

    /// The cosigning key, read with `readSecret` and checked against config.json.
    public static func signer(
        keyURL: URL, configuration: CosignerConfiguration, readSecret: (URL) throws -> String
    ) throws -> CosignatureV1Signer {
        let key = try Ed25519NoteSigner(parsingPrivateKey: try readSecret(keyURL))
        let signer = try CosignatureV1Signer(name: key.name, privateKey: key.privateKey)
        guard signer.name == configuration.name, signer.verifierKey.description == configuration.vkey else {
            throw WitnessDirectoryError(
                .invalidConfiguration,
                "\(keyURL.path) is the key of \(signer.verifierKey), but config.json names \(configuration.vkey)")
        }
        return signer
    }
}
