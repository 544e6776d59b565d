import Foundation
import HTTPFetch
import LogStore
import TransparencyLog

/// Rebuilds a lost log from copies of it: `akashi log restore`.
///
/// An authority that lost `akashi.sqlite` but kept its key can fetch its
/// whole log back from a mirror (or from any tlog-tiles prefix that serves
/// it). Nothing from the source is trusted: the checkpoint must carry the
/// authority's *own* log signature, and every entry is rehashed into a tree
/// whose root must be that checkpoint's (``LogFollower``). The result is the
/// log store's own tables — entries, tiles and the source's signed checkpoint
/// with all its cosignatures, marked published — so ``LogStore`` opens it,
/// proofs for old entries are the ones given out before the loss, and the
/// next append extends the restored tree.
///
/// With several sources, the largest verified checkpoint wins, and every
/// smaller one must be consistent with it (otherwise the restore stops: the
/// sources show a split view and a person must look first).
///
/// Only the public log comes back. The issuer's private tables
/// (certificates, accounts, audit trail) never leave the authority and
/// cannot be restored this way.
public enum LogRestorer {
    /// What a restore did.
    public struct Summary: Sendable {
        /// The restored checkpoint, as the chosen source served it.
        public let checkpoint: SignedCheckpoint
        /// The tlog-tiles prefix it was restored from.
        public let source: String
        /// What each source showed: its size, or why it was not used.
        public let sources: [(source: String, size: UInt64?, problem: String?)]
        /// Witnesses that could not say whether they have cosigned more
        /// (``restoreCheckingWitnesses(path:logKey:witnessPolicy:from:timeout:fetcher:now:)``).
        public internal(set) var unconfirmedWitnesses: [(witness: String, problem: String)] = []
    }

    /// Restores the log signed by `logKey` into the database at `path`
    /// (created if missing). Refuses (``MirrorError/Code/notEmpty``) a
    /// database whose log already holds entries.
    ///
    /// Each URL may be a mirror's monitoring prefix (`/<origin hash>/` is
    /// added when the mirror serves the log there) or a tlog-tiles prefix.
    ///
    /// `witnessPolicy` (the authority's own, listing only this log) makes the
    /// restored checkpoint need its witness quorum too. The stored checkpoint
    /// keeps only the signature lines that verified (the log's, and listed
    /// witnesses' cosignatures): an unverified line's timestamp would
    /// otherwise decide what `LogStore.size(asOf:)` answers.
    public static func restore(
        path: String, logKey: VerifierKey, witnessPolicy: TlogPolicy? = nil, from urls: [URL], timeout: Duration = .seconds(30),
        fetcher: HTTPFetcher = .shared
    ) async throws(MirrorError) -> Summary {
        guard !urls.isEmpty else { throw MirrorError(.invalidRequest, "give at least one source to restore from") }
        let origin = logKey.name
        let policy: TlogPolicy
        if let witnessPolicy {
            policy = witnessPolicy
        } else {
            do throws(TlogPolicyError) { policy = try TlogPolicy(logKey: logKey) } catch {
                throw MirrorError(.invalidRequest, "cannot restore with the log key \(logKey.name): \(error.reason)")
            }
        }

        // Refuse early, before downloading anything, when the log is not empty.
        if FileManager.default.fileExists(atPath: path), let existing = try? await LogStore.openReadOnly(path: path, authority: origin) {
            let size = await existing.size
            if size > 0 {
                throw MirrorError(.notEmpty, "\(path) already holds a log of \(size) entries; refusing to overwrite it (move it away first)")
            }
        }

        var candidates: [(client: TileLogClient, checkpoint: SignedCheckpoint)] = []
        var report: [(source: String, size: UInt64?, problem: String?)] = []
        var firstError: MirrorError?
        for url in urls {
            let client = await TileLogClient.resolve(url, origin: origin, timeout: timeout, fetcher: fetcher)
            do throws(MirrorError) {
                let signed = try await LogFollower(client: client, policy: policy).verifiedCheckpoint()
                candidates.append((client, signed))
                report.append((client.source, signed.checkpoint.size, nil))
            } catch {
                firstError = firstError ?? error
                report.append((client.source, nil, "\(error.code): \(error.reason)"))
            }
        }
        guard let chosen = candidates.max(by: { $0.checkpoint.checkpoint.size < $1.checkpoint.checkpoint.size }) else {
            throw firstError ?? MirrorError(.invalidRequest, "no source could be read")
        }
        for other in candidates where other.client.source != chosen.client.source {
            let older = other.checkpoint.checkpoint
            let verdict = try await TreeConsistency.check(
                olderSize: older.size, olderRoot: older.rootHash, newer: chosen.checkpoint.checkpoint, client: chosen.client)
            if case .inconsistent = verdict {
                throw MirrorError(
                    .inconsistent,
                    "\(other.client.source) (size \(older.size)) and \(chosen.client.source) (size \(chosen.checkpoint.checkpoint.size)) show two histories of \(origin); not restoring",
                    evidence: [
                        MirrorError.Evidence(source: other.client.source, checkpoint: other.checkpoint.serialized),
                        MirrorError.Evidence(source: chosen.client.source, checkpoint: chosen.checkpoint.serialized),
                    ])
            }
        }

        let replica: LogReplica
        do { replica = try LogReplica.open(path: path) } catch { throw .storage(error, "cannot open \(path)") }
        do throws(MirrorError) {
            let size = await replica.size
            guard size == 0 else {
                throw MirrorError(.notEmpty, "\(path) already holds a log of \(size) entries; refusing to overwrite it (move it away first)")
            }
            if let existing = await replica.origin, existing != origin {
                throw MirrorError(.notEmpty, "\(path) holds the log '\(existing)', not '\(origin)'; refusing to overwrite it")
            }
            let follower = LogFollower(client: chosen.client, policy: policy)
            let (kept, createdAt) = verifiedLines(chosen.checkpoint, logKey: logKey, witnessPolicy: witnessPolicy)
            _ = try await follower.advance(replica, to: kept, createdAt: createdAt)
            do {
                try await replica.publish(kept)
                try await replica.close()
            } catch {
                throw MirrorError.storage(error, "publishing the restored checkpoint")
            }
        } catch {
            try? await replica.close()
            throw error
        }
        return Summary(
            checkpoint: verifiedLines(chosen.checkpoint, logKey: logKey, witnessPolicy: witnessPolicy).0, source: chosen.client.source, sources: report)
    }

    /// The checkpoint with only the lines that verify — the log's signature
    /// and the cosignatures of witnesses the policy lists — and when it
    /// existed at the latest: the earliest of those verified cosignatures,
    /// else now. (Stored as the restored checkpoint's creation time, which
    /// `LogStore.size(asOf:)` reads: a later time only makes a key-compromise
    /// cut-off stricter; an earlier, forged one would make it laxer.)
    public static func verifiedLines(_ signed: SignedCheckpoint, logKey: VerifierKey, witnessPolicy: TlogPolicy?) -> (SignedCheckpoint, Date) {
        let message = Array(signed.note.text.utf8)
        let logVerifier = Ed25519NoteVerifier(key: logKey)
        var kept: [SignedNote.Signature] = []
        var times: [UInt64] = []
        for line in signed.note.signatures {
            if line.name == logKey.name, line.keyID == logKey.keyID, logVerifier.verify(message: message, signature: line.bytes) {
                kept.append(line)
                continue
            }
            for witness in witnessPolicy?.witnesses ?? [] where line.name == witness.key.name && line.keyID == witness.key.keyID {
                if CosignatureV1Verifier(key: witness.key).verify(message: message, signature: line.bytes),
                    let time = CosignatureV1.timestamp(of: line.bytes), time > 0, time <= UInt64(Int64.max)
                {
                    kept.append(line)
                    times.append(time)
                }
            }
        }
        let checkpoint = (try? SignedCheckpoint(note: SignedNote(text: signed.note.text, signatures: kept))) ?? signed
        return (checkpoint, times.min().map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date())
    }
}

/// A ``CheckpointVerifying`` that picks the ``TlogPolicy`` by the
/// checkpoint's origin: for trust files listing several authorities' logs,
/// each with its own witness quorum.
public struct OriginPolicies: CheckpointVerifying {
    public let policies: [String: TlogPolicy]

    public init(_ policies: [String: TlogPolicy]) { self.policies = policies }

    public var origins: [String] { policies.keys.sorted() }

    public func verify(_ signed: SignedCheckpoint) throws(NoteError) -> TlogPolicy.Verified {
        guard let policy = policies[signed.checkpoint.origin] else {
            throw NoteError(
                .unverified, "the checkpoint is from log '\(signed.checkpoint.origin)', which the trust file does not list (\(origins.joined(separator: ", ")))"
            )
        }
        return try policy.verify(signed)
    }
}
