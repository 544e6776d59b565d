import AkashiCrypto
import Foundation
import LogStore
import Testing
import TransparencyLog

@Suite("LogStore appends and proofs")
struct AppendTests {
    /// Grows a log through level-0 tile boundaries (1, 255, 256, 257, 1000)
    /// and checks receipts, roots and every stored checkpoint at each step.
    @Test(arguments: Storage.allCases)
    func receiptsAndRootsAcrossTileBoundaries(storage: Storage) async throws {
        let t = try await TestLog(storage)
        let log = t.log
        var entries: [[UInt8]] = []
        var reference = InMemoryMerkleTree()
        #expect(await log.size == 0)
        #expect(await log.checkpoint.checkpoint.rootHash == Merkle.emptyRoot)

        for target in [1, 255, 256, 257, 1_000] {
            let start = entries.count
            let batch = (start..<target).map { _ in randomEntry() }
            let receipts = zip(batch, try await appendConcurrently(log, batch)).sorted { $0.1.index < $1.1.index }
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

            var verifiedCheckpoints: Set<UInt64> = []
            for (entry, receipt) in receipts {
                let size = receipt.checkpoint.checkpoint.size
                let fresh = verifiedCheckpoints.insert(size).inserted
                try verifyReceipt(receipt, entry: entry.bytes, policy: t.policy, checkSignature: fresh)
                if fresh {
                    #expect(receipt.checkpoint.checkpoint.rootHash == reference.rootHash(size: size))
                }
            }
            for (entry, receipt) in receipts.prefix(20) + receipts.suffix(5) {
                #expect(try await log.entry(at: receipt.index) == entry.bytes)
                #expect(try await log.indices(subject: entry.subjectDigest) == [receipt.index])
            }
            try await verifyCheckpointHistory(log, reference: reference, policy: t.policy, proofsPerCheckpoint: 3)
        }
        #expect(try await log.entries(250..<262) == Array(entries[250..<262]))
        #expect(try await log.entries(990..<2_000) == Array(entries[990...]))
    }

    /// A log past the first full level-1 tile (65,536 + 3 entries, so with a
    /// level-2 tile): sampled receipts, every checkpoint, proofs between
    /// arbitrary sizes, and a reader's rebuilt tree edge.
    @Test func largeLogPastTheFirstLevel1Tile() async throws {
        let big = try await BigLog.shared.value
        let log = big.log
        let size = UInt64(BigLog.size)
        #expect(await log.size == size)
        let latest = await log.checkpoint
        #expect(latest.checkpoint.rootHash == big.reference.rootHash())
        _ = try big.policy.verify(latest)

        var verifiedCheckpoints: Set<UInt64> = []
        #expect(big.receipts.count > 1_000)
        for receipt in big.receipts {
            let checkpointSize = receipt.checkpoint.checkpoint.size
            let fresh = verifiedCheckpoints.insert(checkpointSize).inserted
            try verifyReceipt(receipt, entry: big.entries[Int(receipt.index)], policy: big.policy, checkSignature: fresh)
            if fresh {
                #expect(receipt.checkpoint.checkpoint.rootHash == big.reference.rootHash(size: checkpointSize))
            }
        }
        let checkpoints = try await log.checkpoints()
        #expect(checkpoints.count > 5, "the waves should have signed several checkpoints")
        try await verifyCheckpointHistory(log, reference: big.reference, policy: big.policy, proofsPerCheckpoint: 1)

        // Proofs between sizes the log never signed agree with the reference tree.
        let fixed: [(UInt64, UInt64)] = [(1, size), (255, 257), (65_535, 65_536), (65_536, 65_537), (65_536, size), (300, 65_538)]
        let random: [(UInt64, UInt64)] = (0..<20).map { _ in
            let a = UInt64.random(in: 1...size)
            return (a, UInt64.random(in: a...size))
        }
        for (a, b) in fixed + random {
            #expect(try await log.rootHash(treeSize: b) == big.reference.rootHash(size: b))
            try Merkle.verifyConsistency(
                size1: a, size2: b, proof: try await log.consistencyProof(from: a, to: b),
                root1: big.reference.rootHash(size: a), root2: big.reference.rootHash(size: b))
            let index = UInt64.random(in: 0..<a)
            try Merkle.verifyInclusion(
                leafHash: Merkle.leafHash(big.entries[Int(index)]), index: index, treeSize: a,
                proof: try await log.inclusionProof(index: index, treeSize: a), root: big.reference.rootHash(size: a))
        }
        for index in [0, 255, 256, 65_535, 65_536, size - 1] {
            #expect(try await log.entry(at: index) == big.entries[Int(index)])
            #expect(try await log.indices(subject: big.subjects[Int(index)]) == [index])
        }
        #expect(try await log.entries(65_530..<65_600) == Array(big.entries[65_530...]))

        // A reader rebuilds the tree edge (level-0 width 3, level-2 width 1)
        // from the file and gives the same proofs.
        let reader = try await LogStore.openReadOnly(path: big.path, authority: testAuthority)
        #expect(await reader.checkpoint == latest)
        for index in [0, 65_535, size - 1] {
            #expect(try await reader.inclusionProof(index: index) == (try await log.inclusionProof(index: index)))
        }
        #expect(try await reader.consistencyProof(from: 1000) == (try await log.consistencyProof(from: 1000)))
    }

    @Test(arguments: Storage.allCases)
    func sequentialAppendsEachSignACheckpoint(storage: Storage) async throws {
        let t = try await TestLog(storage)
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
        let t = try await TestLog(.memory)
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
        let t = try await TestLog(.memory)
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
