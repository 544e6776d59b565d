import Accounts
import Hummingbird

/// Server-side checks every UI handler makes before doing anything: the role
/// may perform the action, and a POST carries the session's CSRF token.
enum Authorization {
    /// The session if its role may do `action`; otherwise the 403 page to return.
    static func session(_ context: AppContext, may action: Role.Action) -> Result<Session, DeniedResponse> {
        guard let session = context.identity?.session else {
            return .failure(DeniedResponse(response: Layout.redirect("/login")))
        }
        guard session.user.role.may(action) else {
            return .failure(DeniedResponse(response: Layout.errorPage(
                context, status: .forbidden,
                ja: "この操作（\(action.rawValue)）を行う権限がありません。", en: "Your role may not do this (\(action.rawValue)).")))
        }
        return .success(session)
    }

    /// nil when the form's `_csrf` matches the session's token.
    static func csrfFailure(_ form: FormData, _ session: Session, _ context: AppContext) -> Response? {
        guard let sent = form["_csrf"], AccountStore.constantTimeEquals(sent, session.csrfToken) else {
            return Layout.errorPage(
                context, status: .forbidden,
                ja: "不正なリクエストです（CSRF トークンが一致しません）。画面を開き直して、もう一度操作してください。",
                en: "Rejected: the CSRF token does not match. Reopen the page and try again.")
        }
        return nil
    }

    static func csrfField(_ session: Session) -> HTML {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(session.csrfToken)\">"
    }
}

struct DeniedResponse: Error {
    let response: Response
}
