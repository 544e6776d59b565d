import Certificates
import Foundation
import Testing

@testable import IssuerService

/// Finding 7 of the hardening issue: what a batch keeps is bounded.
@Suite struct BatchJobsTests {
    static func limits(_ change: (inout BatchJobs.Limits) -> Void) -> BatchJobs.Limits {
        var limits = BatchJobs.Limits()
        change(&limits)
        return limits
    }

    @Test func refusesTooManyRowsAndTooManyRunningBatches() async throws {
        let jobs = BatchJobs(
            limits: Self.limits {
                $0.maxRows = 10; $0.maxRunning = 2
            })
        await #expect(throws: BatchJobs.Refusal.tooManyRows(limit: 10)) { try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 11) }
        let a = try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 10)
        _ = try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 1)
        await #expect(throws: BatchJobs.Refusal.busy(running: 2)) { try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 1) }
        await jobs.finish(a)
        _ = try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 1)
    }

    @Test func keepsOnlyTheFirstFailuresInDetailAndCutsLongMessages() async throws {
        let jobs = BatchJobs(
            limits: Self.limits {
                $0.keptFailures = 5; $0.maxMessageLength = 8
            })
        let id = try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 100)
        for line in (2...101).reversed() {
            await jobs.failed(id, .init(line: line, problems: [], message: String(repeating: "誤", count: 50)))
        }
        await jobs.finish(id)
        let job = try #require(await jobs.job(id))
        #expect(job.failedCount == 100)
        #expect(job.done == 100)
        #expect(job.failures.count == 5)
        #expect(job.failuresNotKept == 95)
        #expect(job.failures.map(\.line) == [97, 98, 99, 100, 101], "kept rows are sorted by line once finished")
        #expect(job.failures[0].message == String(repeating: "誤", count: 8) + "…")
    }

    @Test func forgetsFinishedBatchesAfterADayAndBeyondTheLimit() async throws {
        let jobs = BatchJobs(
            limits: Self.limits {
                $0.maxKept = 3; $0.maxRunning = 2; $0.keepFinished = 60
            })
        let start = Date()
        var ids: [String] = []
        for i in 0..<3 {
            let id = try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 1, now: start)
            await jobs.finish(id, now: start.addingTimeInterval(Double(i)))
            ids.append(id)
        }
        // A fourth pushes out the oldest finished one.
        let fourth = try await jobs.create(kind: "k", owner: "o", fileName: "f", total: 1, now: start)
        #expect(await jobs.count == 3)
        #expect(await jobs.job(ids[0]) == nil)
        #expect(await jobs.job(ids[1]) != nil)
        // A running batch is never dropped; finished ones expire after keepFinished.
        await jobs.expire(now: start.addingTimeInterval(3600))
        #expect(await jobs.count == 1)
        #expect(await jobs.job(fourth) != nil)
    }
}
