import AkashiCrypto
import Foundation
import Logging
import Store
import TransparencyLog

/// Gets a checkpoint cosigned by witnesses (c2sp.org/tlog-witness), enough
/// for the log's witness policy, or throws when the policy cannot be met.
public protocol CheckpointCosigner: Sendable {
    /// `consistencyProof(oldSize)` proves the checkpoint extends a tree of `oldSize`.
    func cosign(
        _ checkpoint: SignedCheckpoint, consistencyProof: @escaping @Sendable (UInt64) async throws -> [[UInt8]]
    ) async throws -> SignedCheckpoint
}

/// An error after a batch committed: its entries are in the log, so the
/// batch is never retried (the callers hear the underlying error).
struct AfterCommit: Error {
    let underlying: any Error
}

/// An append-only RFC 9162 / C2SP transparency log kept in an authority's
/// ``AuthorityStore`` (one SQLite file, or PostgreSQL).
///
/// Appends are integrated in batches (group commit): everything that arrives
/// while a batch is being written waits for the next one, and the whole batch
/// — entries, tiles, the newly signed checkpoint and each entry's
/// ``StoreEffect`` (certificate record, status change, audit row) — is one
/// ``AuthorityStore/commit(_:)``. A caller is answered only after that
/// transaction is durable, so an acknowledged entry survives `kill -9` or a
/// power cut, and a crash mid-batch leaves no trace of the batch at all.
///
/// The tree is deterministic in its entries, so every checkpoint the log
/// signs extends the previous one; the stored tree is re-checked against the
/// latest checkpoint on every open.
///
/// One sequencer appends to a log at a time: ``open(store:signer:logger:)``
/// holds the store's sequencer lease (a `flock` beside the SQLite file, a
/// PostgreSQL advisory lock) until ``close()`` or the process dies. Readers
/// (``reader(store:logger:)``) take no lease.
public actor LogStore {
    /// The outcome of one append: where the entry is and a proof of it.
    public struct Receipt: Sendable {
        public let index: UInt64
        public let leafHash: [UInt8]
        /// The checkpoint the proof is against: the one that integrated the entry.
        public let checkpoint: SignedCheckpoint
        public let inclusionProof: [[UInt8]]

        public var tlogProof: TlogProof {
            TlogProof(index: index, inclusionProof: inclusionProof, checkpoint: checkpoint)
        }
    }

    public static let maxEntrySize = Int(UInt16.max)
    /// Bounds a batch so one transaction stays short and memory stays flat.
    public static let maxBatchSize = 4096

    /// How a log holds its sequencer (the right to append).
    public enum Sequencing: Sendable {
        /// From open to close: one process appends (the embedded SQLite
        /// default; a second `akashi serve` on the file is refused).
        case held
        /// For each batch: any number of nodes append to one log (two `akashi
        /// serve` on one PostgreSQL database, the CLI beside them). Each batch
        /// waits for the lease, catches up with what the others appended,
        /// commits, has its checkpoint published and lets go — so there is
        /// exactly one sequencer at a time, and when a node dies (the database
        /// drops its lock with its session) the others go on at once.
        case perBatch
    }

    public nonisolated let origin: String
    /// Where the log and the authority's private rows live.
    public nonisolated let store: any AuthorityStore
    public nonisolated let sequencing: Sequencing
    private let signer: (any NoteSigner)?
    private var lease: (any SequencerLease)?
    /// How long a batch waits for another node's batch before it fails.
    private let leaseWait: Duration = .seconds(30)
    private let logger: Logger

    private var edge: TreeEdge
    /// The tree head as signed by the log (maybe not yet cosigned).
    private var latest: SignedCheckpoint
    /// The newest checkpoint given out: cosigned as the policy requires, or
    /// the log's own when it has no witnesses.
    private var published: SignedCheckpoint
    private var cosigner: (any CheckpointCosigner)?
    private var fullTileCache = TileCache(capacity: 2048)

    private struct Pending {
        let entry: [UInt8]
        let subject: [UInt8]?
        let effect: StoreEffect?
        let continuation: CheckedContinuation<Receipt, any Error>
    }
    private var pending: [Pending] = []
    private var integrating = false
    private var closed = false

    // MARK: Opening

    /// Starts a new, empty log in `store` (its first checkpoint, of size 0)
    /// and opens it for appending. Fails if the store has a log already.
    public static func create(
        store: any AuthorityStore, signer: some NoteSigner, origin: String, createdAt: Int64 = Int64(Date().timeIntervalSince1970),
        logger: Logger = Logger(label: "akashi.log")
    ) async throws -> LogStore {
        let lease = try await acquire(store)
        do {
            let first = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: 0, rootHash: Merkle.emptyRoot), with: signer)
            do {
                try await store.initializeLog(
                    StoredCheckpoint(size: 0, rootHash: Merkle.emptyRoot, note: first.serialized, createdAt: createdAt, published: true))
            } catch let error as StoreError where error.code == .duplicate {
                throw LogStoreError(.invalidRequest, "a log already exists in this store; refusing to overwrite it")
            }
            return try await LogStore(store: store, signer: signer, lease: lease, logger: logger)
        } catch {
            await lease.release()
            throw error
        }
    }

    /// Opens an existing log for appending: holding its sequencer lease until
    /// ``close()`` (``Sequencing/held``), or taking it for each batch
    /// (``Sequencing/perBatch``).
    public static func open(
        store: any AuthorityStore, signer: some NoteSigner, sequencing: Sequencing = .held, logger: Logger = Logger(label: "akashi.log")
    ) async throws -> LogStore {
        guard sequencing == .held else {
            return try await LogStore(store: store, signer: signer, lease: nil, sequencing: .perBatch, logger: logger)
        }
        let lease = try await acquire(store)
        do {
            return try await LogStore(store: store, signer: signer, lease: lease, logger: logger)
        } catch {
            await lease.release()
            throw error
        }
    }

    /// Opens an existing log to read proofs and entries; cannot append, and
    /// takes no lease (a sequencer may be appending meanwhile: this view
    /// stays at the size it opened with).
    public static func reader(store: any AuthorityStore, logger: Logger = Logger(label: "akashi.log")) async throws -> LogStore {
        try await LogStore(store: store, signer: nil, lease: nil, logger: logger)
    }

    /// A log on a new SQLite file at `path` (fails if a file is there).
    public static func create(path: String, authority: String, signer: some NoteSigner, origin: String, logger: Logger = Logger(label: "akashi.log"))
        async throws -> LogStore
    {
        try await create(store: try fileStore { try SQLiteStore.create(path: path, authority: authority) }, signer: signer, origin: origin, logger: logger)
    }

    /// The log in the SQLite file at `path`, for appending.
    public static func open(path: String, authority: String, signer: some NoteSigner, logger: Logger = Logger(label: "akashi.log")) async throws -> LogStore {
        try await open(store: try fileStore { try SQLiteStore.open(path: path, authority: authority) }, signer: signer, logger: logger)
    }

    /// The log in the SQLite file at `path`, to read.
    public static func openReadOnly(path: String, authority: String, logger: Logger = Logger(label: "akashi.log")) async throws -> LogStore {
        try await reader(store: try fileStore { try SQLiteStore.openReadOnly(path: path, authority: authority) }, logger: logger)
    }

    /// An in-memory log, for tests and tools.
    public static func inMemory(signer: some NoteSigner, origin: String) async throws -> LogStore {
        try await create(store: try SQLiteStore.inMemory(authority: origin), signer: signer, origin: origin, createdAt: 0)
    }

    /// The store's errors in the log's words, for callers that branch on
    /// ``LogStoreError/Code`` (a missing file, a held lock).
    private static func fileStore(_ open: () throws -> SQLiteStore) throws -> SQLiteStore {
        do { return try open() } catch let error as StoreError where error.code == .notFound {
            throw LogStoreError(.notFound, "\(error.reason)")
        } catch let error as StoreError where error.code == .duplicate {
            throw LogStoreError(.invalidRequest, error.reason)
        }
    }

    private static func acquire(_ store: any AuthorityStore) async throws -> any SequencerLease {
        do { return try await store.acquireSequencer() } catch let error as StoreError where error.code == .locked {
            throw LogStoreError(.locked, error.reason)
        }
    }

    private init(
        store: any AuthorityStore, signer: (any NoteSigner)?, lease: (any SequencerLease)?, sequencing: Sequencing = .held, logger: Logger
    ) async throws {
        self.store = store
        self.signer = signer
        self.lease = lease
        self.sequencing = sequencing
        self.logger = logger
        let (latest, publishedNote, edge) = try await Self.storedTree(store)
        if let signer {
            guard signer.name == latest.checkpoint.origin else {
                throw LogStoreError(.invalidRequest, "the signing key is for '\(signer.name)' but the log's origin is '\(latest.checkpoint.origin)'")
            }
        }
        self.origin = latest.checkpoint.origin
        self.latest = latest
        self.edge = edge
        self.published = try publishedNote.map { try SignedCheckpoint(parsing: $0) } ?? latest
    }

    /// The stored tree as of now: its latest checkpoint, the newest published
    /// note and the tree edge rebuilt from the partial tiles, checked against
    /// each other (entry count, root hash).
    private static func storedTree(_ store: any AuthorityStore) async throws -> (SignedCheckpoint, String?, TreeEdge) {
        guard let state = try await store.logState() else {
            throw LogStoreError(.corrupt, "the log has no checkpoint; it was not created by `akashi init`")
        }
        let latest = try SignedCheckpoint(parsing: state.latestNote)
        guard state.entryCount == latest.checkpoint.size else {
            throw LogStoreError(.corrupt, "the log holds \(state.entryCount) entries but its latest checkpoint says \(latest.checkpoint.size)")
        }
        var tiles: [TileKey: [UInt8]] = [:]
        for key in TreeEdge.storedTiles(size: latest.checkpoint.size) {
            tiles[key] = try await store.tile(level: key.level, index: key.index)
        }
        let edge = try TreeEdge(size: latest.checkpoint.size) { level, index in tiles[TileKey(level: level, index: index)] }
        guard edge.rootHash == latest.checkpoint.rootHash else {
            throw LogStoreError(.corrupt, "the stored tree does not match the latest checkpoint's root hash")
        }
        return (latest, state.publishedNote, edge)
    }

    /// Takes in what other nodes appended since this one last looked (a
    /// ``Sequencing/perBatch`` log's view, or a reader's): the tree edge,
    /// the latest and the published checkpoint. The tree only grows: a
    /// stored tree smaller than this view, or one whose root does not match
    /// its checkpoint, is refused as corrupt.
    private func catchUp() async throws {
        let (stored, publishedNote, storedEdge) = try await Self.storedTree(store)
        guard stored.checkpoint.size >= edge.size else {
            throw LogStoreError(.corrupt, "the stored log (\(stored.checkpoint.size) entries) is smaller than this node saw (\(edge.size))")
        }
        if stored.checkpoint.size > edge.size || stored.checkpoint != latest.checkpoint {
            edge = storedEdge
            latest = stored
        }
        if let publishedNote, let newer = try? SignedCheckpoint(parsing: publishedNote), newer.checkpoint.size > published.checkpoint.size {
            published = newer
        }
    }

    /// Brings a reader's or a ``Sequencing/perBatch`` node's view up to the
    /// stored log (the service calls it now and then, so its checkpoint and
    /// tiles follow what other nodes append). Does nothing while this node
    /// integrates a batch, which catches up itself.
    public func refresh() async throws {
        guard !integrating else { return }
        try await catchUp()
    }

    /// Gives up the sequencer lease: another process or node may append from
    /// now on, and this log refuses to. (A log that is dropped without
    /// closing keeps the lease until the process ends.)
    public func close() async {
        closed = true
        await lease?.release()
        lease = nil
    }

    /// From now on, every batch's checkpoint is cosigned before its receipts
    /// are given; a batch whose cosignatures cannot meet the policy fails
    /// (its entries stay in the log, unpublished until a later checkpoint is cosigned).
    public func setCosigner(_ cosigner: (any CheckpointCosigner)?) {
        self.cosigner = cosigner
    }

    // MARK: Appending

    /// Appends one entry and returns its receipt once it is durable.
    ///
    /// `effect` commits in the same transaction as the entry (the
    /// certificate's private record, a status change, an audit row): both or
    /// neither. Concurrent calls share batches: one transaction, one tree
    /// update and one checkpoint signature for everything that arrived together.
    public func append(_ entry: [UInt8], subject: [UInt8]? = nil, effect: StoreEffect? = nil) async throws -> Receipt {
        guard signer != nil, lease != nil || (sequencing == .perBatch && !closed) else {
            throw LogStoreError(.invalidRequest, "the log was opened read-only or closed")
        }
        guard entry.count <= Self.maxEntrySize else {
            throw LogStoreError(.entryTooLarge, "an entry is at most \(Self.maxEntrySize) bytes; this one is \(entry.count)")
        }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(entry: entry, subject: subject, effect: effect, continuation: continuation))
            if !integrating {
                integrating = true
                Task { await self.integratePending() }
            }
        }
    }

    /// Appends an ``LogEntry``, indexed by its digest.
    public func append(_ entry: LogEntry, effect: StoreEffect? = nil) async throws -> Receipt {
        try await append(entry.bytes, subject: entry.subjectDigest, effect: effect)
    }

    private func integratePending() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(Self.maxBatchSize))
            pending.removeFirst(batch.count)
            do { try await beginBatch() } catch {
                logger.error("no sequencer lease for a batch of \(batch.count) entries", metadata: ["error": "\(error)"])
                for item in batch { item.continuation.resume(throwing: error) }
                continue
            }
            await integrateAndDeliver(batch)
            await endBatch()
        }
        integrating = false
    }

    /// For a ``Sequencing/perBatch`` log: waits for the lease (another node's
    /// batch holds it for a commit and a cosigning round), then catches up
    /// with what the others appended. Nothing to do for a held lease.
    private func beginBatch() async throws {
        guard sequencing == .perBatch else { return }
        let deadline = ContinuousClock.now + leaseWait
        var pause = Duration.milliseconds(1)
        while true {
            do {
                lease = try await store.acquireSequencer()
                break
            } catch let error as StoreError where error.code == .locked {
                guard ContinuousClock.now < deadline else { throw LogStoreError(.locked, error.reason) }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
        do { try await catchUp() } catch {
            await endBatch()
            throw error
        }
    }

    private func endBatch() async {
        guard sequencing == .perBatch else { return }
        await lease?.release()
        lease = nil
    }

    /// Integrates one batch and hands out its receipts (or its errors).
    private func integrateAndDeliver(_ batch: [Pending]) async {
        let receipts: [Receipt]
        do {
            receipts = try await integrate(batch)
        } catch  where batch.count > 1 && batch.contains(where: { $0.effect != nil }) && !(error is AfterCommit) {
            // One caller's effect refused (say, a certificate revoked
            // twice at once); nothing was written. Retry one by one, so only
            // that caller hears of it.
            logger.info("batch of \(batch.count) entries failed; retrying singly", metadata: ["error": "\(error)"])
            for item in batch {
                let receipt: Receipt
                do {
                    receipt = try await integrate([item])[0]
                } catch {
                    item.continuation.resume(throwing: (error as? AfterCommit)?.underlying ?? error)
                    continue
                }
                // Committed: publish this one's checkpoint; never integrate it again.
                await deliver([(item, receipt)])
            }
            return
        } catch {
            logger.error("batch of \(batch.count) entries failed", metadata: ["error": "\(error)"])
            let reported = (error as? AfterCommit)?.underlying ?? error
            for item in batch { item.continuation.resume(throwing: reported) }
            return
        }
        // Committed: from here on an error never leads to a second append.
        await deliver(Array(zip(batch, receipts)))
    }

    /// Gives committed entries their receipts once their checkpoint is
    /// published (cosigned first, when the log has witnesses).
    ///
    /// The integration loop waits for this, so with witnesses the cosigning
    /// round trip is also the batching window: what arrives meanwhile forms
    /// the next batch. (Committing further batches while one checkpoint is
    /// out for cosignatures was measured and was slower — 721 against 1,105
    /// issuances/s at 16 clients on 2 cores: more, smaller batches, each with
    /// its own commit, signature and fsync, and proofs to redo for the larger
    /// cosigned tree.)
    private func deliver(_ committed: [(Pending, Receipt)]) async {
        do {
            let final = try await publish(latest)
            for (item, receipt) in committed {
                item.continuation.resume(
                    returning: Receipt(
                        index: receipt.index, leafHash: receipt.leafHash, checkpoint: final, inclusionProof: receipt.inclusionProof))
            }
        } catch {
            logger.error("checkpoint \(latest.checkpoint.size) not published", metadata: ["error": "\(error)"])
            for (item, _) in committed { item.continuation.resume(throwing: error) }
        }
    }

    /// Publishes the newest signed checkpoint if it is not yet (its witnesses
    /// were down when its batch committed). The service calls this now and
    /// then, so recorded entries become provable without waiting for the next
    /// issuance. Returns whether a checkpoint was published; throws when the
    /// witnesses still cannot cosign.
    @discardableResult
    public func publishPending() async throws -> Bool {
        guard !integrating, latest.checkpoint != published.checkpoint else { return false }
        integrating = true  // the append path waits for this round instead of racing it
        defer {
            integrating = false
            if !pending.isEmpty {
                integrating = true
                Task { await self.integratePending() }
            }
        }
        try await beginBatch()  // a perBatch log cosigns under the lease, as a batch does
        do {
            let due = latest.checkpoint != published.checkpoint
            if due { _ = try await publish(latest) }
            await endBatch()
            return due
        } catch {
            await endBatch()
            throw error
        }
    }

    /// Cosigns (when the log has witnesses) and marks the checkpoint published.
    private func publish(_ checkpoint: SignedCheckpoint) async throws -> SignedCheckpoint {
        guard let cosigner else {
            published = checkpoint
            return checkpoint
        }
        let cosigned: SignedCheckpoint
        do {
            cosigned = try await cosigner.cosign(checkpoint) { [self] old in
                guard old > 0 else { return [] }
                return try await self.consistencyProof(from: old, to: checkpoint.checkpoint.size)
            }
        } catch {
            throw LogStoreError(
                .witnessPolicy,
                "立会人（他自治体）の署名が方針を満たさないため、記録を確定できません / the witness policy cannot be met for checkpoint \(checkpoint.checkpoint.size): \(error)")
        }
        guard cosigned.checkpoint == checkpoint.checkpoint else {
            throw LogStoreError(.witnessPolicy, "the cosigner returned another checkpoint")
        }
        try await store.publish(size: cosigned.checkpoint.size, note: cosigned.serialized)
        if cosigned.checkpoint.size >= published.checkpoint.size { published = cosigned }
        if latest.checkpoint == cosigned.checkpoint { latest = cosigned }
        return cosigned
    }

    private func integrate(_ batch: [Pending]) async throws -> [Receipt] {
        guard let signer, lease != nil else { throw LogStoreError(.invalidRequest, "read-only") }
        let start = edge.size
        var next = edge
        let leafHashes = batch.map { Merkle.leafHash($0.entry) }
        let completed = next.append(leafHashes: leafHashes)
        let changed = completed + next.partialTiles
        let checkpoint = try SignedCheckpoint(
            signing: Checkpoint(origin: origin, size: next.size, rootHash: next.rootHash), with: signer)
        let entries = batch.enumerated().map { offset, item in
            LogBatch.Entry(index: start + UInt64(offset), bytes: item.entry, subject: item.subject, effect: item.effect)
        }
        try await store.commit(
            LogBatch(
                startSize: start, entries: entries,
                tiles: changed.map { LogBatch.Tile(level: $0.level, index: $0.index, hashes: $0.tile.bytes) },
                checkpoint: StoredCheckpoint(
                    size: next.size, rootHash: checkpoint.checkpoint.rootHash, note: checkpoint.serialized,
                    createdAt: Int64(Date().timeIntervalSince1970), published: cosigner == nil)))
        edge = next
        latest = checkpoint
        for tile in completed { fullTileCache.insert(level: tile.level, index: tile.index, tile: tile.tile) }
        logger.debug("integrated batch", metadata: ["log.batch": "\(batch.count)", "log.size": "\(next.size)"])

        var receipts: [Receipt] = []
        receipts.reserveCapacity(batch.count)
        do {
            for (offset, leaf) in leafHashes.enumerated() {
                let index = start + UInt64(offset)
                receipts.append(
                    Receipt(
                        index: index, leafHash: leaf, checkpoint: checkpoint,
                        inclusionProof: try await inclusionProof(index: index, treeSize: next.size)))
            }
        } catch {
            // The batch is in the log: this must never lead to a retry.
            throw AfterCommit(underlying: error)
        }
        return receipts
    }

    // MARK: Reading

    /// The latest published checkpoint (cosigned, when the log has witnesses).
    public var checkpoint: SignedCheckpoint { published }

    /// The newest checkpoint the log signed, published or not (for witnesses' catch-up).
    public var signedTreeHead: SignedCheckpoint { latest }

    public var size: UInt64 { edge.size }

    /// Every checkpoint the log has signed, oldest first.
    public func checkpoints() async throws -> [SignedCheckpoint] {
        try await store.checkpointNotes().map { try SignedCheckpoint(parsing: $0) }
    }

    /// How many entries the log held at `date` (by its checkpoints' times):
    /// entries below this index were logged at or before `date`.
    public func size(asOf date: Date) async throws -> UInt64 {
        try await store.logSize(asOf: Int64(date.timeIntervalSince1970))
    }

    /// The stored checkpoint of exactly `size`, if the log signed one.
    public func checkpoint(size: UInt64) async throws -> SignedCheckpoint? {
        try await store.checkpointNote(size: size).map { try SignedCheckpoint(parsing: $0) }
    }

    /// The receipt entry `index` was acknowledged with: the first checkpoint
    /// that covered it and the inclusion proof to that checkpoint. It is
    /// deterministic, so a reprinted certificate carries exactly the proof it
    /// was first printed with.
    public func originalReceipt(index: UInt64) async throws -> Receipt {
        guard index < edge.size else {
            throw LogStoreError(.notFound, "there is no entry \(index); the log has \(edge.size) entries")
        }
        guard let note = try await store.firstPublishedNote(covering: index) else {
            // Committed, but its checkpoint is not cosigned yet (witnesses were
            // down): provable once a later checkpoint is published.
            throw LogStoreError(
                .witnessPolicy,
                "立会人の署名待ち: 記録 \(index) を含むチェックポイントはまだ公開されていません / entry \(index) is recorded, but no checkpoint covering it has been cosigned and published yet")
        }
        let checkpoint = try SignedCheckpoint(parsing: note)
        if checkpoint.checkpoint.size > edge.size, !integrating { try await catchUp() }
        guard checkpoint.checkpoint.size <= edge.size else {
            throw LogStoreError(.notFound, "entry \(index) was published after this view of the log (\(edge.size) entries) was opened")
        }
        let leaf = Merkle.leafHash(try await entry(at: index))
        let proof = try await inclusionProof(index: index, treeSize: checkpoint.checkpoint.size)
        return Receipt(index: index, leafHash: leaf, checkpoint: checkpoint, inclusionProof: proof)
    }

    /// The bytes of entry `index`.
    public func entry(at index: UInt64) async throws -> [UInt8] {
        guard index < edge.size else {
            throw LogStoreError(.notFound, "there is no entry \(index); the log has \(edge.size) entries (0 to \(Int64(edge.size) - 1))")
        }
        guard let bytes = try await store.entry(at: index) else { throw LogStoreError(.corrupt, "entry \(index) is missing") }
        return bytes
    }

    /// The entries in `range`, in order.
    public func entries(_ range: Range<UInt64>) async throws -> [[UInt8]] {
        try await store.entries(range)
    }

    /// Indices of entries that commit to `subject` (a document's or envelope's SHA-256), oldest first.
    public func indices(subject: [UInt8]) async throws -> [UInt64] {
        try await store.entryIndices(subject: subject)
    }

    /// An inclusion proof for entry `index` in the tree of `treeSize` (default: latest).
    public func inclusionProof(index: UInt64, treeSize: UInt64? = nil) async throws -> [[UInt8]] {
        let size = treeSize ?? edge.size
        guard size <= edge.size else { throw LogStoreError(.invalidRequest, "the log has only \(edge.size) entries, not \(size)") }
        guard index < size else {
            throw LogStoreError(.notFound, "there is no entry \(index) in a tree of \(size) entries")
        }
        return try await withTiles(treeSize: size) { try MerkleProofs.inclusionProof(index: index, size: size, source: $0) }
    }

    /// A consistency proof from the tree of `from` to the tree of `to` (default: latest).
    public func consistencyProof(from: UInt64, to: UInt64? = nil) async throws -> [[UInt8]] {
        let to = to ?? edge.size
        guard from > 0, from <= to, to <= edge.size else {
            throw LogStoreError(.invalidRequest, "a consistency proof needs 0 < from ≤ to ≤ \(edge.size); got from \(from) to \(to)")
        }
        return try await withTiles(treeSize: to) { try MerkleProofs.consistencyProof(from: from, to: to, source: $0) }
    }

    /// The root hash of the tree of `treeSize`.
    public func rootHash(treeSize: UInt64) async throws -> [UInt8] {
        guard treeSize <= edge.size else { throw LogStoreError(.invalidRequest, "the log has only \(edge.size) entries") }
        return try await withTiles(treeSize: treeSize) { try MerkleProofs.rootHash(size: treeSize, source: $0) }
    }

    /// The tile at (level, index) as stored now: full tiles, or the current partial one.
    public func tile(level: Int, index: UInt64) async throws -> ExpandedTile {
        if let tile = cachedTile(level: level, index: index) { return tile }
        guard let bytes = try await store.tile(level: level, index: index), let tile = ExpandedTile(bytes: bytes) else {
            throw LogStoreError(.notFound, "tile \(level)/\(index) does not exist")
        }
        if tile.width == Tiles.width { fullTileCache.insert(level: level, index: index, tile: tile) }
        return tile
    }

    private func cachedTile(level: Int, index: UInt64) -> ExpandedTile? {
        edge.edgeTile(level: level, index: index) ?? fullTileCache.get(level: level, index: index)
    }

    /// Runs a proof computation over the tiles of a tree of `treeSize` ≤ the
    /// current size. The proofs (in TransparencyLog, shared with the
    /// verifiers) read hashes synchronously; the store is asynchronous. So the
    /// computation runs on what is at hand (the edge and the cache); a tile
    /// it lacks stops it, is fetched, and it runs again — a proof needs a
    /// handful of tiles, each fetched once. A partial tile of an older,
    /// smaller tree is a prefix of the tile stored now.
    private func withTiles<T>(treeSize: UInt64, _ compute: (TileHashSource) throws -> T) async throws -> T {
        var fetched: [TileKey: ExpandedTile] = [:]
        while true {
            let known = fetched
            let source = TileHashSource { level, index in
                let width = Tiles.width(level: level, index: index, treeSize: treeSize)
                guard let tile = self.cachedTile(level: level, index: index) ?? known[TileKey(level: level, index: index)] else {
                    throw MissingTile(key: TileKey(level: level, index: index))
                }
                guard tile.width >= width, width > 0 else {
                    throw LogStoreError(.corrupt, "tile \(level)/\(index) has \(tile.width) hashes; \(width) are needed")
                }
                return width == tile.width ? tile : ExpandedTile(hashes: Array(tile.hashes[0..<width]))
            }
            do { return try compute(source) } catch let missing as MissingTile {
                guard fetched[missing.key] == nil else { throw LogStoreError(.corrupt, "tile \(missing.key.level)/\(missing.key.index) vanished") }
                fetched[missing.key] = try await tile(level: missing.key.level, index: missing.key.index)
            }
        }
    }
}

/// A tile's coordinates.
struct TileKey: Hashable, Sendable {
    let level: Int
    let index: UInt64
}

/// A proof computation needs a tile that is not in memory yet.
private struct MissingTile: Error {
    let key: TileKey
}
