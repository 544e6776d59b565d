import AkashiCrypto
import Foundation
import HummingbirdBcrypt
import SafeText
import Store

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

    /// The store's audit note for `action` by this actor at `at` (whole
    /// milliseconds) — what an account change records, and what a caller
    /// passes into a log batch's effects.
    public func note(action: String, target: String? = nil, detail: String? = nil, at: Date = Date()) -> AuditNote {
        AuditNote(actor: actor, role: role, action: action, target: target, detail: detail, address: address, atMillis: Millis.from(at))
    }
}

/// Clerk accounts, sessions and API tokens in the authority's store
/// (``AuthorityStore``: SQLite or PostgreSQL).
///
/// Passwords are bcrypt hashes; session tokens and API secrets are 32 random
/// bytes (base64url) of which only the SHA-256 is stored, so a copy of the
/// database lets nobody sign in. Every change is one store operation (one
/// transaction, its audit row included). Bcrypt runs before the store is
/// called: a slow hash never holds a write transaction.
///
/// Bcrypt is slow on purpose (about 0.25 s at cost 12) and runs on the
/// calling task; in a server, call the password methods off the cooperative
/// thread pool.
///
/// The store's refusals become ``AccountError``s with the codes callers branch
/// on (a taken login is `.duplicateLogin`; an unknown user or token, or a
/// disabled user asking for a session, `.notFound`; audit text the chain
/// cannot keep, `.invalidText`); other ``StoreError``s (the database busy or
/// unreachable, see ``isBusy(_:)``) pass through unchanged.
public struct AccountStore: Sendable {
    public static let apiSecretPrefix = "akashi_"

    private let store: any AuthorityStore
    private let bcryptCost: UInt8
    /// A well-formed bcrypt hash of no password, at the store's cost: unknown
    /// logins are verified against it so they take as long as known ones.
    private let dummyHash: String

    /// Accounts kept in `store` (opened by the caller: `SQLiteStore.open(path:authority:)`,
    /// a `PostgresStore`; tests use `SQLiteStore.inMemory(authority:)`). The
    /// store owns the tables and their migrations.
    public init(store: any AuthorityStore, bcryptCost: UInt8 = 12) {
        precondition((4...31).contains(bcryptCost), "bcrypt cost must be between 4 and 31")
        self.store = store
        self.bcryptCost = bcryptCost
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let salt = SecureRandom.bytes(22).map { alphabet[Int($0) % alphabet.count] }
        let digest = SecureRandom.bytes(31).map { alphabet[Int($0) % alphabet.count] }
        self.dummyHash = "$2b$" + (bcryptCost < 10 ? "0" : "") + "\(bcryptCost)$" + String(salt) + String(digest)
    }

    /// Whether `error` is the store giving up because the database is busy or
    /// unreachable (SQLite's busy timeout, after another process held it for
    /// 10 s: ``StoreError/Code/unavailable``) or locked by another writer
    /// (``StoreError/Code/locked``) — for callers that tell the person to try
    /// again.
    public static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? StoreError else { return false }
        return error.code == .unavailable || error.code == .locked
    }

    // MARK: Users

    public func addUser(login: String, displayName: String? = nil, role: Role, password: String, audit: AuditActor? = nil) async throws -> User {
        try Self.validateLogin(login)
        let displayName = displayName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let shownName = displayName.isEmpty ? login : displayName
        try Self.validateDisplayName(shownName)
        try Self.validatePassword(password)
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        let now = Date()
        let record = try await Self.accountErrors(
            duplicate: AccountError(
                .duplicateLogin,
                "ログイン名「\(login)」は既に使われています。別の名前を選んでください / the login '\(login)' is already taken; choose another one")
        ) {
            try await store.addUser(
                NewUser(login: login, displayName: shownName, role: role.rawValue, passwordHash: hash, createdAtMillis: Millis.from(now)),
                audit: audit?.note(action: "user.add", target: login, detail: "role=\(role.rawValue)", at: now))
        }
        return try Self.user(from: record)
    }

    public func setPassword(login: String, password: String, audit: AuditActor? = nil) async throws {
        try Self.validatePassword(password)
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        let now = Date()
        // A new password ends every session of that user (the store does it in
        // the same transaction): whoever knew the old one is signed out.
        try await Self.accountErrors(notFound: Self.unknownUser(login)) {
            try await store.setPasswordHash(
                login: login, hash: hash, atMillis: Millis.from(now), audit: audit?.note(action: "user.passwd", target: login, at: now))
        }
    }

    public func setRole(login: String, role: Role, audit: AuditActor? = nil) async throws {
        try await Self.accountErrors(notFound: Self.unknownUser(login)) {
            try await store.setRole(
                login: login, role: role.rawValue, audit: audit?.note(action: "user.role", target: login, detail: "role=\(role.rawValue)"))
        }
    }

    /// Disabling also ends that user's sessions (in the same transaction).
    public func setDisabled(login: String, _ disabled: Bool, audit: AuditActor? = nil) async throws {
        try await Self.accountErrors(notFound: Self.unknownUser(login)) {
            try await store.setDisabled(login: login, disabled, audit: audit?.note(action: disabled ? "user.disable" : "user.enable", target: login))
        }
    }

    /// Every user, by login.
    public func users() async throws -> [User] {
        try await store.users().map(Self.user(from:))
    }

    public func user(login: String) async throws -> User? {
        try await store.user(login: login).map(Self.user(from:))
    }

    /// nil for an unknown login, a wrong password or a disabled user — and it
    /// takes about the same time in all three cases: an unknown login is
    /// verified against a dummy hash of the same cost. The login is compared
    /// after folding ASCII upper case, so "Tanaka" signs in as "tanaka".
    public func authenticate(login: String, password: String) async throws -> User? {
        let login = login.lowercased()
        let found = try await store.credentials(login: login)
        // Always run bcrypt, whatever happened above. bcrypt reads a C string and
        // stops at 72 bytes, so a NUL or an overlong password would compare only a
        // prefix: such passwords never match (they cannot have been set).
        // bcrypt takes a quarter second by design: off the cooperative pool,
        // so a login never stalls the tasks issuing certificates.
        let hash = found?.passwordHash ?? dummyHash
        let matches = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
        let acceptable = !password.utf8.contains(0) && password.utf8.count <= Self.maxPasswordBytes
        guard let (record, _) = found, matches, acceptable, !record.disabled else { return nil }
        return try Self.user(from: record)
    }

    // MARK: Sessions

    /// A new session for `user`; the token goes in the cookie and is never stored.
    /// Also deletes sessions that have expired.
    public func createSession(for user: User, address: String?, lifetime: TimeInterval = 8 * 3600) async throws -> (token: String, session: Session) {
        let token = SecureRandom.bytes(32).base64URL
        let csrf = SecureRandom.bytes(32).base64URL
        let now = Millis.from(Date())
        let expires = now + Int64((lifetime * 1000).rounded())
        let record: UserRecord
        do {
            record = try await Self.accountErrors {
                try await store.createSession(
                    NewSession(
                        tokenHash: SHA256.hash(Array(token.utf8)), userID: user.id, csrfToken: csrf, address: address, createdAtMillis: now,
                        expiresAtMillis: expires))
            }
        } catch let error as StoreError where error.code == .notFound {
            // The store says only "gone or disabled"; tell the person which.
            guard try await store.user(id: user.id) != nil else { throw Self.unknownUser(user.login) }
            throw AccountError(
                .notFound,
                "利用者「\(user.login)」は利用停止中のため、ログインできません / the user '\(user.login)' is disabled and cannot sign in; a supervisor can enable the account")
        }
        let current = try Self.user(from: record)
        return (token, Session(user: current, csrfToken: csrf, createdAt: Millis.date(now), expiresAt: Millis.date(expires)))
    }

    /// nil if the token is unknown or expired, or its user is disabled.
    public func session(token: String, now: Date = Date()) async throws -> Session? {
        guard let record = try await store.session(tokenHash: SHA256.hash(Array(token.utf8))) else { return nil }
        let user = try Self.user(from: record.user)
        guard record.expiresAtMillis > Millis.from(now), !user.disabled else { return nil }
        return Session(
            user: user, csrfToken: record.csrfToken, createdAt: Millis.date(record.createdAtMillis), expiresAt: Millis.date(record.expiresAtMillis))
    }

    /// Signs out. Unknown tokens are ignored.
    public func endSession(token: String) async throws {
        try await store.endSession(tokenHash: SHA256.hash(Array(token.utf8)))
    }

    // MARK: API tokens

    /// A new API token. The secret (`akashi_` + 43 base64url characters) is
    /// returned once and never stored; show it to the person now.
    public func createToken(name: String, role: Role, audit: AuditActor? = nil) async throws -> (secret: String, token: APIToken) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, SafeText.length(name) <= 100, SafeText.firstProblem(in: name) == nil else {
            throw AccountError(
                .invalidName,
                "トークン名は1〜100文字で、制御文字を含めないでください（例: 住基連携）/ a token name must be 1 to 100 characters with no control characters, e.g. juki-sync")
        }
        let secret = Self.apiSecretPrefix + SecureRandom.bytes(32).base64URL
        let now = Date()
        // The audit row's target is the new token's id, which the store fills in (target nil).
        let record = try await Self.accountErrors {
            try await store.createToken(
                name: name, role: role.rawValue, secretHash: SHA256.hash(Array(secret.utf8)), atMillis: Millis.from(now),
                audit: audit?.note(action: "token.create", detail: "name=\(name) role=\(role.rawValue)", at: now))
        }
        return (secret, try Self.token(from: record))
    }

    /// nil if the secret is unknown or its token revoked.
    public func token(secret: String) async throws -> APIToken? {
        guard secret.hasPrefix(Self.apiSecretPrefix) else { return nil }
        return try await store.token(secretHash: SHA256.hash(Array(secret.utf8))).map(Self.token(from:))
    }

    /// Revokes a token for good. Revoking a revoked token keeps its first revocation time.
    public func revokeToken(id: Int64, audit: AuditActor? = nil) async throws {
        let now = Date()
        try await Self.accountErrors(
            notFound: AccountError(
                .notFound,
                "トークン番号 \(id) はありません。`akashi token list` で番号を確認してください / there is no API token \(id); see `akashi token list`")
        ) {
            try await store.revokeToken(id: id, atMillis: Millis.from(now), audit: audit?.note(action: "token.revoke", target: String(id), at: now))
        }
    }

    /// Every token, revoked ones included, by id.
    public func tokens() async throws -> [APIToken] {
        try await store.tokens().map(Self.token(from:))
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
            throw AccountError(
                .invalidLogin,
                "ログイン名「\(login)」は使えません。半角英小文字・数字・「.」「_」「-」の1〜64文字にしてください（例: tanaka.h）/ the login '\(login)' is not allowed: use 1 to 64 lower-case letters a-z, digits, '.', '_' or '-', e.g. tanaka.h"
            )
        }
    }

    /// At most 100 characters, not empty, no control characters.
    public static func validateDisplayName(_ name: String) throws {
        guard !name.isEmpty, SafeText.length(name) <= maxDisplayNameLength, SafeText.firstProblem(in: name) == nil else {
            throw AccountError(
                .invalidName,
                "表示名は1〜100文字で、改行などの制御文字や表示されない文字を含めないでください / a display name must be 1 to 100 characters with no line breaks, control, bidirectional or invisible characters"
            )
        }
    }

    /// At least 12 characters and at most 72 bytes of UTF-8 (bcrypt's limit), no NUL.
    public static func validatePassword(_ password: String) throws {
        guard password.count >= minPasswordLength else {
            throw AccountError(
                .weakPassword,
                "パスワードが短すぎます（\(password.count)文字）。12文字以上にしてください / the password is too short (\(password.count) characters); use at least 12 characters")
        }
        guard password.utf8.count <= maxPasswordBytes else {
            throw AccountError(
                .weakPassword,
                "パスワードが長すぎます（UTF-8で\(password.utf8.count)バイト）。72バイト以下にしてください（全角文字は1文字3バイト）/ the password is too long (\(password.utf8.count) bytes of UTF-8); bcrypt uses at most 72 bytes, so shorten it (a Japanese character takes 3 bytes)"
            )
        }
        guard !password.utf8.contains(0) else {
            throw AccountError(
                .weakPassword,
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

    // MARK: Records

    private static func user(from record: UserRecord) throws -> User {
        User(
            id: record.id, login: record.login, displayName: record.displayName, role: try role(record.role), disabled: record.disabled,
            createdAt: Millis.date(record.createdAtMillis))
    }

    private static func token(from record: TokenRecord) throws -> APIToken {
        APIToken(
            id: record.id, name: record.name, role: try role(record.role), createdAt: Millis.date(record.createdAtMillis),
            revokedAt: record.revokedAtMillis.map(Millis.date))
    }

    private static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text) else { throw StoreError(.corrupt, "unknown role '\(text)' in the account tables") }
        return role
    }

    private static func unknownUser(_ login: String) -> AccountError {
        AccountError(
            .notFound,
            "利用者「\(login)」は登録されていません。`akashi user list` で確認してください / there is no user '\(login)'; see `akashi user list`")
    }

    /// Runs one store operation, turning the store's refusals into the account
    /// errors callers branch on: `.notFound` and `.duplicate` into the given
    /// errors (when given), `.invalidText` (audit text the chain cannot keep)
    /// into `AccountError(.invalidText)` with the store's message. Every other
    /// error passes through.
    @discardableResult
    static func accountErrors<T>(
        notFound: @autoclosure () -> AccountError? = nil, duplicate: @autoclosure () -> AccountError? = nil, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            if error.code == .notFound, let mapped = notFound() { throw mapped }
            if error.code == .duplicate, let mapped = duplicate() { throw mapped }
            if error.code == .invalidText { throw AccountError(.invalidText, error.reason) }
            throw error
        }
    }
}
