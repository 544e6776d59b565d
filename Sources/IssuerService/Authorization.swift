import Accounts
import Hummingbird

/// An answer that ends a request early — a 403 page, a JSON error — thrown
/// where it is decided and turned back into a response by
/// ``RefusalMiddleware`` at the top of its route group, so the middleware
/// outside it (the language cookie, the witness page, the security headers)
/// sees an ordinary response.
protocol Refusal: HTTPResponseError, Sendable {
    var response: Response { get }
}

extension Refusal {
    var status: HTTPResponse.Status { response.status }
    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

/// A clerk page that refuses the request (the 403 page, the login redirect).
struct PageRefusal: Refusal {
    let response: Response
    init(_ response: Response) { self.response = response }
}

/// Turns a thrown ``Refusal`` into its response.
struct RefusalMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as any Refusal {
            return refusal.response
        }
    }
}

/// The server-side role check: a route behind it runs only when the role may
/// do `action` (``Role/may(_:)``, the only place roles are decided);
/// otherwise the request gets `refusal`, before its body is read.
struct RoleMiddleware<Context: RoleRequestContext>: RouterMiddleware {
    let action: Role.Action
    let refusal: @Sendable (Context) -> Response

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.role.may(action) else { return refusal(context) }
        return try await next(request, context)
    }
}

extension RouterGroup<StaffContext> {
    /// The routes of the returned group serve a clerk whose role may do
    /// `action`; anyone else gets the 403 page.
    func allowing(_ action: Role.Action) -> RouterGroup<StaffContext> {
        group().add(
            middleware: RoleMiddleware(action: action) { context in
                Layout.errorPage(
                    context, status: .forbidden,
                    ja: "この操作（\(action.rawValue)）を行う権限がありません。", en: "Your role may not do this (\(action.rawValue)).")
            })
    }
}

extension RouterGroup<APIContext> {
    /// The routes of the returned group serve a token whose role may do
    /// `action`; any other gets the 403 JSON error `forbidden`, whose
    /// message (Japanese, English) `message` says for the token's role.
    func allowing(_ action: Role.Action, message: @escaping @Sendable (Role) -> (ja: String, en: String)) -> RouterGroup<APIContext> {
        group().add(
            middleware: RoleMiddleware(action: action) { context in
                let (ja, en) = message(context.role)
                return APIError(.forbidden, code: "forbidden", ja: ja, en: en).response
            })
    }
}

extension StaffContext {
    /// The form posted with the request, once its `_csrf` matches the
    /// session's token; otherwise the 403 page is thrown.
    func postedForm(_ request: Request) async throws -> FormData {
        let form = try await FormData.read(request)
        guard let sent = form["_csrf"], AccountStore.constantTimeEquals(sent, session.csrfToken) else {
            throw PageRefusal(
                Layout.errorPage(
                    self, status: .forbidden,
                    ja: "不正なリクエストです（CSRF トークンが一致しません）。画面を開き直して、もう一度操作してください。",
                    en: "Rejected: the CSRF token does not match. Reopen the page and try again."))
        }
        return form
    }
}
