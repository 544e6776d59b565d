import Foundation
import Store

/// The audit trail: the append-only, hash-chained `audit_event` rows of the
/// authority's store (``AuthorityStore``). Private (it names clerks and
/// addresses); never published. The store appends each row chained to the one
/// before (the one chain hash: `Store.AuditEvent.chainHash`); `verify()`
/// recomputes the chain, so an edit by someone who gets past the store is
/// still found — except removing the newest rows, which only comparing
/// `ChainReport.head` with a copy kept elsewhere reveals.
///
/// A row that must commit with a log entry (an issuance, a revocation) is not
/// recorded here: pass an `AuditNote` (``AuditActor/note(action:target:detail:at:)``)
/// in the log batch's `StoreEffect` instead.
public struct AuditTrail: Sendable {
    public static let zeroHash = AuditEvent.zeroHash

    private let store: any AuthorityStore

    public init(store: any AuthorityStore) {
        self.store = store
    }

    /// Appends in its own transaction. Text the chain cannot keep exactly (a
    /// NUL, a refused control character) is `AccountError(.invalidText)`.
    @discardableResult
    public func record(
        actor: String, role: String?, action: String, target: String? = nil, detail: String? = nil, address: String? = nil,
        at: Date = Date()
    ) async throws -> AuditEvent {
        try await AccountStore.accountErrors {
            try await store.appendAudit(
                AuditNote(actor: actor, role: role, action: action, target: target, detail: detail, address: address, atMillis: Millis.from(at)))
        }
    }

    /// Events with `since <= at < until`, by actor and action (exact), newest first.
    public func events(
        since: Date? = nil, until: Date? = nil, actor: String? = nil, action: String? = nil, limit: Int = 200, offset: Int = 0
    ) async throws -> [AuditEvent] {
        try await store.auditEvents(Self.filter(since: since, until: until, actor: actor, action: action), limit: limit, offset: offset)
    }

    public func count() async throws -> Int {
        try await store.auditCount()
    }

    /// What `verify()` found.
    public struct ChainReport: Sendable {
        /// Rows checked.
        public let events: Int
        /// The stored hash of the newest row (32 zero bytes when empty). Keep a copy
        /// elsewhere (or anchor it) to detect the newest rows being removed.
        public let head: [UInt8]
        /// The first row whose seq, previous hash or own hash is not what the rows
        /// before it imply; nil when the chain is intact.
        public let firstBrokenSeq: Int64?
        public var intact: Bool { firstBrokenSeq == nil }

        public init(events: Int, head: [UInt8], firstBrokenSeq: Int64?) {
            self.events = events
            self.head = head
            self.firstBrokenSeq = firstBrokenSeq
        }
    }

    /// Recomputes every row's hash in order (a page at a time) and reports the
    /// first broken row: an edited row (its hash no longer matches), a deleted
    /// row (the next row's seq and previous hash no longer follow) or a
    /// rewritten hash (the next row's previous hash no longer matches).
    public func verify() async throws -> ChainReport {
        var check = ChainCheck()
        try await store.forEachAuditEvent(AuditFilter()) { check.add($0) }
        return check.report
    }

    /// The chain check of `verify()`, fed the rows oldest first.
    struct ChainCheck {
        private var expectedSeq: Int64 = 1
        private var previous = AuditEvent.zeroHash
        private var count = 0
        private var broken: Int64? = nil

        mutating func add(_ event: AuditEvent) {
            count += 1
            if broken == nil, event.seq != expectedSeq || event.previousHash != previous || !event.hashIsValid {
                broken = event.seq
            }
            expectedSeq = event.seq + 1
            previous = event.hash
        }

        var report: ChainReport { ChainReport(events: count, head: previous, firstBrokenSeq: broken) }
    }

    /// RFC 4180 CSV (CRLF line ends) with a header row
    /// `seq,at,actor,role,action,target,detail,address,previous_hash,hash`, oldest
    /// first; times ISO 8601 UTC with milliseconds, hashes hex, nil as an empty
    /// cell. A cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`
    /// so a spreadsheet does not run it as a formula (CSV injection); the export
    /// is for reading, `verify()` is for checking.
    public func csv(since: Date? = nil, until: Date? = nil) async throws -> String {
        var out = "seq,at,actor,role,action,target,detail,address,previous_hash,hash\r\n"
        try await store.forEachAuditEvent(Self.filter(since: since, until: until, actor: nil, action: nil)) { e in
            let cells: [String] = [
                String(e.seq), Self.iso8601(e.atMillis), e.actor, e.role ?? "", e.action, e.target ?? "", e.detail ?? "",
                e.address ?? "", e.previousHash.accountsHex, e.hash.accountsHex,
            ]
            out += cells.map(Self.csvCell).joined(separator: ",") + "\r\n"
        }
        return out
    }

    // MARK: Helpers

    static func csvCell(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `2025-04-01T09:30:00.123Z`.
    static func iso8601(_ ms: Int64) -> String {
        var seconds = time_t(ms.quotientAndRemainder(dividingBy: 1000).quotient)
        var millis = ms % 1000
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    private static func filter(since: Date?, until: Date?, actor: String?, action: String?) -> AuditFilter {
        AuditFilter(sinceMillis: since.map(Millis.from), untilMillis: until.map(Millis.from), actor: actor, action: action)
    }
}
