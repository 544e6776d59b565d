import Foundation
import Store
import StoreTestSupport
import Testing

/// Many writers at once: the audit chain stays gap-free, a log batch has one winner.
@Suite("Store conformance: concurrency", .timeLimit(.minutes(1)))
struct ConcurrencyTests {
    @Test("50 concurrent appendAudit calls on one store make one gap-free chain", arguments: Engine.allCases)
    func concurrentAudit(engine: Engine) async throws {
        let store = try await makeStore(engine).store
        let appended = try await withThrowingTaskGroup(of: AuditEvent.self) { group in
            for i in 0..<50 { group.addTask { try await store.appendAudit(auditNote("login", actor: "user\(i)", at: 1_000 + Int64(i))) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(appended.map(\.seq).sorted() == Array(1...50))
        try await expectIntactChain(store, count: 50)
        let stored = try await allAudit(store)
        #expect(Set(stored) == Set(appended), "the rows appendAudit returned are not the stored ones")
    }

    @Test("audit rows appended while batches commit audit effects: still one gap-free chain", arguments: Engine.allCases)
    func auditDuringCommits(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in UInt64(0)..<10 {
                    try await store.commit(
                        batch(
                            from: round * 2,
                            [TestEntry(effect: .audit(auditNote("documents.append"))), TestEntry(effect: .issue(certificate(), audit: auditNote("issue")))]))
                }
            }
            for i in 0..<30 { group.addTask { _ = try await store.appendAudit(auditNote("login", actor: "user\(i)")) } }
            try await group.waitForAll()
        }
        #expect(try await store.logState()?.entryCount == 20)
        try await expectIntactChain(store, count: 50)
        let logged = try await allAudit(store).compactMap(\.detail).compactMap { $0.split(separator: "=").last.flatMap { UInt64($0) } }
        #expect(logged == Array(0..<20), "effect rows are not in log order")
    }

    @Test("two batches of the same startSize at once: one commits, the other is a conflict", arguments: Engine.allCases)
    func racingCommits(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        try await race(store, store)
    }

    @Test("two nodes (separate PostgresDatabase pools) appending audit rows at once: one gap-free chain")
    func twoNodesOneChain() async throws {
        let t = try await makeStore(.postgres)
        let node = try await PostgresNode()
        defer { node.stop() }
        let stores: [any AuthorityStore] = [t.store, node.database.store(authority: t.authority)]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                let store = stores[i % 2]
                group.addTask { _ = try await store.appendAudit(auditNote("login", actor: "node\(i % 2)", at: Int64(i))) }
            }
            try await group.waitForAll()
        }
        try await expectIntactChain(stores[0], count: 50)
        try await expectIntactChain(stores[1], count: 50)
    }

    @Test("two nodes committing the same startSize at once: one wins; the sequencer is exclusive across nodes")
    func twoNodesRaceAndLock() async throws {
        let t = try await makeStore(.postgres)
        let store = try await initialized(t)
        let node = try await PostgresNode()
        defer { node.stop() }
        let other = node.database.store(authority: t.authority)
        try await race(store, other)

        let lease = try await store.acquireSequencer()
        await expectStoreError(.locked, "the other node's acquire") { _ = try await other.acquireSequencer() }
        await lease.release()
        let theirs = try await other.acquireSequencer()
        await expectStoreError(.locked, "the first node's acquire") { _ = try await store.acquireSequencer() }
        await theirs.release()
    }

    /// Five rounds of two batches from the same size through `a` and `b`
    /// at once; each time exactly one commits, and the log holds its entries.
    func race(_ a: any AuthorityStore, _ b: any AuthorityStore) async throws {
        var size: UInt64 = 0
        for round in 0..<5 {
            let count = 3
            let start = size
            let results = await withTaskGroup(of: (String, (any Error)?).self) { group in
                for (tag, store) in [(" A", a), (" B", b)] {
                    group.addTask {
                        do {
                            try await store.commit(batch(from: start, [TestEntry(effect: .audit(auditNote("note\(tag)")))] + plainEntries(count - 1), tag: tag))
                            return (tag, nil)
                        } catch {
                            return (tag, error)
                        }
                    }
                }
                return await group.reduce(into: [(String, (any Error)?)]()) { $0.append($1) }
            }
            let winners = results.filter { $0.1 == nil }.map(\.0)
            try #require(winners.count == 1, "round \(round): \(winners.count) batches committed: \(results)")
            let loser = try #require(results.first { $0.1 != nil })
            #expect((loser.1 as? StoreError)?.code == .conflict, "round \(round): the other batch failed with \(String(describing: loser.1))")
            let tag = winners[0]
            #expect(try await a.entries(size..<size + UInt64(count)) == (size..<size + UInt64(count)).map { entryBytes($0, tag: tag) })
            #expect(try await b.logState()?.entryCount == size + UInt64(count))
            let tile = try await b.tile(level: 0, index: 0) ?? []
            let tileTags = stride(from: 0, to: tile.count, by: 32).map { offset in
                let hash = Array(tile[offset..<min(offset + 32, tile.count)])
                return [" A", " B"].first { leafHash(UInt64(offset / 32), tag: $0) == hash } ?? "?"
            }
            // Each batch carries the whole partial tile (its own tag at every position): the winner's is stored.
            #expect(
                tileTags == Array(repeating: tag, count: Int(size) + count), "round \(round): the tile holds the hashes of \(tileTags), the winner was \(tag)")
            size += UInt64(count)
        }
        try await expectIntactChain(a, count: 5)
    }
}
