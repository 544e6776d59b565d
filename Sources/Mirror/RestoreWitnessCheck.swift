import Foundation
import HTTPFetch
import TransparencyLog
import Witness

extension LogRestorer {
    /// What one witness of the authority's policy said about a restored size.
    public enum WitnessAnswer: Hashable, Sendable {
        /// The witness cosigned the restored checkpoint: it has this tree.
        case confirmed
        /// The witness has cosigned a smaller tree of this log; it catches up
        /// with the next checkpoint the log publishes.
        case behind(latestSize: UInt64)
        /// The witness has cosigned a larger tree: the restored copy is stale,
        /// and appending to it would sign a fork.
        case ahead(latestSize: UInt64)
        /// No usable answer (down, refused, no URL in the policy); the reason says which.
        case unconfirmed(String)
    }

    /// Asks every witness of `policy` that has a URL whether `restored` is
    /// the newest tree it has cosigned, by submitting it as its own old size
    /// (`old <size>`, no proof; c2sp.org/tlog-witness): a witness at that very
    /// tree cosigns it again, one that has another size answers 409 with it.
    /// The witnesses are asked one after the other; none is skipped.
    public static func askWitnesses(
        _ restored: SignedCheckpoint, policy: TlogPolicy, timeout: Duration = .seconds(30)
    ) async -> [(witness: TlogPolicy.Witness, answer: WitnessAnswer)] {
        let size = restored.checkpoint.size
        var answers: [(witness: TlogPolicy.Witness, answer: WitnessAnswer)] = []
        for witness in policy.witnesses {
            guard let url = witness.url.flatMap({ URL(string: $0.description) }) else { continue }
            let client: WitnessClient
            do { client = try WitnessClient(url: url, key: witness.key) } catch {
                answers.append((witness, .unconfirmed("\(error)")))
                continue
            }
            do {
                _ = try await client.cosign(checkpoint: restored, oldSize: size, proof: [], timeout: timeout)
                answers.append((witness, .confirmed))
            } catch .conflict(let latest) {
                answers.append((witness, latest > size ? .ahead(latestSize: latest) : .behind(latestSize: latest)))
            } catch {
                answers.append((witness, .unconfirmed("\(error)")))
            }
        }
        return answers
    }

    /// ``restore(path:logKey:witnessPolicy:from:timeout:fetcher:)``, then the
    /// witnesses' word on the restored size (``askWitnesses(_:policy:timeout:)``):
    /// a stale mirror's copy is genuine but short, and if a witness has
    /// cosigned more, continuing from it would sign a fork. Then the restored
    /// database (with its `-wal` and `-shm`) is moved aside to
    /// `<path>.stale-restore-<unix time>` and ``MirrorError/Code/staleCopy``
    /// is thrown, naming the witness and both sizes.
    ///
    /// Witnesses that could not answer do not stop the restore; the summary
    /// lists them in ``Summary/unconfirmedWitnesses``.
    public static func restoreCheckingWitnesses(
        path: String, logKey: VerifierKey, witnessPolicy: TlogPolicy?, from urls: [URL], timeout: Duration = .seconds(30),
        fetcher: HTTPFetcher = .shared, now: Date = Date()
    ) async throws(MirrorError) -> Summary {
        var summary = try await restore(path: path, logKey: logKey, witnessPolicy: witnessPolicy, from: urls, timeout: timeout, fetcher: fetcher)
        guard let witnessPolicy else { return summary }
        let restoredSize = summary.checkpoint.checkpoint.size
        for (witness, answer) in await askWitnesses(summary.checkpoint, policy: witnessPolicy, timeout: timeout) {
            switch answer {
            case .confirmed, .behind:
                continue
            case .ahead(let latest):
                let aside = moveAside(path, now: now)
                throw MirrorError(
                    .staleCopy,
                    "witness \(witness.name) has cosigned this log up to size \(latest), but the mirrors have only \(restoredSize): "
                        + "continuing would sign a fork. Restore from a mirror that has size \(latest) (the short copy was moved to \(aside)).")
            case .unconfirmed(let reason):
                summary.unconfirmedWitnesses.append((witness.name.description, reason))
            }
        }
        return summary
    }

    /// Moves the database at `path` and its `-wal` and `-shm` files to
    /// `<path>.stale-restore-<unix time>`; returns that path.
    static func moveAside(_ path: String, now: Date) -> String {
        let aside = path + ".stale-restore-\(Int(now.timeIntervalSince1970))"
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
        }
        return aside
    }
}
