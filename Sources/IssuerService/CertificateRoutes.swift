import Accounts
import Certificates
import Foundation
import Hummingbird
import Issuance
import QRCode
import Store
import TransparencyLog

/// The dashboard, search (from the private database — never the public log),
/// a certificate's details, and printing/reprinting it.
struct CertificateRoutes {
    let state: ServiceState

    func register(on staff: RouterGroup<StaffContext>) {
        staff.get("", use: dashboard)
        staff.allowing(.search)
            .get("certificates", use: search)
            .get("certificates/:serial", use: detail)
        staff.allowing(.print)
            .get("certificates/:serial/print", use: print)
            .get("certificates/:serial/qr.png", use: qrImage)
            .get("certificates/:serial/qr.svg", use: qrImage)
        staff.allowing(.revoke)
            .post("certificates/:serial/revoke", use: revoke)
            .post("certificates/:serial/reissue", use: reissue)
    }

    @Sendable func revoke(_ request: Request, context: StaffContext) async throws -> Response {
        let form = try await context.postedForm(request)
        let serial = context.parameters.get("serial") ?? ""
        guard let reason = LogEntry.RevocationReason(rawValue: form["reason"] ?? "") else {
            return Layout.errorPage(context, status: .badRequest, ja: "失効の理由を選んでください。", en: "Choose a reason.")
        }
        let actor = context.login, role = context.role.rawValue, address = context.address
        do {
            try await state.lifecycle.revoke(
                serial: serial, reason: reason,
                audit: AuditNote(actor: actor, role: role, action: "revoke", detail: "ui reason=\(reason.rawValue)", address: address, at: Date()))
        } catch let error as CertificateError {
            return Layout.errorPage(context, status: .conflict, ja: error.reason, en: error.reason)
        }
        return Layout.redirect("/certificates/\(serial.uppercased())")
    }

    @Sendable func reissue(_ request: Request, context: StaffContext) async throws -> Response {
        _ = try await context.postedForm(request)
        let serial = context.parameters.get("serial") ?? ""
        let actor = context.login, role = context.role.rawValue, address = context.address
        do {
            let (_, new) = try await state.lifecycle.reissue(
                serial: serial, issuedBy: actor, audit: AuditNote(actor: actor, role: role, action: "supersede", detail: "ui", address: address, at: Date()))
            return Layout.redirect("/certificates/\(new.claims.serialText)/print?issued=1")
        } catch let error as CertificateError {
            return Layout.errorPage(context, status: .conflict, ja: error.reason, en: error.reason)
        }
    }

    @Sendable func dashboard(_ request: Request, context: StaffContext) async throws -> Response {
        let role = context.role
        var dashboard = Dashboard()
        if let witnesses = await state.witnessing.current() {
            dashboard.witnesses = WitnessOverview(
                witnesses: witnesses, quorum: await state.witnessing.quorum ?? "",
                published: await state.log.checkpoint.checkpoint.size, signed: await state.log.signedTreeHead.checkpoint.size)
        }
        if role.may(.search) || role.may(.issue) {
            let today = Self.startOfToday()
            let counts = try await state.archive.counts(from: today, until: today.addingTimeInterval(86_400))
            dashboard.today = Dashboard.Today(
                total: counts.values.reduce(0, +),
                perKind: state.registry.kinds.map { (kindLabel($0.id, context.language), counts[$0.id] ?? 0) },
                recent: try await rows(state.archive.search(.init(issuedFrom: today, limit: 20)), context.language))
        }
        if role.may(.audit) { dashboard.audit = try await state.audit.verify() }
        return Layout.response(CertificatePages.dashboard(dashboard, context.language, context.session))
    }

    @Sendable func search(_ request: Request, context: StaffContext) async throws -> Response {
        let q = FormData.query(request)
        let query = CertificateSearch(text: q["q"] ?? "", serial: q["serial"] ?? "", kind: q["kind"] ?? "", from: q["from"] ?? "", until: q["until"] ?? "")
        var results: [CertificateRow]?
        if !query.isEmpty {
            let found = try await state.archive.search(
                .init(
                    text: query.text, serial: query.serial, kind: query.kind,
                    issuedFrom: Self.day(query.from), issuedUntil: Self.day(query.until).map { $0.addingTimeInterval(86_400) }))
            try await state.audit.record(
                actor: context.login, role: context.role.rawValue, action: "search",
                detail: "q=\(query.text) serial=\(query.serial) kind=\(query.kind) from=\(query.from) until=\(query.until) results=\(found.count)",
                address: context.address)
            results = await rows(found, context.language)
        }
        return Layout.response(CertificatePages.search(query, kinds: state.registry.kinds, results: results, context.language, context.session))
    }

    @Sendable func detail(_ request: Request, context: StaffContext) async throws -> Response {
        let (stored, certificate) = try await load(context)
        try await state.audit.record(actor: context.login, role: context.role.rawValue, action: "view", target: stored.serial, address: context.address)
        let current = try await state.lifecycle.state(serial: stored.serial)
        return await Layout.response(
            CertificatePages.detail(
                stored, certificate, state: current, kindLabel: kindLabel(stored.kind, context.language), issuedBy: staffName(stored.issuedBy),
                context.language, context.session))
    }

    @Sendable func print(_ request: Request, context: StaffContext) async throws -> Response {
        let (stored, loaded) = try await load(context)
        var certificate = loaded
        let fresh = FormData.query(request)["issued"] == "1"
        if fresh { certificate.subjectSecrets = state.freshSecrets.take(serial: stored.serial, login: context.login) }
        try await state.audit.record(
            actor: context.login, role: context.role.rawValue, action: fresh ? "print" : "reprint", target: stored.serial, address: context.address)
        let stamp = await CertificatePages.statusText(try state.lifecycle.state(serial: stored.serial), .ja).map { "この証明書は無効です — \($0)" }
        return try CertificatePrint.response(
            certificate, issuerName: state.authorityName, toolbar: true, back: fresh ? "/issue/\(stored.kind)" : "/certificates/\(stored.serial)", stamp: stamp)
    }

    @Sendable func qrImage(_ request: Request, context: StaffContext) async throws -> Response {
        let (stored, certificate) = try await load(context)
        let svg = request.uri.path.hasSuffix(".svg")
        try await state.audit.record(
            actor: context.login, role: context.role.rawValue, action: "print", target: stored.serial, detail: svg ? "qr.svg" : "qr.png",
            address: context.address)
        let code = try QRCode.encode(certificate.qrText)
        if svg {
            return Response(
                status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: code.svg())))
        }
        return Response(
            status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: try code.pngData())))
    }

    // MARK: Gathering

    /// The certificate of the path's `{serial}`; the 404 page when there is none.
    func load(_ context: StaffContext) async throws -> (StoredCertificate, IssuedCertificate) {
        guard let stored = try await state.archive.certificate(serial: context.parameters.get("serial") ?? "") else {
            throw PageRefusal(Layout.errorPage(context, status: .notFound, ja: "その証明書番号の証明書はありません。", en: "No certificate has that serial."))
        }
        return (stored, try await state.archive.reissued(stored))
    }

    func rows(_ certificates: [StoredCertificate], _ lang: UILanguage) async -> [CertificateRow] {
        var rows: [CertificateRow] = []
        for c in certificates {
            rows.append(
                CertificateRow(
                    serial: c.serial, kind: kindLabel(c.kind, lang), issuedAt: c.issuedAt, issuedBy: await staffName(c.issuedBy), logIndex: c.logIndex))
        }
        return rows
    }

    func kindLabel(_ id: String, _ lang: UILanguage) -> String {
        state.registry.kind(id).map { lang == .ja ? $0.label.ja : $0.label.en } ?? id
    }

    /// The display name of who issued (a login or `token:NAME`), for people.
    func staffName(_ issuedBy: String?) async -> String {
        guard let issuedBy else { return "-" }
        if issuedBy.hasPrefix("token:") { return "API (\(issuedBy.dropFirst(6)))" }
        return (try? await state.accounts.user(login: issuedBy))?.displayName ?? issuedBy
    }

    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    static func startOfToday(_ now: Date = Date()) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tokyo
        return calendar.startOfDay(for: now)
    }

    /// A `yyyy-MM-dd` from a date field, as the start of that day in Tokyo.
    static func day(_ text: String) -> Date? {
        guard !text.isEmpty else { return nil }
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = tokyo
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: text)
    }
}
