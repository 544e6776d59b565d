import AkashiCrypto
import Foundation
import Store
import Testing

/// What commits with a log entry: certificate records, status changes, audit
/// rows and idempotent responses — all with the batch, or nothing.
@Suite("Store conformance: effects of log entries", .timeLimit(.minutes(1)))
struct EffectTests {
    @Test(".issue writes the record at the entry's index and its audit row with ' log=<index>'", arguments: Engine.allCases)
    func issue(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let a = certificate(kind: "residence", issuedAt: 1_700_000_001, expiresAt: 1_800_000_000)
        let b = certificate(
            kind: "tax", issuedAt: 1_700_000_002, issuedBy: nil, idempotency: IdempotentResponse(key: "req-1", response: Array("{\"serial\":1}".utf8)))
        let c = certificate(kind: "tax", issuedAt: 1_700_000_003)
        let noteA = auditNote("issue", target: "A", detail: "kind=residence", at: 1_700_000_001_000)
        let noteC = auditNote("issue", actor: "token:7", role: nil, target: "C", detail: nil, address: nil, at: 1_700_000_003_000)
        try await store.commit(
            batch(
                from: 0,
                [TestEntry(), TestEntry(effect: .issue(a, audit: noteA)), TestEntry(effect: .issue(b, audit: nil)), TestEntry(effect: .issue(c, audit: noteC))])
        )

        #expect(try await store.certificate(serial: a.serial) == record(a, at: 1))
        #expect(try await store.certificate(serial: b.serial) == record(b, at: 2))
        #expect(try await store.certificate(serial: c.serial) == record(c, at: 3))
        #expect(try await store.certificate(serial: randomSerial()) == nil)
        #expect(try await store.certificateStatus(serial: a.serial) == nil)
        #expect(try await store.idempotentResponse(key: "req-1") == Array("{\"serial\":1}".utf8))
        #expect(try await store.idempotentResponse(key: "req-2") == nil)

        let rows = try await allAudit(store)
        try #require(rows.count == 2, "one audit row per audited effect: \(rows)")
        #expect(rows[0].detail == "kind=residence log=1")
        #expect(rows[1].detail == "log=3", "a nil detail becomes 'log=<index>'")
        for (row, note) in zip(rows, [noteA, noteC]) {
            #expect(row.actor == note.actor && row.role == note.role && row.action == note.action)
            #expect(row.target == note.target && row.address == note.address && row.atMillis == note.atMillis)
        }
        try await expectIntactChain(store, count: 2)
    }

    @Test(".revoke and .supersede record the status; the snapshot lists them by the certificate's log index", arguments: Engine.allCases)
    func revokeAndSupersede(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let a = certificate(), b = certificate(), c = certificate(), successor = certificate(), e = certificate()
        try await store.commit(batch(from: 0, [a, b, c, successor, e].map { TestEntry(effect: .issue($0, audit: nil)) }))
        let replacement = certificate()
        try await store.commit(
            batch(
                from: 5,
                [
                    TestEntry(
                        effect: .revoke(
                            serial: a.serial, reason: "keyCompromise", at: 1_700_000_100,
                            audit: auditNote("revoke", target: "a", detail: "reason=keyCompromise"))),
                    TestEntry(effect: .supersede(serial: b.serial, successorIndex: 3, at: 1_700_000_200, audit: auditNote("reissue", target: "b"))),
                    // The successor issued in the same batch, just before.
                    TestEntry(effect: .issue(replacement, audit: nil)),
                    TestEntry(effect: .supersede(serial: e.serial, successorIndex: 7, at: 1_700_000_400, audit: nil)),
                ]))

        #expect(try await store.certificateStatus(serial: a.serial) == .revoked(reason: "keyCompromise", at: 1_700_000_100))
        #expect(try await store.certificateStatus(serial: b.serial) == .superseded(successor: successor.serial, successorIndex: 3, at: 1_700_000_200))
        #expect(try await store.certificateStatus(serial: c.serial) == nil)
        #expect(try await store.certificateStatus(serial: e.serial) == .superseded(successor: replacement.serial, successorIndex: 7, at: 1_700_000_400))
        #expect(try await store.certificateStatus(serial: randomSerial()) == nil)

        let snapshot = try await store.statusSnapshot()
        #expect(snapshot.latestNote == note(9))
        #expect(
            snapshot.entries == [
                0: .revoked(reason: "keyCompromise", at: 1_700_000_100),
                1: .superseded(successor: successor.serial, successorIndex: 3, at: 1_700_000_200),
                4: .superseded(successor: replacement.serial, successorIndex: 7, at: 1_700_000_400),
            ])
        let rows = try await allAudit(store)
        #expect(rows.map(\.detail) == ["reason=keyCompromise log=5", "log=6"])
        #expect(rows.map(\.action) == ["revoke", "reissue"])
    }

    @Test(".supersede by an entry with no certificate record of this authority: superseded, successor nil", arguments: Engine.allCases)
    func supersedeByUnrecordedSuccessor(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let d = certificate()
        // Entry 1 is a plain entry (say, another town's successor is not in this record).
        try await store.commit(batch(from: 0, [TestEntry(effect: .issue(d, audit: nil)), TestEntry()]))
        try await store.commit(batch(from: 2, [TestEntry(effect: .supersede(serial: d.serial, successorIndex: 1, at: 1_700_000_300, audit: nil))]))
        #expect(try await store.certificateStatus(serial: d.serial) == .superseded(successor: nil, successorIndex: 1, at: 1_700_000_300))
        #expect(try await store.statusSnapshot().entries == [0: .superseded(successor: nil, successorIndex: 1, at: 1_700_000_300)])
    }

    @Test("a revoke or supersede of a certificate no longer valid is a conflict, and the whole batch writes nothing", arguments: Engine.allCases)
    func refusedEffectsWriteNothing(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let revoked = certificate(), superseded = certificate(), valid = certificate(), successor = certificate()
        try await store.commit(batch(from: 0, [revoked, superseded, valid, successor].map { TestEntry(effect: .issue($0, audit: auditNote("issue"))) }))
        try await store.commit(
            batch(
                from: 4,
                [
                    TestEntry(effect: .revoke(serial: revoked.serial, reason: "cessationOfOperation", at: 10, audit: auditNote("revoke"))),
                    TestEntry(effect: .supersede(serial: superseded.serial, successorIndex: 3, at: 20, audit: auditNote("reissue"))),
                ]))
        let size: UInt64 = 6

        let newcomer = certificate(idempotency: IdempotentResponse(key: "newcomer", response: [9]))
        let issueNew = TestEntry(subject: SHA256.hash(newcomer.serial), effect: .issue(newcomer, audit: auditNote("issue", detail: "newcomer")))
        func revoke(_ c: NewCertificate) -> TestEntry {
            TestEntry(effect: .revoke(serial: c.serial, reason: "superseded", at: 30, audit: auditNote("revoke")))
        }
        func supersede(_ c: NewCertificate) -> TestEntry {
            TestEntry(effect: .supersede(serial: c.serial, successorIndex: 3, at: 40, audit: auditNote("reissue")))
        }
        let refused: [(String, [TestEntry])] = [
            ("revoke a revoked certificate", [issueNew, revoke(revoked), TestEntry(effect: .audit(auditNote("documents.append")))]),
            ("supersede a revoked certificate", [issueNew, supersede(revoked)]),
            ("revoke a superseded certificate", [revoke(superseded), issueNew]),
            ("supersede a superseded certificate", [issueNew, supersede(superseded)]),
            ("revoke one certificate twice in one batch", [revoke(valid), issueNew, revoke(valid)]),
            ("supersede, then revoke, in one batch", [supersede(valid), revoke(valid)]),
        ]
        let serials = [revoked.serial, superseded.serial, valid.serial, newcomer.serial]
        let before = try await Observation.of(store, serials: serials, keys: ["newcomer"], subjects: [SHA256.hash(newcomer.serial)])
        for (what, entries) in refused {
            await expectStoreError(.conflict, "\(what)") { try await store.commit(batch(from: size, entries, tag: " refused")) }
            let after = try await Observation.of(store, serials: serials, keys: ["newcomer"], subjects: [SHA256.hash(newcomer.serial)])
            #expect(after == before, "a refused batch (\(what)) changed the store")
        }

        // Revoking a serial the store never issued: not valid, so refused too (conflict or notFound).
        do {
            try await store.commit(batch(from: size, [issueNew, revoke(certificate())]))
            Issue.record("revoking an unknown serial was accepted")
        } catch let error as StoreError {
            #expect(error.code == .conflict || error.code == .notFound, "got \(error.code): \(error.reason)")
        }
        #expect(try await Observation.of(store, serials: serials, keys: ["newcomer"], subjects: [SHA256.hash(newcomer.serial)]) == before)

        // The valid certificate is still valid: the refused batches changed nothing.
        try await store.commit(batch(from: size, [issueNew, revoke(valid)]))
        #expect(try await store.certificateStatus(serial: valid.serial) == .revoked(reason: "superseded", at: 30))
        #expect(try await store.certificate(serial: newcomer.serial) == record(newcomer, at: size))
        try await expectIntactChain(store, count: 4 + 2 + 2)
    }

    @Test("an idempotency key or a serial used again is refused, and the batch writes nothing", arguments: Engine.allCases)
    func duplicates(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let first = certificate(idempotency: IdempotentResponse(key: "key-1", response: [1]))
        try await store.commit(batch(from: 0, [TestEntry(effect: .issue(first, audit: auditNote("issue")))]))
        let again = certificate(idempotency: IdempotentResponse(key: "key-1", response: [2]))
        let sameSerial = certificate(serial: first.serial, kind: "tax")
        let bystander = certificate()
        let before = try await Observation.of(store, serials: [first.serial, again.serial, bystander.serial], keys: ["key-1"])

        await expectStoreError(.duplicate, "an idempotency key recorded before") {
            try await store.commit(
                batch(from: 1, [TestEntry(effect: .issue(bystander, audit: nil)), TestEntry(effect: .issue(again, audit: auditNote("issue")))]))
        }
        #expect(try await Observation.of(store, serials: [first.serial, again.serial, bystander.serial], keys: ["key-1"]) == before)
        #expect(try await store.idempotentResponse(key: "key-1") == [1])

        do {
            try await store.commit(batch(from: 1, [TestEntry(effect: .issue(bystander, audit: nil)), TestEntry(effect: .issue(sameSerial, audit: nil))]))
            Issue.record("a second certificate with the same serial was accepted")
        } catch let error as StoreError {
            #expect(error.code == .duplicate || error.code == .conflict, "got \(error.code): \(error.reason)")
        }
        #expect(try await Observation.of(store, serials: [first.serial, again.serial, bystander.serial], keys: ["key-1"]) == before)
    }

    @Test(".audit writes only an audit row, with ' log=<index>'", arguments: Engine.allCases)
    func auditEffect(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        _ = try await store.appendAudit(auditNote("login"))
        try await store.commit(
            batch(
                from: 0,
                [
                    TestEntry(), TestEntry(effect: .audit(auditNote("documents.append", target: "doc", detail: "sha256=ab"))),
                    TestEntry(effect: .audit(auditNote("note", detail: nil))),
                ]))
        let rows = try await allAudit(store)
        #expect(rows.map(\.detail) == [nil, "sha256=ab log=1", "log=2"])
        #expect(rows.map(\.action) == ["login", "documents.append", "note"])
        #expect(try await store.certificates(matching: CertificateQuery()) == [])
        try await expectIntactChain(store, count: 3)
    }

    @Test("an audit note with text the chain cannot keep fails the batch with invalidText, and nothing is written", arguments: Engine.allCases)
    func invalidTextInBatch(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let c = certificate()
        let before = try await Observation.of(store, serials: [c.serial])
        let bad: [AuditNote] = [
            auditNote("issue", detail: "nul\u{0}here"),
            auditNote("issue", target: "bell\u{7}"),
            auditNote("issue", address: "\u{202E}evil"),
        ]
        for note in bad {
            await expectStoreError(.invalidText, "issue with \(note)") {
                try await store.commit(batch(from: 0, [TestEntry(effect: .issue(c, audit: note))]))
            }
            await expectStoreError(.invalidText, "audit with \(note)") {
                try await store.commit(batch(from: 0, [TestEntry(effect: .issue(c, audit: nil)), TestEntry(effect: .audit(note))]))
            }
            #expect(try await Observation.of(store, serials: [c.serial]) == before)
        }
    }
}
