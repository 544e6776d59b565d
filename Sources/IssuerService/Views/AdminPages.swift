import Accounts
import Foundation
import Store

/// What the audit page was asked for (`actor` and `action` nil when not given).
struct AuditPageFilter {
    let actor: String?
    let action: String?
    let from: String?
    let until: String?
    let page: Int
}

/// Staff accounts, API tokens and the audit trail.
enum AdminPages {
    /// The line above a list after a change: what was done, or why not.
    enum Message {
        case added(login: String)
        case tokenCreated(secret: String)
        case refused(String)

        func html(_ lang: UILanguage) -> HTML {
            switch self {
            case .added(let login):
                "<div class=\"notice\" role=\"status\"><p>\(lang.t("\(login) を追加しました。", "Added \(login)."))</p></div>"
            case .tokenCreated(let secret):
                """
                <div class="notice" role="status"><p>\(lang.t(
                    "トークンを作成しました。この値は二度と表示されません。今すぐ連携システムに設定してください:",
                    "Token created. It will not be shown again; configure it in the client system now:"))</p>
                <p class="mono"><output>\(secret)</output></p></div>
                """
            case .refused(let reason):
                "<div class=\"errors\" role=\"alert\"><p>\(reason)</p></div>"
            }
        }
    }

    /// The staff list, with enable/disable for the accounts the role may
    /// manage, and the form to add one (`login` and `name` as last typed).
    static func users(_ users: [User], message: Message?, login: String = "", name: String = "", _ lang: UILanguage, _ session: Session) -> HTML {
        let me = session.user.role
        let rows: [HTML] = users.map { u in
            let roleLabel = lang == .ja ? u.role.label.ja : u.role.label.en
            var actions: HTML = ""
            if AdminRoutes.assignable(by: me).contains(u.role) && u.login != session.user.login {
                let (value, label) = u.disabled ? ("enable", lang.t("有効にする", "Enable")) : ("disable", lang.t("無効にする", "Disable"))
                actions = """
                    <form method="post" action="/admin/users/\(u.login)" class="inline">\(Layout.csrfField(session))\
                    <button class="secondary" type="submit" name="action" value="\(value)">\(label)</button></form>
                    """
            }
            let state: HTML = u.disabled ? "<strong>\(lang.t("無効", "disabled"))</strong>" : HTML(trusted: lang.t("有効", "active"))
            return "<tr><td class=\"mono\">\(u.login)</td><td>\(u.displayName)</td><td>\(roleLabel)</td><td>\(state)</td><td>\(actions)</td></tr>"
        }
        let roleOptions: [HTML] = AdminRoutes.assignable(by: me).map {
            "<option value=\"\($0.rawValue)\">\(lang == .ja ? $0.label.ja : $0.label.en)</option>"
        }
        let columns = Layout.columns(lang.t("ログイン名", "Login"), lang.t("氏名", "Name"), lang.t("役割", "Role"), lang.t("状態", "State"))
        let body: HTML = """
            \(message.map { $0.html(lang) } ?? "")
            <table class="list"><thead><tr>\(columns)\(Layout.actionsColumn(lang))</tr></thead><tbody>\(rows)</tbody></table>
            <h2>\(lang.t("職員を追加", "Add a staff member"))</h2>
            <form method="post" action="/admin/users" class="card">
            \(Layout.csrfField(session))
            <label for="login">\(lang.t("ログイン名（半角英小文字・数字・._-）", "Login (a–z, 0–9, . _ -)"))</label>\
            <input type="text" id="login" name="login" value="\(login)" required autocapitalize="none">
            <label for="name">\(lang.t("氏名", "Name"))</label><input type="text" id="name" name="name" value="\(name)">
            <label for="role">\(lang.t("役割", "Role"))</label><select id="role" name="role">\(roleOptions)</select>
            <label for="password">\(lang.t("初期パスワード（12文字以上）", "Initial password (12+ characters)"))</label>\
            <input type="password" id="password" name="password" autocomplete="new-password" required>
            <button type="submit">\(lang.t("追加", "Add"))</button>
            </form>
            """
        return Layout.page(lang.t("職員管理", "Staff"), lang, session, section: .users, body: body)
    }

    /// The API tokens, revoke buttons, and the form to create one.
    static func tokens(_ tokens: [APIToken], message: Message?, _ lang: UILanguage, _ session: Session) -> HTML {
        let rows: [HTML] = tokens.map { t in
            let revoke: HTML =
                t.revokedAt == nil
                ? """
                <form method="post" action="/admin/tokens/\(t.id)/revoke" class="inline">\(Layout.csrfField(session))\
                <button class="danger" type="submit">\(lang.t("失効させる", "Revoke"))</button></form>
                """ : HTML(trusted: lang.t("失効済み", "revoked"))
            return "<tr><td>\(t.id)</td><td>\(t.name)</td><td>\(t.role.rawValue)</td><td>\(Layout.date(t.createdAt, lang))</td><td>\(revoke)</td></tr>"
        }
        let roleOptions: [HTML] = Role.allCases.map {
            "<option value=\"\($0.rawValue)\"\($0 == .clerk ? HTML(" selected") : "")>\(lang == .ja ? $0.label.ja : $0.label.en)</option>"
        }
        let columns = Layout.columns("ID", lang.t("名前", "Name"), lang.t("役割", "Role"), lang.t("作成日時", "Created"))
        let body: HTML = """
            \(message.map { $0.html(lang) } ?? "")
            <table class="list"><thead><tr>\(columns)\(Layout.actionsColumn(lang))</tr></thead><tbody>\(rows)</tbody></table>
            <h2>\(lang.t("トークンを作成", "Create a token"))</h2>
            <form method="post" action="/admin/tokens" class="card">
            \(Layout.csrfField(session))
            <label for="name">\(lang.t("名前（連携するシステム）", "Name (the client system)"))</label><input type="text" id="name" name="name" required>
            <label for="role">\(lang.t("役割", "Role"))</label><select id="role" name="role">\(roleOptions)</select>
            <button type="submit">\(lang.t("作成", "Create"))</button>
            </form>
            <p class="hint">\(lang.t("API の説明: ", "API description: "))<a href="/openapi.yaml">/openapi.yaml</a></p>
            """
        return Layout.page(lang.t("APIトークン", "API tokens"), lang, session, section: .tokens, body: body)
    }

    /// A page of audit events (newest first) with the chain's state, the filter and paging.
    static func audit(_ events: [AuditEvent], report: AuditTrail.ChainReport, filter: AuditPageFilter, _ lang: UILanguage, _ session: Session) -> HTML {
        let (actor, action, page) = (filter.actor, filter.action, filter.page)
        let rows: [HTML] = events.map { e in
            """
            <tr><td>\(e.seq)</td><td>\(Layout.date(e.at, lang))</td><td>\(e.actor)</td><td>\(e.role ?? "")</td><td>\(e.action)</td>\
            <td class="mono">\(e.target ?? "")</td><td>\(e.detail ?? "")</td><td>\(e.address ?? "")</td></tr>
            """
        }
        let head = report.head.map { String(format: "%02x", $0) }.joined()
        let broken = report.firstBrokenSeq ?? 0
        let chain: HTML =
            report.intact
            ? """
            <div class="notice" role="status"><p>\(lang.t("ハッシュ連鎖を検証しました: \(report.events) 件、改ざんなし。", "Hash chain verified: \(report.events) events, intact."))</p>\
            <p class="mono">head \(head)</p></div>
            """
            : "<div class=\"errors\" role=\"alert\"><p>\(lang.t("監査記録の連鎖が壊れています（#\(broken) 以降）。", "The audit chain is broken from #\(broken)."))</p></div>"
        var query = ""
        for (name, value) in [("actor", actor), ("action", action), ("from", filter.from), ("until", filter.until)] {
            if let value, !value.isEmpty { query += "&\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        }
        let nav: HTML = """
            \(page > 0 ? HTML("<a class=\"button secondary\" href=\"/audit?page=\(page - 1)\(query)\">\(lang.t("新しい記録", "Newer"))</a>") : "")\
            \(events.count == 100 ? HTML("<a class=\"button secondary\" href=\"/audit?page=\(page + 1)\(query)\">\(lang.t("古い記録", "Older"))</a>") : "")
            """
        let columns = Layout.columns(
            "#", lang.t("日時", "When"), lang.t("操作者", "Who"), lang.t("役割", "Role"), lang.t("操作", "Action"), lang.t("対象", "Target"),
            lang.t("詳細", "Detail"), lang.t("端末", "Address"))
        let body: HTML = """
            \(chain)
            <form method="get" action="/audit" class="card"><div class="filters">
            <div><label for="actor">\(lang.t("操作者", "Actor"))</label><input type="text" id="actor" name="actor" value="\(actor)"></div>
            <div><label for="action">\(lang.t("操作", "Action"))</label><input type="text" id="action" name="action" value="\(action)"></div>
            <div><label for="from">\(lang.t("日付（から）", "From"))</label><input type="date" id="from" name="from" value="\(filter.from)"></div>
            <div><label for="until">\(lang.t("日付（まで）", "Until"))</label><input type="date" id="until" name="until" value="\(filter.until)"></div>
            </div><button type="submit">\(lang.t("絞り込む", "Filter"))</button>
            <a class="button secondary" href="/audit.csv">\(lang.t("CSVで書き出す", "Export CSV"))</a></form>
            <table class="list"><thead><tr>\(columns)</tr></thead><tbody>\(rows)</tbody></table>
            \(nav)
            """
        return Layout.page(lang.t("監査記録", "Audit trail"), lang, session, section: .audit, body: body)
    }
}
