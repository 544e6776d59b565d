import Accounts
import Foundation
import Hummingbird
import NIOCore

/// Who is making a request, once the session cookie or API token checked out.
public enum Identity: Sendable {
    case user(Session)
    case token(APIToken)

    public var role: Role {
        switch self {
        case .user(let session): session.user.role
        case .token(let token): token.role
        }
    }

    /// The name written to the audit trail and the certificate record.
    public var actor: String {
        switch self {
        case .user(let session): session.user.login
        case .token(let token): "token:\(token.name)"
        }
    }

    public var session: Session? {
        if case .user(let s) = self { return s }
        return nil
    }
}

/// The per-request context: Hummingbird's core storage plus the peer's
/// address (for the audit trail and login throttling) and the identity the
/// authentication middleware established.
public struct AppContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var identity: Identity?
    public var language: UILanguage = .ja

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// A CSV batch may be a few thousand rows; nothing else comes near this.
    static let uploadLimit = 16 * 1024 * 1024
    public var maxUploadSize: Int { Self.uploadLimit }

    /// Sorted keys, slashes as they are (see ``JSON/encoder``).
    public var responseEncoder: JSONEncoder { JSON.encoder }

    /// The peer's IP address as text, for the audit trail.
    public var address: String? { remoteAddress?.ipAddress }
}

/// A request context that carries the role it was authorized as, for
/// ``RoleMiddleware``.
protocol RoleRequestContext: RequestContext {
    var role: Role { get }
}

/// A clerk's request inside the UI, after ``SessionMiddleware`` found the
/// session: the handlers of the clerk pages take this context and read the
/// session without unwrapping it.
struct StaffContext: ChildRequestContext, RoleRequestContext {
    var coreContext: CoreRequestContextStorage
    let session: Session
    let language: UILanguage
    /// The peer's IP address as text, for the audit trail.
    let address: String?

    init(context: AppContext) throws {
        // SessionMiddleware answers every request without a session before
        // this point; were a route ever registered outside it, the login page.
        guard let session = context.identity?.session else { throw PageRefusal(Layout.redirect("/login")) }
        self.coreContext = context.coreContext
        self.session = session
        self.language = context.language
        self.address = context.address
    }

    var role: Role { session.user.role }
    var login: String { session.user.login }
    var maxUploadSize: Int { AppContext.uploadLimit }

    /// Who changes accounts, for the audit row written in the same transaction.
    var auditActor: AuditActor { AuditActor(login, role: role.rawValue, address: address) }
}

/// An API client's request, after ``APITokenMiddleware`` accepted its bearer token.
struct APIContext: ChildRequestContext, RoleRequestContext {
    var coreContext: CoreRequestContextStorage
    let token: APIToken
    let address: String?

    init(context: AppContext) throws {
        guard case .token(let token) = context.identity else { throw HTTPError(.unauthorized) }
        self.coreContext = context.coreContext
        self.token = token
        self.address = context.address
    }

    var role: Role { token.role }
    /// The name written to the audit trail and the certificate record.
    var actor: String { Identity.token(token).actor }
    var responseEncoder: JSONEncoder { JSON.encoder }
}
