import AkashiCrypto
import Foundation
import LogStore
import Store
import Testing
import TransparencyLog

/// A certificate record for a fresh random serial (the effect of an issuance).
func newCertificate(kind: String = "residence") -> NewCertificate {
    NewCertificate(
        serial: SecureRandom.bytes(10), kind: kind, issuedAt: 1_800_000_000, expiresAt: nil, envelope: SecureRandom.bytes(40), disclosures: [],
        issuedBy: "clerk", searchText: "test")
}

/// A cosigner that holds each checkpoint until released: while it waits, the
/// log's integration loop waits too, so everything appended meanwhile forms
/// the next batch.
actor HoldingCosigner: CheckpointCosigner {
    private var held: [CheckedContinuation<Void, Never>] = []
    private var open = false
    private(set) var calls = 0

    func cosign(
        _ checkpoint: SignedCheckpoint, consistencyProof: @escaping @Sendable (UInt64) async throws -> [[UInt8]]
    ) async throws -> SignedCheckpoint {
        calls += 1
        if !open { await withCheckedContinuation { held.append($0) } }
        return checkpoint
    }

    func release() {
        open = true
        for continuation in held { continuation.resume() }
        held = []
    }
}

/// An entry's ``StoreEffect`` commits in the entry's transaction: both or neither.
@Suite("LogStore effects")
struct SideEffectTests {
    @Test(arguments: Storage.allCases)
    func effectsCommitWithTheirEntries(storage: Storage) async throws {
        let t = try await TestLog(storage)
        let entries = (0..<50).map { _ in (randomEntry(), newCertificate()) }
        let receipts = try await withThrowingTaskGroup(of: (Int, LogStore.Receipt).self) { group in
            for (i, (entry, certificate)) in entries.enumerated() {
                group.addTask {
                    let audit = AuditNote(actor: "clerk", role: "clerk", action: "issue", target: hexTarget(certificate.serial), detail: "test", at: Date())
                    return (i, try await t.log.append(entry, effect: .issue(certificate, audit: audit)))
                }
            }
            var out = [LogStore.Receipt?](repeating: nil, count: entries.count)
            for try await (i, receipt) in group { out[i] = receipt }
            return out.map { $0! }
        }
        let store = t.log.store
        for ((entry, certificate), receipt) in zip(entries, receipts) {
            let record = try #require(try await store.certificate(serial: certificate.serial))
            #expect(record.logIndex == receipt.index, "the record names its own entry")
            try verifyReceipt(receipt, entry: entry.bytes, policy: t.policy)
        }
        let audit = try await store.auditEvents(AuditFilter(action: "issue"), limit: 100, offset: 0)
        #expect(audit.count == 50)
        let byTarget = Dictionary(uniqueKeysWithValues: audit.map { ($0.target ?? "", $0.detail ?? "") })
        for ((_, certificate), receipt) in zip(entries, receipts) {
            #expect(byTarget[hexTarget(certificate.serial)] == "test log=\(receipt.index)", "the audit row names the entry")
        }
    }

    @Test(arguments: Storage.allCases)
    func aRefusedEffectStoresNothing(storage: Storage) async throws {
        let t = try await TestLog(storage)
        _ = try await appendConcurrently(t.log, (0..<5).map { _ in randomEntry() })
        let before = await t.log.checkpoint
        let history = try await t.log.checkpoints()

        // Revoking a certificate this authority never issued is refused.
        let doomed = randomEntry()
        await #expect(throws: StoreError.self) {
            try await t.log.append(doomed, effect: .revoke(serial: SecureRandom.bytes(10), reason: "error", at: 1, audit: nil))
        }
        #expect(await t.log.size == 5)
        #expect(await t.log.checkpoint == before)
        #expect(try await t.log.checkpoints() == history)
        #expect(try await t.log.indices(subject: doomed.subjectDigest) == [])
        #expect(try await t.log.store.logState()?.entryCount == 5)

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
            await t.log.close()
            let reader = try await LogStore.openReadOnly(path: dir.path("log.sqlite"), authority: testAuthority)
            #expect(await reader.size == 6)
        }
    }

    /// A refused effect fails only its own caller: its batch is rolled back
    /// whole, then retried entry by entry, so the innocent entries that shared
    /// the batch are stored (once each) and only the doomed one is not.
    @Test(arguments: Storage.allCases)
    func aRefusedEffectFailsOnlyItsOwnCaller(storage: Storage) async throws {
        let t = try await TestLog(storage)
        let cosigner = HoldingCosigner()
        await t.log.setCosigner(cosigner)
        // The first batch waits for its cosignature until everything else is
        // queued, so the next batch holds all the following appends.
        let blocker = Task { try await t.log.append(randomEntry()) }
        while await cosigner.calls == 0 { try await Task.sleep(for: .milliseconds(2)) }

        let innocent = (0..<20).map { _ in (randomEntry(), newCertificate()) }
        let doomed = randomEntry()
        let outcomes = Task {
            await withTaskGroup(of: ([UInt8], Bool).self) { group in
                for (entry, certificate) in innocent {
                    group.addTask {
                        (entry.subjectDigest, (try? await t.log.append(entry, effect: .issue(certificate, audit: nil))) != nil)
                    }
                }
                group.addTask {
                    let unknown = SecureRandom.bytes(10)
                    return (
                        doomed.subjectDigest, (try? await t.log.append(doomed, effect: .revoke(serial: unknown, reason: "error", at: 1, audit: nil))) != nil
                    )
                }
                var out: [([UInt8], Bool)] = []
                for await outcome in group { out.append(outcome) }
                return out
            }
        }
        // Let the 21 callers reach the actor behind the held batch.
        try await Task.sleep(for: .milliseconds(300))
        await cosigner.release()
        let first = try await blocker.value
        #expect(first.index == 0)
        let results = await outcomes.value
        #expect(results.count == 21)
        for (digest, ok) in results {
            let stored = try await t.log.indices(subject: digest)
            if digest == doomed.subjectDigest {
                #expect(!ok, "the refused effect's caller hears of it")
                #expect(stored == [])
            } else {
                #expect(ok, "an innocent entry batched with a refused effect was refused")
                #expect(stored.count == 1, "stored exactly once")
            }
        }
        #expect(await t.log.size == 21)
        for (_, certificate) in innocent {
            #expect(try await t.log.store.certificate(serial: certificate.serial) != nil, "each innocent record is stored")
        }
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

/// A serial's hexadecimal text, as an audit target in these tests.
func hexTarget(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
