import AkashiCrypto
import Foundation
import GRDB
import LogStore
import Testing
import TransparencyLog

struct SideEffectFailure: Error, Equatable {}

/// A one-shot gate a side effect can wait on (it runs on GRDB's writer queue).
final class Gate: @unchecked Sendable {
    private let entered = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    func enterAndWait() {
        entered.signal()
        released.wait()
    }
    func waitUntilEntered() async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.entered.wait()
                continuation.resume()
            }
        }
    }
    func release() { released.signal() }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

@Suite("LogStore side effects")
struct SideEffectTests {
    static func makeIssuedTable(_ log: LogStore) async throws {
        try await log.writer.write { db in
            try db.execute(sql: "CREATE TABLE issued (idx INTEGER PRIMARY KEY NOT NULL, digest BLOB NOT NULL)")
        }
    }

    static func issuedRows(_ log: LogStore) async throws -> [Int64: [UInt8]] {
        try await log.writer.read { db in
            var out: [Int64: [UInt8]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT idx, digest FROM issued") {
                out[row["idx"]] = Array(row["digest"] as Data)
            }
            return out
        }
    }

    @Test(arguments: Storage.allCases)
    func sideEffectsCommitWithTheirEntries(storage: Storage) async throws {
        let t = try TestLog(storage)
        try await Self.makeIssuedTable(t.log)
        let entries = (0..<50).map { _ in randomEntry() }
        let receipts = try await withThrowingTaskGroup(of: (Int, LogStore.Receipt).self) { group in
            for (i, entry) in entries.enumerated() {
                group.addTask {
                    let digest = entry.subjectDigest
                    let receipt = try await t.log.append(entry) { db, index in
                        // Inside the batch transaction: the entry row is already there.
                        let stored = try Data.fetchOne(db, sql: "SELECT subject FROM log_entry WHERE idx = ?", arguments: [Int64(index)])
                        guard stored.map(Array.init) == digest else { throw SideEffectFailure() }
                        try db.execute(sql: "INSERT INTO issued (idx, digest) VALUES (?, ?)", arguments: [Int64(index), Data(digest)])
                    }
                    return (i, receipt)
                }
            }
            var out = [LogStore.Receipt?](repeating: nil, count: entries.count)
            for try await (i, receipt) in group { out[i] = receipt }
            return out.map { $0! }
        }
        let rows = try await Self.issuedRows(t.log)
        #expect(rows.count == 50)
        for (entry, receipt) in zip(entries, receipts) {
            #expect(rows[Int64(receipt.index)] == entry.subjectDigest, "side effect row for \(receipt.index) is wrong")
            try verifyReceipt(receipt, entry: entry.bytes, policy: t.policy)
        }
    }

    @Test(arguments: Storage.allCases)
    func aThrowingSideEffectStoresNothing(storage: Storage) async throws {
        let t = try TestLog(storage)
        try await Self.makeIssuedTable(t.log)
        _ = try await appendConcurrently(t.log, (0..<5).map { _ in randomEntry() })
        let before = await t.log.checkpoint
        let history = try await t.log.checkpoints()

        let doomed = randomEntry()
        await #expect(throws: SideEffectFailure.self) {
            try await t.log.append(doomed) { db, index in
                try db.execute(sql: "INSERT INTO issued (idx, digest) VALUES (?, ?)", arguments: [Int64(index), Data(doomed.subjectDigest)])
                throw SideEffectFailure()
            }
        }
        #expect(await t.log.size == 5)
        #expect(await t.log.checkpoint == before)
        #expect(try await t.log.checkpoints() == history)
        #expect(try await t.log.indices(subject: doomed.subjectDigest) == [])
        #expect(try await Self.issuedRows(t.log).isEmpty)
        let stored = try await t.log.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM log_entry") ?? -1,
             try Int.fetchOne(db, sql: "SELECT MAX(size) FROM log_checkpoint") ?? -1)
        }
        #expect(stored.0 == 5 && stored.1 == 5)

        // The log carries on with no gap.
        let next = randomEntry()
        let receipt = try await t.log.append(next)
        #expect(receipt.index == 5)
        try verifyReceipt(receipt, entry: next.bytes, policy: t.policy)
        try Merkle.verifyConsistency(
            size1: 5, size2: 6, proof: try await t.log.consistencyProof(from: 5),
            root1: before.checkpoint.rootHash, root2: receipt.checkpoint.checkpoint.rootHash)

        if storage == .disk, let dir = t.directory {
            // The file reopens cleanly (its tree matches its checkpoint).
            let reader = try LogStore.openReadOnly(path: dir.path("log.sqlite"))
            #expect(await reader.size == 6)
        }
    }

    /// A side effect that throws fails only its own caller: its batch is rolled
    /// back whole, then retried entry by entry, so the innocent entries that
    /// shared the batch are stored (once each) and only the doomed one is not.
    @Test func aThrowingSideEffectFailsOnlyItsOwnCaller() async throws {
        let t = try TestLog(.disk)
        try await Self.makeIssuedTable(t.log)
        let gate = Gate()
        // The first batch holds the writer until everything else is queued,
        // so the next batch holds all the following appends.
        let blocker = Task { try await t.log.append(randomEntry()) { _, _ in gate.enterAndWait() } }
        await gate.waitUntilEntered()

        let innocent = (0..<20).map { _ in randomEntry() }
        let doomed = randomEntry()
        let started = Counter()
        let outcomes = Task {
            await withTaskGroup(of: (LogEntry, Bool).self) { group in
                for entry in innocent {
                    group.addTask {
                        started.increment()
                        return (entry, (try? await t.log.append(entry) { db, index in
                            try db.execute(sql: "INSERT INTO issued (idx, digest) VALUES (?, ?)", arguments: [Int64(index), Data(entry.subjectDigest)])
                        }) != nil)
                    }
                }
                group.addTask {
                    started.increment()
                    return (doomed, (try? await t.log.append(doomed) { _, _ in throw SideEffectFailure() }) != nil)
                }
                var out: [(LogEntry, Bool)] = []
                for await outcome in group { out.append(outcome) }
                return out
            }
        }
        // Let the 21 callers queue behind the blocked batch: wait until all
        // have started, then give their append calls time to reach the actor.
        let deadline = Date().addingTimeInterval(20)
        while started.value < 21, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(200))
        _ = await t.log.size
        gate.release()
        let first = try await blocker.value
        #expect(first.index == 0)
        let results = await outcomes.value
        #expect(results.count == 21)
        for (entry, ok) in results {
            let stored = try await t.log.indices(subject: entry.subjectDigest)
            if entry == doomed {
                #expect(!ok, "the failing side effect's caller hears of it")
                #expect(stored == [])
            } else {
                #expect(ok, "an innocent entry batched with a failing side effect was refused")
                #expect(stored.count == 1, "stored exactly once")
            }
        }
        #expect(await t.log.size == 21)
        #expect(try await Self.issuedRows(t.log).count == 20, "each innocent side effect ran exactly once")
        // Every checkpoint still extends the previous one.
        let checkpoints = try await t.log.checkpoints()
        for (a, b) in zip(checkpoints.dropFirst(), checkpoints.dropFirst(2)) {
            try Merkle.verifyConsistency(
                size1: a.checkpoint.size, size2: b.checkpoint.size,
                proof: try await t.log.consistencyProof(from: a.checkpoint.size, to: b.checkpoint.size),
                root1: a.checkpoint.rootHash, root2: b.checkpoint.rootHash)
        }
    }
}
