/// The login form. `formToken` is the double-submit token bound to the
/// pre-login cookie (``SessionRoutes/formToken(_:key:)``); `next` where to go after.
enum LoginPage {
    static func html(formToken: String, next: String, login: String, error: String?, _ lang: UILanguage) -> HTML {
        let invalid: HTML = error != nil ? " aria-invalid=\"true\" aria-describedby=\"login-error\"" : ""
        let errorHTML: HTML = error.map { "<div class=\"errors\" role=\"alert\" id=\"login-error\"><p>\($0)</p></div>" } ?? ""
        let body: HTML = """
            <div class="card">
            \(errorHTML)
            <form method="post" action="/login" novalidate>
            <input type="hidden" name="_csrf" value="\(formToken)">
            <input type="hidden" name="next" value="\(next)">
            <label for="login">\(lang.t("ログイン名", "Login name"))</label>
            <input type="text" id="login" name="login" value="\(login)" autocomplete="username" autocapitalize="none" required autofocus\(invalid)>
            <label for="password">\(lang.t("パスワード", "Password"))</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <div><button type="submit">\(lang.t("ログイン", "Log in"))</button></div>
            </form>
            </div>
            <p class="hint">\(lang.t("窓口端末を離れるときは必ずログアウトしてください。", "Always log out when you leave the counter PC."))</p>
            """
        return Layout.page(lang.t("ログイン", "Log in"), lang, nil, section: .login, body: body)
    }
}
