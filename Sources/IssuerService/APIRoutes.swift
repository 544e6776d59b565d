import Accounts
import AkashiCrypto
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import Issuance
import QRCode
import Store
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
            throw APIError(
                .badRequest, code: "malformedRequest", ja: "本文は {\"reason\": \"error|moved|ended|other\"} です",
                en: "the body must be {\"reason\": \"error|moved|ended|other\"}")
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
            return EditedResponse(
                status: .created, headers: [.location: "/api/v1/certificates/\(new.claims.serialText)"], response: IssuedResponse(new, supersedes: old.serial))
        } catch let error as CertificateError where (error.code == .invalidInput || error.code == .tooLargeToPrint) && !error.problems.isEmpty {
            throw APIError.invalidInput(error)
        } catch let error as CertificateError {
            throw APIError(.conflict, code: "conflict", ja: error.reason, en: error.reason)
        }
    }

    /// `POST /api/v1/certificates`. With an `Idempotency-Key` header, a
    /// retry of a request that got no answer (a timeout, a node that died)
    /// gets the certificate its first attempt made — the same serial, log
    /// entry and QR text, `Idempotent-Replayed: true`, no second certificate
    /// (the subject secrets of the first answer are not repeated: they are
    /// never stored). The key is the token's own; reused with another body it
    /// is refused (422 `idempotencyKeyReused`).
    @Sendable func issue(_ request: Request, context: APIContext) async throws -> EditedResponse<IssuedResponse> {
        var request = request
        let body = try await request.collectBody(upTo: 256 * 1024)
        let idempotency = try Self.idempotency(request.headers, body: body, actor: context.actor)
        if let idempotency, let replay = try await replay(idempotency) { return replay }
        let input: IssueRequest
        do {
            input = try IssueRequest.decode(body)
        } catch {
            throw APIError(
                .badRequest, code: "malformedRequest",
                ja: "本文は {\"kind\": 種類, \"fields\": {…}, \"omit\": […]} 形式の JSON である必要があります（\(Self.describe(error))）",
                en: "the body must be JSON {\"kind\": KIND, \"fields\": {...}, \"omit\": [...]} (\(Self.describe(error)))")
        }
        try Self.refuseDuplicateItems(["omit": input.omit, "include": input.include])
        guard state.registry.kind(input.kind) != nil else {
            let kinds = state.registry.kinds.map(\.id).joined(separator: ", ")
            throw APIError(
                .unprocessableContent, code: "unknownKind",
                ja: "「\(input.kind)」という証明書の種類はありません（\(kinds)）", en: "unknown kind '\(input.kind)'; kinds: \(kinds)",
                problems: [FieldProblem(field: "kind", code: "unknownKind", ja: "種類: \(kinds)", en: "kinds: \(kinds)")])
        }
        let actor = context.actor, role = context.role.rawValue, address = context.address
        var subjectKeys: [[UInt8]] = []
        for (i, text) in (input.subjectKeys ?? []).enumerated() {
            do { subjectKeys.append(try SubjectSecret.publicKey(text: text)) } catch {
                throw APIError(
                    .unprocessableContent, code: "invalidSubjectKey", ja: "本人の鍵 \(i + 1) が不正です（\(error.reason)）",
                    en: "subject key \(i + 1) is invalid: \(error.reason)",
                    problems: [FieldProblem(field: "subjectKeys", code: "invalidSubjectKey", ja: error.reason, en: error.reason)])
            }
        }
        do {
            let issued = try await state.issuer.issue(
                kind: input.kind, input: input.fields, include: Set(input.include ?? []), omit: Set(input.omit ?? []), subjectKeys: subjectKeys,
                issuedBy: actor, audit: AuditNote(actor: actor, role: role, action: "issue", detail: "api kind=\(input.kind)", address: address, at: Date()),
                idempotency: idempotency)
            return EditedResponse(status: .created, headers: [.location: "/api/v1/certificates/\(issued.claims.serialText)"], response: IssuedResponse(issued))
        } catch let error as CertificateError where error.code == .invalidInput || error.code == .tooLargeToPrint {
            throw APIError.invalidInput(error)
        } catch let error as StoreError where error.code == .duplicate && idempotency != nil {
            // The same key raced this request and won: its certificate is the answer.
            if let idempotency, let replay = try await replay(idempotency) { return replay }
            throw error
        }
    }

    static let idempotencyKeyField = HTTPField.Name("Idempotency-Key")!

    /// The request's `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header:
    /// a structured-field string, `"…"`; the bare form many clients send is
    /// accepted too): 1 to 255 of `A–Z a–z 0–9 - _ . : ~`, scoped by the token.
    static func idempotency(_ headers: HTTPFields, body: ByteBuffer, actor: String) throws(APIError) -> IdempotentIssue? {
        let values = headers[values: idempotencyKeyField]
        guard !values.isEmpty else { return nil }
        var key = Substring(values.count == 1 ? values[0] : "")
        if key.count >= 2, key.first == "\"", key.last == "\"" { key = key.dropFirst().dropLast() }
        let allowed = key.utf8.allSatisfy { (c: UInt8) -> Bool in
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "~"): true
            default: false
            }
        }
        guard (1...255).contains(key.utf8.count), allowed else {
            throw APIError(
                .badRequest, code: "invalidIdempotencyKey",
                ja: "Idempotency-Key は 1〜255 文字の英数字と - _ . : ~ です（1つだけ指定）",
                en: "Idempotency-Key is one value of 1 to 255 characters from A-Z a-z 0-9 - _ . : ~")
        }
        return IdempotentIssue(key: "\(actor) \(key)", requestDigest: SHA256.hash(Array(body.readableBytesView)))
    }

    /// The answer a key already has: its certificate again, or 422 when the
    /// key came with another request; nil for a key not used yet.
    func replay(_ idempotency: IdempotentIssue) async throws -> EditedResponse<IssuedResponse>? {
        guard let recorded = try await state.log.store.idempotentResponse(key: idempotency.key) else { return nil }
        guard let (serial, digest) = IdempotentIssue.parse(recorded: recorded),
            let stored = try await state.archive.certificate(serial: Serial.text(serial))
        else { throw APIError(.internalServerError, code: "internal", ja: "冪等キーの記録が読めません", en: "the idempotency record cannot be read") }
        guard digest == idempotency.requestDigest else {
            throw APIError(
                .unprocessableContent, code: "idempotencyKeyReused",
                ja: "この Idempotency-Key は別の内容の発行要求にすでに使われています。新しいキーを使ってください",
                en: "this Idempotency-Key was used for a different request; use a new key for a new certificate")
        }
        let issued = try await state.archive.reissued(stored)
        return EditedResponse(
            status: .created,
            headers: [.location: "/api/v1/certificates/\(issued.claims.serialText)", HTTPField.Name("Idempotent-Replayed")!: "true"],
            response: IssuedResponse(issued))
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
        try await state.audit.record(
            actor: context.actor, role: context.role.rawValue, action: format == "json" ? "read" : "print", target: stored.serial,
            detail: "api format=\(format)", address: context.address)
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
            throw APIError(
                .unprocessableContent, code: "invalidInput",
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
