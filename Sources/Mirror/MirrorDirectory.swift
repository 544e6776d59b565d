import AkashiCrypto
import Foundation
import GRDB
import LogStore
import TransparencyLog
import Witness

/// What `config.json` of a mirror's data directory holds (public).
public typealias MirrorConfiguration = CosignerConfiguration

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

    /// `config.json`'s format.
    public static let format = "akashi-mirror/v1"

    /// Creates a mirror: a fresh key, an empty state and `logs/`, the
    /// configuration (written last: its presence marks a complete directory).
    /// Refuses a directory that exists and is not empty.
    public static func create(
        at url: URL, name: String, writeSecret: (_ text: String, _ to: URL) throws -> Void
    ) throws -> MirrorDirectory {
        let configuration: CosignerConfiguration
        do {
            configuration = try CosignerDirectory.create(
                at: url, role: "mirror", format: format, keyFile: "mirror.key", name: name, writeSecret: writeSecret
            ) { url in
                try FileManager.default.createDirectory(at: url.appendingPathComponent("logs"), withIntermediateDirectories: true)
                _ = try MirrorState(path: url.appendingPathComponent("mirror.sqlite").path)
            }
        } catch let error as WitnessDirectoryError {
            throw MirrorError(error, creating: true)
        }
        return MirrorDirectory(url: url, configuration: configuration)
    }

    /// Opens an existing mirror directory (reads config.json only).
    public init(at url: URL) throws(MirrorError) {
        do {
            self.init(url: url, configuration: try CosignerDirectory.open(at: url, role: "mirror", format: Self.format))
        } catch {
            throw MirrorError(error)
        }
    }

    private init(url: URL, configuration: MirrorConfiguration) {
        self.url = url
        self.configuration = configuration
    }

    /// The cosigning key, read with `readSecret` and checked against config.json.
    public func signer(readSecret: (URL) throws -> String) throws -> CosignatureV1Signer {
        do {
            return try CosignerDirectory.signer(keyURL: keyURL, configuration: configuration, readSecret: readSecret)
        } catch let error as WitnessDirectoryError {
            throw MirrorError(error)
        }
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
            throw .storage(error, "cannot open the mirror state \(path)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
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
            throw .storage(error, "cannot record log \(origin)")
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
            throw .storage(error, "cannot read the mirror state \(path)")
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
            throw .storage(error, "cannot record the sync of \(origin)")
        }
    }
}

extension MirrorError {
    /// A mirror directory that cannot be created or opened: a wrong request
    /// (none there, not empty, a bad name when creating) or broken storage
    /// (an unreadable config.json or key, a failed write).
    init(_ error: WitnessDirectoryError, creating: Bool = false) {
        switch error.code {
        case .notFound, .alreadyExists: self.init(.invalidRequest, error.reason)
        case .invalidConfiguration: self.init(creating ? .invalidRequest : .storage, error.reason)
        case .io: self.init(.storage, error.reason)
        }
    }
}
