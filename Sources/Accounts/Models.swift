import Foundation

/// A clerk (or supervisor, auditor, administrator) who signs in with a password.
public struct User: Sendable, Equatable {
    public let id: Int64
    /// 1–64 of `[a-z0-9._-]`; unique; never changes.
    public let login: String
    /// The name shown in the UI and the audit trail (at most 100 characters).
    public let displayName: String
    public let role: Role
    /// A disabled user cannot sign in and has no sessions.
    public let disabled: Bool
    /// Whole milliseconds (the store keeps milliseconds).
    public let createdAt: Date

    public init(id: Int64, login: String, displayName: String, role: Role, disabled: Bool, createdAt: Date) {
        self.id = id
        self.login = login
        self.displayName = displayName
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
    }
}

/// A signed-in browser session. The store keeps only the SHA-256 of its token;
/// `user` is read fresh on every lookup, so a role change applies at once.
public struct Session: Sendable {
    public let user: User
    /// Sent back with every state-changing form; compare with
    /// `AccountStore.constantTimeEquals`.
    public let csrfToken: String
    public let createdAt: Date
    public let expiresAt: Date

    public init(user: User, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.user = user
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An API token for scripts and other systems. Its secret (`akashi_…`) is shown
/// once, when created; the store keeps only its SHA-256.
public struct APIToken: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let role: Role
    public let createdAt: Date
    public let revokedAt: Date?

    public init(id: Int64, name: String, role: Role, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
