import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// An authority's store in one SQLite file (`akashi.sqlite` in its data
/// directory): WAL, `synchronous=FULL`, a 10 s busy timeout. The embedded
/// default — one town, one machine.
///
/// Several processes may open the file (the admin commands run while `akashi
/// serve` does: SQLite serializes their short write transactions); only the
/// holder of the sequencer (a `flock` beside the file) appends to the log.
public final class SQLiteStore: AuthorityStore {
    public let authority: String
    /// The file, or nil in memory.
    public let path: String?
    private let database: any DatabaseWriter
    /// In memory there is no file to lock; the lease is this process's alone.
    private let memoryLock = MemoryLock()

    // MARK: Opening

    /// Creates the file and its tables; fails if a file is already there.
    public static func create(path: String, authority: String) throws -> SQLiteStore {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.duplicate, "データベース \(path) はすでにあります / a database already exists at \(path); refusing to overwrite it")
        }
        return try SQLiteStore(path: path, authority: authority, readOnly: false)
    }

    /// Opens an existing file, upgrading its tables.
    public static func open(path: String, authority: String) throws -> SQLiteStore {
        try requireFile(path)
        return try SQLiteStore(path: path, authority: authority, readOnly: false)
    }

    /// Opens an existing file that this process will only read (a mirror's
    /// copy, a verifier's look at a log); every write fails.
    public static func openReadOnly(path: String, authority: String) throws -> SQLiteStore {
        try requireFile(path)
        return try SQLiteStore(path: path, authority: authority, readOnly: true)
    }

    /// A store in memory, for tests and tools.
    public static func inMemory(authority: String) throws -> SQLiteStore {
        let queue = try DatabaseQueue()
        try SQLiteSchema.migrator().migrate(queue)
        return SQLiteStore(database: queue, path: nil, authority: authority)
    }

    /// Every table of an authority's file, as migrations: for a log copy kept
    /// in a file of its own (a mirror's replica, `akashi log restore`), which
    /// writes its staged rows through GRDB itself and must have exactly the
    /// authority's tables, so a restored file opens as the authority's store.
    public static func schemaMigrator() -> DatabaseMigrator { SQLiteSchema.migrator() }

    private static func requireFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(
                .notFound,
                "データベース \(path) がありません。`akashi init` で作成してください / there is no database at \(path); create the authority with `akashi init`")
        }
    }

    private convenience init(path: String, authority: String, readOnly: Bool) throws {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL + FULL: a commit is on disk before the caller hears of it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool: DatabasePool
        do { pool = try DatabasePool(path: path, configuration: config) } catch {
            throw StoreError(.unavailable, "データベース \(path) を開けません / cannot open the database \(path): \(error)")
        }
        if !readOnly {
            try Self.translating { try SQLiteSchema.migrator().migrate(pool) }
            // The file holds private data: owner only, like the keys.
            chmod(path, 0o600)
        }
        self.init(database: pool, path: path, authority: authority)
    }

    private init(database: any DatabaseWriter, path: String?, authority: String) {
        self.database = database
        self.path = path
        self.authority = authority
    }

    // MARK: The log

    public func acquireSequencer() async throws -> any SequencerLease {
        if let path { return try FileLease(path: path + ".lock") }
        return try memoryLock.acquire()
    }

    public func initializeLog(_ first: StoredCheckpoint) async throws {
        try await write { db in
            guard try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_checkpoint") == 0 else {
                throw StoreError(.duplicate, "the log is initialized already")
            }
            try Self.insertCheckpoint(first, db)
        }
    }

    public func logState() async throws -> LogState? {
        try await read { db in
            guard let latest = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1") else { return nil }
            let published = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint WHERE published = 1 ORDER BY size DESC LIMIT 1")
            let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_entry") ?? 0
            return LogState(latestNote: latest, publishedNote: published, entryCount: UInt64(count))
        }
    }

    public func tile(level: Int, index: UInt64) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(
                db.cachedStatement(sql: "SELECT hashes FROM log_tile WHERE level = ? AND idx = ?"), arguments: [level, Int64(index)]
            ).map(Array.init)
        }
    }

    public func commit(_ batch: LogBatch) async throws {
        try await write { db in
            // The tree on disk must be the one this batch started from.
            let stored = try Int64.fetchOne(db, sql: "SELECT MAX(size) FROM log_checkpoint")
            guard let stored, stored == Int64(batch.startSize) else {
                throw StoreError(
                    .conflict,
                    "another writer changed the log (stored size \(stored.map(String.init) ?? "none"), expected \(batch.startSize))")
            }
            let insert = try db.cachedStatement(sql: "INSERT INTO log_entry (idx, data, subject) VALUES (?, ?, ?)")
            for entry in batch.entries {
                try insert.execute(arguments: [Int64(entry.index), Data(entry.bytes), entry.subject.map { Data($0) }])
                if let effect = entry.effect { try Self.apply(effect, index: entry.index, db) }
            }
            let upsert = try db.cachedStatement(
                sql: "INSERT INTO log_tile (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes")
            for tile in batch.tiles {
                try upsert.execute(arguments: [tile.level, Int64(tile.index), Data(tile.hashes)])
            }
            try Self.insertCheckpoint(batch.checkpoint, db)
        }
    }

    public func publish(size: UInt64, note: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE log_checkpoint SET note = ?, published = 1 WHERE size = ?", arguments: [note, Int64(size)])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "the log has no checkpoint of size \(size)") }
        }
    }

    public func checkpointNotes() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT note FROM log_checkpoint ORDER BY size") }
    }

    public func checkpointNote(size: UInt64) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint WHERE size = ?", arguments: [Int64(size)]) }
    }

    public func firstPublishedNote(covering index: UInt64) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT note FROM log_checkpoint WHERE size > ? AND published = 1 ORDER BY size LIMIT 1", arguments: [Int64(index)])
        }
    }

    public func logSize(asOf unixSeconds: Int64) async throws -> UInt64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(size) FROM log_checkpoint WHERE created_at <= ?", arguments: [unixSeconds])
        }.map { UInt64($0) } ?? 0
    }

    public func entry(at index: UInt64) async throws -> [UInt8]? {
        guard index <= UInt64(Int64.max) else { return nil }
        return try await read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM log_entry WHERE idx = ?"), arguments: [Int64(index)]).map(Array.init)
        }
    }

    public func entries(_ range: Range<UInt64>) async throws -> [[UInt8]] {
        guard range.upperBound <= UInt64(Int64.max) else { throw StoreError(.invalidRequest, "entry range \(range) is out of bounds") }
        return try await read { db in
            try Data.fetchAll(
                db, sql: "SELECT data FROM log_entry WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(range.lowerBound), Int64(range.upperBound)]
            ).map(Array.init)
        }
    }

    public func entryIndices(subject: [UInt8]) async throws -> [UInt64] {
        try await read { db in
            try Int64.fetchAll(db, sql: "SELECT idx FROM log_entry WHERE subject = ? ORDER BY idx", arguments: [Data(subject)])
        }.map { UInt64($0) }
    }

    // MARK: Certificates

    private static let certificateColumns = "serial, kind, issued_at, expires_at, log_index, issued_by, envelope, disclosures"

    public func certificate(serial: [UInt8]) async throws -> CertificateRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.certificateColumns) FROM certificate WHERE serial = ?", arguments: [Data(serial)])
                .map(Self.certificate(from:))
        }
    }

    public func certificates(matching query: CertificateQuery) async throws -> [CertificateRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let text = query.text, !text.isEmpty {
            // instr, not LIKE: an exact substring (LIKE ignores ASCII case and
            // has wildcards), as PostgreSQL's strpos is.
            conditions.append("instr(search_text, ?) > 0")
            arguments += [text]
        }
        if let serial = query.serial {
            conditions.append("serial = ?")
            arguments += [Data(serial)]
        }
        if let kind = query.kind {
            conditions.append("kind = ?")
            arguments += [kind]
        }
        if let from = query.issuedFrom {
            conditions.append("issued_at >= ?")
            arguments += [from]
        }
        if let until = query.issuedUntil {
            conditions.append("issued_at < ?")
            arguments += [until]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        arguments += [max(1, min(query.limit, 1000))]
        let bound = arguments
        let sql = "SELECT \(Self.certificateColumns) FROM certificate\(whereClause) ORDER BY issued_at DESC, log_index DESC LIMIT ?"
        return try await read { db in try Row.fetchAll(db, sql: sql, arguments: bound).map(Self.certificate(from:)) }
    }

    /// `%needle%` with the needle's own `%`, `_` and `\` taken literally
    /// (PostgreSQL's LIKE, which is case-sensitive, uses it).
    static func likePattern(containing needle: String) -> String {
        let escaped = needle.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return "%\(escaped)%"
    }

    public func certificateCounts(from: Int64, until: Int64) async throws -> [String: Int] {
        try await read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kind, COUNT(*) AS n FROM certificate WHERE issued_at >= ? AND issued_at < ? GROUP BY kind",
                arguments: [from, until])
            {
                out[row["kind"]] = row["n"]
            }
            return out
        }
    }

    public func certificateStatus(serial: [UInt8]) async throws -> CertificateStatus? {
        try await read { db in try Self.status(serial: serial, db) }
    }

    public func statusSnapshot() async throws -> StatusSnapshot {
        try await read { db in
            guard let note = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1") else {
                throw StoreError(.notFound, "the log has no checkpoint")
            }
            var entries: [UInt64: CertificateStatus] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.log_index, s.state, s.reason, s.at, s.successor_index, n.serial AS successor
                    FROM certificate_status s JOIN certificate c ON c.serial = s.serial
                    LEFT JOIN certificate n ON n.log_index = s.successor_index
                    """)
            while let row = try rows.next() {
                let index: Int64 = row["log_index"]
                entries[UInt64(index)] = try Self.status(from: row)
            }
            return StatusSnapshot(latestNote: note, entries: entries)
        }
    }

    // MARK: Subject keys

    public func registerSubjectKey(reference: String, key: [UInt8], at unixSeconds: Int64, audit: AuditNote?) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE subject_key SET replaced_at = ? WHERE reference = ? AND replaced_at IS NULL", arguments: [unixSeconds, reference])
            let replaced = db.changesCount > 0
            try db.execute(
                sql: "INSERT INTO subject_key (reference, public_key, registered_at) VALUES (?, ?, ?)",
                arguments: [reference, Data(key), unixSeconds])
            if let audit { try Self.appendAudit(audit, db) }
            return replaced
        }
    }

    public func currentSubjectKey(reference: String) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT public_key FROM subject_key WHERE reference = ? AND replaced_at IS NULL", arguments: [reference])
                .map(Array.init)
        }
    }

    public func subjectKeyHistory(reference: String) async throws -> [SubjectKeyRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM subject_key WHERE reference = ? ORDER BY id", arguments: [reference]).map { row in
                SubjectKeyRecord(
                    reference: row["reference"], publicKey: Array(row["public_key"] as Data), registeredAt: row["registered_at"],
                    replacedAt: row["replaced_at"])
            }
        }
    }

    // MARK: Staff and tokens

    private static let userColumns = "id, login, display_name, role, disabled, created_at"

    public func addUser(_ user: NewUser, audit: AuditNote?) async throws -> UserRecord {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM account_user WHERE login = ?", arguments: [user.login]) == nil else {
                throw StoreError(
                    .duplicate,
                    "ログイン名「\(user.login)」はすでに使われています / the login '\(user.login)' is taken; choose another one")
            }
            try db.execute(
                sql: """
                    INSERT INTO account_user (login, display_name, role, password_hash, created_at, password_changed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [user.login, user.displayName, user.role, user.passwordHash, user.createdAtMillis, user.createdAtMillis])
            let record = UserRecord(
                id: db.lastInsertedRowID, login: user.login, displayName: user.displayName, role: user.role, disabled: false,
                createdAtMillis: user.createdAtMillis)
            if let audit { try Self.appendAudit(audit, db) }
            return record
        }
    }

    public func setPasswordHash(login: String, hash: String, atMillis: Int64, audit: AuditNote?) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE account_user SET password_hash = ?, password_changed_at = ? WHERE login = ?", arguments: [hash, atMillis, login])
            guard db.changesCount == 1 else { throw Self.unknownUser(login) }
            // Whoever knew the old password (the reason it is changed) is signed out.
            try db.execute(sql: "DELETE FROM account_session WHERE user_id = (SELECT id FROM account_user WHERE login = ?)", arguments: [login])
            if let audit { try Self.appendAudit(audit, db) }
        }
    }

    public func setRole(login: String, role: String, audit: AuditNote?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE account_user SET role = ? WHERE login = ?", arguments: [role, login])
            guard db.changesCount == 1 else { throw Self.unknownUser(login) }
            if let audit { try Self.appendAudit(audit, db) }
        }
    }

    public func setDisabled(login: String, _ disabled: Bool, audit: AuditNote?) async throws {
        try await write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM account_user WHERE login = ?", arguments: [login]) else {
                throw Self.unknownUser(login)
            }
            try db.execute(sql: "UPDATE account_user SET disabled = ? WHERE id = ?", arguments: [disabled ? 1 : 0, id])
            if disabled { try db.execute(sql: "DELETE FROM account_session WHERE user_id = ?", arguments: [id]) }
            if let audit { try Self.appendAudit(audit, db) }
        }
    }

    public func users() async throws -> [UserRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.userColumns) FROM account_user ORDER BY login").map { Self.user(from: $0) }
        }
    }

    public func user(login: String) async throws -> UserRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.userColumns) FROM account_user WHERE login = ?", arguments: [login]).map { Self.user(from: $0) }
        }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.userColumns) FROM account_user WHERE id = ?", arguments: [id]).map { Self.user(from: $0) }
        }
    }

    public func credentials(login: String) async throws -> (UserRecord, passwordHash: String)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.userColumns), password_hash FROM account_user WHERE login = ?", arguments: [login])
            else { return nil }
            return (Self.user(from: row), row["password_hash"])
        }
    }

    public func createSession(_ session: NewSession) async throws -> UserRecord {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.userColumns) FROM account_user WHERE id = ?", arguments: [session.userID]),
                case let user = Self.user(from: row), !user.disabled
            else {
                throw StoreError(.notFound, "利用者が存在しないか利用停止中です / the user does not exist or is disabled")
            }
            try db.execute(sql: "DELETE FROM account_session WHERE expires_at <= ?", arguments: [session.createdAtMillis])
            try db.execute(
                sql: "INSERT INTO account_session (token_hash, user_id, csrf_token, address, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    Data(session.tokenHash), session.userID, session.csrfToken, session.address, session.createdAtMillis, session.expiresAtMillis,
                ])
            return user
        }
    }

    public func session(tokenHash: [UInt8]) async throws -> SessionRecord? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.csrf_token, s.created_at AS session_created, s.expires_at,
                            u.id, u.login, u.display_name, u.role, u.disabled, u.created_at
                        FROM account_session s JOIN account_user u ON u.id = s.user_id
                        WHERE s.token_hash = ?
                        """,
                    arguments: [Data(tokenHash)])
            else { return nil }
            return SessionRecord(
                user: Self.user(from: row), csrfToken: row["csrf_token"], createdAtMillis: row["session_created"],
                expiresAtMillis: row["expires_at"])
        }
    }

    public func endSession(tokenHash: [UInt8]) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM account_session WHERE token_hash = ?", arguments: [Data(tokenHash)]) }
    }

    private static let tokenColumns = "id, name, role, created_at, revoked_at"

    public func createToken(name: String, role: String, secretHash: [UInt8], atMillis: Int64, audit: AuditNote?) async throws -> TokenRecord {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO account_token (name, role, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role, Data(secretHash), atMillis])
            let token = TokenRecord(id: db.lastInsertedRowID, name: name, role: role, createdAtMillis: atMillis, revokedAtMillis: nil)
            if let audit {
                try Self.appendAudit(
                    AuditNote(
                        actor: audit.actor, role: audit.role, action: audit.action, target: audit.target ?? String(token.id), detail: audit.detail,
                        address: audit.address, atMillis: audit.atMillis), db)
            }
            return token
        }
    }

    public func token(secretHash: [UInt8]) async throws -> TokenRecord? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.tokenColumns) FROM account_token WHERE secret_hash = ? AND revoked_at IS NULL", arguments: [Data(secretHash)]
            ).map(Self.token(from:))
        }
    }

    public func revokeToken(id: Int64, atMillis: Int64, audit: AuditNote?) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM account_token WHERE id = ?", arguments: [id]) != nil else {
                throw StoreError(
                    .notFound,
                    "トークン番号 \(id) はありません。`akashi token list` で番号を確認してください / there is no API token \(id); see `akashi token list`")
            }
            try db.execute(sql: "UPDATE account_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [atMillis, id])
            if let audit { try Self.appendAudit(audit, db) }
        }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT \(Self.tokenColumns) FROM account_token ORDER BY id").map(Self.token(from:)) }
    }

    // MARK: Audit

    public func appendAudit(_ note: AuditNote) async throws -> AuditEvent {
        try await write { db in try Self.appendAudit(note, db) }
    }

    public func auditEvents(_ filter: AuditFilter, limit: Int, offset: Int) async throws -> [AuditEvent] {
        let (condition, arguments) = Self.auditCondition(filter)
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit_event\(condition) ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [max(0, limit), max(0, offset)]
            ).map(Self.auditEvent(from:))
        }
    }

    public func auditEvents(_ filter: AuditFilter, afterSeq: Int64, limit: Int) async throws -> [AuditEvent] {
        let (condition, arguments) = Self.auditCondition(filter, afterSeq: afterSeq)
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_event\(condition) ORDER BY seq LIMIT ?", arguments: arguments + [max(0, limit)])
                .map(Self.auditEvent(from:))
        }
    }

    public func auditCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_event") ?? 0 }
    }

    public func idempotentResponse(key: String) async throws -> [UInt8]? {
        try await read { db in try Data.fetchOne(db, sql: "SELECT response FROM idempotency WHERE key = ?", arguments: [key]).map(Array.init) }
    }

    // MARK: Inside transactions

    private static func insertCheckpoint(_ checkpoint: StoredCheckpoint, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO log_checkpoint (size, root, note, created_at, published) VALUES (?, ?, ?, ?, ?)",
            arguments: [Int64(checkpoint.size), Data(checkpoint.rootHash), checkpoint.note, checkpoint.createdAt, checkpoint.published ? 1 : 0])
    }

    private static func apply(_ effect: StoreEffect, index: UInt64, _ db: Database) throws {
        switch effect {
        case .issue(let certificate, let audit):
            try db.cachedStatement(
                sql: """
                    INSERT INTO certificate (serial, kind, issued_at, expires_at, envelope, log_index, issued_by, search_text, disclosures)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                Data(certificate.serial), certificate.kind, certificate.issuedAt, certificate.expiresAt, Data(certificate.envelope),
                Int64(index), certificate.issuedBy, certificate.searchText, Data(certificate.disclosures),
            ])
            if let idempotency = certificate.idempotency {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM idempotency WHERE key = ?", arguments: [idempotency.key]) == nil else {
                    throw StoreError(.duplicate, "the idempotency key '\(idempotency.key)' was used already")
                }
                try db.execute(
                    sql: "INSERT INTO idempotency (key, response, log_index) VALUES (?, ?, ?)",
                    arguments: [idempotency.key, Data(idempotency.response), Int64(index)])
            }
            if let audit { try appendAudit(audit.naming(logIndex: index), db) }
        case .revoke(let serial, let reason, let at, let audit):
            try requireValid(serial, db)
            try db.execute(
                sql: "INSERT INTO certificate_status (serial, state, reason, at, successor_index, lifecycle_index) VALUES (?, 'revoked', ?, ?, NULL, ?)",
                arguments: [Data(serial), reason, at, Int64(index)])
            if let audit { try appendAudit(audit.naming(logIndex: index), db) }
        case .supersede(let serial, let successorIndex, let at, let audit):
            try requireValid(serial, db)
            try db.execute(
                sql: "INSERT INTO certificate_status (serial, state, reason, at, successor_index, lifecycle_index) VALUES (?, 'superseded', NULL, ?, ?, ?)",
                arguments: [Data(serial), at, Int64(successorIndex), Int64(index)])
            if let audit { try appendAudit(audit.naming(logIndex: index), db) }
        case .audit(let note):
            try appendAudit(note.naming(logIndex: index), db)
        }
    }

    /// Checked inside the transaction: two clerks revoking at once get one revocation.
    private static func requireValid(_ serial: [UInt8], _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM certificate WHERE serial = ?", arguments: [Data(serial)]) != nil else {
            throw StoreError(.notFound, "no certificate has this serial")
        }
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM certificate_status WHERE serial = ?", arguments: [Data(serial)]) == nil else {
            throw StoreError(.conflict, "証明書はすでに失効または置き換え済みです / the certificate is already revoked or superseded")
        }
    }

    @discardableResult
    private static func appendAudit(_ note: AuditNote, _ db: Database) throws -> AuditEvent {
        // Cached statements: this runs once per issuance inside the log's batch transaction.
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"))
        let event = try AuditEvent.following(last.map { (seq: $0["seq"], hash: Array($0["hash"] as Data)) }, note)
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_event (seq, at, actor, role, action, target, detail, address, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            event.seq, event.atMillis, event.actor, event.role, event.action, event.target, event.detail, event.address,
            Data(event.previousHash), Data(event.hash),
        ])
        return event
    }

    // MARK: Rows

    private static func status(serial: [UInt8], _ db: Database) throws -> CertificateStatus? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT s.state, s.reason, s.at, s.successor_index, c.serial AS successor
                FROM certificate_status s LEFT JOIN certificate c ON c.log_index = s.successor_index
                WHERE s.serial = ?
                """, arguments: [Data(serial)]
        ).map(status(from:))
    }

    private static func status(from row: Row) throws -> CertificateStatus {
        let at: Int64 = row["at"]
        switch row["state"] as String {
        case "revoked":
            return .revoked(reason: row["reason"] ?? "", at: at)
        case "superseded":
            let successor: Data? = row["successor"]
            let index: Int64 = row["successor_index"]
            return .superseded(successor: successor.map(Array.init), successorIndex: UInt64(index), at: at)
        case let other:
            throw StoreError(.corrupt, "unknown certificate state '\(other)'")
        }
    }

    private static func certificate(from row: Row) -> CertificateRecord {
        let index: Int64 = row["log_index"]
        return CertificateRecord(
            serial: Array(row["serial"] as Data), kind: row["kind"], issuedAt: row["issued_at"], expiresAt: row["expires_at"],
            logIndex: UInt64(index), issuedBy: row["issued_by"], envelope: Array(row["envelope"] as Data),
            disclosures: Array(row["disclosures"] as Data))
    }

    private static func user(from row: Row) -> UserRecord {
        UserRecord(
            id: row["id"], login: row["login"], displayName: row["display_name"], role: row["role"], disabled: (row["disabled"] as Int64) != 0,
            createdAtMillis: row["created_at"])
    }

    private static func token(from row: Row) -> TokenRecord {
        TokenRecord(id: row["id"], name: row["name"], role: row["role"], createdAtMillis: row["created_at"], revokedAtMillis: row["revoked_at"])
    }

    private static func auditEvent(from row: Row) -> AuditEvent {
        AuditEvent(
            seq: row["seq"], atMillis: row["at"], actor: row["actor"], role: row["role"], action: row["action"], target: row["target"],
            detail: row["detail"], address: row["address"], previousHash: Array(row["previous_hash"] as Data), hash: Array(row["hash"] as Data))
    }

    private static func auditCondition(_ filter: AuditFilter, afterSeq: Int64? = nil) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let afterSeq {
            clauses.append("seq > ?")
            arguments += [afterSeq]
        }
        if let since = filter.sinceMillis {
            clauses.append("at >= ?")
            arguments += [since]
        }
        if let until = filter.untilMillis {
            clauses.append("at < ?")
            arguments += [until]
        }
        if let actor = filter.actor {
            clauses.append("actor = ?")
            arguments += [actor]
        }
        if let action = filter.action {
            clauses.append("action = ?")
            arguments += [action]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    private static func unknownUser(_ login: String) -> StoreError {
        StoreError(
            .notFound,
            "利用者「\(login)」は登録されていません。`akashi user list` で確認してください / there is no user '\(login)'; see `akashi user list`")
    }

    // MARK: Running

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await Self.translatingAsync { try await self.database.read(body) }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await Self.translatingAsync { try await self.database.write(body) }
    }

    /// SQLite's errors as ``StoreError``s: busy → `.unavailable` with the
    /// advice to retry; a constraint → `.conflict`; our own errors pass through.
    private static func translatingAsync<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError { throw error } catch let error as DatabaseError {
            throw translate(error)
        }
    }

    private static func translating<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as StoreError { throw error } catch let error as DatabaseError { throw translate(error) }
    }

    private static func translate(_ error: DatabaseError) -> StoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            StoreError(.unavailable, "データベースが他の処理で使用中です。しばらくして再試行してください / the database is busy (another process holds it); try again")
        case .SQLITE_CONSTRAINT:
            StoreError(.conflict, "the database refused the change: \(error.message ?? "constraint failed")")
        case .SQLITE_READONLY:
            StoreError(.invalidRequest, "the database was opened read-only")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            StoreError(.corrupt, "the database file is damaged: \(error.message ?? "")")
        default:
            StoreError(.unavailable, "SQLite: \(error.message ?? "\(error.resultCode)")")
        }
    }
}

/// The log's writer lock: an exclusive `flock` on a file beside the database,
/// held for the life of the lease. The kernel drops it when the process dies,
/// even by `kill -9`, so a restarted server takes over at once.
final class FileLease: SequencerLease, @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32

    init(path: String) throws {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(.unavailable, "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw StoreError(.locked, "another process is writing this log (\(path) is locked); stop it or wait for it to finish")
        }
        self.fd = fd
    }

    var isHeld: Bool {
        get async { lock.withLock { fd >= 0 } }
    }

    func release() async { close() }

    private func close() {
        lock.withLock {
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            Glibc.close(fd)
            fd = -1
        }
    }

    deinit { close() }
}

/// The sequencer of an in-memory store: one holder per store.
final class MemoryLock: @unchecked Sendable {
    private let lock = NSLock()
    private var held = false

    func acquire() throws -> any SequencerLease {
        try lock.withLock {
            guard !held else { throw StoreError(.locked, "the in-memory log's sequencer is held") }
            held = true
        }
        return Lease(owner: self)
    }

    fileprivate func free() { lock.withLock { held = false } }

    final class Lease: SequencerLease, @unchecked Sendable {
        private let owner: MemoryLock
        private let lock = NSLock()
        private var held = true

        init(owner: MemoryLock) { self.owner = owner }

        var isHeld: Bool {
            get async { lock.withLock { held } }
        }

        func release() async { close() }

        private func close() {
            let wasHeld = lock.withLock {
                defer { held = false }
                return held
            }
            if wasHeld { owner.free() }
        }

        deinit { close() }
    }
}
