import Accounts
import Certificates
import Foundation
import Hummingbird
import Issuance
import QRCode
import TransparencyLog

/// The dashboard, search (from the private database — never the public log),
/// a certificate's details, and printing/reprinting it.
struct CertificateRoutes {
    let state: ServiceState

    func register(on router: RouterGroup<AppContext>) {
        router.get("", use: dashboard)
        router.get("certificates", use: search)
        router.get("certificates/:serial", use: detail)
        router.get("certificates/:serial/print", use: print)
        router.get("certificates/:serial/qr.png", use: qrImage)
        router.get("certificates/:serial/qr.svg", use: qrImage)
        router.post("certificates/:serial/revoke", use: revoke)
        router.post("certificates/:serial/reissue", use: reissue)
    }

    /// The status as a clerk reads it, or nil while the certificate is valid.
    static func statusText(_ state: CertificateState?, _ lang: UILanguage) -> String? {
        func day(_ at: Int64) -> String { Layout.date(Date(timeIntervalSince1970: TimeInterval(at)), lang, time: false) }
        switch state {
        case nil: return nil
        case .revoked(let reason, let at)?:
            let why: String = switch reason {
            case .error: lang.t("誤発行", "issued in error")
            case .moved: lang.t("転出等による記載事項の変更", "the resident moved")
            case .ended: lang.t("関係の解消", "ended")
            case .other: lang.t("その他", "other")
            }
            return lang.t("\(day(at))に失効しました（理由: \(why)）", "Revoked on \(day(at)) (reason: \(why))")
        case .superseded(let successor, _, let at)?:
            return lang.t("\(day(at))に新しい証明書 \(successor) に置き換えられました", "Superseded by \(successor) on \(day(at))")
        }
    }

    @Sendable func revoke(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .revoke) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        let serial = context.parameters.get("serial") ?? ""
        guard let reason = LogEntry.RevocationReason(rawValue: form["reason"] ?? "") else {
            return Layout.errorPage(context, status: .badRequest, ja: "失効の理由を選んでください。", en: "Choose a reason.")
        }
        let actor = session.user.login, role = session.user.role.rawValue, address = context.address
        do {
            try await state.lifecycle.revoke(serial: serial, reason: reason) { db, index in
                try AuditTrail.record(in: db, actor: actor, role: role, action: "revoke", target: serial.uppercased(), detail: "ui reason=\(reason.rawValue) log=\(index)", address: address)
            }
        } catch let error as CertificateError {
            return Layout.errorPage(context, status: .conflict, ja: error.reason, en: error.reason)
        }
        return Layout.redirect("/certificates/\(serial.uppercased())")
    }

    @Sendable func reissue(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .revoke) { case .success(let s): session = s; case .failure(let d): return d.response }
        let form = try await FormData.read(request)
        if let denied = Authorization.csrfFailure(form, session, context) { return denied }
        let serial = context.parameters.get("serial") ?? ""
        let actor = session.user.login, role = session.user.role.rawValue, address = context.address
        do {
            let (_, new) = try await state.lifecycle.reissue(serial: serial, issuedBy: actor) { db, index in
                try AuditTrail.record(in: db, actor: actor, role: role, action: "supersede", target: serial.uppercased(), detail: "ui log=\(index)", address: address)
            }
            return Layout.redirect("/certificates/\(new.claims.serialText)/print?issued=1")
        } catch let error as CertificateError {
            return Layout.errorPage(context, status: .conflict, ja: error.reason, en: error.reason)
        }
    }

    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    static func startOfToday(_ now: Date = Date()) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tokyo
        return calendar.startOfDay(for: now)
    }

    func kindLabel(_ id: String, _ lang: UILanguage) -> String {
        state.registry.kind(id).map { lang == .ja ? $0.label.ja : $0.label.en } ?? id
    }

    func table(_ certificates: [StoredCertificate], _ lang: UILanguage) -> HTML {
        guard !certificates.isEmpty else { return "<p>\(lang.t("該当する証明書はありません。", "No certificates found."))</p>" }
        let rows: [HTML] = certificates.map { c in
            """
            <tr><td class="mono"><a href="/certificates/\(c.serial)">\(c.serial)</a></td><td>\(kindLabel(c.kind, lang))</td>\
            <td>\(Layout.date(c.issuedAt, lang))</td><td class="wide">\(staffName(c.issuedBy))</td><td class="wide">#\(c.logIndex)</td>\
            <td><a href="/certificates/\(c.serial)/print">\(lang.t("印刷", "Print"))</a></td></tr>
            """
        }
        return """
            <div class="scroll"><table class="list"><thead><tr><th scope="col">\(lang.t("証明書番号", "Serial"))</th><th scope="col">\(lang.t("種類", "Kind"))</th>\
            <th scope="col">\(lang.t("発行日時", "Issued"))</th><th scope="col" class="wide">\(lang.t("発行者", "Issued by"))</th><th scope="col" class="wide">\(lang.t("台帳", "Log"))</th><th scope="col"><span class="skip">\(lang.t("操作", "Actions"))</span></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    /// The display name of who issued (a login or `token:NAME`), for people.
    func staffName(_ issuedBy: String?) -> String {
        guard let issuedBy else { return "-" }
        if issuedBy.hasPrefix("token:") { return "API (\(issuedBy.dropFirst(6)))" }
        return (try? state.accounts.user(login: issuedBy))?.displayName ?? issuedBy
    }

    @Sendable func dashboard(_ request: Request, context: AppContext) async throws -> Response {
        guard let session = context.identity?.session else { return Layout.redirect("/login") }
        let lang = context.language
        let role = session.user.role
        var body: HTML = ""
        // The witnesses first when something is wrong (the clerk should know
        // before issuing), after the day's work otherwise.
        var witnessing: HTML = ""
        var witnessingFirst = false
        if let witnesses = await state.witnessing.current() {
            witnessing = try await witnessCard(witnesses, lang)
            let waiting = await state.log.signedTreeHead.checkpoint.size > state.log.checkpoint.checkpoint.size
            witnessingFirst = waiting || witnesses.contains { $0.lastError != nil }
        }
        if witnessingFirst { body += witnessing }
        if role.may(.search) || role.may(.issue) {
            let today = Self.startOfToday()
            let counts = try state.archive.counts(from: today, until: today.addingTimeInterval(86_400))
            let total = counts.values.reduce(0, +)
            let perKind: [HTML] = state.registry.kinds.map { "<li>\(kindLabel($0.id, lang)): \(counts[$0.id] ?? 0)</li>" }
            let recent = try state.archive.search(.init(issuedFrom: today, limit: 20))
            body += """
                <div class="card"><p>\(lang.t("本日の発行件数", "Issued today"))</p><p class="stat">\(total)</p><ul>\(perKind)</ul>
                \(role.may(.issue) ? HTML("<a class=\"button\" href=\"/issue\">\(lang.t("証明書を発行する", "Issue a certificate"))</a>") : "")</div>
                <h2>\(lang.t("本日の発行", "Today's issuances"))</h2>
                \(table(recent, lang))
                """
        }
        if !witnessingFirst { body += witnessing }
        if role.may(.audit) {
            let report = try state.audit.verify()
            body += """
                <div class="card"><p>\(lang.t("監査記録", "Audit trail")): \(report.events) \(lang.t("件", "events")) — \
                \(report.intact ? lang.t("改ざんなし（ハッシュ連鎖を検証済み）", "intact (hash chain verified)") : lang.t("連鎖が壊れています", "BROKEN chain"))</p>
                <a class="button" href="/audit">\(lang.t("監査記録を見る", "Open the audit trail"))</a></div>
                """
        }
        return Layout.response(Layout.page(lang.t("ホーム", "Home"), context, section: .dashboard, body: body))
    }

    /// The log's witnesses at a glance: who cosigned last, who is failing and
    /// why, and how many recorded entries wait for a cosigned checkpoint.
    func witnessCard(_ witnesses: [WitnessHealth], _ lang: UILanguage) async throws -> HTML {
        let quorum = await state.witnessing.quorum ?? ""
        let published = await state.log.checkpoint.checkpoint.size
        let signed = await state.log.signedTreeHead.checkpoint.size
        let items: [HTML] = witnesses.map { w in
            let state: HTML =
                if w.lastError != nil { "<span class=\"bad\">\(lang.t("応答なし・拒否", "failing"))</span>" }
                else if w.size == 0 { "<span>\(lang.t("未依頼", "not asked yet"))</span>" }
                else { "<span class=\"ok\">\(lang.t("署名済み", "cosigning"))</span>" }
            let size: HTML = w.size > 0 ? " — \(lang.t("最後に署名した台帳: \(w.size) 件", "last cosigned size \(w.size)"))" : ""
            let reason: HTML = w.lastError.map { "<br><small class=\"reason\">\($0)</small>" } ?? ""
            return "<li><strong>\(w.name)</strong>: \(state)\(size)\(reason)</li>"
        }
        let waiting: HTML = signed > published
            ? "<p class=\"bad\">\(lang.t("立会人の署名待ちの記録: \(signed - published) 件（立会人の復旧後に公開されます）", "\(signed - published) recorded entries wait for cosignatures (published once the witnesses are back)"))</p>"
            : ""
        return """
            <div class="card witnesses"><h2>\(lang.t("台帳の立会人（近隣自治体）", "Log witnesses (neighbouring municipalities)"))</h2>
            <p>\(lang.t("公開には \(quorum) の署名が必要です。公開済みの台帳: \(published) 件", "Publishing needs cosignatures from \(quorum). Published log size: \(published)"))</p>
            \(waiting)
            <ul>\(items)</ul></div>
            """
    }

    @Sendable func search(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .search) { case .success(let s): session = s; case .failure(let d): return d.response }
        let lang = context.language
        let q = FormData.query(request)
        let text = q["q"] ?? "", serial = q["serial"] ?? "", kind = q["kind"] ?? "", from = q["from"] ?? "", until = q["until"] ?? ""
        let searched = [text, serial, kind, from, until].contains { !$0.isEmpty }
        var results: HTML = ""
        if searched {
            let found = try state.archive.search(.init(
                text: text, serial: serial, kind: kind, issuedFrom: Self.day(from), issuedUntil: Self.day(until).map { $0.addingTimeInterval(86_400) }))
            try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "search",
                detail: "q=\(text) serial=\(serial) kind=\(kind) from=\(from) until=\(until) results=\(found.count)", address: context.address)
            results = "<h2>\(lang.t("検索結果", "Results")) (\(found.count))</h2>" + table(found, lang)
        }
        let kindOptions: [HTML] = [HTML("<option value=\"\">\(lang.t("すべて", "All"))</option>")] + state.registry.kinds.map {
            "<option value=\"\($0.id)\"\($0.id == kind ? HTML(" selected") : "")>\(kindLabel($0.id, lang))</option>"
        }
        let body: HTML = """
            <form method="get" action="/certificates" class="card" role="search">
            <div class="filters">
            <div><label for="q">\(lang.t("氏名・住所など", "Name, address, …"))</label><input type="search" id="q" name="q" value="\(text)"></div>
            <div><label for="serial">\(lang.t("証明書番号", "Serial"))</label><input type="text" id="serial" name="serial" value="\(serial)" class="mono"></div>
            <div><label for="kind">\(lang.t("種類", "Kind"))</label><select id="kind" name="kind">\(kindOptions)</select></div>
            <div><label for="from">\(lang.t("発行日（から）", "Issued from"))</label><input type="date" id="from" name="from" value="\(from)"></div>
            <div><label for="until">\(lang.t("発行日（まで）", "Issued until"))</label><input type="date" id="until" name="until" value="\(until)"></div>
            </div>
            <button type="submit">\(lang.t("検索", "Search"))</button>
            </form>
            <p class="hint">\(lang.t("検索は発行元の非公開データベースだけを対象とし、検索した記録は監査記録に残ります。", "Search covers the issuer's private database only, and every search is recorded in the audit trail."))</p>
            \(results)
            """
        return Layout.response(Layout.page(lang.t("証明書の検索・再印刷", "Search & reprint"), context, section: .search, body: body))
    }

    static func day(_ text: String) -> Date? {
        guard !text.isEmpty else { return nil }
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = tokyo
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: text)
    }

    func load(_ context: AppContext) async throws -> (StoredCertificate, IssuedCertificate)? {
        guard let stored = try state.archive.certificate(serial: context.parameters.get("serial") ?? "") else { return nil }
        return (stored, try await state.archive.reissued(stored))
    }

    @Sendable func detail(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .search) { case .success(let s): session = s; case .failure(let d): return d.response }
        let lang = context.language
        let language: Language = lang == .ja ? .ja : .en
        guard let (stored, certificate) = try await load(context) else {
            return Layout.errorPage(context, status: .notFound, ja: "その証明書番号の証明書はありません。", en: "No certificate has that serial.")
        }
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "view", target: stored.serial, address: context.address)
        let current = try state.lifecycle.state(serial: stored.serial)
        let banner: HTML = Self.statusText(current, lang).map { "<div class=\"errors\" role=\"status\"><p><strong>\($0)</strong></p></div>" }
            ?? "<div class=\"notice\" role=\"status\"><p>\(lang.t("有効（失効・置き換えなし）", "Valid (not revoked or superseded)"))</p></div>"
        var actions: HTML = ""
        if current == nil && session.user.role.may(.revoke) {
            let reasons: [HTML] = LogEntry.RevocationReason.allCases.map { r in
                let label: String = switch r {
                case .error: lang.t("誤発行", "Issued in error")
                case .moved: lang.t("転出等による変更", "Resident moved")
                case .ended: lang.t("関係の解消", "Ended")
                case .other: lang.t("その他", "Other")
                }
                return "<option value=\"\(r.rawValue)\">\(label)</option>"
            }
            actions = """
                <h2>\(lang.t("失効・再発行（管理職員）", "Revoke or reissue (supervisors)"))</h2>
                <form method="post" action="/certificates/\(stored.serial)/revoke" class="card">
                \(Authorization.csrfField(session))
                <label for="reason">\(lang.t("失効の理由", "Reason"))</label><select id="reason" name="reason" required>\(reasons)</select>
                <p class="hint">\(lang.t("失効は台帳に記録され、取り消せません。", "A revocation is recorded in the log and cannot be undone."))</p>
                <button type="submit" class="danger">\(lang.t("失効させる", "Revoke"))</button>
                </form>
                <form method="post" action="/certificates/\(stored.serial)/reissue" class="card">
                \(Authorization.csrfField(session))
                <p>\(lang.t("同じ内容で新しい証明書を発行し、この証明書を置き換えます（旧証明書は「置き換え済み」になります）。", "Issue a new certificate with the same fields; this one becomes superseded."))</p>
                <button type="submit" class="secondary">\(lang.t("再発行（置き換え）", "Reissue (supersede)"))</button>
                </form>
                """
        }
        var rows: [HTML] = []
        for field in certificate.kind.fields {
            guard let value = certificate.claims.allFields[field.id] else { continue }
            rows.append("<dt>\(field.label.text(language))</dt><dd>\(value.display(field, language))</dd>")
        }
        let expires: HTML = stored.expiresAt.map { "<dt>\(lang.t("有効期限", "Valid until"))</dt><dd>\(Layout.date($0, lang))</dd>" } ?? ""
        let body: HTML = """
            \(banner)
            <div class="card"><dl class="preview">
            <dt>\(lang.t("証明書番号", "Serial"))</dt><dd class="mono">\(stored.serial)</dd>
            <dt>\(lang.t("種類", "Kind"))</dt><dd>\(kindLabel(stored.kind, lang))</dd>
            <dt>\(lang.t("発行日時", "Issued"))</dt><dd>\(Layout.date(stored.issuedAt, lang))</dd>
            \(expires)
            <dt>\(lang.t("発行者", "Issued by"))</dt><dd>\(staffName(stored.issuedBy))</dd>
            <dt>\(lang.t("台帳記録", "Log entry"))</dt><dd>#\(stored.logIndex)</dd>
            \(rows)
            </dl></div>
            <a class="button" href="/certificates/\(stored.serial)/print">\(lang.t("再印刷する", "Reprint"))</a>
            <a class="button secondary" href="/certificates/\(stored.serial)/qr.png" download="\(stored.serial).png">\(lang.t("QRコード画像", "QR image"))</a>
            <p class="hint">\(lang.t("再印刷しても同じ証明書です（新しい証明書は発行されません）。", "A reprint is the same certificate; no new certificate is issued."))</p>
            \(actions)
            """
        return Layout.response(Layout.page(certificate.kind.label.text(language), context, section: .search, body: body))
    }

    @Sendable func print(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .print) { case .success(let s): session = s; case .failure(let d): return d.response }
        guard let (stored, loaded) = try await load(context) else {
            return Layout.errorPage(context, status: .notFound, ja: "その証明書番号の証明書はありません。", en: "No certificate has that serial.")
        }
        let fresh = FormData.query(request)["issued"] == "1"
        var certificate = loaded
        if fresh { certificate.subjectSecrets = state.freshSecrets.take(serial: stored.serial, login: session.user.login) }
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: fresh ? "print" : "reprint", target: stored.serial, address: context.address)
        let stamp = Self.statusText(try state.lifecycle.state(serial: stored.serial), .ja).map { "この証明書は無効です — \($0)" }
        return try CertificatePrint.response(
            certificate, issuerName: state.authorityName, toolbar: true, back: fresh ? "/issue/\(stored.kind)" : "/certificates/\(stored.serial)", stamp: stamp)
    }

    @Sendable func qrImage(_ request: Request, context: AppContext) async throws -> Response {
        let session: Session
        switch Authorization.session(context, may: .print) { case .success(let s): session = s; case .failure(let d): return d.response }
        guard let (stored, certificate) = try await load(context) else {
            return Layout.errorPage(context, status: .notFound, ja: "その証明書番号の証明書はありません。", en: "No certificate has that serial.")
        }
        let svg = request.uri.path.hasSuffix(".svg")
        try state.audit.record(actor: session.user.login, role: session.user.role.rawValue, action: "print", target: stored.serial, detail: svg ? "qr.svg" : "qr.png", address: context.address)
        let code = try QRCode.encode(certificate.qrText)
        if svg {
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: code.svg())))
        }
        return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: try code.pngData())))
    }
}
