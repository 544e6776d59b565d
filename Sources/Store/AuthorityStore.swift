import Foundation

/// The persistence boundary of one authority: its log, its private record of
/// certificates, its subject-key register, its staff, sessions, API tokens and
/// audit chain — every table it owns, their migrations and the connection.
///
/// Callers never see a database handle. They ask for one typed operation, and
/// each operation is one transaction: a log batch commits its entries, their
/// tiles, the new checkpoint, the certificate records, status changes and audit
/// rows that go with them, or nothing at all. An operation returns only after
/// its transaction is durable (SQLite `synchronous=FULL`; PostgreSQL
/// `synchronous_commit=on`), so whatever a caller acknowledges survives
/// `kill -9` of the process.
///
/// Two implementations pass one conformance suite (Tests/StoreTests):
/// ``SQLiteStore`` (GRDB, one file per authority, the default) and
/// ``PostgresStore`` (postgres-nio, many authorities in one database, rows
/// keyed by authority).
public protocol AuthorityStore: Sendable {
    /// The authority this store belongs to (its 全国地方公共団体コード).
    var authority: String { get }

    // MARK: The log

    /// The exclusive right to append to this authority's log, held until the
    /// lease is released or the holder dies (a file lock; a PostgreSQL
    /// advisory lock on a session of its own). Throws ``StoreError/Code/locked``
    /// at once when someone else holds it.
    func acquireSequencer() async throws -> any SequencerLease

    /// Stores the first checkpoint (size 0) of a new log;
    /// ``StoreError/Code/duplicate`` when the log has one already.
    func initializeLog(_ first: StoredCheckpoint) async throws
    /// The newest checkpoint, the newest published checkpoint and the number of
    /// entries; nil for a log that was never initialized.
    func logState() async throws -> LogState?
    /// One stored tile's hashes (32 bytes each), or nil.
    func tile(level: Int, index: UInt64) async throws -> [UInt8]?
    /// Commits one batch of log entries with everything that goes with them.
    /// Fails with ``StoreError/Code/conflict`` when the stored log is not of
    /// `batch.startSize` (another writer), or when an effect's precondition
    /// does not hold (say, a certificate revoked twice) — and then writes nothing.
    func commit(_ batch: LogBatch) async throws
    /// Marks the checkpoint of `size` published, replacing its note by the cosigned one.
    func publish(size: UInt64, note: String) async throws
    /// Every checkpoint note the log signed, oldest first.
    func checkpointNotes() async throws -> [String]
    /// The checkpoint note of exactly `size`.
    func checkpointNote(size: UInt64) async throws -> String?
    /// The smallest published checkpoint that covers entry `index`.
    func firstPublishedNote(covering index: UInt64) async throws -> String?
    /// The largest checkpoint size signed at or before `unixSeconds` (0 if none).
    func logSize(asOf unixSeconds: Int64) async throws -> UInt64
    func entry(at index: UInt64) async throws -> [UInt8]?
    func entries(_ range: Range<UInt64>) async throws -> [[UInt8]]
    /// Indices of entries that commit to `subject` (a digest), oldest first.
    func entryIndices(subject: [UInt8]) async throws -> [UInt64]

    // MARK: Certificates (private)

    func certificate(serial: [UInt8]) async throws -> CertificateRecord?
    func certificates(matching query: CertificateQuery) async throws -> [CertificateRecord]
    /// How many certificates were issued in [from, until) (Unix seconds), per kind.
    func certificateCounts(from: Int64, until: Int64) async throws -> [String: Int]
    func certificateStatus(serial: [UInt8]) async throws -> CertificateStatus?
    /// Every revoked or superseded certificate by its log index, and the newest
    /// checkpoint note, read in one snapshot (what a status list says).
    func statusSnapshot() async throws -> StatusSnapshot

    // MARK: Residents' subject keys (private)

    /// Registers `key` for `reference`, marking its current key replaced;
    /// returns whether one was. The audit row commits with it.
    func registerSubjectKey(reference: String, key: [UInt8], at unixSeconds: Int64, audit: AuditNote?) async throws -> Bool
    func currentSubjectKey(reference: String) async throws -> [UInt8]?
    func subjectKeyHistory(reference: String) async throws -> [SubjectKeyRecord]

    // MARK: Staff and API tokens (private)

    /// Adds a user; ``StoreError/Code/duplicate`` when the login exists.
    func addUser(_ user: NewUser, audit: AuditNote?) async throws -> UserRecord
    /// Sets the password hash and ends every session of the user.
    func setPasswordHash(login: String, hash: String, atMillis: Int64, audit: AuditNote?) async throws
    func setRole(login: String, role: String, audit: AuditNote?) async throws
    /// Disabling also ends the user's sessions.
    func setDisabled(login: String, _ disabled: Bool, audit: AuditNote?) async throws
    func users() async throws -> [UserRecord]
    func user(login: String) async throws -> UserRecord?
    func user(id: Int64) async throws -> UserRecord?
    /// The user and their password hash (for signing in).
    func credentials(login: String) async throws -> (UserRecord, passwordHash: String)?

    /// Stores a session (by its token's hash) after deleting expired ones;
    /// ``StoreError/Code/notFound`` when the user is gone or disabled.
    func createSession(_ session: NewSession) async throws -> UserRecord
    func session(tokenHash: [UInt8]) async throws -> SessionRecord?
    func endSession(tokenHash: [UInt8]) async throws

    func createToken(name: String, role: String, secretHash: [UInt8], atMillis: Int64, audit: AuditNote?) async throws -> TokenRecord
    /// A token that is not revoked, by its secret's hash.
    func token(secretHash: [UInt8]) async throws -> TokenRecord?
    /// Keeps the first revocation time; ``StoreError/Code/notFound`` for an unknown id.
    func revokeToken(id: Int64, atMillis: Int64, audit: AuditNote?) async throws
    func tokens() async throws -> [TokenRecord]

    // MARK: The audit chain (private)

    /// Appends one audit row in its own transaction, chained to the one before.
    func appendAudit(_ note: AuditNote) async throws -> AuditEvent
    /// Rows with `since <= at < until` (ms), by actor and action, newest first.
    func auditEvents(_ filter: AuditFilter, limit: Int, offset: Int) async throws -> [AuditEvent]
    /// Up to `limit` rows matching `filter` with `seq > afterSeq`, oldest first
    /// — pages for ``forEachAuditEvent(_:_:)`` (a protocol extension).
    func auditEvents(_ filter: AuditFilter, afterSeq: Int64, limit: Int) async throws -> [AuditEvent]
    func auditCount() async throws -> Int

    // MARK: Idempotency (the API's retries)

    /// The response recorded for an idempotency key, if any.
    func idempotentResponse(key: String) async throws -> [UInt8]?
}

extension AuthorityStore {
    /// Every row matching `filter`, oldest first, handed to `body` one at a
    /// time, a page of 1,000 at a time (for verifying the chain and exporting
    /// CSV without holding the whole trail in memory). Rows appended meanwhile
    /// are included.
    public func forEachAuditEvent(_ filter: AuditFilter, _ body: (AuditEvent) throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await auditEvents(filter, afterSeq: after, limit: 1000)
            for event in page { try body(event) }
            guard let last = page.last, page.count == 1000 else { return }
            after = last.seq
        }
    }
}

/// The right to append to one log, held while the value lives. A PostgreSQL
/// lease can be lost (the server restarted, the session died): then
/// ``isHeld`` turns false and the holder must stop appending.
public protocol SequencerLease: Sendable {
    var isHeld: Bool { get async }
    func release() async
}

/// The log as stored.
public struct LogState: Sendable, Hashable {
    /// The newest checkpoint note the log signed (published or not).
    public let latestNote: String
    /// The newest published checkpoint note, or nil when none is marked so.
    public let publishedNote: String?
    public let entryCount: UInt64

    public init(latestNote: String, publishedNote: String?, entryCount: UInt64) {
        self.latestNote = latestNote
        self.publishedNote = publishedNote
        self.entryCount = entryCount
    }
}

/// Everything one log batch writes, in one transaction.
public struct LogBatch: Sendable {
    public struct Entry: Sendable {
        public let index: UInt64
        public let bytes: [UInt8]
        /// The digest the entry commits to (indexed to find it again).
        public let subject: [UInt8]?
        /// What else commits with this entry.
        public let effect: StoreEffect?

        public init(index: UInt64, bytes: [UInt8], subject: [UInt8]?, effect: StoreEffect?) {
            self.index = index
            self.bytes = bytes
            self.subject = subject
            self.effect = effect
        }
    }

    public struct Tile: Sendable {
        public let level: Int
        public let index: UInt64
        public let hashes: [UInt8]

        public init(level: Int, index: UInt64, hashes: [UInt8]) {
            self.level = level
            self.index = index
            self.hashes = hashes
        }
    }

    /// The log's size before the batch; the commit fails if the stored log is another.
    public let startSize: UInt64
    public let entries: [Entry]
    /// Full tiles completed by the batch and the partial tiles it changed.
    public let tiles: [Tile]
    public let checkpoint: StoredCheckpoint

    public init(startSize: UInt64, entries: [Entry], tiles: [Tile], checkpoint: StoredCheckpoint) {
        self.startSize = startSize
        self.entries = entries
        self.tiles = tiles
        self.checkpoint = checkpoint
    }
}

public struct StoredCheckpoint: Sendable, Hashable {
    public let size: UInt64
    public let rootHash: [UInt8]
    public let note: String
    public let createdAt: Int64
    /// False while witnesses have yet to cosign it.
    public let published: Bool

    public init(size: UInt64, rootHash: [UInt8], note: String, createdAt: Int64, published: Bool) {
        self.size = size
        self.rootHash = rootHash
        self.note = note
        self.createdAt = createdAt
        self.published = published
    }
}

/// The private rows that commit with a log entry (whose index the store
/// knows only inside the transaction). An audit note's detail gets
/// ` log=<index>` appended, so the audit trail says which entry it was.
public enum StoreEffect: Sendable {
    /// A certificate was issued: its private record (at the entry's index).
    case issue(NewCertificate, audit: AuditNote?)
    /// A certificate was revoked; fails if it is not valid any more.
    case revoke(serial: [UInt8], reason: String, at: Int64, audit: AuditNote?)
    /// A certificate was superseded by the one at `successorIndex`; fails if it is not valid any more.
    case supersede(serial: [UInt8], successorIndex: UInt64, at: Int64, audit: AuditNote?)
    /// Only an audit row (documents appended, and such).
    case audit(AuditNote)
}

public struct NewCertificate: Sendable, Hashable {
    public let serial: [UInt8]
    public let kind: String
    public let issuedAt: Int64
    public let expiresAt: Int64?
    public let envelope: [UInt8]
    public let disclosures: [UInt8]
    public let issuedBy: String?
    /// NFKC-folded, lower-cased text fields, for the clerks' search.
    public let searchText: String
    /// Replays of an API request with this key get the recorded response.
    public let idempotency: IdempotentResponse?

    public init(
        serial: [UInt8], kind: String, issuedAt: Int64, expiresAt: Int64?, envelope: [UInt8], disclosures: [UInt8], issuedBy: String?,
        searchText: String, idempotency: IdempotentResponse? = nil
    ) {
        self.serial = serial
        self.kind = kind
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.envelope = envelope
        self.disclosures = disclosures
        self.issuedBy = issuedBy
        self.searchText = searchText
        self.idempotency = idempotency
    }
}

/// An idempotency key and what to answer when it comes again.
public struct IdempotentResponse: Sendable, Hashable {
    public let key: String
    public let response: [UInt8]

    public init(key: String, response: [UInt8]) {
        self.key = key
        self.response = response
    }
}

public struct CertificateRecord: Sendable, Hashable {
    public let serial: [UInt8]
    public let kind: String
    public let issuedAt: Int64
    public let expiresAt: Int64?
    public let logIndex: UInt64
    public let issuedBy: String?
    public let envelope: [UInt8]
    public let disclosures: [UInt8]

    public init(
        serial: [UInt8], kind: String, issuedAt: Int64, expiresAt: Int64?, logIndex: UInt64, issuedBy: String?, envelope: [UInt8],
        disclosures: [UInt8]
    ) {
        self.serial = serial
        self.kind = kind
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.logIndex = logIndex
        self.issuedBy = issuedBy
        self.envelope = envelope
        self.disclosures = disclosures
    }
}

/// Criteria, all of which must hold; newest first.
public struct CertificateQuery: Sendable, Hashable {
    /// A substring of the record's search text (already NFKC-folded and lower-cased).
    public var text: String?
    /// An exact serial; an unparsable one is `[]` and matches nothing.
    public var serial: [UInt8]?
    public var kind: String?
    public var issuedFrom: Int64?
    public var issuedUntil: Int64?
    /// 1 to 1,000.
    public var limit: Int

    public init(text: String? = nil, serial: [UInt8]? = nil, kind: String? = nil, issuedFrom: Int64? = nil, issuedUntil: Int64? = nil, limit: Int = 100) {
        self.text = text
        self.serial = serial
        self.kind = kind
        self.issuedFrom = issuedFrom
        self.issuedUntil = issuedUntil
        self.limit = limit
    }
}

public enum CertificateStatus: Sendable, Hashable {
    case revoked(reason: String, at: Int64)
    /// `successor` is the successor's serial, when this authority recorded it.
    case superseded(successor: [UInt8]?, successorIndex: UInt64, at: Int64)
}

public struct StatusSnapshot: Sendable, Hashable {
    public let latestNote: String
    public let entries: [UInt64: CertificateStatus]

    public init(latestNote: String, entries: [UInt64: CertificateStatus]) {
        self.latestNote = latestNote
        self.entries = entries
    }
}

public struct SubjectKeyRecord: Sendable, Hashable {
    public let reference: String
    public let publicKey: [UInt8]
    public let registeredAt: Int64
    public let replacedAt: Int64?

    public init(reference: String, publicKey: [UInt8], registeredAt: Int64, replacedAt: Int64?) {
        self.reference = reference
        self.publicKey = publicKey
        self.registeredAt = registeredAt
        self.replacedAt = replacedAt
    }
}

public struct NewUser: Sendable, Hashable {
    public let login: String
    public let displayName: String
    public let role: String
    public let passwordHash: String
    public let createdAtMillis: Int64

    public init(login: String, displayName: String, role: String, passwordHash: String, createdAtMillis: Int64) {
        self.login = login
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
        self.createdAtMillis = createdAtMillis
    }
}

public struct UserRecord: Sendable, Hashable {
    public let id: Int64
    public let login: String
    public let displayName: String
    public let role: String
    public let disabled: Bool
    public let createdAtMillis: Int64

    public init(id: Int64, login: String, displayName: String, role: String, disabled: Bool, createdAtMillis: Int64) {
        self.id = id
        self.login = login
        self.displayName = displayName
        self.role = role
        self.disabled = disabled
        self.createdAtMillis = createdAtMillis
    }
}

public struct NewSession: Sendable, Hashable {
    public let tokenHash: [UInt8]
    public let userID: Int64
    public let csrfToken: String
    public let address: String?
    public let createdAtMillis: Int64
    public let expiresAtMillis: Int64

    public init(tokenHash: [UInt8], userID: Int64, csrfToken: String, address: String?, createdAtMillis: Int64, expiresAtMillis: Int64) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.address = address
        self.createdAtMillis = createdAtMillis
        self.expiresAtMillis = expiresAtMillis
    }
}

public struct SessionRecord: Sendable, Hashable {
    public let user: UserRecord
    public let csrfToken: String
    public let createdAtMillis: Int64
    public let expiresAtMillis: Int64

    public init(user: UserRecord, csrfToken: String, createdAtMillis: Int64, expiresAtMillis: Int64) {
        self.user = user
        self.csrfToken = csrfToken
        self.createdAtMillis = createdAtMillis
        self.expiresAtMillis = expiresAtMillis
    }
}

public struct TokenRecord: Sendable, Hashable {
    public let id: Int64
    public let name: String
    public let role: String
    public let createdAtMillis: Int64
    public let revokedAtMillis: Int64?

    public init(id: Int64, name: String, role: String, createdAtMillis: Int64, revokedAtMillis: Int64?) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAtMillis = createdAtMillis
        self.revokedAtMillis = revokedAtMillis
    }
}

/// Who did what, for one audit row.
public struct AuditNote: Sendable, Hashable {
    /// A login (the web UI), `token:<id>`, `cli:<unix user>`, `system`, … (logins cannot contain `:`)
    public let actor: String
    public let role: String?
    /// e.g. `issue`, `user.add`, `token.revoke`, `login.failed`.
    public let action: String
    public let target: String?
    public let detail: String?
    public let address: String?
    public let atMillis: Int64

    public init(actor: String, role: String?, action: String, target: String? = nil, detail: String? = nil, address: String? = nil, atMillis: Int64) {
        self.actor = actor
        self.role = role
        self.action = action
        self.target = target
        self.detail = detail
        self.address = address
        self.atMillis = atMillis
    }

    /// A note made now (or at `date`), in whole milliseconds as the chain stores them.
    public init(actor: String, role: String?, action: String, target: String? = nil, detail: String? = nil, address: String? = nil, at date: Date) {
        self.init(
            actor: actor, role: role, action: action, target: target, detail: detail, address: address,
            atMillis: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// The note with ` log=<index>` after its detail.
    func naming(logIndex: UInt64) -> AuditNote {
        let suffix = "log=\(logIndex)"
        return AuditNote(
            actor: actor, role: role, action: action, target: target, detail: detail.map { "\($0) \(suffix)" } ?? suffix, address: address,
            atMillis: atMillis)
    }
}

public struct AuditFilter: Sendable, Hashable {
    public var sinceMillis: Int64?
    public var untilMillis: Int64?
    public var actor: String?
    public var action: String?

    public init(sinceMillis: Int64? = nil, untilMillis: Int64? = nil, actor: String? = nil, action: String? = nil) {
        self.sinceMillis = sinceMillis
        self.untilMillis = untilMillis
        self.actor = actor
        self.action = action
    }
}
