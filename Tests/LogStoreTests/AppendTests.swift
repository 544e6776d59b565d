import AkashiCrypto
import Foundation
import LogStore
import Testing
import TransparencyLog

@Suite("LogStore appends and proofs")
struct AppendTests {
    /// Grows a log through tile boundaries (1, 255, 256, 257 and past the first
    /// level-1 tile, 65,536 + 3) and checks receipts, roots and every stored
    /// checkpoint at each step.
    @Test(arguments: Storage.allCases)
    func receiptsAndRootsAcrossTileBoundaries(storage: Storage) async throws {
        let t = try TestLog(storage)
        let log = t.log
        var entries: [[UInt8]] = []
        var reference = InMemoryMerkleTree()
        #expect(await log.size == 0)
        #expect(await log.checkpoint.checkpoint.rootHash == Merkle.emptyRoot)

        for target in [1, 255, 256, 257, 65_536 + 3] {
            let start = entries.count
            // Large steps go in waves, so the log signs several checkpoints.
            let wave = 8_000
            var receipts: [(LogEntry, LogStore.Receipt)] = []
            var remaining = target - start
            while remaining > 0 {
                let n = min(wave, remaining)
                let batch = (0..<n).map { _ in randomEntry() }
                receipts += zip(batch, try await appendConcurrently(log, batch))
                remaining -= n
            }
            receipts.sort { $0.1.index < $1.1.index }
            // Every new index exactly once, in order after the old ones.
            #expect(receipts.map(\.1.index) == Array(UInt64(start)..<UInt64(target)))
            for (entry, _) in receipts {
                entries.append(entry.bytes)
                reference.append(leafHash: Merkle.leafHash(entry.bytes))
            }

            let latest = await log.checkpoint
            #expect(await log.size == UInt64(target))
            #expect(latest.checkpoint.size == UInt64(target))
            #expect(latest.checkpoint.rootHash == reference.rootHash())
            _ = try t.policy.verify(latest)

            // Receipts: all of them on small steps, a sample plus the ends on the large one.
            var verifiedCheckpoints: Set<UInt64> = []
            let stride = receipts.count > 1_000 ? 61 : 1
            for (offset, (entry, receipt)) in receipts.enumerated()
            where offset % stride == 0 || offset == receipts.count - 1 {
                let size = receipt.checkpoint.checkpoint.size
                let fresh = verifiedCheckpoints.insert(size).inserted
                try verifyReceipt(receipt, entry: entry.bytes, policy: t.policy, checkSignature: fresh)
                if fresh {
                    #expect(receipt.checkpoint.checkpoint.rootHash == reference.rootHash(size: size))
                }
                #expect(try await log.entry(at: receipt.index) == entry.bytes)
                #expect(try await log.indices(subject: entry.subjectDigest) == [receipt.index])
            }
            try await verifyCheckpointHistory(log, reference: reference, policy: t.policy, proofsPerCheckpoint: target > 1_000 ? 1 : 3)
        }

        // Proofs between sizes the log never signed agree with the reference tree.
        let size = UInt64(entries.count)
        for _ in 0..<40 {
            let a = UInt64.random(in: 1...size)
            let b = UInt64.random(in: a...size)
            #expect(try await log.rootHash(treeSize: b) == reference.rootHash(size: b))
            try Merkle.verifyConsistency(
                size1: a, size2: b, proof: try await log.consistencyProof(from: a, to: b),
                root1: reference.rootHash(size: a), root2: reference.rootHash(size: b))
            let index = UInt64.random(in: 0..<a)
            try Merkle.verifyInclusion(
                leafHash: Merkle.leafHash(entries[Int(index)]), index: index, treeSize: a,
                proof: try await log.inclusionProof(index: index, treeSize: a), root: reference.rootHash(size: a))
        }
        // Entries read back in ranges across a tile boundary.
        #expect(try await log.entries(250..<262) == Array(entries[250..<262]))
        #expect(try await log.entries(65_530..<65_600) == Array(entries[65_530...]))
    }

    @Test(arguments: Storage.allCases)
    func sequentialAppendsEachSignACheckpoint(storage: Storage) async throws {
        let t = try TestLog(storage)
        var reference = InMemoryMerkleTree()
        for i in 0..<20 {
            let entry = randomEntry()
            let receipt = try await t.log.append(entry)
            reference.append(leafHash: Merkle.leafHash(entry.bytes))
            #expect(receipt.index == UInt64(i))
            #expect(receipt.checkpoint.checkpoint.size == UInt64(i + 1))
            try verifyReceipt(receipt, entry: entry.bytes, policy: t.policy)
        }
        // One append at a time: one checkpoint per entry, plus the empty one.
        #expect(try await t.log.checkpoints().count == 21)
        try await verifyCheckpointHistory(t.log, reference: reference, policy: t.policy, proofsPerCheckpoint: 20)
    }

    @Test func rawEntriesWithAndWithoutSubjects() async throws {
        let t = try TestLog(.memory)
        let subject = SHA256.hash(Array("doc".utf8))
        let a = try await t.log.append([1, 2, 3], subject: subject)
        let b = try await t.log.append([], subject: nil)
        let c = try await t.log.append([UInt8](repeating: 7, count: LogStore.maxEntrySize), subject: subject)
        #expect([a.index, b.index, c.index] == [0, 1, 2])
        #expect(try await t.log.entry(at: 1) == [])
        #expect(try await t.log.indices(subject: subject) == [0, 2])
        #expect(try await t.log.indices(subject: SHA256.hash([UInt8]())) == [])
        try verifyReceipt(b, entry: [], policy: t.policy)
        try verifyReceipt(c, entry: [UInt8](repeating: 7, count: LogStore.maxEntrySize), policy: t.policy)
    }

    @Test func refusals() async throws {
        let t = try TestLog(.memory)
        await #expect(throws: LogStoreError.self) {
            try await t.log.append([UInt8](repeating: 0, count: LogStore.maxEntrySize + 1))
        }
        do {
            _ = try await t.log.append([UInt8](repeating: 0, count: LogStore.maxEntrySize + 1))
            Issue.record("an oversized entry was accepted")
        } catch let error as LogStoreError {
            #expect(error.code == .entryTooLarge)
        }
        #expect(await t.log.size == 0)
        _ = try await appendConcurrently(t.log, (0..<3).map { _ in randomEntry() })
        #expect(await code { try await t.log.entry(at: 3) } == .notFound)
        #expect(await code { try await t.log.inclusionProof(index: 3, treeSize: 3) } == .notFound)
        #expect(await code { try await t.log.inclusionProof(index: 0, treeSize: 4) } == .invalidRequest)
        #expect(await code { try await t.log.consistencyProof(from: 0, to: 3) } == .invalidRequest)
        #expect(await code { try await t.log.consistencyProof(from: 3, to: 2) } == .invalidRequest)
        #expect(await code { try await t.log.consistencyProof(from: 1, to: 4) } == .invalidRequest)
        #expect(await code { try await t.log.rootHash(treeSize: 4) } == .invalidRequest)
        #expect(try await t.log.consistencyProof(from: 3, to: 3) == [])
        let stored = try await t.log.checkpoint(size: 3)
        #expect(stored == (await t.log.checkpoint))
        #expect(try await t.log.checkpoint(size: 100) == nil)
    }
}

/// The LogStoreError code an operation fails with, or nil if it succeeds.
func code<T>(_ body: () async throws -> T) async -> LogStoreError.Code? {
    do {
        _ = try await body()
        return nil
    } catch let error as LogStoreError {
        return error.code
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
