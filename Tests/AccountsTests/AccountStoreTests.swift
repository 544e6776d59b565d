import AkashiCrypto
import Foundation
import Store
import Testing

@testable import Accounts

@Suite struct UserTests {
    @Test func addThenAuthenticate() async throws {
        let (store, _) = try makeStore()
        let added = try await store.addUser(login: "tanaka.h", displayName: "田中 花子", role: .clerk, password: goodPassword)
        #expect(added.login == "tanaka.h")
        #expect(added.displayName == "田中 花子")
        #expect(added.role == .clerk)
        #expect(!added.disabled)
        #expect(try await store.user(login: "tanaka.h") == added)
        #expect(try await store.users() == [added])

        #expect(try await store.authenticate(login: "tanaka.h", password: goodPassword) == added)
        #expect(try await store.authenticate(login: "Tanaka.H", password: goodPassword) == added, "login folds ASCII case")
        #expect(try await store.authenticate(login: "tanaka.h", password: goodPassword + "!") == nil)
        #expect(try await store.authenticate(login: "tanaka.h", password: "") == nil)
        #expect(try await store.authenticate(login: "suzuki", password: goodPassword) == nil)
    }

    @Test func disabledUsersCannotSignIn() async throws {
        let (store, _) = try makeStore()
        _ = try await store.addUser(login: "sato", role: .clerk, password: goodPassword)
        try await store.setDisabled(login: "sato", true)
        #expect(try await store.user(login: "sato")?.disabled == true)
        #expect(try await store.authenticate(login: "sato", password: goodPassword) == nil)
        try await store.setDisabled(login: "sato", false)
        #expect(try await store.authenticate(login: "sato", password: goodPassword)?.login == "sato")
    }

    @Test func displayNameDefaultsToLogin() async throws {
        let (store, _) = try makeStore()
        #expect(try await store.addUser(login: "kimura", role: .auditor, password: goodPassword).displayName == "kimura")
        #expect(try await store.addUser(login: "kato", displayName: "  ", role: .auditor, password: goodPassword).displayName == "kato")
    }

    @Test func duplicateLoginIsRefused() async throws {
        let (store, _) = try makeStore()
        _ = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let error = await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .admin, password: "another password 2")
        }
        #expect(error?.code == .duplicateLogin)
        // The message is the account store's, Japanese first.
        #expect(error?.description.hasPrefix("ログイン名「tanaka」は既に使われています") == true)
        #expect(try await store.users().count == 1)
        #expect(try await store.user(login: "tanaka")?.role == .clerk)
    }

    @Test(arguments: ["", "Tanaka", "tanaka h", "田中", "tanaka@city", String(repeating: "a", count: 65), "tanaka\n"])
    func invalidLoginsAreRefused(login: String) async throws {
        let (store, _) = try makeStore()
        let error = await #expect(throws: AccountError.self) {
            try await store.addUser(login: login, role: .clerk, password: goodPassword)
        }
        #expect(error?.code == .invalidLogin)
        #expect(try await store.users().isEmpty)
    }

    @Test(arguments: ["a", "tanaka.h", "t-2_x.y", String(repeating: "z", count: 64)])
    func validLoginsAreAccepted(login: String) async throws {
        let (store, _) = try makeStore()
        #expect(try await store.addUser(login: login, role: .clerk, password: goodPassword).login == login)
    }

    @Test func invalidDisplayNamesAreRefused() async throws {
        let (store, _) = try makeStore()
        for name in [String(repeating: "名", count: 101), "田中\n花子", "tab\there"] {
            let error = await #expect(throws: AccountError.self) {
                try await store.addUser(login: "tanaka", displayName: name, role: .clerk, password: goodPassword)
            }
            #expect(error?.code == .invalidName, "\(name)")
        }
        #expect(
            try await store.addUser(login: "tanaka", displayName: String(repeating: "名", count: 100), role: .clerk, password: goodPassword)
                .displayName.count == 100)
    }

    @Test func weakPasswordsAreRefused() async throws {
        let (store, _) = try makeStore()
        let short = await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .clerk, password: "elevenchars")
        }
        #expect(short?.code == .weakPassword)
        #expect(short?.description.contains("12") == true)
        // Japanese first, then the English.
        let parts = short?.description.components(separatedBy: " / ") ?? []
        #expect(parts.count == 2)
        #expect(parts.first?.contains("パスワード") == true)
        #expect(parts.last?.contains("password") == true)
        // 12 characters, counted as characters not bytes.
        #expect(try await store.addUser(login: "a", role: .clerk, password: "twelve chars").login == "a")
        #expect(try await store.addUser(login: "b", role: .clerk, password: "あいうえおかきくけこさし").login == "b")
        #expect(try await store.users().count == 2)
    }

    @Test func overlongPasswordsAreRefused() async throws {
        let (store, _) = try makeStore()
        // 25 kana are 75 bytes of UTF-8: more than bcrypt reads.
        let kana = String(repeating: "あ", count: 25)
        let error = await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .clerk, password: kana)
        }
        #expect(error?.code == .weakPassword)
        #expect(error?.description.contains("72") == true)
        await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .clerk, password: String(repeating: "x", count: 73))
        }
        let nul = await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .clerk, password: "twelve chars\u{0}xyz")
        }
        #expect(nul?.code == .weakPassword)
        #expect(try await store.addUser(login: "tanaka", role: .clerk, password: String(repeating: "x", count: 72)).login == "tanaka")
    }

    @Test func passwordsLongerThanBcryptReadsNeverMatch() async throws {
        let (store, _) = try makeStore()
        let password = String(repeating: "p", count: 72)
        _ = try await store.addUser(login: "tanaka", role: .clerk, password: password)
        #expect(try await store.authenticate(login: "tanaka", password: password)?.login == "tanaka")
        // bcrypt alone would accept these: it stops at 72 bytes and at a NUL.
        #expect(try await store.authenticate(login: "tanaka", password: password + "extra") == nil)
        let short = "twelve chars"
        _ = try await store.addUser(login: "sato", role: .clerk, password: short)
        #expect(try await store.authenticate(login: "sato", password: short + "\u{0}anything") == nil)
    }

    @Test func setPasswordAndRole() async throws {
        let (store, _) = try makeStore()
        _ = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        try await store.setPassword(login: "tanaka", password: "a brand new passphrase")
        #expect(try await store.authenticate(login: "tanaka", password: goodPassword) == nil)
        #expect(try await store.authenticate(login: "tanaka", password: "a brand new passphrase") != nil)
        await #expect(throws: AccountError.self) { try await store.setPassword(login: "tanaka", password: "short") }
        #expect(try await store.authenticate(login: "tanaka", password: "a brand new passphrase") != nil)

        try await store.setRole(login: "tanaka", role: .supervisor)
        #expect(try await store.user(login: "tanaka")?.role == .supervisor)

        let actions: [@Sendable () async throws -> Void] = [
            { try await store.setPassword(login: "nobody", password: goodPassword) }, { try await store.setRole(login: "nobody", role: .admin) },
            { try await store.setDisabled(login: "nobody", true) },
        ]
        for action in actions {
            let error = await #expect(throws: AccountError.self) { try await action() }
            #expect(error?.code == .notFound)
            #expect(error?.description.hasPrefix("利用者「nobody」は登録されていません") == true)
        }
    }

    @Test func aNewPasswordEndsTheUsersSessions() async throws {
        let (store, _) = try makeStore()
        let user = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let (token, _) = try await store.createSession(for: user, address: nil)
        try await store.setPassword(login: "tanaka", password: "a brand new passphrase")
        #expect(try await store.session(token: token) == nil)
    }

    /// Unknown logins are checked against a dummy hash of the same cost, so they
    /// cost a bcrypt too. Without it they would return in microseconds, a
    /// thousand times faster; the bound here is loose on purpose.
    @Test func unknownLoginsTakeAsLongAsWrongPasswords() async throws {
        let store = AccountStore(store: try SQLiteStore.inMemory(authority: testAuthority), bcryptCost: 8)
        _ = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        // Interleaved rounds, the fastest of each kind: a busy machine (the
        // suite runs in parallel) slows all three alike instead of one.
        let clock = ContinuousClock()
        var wrong = Duration.seconds(1000), unknown = wrong, invalid = wrong
        func time(_ body: () async throws -> Void) async rethrows -> Duration {
            let start = clock.now
            try await body()
            return clock.now - start
        }
        for _ in 0..<5 {
            wrong = min(wrong, try await time { _ = try await store.authenticate(login: "tanaka", password: "wrong password!") })
            unknown = min(unknown, try await time { _ = try await store.authenticate(login: "suzuki", password: "wrong password!") })
            invalid = min(invalid, try await time { _ = try await store.authenticate(login: "Not A Login", password: "wrong password!") })
        }
        #expect(unknown > wrong / 4, "unknown \(unknown) vs wrong password \(wrong)")
        #expect(invalid > wrong / 4, "invalid \(invalid) vs wrong password \(wrong)")
    }

    @Test func auditedChangesWriteTheirRowInTheSameTransaction() async throws {
        let (store, backing) = try makeStore()
        let trail = AuditTrail(store: backing)
        let admin = AuditActor("cli:root", address: "local")
        _ = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword, audit: admin)
        try await store.setRole(login: "tanaka", role: .supervisor, audit: admin)
        try await store.setDisabled(login: "tanaka", true, audit: admin)
        // A refused change leaves no audit row.
        await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword, audit: admin)
        }
        await #expect(throws: AccountError.self) { try await store.setRole(login: "nobody", role: .clerk, audit: admin) }
        let events = try await trail.events()
        #expect(events.map(\.action) == ["user.disable", "user.role", "user.add"])
        #expect(events.allSatisfy { $0.actor == "cli:root" && $0.target == "tanaka" && $0.address == "local" })
        #expect(events.last?.detail == "role=clerk")
        #expect(try await trail.verify().intact)
    }

    @Test func auditedTokenChangesNameTheToken() async throws {
        let (store, backing) = try makeStore()
        let trail = AuditTrail(store: backing)
        let admin = AuditActor("tanaka", role: "admin", address: "192.0.2.1")
        let (_, token) = try await store.createToken(name: "住基連携", role: .clerk, audit: admin)
        try await store.revokeToken(id: token.id, audit: admin)
        await #expect(throws: AccountError.self) { try await store.revokeToken(id: 999, audit: admin) }
        let events = try await trail.events()
        #expect(events.map(\.action) == ["token.revoke", "token.create"])
        #expect(events.allSatisfy { $0.target == String(token.id) && $0.role == "admin" && $0.address == "192.0.2.1" })
        #expect(events.last?.detail == "name=住基連携 role=clerk")
        #expect(try await trail.verify().intact)
    }

    /// The chain refuses text it cannot keep exactly; the change does not happen.
    @Test func auditTextTheChainCannotKeepIsRefused() async throws {
        let (store, backing) = try makeStore()
        let error = await #expect(throws: AccountError.self) {
            try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword, audit: AuditActor("cli:ro\u{0}ot"))
        }
        #expect(error?.code == .invalidText)
        #expect(try await store.user(login: "tanaka") == nil)
        #expect(try await AuditTrail(store: backing).count() == 0)
    }

    /// What one store wrote is there when the file is opened again (the CLI
    /// and the server open the same file).
    @Test func accountsAndAuditSurviveReopeningTheFile() async throws {
        let directory = try TemporaryDirectory()
        do {
            let (store, backing) = try makeStore(try directory.store())
            _ = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
            try await AuditTrail(store: backing).record(actor: "system", role: nil, action: "test")
        }
        let (store2, reopened) = try makeStore(try directory.store())
        #expect(try await store2.user(login: "tanaka")?.role == .clerk)
        #expect(try await store2.authenticate(login: "tanaka", password: goodPassword)?.login == "tanaka")
        #expect(try await AuditTrail(store: reopened).count() == 1)
        #expect(try await AuditTrail(store: reopened).verify().intact)
    }

    @Test func openingAMissingDatabaseFails() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path()
        let error = #expect(throws: StoreError.self) { try SQLiteStore.open(path: path, authority: testAuthority) }
        #expect(error?.code == .notFound)
        #expect(!FileManager.default.fileExists(atPath: path), "must not create a database")
    }

    @Test func busyIsTheStoreBeingUnavailableOrLocked() {
        #expect(AccountStore.isBusy(StoreError(.unavailable, "busy")))
        #expect(AccountStore.isBusy(StoreError(.locked, "locked")))
        #expect(!AccountStore.isBusy(StoreError(.notFound, "no")))
        #expect(!AccountStore.isBusy(AccountError(.notFound, "no")))
    }
}

@Suite struct SessionTests {
    @Test func sessionLifecycle() async throws {
        let directory = try TemporaryDirectory()
        let (store, backing) = try makeStore(try directory.store())
        let user = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let (token, session) = try await store.createSession(for: user, address: "192.0.2.1", lifetime: 3600)
        #expect(session.user == user)
        #expect(session.expiresAt.timeIntervalSince(session.createdAt) == 3600)
        #expect(Data(base64Encoded: token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=")?.count == 32)
        #expect(session.csrfToken.count == 43 && session.csrfToken != token)

        let found = try #require(try await store.session(token: token))
        #expect(found.user == user)
        #expect(found.csrfToken == session.csrfToken)
        #expect(found.expiresAt == session.expiresAt)
        #expect(AccountStore.constantTimeEquals(found.csrfToken, session.csrfToken))
        #expect(!AccountStore.constantTimeEquals(found.csrfToken, token))

        // Expiry.
        #expect(try await store.session(token: token, now: session.expiresAt.addingTimeInterval(-1)) != nil)
        #expect(try await store.session(token: token, now: session.expiresAt) == nil)
        #expect(try await store.session(token: token, now: session.expiresAt.addingTimeInterval(60)) == nil)
        #expect(try await store.session(token: token + "x") == nil)

        // Only the token's hash is stored: the store finds the session by it, and
        // the file (with its WAL) holds the hash, never the token.
        let hash = SHA256.hash(Array(token.utf8))
        #expect(try await backing.session(tokenHash: hash)?.csrfToken == session.csrfToken)
        let bytes = try directory.storedBytes()
        #expect(!bytes.contains(bytes: Array(token.utf8)))
        #expect(bytes.contains(bytes: hash))

        try await store.endSession(token: token)
        #expect(try await store.session(token: token) == nil)
        #expect(try await backing.session(tokenHash: hash) == nil)
        try await store.endSession(token: token)  // unknown tokens are ignored
    }

    @Test func roleChangesApplyToLiveSessions() async throws {
        let (store, _) = try makeStore()
        let user = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let (token, _) = try await store.createSession(for: user, address: nil)
        try await store.setRole(login: "tanaka", role: .auditor)
        #expect(try await store.session(token: token)?.user.role == .auditor)
    }

    @Test func disablingEndsSessions() async throws {
        let (store, backing) = try makeStore()
        let user = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let other = try await store.addUser(login: "sato", role: .clerk, password: goodPassword)
        let (token1, _) = try await store.createSession(for: user, address: nil)
        let (token2, _) = try await store.createSession(for: user, address: "192.0.2.7")
        let (otherToken, _) = try await store.createSession(for: other, address: nil)
        try await store.setDisabled(login: "tanaka", true)
        #expect(try await store.session(token: token1) == nil)
        #expect(try await store.session(token: token2) == nil)
        #expect(try await store.session(token: otherToken)?.user == other)
        // Ended, not just hidden: enabling again does not bring them back, and the
        // store itself (which returns a disabled user's sessions too) has none.
        try await store.setDisabled(login: "tanaka", false)
        #expect(try await store.session(token: token1) == nil)
        for token in [token1, token2] {
            #expect(try await backing.session(tokenHash: SHA256.hash(Array(token.utf8))) == nil)
        }
        #expect(try await backing.session(tokenHash: SHA256.hash(Array(otherToken.utf8))) != nil)
        // A disabled user gets no new session.
        try await store.setDisabled(login: "tanaka", true)
        let error = await #expect(throws: AccountError.self) { try await store.createSession(for: user, address: nil) }
        #expect(error?.code == .notFound)
        #expect(error?.description.contains("利用停止中") == true)
    }

    @Test func aSessionForAnUnknownUserIsRefused() async throws {
        let (store, _) = try makeStore()
        let ghost = User(id: 42, login: "ghost", displayName: "ghost", role: .clerk, disabled: false, createdAt: Date())
        let error = await #expect(throws: AccountError.self) { try await store.createSession(for: ghost, address: nil) }
        #expect(error?.code == .notFound)
        #expect(error?.description.hasPrefix("利用者「ghost」は登録されていません") == true)
    }

    @Test func expiredSessionsAreSwept() async throws {
        let (store, backing) = try makeStore()
        let user = try await store.addUser(login: "tanaka", role: .clerk, password: goodPassword)
        let (expired, _) = try await store.createSession(for: user, address: nil, lifetime: -1)
        // The store keeps an expired session until the next one is created.
        #expect(try await backing.session(tokenHash: SHA256.hash(Array(expired.utf8))) != nil)
        let (live, _) = try await store.createSession(for: user, address: nil)
        #expect(try await backing.session(tokenHash: SHA256.hash(Array(expired.utf8))) == nil)
        #expect(try await backing.session(tokenHash: SHA256.hash(Array(live.utf8))) != nil)
    }
}

@Suite struct TokenTests {
    @Test func secretIsShownOnceAndOnlyItsHashStored() async throws {
        let directory = try TemporaryDirectory()
        let (store, backing) = try makeStore(try directory.store())
        let (secret, token) = try await store.createToken(name: "住基連携", role: .clerk)
        #expect(secret.hasPrefix("akashi_"))
        #expect(secret.count == 7 + 43)
        #expect(token.name == "住基連携" && token.role == .clerk && token.revokedAt == nil)
        #expect(try await store.token(secret: secret) == token)
        #expect(try await store.tokens() == [token])

        // The store knows the token by the secret's SHA-256; the file (with its
        // WAL) holds that hash and no part of the secret.
        let hash = SHA256.hash(Array(secret.utf8))
        #expect(try await backing.token(secretHash: hash)?.id == token.id)
        let bytes = try directory.storedBytes()
        #expect(!bytes.contains(bytes: Array(secret.utf8)))
        #expect(!bytes.contains(bytes: Array(secret.dropFirst(7).utf8)))
        #expect(bytes.contains(bytes: hash))

        // Two tokens never share a secret.
        let (second, _) = try await store.createToken(name: "batch", role: .supervisor)
        #expect(second != secret)
    }

    @Test func revokedAndUnknownSecretsAreRejected() async throws {
        let (store, _) = try makeStore()
        let (secret, token) = try await store.createToken(name: "script", role: .admin)
        let (keep, kept) = try await store.createToken(name: "other", role: .clerk)
        #expect(try await store.token(secret: "akashi_" + String(repeating: "A", count: 43)) == nil)
        #expect(try await store.token(secret: String(secret.dropFirst(7))) == nil)
        #expect(try await store.token(secret: "") == nil)

        try await store.revokeToken(id: token.id)
        #expect(try await store.token(secret: secret) == nil)
        #expect(try await store.token(secret: keep) == kept)
        let listed = try await store.tokens()
        #expect(listed.count == 2)
        let revokedAt = try #require(listed.first { $0.id == token.id }?.revokedAt)
        try await store.revokeToken(id: token.id)
        #expect(try await store.tokens().first { $0.id == token.id }?.revokedAt == revokedAt, "revoking again keeps the first time")

        let error = await #expect(throws: AccountError.self) { try await store.revokeToken(id: 999) }
        #expect(error?.code == .notFound)
        #expect(error?.description.hasPrefix("トークン番号 999 はありません") == true)
    }

    @Test func tokenNamesAreChecked() async throws {
        let (store, _) = try makeStore()
        for name in ["", "   ", String(repeating: "x", count: 101), "a\nb"] {
            let error = await #expect(throws: AccountError.self) { try await store.createToken(name: name, role: .clerk) }
            #expect(error?.code == .invalidName)
        }
        #expect(try await store.tokens().isEmpty)
    }
}
