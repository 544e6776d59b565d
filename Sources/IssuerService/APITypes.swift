import Certificates
import Foundation
import Hummingbird
import Issuance
import StrictJSON
import TransparencyLog

// The JSON of `/api/v1` (described in /openapi.yaml, OpenAPIDocument.swift):
// what clients send, read strictly, and what the service answers, encoded
// by ``JSON/encoder`` (sorted keys).

/// A JSON request body read through ``StrictJSON``: no name twice, and at the
/// top level only the members its `CodingKeys` name — a misspelt member is
/// refused, not ignored.
protocol StrictRequestBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension StrictRequestBody {
    static func decode(_ body: ByteBuffer) throws -> Self {
        try StrictJSON.decode(Self.self, from: Data(buffer: body), allowedKeys: Set(CodingKeys.allCases.map(\.stringValue)))
    }
}

extension APIRoutes {
    /// `POST /api/v1/certificates`: the kind, its fields, and fields to omit or include.
    struct IssueRequest: StrictRequestBody {
        let kind: String
        let fields: [String: InputValue]
        let omit: [String]?
        let include: [String]?
        /// The subjects' key texts (AKP1.…), one per person the kind is about; absent: fresh secrets, returned once.
        let subjectKeys: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, fields, omit, include, subjectKeys }
    }

    /// `POST /api/v1/certificates/{serial}/revoke`: `{"reason": "error|moved|ended|other"}`.
    struct RevokeRequest: StrictRequestBody {
        let reason: String

        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }

    /// `POST /api/v1/certificates/{serial}/reissue`: empty, or fields to change and include.
    struct ReissueRequest: StrictRequestBody {
        var fields: [String: InputValue]? = nil
        var include: [String]? = nil

        enum CodingKeys: String, CodingKey, CaseIterable { case fields, include }
    }
}

/// The body of `201 Created`: `serial`, `qr`, `kind`, `issuedAt`, `expiresAt`
/// (null if none), `logIndex`; after a reissue also `supersedes`.
struct IssuedResponse: ResponseEncodable {
    let serial: String
    let qr: String
    let kind: String
    let issuedAt: String
    let expiresAt: String?
    let logIndex: UInt64
    /// Fresh subject secrets (AKS1.…) when the request gave no subject keys:
    /// returned this once, never stored — the caller hands them to the resident.
    let subjectSecrets: [String]
    /// The serial a reissued certificate replaces.
    let supersedes: String?

    init(_ issued: IssuedCertificate, supersedes: String? = nil) {
        serial = issued.claims.serialText
        qr = issued.qrText
        kind = issued.kind.id
        issuedAt = JSON.iso(seconds: issued.claims.issuedAt)
        expiresAt = issued.claims.expiresAt.map(JSON.iso(seconds:))
        logIndex = issued.receipt.index
        subjectSecrets = issued.subjectSecrets.map(\.secretText)
        self.supersedes = supersedes
    }

    enum CodingKeys: String, CodingKey { case serial, qr, kind, issuedAt, expiresAt, logIndex, subjectSecrets, supersedes }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serial, forKey: .serial)
        try c.encode(qr, forKey: .qr)
        try c.encode(kind, forKey: .kind)
        try c.encode(issuedAt, forKey: .issuedAt)
        try c.encode(expiresAt, forKey: .expiresAt)  // null, not absent: the key is part of the contract
        try c.encode(logIndex, forKey: .logIndex)
        if !subjectSecrets.isEmpty { try c.encode(subjectSecrets, forKey: .subjectSecrets) }
        try c.encodeIfPresent(supersedes, forKey: .supersedes)
    }
}

/// The body of a revocation's `200 OK`.
struct RevokedResponse: ResponseEncodable {
    let serial: String
    var state = "revoked"
    let reason: String
    let logIndex: UInt64
}

/// `GET /api/v1/certificates/{serial}`: the certificate, its fields and its status.
struct CertificateResponse: ResponseEncodable {
    let serial: String
    let qr: String
    let kind: String
    let issuedAt: String
    let expiresAt: String?
    let issuedBy: String?
    let logIndex: UInt64
    let fields: [String: FieldValue]
    let status: StatusResponse

    init(_ stored: StoredCertificate, _ certificate: IssuedCertificate, state: CertificateState?) {
        serial = stored.serial
        qr = certificate.qrText
        kind = stored.kind
        issuedAt = JSON.iso(stored.issuedAt)
        expiresAt = stored.expiresAt.map(JSON.iso)
        issuedBy = stored.issuedBy
        logIndex = stored.logIndex
        fields = certificate.claims.allFields
        status = StatusResponse(state)
    }

    enum CodingKeys: String, CodingKey { case serial, qr, kind, issuedAt, expiresAt, issuedBy, logIndex, fields, status }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serial, forKey: .serial)
        try c.encode(qr, forKey: .qr)
        try c.encode(kind, forKey: .kind)
        try c.encode(issuedAt, forKey: .issuedAt)
        try c.encode(expiresAt, forKey: .expiresAt)  // null, not absent
        try c.encode(issuedBy, forKey: .issuedBy)  // null, not absent
        try c.encode(logIndex, forKey: .logIndex)
        try c.encode(fields, forKey: .fields)
        try c.encode(status, forKey: .status)
    }
}

/// `{"state": "valid"}`, `{"state": "revoked", "reason", "at"}` or `{"state": "superseded", "successor", "at"}`.
struct StatusResponse: Encodable {
    let state: String
    var reason: String? = nil
    var successor: String? = nil
    var at: String? = nil

    init(_ state: CertificateState?) {
        switch state {
        case nil:
            self.state = "valid"
        case .revoked(let reason, let at)?:
            self.state = "revoked"
            self.reason = reason.rawValue
            self.at = JSON.iso(seconds: at)
        case .superseded(let successor, _, let at)?:
            self.state = "superseded"
            self.successor = successor
            self.at = JSON.iso(seconds: at)
        }
    }
}

/// `GET /healthz`.
struct Health: ResponseEncodable {
    var status = "ok"
}

/// A JSON error of the API: a stable `error` code, a message in both
/// languages, for validation errors every field's problem, and for the
/// witness policy the technical detail and the serial recorded. Thrown by
/// the API's handlers (a ``Refusal``) and made directly by the middleware.
struct APIError: Refusal, Encodable {
    let status: HTTPResponse.Status
    let code: String
    let messageJa: String
    let messageEn: String
    var problems: [FieldProblem] = []
    var detail: String? = nil
    var serial: String? = nil
    var headers: HTTPFields = [:]

    init(
        _ status: HTTPResponse.Status, code: String, ja: String, en: String, problems: [FieldProblem] = [],
        detail: String? = nil, serial: String? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.messageJa = ja
        self.messageEn = en
        self.problems = problems
        self.detail = detail
        self.serial = serial
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey {
        case code = "error"
        case message, messageJa, messageEn, problems, detail, serial
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode("\(messageJa) / \(messageEn)", forKey: .message)
        try c.encode(messageJa, forKey: .messageJa)
        try c.encode(messageEn, forKey: .messageEn)
        if !problems.isEmpty { try c.encode(problems, forKey: .problems) }
        try c.encodeIfPresent(detail, forKey: .detail)
        try c.encodeIfPresent(serial, forKey: .serial)
    }

    var response: Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let body = (try? JSON.encoder.encode(self)) ?? Data("{}".utf8)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func noCertificate(_ serial: String) -> APIError {
        APIError(.notFound, code: "notFound", ja: "証明書 \(serial) はありません", en: "no certificate \(serial)")
    }

    /// 422 with every field's problem, for input the kind refuses.
    static func invalidInput(_ error: CertificateError) -> APIError {
        APIError(
            .unprocessableContent, code: error.code.name, ja: "入力に誤りがあります（\(error.problems.count)件）",
            en: "the input has \(error.problems.count) problem(s)", problems: error.problems)
    }
}

/// The JSON encoding of the API.
enum JSON {
    /// Sorted keys (a stable order for clients and tests), slashes as they are.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// ISO 8601 in UTC (`2026-11-23T07:14:55Z`). A format style, not a new
    /// ISO8601DateFormatter per call (which cost a fifth of an issuance's CPU).
    static func iso(_ date: Date) -> String { date.formatted(isoStyle) }
    static func iso(seconds: Int64) -> String { iso(Date(timeIntervalSince1970: TimeInterval(seconds))) }
    private static let isoStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
}
