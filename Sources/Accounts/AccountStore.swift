import AkashiCrypto
import Foundation
import GRDB
import HummingbirdBcrypt
import SafeText

/// Who performed an account change, for the audit row an `AccountStore` method
/// writes in the same transaction as the change (so a change never lands
/// without its audit row).
public struct AuditActor: Sendable {
    /// A login (the web UI), `token:<id>`, `cli:<unix user>`, … (logins cannot contain `:`)
    public let actor: String
    public let role: String?
    public let address: String?

    public init(_ actor: String, role: String? = nil, address: String? = nil) {
        self.actor = actor
        self.role = role
        self.address = address
    }
}

/// Clerk accounts, sessions and API tokens in the authority's SQLite file.
///
/// Passwords are bcrypt hashes; session tokens and API secrets are 32 random
/// bytes (base64url) of which only the SHA-256 is stored, so a copy of the
/// database lets nobody sign in. Every change is one transaction. Bcrypt runs
/// outside any transaction: a slow hash never holds the log's write lock.
///
/// Bcrypt is slow on purpose (about 0.25 s at cost 12); call the password
/// methods off the cooperative thread pool in a server.
public struct AccountStore: Sendable {
    public static let apiSecretPrefix = "akashi_"

    private let writer: any DatabaseWriter
    private let bcryptCost: UInt8
    /// A well-formed bcrypt hash of no password, at the store's cost: unknown
    /// logins are verified against it so they take as long as known ones.
    private let dummyHash: String

    /// Runs its migrations on `writer` (the authority's akashi.sqlite, shared with
    /// the log — a GRDB DatabasePool; tests may use DatabaseQueue()). Also runs the
    /// audit trail's migrations, since account changes may be audited.
    public init(writer: any DatabaseWriter, bcryptCost: UInt8 = 12) throws {
        precondition((4...31).contains(bcryptCost), "bcrypt cost must be between 4 and 31")
        self.writer = writer
        self.bcryptCost = bcryptCost
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let salt = SecureRandom.bytes(22).map { alphabet[Int($0) % alphabet.count] }
        let digest = SecureRandom.bytes(31).map { alphabet[Int($0) % alphabet.count] }
        self.dummyHash = "$2b$" + (bcryptCost < 10 ? "0" : "") + "\(bcryptCost)$" + String(salt) + String(digest)
        try AccountSchema.migrator().migrate(writer)
        try AuditSchema.migrator().migrate(writer)
    }

    // MARK: Users

    public func addUser(login: String, displayName: String? = nil, role: Role, password: String, audit: AuditActor? = nil) throws -> User {
        try Self.validateLogin(login)
        let displayName = displayName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let shownName = displayName.isEmpty ? login : displayName
        try Self.validateDisplayName(shownName)
        try Self.validatePassword(password)
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        let now = Millis.from(Date())
        return try writer.write { db in
            if try Self.fetchUser(db, login: login) != nil {
                throw AccountError(.duplicateLogin,
                    "ログイン名「\(login)」は既に使われています。別の名前を選んでください / the login '\(login)' is already taken; choose another one")
            }
            try db.execute(
                sql: """
                    INSERT INTO account_user (login, display_name, role, password_hash, disabled, created_at, password_changed_at)
                    VALUES (?, ?, ?, ?, 0, ?, ?)
                    """,
                arguments: [login, shownName, role.rawValue, hash, now, now])
            let user = User(id: db.lastInsertedRowID, login: login, displayName: shownName, role: role, disabled: false, createdAt: Millis.date(now))
            try Self.audit(audit, in: db, action: "user.add", target: login, detail: "role=\(role.rawValue)")
            return user
        }
    }

    public func setPassword(login: String, password: String, audit: AuditActor? = nil) throws {
        try Self.validatePassword(password)
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        try writer.write { db in
            try db.execute(
                sql: "UPDATE account_user SET password_hash = ?, password_changed_at = ? WHERE login = ?",
                arguments: [hash, Millis.from(Date()), login])
            guard db.changesCount == 1 else { throw Self.unknownUser(login) }
            // A new password ends every session of that user: whoever knew the
            // old one (the reason it is changed) is signed out.
            try db.execute(
                sql: "DELETE FROM account_session WHERE user_id = (SELECT id FROM account_user WHERE login = ?)", arguments: [login])
            try Self.audit(audit, in: db, action: "user.passwd", target: login)
        }
    }

    public func setRole(login: String, role: Role, audit: AuditActor? = nil) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE account_user SET role = ? WHERE login = ?", arguments: [role.rawValue, login])
            guard db.changesCount == 1 else { throw Self.unknownUser(login) }
            try Self.audit(audit, in: db, action: "user.role", target: login, detail: "role=\(role.rawValue)")
        }
    }

    /// Disabling also ends that user's sessions (in the same transaction).
    public func setDisabled(login: String, _ disabled: Bool, audit: AuditActor? = nil) throws {
        try writer.write { db in
            guard let user = try Self.fetchUser(db, login: login) else { throw Self.unknownUser(login) }
            try db.execute(sql: "UPDATE account_user SET disabled = ? WHERE id = ?", arguments: [disabled ? 1 : 0, user.id])
            if disabled {
                try db.execute(sql: "DELETE FROM account_session WHERE user_id = ?", arguments: [user.id])
            }
            try Self.audit(audit, in: db, action: disabled ? "user.disable" : "user.enable", target: login)
        }
    }

    /// Every user, by login.
    public func users() throws -> [User] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.userColumns) FROM account_user ORDER BY login").map(Self.user(from:))
        }
    }

    public func user(login: String) throws -> User? {
        try writer.read { db in try Self.fetchUser(db, login: login) }
    }

    /// nil for an unknown login, a wrong password or a disabled user — and it
    /// takes about the same time in all three cases: an unknown login is
    /// verified against a dummy hash of the same cost. The login is compared
    /// after folding ASCII upper case, so "Tanaka" signs in as "tanaka".
    public func authenticate(login: String, password: String) throws -> User? {
        let login = login.lowercased()
        let found = try writer.read { db -> (User, String)? in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.userColumns), password_hash FROM account_user WHERE login = ?", arguments: [login])
            else { return nil }
            return (try Self.user(from: row), row["password_hash"])
        }
        // Always run bcrypt, whatever happened above. bcrypt reads a C string and
        // stops at 72 bytes, so a NUL or an overlong password would compare only a
        // prefix: such passwords never match (they cannot have been set).
        let matches = Bcrypt.verify(password, hash: found?.1 ?? dummyHash)
        let acceptable = !password.utf8.contains(0) && password.utf8.count <= Self.maxPasswordBytes
        guard let (user, _) = found, matches, acceptable, !user.disabled else { return nil }
        return user
    }

    // MARK: Sessions

    /// A new session for `user`; the token goes in the cookie and is never stored.
    /// Also deletes sessions that have expired.
    public func createSession(for user: User, address: String?, lifetime: TimeInterval = 8 * 3600) throws -> (token: String, session: Session) {
        let token = SecureRandom.bytes(32).base64URL
        let csrf = SecureRandom.bytes(32).base64URL
        let now = Millis.from(Date())
        let expires = now + Int64((lifetime * 1000).rounded())
        let current = try writer.write { db -> User in
            guard let current = try Self.fetchUser(db, id: user.id) else { throw Self.unknownUser(user.login) }
            guard !current.disabled else {
                throw AccountError(.notFound,
                    "利用者「\(user.login)」は利用停止中のため、ログインできません / the user '\(user.login)' is disabled and cannot sign in; a supervisor can enable the account")
            }
            try db.execute(sql: "DELETE FROM account_session WHERE expires_at <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO account_session (token_hash, user_id, csrf_token, address, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [Data(SHA256.hash(Array(token.utf8))), current.id, csrf, address, now, expires])
            return current
        }
        return (token, Session(user: current, csrfToken: csrf, createdAt: Millis.date(now), expiresAt: Millis.date(expires)))
    }

    /// nil if the token is unknown or expired, or its user is disabled.
    public func session(token: String, now: Date = Date()) throws -> Session? {
        let hash = Data(SHA256.hash(Array(token.utf8)))
        return try writer.read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT s.csrf_token, s.created_at AS session_created, s.expires_at, \(Self.userColumns(prefix: "u."))
                    FROM account_session s JOIN account_user u ON u.id = s.user_id
                    WHERE s.token_hash = ?
                    """,
                arguments: [hash])
            else { return nil }
            let expires: Int64 = row["expires_at"]
            let user = try Self.user(from: row)
            guard expires > Millis.from(now), !user.disabled else { return nil }
            return Session(user: user, csrfToken: row["csrf_token"], createdAt: Millis.date(row["session_created"]), expiresAt: Millis.date(expires))
        }
    }

    /// Signs out. Unknown tokens are ignored.
    public func endSession(token: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM account_session WHERE token_hash = ?", arguments: [Data(SHA256.hash(Array(token.utf8)))])
        }
    }

    // MARK: API tokens

    /// A new API token. The secret (`akashi_` + 43 base64url characters) is
    /// returned once and never stored; show it to the person now.
    public func createToken(name: String, role: Role, audit: AuditActor? = nil) throws -> (secret: String, token: APIToken) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, SafeText.length(name) <= 100, SafeText.firstProblem(in: name) == nil else {
            throw AccountError(.invalidName,
                "トークン名は1〜100文字で、制御文字を含めないでください（例: 住基連携）/ a token name must be 1 to 100 characters with no control characters, e.g. juki-sync")
        }
        let secret = Self.apiSecretPrefix + SecureRandom.bytes(32).base64URL
        let now = Millis.from(Date())
        let token = try writer.write { db -> APIToken in
            try db.execute(
                sql: "INSERT INTO account_token (name, role, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, Data(SHA256.hash(Array(secret.utf8))), now])
            let token = APIToken(id: db.lastInsertedRowID, name: name, role: role, createdAt: Millis.date(now), revokedAt: nil)
            try Self.audit(audit, in: db, action: "token.create", target: String(token.id), detail: "name=\(name) role=\(role.rawValue)")
            return token
        }
        return (secret, token)
    }

    /// nil if the secret is unknown or its token revoked.
    public func token(secret: String) throws -> APIToken? {
        guard secret.hasPrefix(Self.apiSecretPrefix) else { return nil }
        let hash = Data(SHA256.hash(Array(secret.utf8)))
        return try writer.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.tokenColumns) FROM account_token WHERE secret_hash = ? AND revoked_at IS NULL", arguments: [hash])
            else { return nil }
            return try Self.token(from: row)
        }
    }

    /// Revokes a token for good. Revoking a revoked token keeps its first revocation time.
    public func revokeToken(id: Int64, audit: AuditActor? = nil) throws {
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM account_token WHERE id = ?", arguments: [id]) != nil else {
                throw AccountError(.notFound,
                    "トークン番号 \(id) はありません。`akashi token list` で番号を確認してください / there is no API token \(id); see `akashi token list`")
            }
            try db.execute(sql: "UPDATE account_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [Millis.from(Date()), id])
            try Self.audit(audit, in: db, action: "token.revoke", target: String(id))
        }
    }

    /// Every token, revoked ones included, by id.
    public func tokens() throws -> [APIToken] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.tokenColumns) FROM account_token ORDER BY id").map(Self.token(from:))
        }
    }

    // MARK: Validation

    public static let maxLoginLength = 64
    public static let maxDisplayNameLength = 100
    public static let minPasswordLength = 12
    /// bcrypt reads at most 72 bytes.
    public static let maxPasswordBytes = 72

    /// 1–64 of `[a-z0-9._-]`.
    public static func validateLogin(_ login: String) throws {
        let allowed = login.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, (1...maxLoginLength).contains(login.utf8.count) else {
            throw AccountError(.invalidLogin,
                "ログイン名「\(login)」は使えません。半角英小文字・数字・「.」「_」「-」の1〜64文字にしてください（例: tanaka.h）/ the login '\(login)' is not allowed: use 1 to 64 lower-case letters a-z, digits, '.', '_' or '-', e.g. tanaka.h")
        }
    }

    /// At most 100 characters, not empty, no control characters.
    public static func validateDisplayName(_ name: String) throws {
        guard !name.isEmpty, SafeText.length(name) <= maxDisplayNameLength, SafeText.firstProblem(in: name) == nil else {
            throw AccountError(.invalidName,
                "表示名は1〜100文字で、改行などの制御文字や表示されない文字を含めないでください / a display name must be 1 to 100 characters with no line breaks, control, bidirectional or invisible characters")
        }
    }

    /// At least 12 characters and at most 72 bytes of UTF-8 (bcrypt's limit), no NUL.
    public static func validatePassword(_ password: String) throws {
        guard password.count >= minPasswordLength else {
            throw AccountError(.weakPassword,
                "パスワードが短すぎます（\(password.count)文字）。12文字以上にしてください / the password is too short (\(password.count) characters); use at least 12 characters")
        }
        guard password.utf8.count <= maxPasswordBytes else {
            throw AccountError(.weakPassword,
                "パスワードが長すぎます（UTF-8で\(password.utf8.count)バイト）。72バイト以下にしてください（全角文字は1文字3バイト）/ the password is too long (\(password.utf8.count) bytes of UTF-8); bcrypt uses at most 72 bytes, so shorten it (a Japanese character takes 3 bytes)")
        }
        guard !password.utf8.contains(0) else {
            throw AccountError(.weakPassword,
                "パスワードにNUL文字は使えません / a password cannot contain the NUL character")
        }
    }

    /// Compares secrets (a submitted CSRF token with the session's) in time that
    /// does not depend on where they differ.
    /// `count` random bytes as base64url without padding: session ids, CSRF
    /// tokens, API secrets, and the service's other unguessable ids.
    public static func randomToken(bytes count: Int = 32) -> String { SecureRandom.bytes(count).base64URL }

    /// base64url without padding, as tokens are written.
    public static func tokenText(_ bytes: [UInt8]) -> String { bytes.base64URL }

    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    // MARK: Rows

    private static let userColumns = userColumns(prefix: "")

    private static func userColumns(prefix p: String) -> String {
        "\(p)id, \(p)login, \(p)display_name, \(p)role, \(p)disabled, \(p)created_at"
    }

    private static let tokenColumns = "id, name, role, created_at, revoked_at"

    private static func fetchUser(_ db: Database, login: String) throws -> User? {
        try Row.fetchOne(db, sql: "SELECT \(userColumns) FROM account_user WHERE login = ?", arguments: [login]).map(user(from:))
    }

    private static func fetchUser(_ db: Database, id: Int64) throws -> User? {
        try Row.fetchOne(db, sql: "SELECT \(userColumns) FROM account_user WHERE id = ?", arguments: [id]).map(user(from:))
    }

    private static func user(from row: Row) throws -> User {
        User(
            id: row["id"], login: row["login"], displayName: row["display_name"], role: try role(row["role"]),
            disabled: (row["disabled"] as Int64) != 0, createdAt: Millis.date(row["created_at"]))
    }

    private static func token(from row: Row) throws -> APIToken {
        APIToken(
            id: row["id"], name: row["name"], role: try role(row["role"]), createdAt: Millis.date(row["created_at"]),
            revokedAt: (row["revoked_at"] as Int64?).map(Millis.date))
    }

    private static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "unknown role '\(text)' in the account tables")
        }
        return role
    }

    private static func unknownUser(_ login: String) -> AccountError {
        AccountError(.notFound,
            "利用者「\(login)」は登録されていません。`akashi user list` で確認してください / there is no user '\(login)'; see `akashi user list`")
    }

    private static func audit(_ actor: AuditActor?, in db: Database, action: String, target: String?, detail: String? = nil) throws {
        guard let actor else { return }
        try AuditTrail.record(in: db, actor: actor.actor, role: actor.role, action: action, target: target, detail: detail, address: actor.address)
    }
}
