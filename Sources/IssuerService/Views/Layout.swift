import Accounts
import Foundation
import Hummingbird

/// The frame around every clerk page: skip link, navigation for what the
/// role may do, language switch, and log out (a POST with the CSRF token).
enum Layout {
    enum Section: String { case dashboard, issue, batch, search, audit, users, tokens, login }

    /// The page for `session` (nil: not logged in, no menu) in `lang`.
    /// `refresh`: the browser reloads it every second (a batch in progress).
    static func page(_ title: String, _ lang: UILanguage, _ session: Session?, section: Section, refresh: Bool = false, body: HTML) -> HTML {
        var nav: [HTML] = []
        var who: HTML = ""
        if let session {
            let role = session.user.role
            func link(_ s: Section, _ href: String, _ ja: String, _ en: String) -> HTML {
                "<a href=\"\(href)\"\(s == section ? HTML(" aria-current=\"page\"") : "")>\(lang.t(ja, en))</a>"
            }
            nav.append(link(.dashboard, "/", "ホーム", "Home"))
            if role.may(.issue) { nav.append(link(.issue, "/issue", "発行", "Issue")) }
            if role.may(.batch) { nav.append(link(.batch, "/batch", "一括発行", "Batch")) }
            if role.may(.search) { nav.append(link(.search, "/certificates", "検索・再印刷", "Search & reprint")) }
            if role.may(.audit) { nav.append(link(.audit, "/audit", "監査記録", "Audit trail")) }
            if role.may(.manageUsers) { nav.append(link(.users, "/admin/users", "職員管理", "Staff")) }
            if role.may(.manageTokens) { nav.append(link(.tokens, "/admin/tokens", "APIトークン", "API tokens")) }
            let roleLabel = lang == .ja ? role.label.ja : role.label.en
            who = """
                <span class="who">\(session.user.displayName)\(lang.t("（", " ("))\(roleLabel)\(lang.t("）", ")"))</span>
                <form method="post" action="/logout">\(csrfField(session))<button class="link" type="submit">\(lang.t("ログアウト", "Log out"))</button></form>
                """
        }
        let switchLabel = lang == .ja ? "English" : "日本語"
        let refreshing: HTML = refresh ? "\n<meta http-equiv=\"refresh\" content=\"1\">" : ""
        return """
            <!doctype html>
            <html lang="\(lang.rawValue)">
            <head>
            <meta charset="utf-8">\(refreshing)
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) — Akashi 証</title>
            <link rel="stylesheet" href="/assets/app.css">
            </head>
            <body>
            <a class="skip" href="#main">\(lang.t("本文へ移動", "Skip to content"))</a>
            <header class="top">
            <span class="brand">証 Akashi <span lang="ja">証明書発行</span></span>
            <nav aria-label="\(lang.t("メニュー", "Menu"))">\(nav)</nav>
            \(who)
            <a href="?lang=\(lang.other.rawValue)" lang="\(lang.other.rawValue)">\(switchLabel)</a>
            </header>
            <main id="main">
            <h1>\(title)</h1>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    static func response(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// A 303 redirect after a POST (so reloading does not submit twice).
    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    static func date(_ d: Date, _ lang: UILanguage, time: Bool = true) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: lang == .ja ? "ja_JP" : "en_GB")
        f.timeZone = TimeZone(identifier: "Asia/Tokyo")
        f.dateFormat = lang == .ja ? (time ? "yyyy年M月d日 HH:mm" : "yyyy年M月d日") : (time ? "d MMM yyyy HH:mm" : "d MMM yyyy")
        return f.string(from: d)
    }

    /// An error page for a person (the API answers in JSON instead).
    static func errorPage(_ lang: UILanguage, _ session: Session?, status: HTTPResponse.Status, ja: String, en: String) -> Response {
        let body: HTML = "<div class=\"errors\" role=\"alert\"><p>\(lang.t(ja, en))</p></div><p><a href=\"/\">\(lang.t("ホームへ戻る", "Back to home"))</a></p>"
        return response(page(lang.t("エラー", "Error") + " \(status.code)", lang, session, section: .dashboard, body: body), status: status)
    }

    /// The error page, with the menu once the middleware established a session.
    static func errorPage(_ context: AppContext, status: HTTPResponse.Status, ja: String, en: String) -> Response {
        errorPage(context.language, context.identity?.session, status: status, ja: ja, en: en)
    }

    static func errorPage(_ context: StaffContext, status: HTTPResponse.Status, ja: String, en: String) -> Response {
        errorPage(context.language, context.session, status: status, ja: ja, en: en)
    }

    /// The header cells of a list, one `<th scope="col">` per title.
    static func columns(_ titles: String...) -> HTML {
        HTML.join(titles.map { "<th scope=\"col\">\($0)</th>" })
    }

    /// The header cell of a column of links or buttons, named for screen readers only.
    static func actionsColumn(_ lang: UILanguage) -> HTML {
        "<th scope=\"col\"><span class=\"skip\">\(lang.t("操作", "Actions"))</span></th>"
    }

    /// The hidden field every form of a logged-in page carries.
    static func csrfField(_ session: Session) -> HTML {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(session.csrfToken)\">"
    }
}
