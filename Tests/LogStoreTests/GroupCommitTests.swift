import AkashiCrypto
import Foundation
import LogStore
import Testing
import TransparencyLog

@Suite("LogStore group commit")
struct GroupCommitTests {
    /// 2,000 callers at once share batches: far fewer checkpoints than
    /// entries, every index exactly once, every receipt verifies.
    @Test(arguments: Storage.allCases)
    func concurrentAppendsShareBatches(storage: Storage) async throws {
        let t = try await TestLog(storage)
        let count = 2_000
        let entries = (0..<count).map { _ in randomEntry() }
        let receipts = try await appendConcurrently(t.log, entries)

        #expect(receipts.map(\.index).sorted() == Array(0..<UInt64(count)))
        #expect(await t.log.size == UInt64(count))
        let checkpoints = try await t.log.checkpoints()
        #expect(checkpoints.count < count / 4, "\(checkpoints.count) checkpoints for \(count) concurrent appends: no group commit")
        #expect(checkpoints.last?.checkpoint.size == UInt64(count))

        // Each batch's receipts carry that batch's checkpoint, and each stored
        // checkpoint after the empty one is exactly one batch's.
        let receiptCheckpoints = Dictionary(grouping: receipts, by: { $0.checkpoint.checkpoint.size })
        #expect(Set(receiptCheckpoints.keys) == Set(checkpoints.dropFirst().map(\.checkpoint.size)))
        for (size, group) in receiptCheckpoints {
            #expect(Set(group.map(\.checkpoint)).count == 1)
            #expect(try await t.log.checkpoint(size: size) == group[0].checkpoint)
        }

        var byIndex = [[UInt8]](repeating: [], count: count)
        var seen = Set<UInt64>()
        var verified = Set<UInt64>()
        for (entry, receipt) in zip(entries, receipts) {
            #expect(seen.insert(receipt.index).inserted, "index \(receipt.index) handed out twice")
            byIndex[Int(receipt.index)] = entry.bytes
            let fresh = verified.insert(receipt.checkpoint.checkpoint.size).inserted
            try verifyReceipt(receipt, entry: entry.bytes, policy: t.policy, checkSignature: fresh)
        }
        let reference = InMemoryMerkleTree(leafHashes: byIndex.map { Merkle.leafHash($0) })
        #expect(await t.log.checkpoint.checkpoint.rootHash == reference.rootHash())
        #expect(try await t.log.entries(0..<UInt64(count)) == byIndex)
        try await verifyCheckpointHistory(t.log, reference: reference, policy: t.policy, proofsPerCheckpoint: 1)
    }
}
