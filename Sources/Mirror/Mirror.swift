import Foundation
import HTTPFetch
import LogStore
import Logging
import TransparencyLog

/// A c2sp.org/tlog-mirror that *pulls*: for every log it follows it polls
/// the log's tlog-tiles prefix, verifies each new checkpoint and every entry
/// (``LogFollower``), keeps a full copy (``LogReplica``), and only once the
/// entries and the checkpoint are durably committed adds its own
/// cosignature/v1 and publishes the checkpoint. ``MirrorApplication`` serves
/// the copies read-only at `<monitoring prefix>/<origin hash>/`.
///
/// Crash safety: the copy is committed in one transaction with the log's
/// checkpoint marked unpublished; cosigning is a second step. A mirror that
/// stops in between finds the unpublished checkpoint on its next sync, its
/// entries already durable, and cosigns it then. A refused step (bad
/// signature, bad entries, a fork) writes nothing: the copy and the served
/// checkpoint stay at the last good state.
///
/// Not implemented: the push half of the specification (`add-checkpoint`,
/// `add-entries` with subtree consistency proofs, `sign-subtree`). Pulling
/// over tiles gives the same guarantee (nothing is cosigned before every
/// entry is verified and stored) and needs nothing from the log but its
/// public tiles; a log operator who wants the push API can run a
/// witness-style submitter later without changing the stored copies.
public actor Mirror {
    public nonisolated let directory: MirrorDirectory
    public nonisolated let state: MirrorState
    public nonisolated let signer: CosignatureV1Signer
    let fetcher: HTTPFetcher
    let timeout: Duration
    let logger: Logger
    let clock: @Sendable () -> UInt64

    private var records: [String: MirroredLogRecord] = [:]  // by origin hash
    private var replicas: [String: LogReplica] = [:]  // by origin hash, opened lazily
    private var syncing: Set<String> = []

    public init(
        directory: MirrorDirectory, signer: CosignatureV1Signer, fetcher: HTTPFetcher = .shared, timeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "akashi.mirror"), clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }
    ) throws(MirrorError) {
        self.directory = directory
        self.state = try directory.openState()
        self.signer = signer
        self.fetcher = fetcher
        self.timeout = timeout
        self.logger = logger
        self.clock = clock
        for record in try state.logs() { records[record.originHash] = record }
    }

    /// Re-reads the followed logs (`akashi mirror add-log` from another process).
    public func reload() throws(MirrorError) {
        records = [:]
        for record in try state.logs() { records[record.originHash] = record }
    }

    /// The followed logs, by origin.
    public var logs: [MirroredLogRecord] { records.values.sorted { $0.origin < $1.origin } }

    public func record(originHash: String) -> MirroredLogRecord? { records[originHash] }

    /// Follows the log at `url` (its tlog-tiles prefix) under `policy`. The
    /// origin is the policy's one log; with several, it is read from the
    /// log's checkpoint (which must verify). Following again updates the URL
    /// and policy. Nothing is fetched into the copy until ``sync(originHash:)``.
    @discardableResult
    public func addLog(url: String, policy: TlogPolicy, origin: String? = nil) async throws(MirrorError) -> MirroredLogRecord {
        let client = try TileLogClient(prefix: url, timeout: timeout, fetcher: fetcher)
        var origin = origin
        if origin == nil, policy.logs.count == 1 { origin = policy.logs[0].key.name }
        if origin == nil {
            let signed = try await LogFollower(client: client, policy: policy).verifiedCheckpoint()
            origin = signed.checkpoint.origin
        }
        let name = origin!
        try state.addLog(origin: name, url: client.source, policy: policy, at: clock())
        try reload()
        guard let record = records[TileLogClient.originHash(name)] else {
            throw MirrorError(.storage, "log \(name) was recorded but cannot be read back")
        }
        return record
    }

    // MARK: Syncing

    /// What one sync of one log did.
    public struct SyncReport: Sendable {
        public let origin: String
        public let originHash: String
        /// The checkpoint served before the sync (nil: nothing yet).
        public let previous: Checkpoint?
        /// The checkpoint served after the sync (nil: nothing yet).
        public let published: SignedCheckpoint?
        public let error: MirrorError?

        /// Whether the served checkpoint changed.
        public var changed: Bool { published?.checkpoint != previous }
    }

    /// Syncs every followed log once (re-reading the list first); a failing
    /// log does not stop the others.
    public func syncAll() async -> [SyncReport] {
        try? reload()
        var reports: [SyncReport] = []
        for record in logs {
            reports.append(await syncReport(originHash: record.originHash))
        }
        return reports
    }

    func syncReport(originHash: String) async -> SyncReport {
        let record = records[originHash]
        let before = await (try? replica(originHash: originHash))??.publishedCheckpoint?.checkpoint
        do throws(MirrorError) {
            let published = try await sync(originHash: originHash)
            return SyncReport(origin: record?.origin ?? "", originHash: originHash, previous: before, published: published, error: nil)
        } catch {
            let published = await (try? replica(originHash: originHash))??.publishedCheckpoint
            return SyncReport(origin: record?.origin ?? "", originHash: originHash, previous: before, published: published, error: error)
        }
    }

    /// One sync of one log: cosign a committed-but-unpublished checkpoint
    /// left by a crash, then follow the log one step and cosign what was
    /// committed. Returns the checkpoint now served.
    @discardableResult
    public func sync(originHash: String) async throws(MirrorError) -> SignedCheckpoint? {
        guard let record = records[originHash] else {
            throw MirrorError(.invalidRequest, "the mirror does not follow a log with origin hash \(originHash)")
        }
        guard syncing.insert(originHash).inserted else {
            throw MirrorError(.invalidRequest, "\(record.origin) is already being synced")
        }
        defer { syncing.remove(originHash) }
        do throws(MirrorError) {
            guard let replica = try replica(originHash: originHash, create: true) else {
                throw MirrorError(.storage, "the copy of \(record.origin) cannot be opened")
            }
            try await publishPending(replica)
            let follower = LogFollower(
                client: try TileLogClient(prefix: record.url, timeout: timeout, fetcher: fetcher), policy: try record.parsedPolicy(),
                origin: record.origin)
            let outcome = try await follower.update(replica)
            if case .advanced(let from, let to) = outcome {
                logger.info("mirrored", metadata: ["mirror.origin": "\(record.origin)", "mirror.from": "\(from)", "mirror.size": "\(to.checkpoint.size)"])
            }
            try await publishPending(replica)
            try? state.recordSync(origin: record.origin, error: nil, at: clock())
            return await replica.publishedCheckpoint
        } catch {
            logger.warning("sync refused", metadata: ["mirror.origin": "\(record.origin)", "mirror.code": "\(error.code)", "mirror.reason": "\(error.reason)"])
            try? state.recordSync(origin: record.origin, error: "\(error.code): \(error.reason)", at: clock())
            throw error
        }
    }

    /// Cosigns and publishes the copy's latest checkpoint if it is not yet:
    /// its entries are committed (that is what "latest" means in a replica).
    private func publishPending(_ replica: LogReplica) async throws(MirrorError) {
        guard let latest = await replica.latestCheckpoint else { return }
        let published = await replica.publishedCheckpoint
        if let published, published.checkpoint == latest.checkpoint { return }
        let cosigned = cosign(latest)
        do {
            try await replica.publish(cosigned)
        } catch {
            throw .storage(error, "publishing checkpoint \(latest.checkpoint.size)")
        }
    }

    /// The checkpoint with this mirror's cosignature/v1 added (replacing any
    /// line already claiming the mirror's key); every other signature is kept.
    public nonisolated func cosign(_ checkpoint: SignedCheckpoint) -> SignedCheckpoint {
        let mine = signer.verifierKey
        var others = checkpoint.note.signatures.filter { !($0.name == mine.name && $0.keyID == mine.keyID) }
        if others.count >= SignedNote.maxSignatures { others = Array(others.prefix(SignedNote.maxSignatures - 1)) }
        let line = signer.cosign(checkpointText: checkpoint.note.text, timestamp: clock())
        return try! SignedCheckpoint(note: SignedNote(text: checkpoint.note.text, signatures: others + [line]))
    }

    // MARK: Serving

    /// The copy of the log with this origin hash; nil if not followed (or,
    /// without `create`, not copied yet).
    public func replica(originHash: String, create: Bool = false) throws(MirrorError) -> LogReplica? {
        if let open = replicas[originHash] { return open }
        guard records[originHash] != nil else { return nil }
        let url = directory.replicaURL(originHash: originHash)
        guard create || FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            try FileManager.default.createDirectory(at: directory.logsURL, withIntermediateDirectories: true)
            let replica = try LogReplica.open(path: url.path)
            replicas[originHash] = replica
            return replica
        } catch {
            throw .storage(error, "cannot open the copy \(url.path)")
        }
    }

    /// The checkpoint served for this log: the latest cosigned one.
    public func servedCheckpoint(originHash: String) async -> SignedCheckpoint? {
        guard let replica = try? replica(originHash: originHash) else { return nil }
        return await replica.publishedCheckpoint
    }

    /// Closes every copy (releasing their locks).
    public func close() async {
        for replica in replicas.values { try? await replica.close() }
        replicas = [:]
    }

    /// Runs ``syncAll()`` every `interval` until the task is cancelled,
    /// reporting each sync to `report`.
    public func run(interval: Duration, report: @Sendable (SyncReport) async -> Void = { _ in }) async {
        while !Task.isCancelled {
            for item in await syncAll() { await report(item) }
            do { try await Task.sleep(for: interval) } catch { break }
        }
    }
}
