import Foundation
import GRDB
import Store
import TransparencyLog

/// A copy of a log whose checkpoints someone else signs: what a mirror keeps
/// of each log it follows, and what `akashi log restore` rebuilds for an
/// authority that lost its database.
///
/// It uses the authority store's tables and migrations (``SQLiteStore/schemaMigrator()``:
/// `log_entry`, `log_tile`, `log_checkpoint` and the rest, empty), so a restored `akashi.sqlite` opens with
/// ``LogStore/open(path:authority:signer:logger:)`` and its next append extends the
/// restored tree; and a mirror's copy has exactly the tiles the log serves.
///
/// A replica never signs and never trusts: new entries are first *staged* —
/// in TEMP tables of the writer connection, so nothing of them reaches the
/// file's log tables and a crash or ``abortUpdate()`` forgets them — while
/// the tree edge is extended in memory. ``commitUpdate(_:published:createdAt:)``
/// then writes entries, tiles and the checkpoint in **one** transaction, and
/// only when the staged tree's root is the checkpoint's root. So the copy
/// never claims a checkpoint whose entries are not stored, and since the new
/// tree is the old one plus the staged leaves, a committed checkpoint is
/// consistent with every earlier one by construction.
///
/// Memory stays bounded by the tree edge (a few partial tiles), whatever the
/// number of staged entries.
///
/// Checkpoints are stored as received. `published = 0` marks one whose
/// entries are durable but that the mirror has not cosigned yet;
/// ``publish(_:)`` stores the cosigned note and sets `published = 1`.
public actor LogReplica {
    public nonisolated let path: String?
    private let database: any DatabaseWriter
    private var lock: DirectoryLock?

    private var edge: TreeEdge
    /// The newest stored checkpoint (published or not); nil for an empty replica.
    private var latest: SignedCheckpoint?
    private var published: SignedCheckpoint?
    private var fullTileCache = TileCache(capacity: 1024)
    /// The tree as it will be once the staged entries commit; nil when no update is open.
    private var staged: TreeEdge?

    // MARK: Opening

    /// Opens (or creates) a replica at `path`, running the log migrations and
    /// taking the writer's lock (`<path>.lock`, the one ``LogStore`` takes),
    /// so an `akashi serve` on the same file and a restore exclude each other.
    public static func open(path: String) throws -> LogReplica {
        let lock = try DirectoryLock(path: path + ".lock")
        let pool = try openPool(path: path)
        return try LogReplica(database: pool, path: path, lock: lock)
    }

    /// WAL and `synchronous=FULL`, as the authority's store opens the file.
    static func openPool(path: String) throws -> DatabasePool {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL + FULL: a commit is on disk before the caller hears of it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        try SQLiteStore.schemaMigrator().migrate(pool)
        return pool
    }

    /// A replica held in memory, for tests and tools.
    public static func inMemory() throws -> LogReplica {
        let queue = try DatabaseQueue()
        try SQLiteStore.schemaMigrator().migrate(queue)
        return try LogReplica(database: queue, path: nil, lock: nil)
    }

    private init(database: any DatabaseWriter, path: String?, lock: DirectoryLock?) throws {
        self.database = database
        self.path = path
        self.lock = lock
        let (latest, published, edge) = try database.read { db -> (SignedCheckpoint?, SignedCheckpoint?, TreeEdge) in
            let latest = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1")
                .map { try SignedCheckpoint(parsing: $0) }
            let published = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint WHERE published = 1 ORDER BY size DESC LIMIT 1")
                .map { try SignedCheckpoint(parsing: $0) }
            let entries = try UInt64(Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_entry") ?? 0)
            let size = latest?.checkpoint.size ?? 0
            guard entries == size else {
                throw LogStoreError(.corrupt, "the copy holds \(entries) entries but its latest checkpoint says \(size)")
            }
            let edge = try TreeEdge(size: size) { level, index in
                try Data.fetchOne(db, sql: "SELECT hashes FROM log_tile WHERE level = ? AND idx = ?", arguments: [level, index]).map(Array.init)
            }
            return (latest, published, edge)
        }
        if let latest {
            guard edge.rootHash == latest.checkpoint.rootHash else {
                throw LogStoreError(.corrupt, "the stored tree does not match the latest checkpoint's root hash")
            }
        }
        self.latest = latest
        self.published = published
        self.edge = edge
        try database.writeWithoutTransaction { db in
            // Staged rows go to temporary files, never to memory without bound.
            // (Outside a transaction: SQLite refuses it inside one once the
            // schema has temporary objects, as the store's migrations leave.)
            try db.execute(sql: "PRAGMA temp_store = FILE")
        }
    }

    /// Closes the database (the replica is unusable afterwards) and drops the lock.
    public func close() throws {
        staged = nil
        try database.close()
        lock = nil
    }

    // MARK: Reading

    /// The origin of the copied log, once a checkpoint was committed.
    public var origin: String? { latest?.checkpoint.origin }
    /// How many entries the copy holds (the latest checkpoint's size).
    public var size: UInt64 { edge.size }
    /// The newest committed checkpoint, cosigned or not.
    public var latestCheckpoint: SignedCheckpoint? { latest }
    /// The newest checkpoint marked published (for a mirror: cosigned by it).
    public var publishedCheckpoint: SignedCheckpoint? { published }

    /// Every stored checkpoint, oldest first.
    public func checkpoints() throws -> [SignedCheckpoint] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT note FROM log_checkpoint ORDER BY size").map { try SignedCheckpoint(parsing: $0) }
        }
    }

    /// The entries in `range` (within the committed size), in order.
    public func entries(_ range: Range<UInt64>) throws -> [[UInt8]] {
        guard range.upperBound <= edge.size else {
            throw LogStoreError(.notFound, "the copy has \(edge.size) entries, not \(range.upperBound)")
        }
        return try database.read { db in
            try Data.fetchAll(
                db, sql: "SELECT data FROM log_entry WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(range.lowerBound), Int64(range.upperBound)]
            ).map(Array.init)
        }
    }

    /// The tile at (level, index) as committed: a full tile or the current partial one.
    public func tile(level: Int, index: UInt64) throws -> ExpandedTile {
        if let edgeTile = edge.edgeTile(level: level, index: index) { return edgeTile }
        if let cached = fullTileCache.get(level: level, index: index) { return cached }
        let data = try database.read { db in
            try Data.fetchOne(db, sql: "SELECT hashes FROM log_tile WHERE level = ? AND idx = ?", arguments: [level, Int64(index)])
        }
        // A full tile, unless it is on the edge (handled above).
        guard let data, data.count == Tiles.width * 32, let tile = ExpandedTile(bytes: Array(data)) else {
            throw LogStoreError(.notFound, "tile \(level)/\(index) does not exist in a tree of \(edge.size)")
        }
        fullTileCache.insert(level: level, index: index, tile: tile)
        return tile
    }

    /// The leaf hashes of the committed entries in `range`.
    public func leafHashes(_ range: Range<UInt64>) throws -> [[UInt8]] {
        guard range.upperBound <= edge.size else {
            throw LogStoreError(.notFound, "the copy has \(edge.size) entries, not \(range.upperBound)")
        }
        var out: [[UInt8]] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let tileIndex = i / UInt64(Tiles.width)
            let tile = try tile(level: 0, index: tileIndex)
            let end = min(range.upperBound, (tileIndex + 1) * UInt64(Tiles.width))
            for j in i..<end { out.append(tile.hashes[Int(j % UInt64(Tiles.width))]) }
            i = end
        }
        return out
    }

    /// MTH of the first `treeSize` committed entries.
    public func rootHash(treeSize: UInt64) throws -> [UInt8] {
        guard treeSize <= edge.size else { throw LogStoreError(.invalidRequest, "the copy has only \(edge.size) entries, not \(treeSize)") }
        return try MerkleProofs.rootHash(size: treeSize, source: hashSource(treeSize: treeSize))
    }

    /// An inclusion proof for entry `index` in the tree of `treeSize` (default: the committed size).
    public func inclusionProof(index: UInt64, treeSize: UInt64? = nil) throws -> [[UInt8]] {
        let size = treeSize ?? edge.size
        guard size <= edge.size, index < size else {
            throw LogStoreError(.invalidRequest, "no entry \(index) in a tree of \(size) (the copy has \(edge.size))")
        }
        return try MerkleProofs.inclusionProof(index: index, size: size, source: hashSource(treeSize: size))
    }

    /// A consistency proof between two committed sizes.
    public func consistencyProof(from: UInt64, to: UInt64? = nil) throws -> [[UInt8]] {
        let to = to ?? edge.size
        guard from > 0, from <= to, to <= edge.size else {
            throw LogStoreError(.invalidRequest, "a consistency proof needs 0 < from ≤ to ≤ \(edge.size); got from \(from) to \(to)")
        }
        return try MerkleProofs.consistencyProof(from: from, to: to, source: hashSource(treeSize: to))
    }

    private func hashSource(treeSize: UInt64) -> TileHashSource {
        TileHashSource { level, index in
            let width = Tiles.width(level: level, index: index, treeSize: treeSize)
            let tile = try self.tile(level: level, index: index)
            guard width > 0, tile.width >= width else {
                throw LogStoreError(.corrupt, "tile \(level)/\(index) has \(tile.width) hashes; \(width) are needed")
            }
            return width == tile.width ? tile : ExpandedTile(hashes: Array(tile.hashes[0..<width]))
        }
    }

    // MARK: Updating

    /// Starts an update from the committed tree, discarding anything staged before.
    public func beginUpdate() throws {
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TABLE IF NOT EXISTS replica_entry (idx INTEGER PRIMARY KEY NOT NULL, data BLOB NOT NULL, subject BLOB);
                    CREATE TEMP TABLE IF NOT EXISTS replica_tile (level INTEGER NOT NULL, idx INTEGER NOT NULL, hashes BLOB NOT NULL, PRIMARY KEY (level, idx));
                    DELETE FROM temp.replica_entry;
                    DELETE FROM temp.replica_tile;
                    """)
        }
        staged = edge
    }

    /// The size the tree will have if the staged entries commit.
    public var stagedSize: UInt64? { staged?.size }

    /// The root hash of the committed tree plus the staged entries.
    public var stagedRootHash: [UInt8]? { staged?.rootHash }

    /// Appends entries to the open update (the next indices after the staged
    /// ones). `subject` gives the digest to index an entry under (the
    /// default reads an ``LogEntry`` and takes its subject).
    public func stage(_ entries: [[UInt8]], subject: @Sendable ([UInt8]) -> [UInt8]? = LogReplica.entrySubject) throws {
        guard var next = staged else { throw LogStoreError(.invalidRequest, "no update is open; call beginUpdate() first") }
        for entry in entries where entry.count > LogStore.maxEntrySize {
            throw LogStoreError(.entryTooLarge, "an entry is at most \(LogStore.maxEntrySize) bytes; one is \(entry.count)")
        }
        let start = next.size
        let completed = next.append(leafHashes: entries.map { Merkle.leafHash($0) })
        try database.write { db in
            let insert = try db.makeStatement(sql: "INSERT INTO temp.replica_entry (idx, data, subject) VALUES (?, ?, ?)")
            for (offset, entry) in entries.enumerated() {
                try insert.execute(arguments: [Int64(start) + Int64(offset), Data(entry), subject(entry).map { Data($0) }])
            }
            let upsert = try db.makeStatement(
                sql: "INSERT INTO temp.replica_tile (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes")
            for tile in completed {
                try upsert.execute(arguments: [tile.level, Int64(tile.index), Data(tile.tile.bytes)])
            }
        }
        staged = next
    }

    /// Forgets the staged entries; the committed copy is untouched.
    public func abortUpdate() {
        staged = nil
        try? database.write { db in
            try db.execute(sql: "DELETE FROM temp.replica_entry; DELETE FROM temp.replica_tile")
        }
    }

    /// Commits the staged entries with `checkpoint` in one transaction: the
    /// checkpoint's origin must be the copy's, its size the staged size and
    /// its root the staged root; otherwise nothing is written, the update
    /// stays open and this throws (`invalidRequest`).
    ///
    /// With no update open, a checkpoint equal in size and root to the
    /// committed tree is stored as is (another note for the same tree is
    /// ignored: the first one stays).
    public func commitUpdate(_ checkpoint: SignedCheckpoint, published: Bool, createdAt: Date = Date()) throws {
        let next = staged ?? edge
        if let origin, checkpoint.checkpoint.origin != origin {
            throw LogStoreError(.invalidRequest, "the checkpoint is for '\(checkpoint.checkpoint.origin)', the copy is of '\(origin)'")
        }
        guard checkpoint.checkpoint.size == next.size else {
            throw LogStoreError(.invalidRequest, "the checkpoint has size \(checkpoint.checkpoint.size), the staged tree \(next.size)")
        }
        guard checkpoint.checkpoint.rootHash == next.rootHash else {
            throw LogStoreError(
                .invalidRequest,
                "the checkpoint's root \(checkpoint.checkpoint.rootHash.base64String) is not the root of the staged entries \(next.rootHash.base64String)")
        }
        let start = edge.size
        let changed = next.partialTiles
        let hasStaged = staged != nil
        try database.write { db in
            let stored = try Int64.fetchOne(db, sql: "SELECT MAX(size) FROM log_checkpoint")
            guard stored.map({ UInt64($0) }) ?? 0 == start else {
                throw LogStoreError(.corrupt, "another writer changed the copy (size \(stored ?? -1), expected \(start))")
            }
            if hasStaged {
                try db.execute(sql: "INSERT INTO log_entry (idx, data, subject) SELECT idx, data, subject FROM temp.replica_entry ORDER BY idx")
                try db.execute(
                    sql: """
                        INSERT INTO log_tile (level, idx, hashes) SELECT level, idx, hashes FROM temp.replica_tile WHERE true
                        ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes
                        """)
                let entries = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_entry") ?? 0
                guard entries == Int64(next.size) else {
                    throw LogStoreError(.corrupt, "the staged entries do not add up: \(entries) stored for a tree of \(next.size)")
                }
            }
            let upsert = try db.makeStatement(
                sql: "INSERT INTO log_tile (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes")
            for tile in changed {
                try upsert.execute(arguments: [tile.level, Int64(tile.index), Data(tile.tile.bytes)])
            }
            try db.execute(
                sql: "INSERT INTO log_checkpoint (size, root, note, created_at, published) VALUES (?, ?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
                arguments: [
                    Int64(next.size), Data(checkpoint.checkpoint.rootHash), checkpoint.serialized,
                    Int64(createdAt.timeIntervalSince1970), published ? 1 : 0,
                ])
            if hasStaged {
                try db.execute(sql: "DELETE FROM temp.replica_entry; DELETE FROM temp.replica_tile")
            }
        }
        if start != next.size || latest == nil {
            latest = checkpoint
            if published { self.published = checkpoint }
        }
        edge = next
        staged = nil
    }

    /// Replaces the note of a committed checkpoint by `cosigned` (the same
    /// checkpoint with more signatures) and marks it published.
    public func publish(_ cosigned: SignedCheckpoint) throws {
        let size = cosigned.checkpoint.size
        let existing = try database.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM log_checkpoint WHERE size = ?", arguments: [Int64(size)])
        }.map { try SignedCheckpoint(parsing: $0) }
        guard let existing, existing.checkpoint == cosigned.checkpoint else {
            throw LogStoreError(.invalidRequest, "the copy holds no checkpoint \(size) with that root to publish")
        }
        try database.write { db in
            try db.execute(
                sql: "UPDATE log_checkpoint SET note = ?, published = 1 WHERE size = ?",
                arguments: [cosigned.serialized, Int64(size)])
        }
        if latest?.checkpoint == cosigned.checkpoint { latest = cosigned }
        if size >= (published?.checkpoint.size ?? 0) { published = cosigned }
    }

    /// The subject an ``LogEntry`` commits to; nil for other entries.
    public static let entrySubject: @Sendable ([UInt8]) -> [UInt8]? = { bytes in
        (try? LogEntry(parsing: bytes))?.subjectDigest
    }
}
