import Accounts
import Certificates

/// Issuing at the counter: the kinds, a kind's form, the preview.
enum IssuePages {
    static func kinds(_ kinds: [CertificateKind], _ lang: UILanguage, _ session: Session) -> HTML {
        let cards: [HTML] = kinds.map { kind in
            let (label, other) = lang == .ja ? (kind.label.ja, kind.label.en) : (kind.label.en, kind.label.ja)
            return "<a class=\"kind\" href=\"/issue/\(kind.id)\"><strong>\(label)</strong><span>\(other)</span></a>"
        }
        let body: HTML = """
            <p>\(lang.t("発行する証明書の種類を選んでください。", "Choose the kind of certificate to issue."))</p><div class="grid">\(cards)</div>
            """
        return Layout.page(lang.t("証明書の発行", "Issue a certificate"), lang, session, section: .issue, body: body)
    }

    /// The kind's form, generated from its definition, with `values` filled
    /// in and every problem next to its field and in a summary on top.
    static func form(_ kind: CertificateKind, values: FormData, problems: [FieldProblem], _ lang: UILanguage, _ session: Session) -> HTML {
        let language: Language = lang == .ja ? .ja : .en
        let byField = Dictionary(grouping: problems, by: \.field)
        let rows: [HTML] = kind.fields.map { field($0, values: values, errors: byField[$0.id] ?? [], lang) }
        let count = problems.count
        let summary: HTML =
            problems.isEmpty
            ? ""
            : """
            <div class="errors" role="alert" tabindex="-1" id="problems">\
            <p><strong>\(lang.t("入力内容を確認してください（\(count)件）", "Please check the form (\(count) problem(s))"))</strong></p>
            <ul>\(problems.map { p -> HTML in "<li><a href=\"#f-\(p.field)\">\(lang.t(p.ja, p.en))</a></li>" })</ul></div>
            """
        let body: HTML = """
            \(summary)
            <form method="post" action="/issue/\(kind.id)" class="card" novalidate>
            \(Layout.csrfField(session))
            \(rows)
            <div><button type="submit" name="action" value="preview">\(lang.t("確認画面へ", "Preview"))</button>\
            <a class="button secondary" href="/issue">\(lang.t("種類の選択に戻る", "Back to kinds"))</a></div>
            </form>
            """
        return Layout.page(kind.label.text(language) + lang.t(" の発行", " — issue"), lang, session, section: .issue, body: body)
    }

    /// One field of the form: its label, the control for its type, hints,
    /// its problems, and for a field omitted by default the box to include it.
    static func field(_ field: FieldDefinition, values: FormData, errors: [FieldProblem], _ lang: UILanguage) -> HTML {
        let language: Language = lang == .ja ? .ja : .en
        let id = "f-\(field.id)"
        // Next to the field its label is already visible; drop the "氏名: " prefix.
        let errorHTML: HTML =
            errors.isEmpty
            ? ""
            : HTML.join(
                errors.map { p in
                    let text = lang.t(p.ja, p.en)
                    let prefix = lang.t(field.label.ja, field.label.en) + ": "
                    return "<p class=\"error\" id=\"err-\(field.id)\">\(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)</p>"
                })
        var hints: [String] = []
        if let help = field.help { hints.append(help.text(language)) }
        if field.type == .textList { hints.append(lang.t("1行に1件ずつ入力します。", "One item per line.")) }
        if field.type == .date { hints.append(lang.t("カレンダーから選ぶか、西暦の年・月・日の順に入力します。", "Pick from the calendar, or type year, month and day.")) }
        let hint: HTML = hints.isEmpty ? "" : "<p class=\"hint\" id=\"hint-\(field.id)\">\(hints.joined(separator: " "))</p>"
        var describedBy: [String] = []
        if !errors.isEmpty { describedBy.append("err-\(field.id)") }
        if !hints.isEmpty { describedBy.append("hint-\(field.id)") }
        let invalid = errors.isEmpty ? "" : " aria-invalid=\"true\""
        let aria = HTML(trusted: invalid + (describedBy.isEmpty ? "" : " aria-describedby=\"\(describedBy.joined(separator: " "))\""))
        var include: HTML = ""
        if field.isOmittedByDefault {
            let checked: HTML = values.all("include").contains(field.id) ? " checked" : ""
            include = """
                <label class="check"><input type="checkbox" name="include" value="\(field.id)"\(checked)> \
                \(lang.t("この項目を記載する（通常は省略します）", "Include this field (left out unless asked for)"))</label>
                """
        }
        let mark: HTML =
            field.required
            ? "<span class=\"req\">\(lang.t("必須", "required"))</span>" : "<span class=\"opt\">\(lang.t("任意", "optional"))</span>"
        let unit: HTML = field.unit.map { "（\($0.text(language))）" } ?? ""
        let other: HTML = lang == .ja ? " <span class=\"opt\" lang=\"en\">\(field.label.en)</span>" : ""
        let control = control(field, id: id, value: values["f.\(field.id)"] ?? "", aria: aria, lang)
        return """
            <div class="field"><label for="\(id)">\(field.label.text(language))\(unit)\(mark)\(other)</label>\
            \(control)\(hint)\(errorHTML)\(include)</div>
            """
    }

    /// The input for a field's type, named `f.<id>`.
    static func control(_ field: FieldDefinition, id: String, value: String, aria: HTML, _ lang: UILanguage) -> HTML {
        let name = "f.\(field.id)"
        let required: HTML = field.required ? " required" : ""
        switch field.type {
        case .text:
            let maxLength: HTML = field.maxLength.map { " maxlength=\"\($0)\"" } ?? ""
            return "<input type=\"text\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(maxLength)\(required)\(aria)>"
        case .date:
            return "<input type=\"date\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(required)\(aria)>"
        case .integer:
            let bounds = HTML(trusted: (field.minimum.map { " min=\"\($0)\"" } ?? "") + (field.maximum.map { " max=\"\($0)\"" } ?? ""))
            return """
                <input type="number" step="1" inputmode="numeric" id="\(id)" name="\(name)" value="\(value)"\(bounds)\(required)\(aria)>
                """
        case .decimal:
            return "<input type=\"text\" inputmode=\"decimal\" id=\"\(id)\" name=\"\(name)\" value=\"\(value)\"\(required)\(aria)>"
        case .enum:
            let language: Language = lang == .ja ? .ja : .en
            var options: [HTML] = ["<option value=\"\">\(lang.t("選択してください", "Choose…"))</option>"]
            for option in field.options ?? [] {
                let selected: HTML = option.value == value ? " selected" : ""
                options.append("<option value=\"\(option.value)\"\(selected)>\(option.label.text(language))</option>")
            }
            return "<select id=\"\(id)\" name=\"\(name)\"\(required)\(aria)>\(options)</select>"
        case .textList:
            return "<textarea id=\"\(id)\" name=\"\(name)\" rows=\"4\"\(aria)>\(value)</textarea>"
        }
    }

    /// The checked values before signing, the form's fields carried in hidden inputs.
    static func preview(_ kind: CertificateKind, form: FormData, values: [String: FieldValue], _ lang: UILanguage, _ session: Session) -> HTML {
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
            <div class="notice" role="status"><p>\(lang.t(
                "内容を確認してください。「発行する」を押すと署名され、台帳に記録されます（取り消しはできません）。",
                "Check the details. “Issue” signs the certificate and records it in the log (this cannot be undone)."))</p></div>
            <div class="card"><dl class="preview">\(rows)</dl>\(validity)</div>
            <form method="post" action="/issue/\(kind.id)">
            \(Layout.csrfField(session))
            \(hidden)
            <button type="submit" name="action" value="issue" autofocus>\(lang.t("発行する", "Issue"))</button>
            <button type="submit" name="action" value="edit" class="secondary">\(lang.t("修正する", "Edit"))</button>
            </form>
            """
        return Layout.page(kind.label.text(language) + lang.t(" — 確認", " — preview"), lang, session, section: .issue, body: body)
    }
}
