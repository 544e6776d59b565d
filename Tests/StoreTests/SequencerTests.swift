import Foundation
import Store
import Testing

/// The exclusive right to append to a log.
@Suite("Store conformance: the sequencer", .timeLimit(.minutes(1)))
struct SequencerTests {
    @Test("a second acquireSequencer while one is held is locked, at once; after release it can be acquired again", arguments: Engine.allCases)
    func exclusive(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let lease = try await store.acquireSequencer()
        #expect(await lease.isHeld)

        let clock = ContinuousClock()
        let started = clock.now
        await expectStoreError(.locked, "a second acquire on the same store") { _ = try await store.acquireSequencer() }
        #expect(clock.now - started < .seconds(2), "locked is to come at once, not after a wait")
        if let other = try await t.reopen() {
            await expectStoreError(.locked, "an acquire through another store of the same data") { _ = try await other.acquireSequencer() }
        }

        await lease.release()
        #expect(await lease.isHeld == false, "a released lease still says it is held")
        let again = try await store.acquireSequencer()
        #expect(await again.isHeld)
        await expectStoreError(.locked, "acquired again, then a third acquire") { _ = try await store.acquireSequencer() }
        await again.release()

        if let other = try await t.reopen() {
            let theirs = try await other.acquireSequencer()
            #expect(await theirs.isHeld)
            await expectStoreError(.locked, "the other store holds it now") { _ = try await store.acquireSequencer() }
            await theirs.release()
        }
    }

    @Test("the sequencer does not stop anyone from reading or from appending audit rows", arguments: Engine.allCases)
    func leaseDoesNotBlockOthers(engine: Engine) async throws {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let lease = try await store.acquireSequencer()
        try await store.commit(batch(from: 0, plainEntries(2)))
        _ = try await store.appendAudit(auditNote("login"))
        #expect(try await store.logState()?.entryCount == 2)
        await lease.release()
    }
}
