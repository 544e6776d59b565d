import Foundation
import IssuerService
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The service's background jobs end on graceful shutdown, after the round in progress.
@Suite struct PeriodicServiceTests {
    final class Rounds: Sendable {
        let started = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
    }

    static func group(_ job: PeriodicService) -> ServiceGroup {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return ServiceGroup(configuration: .init(services: [.init(service: job)], logger: logger))
    }

    @Test("a graceful shutdown ends the wait between rounds at once (an hour's interval)")
    func shutdownBetweenRounds() async throws {
        let rounds = Rounds()
        let group = Self.group(PeriodicService("hourly", every: .seconds(3600)) { rounds.started.add(1, ordering: .relaxed) })
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(100))
        let asked = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(ContinuousClock.now - asked < .seconds(10), "it did not wait out the hour")
        #expect(rounds.started.load(ordering: .relaxed) == 0)
    }

    @Test("a graceful shutdown during a round lets the round finish")
    func shutdownDuringARound() async throws {
        let rounds = Rounds()
        let group = Self.group(
            PeriodicService("busy", every: .milliseconds(10)) {
                rounds.started.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(300))  // a round the shutdown must not cut short
                rounds.finished.add(1, ordering: .relaxed)
            })
        let running = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while rounds.started.load(ordering: .relaxed) == rounds.finished.load(ordering: .relaxed), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        try #require(rounds.started.load(ordering: .relaxed) > rounds.finished.load(ordering: .relaxed), "a round is in progress")
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(rounds.started.load(ordering: .relaxed) == rounds.finished.load(ordering: .relaxed), "the round in progress finished")
        #expect(rounds.finished.load(ordering: .relaxed) >= 1)
    }
}
