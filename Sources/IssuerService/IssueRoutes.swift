import Accounts
import Certificates
import Foundation
import Hummingbird
import Issuance
import SafeText

/// Issuing at the counter: choose a kind → a form generated from its
/// definition → preview → issue → the printable page.
struct IssueRoutes {
    let state: ServiceState

    func register(on router: RouterGroup<AppContext>) {
        router.get("issue", use: chooseKind)
        router.get("issue/:kind", use: form)
        router.post("issue/:kind", use: submit)
    }

    @Sendable func chooseKind(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .issue) { case .success(let s): session = s; case .failure(let d): return d.response }
        _ = session
        let lang = context.language
        let cards: [HTML] = state.registry.kinds.map { kind in
            "<a class=\"kind\" href=\"/issue/\(kind.id)\"><strong>\(kind.label.text(lang == .ja ? .ja : .en))</strong><span>\(lang == .ja ? kind.label.en : kind.label.ja)</span></a>"
        }
        let body: HTML = "<p>\(lang.t("発行する証明書の種類を選んでください。", "Choose the kind of certificate to issue."))</p><div class=\"grid\">\(cards)</div>"
        return Layout.response(Layout.page(lang.t("証明書の発行", "Issue a certificate"), context, section: .issue, body: body))
    }

    @Sendable func form(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .issue) { case .success(let s): session = s; case .failure(let d): return d.response }
        guard let kind = state.registry.kind(context.parameters.get("kind") ?? "") else {
            return Layout.errorPage(context, status: .notFound, ja: "その種類の証明書はありません。", en: "No such kind of certificate.")
        }
        return Layout.response(renderForm(kind, context, session, values: try FormData(""), problems: []))
    }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .issue) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        guard let kind = state.registry.kind(context.parameters.get("kind") ?? "") else {
            return Layout.errorPage(context, status: .notFound, ja: "その種類の証明書はありません。", en: "No such kind of certificate.")
        }
        let (input, include) = Self.input(from: form, kind: kind)
        let action = form["action"] ?? "preview"
        if action == "edit" {
            return Layout.response(renderForm(kind, context, session, values: form, problems: []))
        }
        let values: [String: FieldValue]
        do {
            values = try kind.validate(input, include: include)
        } catch {
            return Layout.response(renderForm(kind, context, session, values: form, problems: error.problems), status: .unprocessableContent)
        }
        guard action == "issue" else {
            return Layout.response(renderPreview(kind, context, session, form: form, values: values))
        }
        let actor = session.user.login, role = session.user.role.rawValue, address = context.address
        let issued: IssuedCertificate
        do {
            issued = try await state.issuer.issue(kind: kind.id, input: input, include: include, issuedBy: actor) { db, serial, index in
                try AuditTrail.record(in: db, actor: actor, role: role, action: "issue", target: serial, detail: "ui kind=\(kind.id) log=\(index)", address: address)
            }
        } catch let error as CertificateError where error.code == .invalidInput || error.code == .tooLargeToPrint {
            return Layout.response(renderForm(kind, context, session, values: form, problems: error.problems), status: .unprocessableContent)
        }
        // A resident who brought no key gets a fresh secret, shown once on the
        // first print; the authority keeps only its public key (subject-transparency.md §6).
        state.freshSecrets.put(serial: issued.claims.serialText, issued.subjectSecrets, login: actor)
        return Layout.redirect("/certificates/\(issued.claims.serialText)/print?issued=1")
    }

    // MARK: Rendering

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

    func renderForm(_ kind: CertificateKind, _ context: AppContext, _ session: Session, values: FormData, problems: [FieldProblem]) -> HTML {
        let lang = context.language
        let language: Language = lang == .ja ? .ja : .en
        let byField = Dictionary(grouping: problems, by: \.field)
        var rows: [HTML] = []
        for field in kind.fields {
            let id = "f-\(field.id)"
            let name = "f.\(field.id)"
            let value = values[name] ?? ""
            let errors = byField[field.id] ?? []
            // Next to the field its label is already visible; drop the "氏名: " prefix.
            let errorHTML: HTML = errors.isEmpty ? "" : HTML.join(errors.map { p in
                let text = lang.t(p.ja, p.en)
                let prefix = lang.t(field.label.ja, field.label.en) + ": "
                return "<p class=\"error\" id=\"err-\(field.id)\">\(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)</p>"
            })
            var describedBy: [String] = []
            if !errors.isEmpty { describedBy.append("err-\(field.id)") }
            if field.help != nil || field.type == .textList || field.type == .date { describedBy.append("hint-\(field.id)") }
            let aria: HTML = HTML(trusted: (errors.isEmpty ? "" : " aria-invalid=\"true\"") + (describedBy.isEmpty ? "" : " aria-describedby=\"\(describedBy.joined(separator: " "))\""))
            let required: HTML = field.required ? " required" : ""
            let mark: HTML = field.required ? "<span class=\"req\">\(lang.t("必須", "required"))</span>" : "<span class=\"opt\">\(lang.t("任意", "optional"))</span>"
            let unit: HTML = field.unit.map { "（\($0.text(language))）" } ?? ""
            let maxLength: HTML = field.maxLength.map { " maxlength=\"\($0)\"" } ?? ""
            let control: HTML
            switch field.type {
            case .text:
                control = "<input type=\"text\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(maxLength)\(required)\(aria)>"
            case .date:
                control = "<input type=\"date\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(required)\(aria)>"
            case .integer:
                let bounds: HTML = HTML(trusted: (field.minimum.map { " min=\"\($0)\"" } ?? "") + (field.maximum.map { " max=\"\($0)\"" } ?? ""))
                control = "<input type=\"number\" step=\"1\" inputmode=\"numeric\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(bounds)\(required)\(aria)>"
            case .decimal:
                control = "<input type=\"text\" inputmode=\"decimal\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(required)\(aria)>"
            case .enum:
                var options: [HTML] = ["<option value=\"\">\(lang.t("選択してください", "Choose…"))</option>"]
                for option in field.options ?? [] {
                    let selected: HTML = option.value == value ? " selected" : ""
                    options.append("<option value=\"\(option.value)\"\(selected)>\(option.label.text(language))</option>")
                }
                control = "<select id=\"\(id)\" name=\"\(name)\"\(required)\(aria)>\(options)</select>"
            case .textList:
                control = "<textarea id=\"\(id)\" name=\"\(name)\" rows=\"4\"\(aria)>\(value)</textarea>"
            }
            var hints: [String] = []
            if let help = field.help { hints.append(help.text(language)) }
            if field.type == .textList { hints.append(lang.t("1行に1件ずつ入力します。", "One item per line.")) }
            if field.type == .date { hints.append(lang.t("カレンダーから選ぶか、西暦の年・月・日の順に入力します。", "Pick from the calendar, or type year, month and day.")) }
            let hint: HTML = hints.isEmpty ? "" : "<p class=\"hint\" id=\"hint-\(field.id)\">\(hints.joined(separator: " "))</p>"
            var include: HTML = ""
            if field.isOmittedByDefault {
                let checked: HTML = values.all("include").contains(field.id) ? " checked" : ""
                include = "<label class=\"check\"><input type=\"checkbox\" name=\"include\" value=\"\(field.id)\"\(checked)> \(lang.t("この項目を記載する（通常は省略します）", "Include this field (left out unless asked for)"))</label>"
            }
            let other: HTML = lang == .ja ? " <span class=\"opt\" lang=\"en\">\(field.label.en)</span>" : ""
            rows.append("<div class=\"field\"><label for=\"\(id)\">\(field.label.text(language))\(unit)\(mark)\(other)</label>\(control)\(hint)\(errorHTML)\(include)</div>")
        }
        let summary: HTML = problems.isEmpty ? "" : """
            <div class="errors" role="alert" tabindex="-1" id="problems"><p><strong>\(lang.t("入力内容を確認してください（\(problems.count)件）", "Please check the form (\(problems.count) problem(s))"))</strong></p>
            <ul>\(problems.map { p -> HTML in "<li><a href=\"#f-\(p.field)\">\(lang.t(p.ja, p.en))</a></li>" })</ul></div>
            """
        let body: HTML = """
            \(summary)
            <form method="post" action="/issue/\(kind.id)" class="card" novalidate>
            \(Authorization.csrfField(session))
            \(rows)
            <div><button type="submit" name="action" value="preview">\(lang.t("確認画面へ", "Preview"))</button><a class="button secondary" href="/issue">\(lang.t("種類の選択に戻る", "Back to kinds"))</a></div>
            </form>
            """
        return Layout.page(kind.label.text(language) + lang.t(" の発行", " — issue"), context, section: .issue, body: body)
    }

    func renderPreview(_ kind: CertificateKind, _ context: AppContext, _ session: Session, form: FormData, values: [String: FieldValue]) -> HTML {
        let lang = context.language
        let language: Language = lang == .ja ? .ja : .en
        var rows: [HTML] = []
        for field in kind.fields {
            guard let value = values[field.id] else { continue }
            let printed: HTML = field.isPrinted ? "" : " <span class=\"opt\">\(lang.t("（印字なし）", "(not printed)"))</span>"
            rows.append("<dt>\(field.label.text(language))\(printed)</dt><dd>\(value.display(field, language))</dd>")
        }
        var hidden: [HTML] = []
        for (name, value) in form.pairs where name.hasPrefix("f.") || name == "include" {
            hidden.append("<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">")
        }
        let validity: HTML = kind.validityDays.map { "<p>\(lang.t("有効期間: 発行から\($0)日", "Valid for \($0) days from issue"))</p>" } ?? ""
        let body: HTML = """
            <div class="notice" role="status"><p>\(lang.t("内容を確認してください。「発行する」を押すと署名され、台帳に記録されます（取り消しはできません）。", "Check the details. “Issue” signs the certificate and records it in the log (this cannot be undone)."))</p></div>
            <div class="card"><dl class="preview">\(rows)</dl>\(validity)</div>
            <form method="post" action="/issue/\(kind.id)">
            \(Authorization.csrfField(session))
            \(hidden)
            <button type="submit" name="action" value="issue" autofocus>\(lang.t("発行する", "Issue"))</button>
            <button type="submit" name="action" value="edit" class="secondary">\(lang.t("修正する", "Edit"))</button>
            </form>
            """
        return Layout.page(kind.label.text(language) + lang.t(" — 確認", " — preview"), context, section: .issue, body: body)
    }
}
