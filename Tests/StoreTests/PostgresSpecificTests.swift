import AkashiCrypto
import Foundation
import StoreTestSupport
import Testing

@testable import Store

/// What only the PostgreSQL store has: its URL, its schema and migrations,
/// the authority registry, the append-only trigger, the sequencer's session
/// lock, and error messages that quote no secrets. (The operations
/// themselves are the conformance suite's, on every engine.)
@Suite("PostgreSQL store specifics", .timeLimit(.minutes(2)))
struct PostgresSpecificTests {
    // MARK: URLs

    @Test("the URL forms the documentation promises")
    func urls() throws {
        let plain = try PostgresURL("postgres://akashi@127.0.0.1:5433/akashi")
        #expect(plain.user == "akashi" && plain.password == nil && plain.database == "akashi")
        #expect(plain.endpoint == .tcp(host: "127.0.0.1", port: 5433) && !plain.tls)

        let remote = try PostgresURL("postgresql://town%40ops:p%40ss%3Aword@db.example.jp/akashi%2Dprod")
        #expect(remote.user == "town@ops" && remote.password == "p@ss:word" && remote.database == "akashi-prod")
        #expect(remote.endpoint == .tcp(host: "db.example.jp", port: 5432) && remote.tls, "TLS is required off loopback")

        #expect(try PostgresURL("postgres://u@[::1]:6000/d").endpoint == .tcp(host: "::1", port: 6000))
        #expect(try !PostgresURL("postgres://u@localhost/d").tls)
        #expect(try PostgresURL("postgres://u@localhost/d?sslmode=require").tls)
        #expect(try !PostgresURL("postgres://u@db.example.jp/d?sslmode=disable").tls)
        let socket = try PostgresURL("postgres://u@/d?host=/run/postgresql")
        #expect(socket.endpoint == .unix(path: "/run/postgresql/.s.PGSQL.5432") && !socket.tls)
    }

    @Test(
        "anything else is invalidRequest, and neither the error nor the description shows the password",
        arguments: [
            "mysql://u:hunter2secret@h/d", "postgres://h/d", "postgres://u:hunter2secret@h", "postgres://u:hunter2secret@h/", "postgres://u@h/a/b",
            "postgres://u:hunter2secret@h/d?sslmode=prefer", "postgres://u@h/d?options=-c%20x", "postgres://u@h/d#frag", "postgres://u@/d",
            "postgres://u@h/d?host=relative", "postgres://u@h/d?host=/tmp", "not a url at all", "",
        ])
    func invalidURLs(url: String) async {
        do {
            _ = try PostgresDatabase(url: url)
            Issue.record("\(url) was accepted")
        } catch let error as StoreError {
            #expect(error.code == .invalidRequest)
            #expect(!error.reason.contains("hunter2secret"), "the message shows the password: \(error.reason)")
        } catch {
            Issue.record("\(url): \(error)")
        }
    }

    @Test("the database's description (used in messages) has no password")
    func descriptionWithoutPassword() throws {
        let url = try PostgresURL("postgres://akashi:hunter2secret@db.example.jp:5433/akashi")
        #expect(url.description == "akashi@db.example.jp:5433/akashi")
        #expect(try PostgresDatabase(url: "postgres://akashi:hunter2secret@127.0.0.1:1/akashi").target == "akashi@127.0.0.1:1/akashi")
    }

    // MARK: Schema

    @Test("migrate is idempotent, and two nodes migrating at once are safe")
    func migrateTwice() async throws {
        let suite = try await TestPostgres.shared.connection()
        let a = try await PostgresNode()
        let b = try await PostgresNode()
        defer {
            a.stop()
            b.stop()
        }
        async let first: Void = a.database.migrate()
        async let second: Void = b.database.migrate()
        _ = try await (first, second)
        try await suite.database.migrate()
        let versions = try await suite.database.rawRows("SELECT version::text, name FROM akashi_migration ORDER BY version")
        #expect(versions == PostgresSchema.migrations.map { [String($0.version), $0.name] })
    }

    @Test("every table but the registry leads its primary key and every index with authority, and references the registry")
    func authorityLeadsEveryKey() async throws {
        let suite = try await TestPostgres.shared.connection()
        let rows = try await suite.database.rawRows(
            """
            SELECT t.relname::text, x.relname::text, a.attname::text
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
            WHERE t.relnamespace = current_schema()::regnamespace AND t.relname NOT IN ('authority', 'akashi_migration')
            """)
        let tables = Set(rows.compactMap { $0[0] })
        #expect(
            tables == [
                "log_entry", "log_tile", "log_checkpoint", "certificate", "certificate_status", "subject_key", "account_user", "account_session",
                "account_token", "audit_event", "idempotency",
            ])
        for row in rows { #expect(row[2] == "authority", "index \(row[1] ?? "?") of \(row[0] ?? "?") leads with \(row[2] ?? "?")") }
        let foreign = try await suite.database.rawRows(
            """
            SELECT c.conrelid::regclass::text FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid = 'authority'::regclass AND c.connamespace = current_schema()::regnamespace
            """)
        // The log's entries and tiles are written only after the checkpoint (which references it) is found.
        #expect(Set(foreign.compactMap { $0[0] }) == tables.subtracting(["log_entry", "log_tile"]), "a table whose authority does not reference the registry")
    }

    @Test("audit_event refuses UPDATE, DELETE and TRUNCATE (the trigger, like SQLite's)")
    func appendOnly() async throws {
        let suite = try await TestPostgres.shared.connection()
        let code = try await suite.addFreshAuthority()
        let store = suite.database.store(authority: code)
        _ = try await store.appendAudit(auditNote("login"))
        for statement in [
            "UPDATE audit_event SET actor = 'mallory' WHERE authority = '\(code)'", "DELETE FROM audit_event WHERE authority = '\(code)'",
            "TRUNCATE audit_event",
        ] {
            await expectStoreError(.conflict, statement) { _ = try await suite.database.rawRows(statement) }
        }
        try await expectIntactChain(store, count: 1)
    }

    // MARK: Authorities

    @Test("the registry: duplicate codes, unknown codes, listing, configuration updates")
    func registry() async throws {
        let database = try await TestPostgres.shared.connection().database
        let code = randomAuthorityCode() + "-r"
        try await database.addAuthority(code: code, configuration: Array(#"{"name":"飯塚市"}"#.utf8))
        await expectStoreError(.duplicate) { try await database.addAuthority(code: code, configuration: []) }
        try await database.updateConfiguration(code: code, configuration: [0, 1, 2, 255])
        #expect(try await database.authorities().first { $0.code == code }?.configuration == [0, 1, 2, 255])
        let codes = try await database.authorities().map(\.code)
        #expect(codes == codes.sorted())
        await expectStoreError(.notFound) { try await database.updateConfiguration(code: code + "x", configuration: []) }
        for bad in ["", "has space", "tab\there", String(repeating: "9", count: 65), "nul\u{0}"] {
            await expectStoreError(.invalidRequest, "code \(bad.debugDescription)") { try await database.addAuthority(code: bad, configuration: []) }
        }
    }

    @Test("a store of an unregistered authority fails with notFound, reads included")
    func unregistered() async throws {
        let database = try await TestPostgres.shared.connection().database
        let store = database.store(authority: "unregistered-\(UUID().uuidString.prefix(8))")
        await expectStoreError(.notFound) { _ = try await store.logState() }
        await expectStoreError(.notFound) { try await store.initializeLog(checkpoint(0)) }
        await expectStoreError(.notFound) { _ = try await store.appendAudit(auditNote("login")) }
        await expectStoreError(.notFound) { _ = try await store.acquireSequencer() }
    }

    // MARK: The sequencer

    @Test("the lease is a session lock: gone when its session is terminated, and another node takes over")
    func leaseLostWithSession() async throws {
        let suite = try await TestPostgres.shared.connection()
        let code = try await suite.addFreshAuthority()
        let node = try await PostgresNode()
        defer { node.stop() }
        let lease = try await suite.database.store(authority: code).acquireSequencer()
        #expect(await lease.isHeld)
        await expectStoreError(.locked) { _ = try await node.database.store(authority: code).acquireSequencer() }

        let key = LockKeys.single("akashi.sequencer:" + code)
        let holder = """
            FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
                AND classid = \(UInt32(truncatingIfNeeded: key >> 32)) AND objid = \(UInt32(truncatingIfNeeded: key))
            """
        #expect(try await suite.database.rawRows("SELECT count(*)::text \(holder)") == [["1"]])
        // What a server restart or a dead holder looks like to the server's side.
        _ = try await suite.database.rawRows("SELECT pg_terminate_backend(pid)::text \(holder)")
        var held = true
        for _ in 0..<50 where held {
            held = await lease.isHeld
            if held { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!held, "isHeld stays true after the session was terminated")
        #expect(await lease.isHeld == false, "a lost lease came back")

        let taken = try await node.database.store(authority: code).acquireSequencer()
        #expect(await taken.isHeld)
        await taken.release()
        #expect(try await suite.database.rawRows("SELECT count(*)::text \(holder)") == [["0"]], "release() left the lock on the server")
        await lease.release()
    }

    @Test("a lease dropped without release() closes its session, so the lock comes free")
    func droppedLease() async throws {
        let suite = try await TestPostgres.shared.connection()
        let code = try await suite.addFreshAuthority()
        let store = suite.database.store(authority: code)
        do {
            let lease = try await store.acquireSequencer()
            #expect(await lease.isHeld)
        }
        let clock = ContinuousClock()
        let dropped = clock.now
        var again: (any SequencerLease)?
        while again == nil, clock.now - dropped < .seconds(5) {
            do { again = try await store.acquireSequencer() } catch let error as StoreError where error.code == .locked {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(again != nil, "the dropped lease's lock was not freed within 5 s")
        await again?.release()
    }

    // MARK: Errors and rows

    @Test("a refused row's error quotes no password hash (the server's DETAIL is left out)")
    func noSecretsInErrors() async throws {
        let suite = try await TestPostgres.shared.connection()
        let store = suite.database.store(authority: try await suite.addFreshAuthority())
        let secret = "$2b$12$SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRE"
        let tooLong = NewUser(
            login: "tanaka", displayName: String(repeating: "名", count: 101), role: "clerk", passwordHash: secret, createdAtMillis: 0)
        do {
            _ = try await store.addUser(tooLong, audit: nil)
            Issue.record("a display name of 101 characters was stored")
        } catch let error as StoreError {
            #expect(error.code == .conflict)
            #expect(!error.reason.contains("SECRET"), "\(error.reason)")
        }
        let hash = SHA256.hash(Array("token".utf8))
        _ = try await store.createToken(name: "a", role: "clerk", secretHash: hash, atMillis: 0, audit: nil)
        do {
            _ = try await store.createToken(name: "b", role: "clerk", secretHash: hash, atMillis: 0, audit: nil)
            Issue.record("a second token with the same secret hash was stored")
        } catch let error as StoreError {
            let hex = hash.map { String(format: "%02x", $0) }.joined()
            #expect(!error.reason.contains(hex.prefix(16)), "\(error.reason)")
        }
    }

    @Test("NULLs inside the batch arrays come back as nil, values as given")
    func nullsInBatches() async throws {
        let suite = try await TestPostgres.shared.connection()
        let store = suite.database.store(authority: try await suite.addFreshAuthority())
        try await store.initializeLog(checkpoint(0))
        let bare = NewCertificate(
            serial: Array(repeating: 7, count: 10), kind: "residence", issuedAt: 5, expiresAt: nil, envelope: [1], disclosures: [], issuedBy: nil,
            searchText: "")
        let full = NewCertificate(
            serial: Array(repeating: 8, count: 10), kind: "residence", issuedAt: 6, expiresAt: 99, envelope: [2], disclosures: [3], issuedBy: "鈴木",
            searchText: "すずき")
        let quiet = AuditNote(actor: "system", role: nil, action: "documents.append", atMillis: 1)
        try await store.commit(
            batch(
                from: 0,
                [
                    TestEntry(subject: nil, effect: .issue(bare, audit: quiet)), TestEntry(subject: [9, 9], effect: .issue(full, audit: auditNote("issue"))),
                    TestEntry(subject: nil, effect: nil),
                ]))
        #expect(try await store.certificate(serial: bare.serial) == record(bare, at: 0))
        #expect(try await store.certificate(serial: full.serial) == record(full, at: 1))
        #expect(try await store.entryIndices(subject: [9, 9]) == [1])
        let rows = try await allAudit(store)
        #expect(rows.map(\.role) == [nil, "clerk"] && rows.map(\.target) == [nil, nil] && rows.map(\.address) == [nil, "192.0.2.7"])
        #expect(rows.map(\.detail) == ["log=0", "log=1"])
        try await expectIntactChain(store, count: 2)
    }

    @Test("a batch that is not dense is refused before anything is written")
    func denseBatches() async throws {
        let suite = try await TestPostgres.shared.connection()
        let store = suite.database.store(authority: try await suite.addFreshAuthority())
        try await store.initializeLog(checkpoint(0))
        let skipping = LogBatch(
            startSize: 0, entries: [LogBatch.Entry(index: 1, bytes: [1], subject: nil, effect: nil)], tiles: [], checkpoint: checkpoint(2))
        await expectStoreError(.invalidRequest) { try await store.commit(skipping) }
        let short = LogBatch(
            startSize: 0, entries: [LogBatch.Entry(index: 0, bytes: [1], subject: nil, effect: nil)], tiles: [], checkpoint: checkpoint(2))
        await expectStoreError(.invalidRequest) { try await store.commit(short) }
        #expect(try await store.logState()?.entryCount == 0)
    }
}
