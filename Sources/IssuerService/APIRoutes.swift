import Store
import Accounts
import Certificates
import Foundation
import Hummingbird
import Issuance
import QRCode
import StrictJSON
import TransparencyLog

/// `POST /api/v1/certificates` and the reads of one certificate, for the
/// municipality's resident system. Bearer tokens; each route's role is
/// checked by its group before the handler runs. Handlers throw ``APIError``
/// for every refusal and return the typed bodies of APITypes.swift.
struct APIRoutes {
    let state: ServiceState

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
            .add(middleware: APITokenMiddleware(accounts: state.accounts, cache: state.tokenCache))
            .add(middleware: RefusalMiddleware())
            .group(context: APIContext.self)
        api.allowing(.issue) { ("このトークンの役割（\($0.rawValue)）では発行できません", "the token's role (\($0.rawValue)) may not issue certificates") }
            .post("certificates", use: issue)
        api.allowing(.print) { _ in ("このトークンの役割では参照できません", "the token's role may not read certificates") }
            .get("certificates/:serial", use: read)
        api.allowing(.revoke) { _ in ("このトークンの役割では失効できません", "the token's role may not revoke certificates") }
            .post("certificates/:serial/revoke", use: revoke)
        api.allowing(.revoke) { _ in ("このトークンの役割では再発行できません", "the token's role may not reissue certificates") }
            .post("certificates/:serial/reissue", use: reissue)
    }

    /// `POST /api/v1/certificates/{serial}/revoke` with `{"reason": "error|moved|ended|other"}`.
    @Sendable func revoke(_ request: Request, context: APIContext) async throws -> RevokedResponse {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        guard let input = try? RevokeRequest.decode(body), let reason = LogEntry.RevocationReason(rawValue: input.reason) else {
            throw APIError(.badRequest, code: "malformedRequest", ja: "本文は {\"reason\": \"error|moved|ended|other\"} です", en: "the body must be {\"reason\": \"error|moved|ended|other\"}")
        }
        let serial = try await existingSerial(context)
        let actor = context.actor, role = context.role.rawValue, address = context.address
        do {
            let (stored, receipt) = try await state.lifecycle.revoke(
                serial: serial, reason: reason,
                audit: AuditNote(actor: actor, role: role, action: "revoke", detail: "api reason=\(reason.rawValue)", address: address, at: Date()))
            return RevokedResponse(serial: stored.serial, reason: reason.rawValue, logIndex: receipt.index)
        } catch let error as CertificateError {
            throw APIError(.conflict, code: "conflict", ja: error.reason, en: error.reason)
        }
    }

    /// `POST /api/v1/certificates/{serial}/reissue` with optional `{"fields": {...}}`:
    /// a new certificate supersedes the old one.
    @Sendable func reissue(_ request: Request, context: APIContext) async throws -> EditedResponse<IssuedResponse> {
        var request = request
        let body = try await request.collectBody(upTo: 256 * 1024)
        guard let input = body.readableBytes == 0 ? ReissueRequest() : try? ReissueRequest.decode(body) else {
            throw APIError(.badRequest, code: "malformedRequest", ja: "本文は空か {\"fields\": {…}} です", en: "the body must be empty or {\"fields\": {...}}")
        }
        try Self.refuseDuplicateItems(["include": input.include])
        let serial = try await existingSerial(context)
        let actor = context.actor, role = context.role.rawValue, address = context.address
        do {
            let (old, new) = try await state.lifecycle.reissue(
                serial: serial, input: input.fields, include: Set(input.include ?? []), issuedBy: actor,
                audit: AuditNote(actor: actor, role: role, action: "supersede", detail: "api", address: address, at: Date()))
            return EditedResponse(status: .created, headers: [.location: "/api/v1/certificates/\(new.claims.serialText)"], response: IssuedResponse(new, supersedes: old.serial))
        } catch let error as CertificateError where (error.code == .invalidInput || error.code == .tooLargeToPrint) && !error.problems.isEmpty {
            throw APIError.invalidInput(error)
        } catch let error as CertificateError {
            throw APIError(.conflict, code: "conflict", ja: error.reason, en: error.reason)
        }
    }

    @Sendable func issue(_ request: Request, context: APIContext) async throws -> EditedResponse<IssuedResponse> {
        var request = request
        let body = try await request.collectBody(upTo: 256 * 1024)
        let input: IssueRequest
        do {
            input = try IssueRequest.decode(body)
        } catch {
            throw APIError(.badRequest, code: "malformedRequest",
                ja: "本文は {\"kind\": 種類, \"fields\": {…}, \"omit\": […]} 形式の JSON である必要があります（\(Self.describe(error))）",
                en: "the body must be JSON {\"kind\": KIND, \"fields\": {...}, \"omit\": [...]} (\(Self.describe(error)))")
        }
        try Self.refuseDuplicateItems(["omit": input.omit, "include": input.include])
        guard state.registry.kind(input.kind) != nil else {
            let kinds = state.registry.kinds.map(\.id).joined(separator: ", ")
            throw APIError(.unprocessableContent, code: "unknownKind",
                ja: "「\(input.kind)」という証明書の種類はありません（\(kinds)）", en: "unknown kind '\(input.kind)'; kinds: \(kinds)",
                problems: [FieldProblem(field: "kind", code: "unknownKind", ja: "種類: \(kinds)", en: "kinds: \(kinds)")])
        }
        let actor = context.actor, role = context.role.rawValue, address = context.address
        var subjectKeys: [[UInt8]] = []
        for (i, text) in (input.subjectKeys ?? []).enumerated() {
            do { subjectKeys.append(try SubjectSecret.publicKey(text: text)) } catch {
                throw APIError(.unprocessableContent, code: "invalidSubjectKey", ja: "本人の鍵 \(i + 1) が不正です（\(error.reason)）", en: "subject key \(i + 1) is invalid: \(error.reason)",
                    problems: [FieldProblem(field: "subjectKeys", code: "invalidSubjectKey", ja: error.reason, en: error.reason)])
            }
        }
        do {
            let issued = try await state.issuer.issue(
                kind: input.kind, input: input.fields, include: Set(input.include ?? []), omit: Set(input.omit ?? []), subjectKeys: subjectKeys,
                issuedBy: actor, audit: AuditNote(actor: actor, role: role, action: "issue", detail: "api kind=\(input.kind)", address: address, at: Date()))
            return EditedResponse(status: .created, headers: [.location: "/api/v1/certificates/\(issued.claims.serialText)"], response: IssuedResponse(issued))
        } catch let error as CertificateError where error.code == .invalidInput || error.code == .tooLargeToPrint {
            throw APIError.invalidInput(error)
        }
    }

    /// `GET /api/v1/certificates/{serial}[.png|.svg|.html]`: JSON without a suffix.
    @Sendable func read(_ request: Request, context: APIContext) async throws -> Response {
        let raw = context.parameters.get("serial") ?? ""
        var serial = raw
        var format = "json"
        if let dot = raw.lastIndex(of: ".") {
            serial = String(raw[..<dot])
            format = String(raw[raw.index(after: dot)...]).lowercased()
        }
        guard ["json", "png", "svg", "html"].contains(format) else {
            throw APIError(.notFound, code: "notFound", ja: "形式は .png, .svg, .html のいずれかです", en: "formats are .png, .svg and .html")
        }
        guard let stored = try await state.archive.certificate(serial: serial) else { throw APIError.noCertificate(serial) }
        let certificate = try await state.archive.reissued(stored)
        try await state.audit.record(actor: context.actor, role: context.role.rawValue, action: format == "json" ? "read" : "print", target: stored.serial, detail: "api format=\(format)", address: context.address)
        switch format {
        case "png":
            let png = try QRCode.encode(certificate.qrText).pngData()
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
        case "svg":
            let svg = try QRCode.encode(certificate.qrText).svg()
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: svg)))
        case "html":
            return try CertificatePrint.response(certificate, issuerName: state.authorityName, toolbar: false)
        default:
            let record = await CertificateResponse(stored, certificate, state: try state.lifecycle.state(serial: stored.serial))
            return try record.response(from: request, context: context)
        }
    }

    /// The `{serial}` of the path, when such a certificate exists.
    func existingSerial(_ context: APIContext) async throws -> String {
        let serial = context.parameters.get("serial") ?? ""
        guard try await state.archive.certificate(serial: serial) != nil else { throw APIError.noCertificate(serial) }
        return serial
    }

    /// A field named twice in `omit` or `include` is a client's mistake worth
    /// saying (the lists are sets), not something to pass over silently.
    static func refuseDuplicateItems(_ lists: [String: [String]?]) throws(APIError) {
        for (name, list) in lists.sorted(by: { $0.key < $1.key }) {
            guard let list, let twice = Dictionary(grouping: list, by: { $0 }).first(where: { $0.value.count > 1 })?.key else { continue }
            throw APIError(.unprocessableContent, code: "invalidInput",
                ja: "\(name) に「\(twice)」が2回あります", en: "\(name) names '\(twice)' twice",
                problems: [FieldProblem(field: name, code: "duplicateItem", ja: "「\(twice)」が重複しています", en: "'\(twice)' is listed twice")])
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case let problem as StrictJSON.Problem: return problem.description
        default: return "not JSON"
        }
    }
}
