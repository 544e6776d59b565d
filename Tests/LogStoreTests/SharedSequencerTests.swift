import AkashiCrypto
import Foundation
import LogStore
import Store
import StoreTestSupport
import Testing
import TransparencyLog

/// ``LogStore/Sequencing/perBatch``: two nodes append to one log, one batch
/// at a time, and one goes on when the other is gone.
@Suite("LogStore with a sequencer per batch (two nodes)")
struct SharedSequencerTests {
    /// Two stores of one authority's log, as two processes would open them,
    /// and a way to take the second one away.
    struct TwoNodes {
        let first: any AuthorityStore
        let second: any AuthorityStore
        let stopSecond: @Sendable () async -> Void
        let keep: [AnyObject]
    }

    static func nodes(_ storage: Storage, origin: String) async throws -> TwoNodes {
        switch storage {
        case .postgres:
            let connection = try await TestPostgres.shared.connection()
            let authority = try await connection.addFreshAuthority()
            let other = try await PostgresNode()
            return TwoNodes(
                first: connection.database.store(authority: authority), second: other.database.store(authority: authority),
                stopSecond: { other.stop() }, keep: [other])
        case .disk, .memory:
            let dir = try TemporaryDirectory()
            let path = dir.path("log.sqlite")
            let first = try SQLiteStore.create(path: path, authority: testAuthority)
            let second = try SQLiteStore.open(path: path, authority: testAuthority)
            return TwoNodes(first: first, second: second, stopSecond: {}, keep: [dir])
        }
    }

    @Test(arguments: [Storage.disk, .postgres])
    func twoNodesAppendOneChain(storage: Storage) async throws {
        let signer = try makeSigner()
        let nodes = try await Self.nodes(storage, origin: testOrigin)
        try await LogStore.create(store: nodes.first, signer: signer, origin: testOrigin).close()
        let a = try await LogStore.open(store: nodes.first, signer: signer, sequencing: .perBatch)
        let b = try await LogStore.open(store: nodes.second, signer: signer, sequencing: .perBatch)
        let policy = try TlogPolicy(logKey: signer.verifierKey)

        let entries = (0..<120).map { _ in randomEntry() }
        let receipts = try await withThrowingTaskGroup(of: (LogEntry, LogStore.Receipt).self) { group in
            for (i, entry) in entries.enumerated() {
                group.addTask { (entry, try await (i % 2 == 0 ? a : b).append(entry)) }
            }
            var out: [(LogEntry, LogStore.Receipt)] = []
            for try await result in group { out.append(result) }
            return out
        }
        #expect(Set(receipts.map(\.1.index)) == Set(0..<120), "one gap-free chain of 120 entries, each once")
        for (entry, receipt) in receipts { try verifyReceipt(receipt, entry: entry.bytes, policy: policy) }

        // Every checkpoint either node signed extends the one before it.
        try await a.refresh()
        #expect(await a.size == 120)
        let checkpoints = try await a.checkpoints()
        for (older, newer) in zip(checkpoints.dropFirst(), checkpoints.dropFirst(2)) {
            try Merkle.verifyConsistency(
                size1: older.checkpoint.size, size2: newer.checkpoint.size,
                proof: try await a.consistencyProof(from: older.checkpoint.size, to: newer.checkpoint.size),
                root1: older.checkpoint.rootHash, root2: newer.checkpoint.rootHash)
        }

        // The second node goes away; the first takes every batch from now on.
        await b.close()
        await nodes.stopSecond()
        for _ in 0..<10 {
            let entry = randomEntry()
            let receipt = try await a.append(entry)
            try verifyReceipt(receipt, entry: entry.bytes, policy: policy)
        }
        #expect(await a.size == 130)
        // A reprint through either view finds the receipt the entry was acknowledged with.
        let original = try #require(receipts.first { $0.1.index == 5 })
        #expect(try await a.originalReceipt(index: 5).checkpoint.checkpoint == original.1.checkpoint.checkpoint)
    }

    @Test("a held lease keeps a perBatch node out until it is released")
    func heldLeaseExcludesOthers() async throws {
        let signer = try makeSigner()
        let nodes = try await Self.nodes(.postgres, origin: testOrigin)
        let holder = try await LogStore.create(store: nodes.first, signer: signer, origin: testOrigin)
        let waiter = try await LogStore.open(store: nodes.second, signer: signer, sequencing: .perBatch)
        let pending = Task { try await waiter.append(randomEntry()) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await waiter.size == 0, "no batch while another node holds the sequencer")
        _ = try await holder.append(randomEntry())
        await holder.close()
        let receipt = try await pending.value
        #expect(receipt.index == 1, "it caught up with the holder's entry before appending")
    }
}
