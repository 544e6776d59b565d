import Certificates

/// The API's description, served at `/openapi.yaml` (OpenAPI 3.1), made from
/// the kinds this service issues: each kind's request body lists its fields
/// with their types, lengths, options and the text rule, so a client (or
/// schemathesis, which `make test` runs against it) knows exactly what is
/// accepted. What a schema cannot say — the QR budget, a real calendar date,
/// a field's canonical decimal — is a documented 422.
enum OpenAPIDocument {
    static func yaml(kinds: [CertificateKind]) -> String {
        YAMLEmitter.emit(document(kinds: kinds))
    }

    static let errorCodes = [
        "unauthorized", "forbidden", "malformedRequest", "invalidText", "unknownKind", "invalidInput", "tooLargeToPrint",
        "notFound", "conflict", "witnessPolicy", "methodNotAllowed", "internal", "invalidIdempotencyKey", "idempotencyKeyReused",
    ]

    /// The text rule is not a JSON Schema pattern: as a class of the refused
    /// code points (``SafeText/refused``) it made schema-driven generators
    /// (schemathesis, hypothesis) too slow to use. A text field's schema says
    /// "not blank" and its length in code points; a refused character is the
    /// documented 422 (`controlCharacter`, `disallowedCharacter`).
    static let textRule =
        "Unicode text, NFC, trimmed; no NUL, controls, bidirectional or invisible characters, line separators, private use or noncharacters (docs/spec/certificate.md); maxLength counts code points"

    static func fieldSchema(_ field: FieldDefinition) -> Y {
        func text() -> Y {
            var entries: [(String, Y)] = [("type", "string"), ("minLength", 1), ("pattern", "\\S"), ("description", .str(textRule))]
            if let max = field.maxLength { entries.append(("maxLength", .int(Int64(max)))) }
            return .map(entries)
        }
        var schema: [(String, Y)]
        switch field.type {
        case .text:
            schema = text().entries
        case .textList:
            // A list, or (as in a CSV cell) one text with the items separated by '|'.
            var list: [(String, Y)] = [("type", "array"), ("minItems", 1), ("items", text())]
            if let max = field.maxItems { list.append(("maxItems", .int(Int64(max)))) }
            schema = [("anyOf", .seq([.map(list), .map([("type", "string"), ("description", "items separated by '|'")])]))]
        case .date:
            schema = [("type", "string"), ("format", "date"), ("pattern", "^(18[6-9][0-9]|19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
        case .integer:
            // A JSON integer, or its decimal digits as text (from a CSV cell).
            schema = [
                (
                    "anyOf",
                    .seq([
                        .map([
                            ("type", "integer"), ("minimum", .int(field.minimum ?? -999_999_999_999_999_999)),
                            ("maximum", .int(field.maximum ?? 999_999_999_999_999_999)),
                        ]),
                        .map([("type", "string"), ("pattern", "^-?[0-9]{1,18}$")]),
                    ])
                )
            ]
        case .decimal:
            let scale = field.scale ?? 3
            let sign = (field.minimum ?? -1) >= 0 ? "" : "-?"
            // Canonical decimal text, or a JSON number (its digits as written).
            schema = [
                (
                    "anyOf",
                    .seq([
                        .map([("type", "string"), ("pattern", .str("^\(sign)(0|[1-9][0-9]{0,14})(\\.[0-9]{0,\(max(0, scale - 1))}[1-9])?$"))]),
                        .map([("type", "number")]),
                    ])
                )
            ]
        case .enum:
            // The option's value, or its Japanese or English label.
            let options = field.options ?? []
            schema = [("type", "string"), ("enum", .seq(Array(Set(options.flatMap { [$0.value, $0.label.ja, $0.label.en] })).sorted().map { .str($0) }))]
        }
        schema.removeAll { $0.0 == "description" }
        let description = Y.str(
            "\(field.label.ja) / \(field.label.en)" + (field.required ? "" : "（任意 / optional; null or blank = absent）")
                + (field.type == .text || field.type == .textList ? ". " + textRule : ""))
        guard !field.required else { return .map(schema + [("description", description)]) }
        // Null or blank in an optional field means "absent" (as an empty CSV cell does).
        var alternatives: [Y] = [.map(schema), .map([("type", "null")]), .map([("type", "string"), ("pattern", "^\\s*$")])]
        if field.type == .textList { alternatives.append(.map([("type", "array"), ("maxItems", 0)])) }
        return .map([("anyOf", .seq(alternatives)), ("description", description)])
    }

    static func issueSchema(_ kind: CertificateKind) -> Y {
        let fields: [(String, Y)] =
            kind.fields.filter { !$0.isOmittedByDefault }.map { ($0.id, fieldSchema($0)) }
            + kind.fields.filter(\.isOmittedByDefault).map { ($0.id, fieldSchema($0)) }
        let required = kind.fields.filter { $0.required }.map { Y.str($0.id) }
        let omittable = kind.fields.filter { !$0.required }.map { Y.str($0.id) }
        let includable = kind.fields.filter(\.isOmittedByDefault).map { Y.str($0.id) }
        var properties: [(String, Y)] = [
            ("kind", .map([("const", .str(kind.id))])),
            ("fields", .map([("type", "object"), ("additionalProperties", false), ("required", .seq(required)), ("properties", .map(fields))])),
        ]
        if !omittable.isEmpty {
            properties.append(("omit", .map([("type", ["array", "null"]), ("uniqueItems", true), ("items", .map([("enum", .seq(omittable))]))])))
        }
        if !includable.isEmpty {
            properties.append(("include", .map([("type", ["array", "null"]), ("uniqueItems", true), ("items", .map([("enum", .seq(includable))]))])))
        }
        return .map([
            ("title", .str("\(kind.label.ja) / \(kind.label.en)")),
            ("type", "object"), ("additionalProperties", false), ("required", ["kind", "fields"]), ("properties", .map(properties)),
        ])
    }

    static func response(_ description: String, _ schema: String? = nil, content: String = "application/json", headers: [(String, Y)] = []) -> Y {
        var entries: [(String, Y)] = [("description", .str(description))]
        if !headers.isEmpty { entries.append(("headers", .map(headers))) }
        if let schema {
            entries.append(("content", .map([(content, .map([("schema", .map([("$ref", .str("#/components/schemas/\(schema)"))]))]))])))
        } else if content != "application/json" {
            entries.append(("content", .map([(content, .map([("schema", .map([("type", "string")]))]))])))
        }
        return .map(entries)
    }

    static func error(_ description: String) -> Y { response(description, "Error") }

    static let serialParameter: Y = .map([
        ("name", "serial"), ("in", "path"), ("required", true),
        ("description", "証明書番号 / the serial as printed (Crockford base32, groups of four)"),
        ("schema", .map([("type", "string"), ("pattern", "^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")])),
    ])

    /// `Idempotency-Key` on issuance (draft-ietf-httpapi-idempotency-key-header).
    static let idempotencyKeyParameter: Y = .map([
        ("name", "Idempotency-Key"), ("in", "header"), ("required", false),
        (
            "description",
            .str(
                """
                再試行しても証明書が二重に発行されないためのキー / a key that makes a retry safe: a request that got no answer \
                (a timeout, a node that went away) may be sent again with the same key and gets the certificate the first attempt \
                made — same serial, log entry and QR text, header Idempotent-Replayed: true, without the subject secrets (never \
                stored) — instead of a second certificate. Scoped to the token; the same key with another body is 422 \
                idempotencyKeyReused. A structured-field string ("…") or bare: 1 to 255 of A–Z a–z 0–9 - _ . : ~
                """)
        ),
        ("schema", .map([("type", "string"), ("pattern", #"^([A-Za-z0-9._:~-]{1,255}|"[A-Za-z0-9._:~-]{1,255}")$"#)])),
    ])

    /// What every token-protected operation may answer besides its success.
    static func common(_ forbidden: String) -> [(String, Y)] {
        [
            ("400", error("Malformed request or refused text (NUL, controls, bidi, invisible characters) in the URL or body")),
            ("401", error("Missing or invalid token")),
            ("403", error(forbidden)),
        ]
    }

    static func read(_ summary: String, _ id: String, _ success: Y) -> Y {
        .map([
            (
                "get",
                .map([
                    ("summary", .str(summary)), ("operationId", .str(id)), ("parameters", .seq([serialParameter])),
                    ("responses", .map([("200", success)] + common("The token's role may not read") + [("404", error("No such certificate"))])),
                ])
            )
        ])
    }

    static func document(kinds: [CertificateKind]) -> Y {
        let retry: [(String, Y)] = [("Retry-After", .map([("schema", .map([("type", "integer")]))]))]
        let unavailable = response("Not enough witnesses cosigned; nothing was published. Retry later.", "Error", headers: retry)
        let issued = response("Issued and durably logged", "Issued", headers: [("Location", .map([("schema", .map([("type", "string")]))]))])
        let schemas: [(String, Y)] =
            [
                (
                    "IssueRequest",
                    .map([
                        ("description", "One kind's fields; `omit` leaves optional fields out, `include` adds fields omitted by default (e.g. 本籍)."),
                        ("oneOf", .seq(kinds.map { .map([("$ref", .str("#/components/schemas/Issue-\($0.id)"))]) })),
                    ])
                )
            ] + kinds.map { ("Issue-\($0.id)", issueSchema($0)) } + [
                (
                    "Issued",
                    .map([
                        ("type", "object"), ("required", ["serial", "qr", "kind", "issuedAt", "expiresAt", "logIndex"]),
                        (
                            "properties",
                            .map([
                                ("serial", .map([("type", "string")])),
                                ("qr", .map([("type", "string"), ("description", "the exact QR text printed on the certificate")])),
                                ("kind", .map([("type", "string")])), ("issuedAt", .map([("type", "string"), ("format", "date-time")])),
                                ("expiresAt", .map([("type", ["string", "null"]), ("format", "date-time")])),
                                ("logIndex", .map([("type", "integer"), ("minimum", 0)])),
                                ("supersedes", .map([("type", "string")])),
                            ])
                        ),
                    ])
                ),
                (
                    "Certificate",
                    .map([
                        (
                            "allOf",
                            .seq([
                                .map([("$ref", "#/components/schemas/Issued")]),
                                .map([
                                    ("type", "object"),
                                    (
                                        "properties",
                                        .map([
                                            ("fields", .map([("type", "object")])), ("issuedBy", .map([("type", ["string", "null"])])),
                                            ("status", .map([("$ref", "#/components/schemas/Status")])),
                                        ])
                                    ),
                                ]),
                            ])
                        )
                    ])
                ),
                (
                    "Status",
                    .map([
                        ("type", "object"), ("required", ["state"]),
                        (
                            "properties",
                            .map([
                                ("state", .map([("enum", ["valid", "revoked", "superseded"])])),
                                ("reason", .map([("enum", ["error", "moved", "ended", "other"])])),
                                ("successor", .map([("type", "string")])), ("at", .map([("type", "string"), ("format", "date-time")])),
                            ])
                        ),
                    ])
                ),
                (
                    "RevokeRequest",
                    .map([
                        ("type", "object"), ("additionalProperties", false), ("required", ["reason"]),
                        (
                            "properties",
                            .map([("reason", .map([("enum", ["error", "moved", "ended", "other"]), ("description", "誤発行 / 転出等 / 関係の解消 / その他")]))])
                        ),
                    ])
                ),
                (
                    "Revoked",
                    .map([
                        ("type", "object"), ("required", ["serial", "state", "reason", "logIndex"]),
                        (
                            "properties",
                            .map([
                                ("serial", .map([("type", "string")])), ("state", .map([("const", "revoked")])),
                                ("reason", .map([("enum", ["error", "moved", "ended", "other"])])), ("logIndex", .map([("type", "integer"), ("minimum", 0)])),
                            ])
                        ),
                    ])
                ),
                (
                    "ReissueRequest",
                    .map([
                        ("type", "object"), ("additionalProperties", false),
                        ("description", "Empty, or new field values (the kind's fields, as in IssueRequest) and fields to include."),
                        (
                            "properties",
                            .map([
                                (
                                    "fields",
                                    .map([
                                        ("type", ["object", "null"]),
                                        (
                                            "additionalProperties",
                                            .map([("type", ["string", "number", "boolean", "null", "array"]), ("items", .map([("type", "string")]))])
                                        ),
                                    ])
                                ),
                                ("include", .map([("type", ["array", "null"]), ("uniqueItems", true), ("items", .map([("type", "string")]))])),
                            ])
                        ),
                    ])
                ),
                (
                    "Problem",
                    .map([
                        ("type", "object"), ("required", ["field", "code", "ja", "en"]),
                        (
                            "properties",
                            .map([
                                ("field", .map([("type", "string")])), ("code", .map([("type", "string")])), ("ja", .map([("type", "string")])),
                                ("en", .map([("type", "string")])),
                            ])
                        ),
                    ])
                ),
                (
                    "Error",
                    .map([
                        ("type", "object"), ("required", ["error", "message", "messageJa", "messageEn"]),
                        (
                            "properties",
                            .map([
                                ("error", .map([("enum", .seq(errorCodes.map { .str($0) }))])), ("message", .map([("type", "string")])),
                                ("messageJa", .map([("type", "string")])), ("messageEn", .map([("type", "string")])),
                                ("detail", .map([("type", "string")])),
                                ("problems", .map([("type", "array"), ("items", .map([("$ref", "#/components/schemas/Problem")]))])),
                            ])
                        ),
                    ])
                ),
            ]
        let json = "application/json"
        func body(_ schema: String, required: Bool = true) -> Y {
            .map([("required", .bool(required)), ("content", .map([(json, .map([("schema", .map([("$ref", .str("#/components/schemas/\(schema)"))]))]))]))])
        }
        let paths: [(String, Y)] = [
            (
                "/api/v1/certificates",
                .map([
                    (
                        "post",
                        .map([
                            ("summary", "Issue one certificate (sign, anchor in the log, return the QR text)"), ("operationId", "issueCertificate"),
                            ("parameters", .seq([idempotencyKeyParameter])), ("requestBody", body("IssueRequest")),
                            (
                                "responses",
                                .map(
                                    [("201", issued)] + common("The token's role may not issue") + [
                                        (
                                            "422",
                                            error(
                                                "Unknown kind, invalid fields (every problem listed), too large for the largest QR code the authority prints (tooLargeToPrint), or an Idempotency-Key used before with another body (idempotencyKeyReused)"
                                            )
                                        ),
                                        ("503", unavailable),
                                    ])
                            ),
                        ])
                    )
                ])
            ),
            (
                "/api/v1/certificates/{serial}",
                read("One certificate as JSON, with its revocation status", "getCertificate", response("The certificate", "Certificate"))
            ),
            ("/api/v1/certificates/{serial}.png", read("The QR code as PNG", "getCertificatePNG", response("PNG image", content: "image/png"))),
            ("/api/v1/certificates/{serial}.svg", read("The QR code as SVG", "getCertificateSVG", response("SVG image", content: "image/svg+xml"))),
            (
                "/api/v1/certificates/{serial}.html",
                read("The printable A4 certificate page", "getCertificateHTML", response("HTML page", content: "text/html"))
            ),
            (
                "/api/v1/certificates/{serial}/revoke",
                .map([
                    (
                        "post",
                        .map([
                            ("summary", "Revoke a certificate (logged; the status list says so from the next export)"), ("operationId", "revokeCertificate"),
                            ("parameters", .seq([serialParameter])), ("requestBody", body("RevokeRequest")),
                            (
                                "responses",
                                .map(
                                    [("200", response("Revoked and logged", "Revoked"))] + common("The token's role may not revoke") + [
                                        ("404", error("No such certificate")), ("409", error("Already revoked or superseded (conflict)")), ("503", unavailable),
                                    ])
                            ),
                        ])
                    )
                ])
            ),
            (
                "/api/v1/certificates/{serial}/reissue",
                .map([
                    (
                        "post",
                        .map([
                            ("summary", "Issue a new certificate that supersedes this one (changed fields, or the same)"),
                            ("operationId", "reissueCertificate"),
                            ("parameters", .seq([serialParameter])), ("requestBody", body("ReissueRequest", required: false)),
                            (
                                "responses",
                                .map(
                                    [("201", issued)] + common("The token's role may not reissue") + [
                                        ("404", error("No such certificate")), ("409", error("Already revoked or superseded (conflict)")),
                                        ("422", error("Invalid fields, or too large to print")), ("503", unavailable),
                                    ])
                            ),
                        ])
                    )
                ])
            ),
            (
                "/log/checkpoint",
                .map([
                    (
                        "get",
                        .map([
                            ("summary", "The log's latest signed checkpoint (c2sp.org/tlog-checkpoint)"), ("operationId", "getCheckpoint"),
                            ("security", .seq([])),
                            ("responses", .map([("200", response("Signed note", content: "text/plain"))])),
                        ])
                    )
                ])
            ),
            (
                "/trust.json",
                .map([
                    (
                        "get",
                        .map([
                            ("summary", "The trust file verifiers need"), ("operationId", "getTrustFile"), ("security", .seq([])),
                            (
                                "responses",
                                .map([
                                    ("200", .map([("description", "Trust file"), ("content", .map([(json, .map([("schema", .map([("type", "object")]))]))]))]))
                                ])
                            ),
                        ])
                    )
                ])
            ),
            (
                "/healthz",
                .map([
                    (
                        "get",
                        .map([
                            ("summary", "Liveness"), ("operationId", "health"), ("security", .seq([])),
                            (
                                "responses",
                                .map([
                                    (
                                        "200",
                                        .map([
                                            ("description", "Up"),
                                            (
                                                "content",
                                                .map([
                                                    (
                                                        json,
                                                        .map([
                                                            (
                                                                "schema",
                                                                .map([
                                                                    ("type", "object"), ("required", ["status"]),
                                                                    ("properties", .map([("status", .map([("const", "ok")]))])),
                                                                ])
                                                            )
                                                        ])
                                                    )
                                                ])
                                            ),
                                        ])
                                    )
                                ])
                            ),
                        ])
                    )
                ])
            ),
        ]
        return .map([
            ("openapi", "3.1.0"),
            (
                "info",
                .map([
                    ("title", "Akashi issuer API"), ("version", "1"),
                    (
                        "description",
                        """
                        Issue, read, revoke and reissue certificates of one municipality. Every /api request needs \
                        `Authorization: Bearer TOKEN` (`akashi token create`, or the admin UI). Roles: clerk and supervisor \
                        issue and read; supervisors also revoke and reissue; auditors may not; admins may do everything. \
                        Bodies are JSON without duplicate or unknown keys. Messages are Japanese first.
                        """
                    ),
                ])
            ),
            ("servers", .seq([.map([("url", "/")])])),
            (
                "components",
                .map([
                    ("securitySchemes", .map([("bearer", .map([("type", "http"), ("scheme", "bearer")]))])),
                    ("schemas", .map(schemas)),
                ])
            ),
            ("security", .seq([.map([("bearer", .seq([]))])])),
            ("paths", .map(paths)),
        ])
    }
}

/// A YAML value, and a block-style emitter in which every string is
/// double-quoted with escapes for anything but printable ASCII — so any
/// text, including the refused characters listed in a pattern, survives.
indirect enum Y: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    case map([(String, Y)])
    case seq([Y])
    case str(String)
    case int(Int64)
    case bool(Bool)
    case null

    init(stringLiteral value: String) { self = .str(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: String...) { self = .seq(elements.map { .str($0) }) }

    var entries: [(String, Y)] {
        if case .map(let e) = self { return e }
        return []
    }
}

enum YAMLEmitter {
    static func emit(_ value: Y) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(scalar)
            case 0...0xFFFF: out += "\\u" + hex(scalar.value, 4)
            default: out += "\\U" + hex(scalar.value, 8)
            }
        }
        return out + "\""
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    static func scalar(_ value: Y) -> String? {
        switch value {
        case .str(let s): quote(s)
        case .int(let n): String(n)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .map(let e) where e.isEmpty: "{}"
        case .seq(let e) where e.isEmpty: "[]"
        default: nil
        }
    }

    static func write(_ value: Y, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let entries):
            for (key, v) in entries {
                if let s = scalar(v) {
                    out += "\(pad)\(quote(key)): \(s)\n"
                } else {
                    out += "\(pad)\(quote(key)):\n"
                    write(v, indent: indent + 2, into: &out)
                }
            }
        case .seq(let items):
            for item in items {
                if let s = scalar(item) {
                    out += "\(pad)- \(s)\n"
                } else {
                    // The first line of a nested block after "- ", the rest aligned with it.
                    var nested = ""
                    write(item, indent: indent + 2, into: &nested)
                    out += pad + "- " + nested.dropFirst(indent + 2)
                }
            }
        default:
            out += pad + (scalar(value) ?? "") + "\n"
        }
    }
}
