import AkashiCrypto
import Foundation
import GRDB
import Testing

@testable import Accounts

@Suite struct UserTests {
    @Test func addThenAuthenticate() throws {
        let (store, _) = try makeStore()
        let added = try store.addUser(login: "tanaka.h", displayName: "田中 花子", role: .clerk, password: goodPassword)
        #expect(added.login == "tanaka.h")
        #expect(added.displayName == "田中 花子")
        #expect(added.role == .clerk)
        #expect(!added.disabled)
        #expect(try store.user(login: "tanaka.h") == added)
        #expect(try store.users() == [added])

        #expect(try store.authenticate(login: "tanaka.h", password: goodPassword) == added)
        #expect(try store.authenticate(login: "Tanaka.H", password: goodPassword) == added, "login folds ASCII case")
        #expect(try store.authenticate(login: "tanaka.h", password: goodPassword + "!") == nil)
        #expect(try store.authenticate(login: "tanaka.h", password: "") == nil)
        #expect(try store.authenticate(login: "suzuki", password: goodPassword) == nil)
    }

    @Test func disabledUsersCannotSignIn() throws {
        let (store, _) = try makeStore()
        _ = try store.addUser(login: "sato", role: .clerk, password: goodPassword)
        try store.setDisabled(login: "sato", true)
        #expect(try store.user(login: "sato")?.disabled == true)
        #expect(try store.authenticate(login: "sato", password: goodPassword) == nil)
        try store.setDisabled(login: "sato", false)
        #expect(try store.authenticate(login: "sato", password: goodPassword)?.login == "sato")
    }

    @Test func displayNameDefaultsToLogin() throws {
        let (store, _) = try makeStore()
        #expect(try store.addUser(login: "kimura", role: .auditor, password: goodPassword).displayName == "kimura")
        #expect(try store.addUser(login: "kato", displayName: "  ", role: .auditor, password: goodPassword).displayName == "kato")
    }

    @Test func duplicateLoginIsRefused() throws {
        let (store, _) = try makeStore()
        _ = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let error = #expect(throws: AccountError.self) {
            try store.addUser(login: "tanaka", role: .admin, password: "another password 2")
        }
        #expect(error?.code == .duplicateLogin)
        #expect(try store.users().count == 1)
        #expect(try store.user(login: "tanaka")?.role == .clerk)
    }

    @Test(arguments: ["", "Tanaka", "tanaka h", "田中", "tanaka@city", String(repeating: "a", count: 65), "tanaka\n"])
    func invalidLoginsAreRefused(login: String) throws {
        let (store, _) = try makeStore()
        let error = #expect(throws: AccountError.self) {
            try store.addUser(login: login, role: .clerk, password: goodPassword)
        }
        #expect(error?.code == .invalidLogin)
        #expect(try store.users().isEmpty)
    }

    @Test(arguments: ["a", "tanaka.h", "t-2_x.y", String(repeating: "z", count: 64)])
    func validLoginsAreAccepted(login: String) throws {
        let (store, _) = try makeStore()
        #expect(try store.addUser(login: login, role: .clerk, password: goodPassword).login == login)
    }

    @Test func invalidDisplayNamesAreRefused() throws {
        let (store, _) = try makeStore()
        for name in [String(repeating: "名", count: 101), "田中\n花子", "tab\there"] {
            let error = #expect(throws: AccountError.self) {
                try store.addUser(login: "tanaka", displayName: name, role: .clerk, password: goodPassword)
            }
            #expect(error?.code == .invalidName, "\(name)")
        }
        #expect(try store.addUser(login: "tanaka", displayName: String(repeating: "名", count: 100), role: .clerk, password: goodPassword)
            .displayName.count == 100)
    }

    @Test func weakPasswordsAreRefused() throws {
        let (store, _) = try makeStore()
        let short = #expect(throws: AccountError.self) {
            try store.addUser(login: "tanaka", role: .clerk, password: "elevenchars")
        }
        #expect(short?.code == .weakPassword)
        #expect(short?.description.contains("12") == true)
        // Japanese first, then the English.
        let parts = short?.description.components(separatedBy: " / ") ?? []
        #expect(parts.count == 2)
        #expect(parts.first?.contains("パスワード") == true)
        #expect(parts.last?.contains("password") == true)
        // 12 characters, counted as characters not bytes.
        #expect(try store.addUser(login: "a", role: .clerk, password: "twelve chars").login == "a")
        #expect(try store.addUser(login: "b", role: .clerk, password: "あいうえおかきくけこさし").login == "b")
        #expect(try store.users().count == 2)
    }

    @Test func overlongPasswordsAreRefused() throws {
        let (store, _) = try makeStore()
        // 25 kana are 75 bytes of UTF-8: more than bcrypt reads.
        let kana = String(repeating: "あ", count: 25)
        let error = #expect(throws: AccountError.self) {
            try store.addUser(login: "tanaka", role: .clerk, password: kana)
        }
        #expect(error?.code == .weakPassword)
        #expect(error?.description.contains("72") == true)
        #expect(throws: AccountError.self) { try store.addUser(login: "tanaka", role: .clerk, password: String(repeating: "x", count: 73)) }
        let nul = #expect(throws: AccountError.self) { try store.addUser(login: "tanaka", role: .clerk, password: "twelve chars\u{0}xyz") }
        #expect(nul?.code == .weakPassword)
        #expect(try store.addUser(login: "tanaka", role: .clerk, password: String(repeating: "x", count: 72)).login == "tanaka")
    }

    @Test func passwordsLongerThanBcryptReadsNeverMatch() throws {
        let (store, _) = try makeStore()
        let password = String(repeating: "p", count: 72)
        _ = try store.addUser(login: "tanaka", role: .clerk, password: password)
        #expect(try store.authenticate(login: "tanaka", password: password)?.login == "tanaka")
        // bcrypt alone would accept these: it stops at 72 bytes and at a NUL.
        #expect(try store.authenticate(login: "tanaka", password: password + "extra") == nil)
        let short = "twelve chars"
        _ = try store.addUser(login: "sato", role: .clerk, password: short)
        #expect(try store.authenticate(login: "sato", password: short + "\u{0}anything") == nil)
    }

    @Test func setPasswordAndRole() throws {
        let (store, _) = try makeStore()
        _ = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        try store.setPassword(login: "tanaka", password: "a brand new passphrase")
        #expect(try store.authenticate(login: "tanaka", password: goodPassword) == nil)
        #expect(try store.authenticate(login: "tanaka", password: "a brand new passphrase") != nil)
        #expect(throws: AccountError.self) { try store.setPassword(login: "tanaka", password: "short") }
        #expect(try store.authenticate(login: "tanaka", password: "a brand new passphrase") != nil)

        try store.setRole(login: "tanaka", role: .supervisor)
        #expect(try store.user(login: "tanaka")?.role == .supervisor)

        for action in [{ try store.setPassword(login: "nobody", password: goodPassword) }, { try store.setRole(login: "nobody", role: .admin) },
            { try store.setDisabled(login: "nobody", true) }]
        {
            let error = #expect(throws: AccountError.self) { try action() }
            #expect(error?.code == .notFound)
        }
    }

    /// Unknown logins are checked against a dummy hash of the same cost, so they
    /// cost a bcrypt too. Without it they would return in microseconds, a
    /// thousand times faster; the bound here is loose on purpose.
    @Test func unknownLoginsTakeAsLongAsWrongPasswords() throws {
        let store = try AccountStore(writer: DatabaseQueue(), bcryptCost: 8)
        _ = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let clock = ContinuousClock()
        func fastest(_ body: () throws -> Void) rethrows -> Duration {
            var best = Duration.seconds(1000)
            for _ in 0..<3 { best = min(best, try clock.measure(body)) }
            return best
        }
        let wrong = try fastest { _ = try store.authenticate(login: "tanaka", password: "wrong password!") }
        let unknown = try fastest { _ = try store.authenticate(login: "suzuki", password: "wrong password!") }
        let invalid = try fastest { _ = try store.authenticate(login: "Not A Login", password: "wrong password!") }
        #expect(unknown > wrong / 4, "unknown \(unknown) vs wrong password \(wrong)")
        #expect(invalid > wrong / 4, "invalid \(invalid) vs wrong password \(wrong)")
    }

    @Test func auditedChangesWriteTheirRowInTheSameTransaction() throws {
        let (store, writer) = try makeStore()
        let trail = try AuditTrail(writer: writer)
        let admin = AuditActor("cli:root", address: "local")
        _ = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword, audit: admin)
        try store.setRole(login: "tanaka", role: .supervisor, audit: admin)
        try store.setDisabled(login: "tanaka", true, audit: admin)
        // A refused change leaves no audit row.
        #expect(throws: AccountError.self) { try store.addUser(login: "tanaka", role: .clerk, password: goodPassword, audit: admin) }
        #expect(throws: AccountError.self) { try store.setRole(login: "nobody", role: .clerk, audit: admin) }
        let events = try trail.events()
        #expect(events.map(\.action) == ["user.disable", "user.role", "user.add"])
        #expect(events.allSatisfy { $0.actor == "cli:root" && $0.target == "tanaka" && $0.address == "local" })
        #expect(events.last?.detail == "role=clerk")
        #expect(try trail.verify().intact)
    }

    @Test func storesShareOneFileWithOtherMigrations() throws {
        let directory = try TemporaryDirectory()
        let writer = try directory.database()
        // Someone else's migrations on the same database (the log's, the issuer's).
        var other = DatabaseMigrator()
        other.registerMigration("log-v1") { db in try db.execute(sql: "CREATE TABLE log_entry (idx INTEGER PRIMARY KEY) STRICT") }
        try other.migrate(writer)
        let (store, _) = try makeStore(writer)
        let trail = try AuditTrail(writer: writer)
        _ = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        try trail.record(actor: "system", role: nil, action: "test")
        var issuer = DatabaseMigrator()
        issuer.registerMigration("certificate-v1") { db in try db.execute(sql: "CREATE TABLE certificate (serial BLOB PRIMARY KEY) STRICT") }
        try issuer.migrate(writer)

        // Reopen: every migrator again, in another order.
        let reopened = try directory.database()
        let trail2 = try AuditTrail(writer: reopened)
        let (store2, _) = try makeStore(reopened)
        try other.migrate(reopened)
        #expect(try store2.user(login: "tanaka")?.role == .clerk)
        #expect(try trail2.count() == 1)
        let applied = try reopened.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(applied == ["accounts-v1", "audit-v1", "certificate-v1", "log-v1"])
        let strict = try reopened.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN ('account_user','account_session','account_token','audit_event') ORDER BY name")
        }
        #expect(strict == ["account_session", "account_token", "account_user", "audit_event"])
    }

    @Test func openingAMissingDatabaseFails() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("akashi.sqlite").path
        let error = #expect(throws: AccountError.self) { try AccountsDatabase.open(path: path) }
        #expect(error?.code == .notFound)
        #expect(!FileManager.default.fileExists(atPath: path), "must not create a database")
    }
}

@Suite struct SessionTests {
    @Test func sessionLifecycle() throws {
        let (store, writer) = try makeStore()
        let user = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let (token, session) = try store.createSession(for: user, address: "192.0.2.1", lifetime: 3600)
        #expect(session.user == user)
        #expect(session.expiresAt.timeIntervalSince(session.createdAt) == 3600)
        #expect(Data(base64Encoded: token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=")?.count == 32)
        #expect(session.csrfToken.count == 43 && session.csrfToken != token)

        let found = try #require(try store.session(token: token))
        #expect(found.user == user)
        #expect(found.csrfToken == session.csrfToken)
        #expect(found.expiresAt == session.expiresAt)
        #expect(AccountStore.constantTimeEquals(found.csrfToken, session.csrfToken))
        #expect(!AccountStore.constantTimeEquals(found.csrfToken, token))

        // Expiry.
        #expect(try store.session(token: token, now: session.expiresAt.addingTimeInterval(-1)) != nil)
        #expect(try store.session(token: token, now: session.expiresAt) == nil)
        #expect(try store.session(token: token, now: session.expiresAt.addingTimeInterval(60)) == nil)
        #expect(try store.session(token: token + "x") == nil)

        // Only the token's hash is stored.
        let cells = try allCells(writer, table: "account_session")
        #expect(!cells.contains(token.databaseValue))
        #expect(!cells.contains(Data(token.utf8).databaseValue))
        #expect(cells.contains(Data(SHA256.hash(Array(token.utf8))).databaseValue))

        try store.endSession(token: token)
        #expect(try store.session(token: token) == nil)
        try store.endSession(token: token)  // unknown tokens are ignored
    }

    @Test func roleChangesApplyToLiveSessions() throws {
        let (store, _) = try makeStore()
        let user = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let (token, _) = try store.createSession(for: user, address: nil)
        try store.setRole(login: "tanaka", role: .auditor)
        #expect(try store.session(token: token)?.user.role == .auditor)
    }

    @Test func disablingEndsSessions() throws {
        let (store, writer) = try makeStore()
        let user = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let other = try store.addUser(login: "sato", role: .clerk, password: goodPassword)
        let (token1, _) = try store.createSession(for: user, address: nil)
        let (token2, _) = try store.createSession(for: user, address: "192.0.2.7")
        let (otherToken, _) = try store.createSession(for: other, address: nil)
        try store.setDisabled(login: "tanaka", true)
        #expect(try store.session(token: token1) == nil)
        #expect(try store.session(token: token2) == nil)
        #expect(try store.session(token: otherToken)?.user == other)
        // Ended, not just hidden: enabling again does not bring them back.
        try store.setDisabled(login: "tanaka", false)
        #expect(try store.session(token: token1) == nil)
        let rows = try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM account_session") }
        #expect(rows == 1)
        // A disabled user gets no new session.
        try store.setDisabled(login: "tanaka", true)
        let error = #expect(throws: AccountError.self) { try store.createSession(for: user, address: nil) }
        #expect(error?.code == .notFound)
    }

    @Test func expiredSessionsAreSwept() throws {
        let (store, writer) = try makeStore()
        let user = try store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        _ = try store.createSession(for: user, address: nil, lifetime: -1)
        _ = try store.createSession(for: user, address: nil)
        let rows = try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM account_session") }
        #expect(rows == 1)
    }
}

@Suite struct TokenTests {
    @Test func secretIsShownOnceAndOnlyItsHashStored() throws {
        let (store, writer) = try makeStore()
        let (secret, token) = try store.createToken(name: "住基連携", role: .clerk)
        #expect(secret.hasPrefix("akashi_"))
        #expect(secret.count == 7 + 43)
        #expect(token.name == "住基連携" && token.role == .clerk && token.revokedAt == nil)
        #expect(try store.token(secret: secret) == token)
        #expect(try store.tokens() == [token])

        let cells = try allCells(writer, table: "account_token")
        #expect(!cells.contains(secret.databaseValue))
        #expect(!cells.contains(Data(secret.utf8).databaseValue))
        #expect(!cells.contains { cell in (String.fromDatabaseValue(cell) ?? "").contains(String(secret.dropFirst(7))) })
        let stored = try writer.read { db in try Data.fetchOne(db, sql: "SELECT secret_hash FROM account_token") }
        #expect(stored.map(Array.init) == SHA256.hash(Array(secret.utf8)))

        // Two tokens never share a secret.
        let (second, _) = try store.createToken(name: "batch", role: .supervisor)
        #expect(second != secret)
    }

    @Test func revokedAndUnknownSecretsAreRejected() throws {
        let (store, _) = try makeStore()
        let (secret, token) = try store.createToken(name: "script", role: .admin)
        let (keep, kept) = try store.createToken(name: "other", role: .clerk)
        #expect(try store.token(secret: "akashi_" + String(repeating: "A", count: 43)) == nil)
        #expect(try store.token(secret: String(secret.dropFirst(7))) == nil)
        #expect(try store.token(secret: "") == nil)

        try store.revokeToken(id: token.id)
        #expect(try store.token(secret: secret) == nil)
        #expect(try store.token(secret: keep) == kept)
        let listed = try store.tokens()
        #expect(listed.count == 2)
        let revokedAt = try #require(listed.first { $0.id == token.id }?.revokedAt)
        try store.revokeToken(id: token.id)
        #expect(try store.tokens().first { $0.id == token.id }?.revokedAt == revokedAt, "revoking again keeps the first time")

        let error = #expect(throws: AccountError.self) { try store.revokeToken(id: 999) }
        #expect(error?.code == .notFound)
    }

    @Test func tokenNamesAreChecked() throws {
        let (store, _) = try makeStore()
        for name in ["", "   ", String(repeating: "x", count: 101), "a\nb"] {
            let error = #expect(throws: AccountError.self) { try store.createToken(name: name, role: .clerk) }
            #expect(error?.code == .invalidName)
        }
        #expect(try store.tokens().isEmpty)
    }
}
