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

    func register(on staff: RouterGroup<StaffContext>) {
        staff.allowing(.batch)
            .get("batch", use: form)
            .post("batch", use: upload)
            .get("batch/:id", use: progress)
            .get("batch/:id/print", use: print)
    }

    struct Upload: Decodable {
        let _csrf: String
        let kind: String
        let file: String
    }

    func formPage(_ context: StaffContext, error: String? = nil, status: HTTPResponse.Status) -> Response {
        Layout.response(BatchPages.form(kinds: state.registry.kinds, error: error, context.language, context.session), status: status)
    }

    @Sendable func form(_ request: Request, context: StaffContext) async throws -> Response {
        formPage(context, status: .ok)
    }

    @Sendable func upload(_ request: Request, context: StaffContext) async throws -> Response {
        let (lang, session) = (context.language, context.session)
        guard let contentType = request.headers[.contentType], let boundary = Self.boundary(contentType) else {
            return formPage(context, error: lang.t("ファイルを選んで送信してください。", "Choose a file and submit the form."), status: .badRequest)
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let upload: Upload
        do {
            upload = try FormDataDecoder().decode(Upload.self, from: body, boundary: boundary)
        } catch {
            return formPage(
                context, error: lang.t("フォームを読み取れません。種類とCSVファイルを指定してください。", "Could not read the form; give a kind and a CSV file."), status: .badRequest)
        }
        guard AccountStore.constantTimeEquals(upload._csrf, session.csrfToken) else {
            return Layout.errorPage(context, status: .forbidden, ja: "不正なリクエストです（CSRF トークンが一致しません）。", en: "Rejected: the CSRF token does not match.")
        }
        guard state.registry.kind(upload.kind) != nil else {
            return formPage(context, error: lang.t("その種類の証明書はありません。", "No such kind."), status: .unprocessableContent)
        }
        let table: CSVTable
        do {
            var text = upload.file
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // Excel's UTF-8 BOM
            table = try CSVTable(text: text)
        } catch {
            return formPage(context, error: "\(error)", status: .unprocessableContent)
        }
        guard !table.rows.isEmpty else {
            return formPage(context, error: lang.t("CSVにデータ行がありません。", "The CSV has no data rows."), status: .unprocessableContent)
        }
        let limit = state.batches.limits.maxRows
        guard table.rows.count <= limit else {
            return formPage(
                context,
                error: lang.t(
                    "CSVのデータ行が多すぎます（\(table.rows.count)行、上限\(limit)行）。ファイルを分けて送信してください。",
                    "The CSV has too many data rows (\(table.rows.count); at most \(limit)). Split the file."), status: .contentTooLarge)
        }
        let id: String
        do {
            id = try await state.batches.create(kind: upload.kind, owner: session.user.login, fileName: "upload.csv", total: table.rows.count)
        } catch {
            var response = formPage(
                context,
                error: lang.t(
                    "ほかの一括発行が処理中です。しばらくしてから送信してください。", "Other batches are running; submit again in a while."), status: .serviceUnavailable)
            response.headers[.retryAfter] = "30"
            return response
        }
        let rows = table.rows.map { row in
            (line: row.line, values: Dictionary(zip(table.header, row.values.map { InputValue.string($0) }), uniquingKeysWith: { a, _ in a }))
        }
        try await state.audit.record(
            actor: session.user.login, role: session.user.role.rawValue, action: "batch.start", target: id, detail: "kind=\(upload.kind) rows=\(rows.count)",
            address: context.address)
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

    @Sendable func progress(_ request: Request, context: StaffContext) async throws -> Response {
        guard let job = await job(context) else {
            return Layout.errorPage(
                context, status: .notFound, ja: "その一括発行はありません（サーバー再起動後は表示できません。発行済みの証明書は検索できます）。",
                en: "No such batch (batches are not shown after a restart; issued certificates can be searched).")
        }
        let kindLabel = state.registry.kind(job.kind).map { context.language == .ja ? $0.label.ja : $0.label.en } ?? job.kind
        let page = AdminRoutes.pageNumber(request.uri.queryParameters.get("page"))
        return Layout.response(BatchPages.progress(job, kindLabel: kindLabel, requestedPage: page, context.language, context.session))
    }

    @Sendable func print(_ request: Request, context: StaffContext) async throws -> Response {
        guard let job = await job(context), job.finishedAt != nil else {
            return Layout.errorPage(context, status: .notFound, ja: "その一括発行はありません。", en: "No such batch.")
        }
        var certificates: [IssuedCertificate] = []
        for serial in job.issued {
            if let stored = try await state.archive.certificate(serial: serial) { certificates.append(try await state.archive.reissued(stored)) }
        }
        certificates.sort { $0.receipt.index < $1.receipt.index }
        try await state.audit.record(
            actor: context.login, role: context.role.rawValue, action: "print", target: job.id, detail: "batch pages=\(certificates.count)",
            address: context.address)
        return try CertificatePrint.batchResponse(certificates, issuerName: state.authorityName, title: "一括発行 \(job.id)", back: "/batch/\(job.id)")
    }

    /// The batch of the path's `{id}`, when it is the clerk's own (an admin sees every batch).
    func job(_ context: StaffContext) async -> BatchJobs.Job? {
        guard let job = await state.batches.job(context.parameters.get("id") ?? ""), job.owner == context.login || context.role == .admin else { return nil }
        return job
    }
}
