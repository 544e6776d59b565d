import Accounts
import Certificates
import Foundation
import Hummingbird
import Issuance
import SafeText
import Store

/// Issuing at the counter: choose a kind → a form generated from its
/// definition → preview → issue → the printable page.
struct IssueRoutes {
    let state: ServiceState

    func register(on staff: RouterGroup<StaffContext>) {
        staff.allowing(.issue)
            .get("issue", use: chooseKind)
            .get("issue/:kind", use: form)
            .post("issue/:kind", use: submit)
    }

    @Sendable func chooseKind(_ request: Request, context: StaffContext) async throws -> Response {
        Layout.response(IssuePages.kinds(state.registry.kinds, context.language, context.session))
    }

    @Sendable func form(_ request: Request, context: StaffContext) async throws -> Response {
        let kind = try self.kind(context)
        return Layout.response(IssuePages.form(kind, values: try FormData(""), problems: [], context.language, context.session))
    }

    @Sendable func submit(_ request: Request, context: StaffContext) async throws -> Response {
        let form = try await context.postedForm(request)
        let kind = try self.kind(context)
        let (lang, session) = (context.language, context.session)
        let (input, include) = Self.input(from: form, kind: kind)
        let action = form["action"] ?? "preview"
        if action == "edit" {
            return Layout.response(IssuePages.form(kind, values: form, problems: [], lang, session))
        }
        let values: [String: FieldValue]
        do {
            values = try kind.validate(input, include: include)
        } catch {
            return Layout.response(IssuePages.form(kind, values: form, problems: error.problems, lang, session), status: .unprocessableContent)
        }
        guard action == "issue" else {
            return Layout.response(IssuePages.preview(kind, form: form, values: values, lang, session))
        }
        let actor = session.user.login, role = session.user.role.rawValue, address = context.address
        let issued: IssuedCertificate
        do {
            issued = try await state.issuer.issue(
                kind: kind.id, input: input, include: include, issuedBy: actor,
                audit: AuditNote(actor: actor, role: role, action: "issue", detail: "ui kind=\(kind.id)", address: address, at: Date()))
        } catch let error as CertificateError where error.code == .invalidInput || error.code == .tooLargeToPrint {
            return Layout.response(IssuePages.form(kind, values: form, problems: error.problems, lang, session), status: .unprocessableContent)
        }
        // A resident who brought no key gets a fresh secret, shown once on the
        // first print; the authority keeps only its public key (subject-transparency.md §6).
        state.freshSecrets.put(serial: issued.claims.serialText, issued.subjectSecrets, login: actor)
        return Layout.redirect("/certificates/\(issued.claims.serialText)/print?issued=1")
    }

    /// The kind named in the path; the 404 page when there is none.
    func kind(_ context: StaffContext) throws -> CertificateKind {
        guard let kind = state.registry.kind(context.parameters.get("kind") ?? "") else {
            throw PageRefusal(Layout.errorPage(context, status: .notFound, ja: "その種類の証明書はありません。", en: "No such kind of certificate."))
        }
        return kind
    }

    // MARK: Reading the form

    /// The form's values as the kind's input: `f.<id>` per field (a list field
    /// is one item per line), `include` for fields omitted by default.
    static func input(from form: FormData, kind: CertificateKind) -> ([String: InputValue], Set<String>) {
        var input: [String: InputValue] = [:]
        for field in kind.fields {
            guard let raw = form["f.\(field.id)"] else { continue }
            if field.type == .textList {
                // One item per line (LF, CR or CR LF), each trimmed of the
                // format's white space (SafeText, docs/spec/certificate.md §5.3).
                let items = raw.unicodeScalars.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
                    .map { SafeText.trimmed(Substring($0)) }.filter { !$0.isEmpty }
                if !items.isEmpty { input[field.id] = .list(items.map { .string($0) }) }
            } else if !SafeText.trimmed(raw).isEmpty {
                input[field.id] = .string(raw)
            }
        }
        return (input, Set(form.all("include")))
    }
}
