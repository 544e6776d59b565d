import Logging
import ServiceLifecycle

/// A background job of the service that runs every `interval` (following a
/// shared log, publishing checkpoints that waited for witnesses), as a
/// swift-service-lifecycle `Service`: it ends on graceful shutdown (SIGTERM)
/// instead of being cut off with the process, and a group's shutdown waits
/// for its current round to finish.
public struct PeriodicService: Service, CustomStringConvertible {
    public let description: String
    let interval: Duration
    let work: @Sendable () async -> Void

    public init(_ name: String, every interval: Duration, _ work: @escaping @Sendable () async -> Void) {
        self.description = name
        self.interval = interval
        self.work = work
    }

    public func run() async throws {
        // Graceful shutdown cancels the wait, never a round in progress: the
        // round runs in a task of its own that the cancellation does not reach.
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // shutting down (or cancelled): not an error of the service
            }
            await Task { await work() }.value
        }
    }
}
