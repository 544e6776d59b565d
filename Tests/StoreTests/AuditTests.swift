import Foundation
import Store
import Testing

/// The hash-chained audit trail.
@Suite("Store conformance: the audit chain", .timeLimit(.minutes(1)))
struct AuditTests {
    @Test("appendAudit chains rows 1, 2, 3 with previous hashes and valid hashes, fields exactly as given", arguments: Engine.allCases)
    func chain(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let notes = [
            auditNote("login", actor: "tanaka", role: "clerk", target: nil, detail: nil, address: "192.0.2.1", at: 1_700_000_000_001),
            // nil and "" differ; Japanese, emoji, TAB and line breaks (allowed in multi-line text) kept exactly.
            auditNote("issue", actor: "token:12", role: "", target: "", detail: "住民票の写し\t二通 🗾\nline two\r\nend", address: nil, at: -5),
            auditNote("login.failed", actor: "system", role: nil, target: "suzuki", detail: "", address: "2001:db8::1", at: Int64(1) << 50),
        ]
        var appended: [AuditEvent] = []
        for note in notes { appended.append(try await store.appendAudit(note)) }

        #expect(appended.map(\.seq) == [1, 2, 3])
        #expect(appended[0].previousHash == AuditEvent.zeroHash)
        #expect(appended[1].previousHash == appended[0].hash)
        #expect(appended[2].previousHash == appended[1].hash)
        for (event, note) in zip(appended, notes) {
            #expect(event.hashIsValid)
            #expect(event.actor == note.actor && event.role == note.role && event.action == note.action)
            #expect(event.target == note.target && event.detail == note.detail && event.address == note.address && event.atMillis == note.atMillis)
        }
        #expect(try await allAudit(store) == appended, "the stored rows are not the appended ones")
        #expect(try await store.auditEvents(AuditFilter(), limit: 10, offset: 0) == appended.reversed())
        try await expectIntactChain(store, count: 3)
    }

    @Test("filters (since ≤ at < until, actor, action), newest first, limit and offset; forEachAuditEvent oldest first", arguments: Engine.allCases)
    func filters(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let plan: [(String, String, Int64)] = [
            ("tanaka", "login", 1_000), ("suzuki", "login", 2_000), ("tanaka", "issue", 3_000),
            ("tanaka", "issue", 4_000), ("suzuki", "revoke", 5_000), ("tanaka", "logout", 6_000),
        ]
        var rows: [AuditEvent] = []
        for (actor, action, at) in plan { rows.append(try await store.appendAudit(auditNote(action, actor: actor, at: at))) }
        func events(_ filter: AuditFilter, limit: Int = 100, offset: Int = 0) async throws -> [Int64] {
            try await store.auditEvents(filter, limit: limit, offset: offset).map(\.seq)
        }

        #expect(try await events(AuditFilter()) == [6, 5, 4, 3, 2, 1])
        #expect(try await events(AuditFilter(), limit: 2) == [6, 5])
        #expect(try await events(AuditFilter(), limit: 2, offset: 1) == [5, 4])
        #expect(try await events(AuditFilter(), limit: 10, offset: 5) == [1])
        #expect(try await events(AuditFilter(), limit: 10, offset: 6) == [])
        #expect(try await events(AuditFilter(sinceMillis: 3_000)) == [6, 5, 4, 3], "since is inclusive")
        #expect(try await events(AuditFilter(untilMillis: 3_000)) == [2, 1], "until is exclusive")
        #expect(try await events(AuditFilter(sinceMillis: 2_000, untilMillis: 5_000)) == [4, 3, 2])
        #expect(try await events(AuditFilter(actor: "tanaka")) == [6, 4, 3, 1])
        #expect(try await events(AuditFilter(action: "issue")) == [4, 3])
        #expect(try await events(AuditFilter(actor: "tanaka", action: "login")) == [1])
        #expect(try await events(AuditFilter(actor: "tanak")) == [], "actor is matched exactly")
        #expect(try await events(AuditFilter(sinceMillis: 2_500, actor: "tanaka"), limit: 2, offset: 1) == [4, 3])

        #expect(try await allAudit(store) == rows)
        #expect(try await allAudit(store, AuditFilter(actor: "suzuki")).map(\.seq) == [2, 5])
        #expect(try await allAudit(store, AuditFilter(sinceMillis: 2_000, untilMillis: 4_001, action: "issue")).map(\.seq) == [3, 4])
        #expect(try await store.auditCount() == 6)
    }

    @Test("text with NUL, a refused control character or no actor/action is invalidText, and no row is written", arguments: Engine.allCases)
    func invalidText(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let first = try await store.appendAudit(auditNote("login"))
        let bad: [(String, AuditNote)] = [
            ("NUL in the detail", auditNote("issue", detail: "before\u{0}after")),
            ("NUL in the actor", auditNote("issue", actor: "tanaka\u{0}")),
            ("BEL in the target", auditNote("issue", target: "x\u{7}")),
            ("ESC in the action", auditNote("issue\u{1B}")),
            ("DEL in the role", auditNote("issue", role: "clerk\u{7F}")),
            ("a C1 control in the address", auditNote("issue", address: "\u{85}")),
            ("a bidi override in the detail", auditNote("issue", detail: "\u{202E}txt.exe")),
            ("a line separator in the detail", auditNote("issue", detail: "a\u{2028}b")),
            ("a zero-width space in the actor", auditNote("issue", actor: "tana\u{200B}ka")),
            ("an empty actor", auditNote("issue", actor: "")),
            ("an empty action", auditNote("")),
        ]
        for (what, note) in bad {
            await expectStoreError(.invalidText, what) { _ = try await store.appendAudit(note) }
        }
        #expect(try await store.auditCount() == 1)
        #expect(try await allAudit(store) == [first])
        // The chain goes on from the last good row.
        let second = try await store.appendAudit(auditNote("logout"))
        #expect(second.seq == 2 && second.previousHash == first.hash)
        try await expectIntactChain(store, count: 2)
    }

    @Test("rows written by log effects and account changes share the one chain", arguments: Engine.allCases)
    func oneChain(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        _ = try await store.appendAudit(auditNote("login"))
        try await store.commit(batch(from: 0, [TestEntry(effect: .issue(certificate(), audit: auditNote("issue")))]))
        _ = try await store.addUser(newUser("suzuki"), audit: auditNote("user.add"))
        try await store.commit(batch(from: 1, [TestEntry(effect: .audit(auditNote("documents.append")))]))
        _ = try await store.registerSubjectKey(reference: "r", key: Array(repeating: 7, count: 32), at: 5, audit: auditNote("subject.register"))
        _ = try await store.createToken(name: "n", role: "clerk", secretHash: Array(repeating: 9, count: 32), atMillis: 6, audit: auditNote("token.create"))
        #expect(try await allAudit(store).map(\.action) == ["login", "issue", "user.add", "documents.append", "subject.register", "token.create"])
        try await expectIntactChain(store, count: 6)
    }

    @Test("idempotentResponse: nil for an unknown key", arguments: Engine.allCases)
    func idempotentResponseUnknown(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        #expect(try await store.idempotentResponse(key: "never") == nil)
    }
}
