import AkashiCrypto
import Foundation
import GRDB
import Logging
import TransparencyLog

/// An append-only RFC 9162 / C2SP transparency log kept in one SQLite file.
///
/// Appends are integrated in batches (group commit): everything that arrives
/// while a batch is being written waits for the next one, and the whole batch
/// — entries, tiles and the newly signed checkpoint — is one SQLite
/// transaction with `synchronous=FULL`. A caller is answered only after that
/// transaction committed, so an acknowledged entry survives `kill -9` or a
/// power cut, and a crash mid-batch leaves no trace of the batch at all.
///
/// The tree is deterministic in its entries, so every checkpoint the store
/// signs extends the previous one; the store re-checks the stored tree against
/// the latest checkpoint on every open.
///
/// One process writes a log at a time; ``open(path:signer:)`` takes an
/// exclusive lock beside the database. Readers (``openReadOnly(path:)``) don't.
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

    /// Work done inside the batch transaction for one entry, given its index —
    /// how a caller stores its own rows atomically with the log entry.
    public typealias SideEffect = @Sendable (Database, UInt64) throws -> Void

    public static let maxEntrySize = Int(UInt16.max)
    /// Bounds a batch so one transaction stays short and memory stays flat.
    public static let maxBatchSize = 4096

    public nonisolated let origin: String
    private let database: any DatabaseWriter
    private let signer: (any NoteSigner)?
    private let lock: DirectoryLock?
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
        let sideEffect: SideEffect?
        let continuation: CheckedContinuation<Receipt, any Error>
    }
    private var pending: [Pending] = []
    private var integrating = false

    // MARK: Opening

    /// Creates a new, empty log (and its first checkpoint, of size 0) at `path`.
    /// Fails if a file is already there.
    public static func create(path: String, signer: some NoteSigner, origin: String, logger: Logger = Logger(label: "akashi.log")) throws -> LogStore {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LogStoreError(.invalidRequest, "a log already exists at \(path); refusing to overwrite it")
        }
        let lock = try DirectoryLock(path: path + ".lock")
        let pool = try openPool(path: path, readOnly: false)
        let first = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: 0, rootHash: Merkle.emptyRoot), with: signer)
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO log_checkpoint (size, root, note, created_at) VALUES (0, ?, ?, ?)",
                arguments: [Data(Merkle.emptyRoot), first.serialized, Int64(Date().timeIntervalSince1970)])
        }
        return try LogStore(database: pool, signer: signer, lock: lock, logger: logger)
    }

    /// Opens an existing log for appending, taking the writer's lock.
    public static func open(path: String, signer: some NoteSigner, logger: Logger = Logger(label: "akashi.log")) throws -> LogStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LogStoreError(.notFound, "no log at \(path); create one with `akashi init`")
        }
        let lock = try DirectoryLock(path: path + ".lock")
        return try LogStore(database: try openPool(path: path, readOnly: false), signer: signer, lock: lock, logger: logger)
    }

    /// Opens an existing log to read proofs and entries; cannot append.
    public static func openReadOnly(path: String, logger: Logger = Logger(label: "akashi.log")) throws -> LogStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LogStoreError(.notFound, "no log at \(path); create one with `akashi init`")
        }
        return try LogStore(database: try openPool(path: path, readOnly: true), signer: nil, lock: nil, logger: logger)
    }

    /// An in-memory log, for tests and tools.
    public static func inMemory(signer: some NoteSigner, origin: String) throws -> LogStore {
        let queue = try DatabaseQueue()
        try LogSchema.migrator().migrate(queue)
        let first = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: 0, rootHash: Merkle.emptyRoot), with: signer)
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO log_checkpoint (size, root, note, created_at) VALUES (0, ?, ?, 0)",
                arguments: [Data(Merkle.emptyRoot), first.serialized])
        }
        return try LogStore(database: queue, signer: signer, lock: nil, logger: Logger(label: "akashi.log"))
    }

    /// The database connection, for callers that keep their own tables in the
    /// same file (so their rows and log entries commit together).
    public nonisolated var writer: any DatabaseWriter { database }

    static func openPool(path: String, readOnly: Bool) throws -> DatabasePool {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL + FULL: a commit is on disk before the caller hears of it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        if !readOnly {
            try LogSchema.migrator().migrate(pool)
        }
        return pool
    }

    private init(database: any DatabaseWriter, signer: (any NoteSigner)?, lock: DirectoryLock?, logger: Logger) throws {
        self.database = database
        self.signer = signer
        self.lock = lock
        self.logger = logger
        let (latest, edge) = try database.read { db -> (SignedCheckpoint, TreeEdge) in
            guard let note = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1") else {
                throw LogStoreError(.corrupt, "the log has no checkpoint; it was not created by `akashi init`")
            }
            let latest = try SignedCheckpoint(parsing: note)
            let entries = try UInt64(Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_entry") ?? 0)
            guard entries == latest.checkpoint.size else {
                throw LogStoreError(.corrupt, "the log holds \(entries) entries but its latest checkpoint says \(latest.checkpoint.size)")
            }
            let edge = try TreeEdge(size: latest.checkpoint.size) { level, index in
                try Data.fetchOne(db, sql: "SELECT hashes FROM log_tile WHERE level = ? AND idx = ?", arguments: [level, index]).map(Array.init)
            }
            return (latest, edge)
        }
        guard edge.rootHash == latest.checkpoint.rootHash else {
            throw LogStoreError(.corrupt, "the stored tree does not match the latest checkpoint's root hash")
        }
        if let signer {
            guard signer.name == latest.checkpoint.origin else {
                throw LogStoreError(.invalidRequest, "the signing key is for '\(signer.name)' but the log's origin is '\(latest.checkpoint.origin)'")
            }
        }
        self.origin = latest.checkpoint.origin
        self.latest = latest
        self.edge = edge
        let published = try database.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint WHERE published = 1 ORDER BY size DESC LIMIT 1")
        }
        self.published = try published.map { try SignedCheckpoint(parsing: $0) } ?? latest
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
    /// Concurrent calls share batches: one transaction, one tree update and one
    /// checkpoint signature for everything that arrived together.
    public func append(_ entry: [UInt8], subject: [UInt8]? = nil, sideEffect: SideEffect? = nil) async throws -> Receipt {
        guard signer != nil else { throw LogStoreError(.invalidRequest, "the log was opened read-only") }
        guard entry.count <= Self.maxEntrySize else {
            throw LogStoreError(.entryTooLarge, "an entry is at most \(Self.maxEntrySize) bytes; this one is \(entry.count)")
        }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(entry: entry, subject: subject, sideEffect: sideEffect, continuation: continuation))
            if !integrating {
                integrating = true
                Task { await self.integratePending() }
            }
        }
    }

    /// Appends an ``LogEntry``, indexed by its digest.
    public func append(_ entry: LogEntry, sideEffect: SideEffect? = nil) async throws -> Receipt {
        try await append(entry.bytes, subject: entry.subjectDigest, sideEffect: sideEffect)
    }

    private func integratePending() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(Self.maxBatchSize))
            pending.removeFirst(batch.count)
            let receipts: [Receipt]
            do {
                receipts = try await integrate(batch)
            } catch where batch.count > 1 && batch.contains(where: { $0.sideEffect != nil }) && !(error is AfterCommit) {
                // One caller's side effect refused (say, a certificate revoked
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
                continue
            } catch {
                logger.error("batch of \(batch.count) entries failed", metadata: ["error": "\(error)"])
                let reported = (error as? AfterCommit)?.underlying ?? error
                for item in batch { item.continuation.resume(throwing: reported) }
                continue
            }
            // Committed: from here on an error never leads to a second append.
            await deliver(Array(zip(batch, receipts)))
        }
        integrating = false
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
                item.continuation.resume(returning: Receipt(
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
        _ = try await publish(latest)
        return true
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
            throw LogStoreError(.witnessPolicy,
                "立会人（他自治体）の署名が方針を満たさないため、記録を確定できません / the witness policy cannot be met for checkpoint \(checkpoint.checkpoint.size): \(error)")
        }
        guard cosigned.checkpoint == checkpoint.checkpoint else {
            throw LogStoreError(.witnessPolicy, "the cosigner returned another checkpoint")
        }
        try await database.write { db in
            try db.execute(
                sql: "UPDATE log_checkpoint SET note = ?, published = 1 WHERE size = ?",
                arguments: [cosigned.serialized, Int64(cosigned.checkpoint.size)])
        }
        if cosigned.checkpoint.size >= published.checkpoint.size { published = cosigned }
        if latest.checkpoint == cosigned.checkpoint { latest = cosigned }
        return cosigned
    }

    private func integrate(_ batch: [Pending]) async throws -> [Receipt] {
        guard let signer else { throw LogStoreError(.invalidRequest, "read-only") }
        let start = edge.size
        var next = edge
        let leafHashes = batch.map { Merkle.leafHash($0.entry) }
        let completed = next.append(leafHashes: leafHashes)
        let changed = completed + next.partialTiles
        let checkpoint = try SignedCheckpoint(
            signing: Checkpoint(origin: origin, size: next.size, rootHash: next.rootHash), with: signer)
        let now = Int64(Date().timeIntervalSince1970)
        let rows = batch.enumerated().map { (UInt64($0.offset) + start, $0.element) }
        let newSize = next.size
        let hasCosigner = cosigner != nil

        try await database.write { db in
            // The tree on disk must be the one this batch started from.
            let stored = try Int64.fetchOne(db, sql: "SELECT MAX(size) FROM log_checkpoint") ?? -1
            guard stored == Int64(start) else {
                throw LogStoreError(.corrupt, "another writer changed the log (size \(stored), expected \(start))")
            }
            let insert = try db.makeStatement(sql: "INSERT INTO log_entry (idx, data, subject) VALUES (?, ?, ?)")
            for (index, item) in rows {
                try insert.execute(arguments: [Int64(index), Data(item.entry), item.subject.map { Data($0) }])
                try item.sideEffect?(db, index)
            }
            let upsert = try db.makeStatement(
                sql: "INSERT INTO log_tile (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes")
            for tile in changed {
                try upsert.execute(arguments: [tile.level, Int64(tile.index), Data(tile.tile.bytes)])
            }
            try db.execute(
                sql: "INSERT INTO log_checkpoint (size, root, note, created_at, published) VALUES (?, ?, ?, ?, ?)",
                arguments: [Int64(newSize), Data(checkpoint.checkpoint.rootHash), checkpoint.serialized, now, hasCosigner ? 0 : 1])
        }
        edge = next
        latest = checkpoint
        for tile in completed { fullTileCache.insert(level: tile.level, index: tile.index, tile: tile.tile) }
        logger.debug("integrated batch", metadata: ["log.batch": "\(batch.count)", "log.size": "\(next.size)"])

        var receipts: [Receipt] = []
        receipts.reserveCapacity(batch.count)
        do {
            for (offset, leaf) in leafHashes.enumerated() {
                let index = start + UInt64(offset)
                receipts.append(Receipt(
                    index: index, leafHash: leaf, checkpoint: checkpoint,
                    inclusionProof: try inclusionProof(index: index, treeSize: next.size)))
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
    public func checkpoints() throws -> [SignedCheckpoint] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT note FROM log_checkpoint ORDER BY size").map { try SignedCheckpoint(parsing: $0) }
        }
    }

    /// How many entries the log held at `date` (by its checkpoints' times):
    /// entries below this index were logged at or before `date`.
    public func size(asOf date: Date) throws -> UInt64 {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(size) FROM log_checkpoint WHERE created_at <= ?", arguments: [Int64(date.timeIntervalSince1970)])
        }.map { UInt64($0) } ?? 0
    }

    /// The stored checkpoint of exactly `size`, if the log signed one.
    public func checkpoint(size: UInt64) throws -> SignedCheckpoint? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint WHERE size = ?", arguments: [Int64(size)])
        }.map { try SignedCheckpoint(parsing: $0) }
    }

    /// The receipt entry `index` was acknowledged with: the first checkpoint
    /// that covered it and the inclusion proof to that checkpoint. It is
    /// deterministic, so a reprinted certificate carries exactly the proof it
    /// was first printed with.
    public func originalReceipt(index: UInt64) throws -> Receipt {
        guard index < edge.size else {
            throw LogStoreError(.notFound, "there is no entry \(index); the log has \(edge.size) entries")
        }
        let note = try database.read { db in
            try String.fetchOne(
                db, sql: "SELECT note FROM log_checkpoint WHERE size > ? AND published = 1 ORDER BY size LIMIT 1", arguments: [Int64(index)])
        }
        guard let note else {
            // Committed, but its checkpoint is not cosigned yet (witnesses were
            // down): provable once a later checkpoint is published.
            throw LogStoreError(.witnessPolicy,
                "立会人の署名待ち: 記録 \(index) を含むチェックポイントはまだ公開されていません / entry \(index) is recorded, but no checkpoint covering it has been cosigned and published yet")
        }
        let checkpoint = try SignedCheckpoint(parsing: note)
        let leaf = Merkle.leafHash(try entry(at: index))
        let proof = try inclusionProof(index: index, treeSize: checkpoint.checkpoint.size)
        return Receipt(index: index, leafHash: leaf, checkpoint: checkpoint, inclusionProof: proof)
    }

    /// The bytes of entry `index`.
    public func entry(at index: UInt64) throws -> [UInt8] {
        guard index < edge.size else {
            throw LogStoreError(.notFound, "there is no entry \(index); the log has \(edge.size) entries (0 to \(Int64(edge.size) - 1))")
        }
        let data = try database.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM log_entry WHERE idx = ?", arguments: [Int64(index)])
        }
        guard let data else { throw LogStoreError(.corrupt, "entry \(index) is missing") }
        return Array(data)
    }

    /// The entries in `range`, in order.
    public func entries(_ range: Range<UInt64>) throws -> [[UInt8]] {
        try database.read { db in
            try Data.fetchAll(
                db, sql: "SELECT data FROM log_entry WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(range.lowerBound), Int64(range.upperBound)]
            ).map(Array.init)
        }
    }

    /// Indices of entries that commit to `subject` (a document's or envelope's SHA-256), oldest first.
    public func indices(subject: [UInt8]) throws -> [UInt64] {
        try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT idx FROM log_entry WHERE subject = ? ORDER BY idx", arguments: [Data(subject)])
        }.map { UInt64($0) }
    }

    /// An inclusion proof for entry `index` in the tree of `treeSize` (default: latest).
    public func inclusionProof(index: UInt64, treeSize: UInt64? = nil) throws -> [[UInt8]] {
        let size = treeSize ?? edge.size
        guard size <= edge.size else { throw LogStoreError(.invalidRequest, "the log has only \(edge.size) entries, not \(size)") }
        guard index < size else {
            throw LogStoreError(.notFound, "there is no entry \(index) in a tree of \(size) entries")
        }
        return try MerkleProofs.inclusionProof(index: index, size: size, source: hashSource(treeSize: size))
    }

    /// A consistency proof from the tree of `from` to the tree of `to` (default: latest).
    public func consistencyProof(from: UInt64, to: UInt64? = nil) throws -> [[UInt8]] {
        let to = to ?? edge.size
        guard from > 0, from <= to, to <= edge.size else {
            throw LogStoreError(.invalidRequest, "a consistency proof needs 0 < from ≤ to ≤ \(edge.size); got from \(from) to \(to)")
        }
        return try MerkleProofs.consistencyProof(from: from, to: to, source: hashSource(treeSize: to))
    }

    /// The root hash of the tree of `treeSize`.
    public func rootHash(treeSize: UInt64) throws -> [UInt8] {
        guard treeSize <= edge.size else { throw LogStoreError(.invalidRequest, "the log has only \(edge.size) entries") }
        return try MerkleProofs.rootHash(size: treeSize, source: hashSource(treeSize: treeSize))
    }

    /// The tile at (level, index) as stored now: full tiles, or the current partial one.
    public func tile(level: Int, index: UInt64) throws -> ExpandedTile {
        if let edgeTile = edge.edgeTile(level: level, index: index) { return edgeTile }
        if let cached = fullTileCache.get(level: level, index: index) { return cached }
        let data = try database.read { db in
            try Data.fetchOne(db, sql: "SELECT hashes FROM log_tile WHERE level = ? AND idx = ?", arguments: [level, Int64(index)])
        }
        guard let data, let tile = ExpandedTile(bytes: Array(data)) else {
            throw LogStoreError(.notFound, "tile \(level)/\(index) does not exist")
        }
        if tile.width == Tiles.width { fullTileCache.insert(level: level, index: index, tile: tile) }
        return tile
    }

    /// Hashes for a tree of `treeSize` ≤ the current size. A partial tile of an
    /// older, smaller tree is a prefix of the tile stored now.
    private func hashSource(treeSize: UInt64) -> TileHashSource {
        TileHashSource { level, index in
            let width = Tiles.width(level: level, index: index, treeSize: treeSize)
            let tile = try self.tile(level: level, index: index)
            guard tile.width >= width, width > 0 else {
                throw LogStoreError(.corrupt, "tile \(level)/\(index) has \(tile.width) hashes; \(width) are needed")
            }
            return width == tile.width ? tile : ExpandedTile(hashes: Array(tile.hashes[0..<width]))
        }
    }
}
