import Accounts
import AkashiCrypto
import Dispatch
import Foundation
import Hummingbird
import SafeText

/// Logging in and out. The login form is protected against cross-site
/// submission with a double-submit token (a cookie and a hidden field that
/// must match), since there is no session yet to hold a CSRF token.
struct SessionRoutes {
    let state: ServiceState
    static let preCookie = "akashi_login"

    func register(on router: Router<AppContext>) {
        router.get("login", use: loginForm)
        router.post("login", use: login)
        router.post("logout", use: logout)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: state.configuration.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func render(_ context: AppContext, next: String, login: String = "", error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let cookieValue = AccountStore.randomToken()
        let page = LoginPage.html(formToken: Self.formToken(cookieValue, key: state.loginFormKey), next: next, login: login, error: error, context.language)
        var response = Layout.response(page, status: status)
        response.setCookie(cookie(Self.preCookie, cookieValue, maxAge: 3600))
        return response
    }

    @Sendable func loginForm(_ request: Request, context: AppContext) async throws -> Response {
        render(context, next: RedirectTarget.safe(FormData.query(request)["next"]))
    }

    @Sendable func login(_ request: Request, context: AppContext) async throws -> Response {
        let lang = context.language
        let form = try await FormData.read(request)
        let next = RedirectTarget.safe(form["next"])
        let typed = (form["login"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard let pre = request.cookies[Self.preCookie]?.value, let sent = form["_csrf"],
            AccountStore.constantTimeEquals(Self.formToken(pre, key: state.loginFormKey), sent)
        else {
            let error = lang.t("フォームの有効期限が切れました。もう一度ログインしてください。", "The form expired. Please log in again.")
            return render(context, next: next, login: SafeText.escaped(typed, limit: 64), error: error, status: .forbidden)
        }
        // A name no account can have (the account rule: a–z, 0–9, . _ -) is
        // refused here, before the database, the throttle's keys or the audit
        // trail see it; what was typed is recorded escaped, as evidence.
        guard (try? AccountStore.validateLogin(typed)) != nil else {
            await state.throttle.failedMalformed(address: context.address)
            try await state.audit.record(
                actor: "-", role: nil, action: "login.failed", detail: "malformed login \"\(SafeText.escaped(typed, limit: 80))\"", address: context.address)
            let error = lang.t(
                "ログイン名に使えない文字が含まれています（半角英小文字・数字・「.」「_」「-」）。",
                "The login name has characters no login can have (a–z, 0–9, '.', '_', '-').")
            return render(context, next: next, login: "", error: error, status: .badRequest)
        }
        let login = typed
        if let wait = await state.throttle.retryAfter(login: login, address: context.address) {
            _ = try? await state.audit.record(actor: login, role: nil, action: "login.throttled", address: context.address)
            let minutes = Int((wait / 60).rounded(.up))
            let error = lang.t("ログインの失敗が続いたため、\(minutes)分間ログインできません。", "Too many failed logins. Try again in \(minutes) minute(s).")
            var response = render(context, next: next, login: login, error: error, status: .tooManyRequests)
            response.headers[.retryAfter] = String(Int(wait.rounded(.up)))
            return response
        }
        // bcrypt takes a quarter second by design; AccountStore runs it off
        // the cooperative pool, so a login never stalls API issuance.
        let authenticated = try await state.accounts.authenticate(login: login, password: form["password"] ?? "")
        guard let user = authenticated else {
            await state.throttle.failed(login: login, address: context.address)
            try await state.audit.record(actor: login, role: nil, action: "login.failed", address: context.address)
            let error = lang.t("ログイン名またはパスワードが違います。", "Wrong login name or password.")
            return render(context, next: next, login: login, error: error, status: .unauthorized)
        }
        await state.throttle.succeeded(login: login, address: context.address)
        let (token, _) = try await state.accounts.createSession(for: user, address: context.address)
        try await state.audit.record(actor: user.login, role: user.role.rawValue, action: "login", address: context.address)
        var response = Layout.redirect(next)
        response.setCookie(cookie(SessionMiddleware.cookieName, token, maxAge: 8 * 3600))
        response.setCookie(cookie(Self.preCookie, "", maxAge: 0))
        return response
    }

    @Sendable func logout(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await FormData.read(request)
        if let token = request.cookies[SessionMiddleware.cookieName]?.value, let session = try await state.accounts.session(token: token) {
            guard let sent = form["_csrf"], AccountStore.constantTimeEquals(sent, session.csrfToken) else {
                return Layout.errorPage(context, status: .forbidden, ja: "不正なリクエストです（CSRF トークンが一致しません）。", en: "Rejected: the CSRF token does not match.")
            }
            try await state.accounts.endSession(token: token)
            try await state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "logout", address: context.address)
        }
        var response = Layout.redirect("/login")
        response.setCookie(cookie(SessionMiddleware.cookieName, "", maxAge: 0))
        return response
    }

    /// The login form's hidden token: the pre-login cookie bound to this
    /// service's secret (HMAC-SHA256), so a cookie and field planted together
    /// by another site or subdomain do not match.
    static func formToken(_ cookie: String, key: [UInt8]) -> String {
        AccountStore.tokenText(HMACSHA256.authenticate(Array("akashi-login-form\u{0}\(cookie)".utf8), key: key))
    }
}
