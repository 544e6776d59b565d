import Accounts

/// Pages that say why something could not be done (the plain error page is
/// ``Layout/errorPage(_:_:status:ja:en:)``).
enum ErrorPages {
    /// The witnesses did not cosign enough for the policy: what was and was
    /// not done, the serial recorded if any, and the technical detail folded away.
    static func witnessPolicy(ja: String, en: String, detail: String, serial: String?, _ lang: UILanguage, _ session: Session?) -> HTML {
        let serialLine: HTML = serial.map { "<p class=\"serial\">\(lang.t("証明書番号", "Certificate serial")): <strong>\($0)</strong></p>" } ?? ""
        let body: HTML = """
            <div class="errors" role="alert"><p>\(lang.t(ja, en))</p></div>
            \(serialLine)
            <details><summary>\(lang.t("技術的な詳細（システム管理者向け）", "Technical details (for the system administrator)"))</summary>\
            <pre>\(detail)</pre></details>
            <p><a href="/">\(lang.t("ホームへ戻る", "Back to home"))</a></p>
            """
        return Layout.page(lang.t("立会人の署名が足りません", "Not enough witness cosignatures"), lang, session, section: .issue, body: body)
    }
}
