import Accounts
import Foundation
import Hummingbird

/// Staff accounts (supervisors and admins), API tokens (admins) and the audit
/// trail (auditors and admins). Every change is itself audited.
struct AdminRoutes {
    let state: ServiceState

    func register(on staff: RouterGroup<StaffContext>) {
        staff.allowing(.manageUsers)
            .get("admin/users", use: users)
            .post("admin/users", use: addUser)
            .post("admin/users/:login", use: changeUser)
        staff.allowing(.manageTokens)
            .get("admin/tokens", use: tokens)
            .post("admin/tokens", use: createToken)
            .post("admin/tokens/:id/revoke", use: revokeToken)
        staff.allowing(.audit)
            .get("audit", use: audit)
            .get("audit.csv", use: auditCSV)
    }

    // MARK: Staff

    /// Supervisors manage clerks only; admins manage everyone.
    static func assignable(by role: Role) -> [Role] { role == .admin ? Role.allCases : [.clerk] }

    func usersPage(
        _ context: StaffContext, message: AdminPages.Message? = nil, status: HTTPResponse.Status = .ok, login: String = "", name: String = ""
    ) async throws -> Response {
        let page = AdminPages.users(try await state.accounts.users(), message: message, login: login, name: name, context.language, context.session)
        return Layout.response(page, status: status)
    }

    @Sendable func users(_ request: Request, context: StaffContext) async throws -> Response {
        try await usersPage(context)
    }

    @Sendable func addUser(_ request: Request, context: StaffContext) async throws -> Response {
        let form = try await context.postedForm(request)
        let login = form["login"] ?? "", name = form["name"] ?? ""
        guard let role = Role(rawValue: form["role"] ?? ""), Self.assignable(by: context.role).contains(role) else {
            return Layout.errorPage(context, status: .forbidden, ja: "その役割の職員は追加できません。", en: "You may not add staff with that role.")
        }
        do {
            let user = try await state.accounts.addUser(
                login: login, displayName: name.isEmpty ? nil : name, role: role, password: form["password"] ?? "", audit: context.auditActor)
            return try await usersPage(context, message: .added(login: user.login))
        } catch let error as AccountError {
            return try await usersPage(context, message: .refused(error.description), status: .unprocessableContent, login: login, name: name)
        }
    }

    @Sendable func changeUser(_ request: Request, context: StaffContext) async throws -> Response {
        let form = try await context.postedForm(request)
        let login = context.parameters.get("login") ?? ""
        guard let user = try await state.accounts.user(login: login), Self.assignable(by: context.role).contains(user.role), user.login != context.login else {
            return Layout.errorPage(context, status: .forbidden, ja: "この職員は変更できません。", en: "You may not change this account.")
        }
        switch form["action"] {
        case "disable": try await state.accounts.setDisabled(login: login, true, audit: context.auditActor)
        case "enable": try await state.accounts.setDisabled(login: login, false, audit: context.auditActor)
        default: return Layout.errorPage(context, status: .badRequest, ja: "不明な操作です。", en: "Unknown action.")
        }
        return Layout.redirect("/admin/users")
    }

    // MARK: API tokens

    func tokensPage(_ context: StaffContext, message: AdminPages.Message? = nil) async throws -> Response {
        Layout.response(AdminPages.tokens(try await state.accounts.tokens(), message: message, context.language, context.session))
    }

    @Sendable func tokens(_ request: Request, context: StaffContext) async throws -> Response {
        try await tokensPage(context)
    }

    @Sendable func createToken(_ request: Request, context: StaffContext) async throws -> Response {
        let form = try await context.postedForm(request)
        guard let role = Role(rawValue: form["role"] ?? "") else {
            return Layout.errorPage(context, status: .badRequest, ja: "役割を選んでください。", en: "Choose a role.")
        }
        do {
            let (secret, _) = try await state.accounts.createToken(name: form["name"] ?? "", role: role, audit: context.auditActor)
            return try await tokensPage(context, message: .tokenCreated(secret: secret))
        } catch let error as AccountError {
            return try await tokensPage(context, message: .refused(error.description))
        }
    }

    @Sendable func revokeToken(_ request: Request, context: StaffContext) async throws -> Response {
        _ = try await context.postedForm(request)
        guard let id = Int64(context.parameters.get("id") ?? "") else {
            return Layout.errorPage(context, status: .notFound, ja: "そのトークンはありません。", en: "No such token.")
        }
        try await state.accounts.revokeToken(id: id, audit: context.auditActor)
        await state.tokenCache.clear()
        return Layout.redirect("/admin/tokens")
    }

    // MARK: Audit

    @Sendable func audit(_ request: Request, context: StaffContext) async throws -> Response {
        let q = FormData.query(request)
        // A number from the URL: bounded before any arithmetic (page × 100 of
        // 92233720368547759 once overflowed and stopped the process).
        let filter = AuditPageFilter(
            actor: q["actor"].flatMap { $0.isEmpty ? nil : $0 }, action: q["action"].flatMap { $0.isEmpty ? nil : $0 },
            from: q["from"], until: q["until"], page: Self.pageNumber(q["page"]))
        let from = CertificateRoutes.day(filter.from ?? ""), until = CertificateRoutes.day(filter.until ?? "").map { $0.addingTimeInterval(86_400) }
        let events = try await state.audit.events(since: from, until: until, actor: filter.actor, action: filter.action, limit: 100, offset: filter.page * 100)
        let report = try await state.audit.verify()
        try await state.audit.record(
            actor: context.login, role: context.role.rawValue, action: "audit.view",
            detail: "actor=\(filter.actor ?? "") action=\(filter.action ?? "") page=\(filter.page)", address: context.address)
        return Layout.response(AdminPages.audit(events, report: report, filter: filter, context.language, context.session))
    }

    @Sendable func auditCSV(_ request: Request, context: StaffContext) async throws -> Response {
        let csv = try await state.audit.csv()
        try await state.audit.record(actor: context.login, role: context.role.rawValue, action: "audit.export", address: context.address)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"akashi-audit.csv\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    /// The largest page the audit view pages to: 10^8 events at 100 a page.
    static let maxPage = 1_000_000

    /// `page=` as a page number in 0...maxPage: anything else (negative, not a
    /// number, beyond 64 bits) is the first or the last page, never a trap.
    static func pageNumber(_ text: String?) -> Int {
        guard let text, let value = Int(text) else { return 0 }
        return min(max(0, value), maxPage)
    }
}
