import Certificates
import Foundation
import TransparencyLog

/// One `--json` output line (docs/spec/verification.md §5.3) as a Codable
/// value: typed, and encoded by JSONEncoder — `JSONSerialization` over
/// `[String: Any]` bridged every value through NSDictionary and cost more
/// than the verification itself.
struct VerificationLine: Encodable {
    struct Reason: Encodable {
        let code: String
        let check: String
        let message: String
    }
    struct Check: Encodable {
        let name: String
        let status: String
        let code: String?
    }
    struct Log: Encodable {
        let origin: String
        let index: UInt64
        let treeSize: UInt64
        let entry: String
        let leafHash: String
        let inclusionProof: [String]
        let rootHash: String
        let checkpoint: String
    }
    /// What is known of the claims once they decoded (all present together).
    struct Claims {
        let kind: String
        let issuer: String
        let serial: String
        let issuedAt: String
        /// `null` in the output when the certificate does not expire.
        let expiresAt: String?
        let fields: [String: FieldValue]
        /// The fields the holder withheld; nil when the disclosure check did not pass.
        let withheld: [String]?
    }

    let input: String
    let verdict: String
    let valid: Bool
    let reasons: [Reason]
    let checks: [Check]
    let envelope: String?
    let statusAsOf: String?
    let claims: Claims?
    let log: Log?
    let tlogProof: String?

    enum Key: String, CodingKey {
        case input, verdict, valid, reasons, checks, envelope, statusAsOf, kind, issuer, serial, issuedAt, expiresAt, fields, withheld, log, tlogProof
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(input, forKey: .input)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(valid, forKey: .valid)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(checks, forKey: .checks)
        try c.encodeIfPresent(envelope, forKey: .envelope)
        try c.encodeIfPresent(statusAsOf, forKey: .statusAsOf)
        if let claims {
            try c.encode(claims.kind, forKey: .kind)
            try c.encode(claims.issuer, forKey: .issuer)
            try c.encode(claims.serial, forKey: .serial)
            try c.encode(claims.issuedAt, forKey: .issuedAt)
            try c.encode(claims.expiresAt, forKey: .expiresAt)  // explicit null: "never expires"
            try c.encode(claims.fields, forKey: .fields)
            try c.encodeIfPresent(claims.withheld, forKey: .withheld)
        }
        try c.encodeIfPresent(log, forKey: .log)
        try c.encodeIfPresent(tlogProof, forKey: .tlogProof)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
