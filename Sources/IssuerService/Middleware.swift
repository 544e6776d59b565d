import Accounts
import Foundation
import Hummingbird
import Issuance
import LogStore
import SafeText
import Synchronization

/// Headers every response gets — errors included: no sniffing, no framing, no
/// referrer, and a strict Content-Security-Policy on HTML that lacks its own.
/// The outermost middleware, so it also turns every error thrown below it into
/// a response here (a 500 is logged with its cause, which the client never sees).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let csp =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    /// The web verifier fetches its trust file, uses the camera and a service worker.
    static let verifierCSP =
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as RequestTextError {
            response = Self.badText(error, request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
            if response.status.code >= 500 {
                context.logger.error("request failed", metadata: ["status": "\(response.status.code)", "path": "\(request.uri.path)", "error": "\(error)"])
            }
        } catch {
            context.logger.error("internal error", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            response = Self.internalError(request, context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        // same-origin, not no-referrer: with no-referrer a browser sends
        // `Origin: null` on this site's own forms, and OriginCheckMiddleware
        // needs the real one; other sites still get no referrer.
        response.headers[values: .init("Referrer-Policy")!] = ["same-origin"]
        response.headers[values: .init("X-Frame-Options")!] = ["DENY"]
        if response.headers[.contentSecurityPolicy] == nil {
            let html = response.headers[.contentType]?.hasPrefix("text/html") ?? false
            // Anything but a page gets the strictest policy: an SVG or an error
            // body opened directly must not run script either.
            response.headers[.contentSecurityPolicy] = html && request.uri.path.hasPrefix("/verify/") ? Self.verifierCSP : Self.csp
        }
        return response
    }

    static func badText(_ error: RequestTextError, _ request: Request, _ context: AppContext) -> Response {
        if request.uri.path.hasPrefix("/api/") {
            return APIError(.badRequest, code: "invalidText", ja: error.ja, en: error.en).response
        }
        return Layout.errorPage(context, status: .badRequest, ja: error.ja, en: error.en)
    }

    static func internalError(_ request: Request, _ context: AppContext) -> Response {
        let ja = "サーバー内部でエラーが起きました。記録は残っています。もう一度お試しいただき、続く場合はシステム管理者に連絡してください。"
        let en = "Something went wrong inside the server; it has been logged. Try again, and tell the system administrator if it persists."
        if request.uri.path.hasPrefix("/api/") {
            return APIError(.internalServerError, code: "internal", ja: ja, en: en).response
        }
        return Layout.errorPage(context, status: .internalServerError, ja: ja, en: en)
    }
}

/// Refuses a request whose URL path or query breaks the text rule — a NUL, a
/// control, bidirectional or invisible character, invalid percent-encoding —
/// with 400, before routing: nothing behind it (file server, search, login
/// redirect, audit trail) ever sees such text.
struct RequestTextMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let decoded = FormData.percentDecode(Substring(path), plusAsSpace: false) else {
            throw RequestTextError(location: "the URL path", locationJa: "URLのパス", malformed: ())
        }
        if let problem = SafeText.firstProblem(in: decoded) {
            throw RequestTextError(location: "the URL path", locationJa: "URLのパス", problem: problem)
        }
        if let query = request.uri.query {
            let form = try FormData(query, source: .query)
            for (name, value) in form.pairs {
                if let problem = SafeText.firstProblem(in: value) {
                    throw RequestTextError(location: "query parameter \"\(name)\"", locationJa: "URLのパラメータ「\(name)」", problem: problem)
                }
            }
        }
        return try await next(request, context)
    }
}

/// Japanese unless the person asked for English (`?lang=en`, then a cookie).
/// When the witnesses cannot cosign enough for the policy, the clerk (or
/// the API client) is told exactly that — 503, what was and was not done —
/// instead of a bare 500.
struct WitnessPolicyMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let ja: String, en: String, detail: String, serial: String?
        do {
            return try await next(request, context)
        } catch let error as WitnessPendingError {
            (ja, en, detail, serial) = (error.ja, error.en, error.reason, error.serial)
        } catch let error as LogStoreError where error.code == .witnessPolicy {
            (ja, en, detail, serial) = (
                "立会人（近隣自治体）の署名が方針に必要な数に届かないため、台帳の更新を公開できませんでした。立会人の復旧後にもう一度お試しください。",
                "Not enough witnesses (neighbouring municipalities) cosigned, so the log update was not published. Try again once the witnesses are back.",
                error.reason, nil
            )
        }
        context.logger.error("witness policy not met", metadata: ["detail": "\(detail)"])
        if request.uri.path.hasPrefix("/api/") {
            return APIError(.serviceUnavailable, code: "witnessPolicy", ja: ja, en: en, detail: detail, serial: serial, headers: [.retryAfter: "30"]).response
        }
        let page = ErrorPages.witnessPolicy(ja: ja, en: en, detail: detail, serial: serial, context.language, context.identity?.session)
        var response = Layout.response(page, status: .serviceUnavailable)
        response.headers[.retryAfter] = "30"
        return response
    }
}

struct LanguageMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// `--secure-cookies`: every cookie of the service gets `Secure`.
    let secureCookies: Bool

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        let asked = FormData.query(request)["lang"].flatMap(UILanguage.init(rawValue:))
        context.language = asked ?? request.cookies["akashi_lang"].flatMap { UILanguage(rawValue: $0.value) } ?? .ja
        var response = try await next(request, context)
        if let asked {
            response.setCookie(
                Cookie(name: "akashi_lang", value: asked.rawValue, maxAge: 365 * 86_400, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        }
        return response
    }
}

/// Establishes a clerk's identity from the session cookie. Pages behind it
/// redirect to the login page when there is none.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let cookieName = "akashi_session"
    let accounts: AccountStore

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[Self.cookieName]?.value, let session = try await accounts.session(token: token) {
            context.identity = .user(session)
            return try await next(request, context)
        }
        if request.method == .get || request.method == .head {
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            let next = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            return Layout.redirect("/login?next=\(next)")
        }
        return Layout.errorPage(context, status: .unauthorized, ja: "ログインの有効期限が切れました。もう一度ログインしてください。", en: "Your session has ended. Please log in again.")
    }
}

/// Establishes an API client's identity from `Authorization: Bearer TOKEN`.
struct APITokenMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let accounts: AccountStore
    let cache: TokenCache

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            return APIError(
                .unauthorized, code: "unauthorized", ja: "Authorization: Bearer トークンが必要です", en: "an Authorization: Bearer token is required",
                headers: [.wwwAuthenticate: "Bearer"]
            ).response
        }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let token = try await cache.token(secret: secret, accounts: accounts) else {
            return APIError(
                .unauthorized, code: "unauthorized", ja: "トークンが無効か、失効しています", en: "the token is invalid or revoked",
                headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""]
            ).response
        }
        var context = context
        context.identity = .token(token)
        return try await next(request, context)
    }
}

/// Which methods each route has, read from the router once every route is
/// registered: the one source for `Allow` (RFC 9110 §10.2.1).
final class RouteMethods: Sendable {
    private let routes = Mutex<[(path: RouterPath, methods: Set<HTTPRequest.Method>)]>([])

    func load(_ descriptions: [Router<AppContext>.RouteDescription]) {
        var table: [(path: RouterPath, methods: Set<HTTPRequest.Method>)] = []
        for d in descriptions {
            if let i = table.firstIndex(where: { $0.path == d.path }) { table[i].methods.insert(d.method) } else { table.append((d.path, [d.method])) }
        }
        routes.withLock { $0 = table }
    }

    /// The methods of the routes matching `path`, HEAD wherever GET is; nil when no route matches.
    func methods(for path: String) -> Set<HTTPRequest.Method>? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let found = routes.withLock { table in table.filter { Self.matches($0.path.components, parts) }.flatMap(\.methods) }
        guard !found.isEmpty else { return nil }
        var methods = Set(found)
        if methods.contains(.get) { methods.insert(.head) }
        return methods
    }

    static func matches(_ pattern: [RouterPath.Element], _ parts: [Substring]) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == .recursiveWildcard { return !parts.isEmpty }
        guard let part = parts.first, first ~= part else { return false }
        return matches(Array(pattern.dropFirst()), Array(parts.dropFirst()))
    }

    static func allowHeader(_ methods: Set<HTTPRequest.Method>) -> String {
        let order: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]
        return order.filter(methods.contains).map(\.rawValue).joined(separator: ", ")
    }
}

/// A method a route does not have is 405 with the route's own `Allow`, as
/// RFC 9110 §15.5.6 asks, not a misleading 404; a path no route serves stays
/// 404 whatever the method. Asked only after the router answered 404, so the
/// common path pays nothing.
struct RequestMethodMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let routes: RouteMethods

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = routes.methods(for: request.uri.path), !allowed.contains(request.method) else { throw error }
            return Self.notAllowed(request, context, allowed)
        }
        if response.status == .notFound, let allowed = routes.methods(for: request.uri.path), !allowed.contains(request.method) {
            return Self.notAllowed(request, context, allowed)
        }
        return response
    }

    static func notAllowed(_ request: Request, _ context: AppContext, _ allowed: Set<HTTPRequest.Method>) -> Response {
        var response =
            request.uri.path.hasPrefix("/api/")
            ? APIError(
                .methodNotAllowed, code: "methodNotAllowed", ja: "このメソッド（\(request.method.rawValue)）は使えません",
                en: "the method \(request.method.rawValue) is not allowed"
            ).response
            : Layout.errorPage(context, status: .methodNotAllowed, ja: "このメソッドは使えません。", en: "Method not allowed.")
        response.headers[.allow] = RouteMethods.allowHeader(allowed)
        return response
    }
}

/// A state-changing request from a page of another site is refused with 403
/// before any handler runs, as a second line behind the CSRF tokens: the
/// browser's `Sec-Fetch-Site` (or, without it, `Origin`) must name this very
/// server. Requests without either header (curl, scripts, old browsers) pass
/// on to the token checks. The bearer-token API is exempt: a browser never
/// attaches its token by itself, so another site cannot ride on it.
struct OriginCheckMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard request.method == .post, !request.uri.path.hasPrefix("/api/"), !Self.isSameOrigin(request) else {
            return try await next(request, context)
        }
        context.logger.notice(
            "cross-origin form refused", metadata: ["path": "\(request.uri.path)", "origin": "\(SafeText.escaped(request.headers[.origin] ?? "-"))"])
        return Layout.errorPage(
            context, status: .forbidden,
            ja: "別のサイトから送信されたため受け付けませんでした。この画面を開き直して、もう一度操作してください。",
            en: "Refused: the form was sent from another site. Open this page again and retry.")
    }

    static func isSameOrigin(_ request: Request) -> Bool {
        // Sec-Fetch-Site first: the browser sets it and a page cannot forge
        // it, and it survives referrer policies that make Origin "null".
        if let site = request.headers[values: .init("Sec-Fetch-Site")!].first {
            return site == "same-origin" || site == "none"
        }
        if let origin = request.headers[.origin] {
            guard origin != "null", let url = URL(string: origin), let host = url.host, let scheme = url.scheme,
                url.path.isEmpty, scheme == "http" || scheme == "https"
            else { return false }
            let port = url.port.map { ":\($0)" } ?? ""
            guard let own = request.head.authority else { return false }
            return (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host).lowercased() + port == own.lowercased()
        }
        return true
    }
}
