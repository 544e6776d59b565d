import Accounts
import Certificates
import Foundation
import Issuance
import TransparencyLog

/// One certificate in a list, as the handler found it: the kind's label (in
/// the page's language) and who issued it already looked up.
struct CertificateRow {
    let serial: String
    let kind: String
    let issuedAt: Date
    let issuedBy: String
    let logIndex: UInt64
}

/// The log's witnesses at a glance: who cosigned last, who is failing and
/// why, and how many recorded entries wait for a cosigned checkpoint.
struct WitnessOverview {
    let witnesses: [WitnessHealth]
    /// How the quorum reads for people, e.g. "2 of 3".
    let quorum: String
    /// The size of the published (cosigned) checkpoint.
    let published: UInt64
    /// The size the log has signed, published or not.
    let signed: UInt64

    /// Something the clerk should know before issuing.
    var needsAttention: Bool { signed > published || witnesses.contains { $0.lastError != nil } }
}

/// What the home page shows; each part is there only when the role may see it.
struct Dashboard {
    struct Today {
        let total: Int
        let perKind: [(label: String, count: Int)]
        let recent: [CertificateRow]
    }

    var witnesses: WitnessOverview?
    /// Roles that issue or search.
    var today: Today?
    /// Roles that read the audit trail.
    var audit: AuditTrail.ChainReport?
}

/// What a search asked for, as typed (empty: not given).
struct CertificateSearch {
    let text: String, serial: String, kind: String, from: String, until: String

    var isEmpty: Bool { [text, serial, kind, from, until].allSatisfy(\.isEmpty) }
}

/// The dashboard, search and a certificate's details.
enum CertificatePages {
    static func dashboard(_ dashboard: Dashboard, _ lang: UILanguage, _ session: Session) -> HTML {
        var body: HTML = ""
        // The witnesses first when something is wrong (the clerk should know
        // before issuing), after the day's work otherwise.
        let witnessing: HTML = dashboard.witnesses.map { witnessCard($0, lang) } ?? ""
        let witnessingFirst = dashboard.witnesses?.needsAttention ?? false
        if witnessingFirst { body += witnessing }
        if let today = dashboard.today {
            let perKind: [HTML] = today.perKind.map { "<li>\($0.label): \($0.count)</li>" }
            body += """
                <div class="card"><p>\(lang.t("本日の発行件数", "Issued today"))</p><p class="stat">\(today.total)</p><ul>\(perKind)</ul>
                \(session.user.role.may(.issue) ? HTML("<a class=\"button\" href=\"/issue\">\(lang.t("証明書を発行する", "Issue a certificate"))</a>") : "")</div>
                <h2>\(lang.t("本日の発行", "Today's issuances"))</h2>
                \(table(today.recent, lang))
                """
        }
        if !witnessingFirst { body += witnessing }
        if let report = dashboard.audit {
            body += """
                <div class="card"><p>\(lang.t("監査記録", "Audit trail")): \(report.events) \(lang.t("件", "events")) — \
                \(report.intact
                    ? lang.t("改ざんなし（ハッシュ連鎖を検証済み）", "intact (hash chain verified)") : lang.t("連鎖が壊れています", "BROKEN chain"))</p>
                <a class="button" href="/audit">\(lang.t("監査記録を見る", "Open the audit trail"))</a></div>
                """
        }
        return Layout.page(lang.t("ホーム", "Home"), lang, session, section: .dashboard, body: body)
    }

    static func witnessCard(_ overview: WitnessOverview, _ lang: UILanguage) -> HTML {
        let (published, signed) = (overview.published, overview.signed)
        let items: [HTML] = overview.witnesses.map { w in
            let state: HTML =
                if w.lastError != nil { "<span class=\"bad\">\(lang.t("応答なし・拒否", "failing"))</span>" } else if w.size == 0 {
                    "<span>\(lang.t("未依頼", "not asked yet"))</span>"
                } else { "<span class=\"ok\">\(lang.t("署名済み", "cosigning"))</span>" }
            let size: HTML = w.size > 0 ? " — \(lang.t("最後に署名した台帳: \(w.size) 件", "last cosigned size \(w.size)"))" : ""
            let reason: HTML = w.lastError.map { "<br><small class=\"reason\">\($0)</small>" } ?? ""
            return "<li><strong>\(w.name)</strong>: \(state)\(size)\(reason)</li>"
        }
        let waiting: HTML =
            signed > published
            ? """
            <p class="bad">\(lang.t(
                "立会人の署名待ちの記録: \(signed - published) 件（立会人の復旧後に公開されます）",
                "\(signed - published) recorded entries wait for cosignatures (published once the witnesses are back)"))</p>
            """
            : ""
        return """
            <div class="card witnesses"><h2>\(lang.t("台帳の立会人（近隣自治体）", "Log witnesses (neighbouring municipalities)"))</h2>
            <p>\(lang.t(
                "公開には \(overview.quorum) の署名が必要です。公開済みの台帳: \(published) 件",
                "Publishing needs cosignatures from \(overview.quorum). Published log size: \(published)"))</p>
            \(waiting)
            <ul>\(items)</ul></div>
            """
    }

    /// The search form, filled in with `query`, and the results when there was a search.
    static func search(_ query: CertificateSearch, kinds: [CertificateKind], results: [CertificateRow]?, _ lang: UILanguage, _ session: Session) -> HTML {
        let found: HTML = results.map { "<h2>\(lang.t("検索結果", "Results")) (\($0.count))</h2>" + table($0, lang) } ?? ""
        let kindOptions: [HTML] =
            [HTML("<option value=\"\">\(lang.t("すべて", "All"))</option>")]
            + kinds.map {
                "<option value=\"\($0.id)\"\($0.id == query.kind ? HTML(" selected") : "")>\(lang == .ja ? $0.label.ja : $0.label.en)</option>"
            }
        let body: HTML = """
            <form method="get" action="/certificates" class="card" role="search">
            <div class="filters">
            <div><label for="q">\(lang.t("氏名・住所など", "Name, address, …"))</label><input type="search" id="q" name="q" value="\(query.text)"></div>
            <div><label for="serial">\(lang.t("証明書番号", "Serial"))</label><input type="text" id="serial" name="serial" value="\(query.serial)" class="mono"></div>
            <div><label for="kind">\(lang.t("種類", "Kind"))</label><select id="kind" name="kind">\(kindOptions)</select></div>
            <div><label for="from">\(lang.t("発行日（から）", "Issued from"))</label><input type="date" id="from" name="from" value="\(query.from)"></div>
            <div><label for="until">\(lang.t("発行日（まで）", "Issued until"))</label><input type="date" id="until" name="until" value="\(query.until)"></div>
            </div>
            <button type="submit">\(lang.t("検索", "Search"))</button>
            </form>
            <p class="hint">\(lang.t(
                "検索は発行元の非公開データベースだけを対象とし、検索した記録は監査記録に残ります。",
                "Search covers the issuer's private database only, and every search is recorded in the audit trail."))</p>
            \(found)
            """
        return Layout.page(lang.t("証明書の検索・再印刷", "Search & reprint"), lang, session, section: .search, body: body)
    }

    /// One certificate: its status, its fields, reprint and QR links, and
    /// for a role that may, revocation and reissue while it is valid.
    static func detail(
        _ stored: StoredCertificate, _ certificate: IssuedCertificate, state: CertificateState?, kindLabel: String, issuedBy: String,
        _ lang: UILanguage, _ session: Session
    ) -> HTML {
        let language: Language = lang == .ja ? .ja : .en
        let banner: HTML =
            statusText(state, lang).map { "<div class=\"errors\" role=\"status\"><p><strong>\($0)</strong></p></div>" }
            ?? "<div class=\"notice\" role=\"status\"><p>\(lang.t("有効（失効・置き換えなし）", "Valid (not revoked or superseded)"))</p></div>"
        let actions: HTML = state == nil && session.user.role.may(.revoke) ? revocationForms(stored.serial, lang, session) : ""
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
            <dt>\(lang.t("種類", "Kind"))</dt><dd>\(kindLabel)</dd>
            <dt>\(lang.t("発行日時", "Issued"))</dt><dd>\(Layout.date(stored.issuedAt, lang))</dd>
            \(expires)
            <dt>\(lang.t("発行者", "Issued by"))</dt><dd>\(issuedBy)</dd>
            <dt>\(lang.t("台帳記録", "Log entry"))</dt><dd>#\(stored.logIndex)</dd>
            \(rows)
            </dl></div>
            <a class="button" href="/certificates/\(stored.serial)/print">\(lang.t("再印刷する", "Reprint"))</a>
            <a class="button secondary" href="/certificates/\(stored.serial)/qr.png" download="\(stored.serial).png">\(lang.t("QRコード画像", "QR image"))</a>
            <p class="hint">\(lang.t(
                "再印刷しても同じ証明書です（新しい証明書は発行されません）。", "A reprint is the same certificate; no new certificate is issued."))</p>
            \(actions)
            """
        return Layout.page(certificate.kind.label.text(language), lang, session, section: .search, body: body)
    }

    static func revocationForms(_ serial: String, _ lang: UILanguage, _ session: Session) -> HTML {
        let reasons: [HTML] = LogEntry.RevocationReason.allCases.map { r in
            let label: String =
                switch r {
                case .error: lang.t("誤発行", "Issued in error")
                case .moved: lang.t("転出等による変更", "Resident moved")
                case .ended: lang.t("関係の解消", "Ended")
                case .other: lang.t("その他", "Other")
                }
            return "<option value=\"\(r.rawValue)\">\(label)</option>"
        }
        return """
            <h2>\(lang.t("失効・再発行（管理職員）", "Revoke or reissue (supervisors)"))</h2>
            <form method="post" action="/certificates/\(serial)/revoke" class="card">
            \(Layout.csrfField(session))
            <label for="reason">\(lang.t("失効の理由", "Reason"))</label><select id="reason" name="reason" required>\(reasons)</select>
            <p class="hint">\(lang.t("失効は台帳に記録され、取り消せません。", "A revocation is recorded in the log and cannot be undone."))</p>
            <button type="submit" class="danger">\(lang.t("失効させる", "Revoke"))</button>
            </form>
            <form method="post" action="/certificates/\(serial)/reissue" class="card">
            \(Layout.csrfField(session))
            <p>\(lang.t(
                "同じ内容で新しい証明書を発行し、この証明書を置き換えます（旧証明書は「置き換え済み」になります）。",
                "Issue a new certificate with the same fields; this one becomes superseded."))</p>
            <button type="submit" class="secondary">\(lang.t("再発行（置き換え）", "Reissue (supersede)"))</button>
            </form>
            """
    }

    static func table(_ certificates: [CertificateRow], _ lang: UILanguage) -> HTML {
        guard !certificates.isEmpty else { return "<p>\(lang.t("該当する証明書はありません。", "No certificates found."))</p>" }
        let rows: [HTML] = certificates.map { c in
            """
            <tr><td class="mono"><a href="/certificates/\(c.serial)">\(c.serial)</a></td><td>\(c.kind)</td>\
            <td>\(Layout.date(c.issuedAt, lang))</td><td class="wide">\(c.issuedBy)</td><td class="wide">#\(c.logIndex)</td>\
            <td><a href="/certificates/\(c.serial)/print">\(lang.t("印刷", "Print"))</a></td></tr>
            """
        }
        return """
            <div class="scroll"><table class="list"><thead><tr>\
            <th scope="col">\(lang.t("証明書番号", "Serial"))</th><th scope="col">\(lang.t("種類", "Kind"))</th>\
            <th scope="col">\(lang.t("発行日時", "Issued"))</th><th scope="col" class="wide">\(lang.t("発行者", "Issued by"))</th>\
            <th scope="col" class="wide">\(lang.t("台帳", "Log"))</th><th scope="col"><span class="skip">\(lang.t("操作", "Actions"))</span></th>\
            </tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    /// The status as a clerk reads it, or nil while the certificate is valid.
    static func statusText(_ state: CertificateState?, _ lang: UILanguage) -> String? {
        func day(_ at: Int64) -> String { Layout.date(Date(timeIntervalSince1970: TimeInterval(at)), lang, time: false) }
        switch state {
        case nil: return nil
        case .revoked(let reason, let at)?:
            let why: String =
                switch reason {
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
}
