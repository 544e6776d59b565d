import Accounts
import Certificates
import Foundation
import StrictJSON
import Hummingbird
import Issuance
import QRCode
import TransparencyLog

/// JSON errors of the API: a stable `error` code, a message in both
/// languages, and for validation errors every field's problem.
enum APIError {
    static func response(
        _ status: HTTPResponse.Status, code: String, ja: String, en: String, problems: [FieldProblem] = [],
        extraHeaders: HTTPFields = [:]
    ) -> Response {
        var object: [String: Any] = ["error": code, "message": "\(ja) / \(en)", "messageJa": ja, "messageEn": en]
        if !problems.isEmpty {
            object["problems"] = problems.map { ["field": $0.field, "code": $0.code, "ja": $0.ja, "en": $0.en] }
        }
        var response = JSON.response(object, status: status)
        for field in extraHeaders { response.headers.append(field) }
        return response
    }
}

enum JSON {
    static func response(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// ISO 8601 in UTC (`2026-11-23T07:14:55Z`). A format style, not a new
    /// ISO8601DateFormatter per call (which cost a fifth of an issuance's CPU).
    static func iso(_ date: Date) -> String { date.formatted(isoStyle) }
    private static let isoStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// A Codable body (JSONEncoder is an order of magnitude faster than
    /// JSONSerialization for the hot path).
    static func response(encoding value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// The body of `201 Created`: `serial`, `qr`, `kind`, `issuedAt`, `expiresAt` (null if none), `logIndex`.
struct IssuedResponse: Encodable {
    let serial: String
    let qr: String
    let kind: String
    let issuedAt: String
    let expiresAt: String?
    let logIndex: UInt64
    /// Fresh subject secrets (AKS1.…) when the request gave no subject keys:
    /// returned this once, never stored — the caller hands them to the resident.
    let subjectSecrets: [String]

    init(_ issued: IssuedCertificate) {
        serial = issued.claims.serialText
        qr = issued.qrText
        kind = issued.kind.id
        issuedAt = JSON.iso(Date(timeIntervalSince1970: TimeInterval(issued.claims.issuedAt)))
        expiresAt = issued.claims.expiresAt.map { JSON.iso(Date(timeIntervalSince1970: TimeInterval($0))) }
        logIndex = issued.receipt.index
        subjectSecrets = issued.subjectSecrets.map(\.secretText)
    }

    enum CodingKeys: String, CodingKey { case serial, qr, kind, issuedAt, expiresAt, logIndex, subjectSecrets }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serial, forKey: .serial)
        try c.encode(qr, forKey: .qr)
        try c.encode(kind, forKey: .kind)
        try c.encode(issuedAt, forKey: .issuedAt)
        try c.encode(expiresAt, forKey: .expiresAt)  // null, not absent: the key is part of the contract
        try c.encode(logIndex, forKey: .logIndex)
        if !subjectSecrets.isEmpty { try c.encode(subjectSecrets, forKey: .subjectSecrets) }
    }
}

/// `POST /api/v1/certificates` and the reads of one certificate, for the
/// municipality's resident system. Bearer tokens; roles checked here.
struct APIRoutes {
    let state: ServiceState

    /// What a client sends: the kind, its fields, and fields to omit or include.
    struct IssueRequest: Decodable {
        let kind: String
        let fields: [String: InputValue]
        let omit: [String]?
        let include: [String]?
        /// The subjects' key texts (AKP1.…), one per person the kind is about; absent: fresh secrets, returned once.
        let subjectKeys: [String]?
    }

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1").add(middleware: APITokenMiddleware(accounts: state.accounts, cache: state.tokenCache))
        api.post("certificates", use: issue)
        api.get("certificates/:serial", use: read)
        api.post("certificates/:serial/revoke", use: revoke)
        api.post("certificates/:serial/reissue", use: reissue)
    }

    struct RevokeRequest: Decodable { let reason: String }
    struct ReissueRequest: Decodable {
        let fields: [String: InputValue]?
        let include: [String]?
    }

    /// `POST /api/v1/certificates/{serial}/revoke` with `{"reason": "error|moved|ended|other"}`.
    @Sendable func revoke(_ request: Request, context: AppContext) async throws -> Response {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        guard identity.role.may(.revoke) else {
            return APIError.response(.forbidden, code: "forbidden", ja: "このトークンの役割では失効できません", en: "the token's role may not revoke certificates")
        }
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        guard let input = try? StrictJSON.decode(RevokeRequest.self, from: Data(buffer: body), allowedKeys: ["reason"]),
            let reason = LogEntry.RevocationReason(rawValue: input.reason)
        else {
            return APIError.response(.badRequest, code: "malformedRequest", ja: "本文は {\"reason\": \"error|moved|ended|other\"} です", en: "the body must be {\"reason\": \"error|moved|ended|other\"}")
        }
        let serial = context.parameters.get("serial") ?? ""
        guard try state.archive.certificate(serial: serial) != nil else {
            return APIError.response(.notFound, code: "notFound", ja: "証明書 \(serial) はありません", en: "no certificate \(serial)")
        }
        let actor = identity.actor, role = identity.role.rawValue, address = context.address
        do {
            let (stored, receipt) = try await state.lifecycle.revoke(serial: serial, reason: reason) { db, index in
                try AuditTrail.record(in: db, actor: actor, role: role, action: "revoke", target: serial.uppercased(), detail: "api reason=\(reason.rawValue) log=\(index)", address: address)
            }
            return JSON.response(["serial": stored.serial, "state": "revoked", "reason": reason.rawValue, "logIndex": receipt.index])
        } catch let error as CertificateError {
            return APIError.response(.conflict, code: "conflict", ja: error.reason, en: error.reason)
        }
    }

    /// `POST /api/v1/certificates/{serial}/reissue` with optional `{"fields": {...}}`:
    /// a new certificate supersedes the old one.
    @Sendable func reissue(_ request: Request, context: AppContext) async throws -> Response {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        guard identity.role.may(.revoke) else {
            return APIError.response(.forbidden, code: "forbidden", ja: "このトークンの役割では再発行できません", en: "the token's role may not reissue certificates")
        }
        var request = request
        let body = try await request.collectBody(upTo: 256 * 1024)
        let input = body.readableBytes == 0 ? ReissueRequest(fields: nil, include: nil) : try? StrictJSON.decode(ReissueRequest.self, from: Data(buffer: body), allowedKeys: ["fields", "include"])
        guard let input else {
            return APIError.response(.badRequest, code: "malformedRequest", ja: "本文は空か {\"fields\": {…}} です", en: "the body must be empty or {\"fields\": {...}}")
        }
        if let duplicate = Self.duplicateItem(["include": input.include]) { return duplicate }
        let serial = context.parameters.get("serial") ?? ""
        guard try state.archive.certificate(serial: serial) != nil else {
            return APIError.response(.notFound, code: "notFound", ja: "証明書 \(serial) はありません", en: "no certificate \(serial)")
        }
        let actor = identity.actor, role = identity.role.rawValue, address = context.address
        do {
            let (old, new) = try await state.lifecycle.reissue(serial: serial, input: input.fields, include: Set(input.include ?? []), issuedBy: actor) { db, index in
                try AuditTrail.record(in: db, actor: actor, role: role, action: "supersede", target: serial.uppercased(), detail: "api log=\(index)", address: address)
            }
            var object: [String: Any] = [
                "serial": new.claims.serialText, "qr": new.qrText, "kind": new.kind.id, "supersedes": old.serial,
                "issuedAt": JSON.iso(Date(timeIntervalSince1970: TimeInterval(new.claims.issuedAt))), "logIndex": new.receipt.index,
            ]
            object["expiresAt"] = new.claims.expiresAt.map { JSON.iso(Date(timeIntervalSince1970: TimeInterval($0))) } ?? NSNull()
            return JSON.response(object, status: .created, headers: [.location: "/api/v1/certificates/\(new.claims.serialText)"])
        } catch let error as CertificateError where (error.code == .invalidInput || error.code == .tooLargeToPrint) && !error.problems.isEmpty {
            return APIError.response(.unprocessableContent, code: error.code.name, ja: "入力に誤りがあります（\(error.problems.count)件）", en: "the input has \(error.problems.count) problem(s)", problems: error.problems)
        } catch let error as CertificateError {
            return APIError.response(.conflict, code: "conflict", ja: error.reason, en: error.reason)
        }
    }

    @Sendable func issue(_ request: Request, context: AppContext) async throws -> Response {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        guard identity.role.may(.issue) else {
            return APIError.response(.forbidden, code: "forbidden", ja: "このトークンの役割（\(identity.role.rawValue)）では発行できません", en: "the token's role (\(identity.role.rawValue)) may not issue certificates")
        }
        var request = request
        let body = try await request.collectBody(upTo: 256 * 1024)
        let input: IssueRequest
        do {
            input = try StrictJSON.decode(IssueRequest.self, from: Data(buffer: body), allowedKeys: ["kind", "fields", "omit", "include", "subjectKeys"])
        } catch {
            return APIError.response(.badRequest, code: "malformedRequest",
                ja: "本文は {\"kind\": 種類, \"fields\": {…}, \"omit\": […]} 形式の JSON である必要があります（\(Self.describe(error))）",
                en: "the body must be JSON {\"kind\": KIND, \"fields\": {...}, \"omit\": [...]} (\(Self.describe(error)))")
        }
        if let duplicate = Self.duplicateItem(["omit": input.omit, "include": input.include]) { return duplicate }
        guard state.registry.kind(input.kind) != nil else {
            let kinds = state.registry.kinds.map(\.id).joined(separator: ", ")
            return APIError.response(.unprocessableContent, code: "unknownKind",
                ja: "「\(input.kind)」という証明書の種類はありません（\(kinds)）", en: "unknown kind '\(input.kind)'; kinds: \(kinds)",
                problems: [FieldProblem(field: "kind", code: "unknownKind", ja: "種類: \(kinds)", en: "kinds: \(kinds)")])
        }
        let actor = identity.actor, role = identity.role.rawValue, address = context.address
        var subjectKeys: [[UInt8]] = []
        for (i, text) in (input.subjectKeys ?? []).enumerated() {
            do { subjectKeys.append(try SubjectSecret.publicKey(text: text)) } catch {
                return APIError.response(.unprocessableContent, code: "invalidSubjectKey", ja: "本人の鍵 \(i + 1) が不正です（\(error.reason)）", en: "subject key \(i + 1) is invalid: \(error.reason)",
                    problems: [FieldProblem(field: "subjectKeys", code: "invalidSubjectKey", ja: error.reason, en: error.reason)])
            }
        }
        do {
            let issued = try await state.issuer.issue(
                kind: input.kind, input: input.fields, include: Set(input.include ?? []), omit: Set(input.omit ?? []), subjectKeys: subjectKeys,
                issuedBy: actor
            ) { db, serial, index in
                try AuditTrail.record(in: db, actor: actor, role: role, action: "issue", target: serial, detail: "api kind=\(input.kind) log=\(index)", address: address)
            }
            return try JSON.response(encoding: IssuedResponse(issued), status: .created, headers: [.location: "/api/v1/certificates/\(issued.claims.serialText)"])
        } catch let error as CertificateError where error.code == .invalidInput || error.code == .tooLargeToPrint {
            return APIError.response(.unprocessableContent, code: error.code.name, ja: "入力に誤りがあります（\(error.problems.count)件）", en: "the input has \(error.problems.count) problem(s)", problems: error.problems)
        }
    }

    @Sendable func read(_ request: Request, context: AppContext) async throws -> Response {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        guard identity.role.may(.print) else {
            return APIError.response(.forbidden, code: "forbidden", ja: "このトークンの役割では参照できません", en: "the token's role may not read certificates")
        }
        let raw = context.parameters.get("serial") ?? ""
        var serial = raw
        var format = "json"
        if let dot = raw.lastIndex(of: ".") {
            serial = String(raw[..<dot])
            format = String(raw[raw.index(after: dot)...]).lowercased()
        }
        guard ["json", "png", "svg", "html"].contains(format) else {
            return APIError.response(.notFound, code: "notFound", ja: "形式は .png, .svg, .html のいずれかです", en: "formats are .png, .svg and .html")
        }
        guard let stored = try state.archive.certificate(serial: serial) else {
            return APIError.response(.notFound, code: "notFound", ja: "証明書 \(serial) はありません", en: "no certificate \(serial)")
        }
        let certificate = try await state.archive.reissued(stored)
        try state.audit.record(actor: identity.actor, role: identity.role.rawValue, action: format == "json" ? "read" : "print", target: stored.serial, detail: "api format=\(format)", address: context.address)
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
            var object: [String: Any] = [
                "serial": stored.serial, "qr": certificate.qrText, "kind": stored.kind,
                "issuedAt": JSON.iso(stored.issuedAt), "logIndex": stored.logIndex,
                "fields": certificate.claims.allFields.mapValues(\.jsonValue),
            ]
            object["expiresAt"] = stored.expiresAt.map(JSON.iso) ?? NSNull()
            object["issuedBy"] = stored.issuedBy ?? NSNull()
            object["status"] = Self.statusJSON(try state.lifecycle.state(serial: stored.serial))
            return JSON.response(object)
        }
    }

    static func statusJSON(_ state: CertificateState?) -> [String: Any] {
        switch state {
        case nil: return ["state": "valid"]
        case .revoked(let reason, let at)?:
            return ["state": "revoked", "reason": reason.rawValue, "at": JSON.iso(Date(timeIntervalSince1970: TimeInterval(at)))]
        case .superseded(let successor, _, let at)?:
            return ["state": "superseded", "successor": successor, "at": JSON.iso(Date(timeIntervalSince1970: TimeInterval(at)))]
        }
    }

    /// A field named twice in `omit` or `include` is a client's mistake worth
    /// saying (the lists are sets), not something to pass over silently.
    static func duplicateItem(_ lists: [String: [String]?]) -> Response? {
        for (name, list) in lists.sorted(by: { $0.key < $1.key }) {
            guard let list, let twice = Dictionary(grouping: list, by: { $0 }).first(where: { $0.value.count > 1 })?.key else { continue }
            return APIError.response(.unprocessableContent, code: "invalidInput",
                ja: "\(name) に「\(twice)」が2回あります", en: "\(name) names '\(twice)' twice",
                problems: [FieldProblem(field: name, code: "duplicateItem", ja: "「\(twice)」が重複しています", en: "'\(twice)' is listed twice")])
        }
        return nil
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
