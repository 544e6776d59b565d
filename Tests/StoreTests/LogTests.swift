import AkashiCrypto
import Foundation
import Store
import Testing

/// The log half of ``AuthorityStore``: initialization, batches, tiles,
/// checkpoints and entries.
@Suite("Store conformance: the log", .timeLimit(.minutes(1)))
struct LogTests {
    @Test("a fresh store has no log, no rows, and knows its authority", arguments: Engine.allCases)
    func freshStore(engine: Engine) async throws {
        let t = try await makeStore(engine)
        #expect(t.store.authority == t.authority)
        #expect(try await t.store.logState() == nil)
        #expect(try await t.store.checkpointNotes() == [])
        #expect(try await t.store.checkpointNote(size: 0) == nil)
        #expect(try await t.store.entry(at: 0) == nil)
        #expect(try await t.store.tile(level: 0, index: 0) == nil)
        #expect(try await t.store.logSize(asOf: Int64.max / 2) == 0)
        #expect(try await t.store.auditCount() == 0)
        #expect(try await t.store.users() == [])
        #expect(try await t.store.tokens() == [])
    }

    @Test("initializeLog stores the first checkpoint once; the second time is duplicate and changes nothing", arguments: Engine.allCases)
    func initializeOnce(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let first = checkpoint(0, at: 1_700_000_000)
        try await t.store.initializeLog(first)
        let expected = LogState(latestNote: first.note, publishedNote: first.note, entryCount: 0)
        #expect(try await t.store.logState() == expected)
        #expect(try await t.store.checkpointNotes() == [first.note])
        #expect(try await t.store.checkpointNote(size: 0) == first.note)

        let other = checkpoint(0, at: 1_700_000_500, origin: "akashi.test/another")
        await expectStoreError(.duplicate, "a second initializeLog") { try await t.store.initializeLog(other) }
        #expect(try await t.store.logState() == expected)
        #expect(try await t.store.checkpointNotes() == [first.note])
    }

    @Test("an unpublished first checkpoint: no published note yet", arguments: Engine.allCases)
    func initializeUnpublished(engine: Engine) async throws {
        let t = try await makeStore(engine)
        try await initialized(t, published: false)
        #expect(try await t.store.logState() == LogState(latestNote: note(0), publishedNote: nil, entryCount: 0))
        #expect(try await t.store.firstPublishedNote(covering: 0) == nil)
    }

    @Test("commits store entries, subjects, tiles and checkpoints", arguments: Engine.allCases)
    func commitBatches(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let subject = SHA256.hash(Array("a document".utf8))
        let lonely = SHA256.hash(Array("another document".utf8))
        try await store.commit(batch(from: 0, [TestEntry(subject: subject), TestEntry(), TestEntry(subject: lonely)], at: 1_700_000_010))
        #expect(try await store.logState() == LogState(latestNote: note(3), publishedNote: note(3), entryCount: 3))
        try await store.commit(batch(from: 3, [TestEntry(subject: subject), TestEntry()], at: 1_700_000_020))

        #expect(try await store.logState() == LogState(latestNote: note(5), publishedNote: note(5), entryCount: 5))
        #expect(try await store.entries(0..<5) == (0..<5).map { entryBytes($0) })
        #expect(try await store.entries(1..<4) == (1..<4).map { entryBytes($0) })
        #expect(try await store.entries(2..<2) == [])
        for index in UInt64(0)..<5 { #expect(try await store.entry(at: index) == entryBytes(index)) }
        #expect(try await store.entry(at: 5) == nil)
        #expect(try await store.entryIndices(subject: subject) == [0, 3])
        #expect(try await store.entryIndices(subject: lonely) == [2])
        #expect(try await store.entryIndices(subject: SHA256.hash(Array("never logged".utf8))) == [])

        // The partial tile grew in place: the second batch's version replaced the first.
        #expect(try await store.tile(level: 0, index: 0) == (0..<5).flatMap { leafHash($0) })
        #expect(try await store.tile(level: 0, index: 1) == nil)
        #expect(try await store.tile(level: 1, index: 0) == nil)

        #expect(try await store.checkpointNotes() == [note(0), note(3), note(5)])
        #expect(try await store.checkpointNote(size: 3) == note(3))
        #expect(try await store.checkpointNote(size: 4) == nil)
    }

    @Test("tiles across a tile boundary, and tiles of higher levels", arguments: Engine.allCases)
    func tilesAcrossBoundary(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        try await store.commit(batch(from: 0, plainEntries(250)))
        let levelOne = SHA256.hash(Array("level 1".utf8))
        let next = batch(from: 250, plainEntries(10))
        try await store.commit(
            LogBatch(
                startSize: next.startSize, entries: next.entries, tiles: next.tiles + [LogBatch.Tile(level: 1, index: 0, hashes: levelOne)],
                checkpoint: next.checkpoint))
        #expect(try await store.tile(level: 0, index: 0) == (0..<256).flatMap { leafHash($0) })
        #expect(try await store.tile(level: 0, index: 1) == (256..<260).flatMap { leafHash($0) })
        #expect(try await store.tile(level: 1, index: 0) == levelOne)
        #expect(try await store.entries(248..<260) == (248..<260).map { entryBytes($0) })
    }

    @Test("a batch whose startSize is not the stored size is a conflict and writes nothing", arguments: Engine.allCases)
    func conflictWritesNothing(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let old = certificate()
        try await store.commit(batch(from: 0, [TestEntry(effect: .issue(old, audit: auditNote("issue"))), TestEntry()]))
        _ = try await store.appendAudit(auditNote("login"))

        let fresh = certificate(idempotency: IdempotentResponse(key: "conflict-key", response: [1, 2, 3]))
        let subject = SHA256.hash(Array("conflicting".utf8))
        func effects() -> [TestEntry] {
            [
                TestEntry(subject: subject, effect: .issue(fresh, audit: auditNote("issue"))),
                TestEntry(effect: .revoke(serial: old.serial, reason: "keyCompromise", at: 1_700_000_100, audit: auditNote("revoke"))),
                TestEntry(effect: .audit(auditNote("documents.append"))),
            ]
        }
        let before = try await Observation.of(store, serials: [old.serial, fresh.serial], keys: ["conflict-key"], subjects: [subject])
        for start in [UInt64(0), 1, 3, 7] {
            await expectStoreError(.conflict, "startSize \(start) on a log of 2") {
                try await store.commit(batch(from: start, effects(), tag: " (conflicting)"))
            }
            let after = try await Observation.of(store, serials: [old.serial, fresh.serial], keys: ["conflict-key"], subjects: [subject])
            #expect(after == before, "a refused batch (startSize \(start)) changed the store")
        }
        // The same batch at the right size commits: it was refused for its startSize only.
        try await store.commit(batch(from: 2, effects()))
        #expect(try await store.logState()?.entryCount == 5)
        #expect(try await store.certificate(serial: fresh.serial) == record(fresh, at: 2))
        #expect(try await store.auditCount() == 5)
    }

    @Test("publish marks a checkpoint published and replaces its note by the cosigned one", arguments: Engine.allCases)
    func publish(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        try await store.commit(batch(from: 0, plainEntries(2), published: false))
        #expect(try await store.logState() == LogState(latestNote: note(2), publishedNote: note(0), entryCount: 2))

        let cosigned = note(2) + "— witness.test/w1 AAAAcosignature\n"
        try await store.publish(size: 2, note: cosigned)
        #expect(try await store.logState() == LogState(latestNote: cosigned, publishedNote: cosigned, entryCount: 2))
        #expect(try await store.checkpointNote(size: 2) == cosigned)
        #expect(try await store.checkpointNotes() == [note(0), cosigned])
        #expect(try await store.firstPublishedNote(covering: 1) == cosigned)
        #expect(try await store.statusSnapshot().latestNote == cosigned)
    }

    @Test("checkpoint history: firstPublishedNote(covering:) and logSize(asOf:)", arguments: Engine.allCases)
    func checkpointQueries(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = t.store
        try await store.initializeLog(checkpoint(0, at: 1_000))
        try await store.commit(batch(from: 0, plainEntries(2), at: 1_010, published: true))
        try await store.commit(batch(from: 2, plainEntries(3), at: 1_020, published: false))
        try await store.commit(batch(from: 5, plainEntries(2), at: 1_030, published: true))
        try await store.commit(batch(from: 7, plainEntries(2), at: 1_040, published: false))

        #expect(try await store.logState() == LogState(latestNote: note(9), publishedNote: note(7), entryCount: 9))
        #expect(try await store.checkpointNotes() == [note(0), note(2), note(5), note(7), note(9)])
        // The smallest *published* checkpoint with size > index.
        let covering: [(UInt64, String?)] = [(0, note(2)), (1, note(2)), (2, note(7)), (4, note(7)), (6, note(7)), (7, nil), (8, nil), (100, nil)]
        for (index, expected) in covering {
            #expect(try await store.firstPublishedNote(covering: index) == expected, "covering \(index)")
        }
        // The largest size signed at or before the time, published or not.
        let sizes: [(Int64, UInt64)] = [(0, 0), (999, 0), (1_000, 0), (1_009, 0), (1_010, 2), (1_019, 2), (1_020, 5), (1_035, 7), (1_040, 9), (9_999_999, 9)]
        for (time, expected) in sizes {
            #expect(try await store.logSize(asOf: time) == expected, "as of \(time)")
        }

        let cosigned = note(9) + "— witness.test/w1 BBBBcosignature\n"
        try await store.publish(size: 9, note: cosigned)
        #expect(try await store.firstPublishedNote(covering: 7) == cosigned)
        #expect(try await store.firstPublishedNote(covering: 8) == cosigned)
        #expect(try await store.firstPublishedNote(covering: 2) == note(7))
        #expect(try await store.logState()?.publishedNote == cosigned)
    }
}
