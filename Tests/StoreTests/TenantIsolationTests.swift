import AkashiCrypto
import Foundation
import Store
import Testing

/// Many authorities in one PostgreSQL database: nothing of one is visible to,
/// or changeable through, another's store.
@Suite("PostgresStore: authorities in one database are isolated", .timeLimit(.minutes(1)))
struct TenantIsolationTests {
    @Test("everything written through A's store is invisible to B's, B cannot change it, and B's log, chain and sequencer are its own")
    func isolation() async throws {
        let a = try await makeStore(.postgres).store
        let b = try await makeStore(.postgres).store
        #expect(a.authority != b.authority)

        // Town A: a log with certificates, statuses, a published checkpoint, staff, a session, a token, audit rows.
        try await a.initializeLog(checkpoint(0, origin: "a.test/log"))
        let subject = SHA256.hash(Array("a document of A".utf8))
        let issued = certificate(kind: "residence", issuedAt: 1_000, searchText: "やまだ たろう", idempotency: IdempotentResponse(key: "shared-key", response: [0xA]))
        let revoked = certificate(kind: "tax", issuedAt: 1_001, searchText: "やまだ はなこ")
        try await a.commit(
            LogBatch(
                startSize: 0,
                entries: [
                    LogBatch.Entry(index: 0, bytes: entryBytes(0, tag: "A"), subject: subject, effect: .issue(issued, audit: auditNote("issue"))),
                    LogBatch.Entry(index: 1, bytes: entryBytes(1, tag: "A"), subject: nil, effect: .issue(revoked, audit: auditNote("issue"))),
                    LogBatch.Entry(index: 2, bytes: entryBytes(2, tag: "A"), subject: nil, effect: .audit(auditNote("documents.append"))),
                ],
                tiles: levelZeroTiles(from: 0, to: 3, tag: "A"), checkpoint: checkpoint(3, at: 100, origin: "a.test/log")))
        try await a.commit(
            LogBatch(
                startSize: 3,
                entries: [
                    LogBatch.Entry(
                        index: 3, bytes: entryBytes(3, tag: "A"), subject: nil,
                        effect: .revoke(serial: revoked.serial, reason: "keyCompromise", at: 1_002, audit: auditNote("revoke")))
                ],
                tiles: levelZeroTiles(from: 0, to: 4, tag: "A"), checkpoint: checkpoint(4, at: 200, published: false, origin: "a.test/log")))
        try await a.publish(size: 4, note: note(4, origin: "a.test/log") + "— witness.test AAAA\n")
        _ = try await a.registerSubjectKey(reference: "juki-1", key: SecureRandom.bytes(32), at: 5, audit: auditNote("subject.register"))
        let tanaka = try await a.addUser(newUser("tanaka", hash: "a-hash"), audit: auditNote("user.add"))
        let sessionHash = tokenHash()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await a.createSession(
            NewSession(tokenHash: sessionHash, userID: tanaka.id, csrfToken: "csrf", address: nil, createdAtMillis: now, expiresAtMillis: now + 3_600_000))
        let secret = SHA256.hash(Array("akashi_a-secret".utf8))
        let token = try await a.createToken(name: "a-token", role: "clerk", secretHash: secret, atMillis: 7, audit: auditNote("token.create"))
        _ = try await a.appendAudit(auditNote("login"))
        let seenInA = try await Observation.of(a, serials: [issued.serial, revoked.serial], keys: ["shared-key"], subjects: [subject])

        // B sees none of it, before it has a log of its own.
        #expect(try await b.logState() == nil)
        #expect(try await b.tile(level: 0, index: 0) == nil)
        #expect(try await b.checkpointNotes() == [])
        #expect(try await b.checkpointNote(size: 0) == nil)
        #expect(try await b.checkpointNote(size: 4) == nil)
        #expect(try await b.firstPublishedNote(covering: 0) == nil)
        #expect(try await b.logSize(asOf: 10_000) == 0)
        #expect(try await b.entry(at: 0) == nil)
        #expect(((try? await b.entries(0..<4)) ?? []) == [])
        #expect(try await b.entryIndices(subject: subject) == [])
        #expect(try await b.certificate(serial: issued.serial) == nil)
        #expect(try await b.certificates(matching: CertificateQuery()) == [])
        #expect(try await b.certificates(matching: CertificateQuery(text: "やまだ")) == [])
        #expect(try await b.certificates(matching: CertificateQuery(serial: issued.serial)) == [])
        #expect(try await b.certificateCounts(from: 0, until: 10_000) == [:])
        #expect(try await b.certificateStatus(serial: revoked.serial) == nil)
        #expect(try await b.currentSubjectKey(reference: "juki-1") == nil)
        #expect(try await b.subjectKeyHistory(reference: "juki-1") == [])
        #expect(try await b.users() == [])
        #expect(try await b.user(login: "tanaka") == nil)
        #expect(try await b.user(id: tanaka.id) == nil)
        #expect(try await b.credentials(login: "tanaka") == nil)
        #expect(try await b.session(tokenHash: sessionHash) == nil)
        #expect(try await b.token(secretHash: secret) == nil)
        #expect(try await b.tokens() == [])
        #expect(try await b.auditCount() == 0)
        #expect(try await b.auditEvents(AuditFilter(), limit: 100, offset: 0) == [])
        #expect(try await allAudit(b) == [])
        #expect(try await b.idempotentResponse(key: "shared-key") == nil)

        // Nothing of A can be changed through B.
        try? await b.endSession(tokenHash: sessionHash)
        try? await b.setPasswordHash(login: "tanaka", hash: "b-hash", atMillis: 9, audit: nil)
        try? await b.setRole(login: "tanaka", role: "admin", audit: nil)
        try? await b.setDisabled(login: "tanaka", true, audit: nil)
        await expectStoreError(.notFound, "B revoking A's token") { try await b.revokeToken(id: token.id, atMillis: 9, audit: nil) }
        await expectStoreError(.notFound, "a session in B for A's user") {
            _ = try await b.createSession(
                NewSession(tokenHash: tokenHash(), userID: tanaka.id, csrfToken: "x", address: nil, createdAtMillis: now, expiresAtMillis: now + 1_000))
        }
        // B has no log: a batch from A's size must fail (and write nothing, checked below).
        await #expect(throws: (any Error).self, "B committing onto A's log size") { try await b.commit(batch(from: 4, plainEntries(1))) }

        // B's own log, chain and records start from nothing, with A's values allowed again.
        let firstB = try await b.appendAudit(auditNote("login", actor: "suzuki"))
        #expect(firstB.seq == 1 && firstB.previousHash == AuditEvent.zeroHash, "B's chain does not start at seq 1")
        try await b.initializeLog(checkpoint(0, origin: "b.test/log"))
        let sameSerial = certificate(serial: issued.serial, kind: "tax", searchText: "b", idempotency: IdempotentResponse(key: "shared-key", response: [0xB]))
        try await b.commit(
            LogBatch(
                startSize: 0,
                entries: [LogBatch.Entry(index: 0, bytes: entryBytes(0, tag: "B"), subject: subject, effect: .issue(sameSerial, audit: auditNote("issue")))],
                tiles: levelZeroTiles(from: 0, to: 1, tag: "B"), checkpoint: checkpoint(1, at: 300, origin: "b.test/log")))
        let tanakaB = try await b.addUser(newUser("tanaka", hash: "b-hash"), audit: nil)
        #expect(tanakaB.login == "tanaka")
        #expect(try await b.logState() == LogState(latestNote: note(1, origin: "b.test/log"), publishedNote: note(1, origin: "b.test/log"), entryCount: 1))
        #expect(try await b.checkpointNotes() == [note(0, origin: "b.test/log"), note(1, origin: "b.test/log")])
        #expect(try await b.certificate(serial: issued.serial) == record(sameSerial, at: 0))
        #expect(try await b.idempotentResponse(key: "shared-key") == [0xB])
        #expect(try await b.entryIndices(subject: subject) == [0])
        #expect(try await b.tile(level: 0, index: 0) == leafHash(0, tag: "B"))
        #expect(try await b.statusSnapshot() == StatusSnapshot(latestNote: note(1, origin: "b.test/log"), entries: [:]))
        #expect(try await b.certificateStatus(serial: revoked.serial) == nil)
        try await expectIntactChain(b, count: 2)

        // A is exactly as it was.
        #expect(try await Observation.of(a, serials: [issued.serial, revoked.serial], keys: ["shared-key"], subjects: [subject]) == seenInA)
        #expect(try await a.session(tokenHash: sessionHash)?.user == tanaka)
        #expect(try await a.credentials(login: "tanaka")?.passwordHash == "a-hash")
        #expect(try await a.user(login: "tanaka") == tanaka)
        #expect(try await a.token(secretHash: secret) == token)
        try await expectIntactChain(a, count: 8)

        // Sequencers are per authority.
        let leaseA = try await a.acquireSequencer()
        let leaseB = try await b.acquireSequencer()
        #expect(await leaseA.isHeld)
        #expect(await leaseB.isHeld)
        await expectStoreError(.locked, "B's second acquire") { _ = try await b.acquireSequencer() }
        await expectStoreError(.locked, "A's second acquire") { _ = try await a.acquireSequencer() }
        await leaseB.release()
        await expectStoreError(.locked, "A's, after B released") { _ = try await a.acquireSequencer() }
        await leaseA.release()
    }
}
