import AkashiCrypto
import Foundation
import SafeText

/// One row of the audit trail: who did what, to what, when and from where,
/// chained to the row before it by SHA-256 (see ``chainHash``).
public struct AuditEvent: Sendable, Hashable {
    public static let zeroHash = [UInt8](repeating: 0, count: 32)

    /// 1, 2, 3, … with no gaps.
    public let seq: Int64
    /// Whole milliseconds since 1970 (what is stored and hashed).
    public let atMillis: Int64
    /// A login (the web UI), `token:<id>`, `cli:<unix user>`, `system`, … (logins cannot contain `:`)
    public let actor: String
    public let role: String?
    /// What was done, e.g. `issue`, `user.add`, `token.revoke`, `login.failed`.
    public let action: String
    public let target: String?
    public let detail: String?
    public let address: String?
    /// The hash of the row before (32 zero bytes for the first row).
    public let previousHash: [UInt8]
    public let hash: [UInt8]

    public init(
        seq: Int64, atMillis: Int64, actor: String, role: String?, action: String, target: String?, detail: String?, address: String?,
        previousHash: [UInt8], hash: [UInt8]
    ) {
        self.seq = seq
        self.atMillis = atMillis
        self.actor = actor
        self.role = role
        self.action = action
        self.target = target
        self.detail = detail
        self.address = address
        self.previousHash = previousHash
        self.hash = hash
    }

    public var at: Date { Date(timeIntervalSince1970: TimeInterval(atMillis) / 1000) }

    /// The row that follows `previous` (nil: the first row) for `note`. Both
    /// stores append through this, inside their write transaction.
    ///
    /// The last line of defence for the chain: a database may store text only
    /// up to a NUL (SQLite) or refuse it (PostgreSQL) while the hash covers
    /// every byte, so a NUL — or any character the text rule refuses — would
    /// break the chain for ever. Routes refuse such input with a message long
    /// before; reaching here is a bug, never a broken chain.
    static func following(_ previous: (seq: Int64, hash: [UInt8])?, _ note: AuditNote) throws -> AuditEvent {
        let fields = [
            ("actor", note.actor), ("role", note.role), ("action", note.action), ("target", note.target), ("detail", note.detail),
            ("address", note.address),
        ]
        for (name, value) in fields {
            if let value, let problem = SafeText.firstProblem(in: value, multiline: true) {
                throw StoreError(.invalidText, "監査記録の\(name)に使えない文字があります: \(problem.ja) / the audit \(name) has a character that is not allowed: \(problem.en)")
            }
        }
        guard !note.actor.isEmpty, !note.action.isEmpty else {
            throw StoreError(.invalidText, "監査記録には操作者と操作が必要です / an audit row needs an actor and an action")
        }
        let seq = (previous?.seq ?? 0) + 1
        let previousHash = previous?.hash ?? zeroHash
        let hash = chainHash(
            previousHash: previousHash, seq: seq, atMillis: note.atMillis, actor: note.actor, role: note.role, action: note.action,
            target: note.target, detail: note.detail, address: note.address)
        return AuditEvent(
            seq: seq, atMillis: note.atMillis, actor: note.actor, role: note.role, action: note.action, target: note.target, detail: note.detail,
            address: note.address, previousHash: previousHash, hash: hash)
    }

    /// Whether this row's own hash is what its fields imply.
    public var hashIsValid: Bool {
        Self.chainHash(
            previousHash: previousHash, seq: seq, atMillis: atMillis, actor: actor, role: role, action: action, target: target, detail: detail,
            address: address) == hash
    }

    /// The chain hash: SHA-256 over the unambiguous encoding
    ///
    ///     "akashi-audit-v1" || u32(32) || previousHash || u64(seq) || i64(at in ms)
    ///     || str(actor) || opt(role) || str(action) || opt(target) || opt(detail) || opt(address)
    ///
    /// where integers are big-endian, `str(s)` = u32(byte count) || UTF-8 bytes,
    /// and `opt(nil)` = 0x00, `opt(s)` = 0x01 || str(s) (so nil and "" differ).
    /// Every variable-length field is length-prefixed, so no two different rows
    /// encode alike. `at` is hashed in whole milliseconds since 1970 (UTC).
    public static func chainHash(
        previousHash: [UInt8], seq: Int64, atMillis: Int64, actor: String, role: String?, action: String,
        target: String?, detail: String?, address: String?
    ) -> [UInt8] {
        var bytes: [UInt8] = Array("akashi-audit-v1".utf8)
        func u32(_ n: Int) { withUnsafeBytes(of: UInt32(n).bigEndian) { bytes.append(contentsOf: $0) } }
        func u64(_ n: Int64) { withUnsafeBytes(of: n.bigEndian) { bytes.append(contentsOf: $0) } }
        func str(_ s: String) {
            u32(s.utf8.count)
            bytes.append(contentsOf: s.utf8)
        }
        func opt(_ s: String?) {
            if let s {
                bytes.append(1)
                str(s)
            } else {
                bytes.append(0)
            }
        }
        u32(previousHash.count)
        bytes.append(contentsOf: previousHash)
        u64(seq)
        u64(atMillis)
        str(actor)
        opt(role)
        str(action)
        opt(target)
        opt(detail)
        opt(address)
        return SHA256.hash(bytes)
    }
}
