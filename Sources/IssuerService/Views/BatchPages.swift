import Accounts
import Certificates

/// CSV batches: the upload form and a batch's progress.
enum BatchPages {
    /// The upload form, with what was wrong with the last upload.
    static func form(kinds: [CertificateKind], error: String? = nil, _ lang: UILanguage, _ session: Session) -> HTML {
        let options: [HTML] = kinds.map { "<option value=\"\($0.id)\">\(lang == .ja ? $0.label.ja : $0.label.en)</option>" }
        let errorHTML: HTML = error.map { "<div class=\"errors\" role=\"alert\"><p>\($0)</p></div>" } ?? ""
        let body: HTML = """
            \(errorHTML)
            <form method="post" action="/batch" enctype="multipart/form-data" class="card">
            \(Layout.csrfField(session))
            <label for="kind">\(lang.t("証明書の種類", "Kind"))</label>
            <select id="kind" name="kind" required>\(options)</select>
            <label for="file">\(lang.t("CSVファイル（UTF-8、1行目は項目名）", "CSV file (UTF-8, first line = field names)"))</label>
            <input type="file" id="file" name="file" accept=".csv,text/csv" required aria-describedby="file-hint">
            <p class="hint" id="file-hint">\(lang.t(
                "見本: certs/examples/<種類>.csv。誤りのある行は行番号とともに表示され、他の行は発行されます。",
                "Examples: certs/examples/<kind>.csv. A row with problems is shown with its line number; the other rows are issued."))</p>
            <button type="submit">\(lang.t("一括発行を開始", "Start the batch"))</button>
            </form>
            """
        return Layout.page(lang.t("一括発行（CSV）", "Batch issue (CSV)"), lang, session, section: .batch, body: body)
    }

    /// A batch's progress, then its result: the failed rows a page at a time
    /// (a batch may keep a thousand of them) and the link to print everything issued.
    static func progress(_ job: BatchJobs.Job, kindLabel: String, requestedPage: Int, _ lang: UILanguage, _ session: Session) -> HTML {
        let finished = job.finishedAt != nil
        let perPage = 100
        let kept = job.failures.count
        let lastPage = max(0, (kept - 1) / perPage)
        let page = min(requestedPage, lastPage)
        let shown = job.failures[min(kept, page * perPage)..<min(kept, page * perPage + perPage)]
        let failures: [HTML] = shown.map { f in
            let text = f.problems.isEmpty ? (f.message ?? "") : f.problems.map { "\($0.field): \(lang.t($0.ja, $0.en))" }.joined(separator: " / ")
            return "<tr><td>\(f.line)</td><td>\(text)</td></tr>"
        }
        let (first, last) = (page * perPage + 1, page * perPage + shown.count)
        let pager: HTML =
            kept <= perPage
            ? ""
            : """
            <p class="pager">\(lang.t("\(first)〜\(last)件目（保持 \(kept)件中）", "Rows \(first)–\(last) of \(kept) kept"))\
            \(page > 0 ? HTML("<a class=\"button secondary\" href=\"/batch/\(job.id)?page=\(page - 1)\">\(lang.t("前へ", "Previous"))</a>") : "")\
            \(page < lastPage ? HTML("<a class=\"button secondary\" href=\"/batch/\(job.id)?page=\(page + 1)\">\(lang.t("次へ", "Next"))</a>") : "")</p>
            """
        let notKept: HTML =
            job.failuresNotKept == 0
            ? ""
            : """
            <p class="hint">\(lang.t(
                "ほかに\(job.failuresNotKept)行のエラーがあります（詳細は最初の\(kept)行分のみ保持）。CSVを直して、エラーの行だけ再送信してください。",
                "\(job.failuresNotKept) more rows failed (details are kept for the first \(kept) only). Fix the CSV and resubmit the failed rows."))</p>
            """
        let failureTable: HTML =
            failures.isEmpty
            ? ""
            : """
            <h2>\(lang.t("エラーのあった行", "Rows with problems")) (\(job.failedCount))</h2>
            \(notKept)\(pager)
            <table class="list"><thead><tr>\(Layout.columns(lang.t("行", "Line"), lang.t("内容", "Problem")))</tr></thead><tbody>\(failures)</tbody></table>
            """
        let rate: HTML = job.ratePerSecond.map { HTML(trusted: String(format: lang.t("（%.1f 件/秒）", " (%.1f certificates/s)"), $0)) } ?? ""
        let (issued, failed) = (job.issued.count, job.failedCount)
        let status: HTML =
            finished
            ? "<div class=\"notice\" role=\"status\"><p>\(lang.t("完了: 発行 \(issued) 件、エラー \(failed) 件", "Finished: \(issued) issued, \(failed) failed"))\(rate)</p></div>"
            : "<p role=\"status\">\(lang.t("処理中です。この画面は自動で更新されます。", "Working; this page refreshes by itself."))</p>"
        let printLink: HTML =
            finished && issued > 0
            ? "<a class=\"button\" href=\"/batch/\(job.id)/print\">\(lang.t("まとめて印刷（\(issued)枚）", "Print all (\(issued) pages)"))</a>" : ""
        let body: HTML = """
            \(status)
            <div class="card"><label for="p">\(lang.t("進捗", "Progress")): \(job.done) / \(job.total)</label>
            <progress id="p" max="\(job.total)" value="\(job.done)">\(job.done) / \(job.total)</progress></div>
            \(printLink)
            \(failureTable)
            """
        // Reloaded every second until the batch is done.
        return Layout.page(lang.t("一括発行", "Batch") + " — " + kindLabel, lang, session, section: .batch, refresh: !finished, body: body)
    }
}
