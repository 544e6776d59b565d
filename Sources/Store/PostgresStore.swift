import AkashiCrypto
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One PostgreSQL database holding many authorities: a connection pool
/// (postgres-nio's `PostgresClient`) and the schema of ``PostgresSchema``.
///
/// The deployment a prefecture or an operator runs: many towns in one
/// service, two or more `akashi serve` processes on the same database, each
/// log with exactly one sequencer at a time (``PostgresStore/acquireSequencer()``).
/// Each authority's rows are keyed by its code; ``store(authority:)`` hands
/// out the ``AuthorityStore`` of one of them.
///
/// Call ``run()`` in a task of its own before anything else (and keep it
/// running): postgres-nio's pool leases no connection without it, so every
/// operation would wait.
public final class PostgresDatabase: Sendable {
    let client: PostgresClient
    /// The same server, database and user, for sessions of their own (the sequencer's lock).
    let sessionConfiguration: PostgresConnection.Configuration
    let logger: Logger
    /// What postgres-nio may log: never below debug, since its trace level
    /// prints the rows it receives (password hashes among them).
    let driverLogger: Logger
    /// `user@host:port/db`, without the password, for messages.
    public let target: String
    private let nextSessionID = Atomic<Int>(1_000_000)

    /// Connects to `url`:
    ///
    ///     postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]
    ///     postgres://USER[:PASSWORD]@/DB?host=/run/postgresql      (a Unix socket directory)
    ///
    /// `postgresql://` works as well; user, password and database may be
    /// percent-encoded; an IPv6 host goes in brackets. TLS: off on loopback
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) and on Unix sockets; required
    /// for any other host, with the server's certificate verified against the
    /// system's roots and its name (for an IP address only the chain).
    /// `sslmode=disable` turns TLS off, `sslmode=require` or `verify-full`
    /// turn it on everywhere — both verify fully, stricter than libpq's
    /// `require`. Nothing else (other parameters, a fragment, a path of more
    /// than one segment) is accepted: ``StoreError/Code/invalidRequest``.
    ///
    /// Nothing connects yet; the first operation does (after ``run()``).
    /// The password is never logged nor part of an error message.
    public init(url: String, logger: Logger = Logger(label: "akashi.postgres")) throws {
        let parsed = try PostgresURL(url)
        self.logger = logger
        var driverLogger = logger
        driverLogger.logLevel = max(logger.logLevel, .debug)
        self.driverLogger = driverLogger
        self.target = parsed.description

        var pool: PostgresClient.Configuration
        var session: PostgresConnection.Configuration
        switch parsed.endpoint {
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS
            let sessionTLS: PostgresConnection.Configuration.TLS
            if parsed.tls {
                let configuration = TLSConfiguration.makeClientConfiguration()
                tls = .require(configuration)
                do { sessionTLS = .require(try NIOSSLContext(configuration: configuration)) } catch {
                    throw StoreError(.invalidRequest, "PostgreSQL の TLS を設定できません / cannot set up TLS for PostgreSQL: \(error)")
                }
            } else {
                tls = .disable
                sessionTLS = .disable
            }
            pool = .init(host: host, port: port, username: parsed.user, password: parsed.password, database: parsed.database, tls: tls)
            session = .init(host: host, port: port, username: parsed.user, password: parsed.password, database: parsed.database, tls: sessionTLS)
        case .unix(let path):
            pool = .init(unixSocketPath: path, username: parsed.user, password: parsed.password, database: parsed.database)
            session = .init(unixSocketPath: path, username: parsed.user, password: parsed.password, database: parsed.database)
        }
        pool.options.additionalStartupParameters = [("application_name", "akashi")]
        // The sequencer's session: the server notices a vanished holder (a
        // machine that lost power, a cut cable) within about 30 s and drops its
        // lock, instead of after the kernel's two-hour keep-alive. Ignored on
        // Unix sockets, where the kernel tells the server at once.
        session.options.additionalStartupParameters = [
            ("application_name", "akashi-sequencer"), ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"),
            ("tcp_keepalives_count", "3"), ("tcp_user_timeout", "20000"),
        ]
        self.sessionConfiguration = session
        self.client = PostgresClient(configuration: pool, backgroundLogger: driverLogger)
    }

    /// Drives the pool; run it in a task (or a swift-service-lifecycle
    /// `ServiceGroup`: it ends on graceful shutdown) for as long as the
    /// database is used. Cancelling it closes every pooled connection.
    public func run() async {
        await client.run()
    }

    /// Connects once, outside the pool, and runs `SELECT 1`: a command's first
    /// check that the server is there, which fails at once (or after the
    /// connect timeout, 10 s) with ``StoreError/Code/unavailable`` and the
    /// driver's reason, where the pool would keep retrying for a minute.
    public func ping() async throws {
        let connection = try await translatingErrors {
            try await PostgresConnection.connect(configuration: sessionConfiguration, id: makeSessionID(), logger: driverLogger)
        }
        defer { Task { try? await connection.close() } }
        try await translatingErrors { try await execute("SELECT 1", on: connection) }
    }

    /// Creates or upgrades the schema: the migrations of ``PostgresSchema``
    /// that `akashi_migration` does not list, in one transaction, under a
    /// transaction-level advisory lock — so concurrent callers (two servers
    /// starting together) are safe, and a failure leaves the schema as it
    /// was. Idempotent. Refuses a database migrated by a newer akashi.
    public func migrate() async throws {
        try await transaction { connection in
            let (high, low) = LockKeys.pair("akashi.migrate")
            try await self.execute("SELECT pg_advisory_xact_lock(\(high), \(low))", on: connection)
            try await self.execute(PostgresQuery(unsafeSQL: PostgresSchema.migrationTable), on: connection)
            let applied = Set(try await self.rows("SELECT version FROM akashi_migration", on: connection).map { try $0.decode(Int64.self) })
            let known = Set(PostgresSchema.migrations.map(\.version))
            if let newer = applied.subtracting(known).max() {
                throw StoreError(
                    .invalidRequest,
                    "データベースの構成（版 \(newer)）はこの akashi より新しいものです / the database schema (version \(newer)) is newer than this akashi knows; upgrade akashi")
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await self.execute(PostgresQuery(unsafeSQL: statement), on: connection)
                }
                try await self.execute(
                    "INSERT INTO akashi_migration (version, name) VALUES (\(migration.version), \(migration.name))", on: connection)
                self.logger.info("migrated", metadata: ["postgres.migration": "\(migration.name)"])
            }
        }
    }

    /// Registers an authority: its code (1 to 64 characters, no spaces or
    /// controls) and an opaque configuration document (its config.json
    /// bytes, say); ``StoreError/Code/duplicate`` if the code exists.
    public func addAuthority(code: String, configuration: [UInt8]) async throws {
        try Self.checkCode(code)
        let inserted = try await withConnection { connection in
            try await self.rows(
                """
                INSERT INTO authority (code, configuration) VALUES (\(code), \(ByteBuffer(bytes: configuration)))
                ON CONFLICT (code) DO NOTHING RETURNING code
                """, on: connection
            ).count
        }
        guard inserted == 1 else {
            throw StoreError(.duplicate, "団体コード \(code) はすでに登録されています / the authority \(code) is registered already")
        }
    }

    /// Replaces an authority's configuration document; ``StoreError/Code/notFound`` for an unknown code.
    public func updateConfiguration(code: String, configuration: [UInt8]) async throws {
        let updated = try await withConnection { connection in
            try await self.rows(
                "UPDATE authority SET configuration = \(ByteBuffer(bytes: configuration)) WHERE code = \(code) RETURNING code", on: connection
            ).count
        }
        guard updated == 1 else { throw Self.unknownAuthority(code) }
    }

    /// Every authority, by code.
    public func authorities() async throws -> [(code: String, configuration: [UInt8])] {
        let rows = try await withConnection { connection in
            try await self.rows("SELECT code, configuration FROM authority ORDER BY code", on: connection).map {
                let (code, configuration) = try $0.decode((String, ByteBuffer).self)
                return Registered(code: code, configuration: Array(configuration.readableBytesView))
            }
        }
        return rows.map { (code: $0.code, configuration: $0.configuration) }
    }

    private struct Registered: Sendable {
        let code: String
        let configuration: [UInt8]
    }

    /// The store of one authority. Nothing is checked here (no round trip);
    /// its first operation checks that the code is registered and fails with
    /// ``StoreError/Code/notFound`` if not — reads included, so an unknown
    /// town is never mistaken for an empty one.
    public func store(authority: String) -> PostgresStore {
        PostgresStore(database: self, authority: authority)
    }

    static func checkCode(_ code: String) throws {
        guard (1...64).contains(code.count), code.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
        else {
            throw StoreError(.invalidRequest, "団体コードは空白・制御文字を含まない1〜64文字です / an authority code is 1 to 64 characters without spaces or controls")
        }
    }

    static func unknownAuthority(_ code: String) -> StoreError {
        StoreError(
            .notFound,
            "団体コード \(code) は登録されていません。`akashi init --database …` で登録してください / the authority \(code) is not registered in this database; add it with `akashi init --database …`"
        )
    }

    // MARK: Running queries

    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await translatingErrors {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// `body` in one transaction on one pooled connection: BEGIN, `body`,
    /// COMMIT — the caller hears of success only after the server confirmed
    /// the COMMIT (synchronous_commit on: on disk). Any error rolls back.
    /// `snapshot` makes it a read-only REPEATABLE READ transaction, for reads
    /// that must agree with each other.
    func transaction<T: Sendable>(snapshot: Bool = false, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await self.execute(snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", on: connection)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                do { try await self.execute("ROLLBACK", on: connection) } catch {
                    // The session is broken; never hand it out again mid-transaction.
                    try? await connection.close()
                }
                throw error
            }
            do {
                try await self.execute("COMMIT", on: connection)
            } catch let error as PSQLError where error.serverInfo == nil {
                // The connection went away during COMMIT: the server may or may not have committed.
                throw StoreError(
                    .unavailable,
                    "PostgreSQL との接続が確定処理中に切れました。結果を確認してください / the connection to PostgreSQL (\(self.target)) was lost during COMMIT; the change may or may not be stored — read it back before retrying (\(error.code))"
                )
            }
            return value
        }
    }

    /// Runs a statement and reads its result to the end (errors of row-returning
    /// statements arrive with the rows).
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        _ = try await connection.query(query, logger: driverLogger).collect()
    }

    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.query(query, logger: driverLogger).collect()
    }

    func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError { throw error } catch let error as PSQLError {
            throw PostgresErrors.translate(error, target: target)
        } catch let error as PostgresDecodingError {
            throw StoreError(.corrupt, "PostgreSQL の列 \(error.columnName) を読めません / cannot decode column \(error.columnName) (\(error.postgresType))")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The pool's own errors (shut down, connections failing for long): no secrets in them.
            throw StoreError(.unavailable, "PostgreSQL (\(target)) に接続できません / cannot reach PostgreSQL at \(target): \(error)")
        }
    }

    func makeSessionID() -> Int { nextSessionID.add(1, ordering: .relaxed).newValue }

    /// For this module's tests and diagnostics only: one statement of SQL text
    /// (no binds), its rows' cells as text — cast every column to text in the SQL.
    func rawRows(_ sql: String) async throws -> [[String?]] {
        try await withConnection { connection in
            try await self.rows(PostgresQuery(unsafeSQL: sql), on: connection).map { row in
                try row.makeRandomAccess().map { try $0.decode(String?.self) }
            }
        }
    }
}

/// An authority's ``AuthorityStore`` in a ``PostgresDatabase``: every row it
/// reads or writes has `authority = `this code, in every query.
///
/// Writers of one authority are serialized by a transaction-level advisory
/// lock keyed by the code (``lockWriter(_:)``) taken first in every
/// transaction that appends audit rows or commits a log batch; after it, each
/// statement (READ COMMITTED) sees everything the previous holder committed,
/// so the audit chain's head read next is the true head: seq has no gaps and
/// the chain cannot fork, even with several server processes. Other
/// authorities' writers never wait for it.
public final class PostgresStore: AuthorityStore {
    public let authority: String
    public let database: PostgresDatabase
    private let writerKey: (high: Int32, low: Int32)
    private let sequencerKey: Int64
    /// Set once the code was found in `authority` (authorities are never removed).
    private let registered = Atomic<Bool>(false)

    init(database: PostgresDatabase, authority: String) {
        self.database = database
        self.authority = authority
        self.writerKey = LockKeys.pair("akashi.writer:" + authority)
        self.sequencerKey = LockKeys.single("akashi.sequencer:" + authority)
    }

    // MARK: The log

    /// A session-level advisory lock (`pg_try_advisory_lock`, keyed by the
    /// first 8 bytes of SHA-256 of `akashi.sequencer:` + code) held on a
    /// connection of its own, outside the pool. The server releases it when
    /// that session ends — the holder released it, died (`kill -9`: the kernel
    /// closes the socket), or went silent for about 30 s (TCP keep-alives) —
    /// and then another node's `acquireSequencer()` succeeds.
    ///
    /// Losing the lease does not by itself stop a commit already sent on a
    /// pooled connection; that is what ``commit(_:)``'s size check is for: a
    /// second sequencer can never append on top of a batch it did not see.
    public func acquireSequencer() async throws -> any SequencerLease {
        try await ensureRegistered()
        let database = self.database
        let connection = try await database.translatingErrors {
            try await PostgresConnection.connect(
                configuration: database.sessionConfiguration, id: database.makeSessionID(), logger: database.driverLogger)
        }
        do {
            let locked = try await database.translatingErrors {
                try await database.rows("SELECT pg_try_advisory_lock(\(sequencerKey))", on: connection).first?.decode(Bool.self) ?? false
            }
            guard locked else {
                throw StoreError(
                    .locked,
                    "団体 \(authority) の台帳は別のサーバーが書き込み中です / another server holds the sequencer of \(authority)'s log; it takes over when that one stops")
            }
        } catch {
            try? await connection.close()
            throw error
        }
        database.logger.info("sequencer acquired", metadata: ["authority": "\(authority)"])
        return PostgresSequencerLease(connection: connection, key: sequencerKey, authority: authority, database: database)
    }

    /// ``StoreError/Code/invalidRequest`` unless `first` has size 0;
    /// ``StoreError/Code/duplicate`` when the log has a checkpoint already.
    public func initializeLog(_ first: StoredCheckpoint) async throws {
        guard first.size == 0 else {
            throw StoreError(.invalidRequest, "the first checkpoint of a log has size 0, not \(first.size)")
        }
        try await write(locked: true) { connection in
            let exists = try await self.database.rows(
                "SELECT 1 FROM log_checkpoint WHERE authority = \(self.authority) LIMIT 1", on: connection)
            guard exists.isEmpty else { throw StoreError(.duplicate, "the log of \(self.authority) is initialized already") }
            try await self.insertCheckpoint(first, connection)
        }
    }

    /// In one statement (one snapshot). `entryCount` is the highest index + 1
    /// — what the checkpoints say, since ``commit(_:)`` only appends dense
    /// batches — and not COUNT(*), which reads every index entry of a log of
    /// 10^7 entries.
    public func logState() async throws -> LogState? {
        try await read { connection in
            let rows = try await self.database.rows(
                """
                SELECT (SELECT note FROM log_checkpoint WHERE authority = \(self.authority) ORDER BY size DESC LIMIT 1),
                    (SELECT note FROM log_checkpoint WHERE authority = \(self.authority) AND published ORDER BY size DESC LIMIT 1),
                    (SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entry WHERE authority = \(self.authority))
                """, on: connection)
            guard let row = rows.first else { return nil }
            let (latest, published, count) = try row.decode((String?, String?, Int64).self)
            guard let latest else { return nil }
            return LogState(latestNote: latest, publishedNote: published, entryCount: UInt64(count))
        }
    }

    public func tile(level: Int, index: UInt64) async throws -> [UInt8]? {
        guard let index = Int64(exactly: index) else { return nil }
        return try await read { connection in
            try await self.database.rows(
                "SELECT hashes FROM log_tile WHERE authority = \(self.authority) AND level = \(Int64(level)) AND idx = \(index)", on: connection
            ).first.map { try $0.decode(ByteBuffer.self).bytes }
        }
    }

    /// One transaction of five round trips (BEGIN, the writer lock, the stored
    /// size — MAX checkpoint size — with the audit head, one statement that
    /// inserts the entries, certificates, audit rows, tiles, checkpoint and
    /// idempotency rows, COMMIT), each table's rows in one `unnest` of arrays;
    /// two more for status rows (checking each revoked or superseded
    /// certificate exists and has no status yet, then inserting them).
    ///
    /// Besides the protocol's errors, ``StoreError/Code/invalidRequest`` when
    /// the batch is not dense (entry `i` at index `startSize + i`, the
    /// checkpoint of size `startSize + entries.count`): the log's entry count
    /// relies on it. ``StoreError/Code/notFound`` when a revoked or superseded
    /// certificate does not exist; ``StoreError/Code/duplicate`` for an
    /// idempotency key used before (or twice in the batch).
    public func commit(_ batch: LogBatch) async throws {
        for (offset, entry) in batch.entries.enumerated() where entry.index != batch.startSize + UInt64(offset) {
            throw StoreError(.invalidRequest, "entry \(offset) of a batch starting at \(batch.startSize) has index \(entry.index)")
        }
        guard batch.checkpoint.size == batch.startSize + UInt64(batch.entries.count), batch.checkpoint.size <= UInt64(Int64.max) else {
            throw StoreError(
                .invalidRequest,
                "a batch of \(batch.entries.count) entries from \(batch.startSize) ends at size \(batch.startSize + UInt64(batch.entries.count)), not \(batch.checkpoint.size)"
            )
        }
        let rows = try BatchRows(batch)
        try await write(locked: true) { connection in
            let head = try await self.database.rows(
                """
                SELECT (SELECT MAX(size) FROM log_checkpoint WHERE authority = \(self.authority)), a.seq, a.hash
                FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                    SELECT seq, hash FROM audit_event WHERE authority = \(self.authority) ORDER BY seq DESC LIMIT 1
                ) AS a ON true
                """, on: connection)
            let (stored, seq, hash) = try head[0].decode((Int64?, Int64?, ByteBuffer?).self)
            guard let stored, stored == Int64(batch.startSize) else {
                throw StoreError(
                    .conflict,
                    "another writer changed the log (stored size \(stored.map(String.init) ?? "none"), expected \(batch.startSize))")
            }
            var previous: (seq: Int64, hash: [UInt8])? = seq.map { ($0, hash?.bytes ?? []) }
            var events: [AuditEvent] = []
            events.reserveCapacity(rows.auditNotes.count)
            for note in rows.auditNotes {
                let event = try AuditEvent.following(previous, note)
                events.append(event)
                previous = (event.seq, event.hash)
            }

            // Everything but the status rows in one statement (one round trip):
            // data-modifying CTEs all run, and foreign keys between them are
            // checked at the statement's end.
            var q = PGStatement(authority: self.authority)
            var parts: [String] = []
            if !batch.entries.isEmpty {
                parts.append(
                    """
                    INSERT INTO log_entry (authority, idx, data, subject)
                    SELECT $1, * FROM unnest(\(q.bind(rows.entryIndex))::bigint[], \(q.bind(rows.entryData))::bytea[], \(q.bind(rows.entrySubject))::bytea[])
                    """)
            }
            if !rows.certificates.serial.elements.isEmpty {
                let c = rows.certificates
                parts.append(
                    """
                    INSERT INTO certificate (authority, serial, kind, issued_at, expires_at, envelope, disclosures, log_index, issued_by, search_text)
                    SELECT $1, * FROM unnest(\(q.bind(c.serial))::bytea[], \(q.bind(c.kind))::text[], \(q.bind(c.issuedAt))::bigint[],
                        \(q.bind(c.expiresAt))::bigint[], \(q.bind(c.envelope))::bytea[], \(q.bind(c.disclosures))::bytea[], \(q.bind(c.logIndex))::bigint[],
                        \(q.bind(c.issuedBy))::text[], \(q.bind(c.searchText))::text[])
                    """)
            }
            if !events.isEmpty {
                parts.append(Self.auditInsert(events, &q))
            }
            if !rows.tileLevel.elements.isEmpty {
                parts.append(
                    """
                    INSERT INTO log_tile (authority, level, idx, hashes)
                    SELECT $1, * FROM unnest(\(q.bind(rows.tileLevel))::bigint[], \(q.bind(rows.tileIndex))::bigint[], \(q.bind(rows.tileHashes))::bytea[])
                    ON CONFLICT (authority, level, idx) DO UPDATE SET hashes = excluded.hashes
                    """)
            }
            let checkpoint = batch.checkpoint
            parts.append(
                """
                INSERT INTO log_checkpoint (authority, size, root, note, created_at, published)
                VALUES ($1, \(q.bind(Int64(checkpoint.size))), \(q.bind(ByteBuffer(bytes: checkpoint.rootHash))), \(q.bind(checkpoint.note)),
                    \(q.bind(checkpoint.createdAt)), \(q.bind(checkpoint.published)))
                """)
            // Idempotency keys last: the statement returns the keys it stored,
            // so a key used before (or twice here) is found without another query.
            let result: String
            if rows.idempotencyKeys.isEmpty {
                result = "SELECT NULL::text"
            } else {
                parts.append(
                    """
                    INSERT INTO idempotency (authority, key, response, log_index)
                    SELECT $1, * FROM unnest(\(q.bind(PGArray(rows.idempotencyKeys)))::text[], \(q.bind(rows.idempotencyResponse))::bytea[],
                        \(q.bind(rows.idempotencyIndex))::bigint[])
                    ON CONFLICT (authority, key) DO NOTHING RETURNING key
                    """)
                result = "SELECT key FROM w\(parts.count - 1)"
            }
            let sql = "WITH " + parts.enumerated().map { "w\($0.offset) AS (\($0.element))" }.joined(separator: ", ") + " " + result
            let returned = try await self.database.rows(q.query(sql), on: connection)
            if !rows.idempotencyKeys.isEmpty, returned.count != rows.idempotencyKeys.count {
                var seen = Set(try returned.map { try $0.decode(String.self) })
                let used = rows.idempotencyKeys.first { seen.remove($0) == nil } ?? rows.idempotencyKeys[0]
                throw StoreError(.duplicate, "the idempotency key '\(used)' was used already")
            }
            // After the certificates: a batch may revoke or supersede one it issued.
            if !rows.statusSerials.isEmpty {
                try await self.requireValid(rows.statusSerials, connection)
                let s = rows.statuses
                try await self.database.execute(
                    """
                    INSERT INTO certificate_status (authority, serial, state, reason, at, successor_index, lifecycle_index)
                    SELECT \(self.authority), * FROM unnest(\(s.serial)::bytea[], \(s.state)::text[], \(s.reason)::text[], \(s.at)::bigint[],
                        \(s.successorIndex)::bigint[], \(s.lifecycleIndex)::bigint[])
                    """, on: connection)
            }
        }
    }

    public func publish(size: UInt64, note: String) async throws {
        guard let size = Int64(exactly: size) else { throw StoreError(.notFound, "the log has no checkpoint of size \(size)") }
        let updated = try await write(locked: false) { connection in
            try await self.database.rows(
                """
                UPDATE log_checkpoint SET note = \(note), published = true WHERE authority = \(self.authority) AND size = \(size) RETURNING size
                """, on: connection
            ).count
        }
        guard updated == 1 else { throw StoreError(.notFound, "the log has no checkpoint of size \(size)") }
    }

    public func checkpointNotes() async throws -> [String] {
        try await read { connection in
            try await self.database.rows("SELECT note FROM log_checkpoint WHERE authority = \(self.authority) ORDER BY size", on: connection)
                .map { try $0.decode(String.self) }
        }
    }

    public func checkpointNote(size: UInt64) async throws -> String? {
        guard let size = Int64(exactly: size) else { return nil }
        return try await read { connection in
            try await self.database.rows(
                "SELECT note FROM log_checkpoint WHERE authority = \(self.authority) AND size = \(size)", on: connection
            ).first.map { try $0.decode(String.self) }
        }
    }

    public func firstPublishedNote(covering index: UInt64) async throws -> String? {
        guard let index = Int64(exactly: index) else { return nil }
        return try await read { connection in
            try await self.database.rows(
                """
                SELECT note FROM log_checkpoint WHERE authority = \(self.authority) AND size > \(index) AND published ORDER BY size LIMIT 1
                """, on: connection
            ).first.map { try $0.decode(String.self) }
        }
    }

    public func logSize(asOf unixSeconds: Int64) async throws -> UInt64 {
        try await read { connection in
            let rows = try await self.database.rows(
                "SELECT MAX(size) FROM log_checkpoint WHERE authority = \(self.authority) AND created_at <= \(unixSeconds)", on: connection)
            return try rows.first?.decode(Int64?.self).map { UInt64($0) } ?? 0
        }
    }

    public func entry(at index: UInt64) async throws -> [UInt8]? {
        guard let index = Int64(exactly: index) else { return nil }
        return try await read { connection in
            try await self.database.rows(
                "SELECT data FROM log_entry WHERE authority = \(self.authority) AND idx = \(index)", on: connection
            ).first.map { try $0.decode(ByteBuffer.self).bytes }
        }
    }

    /// Exactly the rows of `range` (an index range scan), in order.
    public func entries(_ range: Range<UInt64>) async throws -> [[UInt8]] {
        guard range.upperBound <= UInt64(Int64.max) else { throw StoreError(.invalidRequest, "entry range \(range) is out of bounds") }
        guard !range.isEmpty else { return [] }
        return try await read { connection in
            try await self.database.rows(
                """
                SELECT data FROM log_entry WHERE authority = \(self.authority) AND idx >= \(Int64(range.lowerBound)) AND idx < \(Int64(range.upperBound))
                ORDER BY idx
                """, on: connection
            ).map { try $0.decode(ByteBuffer.self).bytes }
        }
    }

    public func entryIndices(subject: [UInt8]) async throws -> [UInt64] {
        try await read { connection in
            try await self.database.rows(
                "SELECT idx FROM log_entry WHERE authority = \(self.authority) AND subject = \(ByteBuffer(bytes: subject)) ORDER BY idx",
                on: connection
            ).map { UInt64(try $0.decode(Int64.self)) }
        }
    }

    // MARK: Certificates

    private static let certificateColumns = "serial, kind, issued_at, expires_at, log_index, issued_by, envelope, disclosures"

    public func certificate(serial: [UInt8]) async throws -> CertificateRecord? {
        try await read { connection in
            try await self.database.rows(
                """
                SELECT \(unescaped: Self.certificateColumns) FROM certificate
                WHERE authority = \(self.authority) AND serial = \(ByteBuffer(bytes: serial))
                """, on: connection
            ).first.map(Self.certificate(from:))
        }
    }

    /// A plain, case-sensitive substring of the search text (LIKE with `%`,
    /// `_` and `\` of the needle taken literally; the text is folded by the
    /// caller), newest first, 1 to 1,000 rows: a scan of the authority's
    /// certificates, newest first, that stops at `limit` matches.
    public func certificates(matching query: CertificateQuery) async throws -> [CertificateRecord] {
        var sql = "SELECT \(Self.certificateColumns) FROM certificate WHERE authority = $1"
        var binds = PostgresBindings()
        binds.append(authority)
        /// Adds `condition`, its `?` standing for the value `append` binds.
        func bind(_ condition: String, _ append: (inout PostgresBindings) -> Void) {
            append(&binds)
            sql += " AND " + condition.replacingOccurrences(of: "?", with: "$\(binds.count)")
        }
        if let text = query.text, !text.isEmpty {
            bind("search_text LIKE ? ESCAPE '\\'") { $0.append(SQLiteStore.likePattern(containing: text)) }
        }
        if let serial = query.serial { bind("serial = ?") { $0.append(ByteBuffer(bytes: serial)) } }
        if let kind = query.kind { bind("kind = ?") { $0.append(kind) } }
        if let from = query.issuedFrom { bind("issued_at >= ?") { $0.append(from) } }
        if let until = query.issuedUntil { bind("issued_at < ?") { $0.append(until) } }
        binds.append(Int64(max(1, min(query.limit, 1000))))
        sql += " ORDER BY issued_at DESC, log_index DESC LIMIT $\(binds.count)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await read { connection in
            try await self.database.rows(statement, on: connection).map(Self.certificate(from:))
        }
    }

    public func certificateCounts(from: Int64, until: Int64) async throws -> [String: Int] {
        try await read { connection in
            var out: [String: Int] = [:]
            for row in try await self.database.rows(
                """
                SELECT kind, COUNT(*) FROM certificate
                WHERE authority = \(self.authority) AND issued_at >= \(from) AND issued_at < \(until) GROUP BY kind
                """, on: connection)
            {
                let (kind, count) = try row.decode((String, Int64).self)
                out[kind] = Int(count)
            }
            return out
        }
    }

    public func certificateStatus(serial: [UInt8]) async throws -> CertificateStatus? {
        try await read { connection in
            try await self.database.rows(
                """
                SELECT s.state, s.reason, s.at, s.successor_index, n.serial
                FROM certificate_status s
                LEFT JOIN certificate n ON n.authority = s.authority AND n.log_index = s.successor_index
                WHERE s.authority = \(self.authority) AND s.serial = \(ByteBuffer(bytes: serial))
                """, on: connection
            ).first.map(Self.status(from:))
        }
    }

    /// The newest note and every status, in one REPEATABLE READ snapshot.
    public func statusSnapshot() async throws -> StatusSnapshot {
        try await ensureRegistered()
        return try await database.transaction(snapshot: true) { connection in
            guard
                let note = try await self.database.rows(
                    "SELECT note FROM log_checkpoint WHERE authority = \(self.authority) ORDER BY size DESC LIMIT 1", on: connection
                ).first.map({ try $0.decode(String.self) })
            else {
                throw StoreError(.notFound, "the log has no checkpoint")
            }
            var entries: [UInt64: CertificateStatus] = [:]
            let rows = try await connection.query(
                """
                SELECT s.state, s.reason, s.at, s.successor_index, n.serial, c.log_index
                FROM certificate_status s
                JOIN certificate c ON c.authority = s.authority AND c.serial = s.serial
                LEFT JOIN certificate n ON n.authority = s.authority AND n.log_index = s.successor_index
                WHERE s.authority = \(self.authority)
                """, logger: self.database.driverLogger)
            for try await row in rows {
                let status = try Self.status(from: row)
                let index = try row.makeRandomAccess()[5].decode(Int64.self)
                entries[UInt64(index)] = status
            }
            return StatusSnapshot(latestNote: note, entries: entries)
        }
    }

    // MARK: Subject keys

    /// Under the writer lock, so two registrations of one reference at once
    /// queue up (the second replaces the first) instead of one failing on
    /// the "one current key" index.
    public func registerSubjectKey(reference: String, key: [UInt8], at unixSeconds: Int64, audit: AuditNote?) async throws -> Bool {
        try await write(locked: true) { connection in
            let replaced =
                try await self.database.rows(
                    """
                    UPDATE subject_key SET replaced_at = \(unixSeconds)
                    WHERE authority = \(self.authority) AND reference = \(reference) AND replaced_at IS NULL RETURNING id
                    """, on: connection
                ).count > 0
            try await self.database.execute(
                """
                INSERT INTO subject_key (authority, reference, public_key, registered_at)
                VALUES (\(self.authority), \(reference), \(ByteBuffer(bytes: key)), \(unixSeconds))
                """, on: connection)
            if let audit { try await self.appendAudit([audit], connection) }
            return replaced
        }
    }

    public func currentSubjectKey(reference: String) async throws -> [UInt8]? {
        try await read { connection in
            try await self.database.rows(
                """
                SELECT public_key FROM subject_key WHERE authority = \(self.authority) AND reference = \(reference) AND replaced_at IS NULL
                """, on: connection
            ).first.map { try $0.decode(ByteBuffer.self).bytes }
        }
    }

    public func subjectKeyHistory(reference: String) async throws -> [SubjectKeyRecord] {
        try await read { connection in
            try await self.database.rows(
                """
                SELECT reference, public_key, registered_at, replaced_at FROM subject_key
                WHERE authority = \(self.authority) AND reference = \(reference) ORDER BY id
                """, on: connection
            ).map { row in
                let (reference, key, registered, replaced) = try row.decode((String, ByteBuffer, Int64, Int64?).self)
                return SubjectKeyRecord(reference: reference, publicKey: key.bytes, registeredAt: registered, replacedAt: replaced)
            }
        }
    }

    // MARK: Staff and tokens

    private static let userColumns = "id, login, display_name, role, disabled, created_at"

    public func addUser(_ user: NewUser, audit: AuditNote?) async throws -> UserRecord {
        try await write(locked: audit != nil) { connection in
            guard
                let row = try await self.database.rows(
                    """
                    INSERT INTO account_user (authority, login, display_name, role, password_hash, created_at, password_changed_at)
                    VALUES (\(self.authority), \(user.login), \(user.displayName), \(user.role), \(user.passwordHash), \(user.createdAtMillis),
                        \(user.createdAtMillis))
                    ON CONFLICT (authority, login) DO NOTHING RETURNING id
                    """, on: connection
                ).first
            else {
                throw StoreError(
                    .duplicate,
                    "ログイン名「\(user.login)」はすでに使われています / the login '\(user.login)' is taken; choose another one")
            }
            let record = UserRecord(
                id: try row.decode(Int64.self), login: user.login, displayName: user.displayName, role: user.role, disabled: false,
                createdAtMillis: user.createdAtMillis)
            if let audit { try await self.appendAudit([audit], connection) }
            return record
        }
    }

    public func setPasswordHash(login: String, hash: String, atMillis: Int64, audit: AuditNote?) async throws {
        try await write(locked: audit != nil) { connection in
            guard
                let id = try await self.database.rows(
                    """
                    UPDATE account_user SET password_hash = \(hash), password_changed_at = \(atMillis)
                    WHERE authority = \(self.authority) AND login = \(login) RETURNING id
                    """, on: connection
                ).first.map({ try $0.decode(Int64.self) })
            else { throw Self.unknownUser(login) }
            // Whoever knew the old password (the reason it is changed) is signed out.
            try await self.database.execute(
                "DELETE FROM account_session WHERE authority = \(self.authority) AND user_id = \(id)", on: connection)
            if let audit { try await self.appendAudit([audit], connection) }
        }
    }

    public func setRole(login: String, role: String, audit: AuditNote?) async throws {
        try await write(locked: audit != nil) { connection in
            guard
                try await self.database.rows(
                    "UPDATE account_user SET role = \(role) WHERE authority = \(self.authority) AND login = \(login) RETURNING id", on: connection
                ).count == 1
            else { throw Self.unknownUser(login) }
            if let audit { try await self.appendAudit([audit], connection) }
        }
    }

    public func setDisabled(login: String, _ disabled: Bool, audit: AuditNote?) async throws {
        try await write(locked: audit != nil) { connection in
            guard
                let id = try await self.database.rows(
                    "UPDATE account_user SET disabled = \(disabled) WHERE authority = \(self.authority) AND login = \(login) RETURNING id",
                    on: connection
                ).first.map({ try $0.decode(Int64.self) })
            else { throw Self.unknownUser(login) }
            if disabled {
                try await self.database.execute(
                    "DELETE FROM account_session WHERE authority = \(self.authority) AND user_id = \(id)", on: connection)
            }
            if let audit { try await self.appendAudit([audit], connection) }
        }
    }

    public func users() async throws -> [UserRecord] {
        try await read { connection in
            try await self.database.rows(
                "SELECT \(unescaped: Self.userColumns) FROM account_user WHERE authority = \(self.authority) ORDER BY login", on: connection
            ).map(Self.user(from:))
        }
    }

    public func user(login: String) async throws -> UserRecord? {
        try await read { connection in
            try await self.database.rows(
                "SELECT \(unescaped: Self.userColumns) FROM account_user WHERE authority = \(self.authority) AND login = \(login)", on: connection
            ).first.map(Self.user(from:))
        }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await read { connection in
            try await self.database.rows(
                "SELECT \(unescaped: Self.userColumns) FROM account_user WHERE authority = \(self.authority) AND id = \(id)", on: connection
            ).first.map(Self.user(from:))
        }
    }

    public func credentials(login: String) async throws -> (UserRecord, passwordHash: String)? {
        let found = try await read { connection in
            try await self.database.rows(
                """
                SELECT \(unescaped: Self.userColumns), password_hash FROM account_user WHERE authority = \(self.authority) AND login = \(login)
                """, on: connection
            ).first.map { row in Credentials(user: try Self.user(from: row), hash: try row.makeRandomAccess()[6].decode(String.self)) }
        }
        return found.map { ($0.user, passwordHash: $0.hash) }
    }

    private struct Credentials: Sendable {
        let user: UserRecord
        let hash: String
    }

    /// The user must exist in this authority and be enabled
    /// (``StoreError/Code/notFound`` otherwise); expired sessions of this
    /// authority are deleted in the same transaction. The user's row is read
    /// FOR SHARE, so a concurrent disable or password change either waits for
    /// this session (and then deletes it) or commits first (and then this
    /// sees the user disabled).
    public func createSession(_ session: NewSession) async throws -> UserRecord {
        try await write(locked: false) { connection in
            guard
                let user = try await self.database.rows(
                    """
                    SELECT \(unescaped: Self.userColumns) FROM account_user WHERE authority = \(self.authority) AND id = \(session.userID) FOR SHARE
                    """, on: connection
                ).first.map(Self.user(from:)), !user.disabled
            else {
                throw StoreError(.notFound, "利用者が存在しないか利用停止中です / the user does not exist or is disabled")
            }
            try await self.database.execute(
                "DELETE FROM account_session WHERE authority = \(self.authority) AND expires_at <= \(session.createdAtMillis)", on: connection)
            try await self.database.execute(
                """
                INSERT INTO account_session (authority, token_hash, user_id, csrf_token, address, created_at, expires_at)
                VALUES (\(self.authority), \(ByteBuffer(bytes: session.tokenHash)), \(session.userID), \(session.csrfToken), \(session.address),
                    \(session.createdAtMillis), \(session.expiresAtMillis))
                """, on: connection)
            return user
        }
    }

    /// The stored session and its user as they are now, expired or disabled
    /// included (the caller decides), like the SQLite store.
    public func session(tokenHash: [UInt8]) async throws -> SessionRecord? {
        try await read { connection in
            try await self.database.rows(
                """
                SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.created_at, s.csrf_token, s.created_at, s.expires_at
                FROM account_session s JOIN account_user u ON u.authority = s.authority AND u.id = s.user_id
                WHERE s.authority = \(self.authority) AND s.token_hash = \(ByteBuffer(bytes: tokenHash))
                """, on: connection
            ).first.map { row in
                let (_, _, _, _, _, _, csrf, created, expires) = try row.decode((Int64, String, String, String, Bool, Int64, String, Int64, Int64).self)
                return SessionRecord(user: try Self.user(from: row), csrfToken: csrf, createdAtMillis: created, expiresAtMillis: expires)
            }
        }
    }

    public func endSession(tokenHash: [UInt8]) async throws {
        try await read { connection in
            try await self.database.execute(
                "DELETE FROM account_session WHERE authority = \(self.authority) AND token_hash = \(ByteBuffer(bytes: tokenHash))", on: connection)
        }
    }

    private static let tokenColumns = "id, name, role, created_at, revoked_at"

    /// The audit row's target defaults to the new token's id (known only here).
    public func createToken(name: String, role: String, secretHash: [UInt8], atMillis: Int64, audit: AuditNote?) async throws -> TokenRecord {
        try await write(locked: audit != nil) { connection in
            let id = try await self.database.rows(
                """
                INSERT INTO account_token (authority, name, role, secret_hash, created_at)
                VALUES (\(self.authority), \(name), \(role), \(ByteBuffer(bytes: secretHash)), \(atMillis)) RETURNING id
                """, on: connection
            )[0].decode(Int64.self)
            let token = TokenRecord(id: id, name: name, role: role, createdAtMillis: atMillis, revokedAtMillis: nil)
            if let audit {
                try await self.appendAudit(
                    [
                        AuditNote(
                            actor: audit.actor, role: audit.role, action: audit.action, target: audit.target ?? String(token.id), detail: audit.detail,
                            address: audit.address, atMillis: audit.atMillis)
                    ], connection)
            }
            return token
        }
    }

    public func token(secretHash: [UInt8]) async throws -> TokenRecord? {
        try await read { connection in
            try await self.database.rows(
                """
                SELECT \(unescaped: Self.tokenColumns) FROM account_token
                WHERE authority = \(self.authority) AND secret_hash = \(ByteBuffer(bytes: secretHash)) AND revoked_at IS NULL
                """, on: connection
            ).first.map(Self.token(from:))
        }
    }

    public func revokeToken(id: Int64, atMillis: Int64, audit: AuditNote?) async throws {
        try await write(locked: audit != nil) { connection in
            guard
                try await self.database.rows(
                    "SELECT 1 FROM account_token WHERE authority = \(self.authority) AND id = \(id) FOR UPDATE", on: connection
                ).count == 1
            else {
                throw StoreError(
                    .notFound,
                    "トークン番号 \(id) はありません。`akashi token list` で番号を確認してください / there is no API token \(id); see `akashi token list`")
            }
            try await self.database.execute(
                """
                UPDATE account_token SET revoked_at = \(atMillis) WHERE authority = \(self.authority) AND id = \(id) AND revoked_at IS NULL
                """, on: connection)
            if let audit { try await self.appendAudit([audit], connection) }
        }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await read { connection in
            try await self.database.rows(
                "SELECT \(unescaped: Self.tokenColumns) FROM account_token WHERE authority = \(self.authority) ORDER BY id", on: connection
            ).map(Self.token(from:))
        }
    }

    // MARK: Audit

    public func appendAudit(_ note: AuditNote) async throws -> AuditEvent {
        try await write(locked: true) { connection in try await self.appendAudit([note], connection)[0] }
    }

    public func auditEvents(_ filter: AuditFilter, limit: Int, offset: Int) async throws -> [AuditEvent] {
        var (sql, binds) = auditQuery(filter)
        binds.append(Int64(max(0, limit)))
        binds.append(Int64(max(0, offset)))
        let statement = PostgresQuery(unsafeSQL: sql + " ORDER BY seq DESC LIMIT $\(binds.count - 1) OFFSET $\(binds.count)", binds: binds)
        return try await read { connection in
            try await self.database.rows(statement, on: connection).map(Self.auditEvent(from:))
        }
    }

    /// Keyset pages on the `(authority, seq)` key: each page is one index range scan.
    public func auditEvents(_ filter: AuditFilter, afterSeq: Int64, limit: Int) async throws -> [AuditEvent] {
        var (sql, binds) = auditQuery(filter)
        binds.append(afterSeq)
        sql += " AND seq > $\(binds.count)"
        binds.append(Int64(max(0, limit)))
        let statement = PostgresQuery(unsafeSQL: sql + " ORDER BY seq LIMIT $\(binds.count)", binds: binds)
        return try await read { connection in
            try await self.database.rows(statement, on: connection).map(Self.auditEvent(from:))
        }
    }

    public func auditCount() async throws -> Int {
        try await read { connection in
            Int(
                try await self.database.rows("SELECT count(*) FROM audit_event WHERE authority = \(self.authority)", on: connection)[0]
                    .decode(Int64.self))
        }
    }

    public func idempotentResponse(key: String) async throws -> [UInt8]? {
        try await read { connection in
            try await self.database.rows(
                "SELECT response FROM idempotency WHERE authority = \(self.authority) AND key = \(key)", on: connection
            ).first.map { try $0.decode(ByteBuffer.self).bytes }
        }
    }

    // MARK: Inside transactions

    /// Serializes this authority's writers until the transaction ends. The
    /// two-key form's key space does not overlap the one-key form's of
    /// ``acquireSequencer()``, so the sequencer's session lock never blocks it.
    private func lockWriter(_ connection: PostgresConnection) async throws {
        try await database.execute("SELECT pg_advisory_xact_lock(\(writerKey.high), \(writerKey.low))", on: connection)
    }

    /// Appends `notes` to the chain; the caller holds the writer lock.
    @discardableResult
    private func appendAudit(_ notes: [AuditNote], _ connection: PostgresConnection) async throws -> [AuditEvent] {
        let head = try await database.rows(
            "SELECT seq, hash FROM audit_event WHERE authority = \(authority) ORDER BY seq DESC LIMIT 1", on: connection
        ).first.map { row in
            let (seq, hash) = try row.decode((Int64, ByteBuffer).self)
            return (seq: seq, hash: hash.bytes)
        }
        var previous = head
        var events: [AuditEvent] = []
        for note in notes {
            let event = try AuditEvent.following(previous, note)
            events.append(event)
            previous = (event.seq, event.hash)
        }
        try await insertAudit(events, connection)
        return events
    }

    private func insertAudit(_ events: [AuditEvent], _ connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        var q = PGStatement(authority: authority)
        let sql = Self.auditInsert(events, &q)
        try await database.execute(q.query(sql), on: connection)
    }

    /// `INSERT INTO audit_event … SELECT $1, * FROM unnest(…)` of `events`, binding into `q`.
    private static func auditInsert(_ events: [AuditEvent], _ q: inout PGStatement) -> String {
        let seq = q.bind(PGArray(events.map(\.seq)))
        let at = q.bind(PGArray(events.map(\.atMillis)))
        let actor = q.bind(PGArray(events.map(\.actor)))
        let role = q.bind(PGArray(events.map(\.role)))
        let action = q.bind(PGArray(events.map(\.action)))
        let target = q.bind(PGArray(events.map(\.target)))
        let detail = q.bind(PGArray(events.map(\.detail)))
        let address = q.bind(PGArray(events.map(\.address)))
        let previous = q.bind(PGArray(events.map { ByteBuffer(bytes: $0.previousHash) }))
        let hash = q.bind(PGArray(events.map { ByteBuffer(bytes: $0.hash) }))
        return """
            INSERT INTO audit_event (authority, seq, at, actor, role, action, target, detail, address, previous_hash, hash)
            SELECT $1, * FROM unnest(\(seq)::bigint[], \(at)::bigint[], \(actor)::text[], \(role)::text[], \(action)::text[],
                \(target)::text[], \(detail)::text[], \(address)::text[], \(previous)::bytea[], \(hash)::bytea[])
            """
    }

    private func insertCheckpoint(_ checkpoint: StoredCheckpoint, _ connection: PostgresConnection) async throws {
        guard let size = Int64(exactly: checkpoint.size) else { throw StoreError(.invalidRequest, "checkpoint size \(checkpoint.size) is out of range") }
        try await database.execute(
            """
            INSERT INTO log_checkpoint (authority, size, root, note, created_at, published)
            VALUES (\(authority), \(size), \(ByteBuffer(bytes: checkpoint.rootHash)), \(checkpoint.note), \(checkpoint.createdAt), \(checkpoint.published))
            """, on: connection)
    }

    /// Every certificate to revoke or supersede exists (issued before or
    /// earlier in this batch) and has no status yet, and none is named twice.
    private func requireValid(_ serials: [[UInt8]], _ connection: PostgresConnection) async throws {
        let found = try await database.rows(
            """
            SELECT q.serial, c.serial IS NOT NULL, s.serial IS NOT NULL
            FROM unnest(\(PGArray(serials.map { ByteBuffer(bytes: $0) }))::bytea[]) AS q(serial)
            LEFT JOIN certificate c ON c.authority = \(authority) AND c.serial = q.serial
            LEFT JOIN certificate_status s ON s.authority = \(authority) AND s.serial = q.serial
            """, on: connection)
        var seen = Set<[UInt8]>()
        for row in found {
            let (serial, exists, hasStatus) = try row.decode((ByteBuffer, Bool, Bool).self)
            guard exists else { throw StoreError(.notFound, "証明書番号の証明書はありません / no certificate has this serial") }
            guard !hasStatus, seen.insert(serial.bytes).inserted else {
                throw StoreError(.conflict, "証明書はすでに失効または置き換え済みです / the certificate is already revoked or superseded")
            }
        }
    }

    // MARK: Running

    private func ensureRegistered() async throws {
        guard !registered.load(ordering: .acquiring) else { return }
        let found = try await database.withConnection { connection in
            try await self.database.rows("SELECT 1 FROM authority WHERE code = \(self.authority)", on: connection).count == 1
        }
        guard found else { throw PostgresDatabase.unknownAuthority(authority) }
        registered.store(true, ordering: .releasing)
    }

    private func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ensureRegistered()
        return try await database.withConnection(body)
    }

    /// One transaction; `locked` takes the writer lock first (whatever appends
    /// audit rows, commits the log or must not race another writer).
    private func write<T: Sendable>(locked: Bool, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ensureRegistered()
        return try await database.transaction { connection in
            if locked { try await self.lockWriter(connection) }
            return try await body(connection)
        }
    }

    private func auditQuery(_ filter: AuditFilter) -> (String, PostgresBindings) {
        var sql = "SELECT seq, at, actor, role, action, target, detail, address, previous_hash, hash FROM audit_event WHERE authority = $1"
        var binds = PostgresBindings()
        binds.append(authority)
        if let since = filter.sinceMillis {
            binds.append(since)
            sql += " AND at >= $\(binds.count)"
        }
        if let until = filter.untilMillis {
            binds.append(until)
            sql += " AND at < $\(binds.count)"
        }
        if let actor = filter.actor {
            binds.append(actor)
            sql += " AND actor = $\(binds.count)"
        }
        if let action = filter.action {
            binds.append(action)
            sql += " AND action = $\(binds.count)"
        }
        return (sql, binds)
    }

    // MARK: Rows

    private static func certificate(from row: PostgresRow) throws -> CertificateRecord {
        let (serial, kind, issuedAt, expiresAt, logIndex, issuedBy, envelope, disclosures) = try row.decode(
            (ByteBuffer, String, Int64, Int64?, Int64, String?, ByteBuffer, ByteBuffer).self)
        return CertificateRecord(
            serial: serial.bytes, kind: kind, issuedAt: issuedAt, expiresAt: expiresAt, logIndex: UInt64(logIndex), issuedBy: issuedBy,
            envelope: envelope.bytes, disclosures: disclosures.bytes)
    }

    /// From `state, reason, at, successor_index, successor serial`.
    private static func status(from row: PostgresRow) throws -> CertificateStatus {
        let columns = row.makeRandomAccess()
        let state = try columns[0].decode(String.self)
        let at = try columns[2].decode(Int64.self)
        switch state {
        case "revoked":
            return .revoked(reason: try columns[1].decode(String?.self) ?? "", at: at)
        case "superseded":
            let index = try columns[3].decode(Int64.self)
            return .superseded(successor: try columns[4].decode(ByteBuffer?.self)?.bytes, successorIndex: UInt64(index), at: at)
        default:
            throw StoreError(.corrupt, "unknown certificate state '\(state)'")
        }
    }

    /// From the first six columns, `id, login, display_name, role, disabled, created_at`.
    private static func user(from row: PostgresRow) throws -> UserRecord {
        let columns = row.makeRandomAccess()
        return UserRecord(
            id: try columns[0].decode(Int64.self), login: try columns[1].decode(String.self), displayName: try columns[2].decode(String.self),
            role: try columns[3].decode(String.self), disabled: try columns[4].decode(Bool.self), createdAtMillis: try columns[5].decode(Int64.self))
    }

    private static func token(from row: PostgresRow) throws -> TokenRecord {
        let (id, name, role, created, revoked) = try row.decode((Int64, String, String, Int64, Int64?).self)
        return TokenRecord(id: id, name: name, role: role, createdAtMillis: created, revokedAtMillis: revoked)
    }

    private static func auditEvent(from row: PostgresRow) throws -> AuditEvent {
        let (seq, at, actor, role, action, target, detail, address, previous, hash) = try row.decode(
            (Int64, Int64, String, String?, String, String?, String?, String?, ByteBuffer, ByteBuffer).self)
        return AuditEvent(
            seq: seq, atMillis: at, actor: actor, role: role, action: action, target: target, detail: detail, address: address,
            previousHash: previous.bytes, hash: hash.bytes)
    }

    private static func unknownUser(_ login: String) -> StoreError {
        StoreError(
            .notFound,
            "利用者「\(login)」は登録されていません。`akashi user list` で確認してください / there is no user '\(login)'; see `akashi user list`")
    }
}

/// The sequencer's lease: a session-level advisory lock on a connection of
/// its own. ``isHeld`` is false once released, once the connection closed,
/// or when a `SELECT 1` on it fails or takes more than 5 s (a server that
/// restarted, a cut network) — and then the connection is closed for good,
/// so a lock the server may still hold for it is released too: a lease,
/// once lost, never comes back, and the holder must acquire a new one.
final class PostgresSequencerLease: SequencerLease {
    private let connection: PostgresConnection
    private let key: Int64
    private let authority: String
    private let database: PostgresDatabase
    private let lost = Atomic<Bool>(false)

    init(connection: PostgresConnection, key: Int64, authority: String, database: PostgresDatabase) {
        self.connection = connection
        self.key = key
        self.authority = authority
        self.database = database
    }

    var isHeld: Bool {
        get async {
            guard !lost.load(ordering: .acquiring), !connection.isClosed else {
                markLost()
                return false
            }
            let connection = self.connection
            let logger = database.driverLogger
            let alive = await withTaskGroup(of: Bool?.self) { group in
                group.addTask {
                    do { return try await connection.query("SELECT 1", logger: logger).collect().count == 1 } catch { return false }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    return nil
                }
                let first = await group.next() ?? nil
                // Timed out: closing the session fails the stuck query, so the group can end.
                if first == nil { markLost() }
                group.cancelAll()
                return first ?? false
            }
            if !alive { markLost() }
            return alive
        }
    }

    func release() async {
        guard !lost.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: database.driverLogger).collect()
        try? await connection.close()
        database.logger.info("sequencer released", metadata: ["authority": "\(authority)"])
    }

    private func markLost() {
        guard !lost.exchange(true, ordering: .acquiringAndReleasing) else { return }
        database.logger.warning("sequencer lease lost", metadata: ["authority": "\(authority)"])
        Self.close(connection)
    }

    /// Closes without waiting, keeping the connection alive until it is closed
    /// (postgres-nio asserts that a connection is closed before it goes away).
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    deinit {
        // Dropped without release(): closing the session releases the lock.
        if !lost.load(ordering: .acquiring) { Self.close(connection) }
    }
}

/// Advisory lock keys from names: the first bytes of SHA-256, so every
/// authority has its own and other applications' keys are unlikely to meet ours.
enum LockKeys {
    static func single(_ name: String) -> Int64 {
        let digest = SHA256.hash(Array(name.utf8))
        return digest[0..<8].reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    static func pair(_ name: String) -> (high: Int32, low: Int32) {
        let key = single(name)
        return (Int32(truncatingIfNeeded: key >> 32), Int32(truncatingIfNeeded: key))
    }
}

/// SQL text with numbered parameters, for statements whose parts depend on
/// the data; `$1` is always the authority.
private struct PGStatement {
    private var binds = PostgresBindings()

    init(authority: String) { binds.append(authority) }

    /// Binds `value`; its placeholder (`$n`).
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// A batch's rows as one array per column, for `INSERT … SELECT * FROM unnest(…)`.
private struct BatchRows {
    struct Certificates {
        var serial = PGArray<ByteBuffer>([])
        var kind = PGArray<String>([])
        var issuedAt = PGArray<Int64>([])
        var expiresAt = PGArray<Int64>([])
        var envelope = PGArray<ByteBuffer>([])
        var disclosures = PGArray<ByteBuffer>([])
        var logIndex = PGArray<Int64>([])
        var issuedBy = PGArray<String>([])
        var searchText = PGArray<String>([])
    }

    struct Statuses {
        var serial = PGArray<ByteBuffer>([])
        var state = PGArray<String>([])
        var reason = PGArray<String>([])
        var at = PGArray<Int64>([])
        var successorIndex = PGArray<Int64>([])
        var lifecycleIndex = PGArray<Int64>([])
    }

    var entryIndex = PGArray<Int64>([])
    var entryData = PGArray<ByteBuffer>([])
    var entrySubject = PGArray<ByteBuffer>([])
    var certificates = Certificates()
    var idempotencyKeys: [String] = []
    var idempotencyResponse = PGArray<ByteBuffer>([])
    var idempotencyIndex = PGArray<Int64>([])
    var statusSerials: [[UInt8]] = []
    var statuses = Statuses()
    /// In entry order, each naming its entry's index.
    var auditNotes: [AuditNote] = []
    var tileLevel = PGArray<Int64>([])
    var tileIndex = PGArray<Int64>([])
    var tileHashes = PGArray<ByteBuffer>([])

    init(_ batch: LogBatch) throws {
        for entry in batch.entries {
            let index = Int64(entry.index)
            entryIndex.elements.append(index)
            entryData.elements.append(ByteBuffer(bytes: entry.bytes))
            entrySubject.elements.append(entry.subject.map { ByteBuffer(bytes: $0) })
            switch entry.effect {
            case nil:
                break
            case .issue(let certificate, let audit)?:
                certificates.serial.elements.append(ByteBuffer(bytes: certificate.serial))
                certificates.kind.elements.append(certificate.kind)
                certificates.issuedAt.elements.append(certificate.issuedAt)
                certificates.expiresAt.elements.append(certificate.expiresAt)
                certificates.envelope.elements.append(ByteBuffer(bytes: certificate.envelope))
                certificates.disclosures.elements.append(ByteBuffer(bytes: certificate.disclosures))
                certificates.logIndex.elements.append(index)
                certificates.issuedBy.elements.append(certificate.issuedBy)
                certificates.searchText.elements.append(certificate.searchText)
                if let idempotency = certificate.idempotency {
                    idempotencyKeys.append(idempotency.key)
                    idempotencyResponse.elements.append(ByteBuffer(bytes: idempotency.response))
                    idempotencyIndex.elements.append(index)
                }
                if let audit { auditNotes.append(audit.naming(logIndex: entry.index)) }
            case .revoke(let serial, let reason, let at, let audit)?:
                addStatus(serial: serial, state: "revoked", reason: reason, at: at, successor: nil, index: index)
                if let audit { auditNotes.append(audit.naming(logIndex: entry.index)) }
            case .supersede(let serial, let successorIndex, let at, let audit)?:
                guard let successor = Int64(exactly: successorIndex) else {
                    throw StoreError(.invalidRequest, "successor index \(successorIndex) is out of range")
                }
                addStatus(serial: serial, state: "superseded", reason: nil, at: at, successor: successor, index: index)
                if let audit { auditNotes.append(audit.naming(logIndex: entry.index)) }
            case .audit(let note)?:
                auditNotes.append(note.naming(logIndex: entry.index))
            }
        }
        // One row per tile (the last wins), as sequential upserts would leave it:
        // ON CONFLICT cannot change one row twice in a statement.
        var position: [TileKey: Int] = [:]
        for tile in batch.tiles {
            guard let index = Int64(exactly: tile.index) else { throw StoreError(.invalidRequest, "tile index \(tile.index) is out of range") }
            let key = TileKey(level: tile.level, index: tile.index)
            if let at = position[key] {
                tileHashes.elements[at] = ByteBuffer(bytes: tile.hashes)
            } else {
                position[key] = tileLevel.elements.count
                tileLevel.elements.append(Int64(tile.level))
                tileIndex.elements.append(index)
                tileHashes.elements.append(ByteBuffer(bytes: tile.hashes))
            }
        }
    }

    private mutating func addStatus(serial: [UInt8], state: String, reason: String?, at: Int64, successor: Int64?, index: Int64) {
        statusSerials.append(serial)
        statuses.serial.elements.append(ByteBuffer(bytes: serial))
        statuses.state.elements.append(state)
        statuses.reason.elements.append(reason)
        statuses.at.elements.append(at)
        statuses.successorIndex.elements.append(successor)
        statuses.lifecycleIndex.elements.append(index)
    }

    private struct TileKey: Hashable {
        let level: Int
        let index: UInt64
    }
}

/// A one-dimensional PostgreSQL array in the binary format, NULL elements
/// allowed (postgres-nio's own `Array` encoding has none).
private struct PGArray<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable>: PostgresNonThrowingEncodable {
    var elements: [Element?]

    init(_ elements: [Element?]) { self.elements = elements }
    init(_ elements: [Element]) { self.elements = elements.map { $0 } }

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)  // dimensions
        buffer.writeInteger(elements.contains(where: { $0 == nil }) ? 1 : 0, as: Int32.self)  // has NULLs
        buffer.writeInteger(Element.psqlType.rawValue)  // element type
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(1, as: Int32.self)  // lower bound
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            let start = buffer.writerIndex
            element.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(buffer.writerIndex - start), at: lengthIndex)
        }
    }
}

extension ByteBuffer {
    fileprivate var bytes: [UInt8] { Array(readableBytesView) }
}

/// PostgreSQL's errors as ``StoreError``s. Messages carry the server's
/// message and SQLSTATE but never its DETAIL (which quotes the row: a
/// password or token hash) nor the query's values.
enum PostgresErrors {
    static func translate(_ error: PSQLError, target: String) -> StoreError {
        guard let info = error.serverInfo else {
            var reason = "\(error.code)"
            if let underlying = error.underlying { reason += ": \(underlying)" }
            return StoreError(.unavailable, "PostgreSQL (\(target)) に接続できません / cannot reach PostgreSQL at \(target) (\(reason))")
        }
        let state = info[.sqlState] ?? "?????"
        let message = "PostgreSQL: \(info[.message] ?? "error") (SQLSTATE \(state))"
        switch state {
        case "23503" where info[.constraintName]?.hasSuffix("_authority_fkey") == true:
            return StoreError(.notFound, "the authority is not registered in this database: \(message)")
        case _ where state.hasPrefix("23"), "P0001":
            // Like SQLite's constraint errors; our append-only trigger raises P0001.
            return StoreError(.conflict, "the database refused the change: \(message)")
        case "22021", "22P05":
            return StoreError(.invalidText, "PostgreSQL が保存できない文字です（NUL など）/ text PostgreSQL cannot store (a NUL, say): \(message)")
        case "40001", "40P01", "55P03", "57014":
            return StoreError(.unavailable, "データベースが混み合っています。再試行してください / the database is busy; try again: \(message)")
        case "XX001", "XX002":
            return StoreError(.corrupt, "the database is damaged: \(message)")
        case _ where state.hasPrefix("28"):
            return StoreError(.unavailable, "PostgreSQL (\(target)) に認証されません / PostgreSQL at \(target) refused the credentials: \(message)")
        default:
            return StoreError(.unavailable, message)
        }
    }
}

/// A parsed `postgres://` URL (see ``PostgresDatabase/init(url:logger:)``).
struct PostgresURL: Sendable, CustomStringConvertible {
    enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        /// The socket file (`DIR/.s.PGSQL.PORT`).
        case unix(path: String)
    }

    let user: String
    let password: String?
    let database: String
    let endpoint: Endpoint
    let tls: Bool

    init(_ text: String) throws {
        func invalid(_ why: String) -> StoreError {
            StoreError(
                .invalidRequest,
                "データベースの URL が正しくありません（\(why)）。postgres://利用者@ホスト:ポート/データベース の形にしてください / the database URL is not valid (\(why)); write postgres://USER[:PASSWORD]@HOST[:PORT]/DB"
            )
        }
        guard let components = URLComponents(string: text) else { throw invalid("not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard components.fragment == nil else { throw invalid("a fragment (#…) is not allowed") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user") }
        var database = components.path
        guard database.hasPrefix("/") else { throw invalid("no database") }
        database.removeFirst()
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the path must be one database name") }
        var socketDirectory: String?
        var sslmode: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let value = item.value, value.hasPrefix("/") else { throw invalid("host= must be the absolute path of a socket directory") }
                socketDirectory = value
            case "sslmode":
                guard let value = item.value, ["disable", "require", "verify-full"].contains(value) else {
                    throw invalid("sslmode must be disable, require or verify-full")
                }
                sslmode = value
            default:
                throw invalid("unknown parameter '\(item.name)'; only host= and sslmode= are supported")
            }
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("port \(port)") }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let socketDirectory {
            guard host.isEmpty else { throw invalid("give either a host or host=/socket/dir, not both") }
            endpoint = .unix(path: socketDirectory + "/.s.PGSQL.\(port)")
            tls = false
        } else {
            guard !host.isEmpty else { throw invalid("no host") }
            endpoint = .tcp(host: host, port: port)
            tls = sslmode.map { $0 != "disable" } ?? !Self.isLoopback(host)
        }
        self.user = user
        self.password = components.password
        self.database = database
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Without the password.
    var description: String {
        switch endpoint {
        case .tcp(let host, let port): "\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        case .unix(let path): "\(user)@\(path)/\(database)"
        }
    }
}
