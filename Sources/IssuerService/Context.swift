import Accounts
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
    public var maxUploadSize: Int { 16 * 1024 * 1024 }

    /// The peer's IP address as text, for the audit trail.
    public var address: String? { remoteAddress?.ipAddress }
}
