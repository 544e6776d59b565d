import Certificates
import Foundation
import GRDB
import LogStore

/// The authority's private register of residents' subject keys
/// (docs/spec/subject-transparency.md §6): a resident's reference (宛名番号 or
/// whatever the town files them under) → their X25519 public key. Only public
/// keys: the secret stays with the resident. Replacing a key keeps the old
/// one, marked replaced. Nothing of it reaches the log.
public struct SubjectRegistry: Sendable {
    public let writer: any DatabaseWriter

    public struct Registration: Sendable, Hashable {
        public let reference: String
        public let publicKey: [UInt8]
        public let registeredAt: Date
        public let replacedAt: Date?
    }

    public init(log: LogStore) throws {
        writer = log.writer
        var migrator = DatabaseMigrator()
        migrator.registerMigration("subject-key-v1") { db in
            try db.execute(sql: """
                CREATE TABLE subject_key (
                    id INTEGER PRIMARY KEY,
                    reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
                    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
                    registered_at INTEGER NOT NULL,
                    replaced_at INTEGER
                ) STRICT;
                CREATE UNIQUE INDEX subject_key_current ON subject_key(reference) WHERE replaced_at IS NULL;
                """)
        }
        try migrator.migrate(writer)
    }

    /// Registers `key` for `reference`, replacing its current key if any.
    /// `alsoInTransaction` (the audit row) commits with it. Returns whether an
    /// earlier key was replaced.
    @discardableResult
    public func register(
        reference: String, key: [UInt8], at date: Date = Date(), alsoInTransaction: (@Sendable (Database) throws -> Void)? = nil
    ) throws -> Bool {
        try Self.checkReference(reference)
        let now = Int64(date.timeIntervalSince1970)
        return try writer.write { db in
            try db.execute(sql: "UPDATE subject_key SET replaced_at = ? WHERE reference = ? AND replaced_at IS NULL", arguments: [now, reference])
            let replaced = db.changesCount > 0
            try db.execute(
                sql: "INSERT INTO subject_key (reference, public_key, registered_at) VALUES (?, ?, ?)", arguments: [reference, Data(key), now])
            try alsoInTransaction?(db)
            return replaced
        }
    }

    /// The current key of `reference`, or nil.
    public func key(reference: String) throws -> [UInt8]? {
        try writer.read { db in
            try Data.fetchOne(db, sql: "SELECT public_key FROM subject_key WHERE reference = ? AND replaced_at IS NULL", arguments: [reference]).map { [UInt8]($0) }
        }
    }

    /// Every key ever registered for `reference`, oldest first.
    public func history(reference: String) throws -> [Registration] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM subject_key WHERE reference = ? ORDER BY id", arguments: [reference]).map { row in
                let replaced: Int64? = row["replaced_at"]
                return Registration(
                    reference: row["reference"], publicKey: [UInt8](row["public_key"] as Data),
                    registeredAt: Date(timeIntervalSince1970: TimeInterval(row["registered_at"] as Int64)),
                    replacedAt: replaced.map { Date(timeIntervalSince1970: TimeInterval($0)) })
            }
        }
    }

    /// 1 to 100 characters of visible text: a filing reference, not a name.
    static func checkReference(_ reference: String) throws {
        guard (1...100).contains(reference.count), reference.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
        else {
            throw CertificateError(.invalidInput, "住民の参照番号は空白・制御文字を含まない1〜100文字です / a resident reference is 1 to 100 characters without spaces or controls")
        }
    }
}
