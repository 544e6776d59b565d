import Foundation
import TransparencyLog

/// Watches one log through one or more sources (the log itself, mirrors,
/// caches) and reports whether everything they show is one history.
///
/// The monitor keeps the *head*: the largest checkpoint it has verified to
/// be consistent with everything seen before (persisted in ``MonitorState``
/// so a restart keeps the history). On every ``poll()`` each source's
/// checkpoint is verified with the policy and compared with the head:
///
/// - same size, other root → a **split view** (`split-view`);
/// - larger → the source's tiles must prove it extends the head
///   (``TreeConsistency``); then it becomes the head;
/// - smaller → the head source's tiles must prove the head extends it;
/// - otherwise → `inconsistent`, with both signed checkpoints as evidence.
///
/// Consistency is transitive along one tree, so comparing every checkpoint
/// with the head also compares every two sources with each other. A source
/// that is down, serves a checkpoint that does not verify, or whose tiles do
/// not match its own checkpoint is an `error` event: a broken source, not
/// evidence against the log. The monitor reads checkpoints and tiles only;
/// entries are the mirror's business (``LogFollower``).
public actor LogMonitor {
    public let sources: [TileLogClient]
    public let policy: any CheckpointVerifying
    public private(set) var state: MonitorState
    let clock: @Sendable () -> Date

    /// `state` (from ``MonitorState/load(from:)``) must verify under `policy`.
    public init(
        sources: [TileLogClient], policy: any CheckpointVerifying, state: MonitorState = MonitorState(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(MirrorError) {
        self.sources = sources
        self.policy = policy
        self.clock = clock
        if let head = state.head {
            let signed = try head.signedCheckpoint()
            do { _ = try policy.verify(signed) } catch {
                throw MirrorError(
                    .storage,
                    "the monitor state's checkpoint (size \(signed.checkpoint.size) from \(head.source)) does not verify with the given keys: \(error.reason)")
            }
        }
        self.state = state
    }

    /// Checks every source once, in order; one event per source.
    public func poll() async -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        for client in sources { events.append(await check(client)) }
        return events
    }

    private func check(_ client: TileLogClient) async -> MonitorEvent {
        let source = client.source
        let signed: SignedCheckpoint
        do throws(MirrorError) {
            signed = try await LogFollower(client: client, policy: policy).verifiedCheckpoint()
        } catch {
            return MonitorEvent(.error, source: source, origin: state.origin, reason: error.reason, code: error.code.name)
        }
        let new = signed.checkpoint
        if let origin = state.origin, origin != new.origin {
            return MonitorEvent(
                .error, source: source, checkpoint: new, reason: "the source serves log '\(new.origin)', not '\(origin)'",
                code: MirrorError.Code.wrongOrigin.name)
        }
        state.origin = new.origin
        let seen = MonitorState.Seen(source: source, checkpoint: signed.serialized, seenAt: clock())
        guard let headSeen = state.head, let head = try? headSeen.signedCheckpoint() else {
            state.head = seen
            state.sources[source] = seen
            return MonitorEvent(.checkpoint, source: source, checkpoint: new, reason: "first checkpoint seen")
        }
        let old = head.checkpoint
        let evidence = [
            MirrorError.Evidence(source: headSeen.source, checkpoint: head.serialized),
            MirrorError.Evidence(source: source, checkpoint: signed.serialized),
        ]
        if new.size == old.size, new.rootHash != old.rootHash {
            return MonitorEvent(
                .splitView, source: source, checkpoint: new,
                reason:
                    "\(source) shows size \(new.size) with root \(new.rootHash.base64String); \(headSeen.source) showed root \(old.rootHash.base64String) for the same size",
                evidence: evidence)
        }
        if new.size != old.size {
            let (older, newer, tiles) =
                new.size > old.size
                ? (old, new, client)
                : (new, old, TileLogClient(prefix: URL(string: headSeen.source)!, timeout: client.timeout, fetcher: client.fetcher))
            let verdict: TreeConsistency.Verdict
            do throws(MirrorError) {
                verdict = try await TreeConsistency.check(olderSize: older.size, olderRoot: older.rootHash, newer: newer, client: tiles)
            } catch {
                return MonitorEvent(
                    .error, source: source, checkpoint: new,
                    reason: "cannot check size \(new.size) against size \(old.size): \(error.reason)", code: error.code.name)
            }
            if case .inconsistent(let implied) = verdict {
                return MonitorEvent(
                    .inconsistent, source: source, checkpoint: new,
                    reason:
                        "the tree of size \(newer.size) has root \(implied.base64String) at size \(older.size), but the checkpoint of size \(older.size) says \(older.rootHash.base64String): "
                        + "\(source) (size \(new.size)) and \(headSeen.source) (size \(old.size)) show two histories",
                    evidence: evidence)
            }
            if new.size > old.size { state.head = seen }
        }
        let previous = (try? state.sources[source]?.signedCheckpoint())?.checkpoint
        state.sources[source] = seen
        if previous == new {
            return MonitorEvent(.unchanged, source: source, checkpoint: new, reason: "consistent, as before")
        }
        return MonitorEvent(
            .checkpoint, source: source, checkpoint: new,
            reason: new.size == old.size ? "same tree as \(headSeen.source)" : "consistent with size \(old.size)")
    }
}

/// One thing the monitor noticed.
public struct MonitorEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// A source shows a new checkpoint, consistent with everything seen.
        case checkpoint
        /// A source shows the same checkpoint as last time.
        case unchanged
        /// Two checkpoints of the same size with different roots.
        case splitView = "split-view"
        /// Two checkpoints of different sizes where the larger does not extend the smaller.
        case inconsistent
        /// A source could not be checked (down, bad signature, bad tiles).
        case error
    }

    public let kind: Kind
    public let source: String
    public let origin: String?
    public let size: UInt64?
    public let root: [UInt8]?
    public let reason: String
    /// The ``MirrorError/Code`` name for `error` events.
    public let code: String?
    /// For `split-view` and `inconsistent`: the earlier checkpoint, then this source's.
    public let evidence: [MirrorError.Evidence]

    init(
        _ kind: Kind, source: String, origin: String? = nil, checkpoint: Checkpoint? = nil, reason: String, code: String? = nil,
        evidence: [MirrorError.Evidence] = []
    ) {
        self.kind = kind
        self.source = source
        self.origin = checkpoint?.origin ?? origin
        self.size = checkpoint?.size
        self.root = checkpoint?.rootHash
        self.reason = reason
        self.code = code
        self.evidence = evidence
    }

    /// A split view or an inconsistency: the log misbehaved.
    public var isInconsistency: Bool { kind == .splitView || kind == .inconsistent }

    /// The `--json` form: keys `event`, `source`, `origin`, `size`, `root`
    /// (base64), `reason`, and `code` / `evidence` when present. Stable.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["event": kind.rawValue, "source": source, "reason": reason]
        if let origin { object["origin"] = origin }
        if let size { object["size"] = size }
        if let root { object["root"] = root.base64String }
        if let code { object["code"] = code }
        if !evidence.isEmpty { object["evidence"] = evidence.map { ["source": $0.source, "checkpoint": $0.checkpoint] } }
        return object
    }

    /// One line, Japanese then English.
    public var line: String {
        let what = size.map { " size \($0)" } ?? ""
        let root = root.map { " root \($0.base64String)" } ?? ""
        switch kind {
        case .checkpoint: return "新しいチェックポイント / new checkpoint: \(source)\(what)\(root) (\(reason))"
        case .unchanged: return "変化なし / unchanged: \(source)\(what)\(root)"
        case .splitView: return "分岐（スプリットビュー）を検出 / split view detected: \(reason)"
        case .inconsistent: return "不整合を検出 / inconsistent checkpoints: \(reason)"
        case .error: return "確認できません / cannot check \(source): \(code.map { "\($0): " } ?? "")\(reason)"
        }
    }

    /// ``line`` followed by the evidence notes, indented.
    public var text: String {
        var out = line
        for item in evidence {
            out += "\n  証拠 / evidence from \(item.source):"
            for noteLine in item.checkpoint.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                out += "\n    " + noteLine
            }
        }
        return out
    }
}

/// What a monitor remembers between runs (`--state FILE`, JSON).
public struct MonitorState: Codable, Hashable, Sendable {
    public static let currentFormat = "akashi-monitor/v1"

    /// A checkpoint as a source served it.
    public struct Seen: Codable, Hashable, Sendable {
        public var source: String
        /// The signed note as served.
        public var checkpoint: String
        public var seenAt: Date

        public func signedCheckpoint() throws(MirrorError) -> SignedCheckpoint {
            do { return try SignedCheckpoint(parsing: checkpoint) } catch {
                throw MirrorError(.storage, "a checkpoint in the monitor state is invalid: \(error.reason)")
            }
        }
    }

    public var format: String = Self.currentFormat
    public var origin: String?
    /// The largest checkpoint known to be consistent with everything seen.
    public var head: Seen?
    /// The latest checkpoint each source showed, by source prefix.
    public var sources: [String: Seen] = [:]

    public init() {}

    /// Reads a state file; a missing file is a fresh state.
    public static func load(from url: URL) throws(MirrorError) -> MonitorState {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if FileManager.default.fileExists(atPath: url.path) {
                throw MirrorError(.storage, "cannot read the monitor state \(url.path)")
            }
            return MonitorState()
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let state: MonitorState
        do { state = try decoder.decode(MonitorState.self, from: data) } catch {
            throw MirrorError(.storage, "\(url.path) is not a monitor state: \(error)")
        }
        guard state.format == currentFormat else {
            throw MirrorError(.storage, "\(url.path) has format '\(state.format)'; this version reads \(currentFormat)")
        }
        return state
    }

    /// Writes the state atomically (a temporary file renamed over the old one).
    public func save(to url: URL) throws(MirrorError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try (try encoder.encode(self) + Data("\n".utf8)).write(to: url, options: .atomic)
        } catch {
            throw MirrorError(.storage, "cannot write the monitor state \(url.path): \(error.localizedDescription)")
        }
    }
}
