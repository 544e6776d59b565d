import AkashiCrypto
import Foundation
import GRDB
import LogStore
import TransparencyLog

/// What `config.json` of a mirror's data directory holds (public).
public struct MirrorConfiguration: Codable, Hashable, Sendable {
    public static let currentFormat = "akashi-mirror/v1"

    public var format: String
    /// The mirror's key name, e.g. `kaga.example/mirror`.
    public var name: String
    /// Its cosignature/v1 vkey: what a verifier lists to count the mirror.
    public var vkey: String
    public var createdAt: Date

    public init(name: String, vkey: String, createdAt: Date = Date()) {
        self.format = Self.currentFormat
        self.name = name
        self.vkey = vkey
        self.createdAt = createdAt
    }
}

/// One log a mirror follows.
public struct MirroredLogRecord: Hashable, Sendable {
    public let origin: String
    /// Lowercase hex SHA-256 of the origin: the path element it is served under.
    public let originHash: String
    /// The log's tlog-tiles prefix the mirror pulls from.
    public let url: String
    /// Who must sign its checkpoints, as c2sp.org/tlog-policy text.
    public let policy: String
    public let addedAt: UInt64
    /// The last sync's failure (code: reason), nil after a good one.
    public let lastError: String?
    public let checkedAt: UInt64?

    public func parsedPolicy() throws(MirrorError) -> TlogPolicy {
        do { return try TlogPolicy(parsing: policy) } catch {
            throw MirrorError(.storage, "the stored policy of \(origin) is invalid: \(error)")
        }
    }
}

/// A mirror's data directory (mode 0700):
///
///     DIR/config.json            name and vkey (public)
///     DIR/mirror.key             the Ed25519 key (0600) in the note
///                                `PRIVATE+KEY+<name>+…` form; it signs only
///                                cosignature/v1 lines
///     DIR/mirror.sqlite          the followed logs (``MirroredLogRecord``)
///     DIR/logs/<origin hash>.sqlite   each log's copy, in the log store's
///                                own tables (``LogReplica``)
///
/// As for witnesses, the module writes no secret itself: the caller passes
/// functions that write a key 0600 and refuse one others can read.
public struct MirrorDirectory: Sendable {
    public let url: URL
    public let configuration: MirrorConfiguration

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var keyURL: URL { url.appendingPathComponent("mirror.key") }
    public var databaseURL: URL { url.appendingPathComponent("mirror.sqlite") }
    public var logsURL: URL { url.appendingPathComponent("logs") }

    /// The copy of the log with this origin hash.
    public func replicaURL(originHash: String) -> URL { logsURL.appendingPathComponent("\(originHash).sqlite") }

    /// Whether `url` already holds a mirror (its config.json).
    public static func exists(at url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path)
    }

    /// Creates a mirror: a fresh key, an empty state, the configuration
    /// (written last: its presence marks a complete directory). Refuses a
    /// directory that exists and is not empty.
    public static func create(
        at url: URL, name: String, writeSecret: (_ text: String, _ to: URL) throws -> Void
    ) throws -> MirrorDirectory {
        guard SignedNote.isValidKeyName(name) else {
            throw MirrorError(.invalidRequest,
                "the mirror name '\(name)' must be non-empty with no spaces and no '+'; use a schema-less URL such as kaga.example/mirror")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true else {
                throw MirrorError(.invalidRequest, "\(url.path) exists and is not an empty directory; refusing to overwrite it (choose another --data)")
            }
        }
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
            try fm.createDirectory(at: url.appendingPathComponent("logs"), withIntermediateDirectories: true)
        } catch {
            throw MirrorError(.storage, "cannot create \(url.path): \(error.localizedDescription)")
        }
        let key = try Ed25519NoteSigner(name: name, privateKey: Ed25519.PrivateKey())
        let signer = try CosignatureV1Signer(name: name, privateKey: key.privateKey)
        // Whole seconds: what config.json (ISO 8601) keeps, so the value reads back equal.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let configuration = MirrorConfiguration(name: name, vkey: signer.verifierKey.description, createdAt: now)
        let directory = MirrorDirectory(url: url, configuration: configuration)
        try writeSecret(key.privateKeyText + "\n", directory.keyURL)
        _ = try MirrorState(path: directory.databaseURL.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try (try encoder.encode(configuration) + Data("\n".utf8)).write(to: directory.configURL, options: .atomic)
        } catch {
            throw MirrorError(.storage, "cannot write \(directory.configURL.path): \(error.localizedDescription)")
        }
        return directory
    }

    /// Opens an existing mirror directory (reads config.json only).
    public init(at url: URL) throws(MirrorError) {
        let configURL = url.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw MirrorError(.invalidRequest, "no mirror at \(url.path) (config.json missing); create one with `akashi mirror init --data \(url.path) --name NAME`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let configuration: MirrorConfiguration
        do {
            configuration = try decoder.decode(MirrorConfiguration.self, from: data)
        } catch {
            throw MirrorError(.storage, "\(configURL.path) is not a mirror configuration: \(error)")
        }
        guard configuration.format == MirrorConfiguration.currentFormat else {
            throw MirrorError(.storage, "\(configURL.path) has format '\(configuration.format)'; this version reads \(MirrorConfiguration.currentFormat)")
        }
        self.init(url: url, configuration: configuration)
    }

    private init(url: URL, configuration: MirrorConfiguration) {
        self.url = url
        self.configuration = configuration
    }

    /// The cosigning key, read with `readSecret` and checked against config.json.
    public func signer(readSecret: (URL) throws -> String) throws -> CosignatureV1Signer {
        let key = try Ed25519NoteSigner(parsingPrivateKey: try readSecret(keyURL))
        let signer = try CosignatureV1Signer(name: key.name, privateKey: key.privateKey)
        guard signer.name == configuration.name, signer.verifierKey.description == configuration.vkey else {
            throw MirrorError(.storage, "\(keyURL.path) is the key of \(signer.verifierKey), but config.json names \(configuration.vkey)")
        }
        return signer
    }

    /// The list of followed logs (which must exist).
    public func openState() throws(MirrorError) -> MirrorState {
        guard FileManager.default.fileExists(atPath: databaseURL.path) else {
            throw MirrorError(.storage, "\(databaseURL.path) is missing")
        }
        return try MirrorState(path: databaseURL.path)
    }
}

/// The followed logs, in `mirror.sqlite` (GRDB pool, WAL, `synchronous=FULL`).
/// Several processes may share it: `akashi mirror add-log` while the mirror runs.
public final class MirrorState: Sendable {
    public let path: String
    let database: DatabasePool

    public init(path: String) throws(MirrorError) {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        do {
            database = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(database)
        } catch {
            throw MirrorError(.storage, "cannot open the mirror state \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE mirrored_log (
                    origin TEXT PRIMARY KEY NOT NULL CHECK (length(origin) > 0),
                    origin_hash TEXT NOT NULL UNIQUE CHECK (length(origin_hash) = 64),
                    url TEXT NOT NULL,
                    policy TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    last_error TEXT,
                    checked_at INTEGER
                ) STRICT;
                """)
        }
        return migrator
    }

    /// Follows `origin` at `url` under `policy`, or updates its URL and policy.
    /// Returns false when it was already followed (and is now updated).
    @discardableResult
    public func addLog(origin: String, url: String, policy: TlogPolicy, at time: UInt64 = UInt64(Date().timeIntervalSince1970)) throws(MirrorError) -> Bool {
        guard !origin.isEmpty, origin.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
            throw MirrorError(.invalidRequest, "a log origin is one non-empty line of text")
        }
        guard policy.logs.contains(where: { $0.key.name == origin }) else {
            throw MirrorError(.invalidRequest, "the policy lists no log key named '\(origin)'; its checkpoints could never verify")
        }
        do {
            return try database.write { db in
                let known = try Bool.fetchOne(db, sql: "SELECT 1 FROM mirrored_log WHERE origin = ?", arguments: [origin]) ?? false
                try db.execute(
                    sql: """
                        INSERT INTO mirrored_log (origin, origin_hash, url, policy, added_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (origin) DO UPDATE SET url = excluded.url, policy = excluded.policy
                        """,
                    arguments: [origin, TileLogClient.originHash(origin), url, policy.text, Int64(clamping: time)])
                return !known
            }
        } catch {
            throw MirrorError(.storage, "cannot record log \(origin): \(error)")
        }
    }

    /// Every followed log, by origin.
    public func logs() throws(MirrorError) -> [MirroredLogRecord] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM mirrored_log ORDER BY origin").map { row in
                    MirroredLogRecord(
                        origin: row["origin"], originHash: row["origin_hash"], url: row["url"], policy: row["policy"],
                        addedAt: UInt64(row["added_at"] as Int64), lastError: row["last_error"],
                        checkedAt: (row["checked_at"] as Int64?).map { UInt64($0) })
                }
            }
        } catch {
            throw MirrorError(.storage, "cannot read the mirror state \(path): \(error)")
        }
    }

    /// Records the outcome of a sync (nil error: it went well).
    public func recordSync(origin: String, error: String?, at time: UInt64 = UInt64(Date().timeIntervalSince1970)) throws(MirrorError) {
        do {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE mirrored_log SET last_error = ?, checked_at = ? WHERE origin = ?",
                    arguments: [error, Int64(clamping: time), origin])
            }
        } catch {
            throw MirrorError(.storage, "cannot record the sync of \(origin): \(error)")
        }
    }
}
