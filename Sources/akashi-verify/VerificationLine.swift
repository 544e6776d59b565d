import Certificates
import Foundation
import TransparencyLog

/// One `--json` output line (docs/spec/verification.md §5.3) as a typed
/// value, written by ``JSONLine`` straight into bytes: the members in sorted
/// order, fixed at compile time. JSONEncoder boxed every member through
/// `Encodable` existentials and a dictionary per object, and cost as much as
/// the verification itself.
struct VerificationLine {
    struct Reason {
        let code: String
        let check: String
        let message: String
    }
    struct Check {
        let name: String
        let status: String
        let code: String?
    }
    struct Log {
        let origin: String
        let index: UInt64
        let treeSize: UInt64
        let entry: [UInt8]
        let leafHash: [UInt8]
        let inclusionProof: [[UInt8]]
        let rootHash: [UInt8]
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
    /// The envelope bytes, written as base64; nil when decode did not pass.
    let envelope: [UInt8]?
    let statusAsOf: String?
    let claims: Claims?
    let log: Log?
    let tlogProof: String?

    /// The line, without its LF. Members in the byte order of their names
    /// (keys sorted, as §5.3 says): checks, envelope, expiresAt, fields,
    /// input, issuedAt, issuer, kind, log, reasons, serial, statusAsOf,
    /// tlogProof, valid, verdict, withheld.
    func write(to json: inout JSONLine) {
        json.beginObject()
        json.key("checks")
        json.beginArray()
        for check in checks {
            json.element()
            json.beginObject()
            if let code = check.code { json.member("code", code) }
            json.member("name", check.name)
            json.member("status", check.status)
            json.endObject()
        }
        json.endArray()
        if let envelope {
            json.key("envelope")
            json.base64String(envelope)
        }
        if let claims {
            json.key("expiresAt")
            if let expiresAt = claims.expiresAt { json.string(expiresAt) } else { json.null() }  // explicit null: "never expires"
            json.key("fields")
            json.beginObject()
            for (id, value) in claims.fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                json.key(id)
                switch value {
                case .text(let s), .date(let s), .decimal(let s), .enumValue(let s): json.string(s)
                case .integer(let n): json.number(n)
                case .textList(let items):
                    json.beginArray()
                    for item in items {
                        json.element()
                        json.string(item)
                    }
                    json.endArray()
                }
            }
            json.endObject()
        }
        json.member("input", input)
        if let claims {
            json.member("issuedAt", claims.issuedAt)
            json.member("issuer", claims.issuer)
            json.member("kind", claims.kind)
        }
        if let log {
            json.key("log")
            json.beginObject()
            json.member("checkpoint", log.checkpoint)
            json.key("entry")
            json.hexString(log.entry)
            json.key("inclusionProof")
            json.beginArray()
            for hash in log.inclusionProof {
                json.element()
                json.hexString(hash)
            }
            json.endArray()
            json.key("index")
            json.number(log.index)
            json.key("leafHash")
            json.hexString(log.leafHash)
            json.member("origin", log.origin)
            json.key("rootHash")
            json.hexString(log.rootHash)
            json.key("treeSize")
            json.number(log.treeSize)
            json.endObject()
        }
        json.key("reasons")
        json.beginArray()
        for reason in reasons {
            json.element()
            json.beginObject()
            json.member("check", reason.check)
            json.member("code", reason.code)
            json.member("message", reason.message)
            json.endObject()
        }
        json.endArray()
        if let claims { json.member("serial", claims.serial) }
        if let statusAsOf { json.member("statusAsOf", statusAsOf) }
        if let tlogProof { json.member("tlogProof", tlogProof) }
        json.key("valid")
        json.bool(valid)
        json.member("verdict", verdict)
        if let withheld = claims?.withheld {
            json.key("withheld")
            json.beginArray()
            for id in withheld {
                json.element()
                json.string(id)
            }
            json.endArray()
        }
        json.endObject()
    }
}

/// Compact JSON written into a byte buffer, one value at a time; the caller
/// gives keys in sorted order. Strings are escaped as JSONEncoder escapes
/// them with `.withoutEscapingSlashes` (`"`, `\`, and U+0000–U+001F, with the
/// short forms for BS, HT, LF, FF and CR) plus U+0085, U+2028 and U+2029 as
/// `\u0085`, `\u2028`, `\u2029`: characters that some readers take for line
/// breaks, in a format of one object per line. Everything else is copied as
/// UTF-8.
struct JSONLine {
    private(set) var bytes: [UInt8] = []
    /// Whether the innermost open array or object has a member yet.
    private var hasMember: [Bool] = []

    init(reservingCapacity capacity: Int = 8192) { bytes.reserveCapacity(capacity) }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        hasMember.removeAll(keepingCapacity: true)
    }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }
    mutating func endObject() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }
    mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
    }
    mutating func endArray() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Before an array element: the comma after the previous one.
    mutating func element() {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) } else { hasMember[hasMember.count - 1] = true }
    }
    /// An object member's key and colon; its value follows.
    mutating func key(_ name: String) {
        element()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }
    mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// The LF that ends a line (between top-level values).
    mutating func newline() { bytes.append(0x0A) }

    mutating func null() { bytes.append(contentsOf: "null".utf8) }
    mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    mutating func number(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }
    mutating func number(_ value: UInt64) { bytes.append(contentsOf: String(value).utf8) }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of the bytes, as a string.
    mutating func hexString(_ value: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        Self.hexDigits.withUnsafeBufferPointer { digits in
            for byte in value {
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0f)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Standard base64 with padding (RFC 4648 §4) of the bytes, as a string.
    mutating func base64String(_ value: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        Base64Table.standard.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The bytes that may start an escape: `"`, `\`, U+0000–U+001F, and the
    /// lead bytes of U+0085 (C2) and U+2028/U+2029 (E2).
    static let mayEscape: [Bool] = (0...255).map { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xC2 || $0 == 0xE2 }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var copied = 0  // utf8[..<copied] is written
            var i = 0
            while i < utf8.count {
                let b = utf8[i]
                guard Self.mayEscape[Int(b)] else {
                    i += 1
                    continue
                }
                let escape: StaticString
                var width = 1
                switch b {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x08: escape = "\\b"
                case 0x09: escape = "\\t"
                case 0x0A: escape = "\\n"
                case 0x0C: escape = "\\f"
                case 0x0D: escape = "\\r"
                case 0x00..<0x20: escape = "\\u00"
                case 0xC2 where i + 1 < utf8.count && utf8[i + 1] == 0x85:
                    escape = "\\u0085"
                    width = 2
                case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                default:
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[copied..<i]))
                bytes.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                if b < 0x20, escape.utf8CodeUnitCount == 4 {  // \u00XX
                    bytes.append(Self.hexDigits[Int(b >> 4)])
                    bytes.append(Self.hexDigits[Int(b & 0x0f)])
                }
                i += width
                copied = i
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[copied...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
