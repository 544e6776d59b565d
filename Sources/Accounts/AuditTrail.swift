import AkashiCrypto
import Foundation
import GRDB
import SafeText

/// One row of the audit trail: who did what, to what, when and from where,
/// chained to the row before it by SHA-256 (see `AuditEvent.chainHash`).
public struct AuditEvent: Sendable {
    /// 1, 2, 3, … with no gaps.
    public let seq: Int64
    /// Whole milliseconds (what is stored and hashed).
    public let at: Date
    /// A login (the web UI), `token:<id>`, `cli:<unix user>`, `system`, … (logins cannot contain `:`)
    public let actor: String
    public let role: String?
    /// What was done, e.g. `issue`, `user.add`, `token.revoke`, `login.failed`.
    public let action: String
    public let target: String?
    public let detail: String?
    public let address: String?
    /// The hash of the row before (32 zero bytes for the first row).
    public let previousHash: [UInt8]
    public let hash: [UInt8]

    /// The chain hash: SHA-256 over the unambiguous encoding
    ///
    ///     "akashi-audit-v1" || u32(32) || previousHash || u64(seq) || i64(at in ms)
    ///     || str(actor) || opt(role) || str(action) || opt(target) || opt(detail) || opt(address)
    ///
    /// where integers are big-endian, `str(s)` = u32(byte count) || UTF-8 bytes,
    /// and `opt(nil)` = 0x00, `opt(s)` = 0x01 || str(s) (so nil and "" differ).
    /// Every variable-length field is length-prefixed, so no two different rows
    /// encode alike. `at` is hashed in whole milliseconds since 1970 (UTC).
    public static func chainHash(
        previousHash: [UInt8], seq: Int64, atMillis: Int64, actor: String, role: String?, action: String,
        target: String?, detail: String?, address: String?
    ) -> [UInt8] {
        var bytes: [UInt8] = Array("akashi-audit-v1".utf8)
        func u32(_ n: Int) { withUnsafeBytes(of: UInt32(n).bigEndian) { bytes.append(contentsOf: $0) } }
        func u64(_ n: Int64) { withUnsafeBytes(of: n.bigEndian) { bytes.append(contentsOf: $0) } }
        func str(_ s: String) {
            u32(s.utf8.count)
            bytes.append(contentsOf: s.utf8)
        }
        func opt(_ s: String?) {
            if let s {
                bytes.append(1)
                str(s)
            } else {
                bytes.append(0)
            }
        }
        u32(previousHash.count)
        bytes.append(contentsOf: previousHash)
        u64(seq)
        u64(atMillis)
        str(actor)
        opt(role)
        str(action)
        opt(target)
        opt(detail)
        opt(address)
        return SHA256.hash(bytes)
    }
}

/// The audit trail: an append-only, hash-chained table (`audit_event`) in the
/// authority's SQLite file. Private (it names clerks and addresses); never
/// published. Triggers refuse UPDATE and DELETE; `verify()` recomputes the
/// chain, so an edit by someone who drops the triggers is still found — except
/// removing the newest rows, which only comparing `ChainReport.head` with a
/// copy kept elsewhere reveals.
public struct AuditTrail: Sendable {
    public static let zeroHash = [UInt8](repeating: 0, count: 32)

    private let writer: any DatabaseWriter

    /// Runs the audit trail's migration (`audit-v1`) on `writer`.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try AuditSchema.migrator().migrate(writer)
    }

    /// Appends in its own transaction.
    @discardableResult
    public func record(
        actor: String, role: String?, action: String, target: String? = nil, detail: String? = nil, address: String? = nil,
        at: Date = Date()
    ) throws -> AuditEvent {
        try writer.write { db in
            try Self.record(in: db, actor: actor, role: role, action: action, target: target, detail: detail, address: address, at: at)
        }
    }

    /// Appends inside a transaction someone else holds (the issuer records an
    /// issuance in the same transaction as the log entry, so an acknowledged
    /// certificate always has its audit row). The audit table must exist: create
    /// an `AuditTrail` (or `AccountStore`) on the database first.
    @discardableResult
    public static func record(
        in db: Database, actor: String, role: String?, action: String, target: String? = nil, detail: String? = nil,
        address: String? = nil, at: Date = Date()
    ) throws -> AuditEvent {
        // The last line of defence for the chain: SQLite stores text up to a NUL
        // while the hash covers every byte, so a NUL (or any character the text
        // rule refuses) would break the chain for ever. Routes refuse such input
        // with a message long before; reaching here is a bug, never a broken chain.
        for (name, value) in [("actor", actor), ("role", role), ("action", action), ("target", target), ("detail", detail), ("address", address)] {
            if let value, let problem = SafeText.firstProblem(in: value, multiline: true) {
                throw AccountError(.invalidText, "監査記録の\(name)に使えない文字があります: \(problem.ja) / the audit \(name) has a character that is not allowed: \(problem.en)")
            }
        }
        // Cached statements: this runs once per issuance inside the log's batch transaction.
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"))
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let previous: [UInt8] = (last?["hash"] as Data?).map { Array($0) } ?? zeroHash
        let ms = Millis.from(at)
        let hash = AuditEvent.chainHash(
            previousHash: previous, seq: seq, atMillis: ms, actor: actor, role: role, action: action, target: target,
            detail: detail, address: address)
        try db.cachedStatement(sql: """
            INSERT INTO audit_event (seq, at, actor, role, action, target, detail, address, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [seq, ms, actor, role, action, target, detail, address, Data(previous), Data(hash)])
        return AuditEvent(
            seq: seq, at: Millis.date(ms), actor: actor, role: role, action: action, target: target, detail: detail,
            address: address, previousHash: previous, hash: hash)
    }

    /// Events with `since <= at < until`, by actor and action (exact), newest first.
    public func events(
        since: Date? = nil, until: Date? = nil, actor: String? = nil, action: String? = nil, limit: Int = 200, offset: Int = 0
    ) throws -> [AuditEvent] {
        let (condition, arguments) = Self.filter(since: since, until: until, actor: actor, action: action)
        return try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit_event\(condition) ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [max(0, limit), max(0, offset)]
            ).map(Self.event(from:))
        }
    }

    public func count() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_event") ?? 0 }
    }

    /// What `verify()` found.
    public struct ChainReport: Sendable {
        /// Rows checked.
        public let events: Int
        /// The stored hash of the newest row (32 zero bytes when empty). Keep a copy
        /// elsewhere (or anchor it) to detect the newest rows being removed.
        public let head: [UInt8]
        /// The first row whose seq, previous hash or own hash is not what the rows
        /// before it imply; nil when the chain is intact.
        public let firstBrokenSeq: Int64?
        public var intact: Bool { firstBrokenSeq == nil }

        public init(events: Int, head: [UInt8], firstBrokenSeq: Int64?) {
            self.events = events
            self.head = head
            self.firstBrokenSeq = firstBrokenSeq
        }
    }

    /// Recomputes every row's hash in order and reports the first broken row: an
    /// edited row (its hash no longer matches), a deleted row (the next row's seq
    /// and previous hash no longer follow) or a rewritten hash (the next row's
    /// previous hash no longer matches).
    public func verify() throws -> ChainReport {
        try writer.read { db in
            var expectedSeq: Int64 = 1
            var previous = Self.zeroHash
            var count = 0
            var broken: Int64? = nil
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_event ORDER BY seq")
            while let row = try rows.next() {
                count += 1
                let event = Self.event(from: row)
                guard broken == nil else {
                    previous = event.hash
                    continue
                }
                let recomputed = AuditEvent.chainHash(
                    previousHash: event.previousHash, seq: event.seq, atMillis: row["at"], actor: event.actor, role: event.role,
                    action: event.action, target: event.target, detail: event.detail, address: event.address)
                if event.seq != expectedSeq || event.previousHash != previous || recomputed != event.hash {
                    broken = event.seq
                }
                expectedSeq = event.seq + 1
                previous = event.hash
            }
            return ChainReport(events: count, head: previous, firstBrokenSeq: broken)
        }
    }

    /// RFC 4180 CSV (CRLF line ends) with a header row
    /// `seq,at,actor,role,action,target,detail,address,previous_hash,hash`, oldest
    /// first; times ISO 8601 UTC with milliseconds, hashes hex, nil as an empty
    /// cell. A cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`
    /// so a spreadsheet does not run it as a formula (CSV injection); the export
    /// is for reading, `verify()` is for checking.
    public func csv(since: Date? = nil, until: Date? = nil) throws -> String {
        let (condition, arguments) = Self.filter(since: since, until: until, actor: nil, action: nil)
        return try writer.read { db in
            var out = "seq,at,actor,role,action,target,detail,address,previous_hash,hash\r\n"
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_event\(condition) ORDER BY seq", arguments: arguments)
            while let row = try rows.next() {
                let e = Self.event(from: row)
                let cells: [String] = [
                    String(e.seq), Self.iso8601(row["at"]), e.actor, e.role ?? "", e.action, e.target ?? "", e.detail ?? "",
                    e.address ?? "", e.previousHash.accountsHex, e.hash.accountsHex,
                ]
                out += cells.map(Self.csvCell).joined(separator: ",") + "\r\n"
            }
            return out
        }
    }

    // MARK: Helpers

    static func csvCell(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `2025-04-01T09:30:00.123Z`.
    static func iso8601(_ ms: Int64) -> String {
        var seconds = time_t(ms.quotientAndRemainder(dividingBy: 1000).quotient)
        var millis = ms % 1000
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    private static func filter(since: Date?, until: Date?, actor: String?, action: String?) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let since {
            clauses.append("at >= ?")
            arguments += [Millis.from(since)]
        }
        if let until {
            clauses.append("at < ?")
            arguments += [Millis.from(until)]
        }
        if let actor {
            clauses.append("actor = ?")
            arguments += [actor]
        }
        if let action {
            clauses.append("action = ?")
            arguments += [action]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    private static func event(from row: Row) -> AuditEvent {
        AuditEvent(
            seq: row["seq"], at: Millis.date(row["at"]), actor: row["actor"], role: row["role"], action: row["action"],
            target: row["target"], detail: row["detail"], address: row["address"],
            previousHash: Array(row["previous_hash"] as Data), hash: Array(row["hash"] as Data))
    }
}

/// The audit table (migration `audit-v1`). `seq` is assigned by the appender
/// (last + 1) inside the write transaction, so it has no gaps; `at` is whole
/// milliseconds since 1970. Triggers refuse UPDATE and DELETE: the table is
/// append-only for everyone who does not drop them first (and `verify()`
/// catches those who do).
enum AuditSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("audit-v1") { db in
            try db.execute(sql: """
                CREATE TABLE audit_event (
                    seq INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL CHECK (length(actor) > 0),
                    role TEXT,
                    action TEXT NOT NULL CHECK (length(action) > 0),
                    target TEXT,
                    detail TEXT,
                    address TEXT,
                    previous_hash BLOB NOT NULL CHECK (length(previous_hash) = 32),
                    hash BLOB NOT NULL CHECK (length(hash) = 32)
                ) STRICT;
                CREATE INDEX audit_event_at ON audit_event(at);
                CREATE INDEX audit_event_actor ON audit_event(actor, seq);
                CREATE INDEX audit_event_action ON audit_event(action, seq);
                CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be changed'); END;
                CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be deleted'); END;
                """)
        }
        return migrator
    }
}
