/// The API's description, served at `/openapi.yaml` (OpenAPI 3.1).
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.1.0
        info:
          title: Akashi issuer API
          version: "1"
          description: |
            Issue and fetch certificates of one municipality. Every request needs
            `Authorization: Bearer TOKEN` (create one with `akashi token create` or
            in the admin UI). Roles: clerk and supervisor may issue and read;
            auditor may not; admin may do everything. Messages are Japanese first.
        servers:
          - url: /
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          schemas:
            IssueRequest:
              type: object
              required: [kind, fields]
              properties:
                kind: { type: string, description: "a kind id from certs/ (residence, partnership, energy-origin, graduation, …)" }
                fields: { type: object, additionalProperties: true, description: "field id → value (text, number, or a list for list fields)" }
                omit: { type: array, items: { type: string }, description: "optional fields to leave out" }
                include: { type: array, items: { type: string }, description: "fields omitted by default to include (e.g. domicile)" }
            Issued:
              type: object
              required: [serial, qr, issuedAt, expiresAt, logIndex]
              properties:
                serial: { type: string, example: "7K3Q-9D2M-X4TB-1HZC" }
                qr: { type: string, description: "the exact QR text printed on the certificate" }
                kind: { type: string }
                issuedAt: { type: string, format: date-time }
                expiresAt: { type: [string, "null"], format: date-time }
                logIndex: { type: integer, minimum: 0 }
            Certificate:
              allOf:
                - $ref: "#/components/schemas/Issued"
                - type: object
                  properties:
                    fields: { type: object, additionalProperties: true }
                    issuedBy: { type: [string, "null"] }
            Problem:
              type: object
              required: [field, code, ja, en]
              properties:
                field: { type: string }
                code: { type: string }
                ja: { type: string }
                en: { type: string }
            Error:
              type: object
              required: [error, message]
              properties:
                error: { type: string, enum: [unauthorized, forbidden, malformedRequest, unknownKind, invalidInput, notFound] }
                message: { type: string }
                messageJa: { type: string }
                messageEn: { type: string }
                problems: { type: array, items: { $ref: "#/components/schemas/Problem" } }
        security:
          - bearer: []
        paths:
          /api/v1/certificates:
            post:
              summary: Issue one certificate (sign, anchor in the log, return the QR text)
              operationId: issueCertificate
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/IssueRequest" }
              responses:
                "201":
                  description: Issued and durably logged
                  headers:
                    Location: { schema: { type: string } }
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Issued" }
                "400": { description: Not JSON of the right shape, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
                "401": { description: Missing or invalid token, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
                "403": { description: The token's role may not issue, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
                "422": { description: Unknown kind or invalid fields (every problem listed), content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
          /api/v1/certificates/{serial}:
            get:
              summary: One certificate as JSON
              operationId: getCertificate
              parameters:
                - { name: serial, in: path, required: true, schema: { type: string } }
              responses:
                "200": { description: The certificate, content: { application/json: { schema: { $ref: "#/components/schemas/Certificate" } } } }
                "401": { description: Missing or invalid token, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
                "403": { description: The token's role may not read, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
                "404": { description: No such certificate, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
          /api/v1/certificates/{serial}.png:
            get:
              summary: The QR code as PNG
              operationId: getCertificatePNG
              parameters:
                - { name: serial, in: path, required: true, schema: { type: string } }
              responses:
                "200": { description: PNG image, content: { image/png: {} } }
                "404": { description: No such certificate }
          /api/v1/certificates/{serial}.svg:
            get:
              summary: The QR code as SVG
              operationId: getCertificateSVG
              parameters:
                - { name: serial, in: path, required: true, schema: { type: string } }
              responses:
                "200": { description: SVG image, content: { image/svg+xml: {} } }
                "404": { description: No such certificate }
          /api/v1/certificates/{serial}.html:
            get:
              summary: The printable A4 certificate page
              operationId: getCertificateHTML
              parameters:
                - { name: serial, in: path, required: true, schema: { type: string } }
              responses:
                "200": { description: HTML page, content: { text/html: {} } }
                "404": { description: No such certificate }
          /log/checkpoint:
            get:
              summary: The log's latest signed checkpoint (c2sp.org/tlog-checkpoint)
              security: []
              responses:
                "200": { description: Signed note, content: { text/plain: {} } }
          /trust.json:
            get:
              summary: The trust file verifiers need (akashi-trust/v1)
              security: []
              responses:
                "200": { description: Trust file, content: { application/json: {} } }
        """
}
