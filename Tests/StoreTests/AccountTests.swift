import AkashiCrypto
import Foundation
import Store
import Testing

/// Residents' subject keys, staff, sessions and API tokens.
@Suite("Store conformance: subject keys, users, sessions, tokens", .timeLimit(.minutes(1)))
struct AccountTests {
    @Test("registerSubjectKey replaces the current key and keeps the history; its audit row commits with it", arguments: Engine.allCases)
    func subjectKeys(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let k1 = SecureRandom.bytes(32), k2 = SecureRandom.bytes(32), other = SecureRandom.bytes(32)
        #expect(try await store.currentSubjectKey(reference: "juki-0001") == nil)
        #expect(try await store.subjectKeyHistory(reference: "juki-0001") == [])

        #expect(
            try await store.registerSubjectKey(reference: "juki-0001", key: k1, at: 1_000, audit: auditNote("subject.register", target: "juki-0001")) == false)
        #expect(try await store.registerSubjectKey(reference: "juki-0002", key: other, at: 1_500, audit: nil) == false)
        #expect(
            try await store.registerSubjectKey(reference: "juki-0001", key: k2, at: 2_000, audit: auditNote("subject.replace", target: "juki-0001")) == true)

        #expect(try await store.currentSubjectKey(reference: "juki-0001") == k2)
        #expect(try await store.currentSubjectKey(reference: "juki-0002") == other)
        let history = try await store.subjectKeyHistory(reference: "juki-0001").sorted { $0.registeredAt < $1.registeredAt }
        #expect(
            history == [
                SubjectKeyRecord(reference: "juki-0001", publicKey: k1, registeredAt: 1_000, replacedAt: 2_000),
                SubjectKeyRecord(reference: "juki-0001", publicKey: k2, registeredAt: 2_000, replacedAt: nil),
            ])
        #expect(
            try await store.subjectKeyHistory(reference: "juki-0002") == [
                SubjectKeyRecord(reference: "juki-0002", publicKey: other, registeredAt: 1_500, replacedAt: nil)
            ])
        let rows = try await allAudit(store)
        #expect(rows.map(\.action) == ["subject.register", "subject.replace"])
        #expect(rows.map(\.target) == ["juki-0001", "juki-0001"])
        #expect(rows.map(\.detail) == [nil, nil], "only log effects get ' log=<index>'")
    }

    @Test("users: add, duplicate login, lookups, role, credentials", arguments: Engine.allCases)
    func users(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let tanaka = try await store.addUser(
            newUser("tanaka", role: "clerk", hash: "hash-1", at: 1_000), audit: auditNote("user.add", actor: "cli:root", target: "tanaka"))
        #expect(tanaka.login == "tanaka" && tanaka.displayName == "表示名 tanaka" && tanaka.role == "clerk")
        #expect(tanaka.disabled == false && tanaka.createdAtMillis == 1_000)
        let suzuki = try await store.addUser(newUser("suzuki", role: "supervisor", hash: "hash-2", at: 2_000), audit: nil)
        #expect(suzuki.id != tanaka.id)

        await expectStoreError(.duplicate, "the login exists") {
            _ = try await store.addUser(newUser("tanaka", role: "admin", hash: "other"), audit: auditNote("user.add", target: "tanaka"))
        }
        #expect(try await store.user(login: "tanaka") == tanaka, "the refused add changed the user")
        #expect(try await store.auditCount() == 1, "the refused add wrote its audit row")

        #expect(try await store.users().sorted { $0.login < $1.login } == [suzuki, tanaka])
        #expect(try await store.user(login: "suzuki") == suzuki)
        #expect(try await store.user(login: "nobody") == nil)
        #expect(try await store.user(id: tanaka.id) == tanaka)
        #expect(try await store.user(id: max(tanaka.id, suzuki.id) + 1000) == nil)
        let credentials = try #require(try await store.credentials(login: "tanaka"))
        #expect(credentials.0 == tanaka && credentials.passwordHash == "hash-1")
        #expect(try await store.credentials(login: "nobody") == nil)

        try await store.setRole(login: "tanaka", role: "supervisor", audit: auditNote("user.role", target: "tanaka", detail: "role=supervisor"))
        #expect(try await store.user(login: "tanaka")?.role == "supervisor")
        #expect(try await store.user(login: "suzuki") == suzuki)
        let rows = try await allAudit(store)
        #expect(rows.map(\.action) == ["user.add", "user.role"])
        #expect(rows.last?.detail == "role=supervisor")
    }

    @Test("a new password hash ends every session of that user, and only theirs", arguments: Engine.allCases)
    func passwordChangeEndsSessions(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let tanaka = try await store.addUser(newUser("tanaka", hash: "old"), audit: nil)
        let suzuki = try await store.addUser(newUser("suzuki"), audit: nil)
        let now: Int64 = 1_700_000_000_000, later = now + 8 * 3_600_000
        let a = tokenHash(), b = tokenHash(), c = tokenHash()
        for (hash, user) in [(a, tanaka), (b, tanaka), (c, suzuki)] {
            let current = try await store.createSession(
                NewSession(tokenHash: hash, userID: user.id, csrfToken: "csrf", address: "192.0.2.1", createdAtMillis: now, expiresAtMillis: later))
            #expect(current == user)
        }
        try await store.setPasswordHash(login: "tanaka", hash: "new", atMillis: now + 1, audit: auditNote("user.passwd", target: "tanaka"))
        #expect(try await store.credentials(login: "tanaka")?.passwordHash == "new")
        #expect(try await store.session(tokenHash: a) == nil)
        #expect(try await store.session(tokenHash: b) == nil)
        #expect(try await store.session(tokenHash: c)?.user == suzuki)
        #expect(try await allAudit(store).map(\.action) == ["user.passwd"])
    }

    @Test("sessions: create, read, end; expired ones are deleted on create; disabled or missing users get none", arguments: Engine.allCases)
    func sessions(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let tanaka = try await store.addUser(newUser("tanaka"), audit: nil)
        let suzuki = try await store.addUser(newUser("suzuki"), audit: nil)
        // Times in the past: expired by any clock the store may use (the new session's or the wall clock).
        let expired = tokenHash()
        _ = try await store.createSession(
            NewSession(tokenHash: expired, userID: suzuki.id, csrfToken: "old", address: nil, createdAtMillis: 1_000, expiresAtMillis: 2_000))

        let now = Int64(Date().timeIntervalSince1970 * 1000), later = now + 3_600_000
        let live = tokenHash()
        let current = try await store.createSession(
            NewSession(tokenHash: live, userID: tanaka.id, csrfToken: "csrf-1", address: "198.51.100.9", createdAtMillis: now, expiresAtMillis: later))
        #expect(current == tanaka)
        #expect(try await store.session(tokenHash: live) == SessionRecord(user: tanaka, csrfToken: "csrf-1", createdAtMillis: now, expiresAtMillis: later))
        #expect(try await store.session(tokenHash: expired) == nil, "the expired session was not deleted when the next one was created")
        #expect(try await store.session(tokenHash: tokenHash()) == nil)

        try await store.endSession(tokenHash: live)
        #expect(try await store.session(tokenHash: live) == nil)
        try await store.endSession(tokenHash: tokenHash())  // unknown: nothing to end

        await expectStoreError(.notFound, "a user id that does not exist") {
            _ = try await store.createSession(
                NewSession(
                    tokenHash: tokenHash(), userID: max(tanaka.id, suzuki.id) + 1000, csrfToken: "x", address: nil, createdAtMillis: now, expiresAtMillis: later
                ))
        }
    }

    @Test("disabling a user ends their sessions and refuses new ones; enabling allows them again", arguments: Engine.allCases)
    func disable(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let tanaka = try await store.addUser(newUser("tanaka"), audit: nil)
        let suzuki = try await store.addUser(newUser("suzuki"), audit: nil)
        let now = Int64(Date().timeIntervalSince1970 * 1000), later = now + 3_600_000
        let mine = tokenHash(), theirs = tokenHash()
        _ = try await store.createSession(
            NewSession(tokenHash: mine, userID: tanaka.id, csrfToken: "a", address: nil, createdAtMillis: now, expiresAtMillis: later))
        _ = try await store.createSession(
            NewSession(tokenHash: theirs, userID: suzuki.id, csrfToken: "b", address: nil, createdAtMillis: now, expiresAtMillis: later))

        try await store.setDisabled(login: "tanaka", true, audit: auditNote("user.disable", target: "tanaka"))
        #expect(try await store.user(login: "tanaka")?.disabled == true)
        #expect(try await store.session(tokenHash: mine) == nil)
        #expect(try await store.session(tokenHash: theirs)?.user == suzuki)
        await expectStoreError(.notFound, "a session for a disabled user") {
            _ = try await store.createSession(
                NewSession(tokenHash: tokenHash(), userID: tanaka.id, csrfToken: "c", address: nil, createdAtMillis: now, expiresAtMillis: later))
        }

        try await store.setDisabled(login: "tanaka", false, audit: auditNote("user.enable", target: "tanaka"))
        #expect(try await store.user(login: "tanaka") == tanaka)
        let again = tokenHash()
        #expect(
            try await store.createSession(
                NewSession(tokenHash: again, userID: tanaka.id, csrfToken: "d", address: nil, createdAtMillis: now, expiresAtMillis: later)) == tanaka)
        #expect(try await store.session(tokenHash: again)?.user == tanaka)
        #expect(try await allAudit(store).map(\.action) == ["user.disable", "user.enable"])
    }

    @Test("tokens: create, find by secret hash, revoke keeps the first time, unknown id is notFound", arguments: Engine.allCases)
    func tokens(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let secretA = SHA256.hash(Array("akashi_secret-a".utf8)), secretB = SHA256.hash(Array("akashi_secret-b".utf8))
        let a = try await store.createToken(
            name: "住基連携", role: "clerk", secretHash: secretA, atMillis: 1_000, audit: auditNote("token.create", actor: "cli:root"))
        let b = try await store.createToken(name: "batch", role: "supervisor", secretHash: secretB, atMillis: 2_000, audit: nil)
        #expect(a == TokenRecord(id: a.id, name: "住基連携", role: "clerk", createdAtMillis: 1_000, revokedAtMillis: nil))
        #expect(b.id != a.id)
        #expect(try await store.token(secretHash: secretA) == a)
        #expect(try await store.token(secretHash: SHA256.hash(Array("unknown".utf8))) == nil)
        #expect(try await store.tokens().sorted { $0.id < $1.id } == [a, b].sorted { $0.id < $1.id })

        try await store.revokeToken(id: a.id, atMillis: 5_000, audit: auditNote("token.revoke", target: String(a.id)))
        #expect(try await store.token(secretHash: secretA) == nil, "a revoked token still authenticates")
        #expect(try await store.token(secretHash: secretB) == b)
        try await store.revokeToken(id: a.id, atMillis: 9_000, audit: nil)
        let revokedA = TokenRecord(id: a.id, name: a.name, role: a.role, createdAtMillis: 1_000, revokedAtMillis: 5_000)
        #expect(try await store.tokens().sorted { $0.id < $1.id } == [revokedA, b].sorted { $0.id < $1.id }, "the first revocation time is kept")

        let countBefore = try await store.auditCount()
        await expectStoreError(.notFound, "an unknown token id") {
            try await store.revokeToken(id: max(a.id, b.id) + 1000, atMillis: 6_000, audit: auditNote("token.revoke", target: "nothing"))
        }
        #expect(try await store.auditCount() == countBefore, "the refused revocation wrote its audit row")
        #expect(try await allAudit(store).map(\.action) == ["token.create", "token.revoke"])
    }

    @Test("an account change with an audit note the chain refuses is invalidText and changes nothing", arguments: Engine.allCases)
    func invalidAuditTextWritesNothing(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        await expectStoreError(.invalidText, "addUser with a NUL in the audit detail") {
            _ = try await store.addUser(newUser("tanaka"), audit: auditNote("user.add", detail: "a\u{0}b"))
        }
        #expect(try await store.user(login: "tanaka") == nil)
        await expectStoreError(.invalidText, "registerSubjectKey with a bidi override in the audit target") {
            _ = try await store.registerSubjectKey(
                reference: "juki-1", key: SecureRandom.bytes(32), at: 1, audit: auditNote("subject.register", target: "\u{202E}x"))
        }
        #expect(try await store.currentSubjectKey(reference: "juki-1") == nil)
        let secret = SHA256.hash(Array("akashi_x".utf8))
        await expectStoreError(.invalidText, "createToken with a control character in the audit actor") {
            _ = try await store.createToken(
                name: "t", role: "clerk", secretHash: secret, atMillis: 1, audit: auditNote("token.create", actor: "cli:\u{1B}[31mroot"))
        }
        #expect(try await store.token(secretHash: secret) == nil)
        #expect(try await store.tokens() == [])
        #expect(try await store.auditCount() == 0)
    }
}
