import GRDB
import LogStore

/// Why a mirror, a follower, a restore or a monitor refused or failed a step.
///
/// ``code`` is stable for tests, JSON and exit codes; ``reason`` says which
/// size, which URL and what did not match. When the log itself misbehaved
/// (``Code/inconsistent``), ``evidence`` holds the signed checkpoints that
/// prove it, exactly as they were served.
public struct MirrorError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }

        /// No answer: connection refused, timeout, cancelled.
        public static let transport = Code(name: "transport")
        /// An HTTP status other than 200 (a 404 for a tile, a 500...).
        public static let httpStatus = Code(name: "httpStatus")
        /// A response larger than the limit for its kind.
        public static let responseTooLarge = Code(name: "responseTooLarge")
        /// The checkpoint is not a signed note with a checkpoint body.
        public static let malformedCheckpoint = Code(name: "malformedCheckpoint")
        /// The checkpoint is not signed as the policy requires (log key, witness quorum).
        public static let unverifiedCheckpoint = Code(name: "unverifiedCheckpoint")
        /// The checkpoint is for another log than the one followed.
        public static let wrongOrigin = Code(name: "wrongOrigin")
        /// A tile is not a whole number of hashes, or not the width asked for.
        public static let malformedTile = Code(name: "malformedTile")
        /// An entry bundle's length prefixes do not add up, or it has the wrong number of entries.
        public static let malformedBundle = Code(name: "malformedBundle")
        /// An entry bundle disagrees with entries already copied (same index, other bytes).
        public static let bundleMismatch = Code(name: "bundleMismatch")
        /// The downloaded entries do not hash to the checkpoint's root.
        public static let rootMismatch = Code(name: "rootMismatch")
        /// A source's tiles do not lead to its own checkpoint's root: the source
        /// is broken or lying, which says nothing about the log.
        public static let tileMismatch = Code(name: "tileMismatch")
        /// The log signed two checkpoints that cannot both be true: same size
        /// and another root, or a later tree that does not extend an earlier
        /// one (history rewritten, split view). See ``MirrorError/evidence``.
        public static let inconsistent = Code(name: "inconsistent")
        /// The mirror's or monitor's own files could not be read or written.
        public static let storage = Code(name: "storage")
        /// The log is not followed, the directory has no mirror, a bad argument.
        public static let invalidRequest = Code(name: "invalidRequest")
        /// `akashi log restore` found a log that is not empty.
        public static let notEmpty = Code(name: "notEmpty")
        /// Another process holds a file this step must write (the writer lock
        /// of a copy, or SQLite still busy after its timeout): try again later.
        public static let locked = Code(name: "locked")
        /// The trusted keys list no log with the origin the source serves.
        public static let unlistedOrigin = Code(name: "unlistedOrigin")
        /// A restored copy is shorter than a tree a witness of the log has
        /// cosigned: continuing from it would sign a fork.
        public static let staleCopy = Code(name: "staleCopy")

        public var description: String { name }
    }

    /// A signed checkpoint kept as proof, with where it came from.
    public struct Evidence: Hashable, Sendable {
        public let source: String
        /// The note exactly as served (text and every signature line).
        public let checkpoint: String

        public init(source: String, checkpoint: String) {
            self.source = source
            self.checkpoint = checkpoint
        }
    }

    public let code: Code
    public let reason: String
    /// The URL the failing step fetched, if any.
    public let url: String?
    public let evidence: [Evidence]

    public init(_ code: Code, _ reason: String, url: String? = nil, evidence: [Evidence] = []) {
        self.code = code
        self.reason = reason
        self.url = url
        self.evidence = evidence
    }

    public var description: String { reason }

    /// Wraps any error from storage as ``Code/storage``, or ``Code/locked``
    /// when another process holds the file; a `MirrorError` passes through.
    static func storage(_ error: any Error, _ what: String) -> MirrorError {
        if let error = error as? MirrorError { return error }
        return MirrorError(isLocked(error) ? .locked : .storage, "\(what): \(error)")
    }

    /// Whether `error` says another process holds the file: the log store's
    /// writer lock, or SQLite giving up after its busy timeout.
    static func isLocked(_ error: any Error) -> Bool {
        if let error = error as? LogStoreError { return error.code == .locked }
        if let error = error as? DatabaseError { return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED }
        return false
    }
}
