import Accounts
import Foundation
import Hummingbird

/// Staff accounts (supervisors and admins), API tokens (admins) and the audit
/// trail (auditors and admins). Every change is itself audited.
struct AdminRoutes {
    let state: ServiceState

    func register(on router: RouterGroup<AppContext>) {
        router.get("admin/users", use: users)
        router.post("admin/users", use: addUser)
        router.post("admin/users/:login", use: changeUser)
        router.get("admin/tokens", use: tokens)
        router.post("admin/tokens", use: createToken)
        router.post("admin/tokens/:id/revoke", use: revokeToken)
        router.get("audit", use: audit)
        router.get("audit.csv", use: auditCSV)
    }

    /// Account changes are audited in the same transaction as the change.
    static func actor(_ session: Session, _ context: AppContext) -> AuditActor {
        AuditActor(session.user.login, role: session.user.role.rawValue, address: context.address)
    }

    // MARK: Staff

    /// Supervisors manage clerks only; admins manage everyone.
    static func assignable(by role: Role) -> [Role] { role == .admin ? Role.allCases : [.clerk] }

    func renderUsers(_ context: AppContext, _ session: Session, message: HTML = "", status: HTTPResponse.Status = .ok, login: String = "", name: String = "") throws -> Response {
        let lang = context.language
        let me = session.user.role
        let rows: [HTML] = try state.accounts.users().map { u in
            let roleLabel = lang == .ja ? u.role.label.ja : u.role.label.en
            var actions: HTML = ""
            if Self.assignable(by: me).contains(u.role) && u.login != session.user.login {
                actions = """
                    <form method="post" action="/admin/users/\(u.login)" class="inline">\(Authorization.csrfField(session))\
                    <button class="secondary" type="submit" name="action" value="\(u.disabled ? "enable" : "disable")">\(u.disabled ? lang.t("有効にする", "Enable") : lang.t("無効にする", "Disable"))</button></form>
                    """
            }
            let state: HTML = u.disabled ? "<strong>\(lang.t("無効", "disabled"))</strong>" : HTML(trusted: lang.t("有効", "active"))
            return "<tr><td class=\"mono\">\(u.login)</td><td>\(u.displayName)</td><td>\(roleLabel)</td><td>\(state)</td><td>\(actions)</td></tr>"
        }
        let roleOptions: [HTML] = Self.assignable(by: me).map { "<option value=\"\($0.rawValue)\">\(lang == .ja ? $0.label.ja : $0.label.en)</option>" }
        let body: HTML = """
            \(message)
            <table class="list"><thead><tr><th scope="col">\(lang.t("ログイン名", "Login"))</th><th scope="col">\(lang.t("氏名", "Name"))</th><th scope="col">\(lang.t("役割", "Role"))</th><th scope="col">\(lang.t("状態", "State"))</th><th scope="col"><span class="skip">\(lang.t("操作", "Actions"))</span></th></tr></thead><tbody>\(rows)</tbody></table>
            <h2>\(lang.t("職員を追加", "Add a staff member"))</h2>
            <form method="post" action="/admin/users" class="card">
            \(Authorization.csrfField(session))
            <label for="login">\(lang.t("ログイン名（半角英小文字・数字・._-）", "Login (a–z, 0–9, . _ -)"))</label><input type="text" id="login" name="login" value="\(login)" required autocapitalize="none">
            <label for="name">\(lang.t("氏名", "Name"))</label><input type="text" id="name" name="name" value="\(name)">
            <label for="role">\(lang.t("役割", "Role"))</label><select id="role" name="role">\(roleOptions)</select>
            <label for="password">\(lang.t("初期パスワード（12文字以上）", "Initial password (12+ characters)"))</label><input type="password" id="password" name="password" autocomplete="new-password" required>
            <button type="submit">\(lang.t("追加", "Add"))</button>
            </form>
            """
        return Layout.response(Layout.page(lang.t("職員管理", "Staff"), context, section: .users, body: body), status: status)
    }

    @Sendable func users(_ request: Request, context: AppContext) async throws -> Response {
        switch Authorization.session(context, may: .manageUsers) {
        case .success(let s): return try renderUsers(context, s)
        case .failure(let d): return d.response
        }
    }

    @Sendable func addUser(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .manageUsers) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        let lang = context.language
        let login = form["login"] ?? "", name = form["name"] ?? ""
        guard let role = Role(rawValue: form["role"] ?? ""), Self.assignable(by: session.user.role).contains(role) else {
            return Layout.errorPage(context, status: .forbidden, ja: "その役割の職員は追加できません。", en: "You may not add staff with that role.")
        }
        do {
            let user = try state.accounts.addUser(
                login: login, displayName: name.isEmpty ? nil : name, role: role, password: form["password"] ?? "", audit: Self.actor(session, context))
            return try renderUsers(context, session, message: "<div class=\"notice\" role=\"status\"><p>\(lang.t("\(user.login) を追加しました。", "Added \(user.login)."))</p></div>")
        } catch let error as AccountError {
            return try renderUsers(context, session, message: "<div class=\"errors\" role=\"alert\"><p>\(error.description)</p></div>", status: .unprocessableContent, login: login, name: name)
        }
    }

    @Sendable func changeUser(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .manageUsers) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        let login = context.parameters.get("login") ?? ""
        guard let user = try state.accounts.user(login: login), Self.assignable(by: session.user.role).contains(user.role), user.login != session.user.login else {
            return Layout.errorPage(context, status: .forbidden, ja: "この職員は変更できません。", en: "You may not change this account.")
        }
        switch form["action"] {
        case "disable": try state.accounts.setDisabled(login: login, true, audit: Self.actor(session, context))
        case "enable": try state.accounts.setDisabled(login: login, false, audit: Self.actor(session, context))
        default: return Layout.errorPage(context, status: .badRequest, ja: "不明な操作です。", en: "Unknown action.")
        }
        return Layout.redirect("/admin/users")
    }

    // MARK: API tokens

    func renderTokens(_ context: AppContext, _ session: Session, message: HTML = "") throws -> Response {
        let lang = context.language
        let rows: [HTML] = try state.accounts.tokens().map { t in
            let revoke: HTML = t.revokedAt == nil ? """
                <form method="post" action="/admin/tokens/\(t.id)/revoke" class="inline">\(Authorization.csrfField(session))<button class="danger" type="submit">\(lang.t("失効させる", "Revoke"))</button></form>
                """ : HTML(trusted: lang.t("失効済み", "revoked"))
            return "<tr><td>\(t.id)</td><td>\(t.name)</td><td>\(t.role.rawValue)</td><td>\(Layout.date(t.createdAt, lang))</td><td>\(revoke)</td></tr>"
        }
        let roleOptions: [HTML] = Role.allCases.map { "<option value=\"\($0.rawValue)\"\($0 == .clerk ? HTML(" selected") : "")>\(lang == .ja ? $0.label.ja : $0.label.en)</option>" }
        let body: HTML = """
            \(message)
            <table class="list"><thead><tr><th scope="col">ID</th><th scope="col">\(lang.t("名前", "Name"))</th><th scope="col">\(lang.t("役割", "Role"))</th><th scope="col">\(lang.t("作成日時", "Created"))</th><th scope="col"><span class="skip">\(lang.t("操作", "Actions"))</span></th></tr></thead><tbody>\(rows)</tbody></table>
            <h2>\(lang.t("トークンを作成", "Create a token"))</h2>
            <form method="post" action="/admin/tokens" class="card">
            \(Authorization.csrfField(session))
            <label for="name">\(lang.t("名前（連携するシステム）", "Name (the client system)"))</label><input type="text" id="name" name="name" required>
            <label for="role">\(lang.t("役割", "Role"))</label><select id="role" name="role">\(roleOptions)</select>
            <button type="submit">\(lang.t("作成", "Create"))</button>
            </form>
            <p class="hint">\(lang.t("API の説明: ", "API description: "))<a href="/openapi.yaml">/openapi.yaml</a></p>
            """
        return Layout.response(Layout.page(lang.t("APIトークン", "API tokens"), context, section: .tokens, body: body))
    }

    @Sendable func tokens(_ request: Request, context: AppContext) async throws -> Response {
        switch Authorization.session(context, may: .manageTokens) {
        case .success(let s): return try renderTokens(context, s)
        case .failure(let d): return d.response
        }
    }

    @Sendable func createToken(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .manageTokens) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        let lang = context.language
        guard let role = Role(rawValue: form["role"] ?? "") else {
            return Layout.errorPage(context, status: .badRequest, ja: "役割を選んでください。", en: "Choose a role.")
        }
        do {
            let (secret, _) = try state.accounts.createToken(name: form["name"] ?? "", role: role, audit: Self.actor(session, context))
            return try renderTokens(context, session, message: """
                <div class="notice" role="status"><p>\(lang.t("トークンを作成しました。この値は二度と表示されません。今すぐ連携システムに設定してください:", "Token created. It will not be shown again; configure it in the client system now:"))</p>
                <p class="mono"><output>\(secret)</output></p></div>
                """)
        } catch let error as AccountError {
            return try renderTokens(context, session, message: "<div class=\"errors\" role=\"alert\"><p>\(error.description)</p></div>")
        }
    }

    @Sendable func revokeToken(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .manageTokens) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        guard let id = Int64(context.parameters.get("id") ?? "") else {
            return Layout.errorPage(context, status: .notFound, ja: "そのトークンはありません。", en: "No such token.")
        }
        try state.accounts.revokeToken(id: id, audit: Self.actor(session, context))
        await state.tokenCache.clear()
        return Layout.redirect("/admin/tokens")
    }

    // MARK: Audit

    @Sendable func audit(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .audit) { case .success(let s): session = s; case .failure(let d): return d.response }
        let lang = context.language
        let q = FormData.query(request)
        let actor = q["actor"].flatMap { $0.isEmpty ? nil : $0 }, action = q["action"].flatMap { $0.isEmpty ? nil : $0 }
        let from = CertificateRoutes.day(q["from"] ?? ""), until = CertificateRoutes.day(q["until"] ?? "").map { $0.addingTimeInterval(86_400) }
        // A number from the URL: bounded before any arithmetic (page × 100 of
        // 92233720368547759 once overflowed and stopped the process).
        let page = Self.pageNumber(q["page"])
        let events = try state.audit.events(since: from, until: until, actor: actor, action: action, limit: 100, offset: page * 100)
        let report = try state.audit.verify()
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "audit.view", detail: "actor=\(actor ?? "") action=\(action ?? "") page=\(page)", address: context.address)
        let rows: [HTML] = events.map { e in
            "<tr><td>\(e.seq)</td><td>\(Layout.date(e.at, lang))</td><td>\(e.actor)</td><td>\(e.role ?? "")</td><td>\(e.action)</td><td class=\"mono\">\(e.target ?? "")</td><td>\(e.detail ?? "")</td><td>\(e.address ?? "")</td></tr>"
        }
        let chain: HTML = report.intact
            ? "<div class=\"notice\" role=\"status\"><p>\(lang.t("ハッシュ連鎖を検証しました: \(report.events) 件、改ざんなし。", "Hash chain verified: \(report.events) events, intact."))</p><p class=\"mono\">head \(report.head.map { String(format: "%02x", $0) }.joined())</p></div>"
            : "<div class=\"errors\" role=\"alert\"><p>\(lang.t("監査記録の連鎖が壊れています（#\(report.firstBrokenSeq ?? 0) 以降）。", "The audit chain is broken from #\(report.firstBrokenSeq ?? 0)."))</p></div>"
        var query = ""
        for name in ["actor", "action", "from", "until"] { if let v = q[name], !v.isEmpty { query += "&\(name)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } }
        let nav: HTML = """
            \(page > 0 ? HTML("<a class=\"button secondary\" href=\"/audit?page=\(page - 1)\(query)\">\(lang.t("新しい記録", "Newer"))</a>") : "")\
            \(events.count == 100 ? HTML("<a class=\"button secondary\" href=\"/audit?page=\(page + 1)\(query)\">\(lang.t("古い記録", "Older"))</a>") : "")
            """
        let body: HTML = """
            \(chain)
            <form method="get" action="/audit" class="card"><div class="filters">
            <div><label for="actor">\(lang.t("操作者", "Actor"))</label><input type="text" id="actor" name="actor" value="\(actor)"></div>
            <div><label for="action">\(lang.t("操作", "Action"))</label><input type="text" id="action" name="action" value="\(action)"></div>
            <div><label for="from">\(lang.t("日付（から）", "From"))</label><input type="date" id="from" name="from" value="\(q["from"])"></div>
            <div><label for="until">\(lang.t("日付（まで）", "Until"))</label><input type="date" id="until" name="until" value="\(q["until"])"></div>
            </div><button type="submit">\(lang.t("絞り込む", "Filter"))</button>
            <a class="button secondary" href="/audit.csv">\(lang.t("CSVで書き出す", "Export CSV"))</a></form>
            <table class="list"><thead><tr><th scope="col">#</th><th scope="col">\(lang.t("日時", "When"))</th><th scope="col">\(lang.t("操作者", "Who"))</th><th scope="col">\(lang.t("役割", "Role"))</th><th scope="col">\(lang.t("操作", "Action"))</th><th scope="col">\(lang.t("対象", "Target"))</th><th scope="col">\(lang.t("詳細", "Detail"))</th><th scope="col">\(lang.t("端末", "Address"))</th></tr></thead><tbody>\(rows)</tbody></table>
            \(nav)
            """
        return Layout.response(Layout.page(lang.t("監査記録", "Audit trail"), context, section: .audit, body: body))
    }

    @Sendable func auditCSV(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .audit) { case .success(let s): session = s; case .failure(let d): return d.response }
        let csv = try state.audit.csv()
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "audit.export", address: context.address)
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
