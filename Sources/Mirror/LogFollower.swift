import Foundation
import LogStore
import TransparencyLog

/// Follows one log over its tiles and keeps a verified copy of it in a
/// ``LogReplica``: the step a mirror takes on every poll and a restore takes
/// once.
///
/// One step (``update(_:)``):
///
/// 1. fetch `<prefix>/checkpoint` and verify it with the policy (the log's
///    key, and the witness quorum when the policy has one);
/// 2. compare it with the copy's latest checkpoint: the same size must have
///    the same root; a smaller one must be the copy's root at that size (a
///    stale cache, accepted and ignored); anything else is
///    ``MirrorError/Code/inconsistent``;
/// 3. download the entry bundles from the copy's size to the new size, check
///    that entries the copy already has are byte for byte the same, and stage
///    the new ones while recomputing their leaf hashes and the tree;
/// 4. commit only when the recomputed root is the checkpoint's root.
///
/// **Consistency by recomputation.** The copy holds every leaf, so the new
/// root is computed over the copy's own leaves followed by the new ones. If
/// it equals the checkpoint's root, the new tree extends the old tree by
/// construction — the same guarantee as verifying an RFC 9162 consistency
/// proof, without trusting any hash the source served. When it does not, the
/// follower asks the source's tiles *why* (``TreeConsistency``): if the
/// source's own tiles prove its checkpoint does not extend the copy (a fork,
/// rewritten history), that is ``MirrorError/Code/inconsistent`` with both
/// signed checkpoints as evidence; otherwise the entries were bad,
/// ``MirrorError/Code/rootMismatch``. Either way nothing is written and the
/// copy keeps its last good state.
public struct LogFollower: Sendable {
    public let client: TileLogClient
    public let policy: any CheckpointVerifying
    /// The log this URL must serve, when known: a policy listing several logs
    /// would otherwise accept another listed log's checkpoint on a first sync.
    public let origin: String?

    public init(client: TileLogClient, policy: any CheckpointVerifying, origin: String? = nil) {
        self.client = client
        self.policy = policy
        self.origin = origin
    }

    /// What one step did.
    public enum Outcome: Sendable {
        /// The log's checkpoint is the copy's latest (or older and consistent).
        case unchanged(SignedCheckpoint)
        /// The copy grew from `fromSize` to the checkpoint, which is committed
        /// (not yet published: a mirror cosigns it next).
        case advanced(fromSize: UInt64, to: SignedCheckpoint)
    }

    /// Fetches the log's checkpoint and verifies it with the policy.
    public func verifiedCheckpoint() async throws(MirrorError) -> SignedCheckpoint {
        let signed = try await client.checkpoint()
        if let origin, signed.checkpoint.origin != origin {
            let url = client.url("checkpoint").absoluteString
            throw MirrorError(.wrongOrigin, "\(url) serves log '\(signed.checkpoint.origin)', not '\(origin)'", url: url)
        }
        do {
            _ = try policy.verify(signed)
        } catch {
            throw MirrorError(
                .unverifiedCheckpoint,
                "the checkpoint of size \(signed.checkpoint.size) at \(client.url("checkpoint").absoluteString) does not verify: \(error.reason)",
                url: client.url("checkpoint").absoluteString)
        }
        return signed
    }

    /// One step: fetch, verify, download, recompute, commit (see the type).
    public func update(_ replica: LogReplica) async throws(MirrorError) -> Outcome {
        try await advance(replica, to: try await verifiedCheckpoint())
    }

    /// Brings the copy to `signed`, a checkpoint already verified with the
    /// policy; `createdAt` is stored as the checkpoint's time (default: now).
    public func advance(_ replica: LogReplica, to signed: SignedCheckpoint, createdAt: Date = Date()) async throws(MirrorError) -> Outcome {
        let new = signed.checkpoint
        let checkpointURL = client.url("checkpoint").absoluteString
        let current = await replica.latestCheckpoint
        if let current {
            let old = current.checkpoint
            guard new.origin == old.origin else {
                throw MirrorError(.wrongOrigin, "\(checkpointURL) serves log '\(new.origin)', but this copy is of '\(old.origin)'", url: checkpointURL)
            }
            if new.size == old.size {
                guard new.rootHash == old.rootHash else {
                    throw MirrorError(
                        .inconsistent,
                        "split view: \(checkpointURL) shows size \(new.size) with root \(new.rootHash.base64String), the copy has root \(old.rootHash.base64String) for that size",
                        url: checkpointURL, evidence: evidence(copy: current, served: signed))
                }
                return .unchanged(current)
            }
            if new.size < old.size {
                let root: [UInt8]
                do { root = try await replica.rootHash(treeSize: new.size) } catch { throw .storage(error, "reading the copy") }
                guard root == new.rootHash else {
                    throw MirrorError(
                        .inconsistent,
                        "\(checkpointURL) shows size \(new.size) with root \(new.rootHash.base64String), but the copy's tree (size \(old.size)) has root \(root.base64String) at that size",
                        url: checkpointURL, evidence: evidence(copy: current, served: signed))
                }
                return .unchanged(current)
            }
        }
        let oldSize = current?.checkpoint.size ?? 0
        do {
            try await replica.beginUpdate()
        } catch {
            throw .storage(error, "starting an update of the copy")
        }
        do throws(MirrorError) {
            do throws(MirrorError) {
                try await download(into: replica, from: oldSize, to: new.size)
            } catch  where error.code == .bundleMismatch {
                throw await explain(error, current: current, signed: signed)
            }
            let staged = await replica.stagedRootHash ?? []
            guard staged == new.rootHash else {
                let from = current?.checkpoint.size ?? 0
                let mismatch = MirrorError(
                    .rootMismatch,
                    "the entries \(from)..<\(new.size) from \(client.source)tile/entries/ give root \(staged.base64String), not the checkpoint's \(new.rootHash.base64String)",
                    url: client.source + "tile/entries/")
                throw await explain(mismatch, current: current, signed: signed)
            }
            do {
                try await replica.commitUpdate(signed, published: false, createdAt: createdAt)
            } catch {
                throw MirrorError.storage(error, "committing checkpoint \(new.size) to the copy")
            }
        } catch {
            await replica.abortUpdate()
            throw error
        }
        return .advanced(fromSize: oldSize, to: signed)
    }

    /// Stages entries [from, to) bundle by bundle.
    private func download(into replica: LogReplica, from: UInt64, to: UInt64) async throws(MirrorError) {
        guard from < to else { return }
        let width = UInt64(Tiles.width)
        var bundle = from / width
        while bundle * width < to {
            let start = bundle * width
            let count = Int(min(width, to - start))
            let entries = try await client.entryBundle(index: bundle, width: count)
            // Entries the copy already holds must be the same bytes.
            if start < from {
                let known = Int(from - start)
                let stored: [[UInt8]]
                do { stored = try await replica.leafHashes(start..<from) } catch { throw .storage(error, "reading the copy's leaf hashes") }
                for i in 0..<known where Merkle.leafHash(entries[i]) != stored[i] {
                    let url = client.url(Tiles.entriesPath(index: bundle, width: count)).absoluteString
                    throw MirrorError(
                        .bundleMismatch,
                        "\(url) has another entry \(start + UInt64(i)) than the copy (already verified under an earlier checkpoint)",
                        url: url)
                }
            }
            let fresh = Array(entries[Int(max(from, start) - start)...])
            do { try await replica.stage(fresh) } catch {
                throw .storage(error, "staging entries \(max(from, start))..<\(start + UInt64(count))")
            }
            bundle += 1
        }
    }

    /// Tells a fork from bad entries: when the source's own tiles prove its
    /// checkpoint does not extend the copy, the entries were not the problem
    /// (``MirrorError/Code/inconsistent``); otherwise `error` stands.
    private func explain(_ error: MirrorError, current: SignedCheckpoint?, signed: SignedCheckpoint) async -> MirrorError {
        let new = signed.checkpoint
        let checkpointURL = client.url("checkpoint").absoluteString
        if let current, current.checkpoint.size > 0,
            case .inconsistent(let implied)? = try? await TreeConsistency.check(
                olderSize: current.checkpoint.size, olderRoot: current.checkpoint.rootHash, newer: new, client: client)
        {
            return MirrorError(
                .inconsistent,
                "the checkpoint of size \(new.size) at \(checkpointURL) does not extend the copy's checkpoint \(current.checkpoint.size): "
                    + "its tree has root \(implied.base64String) at size \(current.checkpoint.size), the copy \(current.checkpoint.rootHash.base64String) (history rewritten or a fork)",
                url: checkpointURL, evidence: evidence(copy: current, served: signed))
        }
        return error
    }

    private func evidence(copy: SignedCheckpoint, served: SignedCheckpoint) -> [MirrorError.Evidence] {
        [
            MirrorError.Evidence(source: "copy", checkpoint: copy.serialized),
            MirrorError.Evidence(source: client.url("checkpoint").absoluteString, checkpoint: served.serialized),
        ]
    }
}
