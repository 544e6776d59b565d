import Foundation
import GRDB
import TransparencyLog

/// One log the witness follows: its trusted keys and the latest checkpoint
/// the witness cosigned for it.
public struct WitnessedLog: Hashable, Sendable {
    public let origin: String
    /// The log's note verifier keys; a checkpoint needs a valid signature from one.
    public let keys: [VerifierKey]
    /// The size of the latest cosigned checkpoint; 0 when none was cosigned yet.
    public let size: UInt64
    /// Its root hash; nil when none was cosigned yet.
    public let rootHash: [UInt8]?
    /// The latest cosigned checkpoint: its text, the log signatures that
    /// verified and this witness's cosignature.
    public let checkpoint: String?
    /// When it was cosigned (POSIX seconds).
    public let cosignedAt: UInt64?
}

/// A checkpoint the log signed but the witness refused as inconsistent with
/// what it had cosigned: possible proof of log misbehaviour, kept once per
/// (origin, size, root).
public struct WitnessEvidence: Hashable, Sendable {
    public let origin: String
    public let size: UInt64
    public let rootHash: [UInt8]
    public let reason: String
    /// The submitted checkpoint note and the proof lines that came with it.
    public let checkpoint: String
    public let proof: [[UInt8]]
    public let oldSize: UInt64
    /// What the witness had cosigned when it refused.
    public let cosignedSize: UInt64
    public let cosignedCheckpoint: String?
    public let receivedAt: UInt64
}

/// The witness's persistent state: a SQLite file (GRDB pool, WAL,
/// `synchronous=FULL`, STRICT tables).
///
///     witnessed_log(origin, size, root, checkpoint, cosigned_at)
///     log_key(origin, vkey, added_at)
///     evidence(origin, size, root, ...)      refused, log-signed checkpoints
///
/// The compare-and-update of a log's size happens in one IMMEDIATE write
/// transaction (``advance(origin:expectedSize:_:)``), so two concurrent
/// requests cannot roll the size back (c2sp.org/tlog-witness, the race at the
/// end of add-checkpoint). A trigger refuses any update that lowers a size,
/// whatever the code path; several processes may share the file.
public final class WitnessState: Sendable {
    public let path: String
    let database: DatabasePool

    /// Opens the state at `path`, creating the file and its tables if needed.
    public init(path: String) throws(WitnessError) {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL (the pool's default) + FULL: a cosignature is only returned
            // after its new state is on disk.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(database)
        } catch {
            throw .storage(error, "cannot open the witness state \(path)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE witnessed_log (
                        origin TEXT PRIMARY KEY NOT NULL CHECK (length(origin) > 0),
                        size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
                        root BLOB CHECK (root IS NULL OR length(root) = 32),
                        checkpoint TEXT,
                        cosigned_at INTEGER,
                        CHECK (size = 0 OR root IS NOT NULL)
                    ) STRICT;
                    CREATE TRIGGER witnessed_log_never_shrinks
                    BEFORE UPDATE OF size ON witnessed_log WHEN NEW.size < OLD.size
                    BEGIN SELECT RAISE(ABORT, 'a witnessed log size never goes back'); END;
                    CREATE TABLE log_key (
                        origin TEXT NOT NULL REFERENCES witnessed_log(origin),
                        vkey TEXT NOT NULL,
                        added_at INTEGER NOT NULL,
                        PRIMARY KEY (origin, vkey)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE evidence (
                        id INTEGER PRIMARY KEY,
                        origin TEXT NOT NULL REFERENCES witnessed_log(origin),
                        size INTEGER NOT NULL,
                        root BLOB NOT NULL,
                        reason TEXT NOT NULL,
                        checkpoint TEXT NOT NULL,
                        proof TEXT NOT NULL,
                        old_size INTEGER NOT NULL,
                        cosigned_size INTEGER NOT NULL,
                        cosigned_checkpoint TEXT,
                        received_at INTEGER NOT NULL,
                        UNIQUE (origin, size, root)
                    ) STRICT;
                    """)
        }
        return migrator
    }

    // MARK: Logs and keys

    /// Trusts `key` for checkpoints of `origin` (default: the key's name).
    /// A log may have several keys. Returns false if the key was already trusted.
    @discardableResult
    public func addLog(key: VerifierKey, origin: String? = nil, at time: UInt64 = UInt64(Date().timeIntervalSince1970)) throws(WitnessError) -> Bool {
        let origin = origin ?? key.name
        guard !origin.isEmpty, !origin.contains("\n"), origin.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
            throw WitnessError(.badRequest, "a log origin is one non-empty line of text")
        }
        guard key.type == .ed25519 else {
            throw WitnessError(.badRequest, "\(key.name) is not a log key: log checkpoints are signed with Ed25519 note keys (type 0x01)")
        }
        return try run {
            try database.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO witnessed_log (origin) VALUES (?)", arguments: [origin])
                try db.execute(
                    sql: "INSERT OR IGNORE INTO log_key (origin, vkey, added_at) VALUES (?, ?, ?)",
                    arguments: [origin, key.description, Int64(clamping: time)])
                return db.changesCount == 1
            }
        }
    }

    /// The trusted keys for `origin`; empty when the witness does not follow it.
    public func keys(origin: String) throws(WitnessError) -> [VerifierKey] {
        let texts = try run {
            try database.read { db in try String.fetchAll(db, sql: "SELECT vkey FROM log_key WHERE origin = ? ORDER BY added_at, vkey", arguments: [origin]) }
        }
        var keys: [VerifierKey] = []
        for text in texts {
            do { keys.append(try VerifierKey(parsing: text)) } catch {
                throw WitnessError(.storage, "the stored key '\(text)' for \(origin) is invalid: \(error.reason)")
            }
        }
        return keys
    }

    /// One followed log, or nil.
    public func log(origin: String) throws(WitnessError) -> WitnessedLog? {
        try logs(origin: origin).first
    }

    /// Every followed log, by origin.
    public func logs() throws(WitnessError) -> [WitnessedLog] {
        try logs(origin: nil)
    }

    private func logs(origin: String?) throws(WitnessError) -> [WitnessedLog] {
        let rows = try run {
            try database.read { db in
                let sql =
                    "SELECT origin, size, root, checkpoint, cosigned_at FROM witnessed_log" + (origin == nil ? "" : " WHERE origin = ?") + " ORDER BY origin"
                return try Row.fetchAll(db, sql: sql, arguments: origin.map { [$0] } ?? [])
            }
        }
        var out: [WitnessedLog] = []
        for row in rows {
            let origin: String = row["origin"]
            let root: Data? = row["root"]
            let cosignedAt: Int64? = row["cosigned_at"]
            out.append(
                WitnessedLog(
                    origin: origin, keys: try keys(origin: origin), size: UInt64(row["size"] as Int64),
                    rootHash: root.map { Array($0) }, checkpoint: row["checkpoint"], cosignedAt: cosignedAt.map { UInt64($0) }))
        }
        return out
    }

    /// Refused, log-signed checkpoints kept as evidence, oldest first.
    public func evidence(origin: String) throws(WitnessError) -> [WitnessEvidence] {
        let rows = try run {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM evidence WHERE origin = ? ORDER BY id", arguments: [origin])
            }
        }
        return rows.map { row in
            let proofText: String = row["proof"]
            return WitnessEvidence(
                origin: row["origin"], size: UInt64(row["size"] as Int64), rootHash: Array(row["root"] as Data),
                reason: row["reason"], checkpoint: row["checkpoint"],
                proof: proofText.split(separator: "\n").compactMap { [UInt8](base64String: $0) },
                oldSize: UInt64(row["old_size"] as Int64), cosignedSize: UInt64(row["cosigned_size"] as Int64),
                cosignedCheckpoint: row["cosigned_checkpoint"], receivedAt: UInt64(row["received_at"] as Int64))
        }
    }

    // MARK: The atomic step

    /// What ``advance(origin:expectedSize:_:)``'s decision does to the state.
    public enum Decision: Sendable {
        /// Store this as the latest cosigned checkpoint, then return `result`.
        case accept(size: UInt64, rootHash: [UInt8], checkpoint: String, cosignedAt: UInt64)
        /// Change nothing and throw `error`; keep `evidence` (if any) first.
        case refuse(WitnessError, evidence: Evidence?)
    }

    /// A refused checkpoint to keep (see ``WitnessEvidence``).
    public struct Evidence: Sendable {
        public let reason: String
        public let checkpoint: SignedCheckpoint
        public let proof: [[UInt8]]
        public let oldSize: UInt64
        public init(reason: String, checkpoint: SignedCheckpoint, proof: [[UInt8]], oldSize: UInt64) {
            self.reason = reason
            self.checkpoint = checkpoint
            self.proof = proof
            self.oldSize = oldSize
        }
    }

    /// Compare-and-update in one write transaction: reads the log's current
    /// state; a size other than `expectedSize` is a 409 carrying the current
    /// size; otherwise `decide` (run inside the transaction, so nothing can
    /// change under it) accepts — the new state is committed, conditionally
    /// on the size still being `expectedSize` — or refuses.
    public func advance(
        origin: String, expectedSize: UInt64, _ decide: @Sendable (WitnessedLog) -> Decision
    ) throws(WitnessError) -> WitnessedLog {
        let outcome: Result<WitnessedLog, WitnessError> = try run {
            try database.write { db in try Self.advance(db, origin: origin, expectedSize: expectedSize, decide) }
        }
        return try outcome.get()
    }

    /// ``advance(origin:expectedSize:_:)`` without blocking a thread while the
    /// writer is busy (another request, or another process on the same file).
    public func advance(
        origin: String, expectedSize: UInt64, _ decide: @escaping @Sendable (WitnessedLog) -> Decision
    ) async throws(WitnessError) -> WitnessedLog {
        let outcome: Result<WitnessedLog, WitnessError>
        do {
            outcome = try await database.write { db in try Self.advance(db, origin: origin, expectedSize: expectedSize, decide) }
        } catch {
            throw .storage(error, "the witness state \(path) failed")
        }
        return try outcome.get()
    }

    private static func advance(
        _ db: Database, origin: String, expectedSize: UInt64, _ decide: (WitnessedLog) -> Decision
    ) throws -> Result<WitnessedLog, WitnessError> {
        guard let row = try Row.fetchOne(db, sql: "SELECT size, root, checkpoint, cosigned_at FROM witnessed_log WHERE origin = ?", arguments: [origin]) else {
            return .failure(WitnessError(.unknownLog, "this witness does not follow the log '\(origin)'"))
        }
        let size = UInt64(row["size"] as Int64)
        let root: Data? = row["root"]
        let cosignedAt: Int64? = row["cosigned_at"]
        let current = WitnessedLog(
            origin: origin, keys: [], size: size, rootHash: root.map { Array($0) },
            checkpoint: row["checkpoint"], cosignedAt: cosignedAt.map { UInt64($0) })
        guard size == expectedSize else {
            return .failure(
                WitnessError(.conflict, "the latest checkpoint this witness cosigned for \(origin) has size \(size), not \(expectedSize)", latestSize: size))
        }
        switch decide(current) {
        case .refuse(let error, let evidence):
            if let evidence {
                let c = evidence.checkpoint.checkpoint
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO evidence
                        (origin, size, root, reason, checkpoint, proof, old_size, cosigned_size, cosigned_checkpoint, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        origin, Int64(c.size), Data(c.rootHash), evidence.reason, evidence.checkpoint.serialized,
                        evidence.proof.map { $0.base64String + "\n" }.joined(), Int64(evidence.oldSize), Int64(size),
                        current.checkpoint, Int64(Date().timeIntervalSince1970),
                    ])
            }
            return .failure(error)
        case .accept(let newSize, let newRoot, let checkpoint, let time):
            guard newSize >= size, newSize <= AddCheckpointRequest.maxTreeSize else {
                return .failure(WitnessError(.badRequest, "refusing to move \(origin) from size \(size) to \(newSize)"))
            }
            try db.execute(
                sql: "UPDATE witnessed_log SET size = ?, root = ?, checkpoint = ?, cosigned_at = ? WHERE origin = ? AND size = ?",
                arguments: [Int64(newSize), Data(newRoot), checkpoint, Int64(clamping: time), origin, Int64(size)])
            guard db.changesCount == 1 else {
                // Cannot happen inside an IMMEDIATE transaction; never cosign if it does.
                return .failure(WitnessError(.conflict, "the state of \(origin) changed concurrently", latestSize: size))
            }
            return .success(
                WitnessedLog(origin: origin, keys: [], size: newSize, rootHash: newRoot, checkpoint: checkpoint, cosignedAt: time))
        }
    }

    private func run<T>(_ body: () throws -> T) throws(WitnessError) -> T {
        do { return try body() } catch {
            throw .storage(error, "the witness state \(path) failed")
        }
    }
}
