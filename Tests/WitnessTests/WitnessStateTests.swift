import Foundation
import Testing
import TransparencyLog
import Witness

@Suite("Witness state: persistence and the add-checkpoint race")
struct WitnessStateTests {
    @Test("state survives closing and reopening the SQLite file")
    func persistence() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 10)
        try f.add(old: 10, size: 33)
        let path = f.databasePath

        let reopened = try WitnessState(path: path)
        let log = try #require(try reopened.log(origin: f.log.origin))
        #expect(log.size == 33)
        #expect(log.rootHash == f.log.root(33))
        #expect(log.keys == [f.log.vkey])
        #expect(try SignedCheckpoint(parsing: try #require(log.checkpoint)).checkpoint.size == 33)

        let witness = WitnessFixture.witness(state: reopened)
        do throws(WitnessError) {
            _ = try witness.addCheckpoint(body: f.log.body(old: 0, size: 40))
            Issue.record("a reopened witness forgot its state")
        } catch {
            #expect(error.latestSize == 33)
        }
        _ = try witness.addCheckpoint(body: f.log.body(old: 33, size: 40))
        #expect(try WitnessState(path: path).log(origin: f.log.origin)?.size == 40)
        #expect(try reopened.logs().map(\.origin) == [f.log.origin])
    }

    @Test("advance never moves a size backwards, whatever the decision says")
    func advanceRefusesRollback() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 20)
        #expect(throws: WitnessError.self) {
            try f.state.advance(origin: f.log.origin, expectedSize: 20) { _ in
                .accept(size: 5, rootHash: f.log.root(5), checkpoint: "x", cosignedAt: 0)
            }
        }
        // A stale expected size is a conflict carrying the stored size.
        do throws(WitnessError) {
            _ = try f.state.advance(origin: f.log.origin, expectedSize: 19) { _ in
                Issue.record("decide must not run on a stale size")
                return .accept(size: 30, rootHash: f.log.root(30), checkpoint: "x", cosignedAt: 0)
            }
        } catch {
            #expect(error.code == .conflict)
            #expect(error.latestSize == 20)
        }
        #expect(try f.storedSize() == 20)
    }

    /// Many concurrent submissions, each from the size it last learned to its
    /// own target, through two witness processes' worth of connections on one
    /// file. The accepted requests must form one chain (each one's old size is
    /// the previous one's new size), sizes never decrease, and the final size
    /// is the largest target.
    @Test("concurrent add-checkpoint calls never roll the stored size back")
    func race() async throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 1)
        let second = WitnessFixture.witness(state: try WitnessState(path: f.databasePath))
        let witnesses = [f.witness, second]
        let log = f.log
        var generator = SystemRandomNumberGenerator()
        let targets: [UInt64] = (0..<48).map { _ in UInt64.random(in: 2...200, using: &generator) }

        // An observer that keeps reading the stored size.
        let observed = Locked<[UInt64]>([])
        let done = Locked(false)
        let observer = Task.detached {
            let reader = try WitnessState(path: f.databasePath)
            while !done.withLock({ $0 }) {
                let size = try reader.log(origin: log.origin)?.size ?? 0
                observed.withLock { $0.append(size) }
                try await Task.sleep(for: .milliseconds(1))
            }
        }

        let conflicts = Locked(0)
        struct Accepted: Sendable { let old: UInt64; let size: UInt64; let response: String }
        let accepted = try await withThrowingTaskGroup(of: Accepted?.self) { group in
            for (i, target) in targets.enumerated() {
                group.addTask {
                    let witness = witnesses[i % 2]
                    var known: UInt64 = 1
                    while known <= target {
                        let outcome = await Self.submit(witness, log.body(old: known, size: target))
                        switch outcome {
                        case .success(let response):
                            return Accepted(old: known, size: target, response: response)
                        case .failure(let error):
                            guard error.code == .conflict, let latest = error.latestSize else { throw error }
                            conflicts.withLock { $0 += 1 }
                            known = latest
                        }
                    }
                    return nil  // the witness moved past this target: it can never be cosigned
                }
            }
            var out: [Accepted] = []
            for try await result in group { if let result { out.append(result) } }
            return out
        }
        done.withLock { $0 = true }
        try await observer.value

        let chain = accepted.sorted { ($0.old, $0.size) < ($1.old, $1.size) }
        #expect(chain.first?.old == 1)
        // All 48 started from size 1; only one of them could win it: the others raced and lost.
        #expect(conflicts.withLock { $0 } >= targets.count - 1)
        for (previous, next) in zip(chain, chain.dropFirst()) {
            #expect(next.old == previous.size, "accepted \(next.old)→\(next.size) after \(previous.old)→\(previous.size)")
        }
        for a in chain {
            #expect(a.size >= a.old)
            _ = try AddCheckpointTests.verifiedCosignatures(a.response, on: log.checkpoint(a.size), key: f.witness.verifierKey)
        }
        let maximum = targets.max()!
        #expect(chain.last?.size == maximum)
        #expect(try f.storedSize() == maximum)
        let sizes = observed.withLock { $0 }
        #expect(!sizes.isEmpty)
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 <= $1 }, "the stored size went backwards: \(sizes)")
    }

    static func submit(_ witness: Witness, _ body: [UInt8]) async -> Result<String, WitnessError> {
        do throws(WitnessError) {
            return .success(try await witness.addCheckpoint(body: body))
        } catch {
            return .failure(error)
        }
    }

    @Test("the same race on the blocking API, from threads")
    func raceBlocking() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 1)
        let log = f.log
        let witness = f.witness
        let accepted = Locked<[(UInt64, UInt64)]>([])
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            let target: UInt64 = UInt64(2 + (i * 37) % 150)
            var known: UInt64 = 1
            while known <= target {
                do throws(WitnessError) {
                    _ = try witness.addCheckpoint(body: log.body(old: known, size: target))
                    accepted.withLock { $0.append((known, target)) }
                    return
                } catch {
                    guard let latest = error.latestSize else { Issue.record("unexpected \(error)"); return }
                    known = latest
                }
            }
        }
        let chain = accepted.withLock { $0 }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        for (previous, next) in zip(chain, chain.dropFirst()) { #expect(next.0 == previous.1) }
        let allTargets: [UInt64] = (0..<24).map { (i: Int) -> UInt64 in UInt64(2 + (i * 37) % 150) }
        let maximum = allTargets.max()
        #expect(try f.storedSize() == maximum)
        #expect(chain.last?.1 == maximum)
    }
}
