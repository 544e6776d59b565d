import Foundation
import LogStore
import Logging
import TransparencyLog

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why a checkpoint could not be cosigned as the policy requires: what each
/// witness said. The message names every witness, so a clerk's supervisor
/// knows whom to phone.
public struct WitnessQuorumError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Failure: Hashable, Sendable {
        public let witness: String
        public let reason: String
    }

    public let size: UInt64
    /// Witnesses that cosigned (not enough on their own).
    public let cosigned: [String]
    public let failures: [Failure]

    public var description: String {
        let who = failures.map { "\($0.witness): \($0.reason)" }.joined(separator: "; ")
        let got = cosigned.isEmpty ? "none" : cosigned.joined(separator: ", ")
        return "checkpoint \(size): cosigned by \(got); not by \(who)"
    }
}

/// The log side of c2sp.org/tlog-witness: asks every witness of the policy
/// for a cosignature, in parallel, and returns the checkpoint with enough of
/// them for the policy — as soon as it has enough, so a slow or stopped
/// witness costs nothing while the quorum can be met without it.
///
/// - Each witness is asked at most once at a time, newest checkpoint first: a
///   request still in flight when a newer checkpoint arrives makes the older
///   one redundant (the witness cosigns the newer one with a consistency proof
///   from the size it has), so queued older requests are dropped.
/// - A request that is still running when the quorum is met goes on in the
///   background, so that witness stays current for the next checkpoint.
/// - A witness that cannot be reached is retried once, then skipped for a
///   back-off (1 s doubling to 60 s) instead of stalling every batch.
/// - Only a minimal set of cosignatures that satisfies the quorum is kept
///   (each one is ~76 bytes in a printed QR code).
/// - When the policy can no longer be met (too many witnesses refused or
///   unreachable), it throws ``WitnessQuorumError`` at once, naming each
///   witness and why; the log then publishes nothing for this checkpoint.
public final class WitnessCosigner: CheckpointCosigner {
    public let policy: TlogPolicy
    let links: [WitnessLink]
    let logger: Logger

    /// - Parameters:
    ///   - policy: the log's witness policy; witnesses without a URL cannot
    ///     be asked (they count as unreachable).
    ///   - timeout: how long one request to one witness may take.
    public init(
        policy: TlogPolicy, timeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "akashi.witnessing")
    ) {
        self.policy = policy
        self.logger = logger
        self.links = policy.witnesses.map { witness in
            let client = witness.url.flatMap { URL(string: $0.description) }.flatMap { try? WitnessClient(url: $0, key: witness.key) }
            return WitnessLink(name: witness.name, client: client, timeout: timeout, logger: logger)
        }
    }

    enum Outcome: Sendable {
        case cosigned(TlogPolicy.Name, [SignedNote.Signature])
        case failed(TlogPolicy.Name, String)
    }

    public func cosign(
        _ checkpoint: SignedCheckpoint, consistencyProof: @escaping @Sendable (UInt64) async throws -> [[UInt8]]
    ) async throws -> SignedCheckpoint {
        if policy.isSatisfied(byWitnesses: []) { return checkpoint }
        let (stream, continuation) = AsyncStream.makeStream(of: Outcome.self)
        for link in links {
            Task {
                continuation.yield(await link.cosign(checkpoint, consistencyProof: consistencyProof))
            }
        }
        var cosigned: [TlogPolicy.Name: [SignedNote.Signature]] = [:]
        var failures: [TlogPolicy.Name: String] = [:]
        var pending = Set(links.map(\.name))
        for await outcome in stream {
            switch outcome {
            case .cosigned(let name, let signatures):
                cosigned[name] = signatures
                pending.remove(name)
            case .failed(let name, let reason):
                failures[name] = reason
                pending.remove(name)
            }
            if policy.isSatisfied(byWitnesses: Set(cosigned.keys)) {
                let kept = minimalSet(Set(cosigned.keys))
                let signatures = links.map(\.name).filter(kept.contains).flatMap { cosigned[$0]! }
                return try checkpoint.adding(signatures)
            }
            if !policy.isSatisfied(byWitnesses: Set(cosigned.keys).union(pending)) || pending.isEmpty {
                break
            }
        }
        continuation.finish()
        let order = links.map(\.name)
        throw WitnessQuorumError(
            size: checkpoint.checkpoint.size,
            cosigned: order.filter { cosigned[$0] != nil }.map(\.description),
            failures: order.compactMap { name in failures[name].map { .init(witness: name.description, reason: $0) } }
                + order.filter(pending.contains).map { .init(witness: $0.description, reason: "no answer yet") })
    }

    /// Drops witnesses one at a time (last first) while the quorum still holds.
    func minimalSet(_ names: Set<TlogPolicy.Name>) -> Set<TlogPolicy.Name> {
        var kept = names
        for name in links.map(\.name).reversed() where kept.contains(name) {
            kept.remove(name)
            if !policy.isSatisfied(byWitnesses: kept) { kept.insert(name) }
        }
        return kept
    }

    /// Starts each witness that cosigned `published` (the log's latest
    /// published checkpoint) at that size, so the first request after a
    /// restart carries the right old size and a consistency proof instead of
    /// `old 0` and a 409 round trip (c2sp.org/tlog-witness: a client sends 0
    /// only when it has no record of the witness's size).
    public func seed(from published: SignedCheckpoint) async {
        let message = Array(published.note.text.utf8)
        for (link, witness) in zip(links, policy.witnesses) {
            let verifier = CosignatureV1Verifier(key: witness.key)
            let cosigned = published.note.signatures.contains {
                $0.name == witness.key.name && $0.keyID == witness.key.keyID && verifier.verify(message: message, signature: $0.bytes)
            }
            if cosigned { await link.seed(size: published.checkpoint.size) }
        }
    }

    /// Each witness's state as last seen (for `akashi log witness list` and health pages).
    public func status() async -> [WitnessLink.Status] {
        var result: [WitnessLink.Status] = []
        for link in links { result.append(await link.status) }
        return result
    }
}

/// One witness as the log sees it: the size it last cosigned, whether it is
/// reachable, and the one request that may be in flight to it.
public actor WitnessLink {
    public struct Status: Sendable, Hashable {
        public let name: String
        /// The size this witness last cosigned for the log (0: not yet known).
        public let size: UInt64
        public let lastError: String?
    }

    public nonisolated let name: TlogPolicy.Name
    let client: WitnessClient?
    let timeout: Duration
    let logger: Logger

    private var size: UInt64 = 0
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// The largest checkpoint size asked for; older queued requests are dropped.
    private var newestRequested: UInt64 = 0
    private var lastError: String?
    private var skipUntil: ContinuousClock.Instant?
    private var backoff: Duration = .seconds(1)

    init(name: TlogPolicy.Name, client: WitnessClient?, timeout: Duration, logger: Logger) {
        self.name = name
        self.client = client
        self.timeout = timeout
        self.logger = logger
    }

    func seed(size: UInt64) {
        self.size = max(self.size, size)
    }

    var status: Status {
        Status(name: name.description, size: size, lastError: lastError)
    }

    func cosign(
        _ checkpoint: SignedCheckpoint, consistencyProof: @escaping @Sendable (UInt64) async throws -> [[UInt8]]
    ) async -> WitnessCosigner.Outcome {
        guard let client else { return .failed(name, "no URL to reach it") }
        let target = checkpoint.checkpoint.size
        newestRequested = max(newestRequested, target)
        if let skipUntil, ContinuousClock.now < skipUntil {
            return .failed(
                name,
                "skipped after an earlier failure (\(lastError ?? "unreachable")); retried in \(ContinuousClock.now.duration(to: skipUntil).formatted(.units(allowed: [.seconds], width: .narrow)))"
            )
        }
        await acquire()
        defer { release() }
        guard target >= newestRequested else {
            return .failed(name, "superseded by checkpoint \(newestRequested)")
        }
        // The old size we send: what the witness last cosigned as far as we
        // know, never more than this checkpoint (a larger size only ever comes
        // from an unsigned 409 body; the witness decides, we keep asking).
        let oldSize = min(size, target)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (signatures, _) = try await client.cosign(checkpoint: checkpoint, oldSize: oldSize, timeout: timeout) { from in
                    try await consistencyProof(from)
                }
                size = target
                lastError = nil
                skipUntil = nil
                backoff = .seconds(1)
                return .cosigned(name, signatures)
            } catch let error as WitnessClientError {
                switch error {
                case .transport where attempt < 2, .refused(status: 500..., _) where attempt < 2:
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                case .conflict:
                    // The witness claims to be ahead of this checkpoint (a later
                    // one was cosigned, or another copy of the log): report it.
                    // The claim is unsigned, so it does not stop later requests.
                    lastError = "\(error.description) (this log's checkpoint is \(target))"
                case .transport, .refused(status: 500..., _):
                    lastError = error.description
                    skipUntil = ContinuousClock.now + backoff
                    backoff = min(backoff * 2, .seconds(60))
                default:
                    lastError = error.description
                }
                logger.warning("witness \(name) gave no cosignature for size \(target)", metadata: ["reason": "\(error)"])
                return .failed(name, error.description)
            } catch {
                lastError = "\(error)"
                logger.warning("witness \(name) gave no cosignature for size \(target)", metadata: ["reason": "\(error)"])
                return .failed(name, "\(error)")
            }
        }
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
