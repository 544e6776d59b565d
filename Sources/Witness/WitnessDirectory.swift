import AkashiCrypto
import Foundation
import TransparencyLog

/// What `config.json` of a witness's data directory holds (public).
public typealias WitnessConfiguration = CosignerConfiguration

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

    /// `config.json`'s format.
    public static let format = "akashi-witness/v1"

    /// Creates a witness: a fresh key, an empty state, the configuration
    /// (written last: its presence marks a complete directory). Refuses a
    /// directory that exists and is not empty.
    public static func create(
        at url: URL, name: String, writeSecret: (_ text: String, _ to: URL) throws -> Void
    ) throws -> WitnessDirectory {
        let configuration = try CosignerDirectory.create(
            at: url, role: "witness", format: format, keyFile: "witness.key", name: name, writeSecret: writeSecret
        ) { url in
            _ = try WitnessState(path: url.appendingPathComponent("witness.sqlite").path)
        }
        return WitnessDirectory(url: url, configuration: configuration)
    }

    /// Opens an existing witness directory (reads config.json only).
    public init(at url: URL) throws(WitnessDirectoryError) {
        self.init(url: url, configuration: try CosignerDirectory.open(at: url, role: "witness", format: Self.format))
    }

    private init(url: URL, configuration: WitnessConfiguration) {
        self.url = url
        self.configuration = configuration
    }

    /// The cosigning key, read with `readSecret` (which refuses a key others
    /// can read) and checked against config.json.
    public func signer(readSecret: (URL) throws -> String) throws -> CosignatureV1Signer {
        try CosignerDirectory.signer(keyURL: keyURL, configuration: configuration, readSecret: readSecret)
    }

    /// The state database (which must exist).
    public func openState() throws -> WitnessState {
        guard FileManager.default.fileExists(atPath: databaseURL.path) else {
            throw WitnessDirectoryError(.notFound, "\(databaseURL.path) is missing")
        }
        return try WitnessState(path: databaseURL.path)
    }
}
