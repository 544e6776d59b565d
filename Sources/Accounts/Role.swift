/// What a person or an API token may do. Every request is authorized on the
/// server against one of these; the UI only hides what the role cannot use.
public enum Role: String, Sendable, CaseIterable, Codable, Comparable {
    /// Issues, prints, reprints and searches certificates.
    case clerk
    /// A clerk who also manages clerks and runs CSV batches.
    case supervisor
    /// Reads the audit trail; issues nothing.
    case auditor
    /// Everything, including API tokens.
    case admin

    /// Actions a role may be authorized for.
    public enum Action: String, Sendable, CaseIterable {
        case issue, print, search, batch, manageUsers, audit, manageTokens
        /// Revoke or reissue (supersede) a certificate.
        case revoke
    }

    /// The server-side authorization rule: the only place roles are decided.
    public func may(_ action: Action) -> Bool {
        switch (self, action) {
        case (.admin, _): return true
        case (.clerk, .issue), (.clerk, .print), (.clerk, .search): return true
        case (.supervisor, .issue), (.supervisor, .print), (.supervisor, .search),
            (.supervisor, .batch), (.supervisor, .manageUsers), (.supervisor, .revoke):
            return true
        case (.auditor, .audit): return true
        default: return false
        }
    }

    /// Japanese label first: what a clerk sees.
    public var label: (ja: String, en: String) {
        switch self {
        case .clerk: return ("窓口職員", "Clerk")
        case .supervisor: return ("管理職員", "Supervisor")
        case .auditor: return ("監査担当", "Auditor")
        case .admin: return ("システム管理者", "Administrator")
        }
    }

    private var rank: Int { Role.allCases.firstIndex(of: self)! }
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}
