import Accounts
import Certificates
import Foundation
import Hummingbird
import Issuance
import MultipartKit

/// CSV batches for supervisors: upload → progress with per-row problems →
/// one multi-page print of everything issued.
struct BatchRoutes {
    let state: ServiceState

    func register(on router: RouterGroup<AppContext>) {
        router.get("batch", use: form)
        router.post("batch", use: upload)
        router.get("batch/:id", use: progress)
        router.get("batch/:id/print", use: print)
    }

    struct Upload: Decodable {
        let _csrf: String
        let kind: String
        let file: String
    }

    func renderForm(_ context: AppContext, _ session: Session, error: String? = nil) -> HTML {
        let lang = context.language
        let options: [HTML] = state.registry.kinds.map { "<option value=\"\($0.id)\">\(lang == .ja ? $0.label.ja : $0.label.en)</option>" }
        let errorHTML: HTML = error.map { "<div class=\"errors\" role=\"alert\"><p>\($0)</p></div>" } ?? ""
        let body: HTML = """
            \(errorHTML)
            <form method="post" action="/batch" enctype="multipart/form-data" class="card">
            \(Authorization.csrfField(session))
            <label for="kind">\(lang.t("証明書の種類", "Kind"))</label>
            <select id="kind" name="kind" required>\(options)</select>
            <label for="file">\(lang.t("CSVファイル（UTF-8、1行目は項目名）", "CSV file (UTF-8, first line = field names)"))</label>
            <input type="file" id="file" name="file" accept=".csv,text/csv" required aria-describedby="file-hint">
            <p class="hint" id="file-hint">\(lang.t("見本: certs/examples/<種類>.csv。誤りのある行は行番号とともに表示され、他の行は発行されます。", "Examples: certs/examples/<kind>.csv. A row with problems is shown with its line number; the other rows are issued."))</p>
            <button type="submit">\(lang.t("一括発行を開始", "Start the batch"))</button>
            </form>
            """
        return Layout.page(lang.t("一括発行（CSV）", "Batch issue (CSV)"), context, section: .batch, body: body)
    }

    @Sendable func form(_ request: Request, context: AppContext) async throws -> Response {
        switch Authorization.session(context, may: .batch) {
        case .success(let session): return Layout.response(renderForm(context, session))
        case .failure(let d): return d.response
        }
    }

    @Sendable func upload(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .batch) { case .success(let s): session = s; case .failure(let d): return d.response }
        let lang = context.language
        guard let contentType = request.headers[.contentType], let boundary = Self.boundary(contentType) else {
            return Layout.response(renderForm(context, session, error: lang.t("ファイルを選んで送信してください。", "Choose a file and submit the form.")), status: .badRequest)
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let upload: Upload
        do {
            upload = try FormDataDecoder().decode(Upload.self, from: body, boundary: boundary)
        } catch {
            return Layout.response(renderForm(context, session, error: lang.t("フォームを読み取れません。種類とCSVファイルを指定してください。", "Could not read the form; give a kind and a CSV file.")), status: .badRequest)
        }
        guard AccountStore.constantTimeEquals(upload._csrf, session.csrfToken) else {
            return Layout.errorPage(context, status: .forbidden, ja: "不正なリクエストです（CSRF トークンが一致しません）。", en: "Rejected: the CSRF token does not match.")
        }
        guard state.registry.kind(upload.kind) != nil else {
            return Layout.response(renderForm(context, session, error: lang.t("その種類の証明書はありません。", "No such kind.")), status: .unprocessableContent)
        }
        let table: CSVTable
        do {
            var text = upload.file
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // Excel's UTF-8 BOM
            table = try CSVTable(text: text)
        } catch {
            return Layout.response(renderForm(context, session, error: "\(error)"), status: .unprocessableContent)
        }
        guard !table.rows.isEmpty else {
            return Layout.response(renderForm(context, session, error: lang.t("CSVにデータ行がありません。", "The CSV has no data rows.")), status: .unprocessableContent)
        }
        let limit = state.batches.limits.maxRows
        guard table.rows.count <= limit else {
            return Layout.response(renderForm(context, session, error: lang.t(
                "CSVのデータ行が多すぎます（\(table.rows.count)行、上限\(limit)行）。ファイルを分けて送信してください。",
                "The CSV has too many data rows (\(table.rows.count); at most \(limit)). Split the file.")), status: .contentTooLarge)
        }
        let id: String
        do {
            id = try await state.batches.create(kind: upload.kind, owner: session.user.login, fileName: "upload.csv", total: table.rows.count)
        } catch {
            var response = Layout.response(renderForm(context, session, error: lang.t(
                "ほかの一括発行が処理中です。しばらくしてから送信してください。", "Other batches are running; submit again in a while.")), status: .serviceUnavailable)
            response.headers[.retryAfter] = "30"
            return response
        }
        let rows = table.rows.map { row in
            (line: row.line, values: Dictionary(zip(table.header, row.values.map { InputValue.string($0) }), uniquingKeysWith: { a, _ in a }))
        }
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "batch.start", target: id, detail: "kind=\(upload.kind) rows=\(rows.count)", address: context.address)
        let issuer = state.issuer, batches = state.batches, actor = session.user.login, role = session.user.role.rawValue, address = context.address
        Task { await batches.run(id, rows: rows, kind: upload.kind, issuer: issuer, actor: actor, role: role, address: address) }
        return Layout.redirect("/batch/\(id)")
    }

    static func boundary(_ contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for part in contentType.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces)
            if kv.lowercased().hasPrefix("boundary=") {
                return String(kv.dropFirst(9)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    @Sendable func progress(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .batch) { case .success(let s): session = s; case .failure(let d): return d.response }
        let lang = context.language
        guard let job = await state.batches.job(context.parameters.get("id") ?? ""), job.owner == session.user.login || session.user.role == .admin else {
            return Layout.errorPage(context, status: .notFound, ja: "その一括発行はありません（サーバー再起動後は表示できません。発行済みの証明書は検索できます）。", en: "No such batch (batches are not shown after a restart; issued certificates can be searched).")
        }
        let finished = job.finishedAt != nil
        // Failed rows a page at a time: a batch may keep a thousand of them.
        let perPage = 100
        let kept = job.failures.count
        let lastPage = max(0, (kept - 1) / perPage)
        let page = min(AdminRoutes.pageNumber(request.uri.queryParameters.get("page")), lastPage)
        let shown = job.failures[min(kept, page * perPage)..<min(kept, page * perPage + perPage)]
        let failures: [HTML] = shown.map { f in
            let text = f.problems.isEmpty ? (f.message ?? "") : f.problems.map { "\($0.field): \(lang.t($0.ja, $0.en))" }.joined(separator: " / ")
            return "<tr><td>\(f.line)</td><td>\(text)</td></tr>"
        }
        let pager: HTML = kept <= perPage ? "" : """
            <p class="pager">\(lang.t("\(page * perPage + 1)〜\(page * perPage + shown.count)件目（保持 \(kept)件中）", "Rows \(page * perPage + 1)–\(page * perPage + shown.count) of \(kept) kept"))\
            \(page > 0 ? HTML("<a class=\"button secondary\" href=\"/batch/\(job.id)?page=\(page - 1)\">\(lang.t("前へ", "Previous"))</a>") : "")\
            \(page < lastPage ? HTML("<a class=\"button secondary\" href=\"/batch/\(job.id)?page=\(page + 1)\">\(lang.t("次へ", "Next"))</a>") : "")</p>
            """
        let notKept: HTML = job.failuresNotKept == 0 ? "" : """
            <p class="hint">\(lang.t("ほかに\(job.failuresNotKept)行のエラーがあります（詳細は最初の\(kept)行分のみ保持）。CSVを直して、エラーの行だけ再送信してください。", "\(job.failuresNotKept) more rows failed (details are kept for the first \(kept) only). Fix the CSV and resubmit the failed rows."))</p>
            """
        let failureTable: HTML = failures.isEmpty ? "" : """
            <h2>\(lang.t("エラーのあった行", "Rows with problems")) (\(job.failedCount))</h2>
            \(notKept)\(pager)
            <table class="list"><thead><tr><th scope="col">\(lang.t("行", "Line"))</th><th scope="col">\(lang.t("内容", "Problem"))</th></tr></thead><tbody>\(failures)</tbody></table>
            """
        let rate: HTML = job.ratePerSecond.map { HTML(trusted: String(format: lang.t("（%.1f 件/秒）", " (%.1f certificates/s)"), $0)) } ?? ""
        let status: HTML = finished
            ? "<div class=\"notice\" role=\"status\"><p>\(lang.t("完了: 発行 \(job.issued.count) 件、エラー \(job.failedCount) 件", "Finished: \(job.issued.count) issued, \(job.failedCount) failed"))\(rate)</p></div>"
            : "<p role=\"status\">\(lang.t("処理中です。この画面は自動で更新されます。", "Working; this page refreshes by itself."))</p>"
        let printLink: HTML = finished && !job.issued.isEmpty ? "<a class=\"button\" href=\"/batch/\(job.id)/print\">\(lang.t("まとめて印刷（\(job.issued.count)枚）", "Print all (\(job.issued.count) pages)"))</a>" : ""
        let body: HTML = """
            \(status)
            <div class="card"><label for="p">\(lang.t("進捗", "Progress")): \(job.done) / \(job.total)</label>
            <progress id="p" max="\(job.total)" value="\(job.done)">\(job.done) / \(job.total)</progress></div>
            \(printLink)
            \(failureTable)
            """
        var html = Layout.page(lang.t("一括発行", "Batch") + " — " + (state.registry.kind(job.kind).map { lang == .ja ? $0.label.ja : $0.label.en } ?? job.kind), context, section: .batch, body: body)
        if !finished {
            html = HTML(trusted: html.text.replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"1\">"))
        }
        return Layout.response(html)
    }

    @Sendable func print(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .batch) { case .success(let s): session = s; case .failure(let d): return d.response }
        guard let job = await state.batches.job(context.parameters.get("id") ?? ""), job.finishedAt != nil, job.owner == session.user.login || session.user.role == .admin else {
            return Layout.errorPage(context, status: .notFound, ja: "その一括発行はありません。", en: "No such batch.")
        }
        var certificates: [IssuedCertificate] = []
        for serial in job.issued {
            if let stored = try state.archive.certificate(serial: serial) { certificates.append(try await state.archive.reissued(stored)) }
        }
        certificates.sort { $0.receipt.index < $1.receipt.index }
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "print", target: job.id, detail: "batch pages=\(certificates.count)", address: context.address)
        return try CertificatePrint.batchResponse(certificates, issuerName: state.authorityName, title: "一括発行 \(job.id)", back: "/batch/\(job.id)")
    }
}
