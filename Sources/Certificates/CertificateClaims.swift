import AkashiCrypto
import CBOR
import Foundation

/// What a certificate says, as CWT claims (RFC 8392) — the COSE_Sign1 payload.
///
///     {
///       1 (iss): "402052",            全国地方公共団体コード or a configured issuer id
///       4 (exp): 1771000000,          absent when the kind does not expire
///       6 (iat): 1763200000,
///       7 (cti): h'…' (10 bytes),     the serial
///       -70000 (akashi): {
///         1: "residence",             kind id
///         2: 1,                       kind version
///         3: { "name": "…", "birthDate": 1004("1990-04-01"), … }
///       }
///     }
///
/// No separate salt: the random 80-bit serial already makes every envelope
/// (and so its log entry's digest) unguessable from the fields, and its 18
/// bytes are a QR version's worth of room (format v2 dropped it).
///
/// Encoded deterministically (RFC 8949 §4.2.1), so one certificate has one byte form.
public struct CertificateClaims: Hashable, Sendable {
    /// The private claim key holding Akashi's content (a negative key, as
    /// private-use CWT claims are; the EU DCC uses -260 the same way).
    public static let akashiClaim: Int64 = -70000
    public static let serialByteCount = 10

    public var issuer: String
    public var issuedAt: Int64
    public var expiresAt: Int64?
    public var serial: [UInt8]
    public var kind: String
    public var kindVersion: Int
    /// The signed fields (content key 3). Withholdable fields are not among
    /// them: they are in ``withholdable`` and the disclosures.
    public var fields: [String: FieldValue]
    /// Which withholdable fields were issued (content key 4,
    /// docs/spec/selective-disclosure.md §1.1); nil when none.
    public var presentMask: UInt16?
    /// The disclosure commitment R, which is then the `cti` (the serial is
    /// its first 10 bytes); nil for a certificate without withholdable fields.
    public var commitment: [UInt8]?
    /// The withholdable fields' values — not part of the signed bytes: what
    /// the issuer issued, or what a presentation showed once verified.
    public var withholdable: [String: FieldValue] = [:]
    /// The X25519 public keys of the persons it is about (content key 5,
    /// docs/spec/subject-transparency.md §2); empty for a kind without subjects.
    public var subjectKeys: [[UInt8]] = []

    public init(
        issuer: String, issuedAt: Int64, expiresAt: Int64?, serial: [UInt8], kind: String, kindVersion: Int, fields: [String: FieldValue],
        presentMask: UInt16? = nil, commitment: [UInt8]? = nil
    ) {
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.serial = serial
        self.kind = kind
        self.kindVersion = kindVersion
        self.fields = fields
        self.presentMask = presentMask
        self.commitment = commitment
    }

    /// The signed fields and the withholdable ones known here.
    public var allFields: [String: FieldValue] { fields.merging(withholdable) { signed, _ in signed } }

    /// The `cti`: the commitment when there is one, else the serial.
    public var cti: [UInt8] { commitment ?? serial }

    /// The serial as printed: Crockford base32 in groups of four (`7K3M-9QX2-…`).
    public var serialText: String { Serial.text(serial) }

    public var cbor: CBOR {
        var claims: [(key: CBOR, value: CBOR)] = [
            (CBOR(1), .textString(issuer)),
            (CBOR(6), CBOR(issuedAt)),
            (CBOR(7), .byteString(cti)),
        ]
        if let expiresAt { claims.append((CBOR(4), CBOR(expiresAt))) }
        var content: [(key: CBOR, value: CBOR)] = [
            (CBOR(1), .textString(kind)),
            (CBOR(2), CBOR(kindVersion)),
            (CBOR(3), .map(fields.map { (CBOR.textString($0.key), $0.value.cbor) })),
        ]
        if let presentMask { content.append((CBOR(4), CBOR(UInt64(presentMask)))) }
        if !subjectKeys.isEmpty { content.append((CBOR(5), .array(subjectKeys.map { .byteString($0) }))) }
        claims.append((CBOR(Self.akashiClaim), .map(content)))
        return .map(claims)
    }

    public func encoded() -> [UInt8] { try! cbor.encoded() }

    /// The largest time a certificate carries: 2^53 − 1, a JS-safe integer
    /// (docs/spec/README.md "Conventions"), so every verifier holds it exactly.
    public static let maxTime: Int64 = jsSafeIntegerMax

    /// iss, exp, iat, cti and Akashi's content: the claims this version knows.
    static let knownClaims: [CBOR] = [CBOR(1), CBOR(4), CBOR(6), CBOR(7), CBOR(akashiClaim)]

    /// Reads the claims (docs/spec/certificate.md §1, §3): Akashi's CBOR
    /// profile (deterministic; no major type 7; tags 1004, 30000 and 30001
    /// only, and only on field values), exactly the five claims, `iat` and
    /// `exp` unsigned and at most ``maxTime``, a kind id of the kind grammar
    /// (it is written into the log entry's `kind` line), a field map whose
    /// values have one of the six forms. Anything else is undecodable.
    public init(decoding bytes: [UInt8]) throws(CertificateError) {
        let value: CBOR
        do { value = try CBOR(decoding: bytes, options: fieldValueOptions) } catch {
            throw CertificateError(.malformedPayload, "the certificate payload is not CBOR of Akashi's profile: \(error)")
        }
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedPayload, "the certificate payload \(what)") }
        func time(_ item: CBOR) -> Int64? { item.uint.flatMap { $0 <= UInt64(Self.maxTime) ? Int64($0) : nil } }
        guard let entries = value.mapEntries else { throw fail("is not a CBOR map") }
        guard entries.allSatisfy({ Self.knownClaims.contains($0.key) }) else { throw fail("has claims this version does not know") }
        guard let iss = value[CBOR(1)]?.text else { throw fail("has no issuer (iss)") }
        guard let iat = value[CBOR(6)].flatMap(time) else { throw fail("has no issue time (iat) that is an unsigned integer ≤ 2^53 − 1") }
        guard let cti = value[CBOR(7)]?.bytes, cti.count == Self.serialByteCount || cti.count == Disclosures.nodeByteCount else {
            throw fail("has no 10-byte serial or 16-byte commitment (cti)")
        }
        var exp: Int64? = nil
        if let e = value[CBOR(4)] {
            guard let n = time(e) else { throw fail("has an expiry (exp) that is not an unsigned integer ≤ 2^53 − 1") }
            exp = n
        }
        guard let content = value[CBOR(Self.akashiClaim)], let contentEntries = content.mapEntries,
            contentEntries.count == 3 + (content[CBOR(4)] == nil ? 0 : 1) + (content[CBOR(5)] == nil ? 0 : 1),
            let kind = content[CBOR(1)]?.text,
            let version = content[CBOR(2)]?.int, version >= 1, version <= Int64(Int32.max),
            let fieldMap = content[CBOR(3)]?.mapEntries
        else { throw fail("has no valid Akashi content (kind, version, fields)") }
        guard CertificateKind.isValidID(kind) else { throw fail("has a kind id that is not [a-z][a-z0-9-]{0,39}") }
        // A present mask and a 16-byte cti go together (selective-disclosure.md §2).
        var mask: UInt16? = nil
        if let raw = content[CBOR(4)] {
            guard let n = raw.uint, (1...UInt64(UInt16.max)).contains(n) else { throw fail("has a present mask (content key 4) that is not 1 to 65535") }
            mask = UInt16(n)
        }
        var subjectKeys: [[UInt8]] = []
        if let raw = content[CBOR(5)] {
            guard let items = raw.array, (1...SubjectLines.maxSubjects).contains(items.count),
                items.allSatisfy({ $0.bytes?.count == SubjectLines.keyByteCount })
            else { throw fail("has subject keys (content key 5) that are not 1 to 4 byte strings of 32 bytes") }
            subjectKeys = items.map { $0.bytes! }
        }
        guard (mask != nil) == (cti.count == Disclosures.nodeByteCount) else {
            throw fail(mask == nil ? "has a 16-byte cti but no present mask" : "has a present mask but a 10-byte cti")
        }
        var fields: [String: FieldValue] = [:]
        for (key, raw) in fieldMap {
            guard let name = key.text, let field = FieldValue(cbor: raw) else { throw fail("has a field of an unknown form") }
            // Swift's String equality is canonical equivalence, CBOR's is
            // bytes: "K" and U+212A KELVIN SIGN are two keys here but one in
            // the dictionary. At least one of them is not NFC, so not a field
            // id; keep that one, so the kind check reports it (invalidFields).
            if let existing = fields.index(forKey: name) {
                guard FieldDefinition.isValidID(fields[existing].key) else { continue }
                fields.remove(at: existing)
            }
            fields[name] = field
        }
        self.init(
            issuer: iss, issuedAt: iat, expiresAt: exp, serial: Array(cti.prefix(Self.serialByteCount)), kind: kind, kindVersion: Int(version),
            fields: fields, presentMask: mask, commitment: mask == nil ? nil : cti)
        self.subjectKeys = subjectKeys
    }
}

/// Dates use RFC 8943's full-date tag so generic CBOR tools show them as dates.
let fullDateTag: UInt64 = 1004
/// Decimals are canonical decimal text under tag 30000 (private use), which
/// keeps them exact and distinguishes them from plain text.
let decimalTag: UInt64 = 30000
/// Enum values are text under a private tag, distinguishing them from free text.
let enumTag: UInt64 = 30001
/// Akashi's CBOR profile with the field values' three tags: claims and disclosures.
let fieldValueOptions = CBORDecodingOptions.akashi(tags: [fullDateTag, decimalTag, enumTag])

extension FieldValue {
    var cbor: CBOR {
        switch self {
        case .text(let s): .textString(s)
        case .date(let s): .tagged(fullDateTag, .textString(s))
        case .integer(let n): CBOR(n)
        case .decimal(let d): .tagged(decimalTag, .textString(d))
        case .enumValue(let v): .tagged(enumTag, .textString(v))
        case .textList(let items): .array(items.map { .textString($0) })
        }
    }

    init?(cbor: CBOR) {
        switch cbor {
        case .textString(let s): self = .text(s)
        case .unsigned, .negative:
            guard let n = cbor.int else { return nil }
            self = .integer(n)
        case .tagged(fullDateTag, .textString(let s)): self = .date(s)
        case .tagged(decimalTag, .textString(let s)): self = .decimal(s)
        case .tagged(enumTag, .textString(let s)): self = .enumValue(s)
        case .array(let items):
            // An empty list is not a value (docs/spec/certificate.md §4): undecodable.
            guard !items.isEmpty else { return nil }
            var out: [String] = []
            for item in items {
                guard let s = item.text else { return nil }
                out.append(s)
            }
            self = .textList(out)
        default: return nil
        }
    }
}

/// Serial numbers: 10 random bytes (80 bits: unguessable, no central counter
/// to coordinate), printed as 16 Crockford base32 characters.
public enum Serial {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    public static func random() -> [UInt8] { SecureRandom.bytes(CertificateClaims.serialByteCount) }

    public static func text(_ bytes: [UInt8]) -> String {
        var bits = 0
        var value = 0
        var out: [Character] = []
        for byte in bytes {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[(value >> bits) & 31])
            }
            value &= (1 << bits) - 1
        }
        if bits > 0 { out.append(alphabet[(value << (5 - bits)) & 31]) }
        return stride(from: 0, to: out.count, by: 4).map { String(out[$0..<min($0 + 4, out.count)]) }.joined(separator: "-")
    }

    /// Parses a printed serial (case-insensitive, hyphens optional, O→0, I/L→1).
    public static func parse(_ text: String) -> [UInt8]? {
        var bits = 0
        var value = 0
        var out: [UInt8] = []
        for c in text.uppercased() where c != "-" && c != " " {
            let mapped: Character = c == "O" ? "0" : (c == "I" || c == "L") ? "1" : c
            guard let v = alphabet.firstIndex(of: mapped) else { return nil }
            value = (value << 5) | v
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((value >> bits) & 0xff))
                value &= (1 << bits) - 1
            }
        }
        return out.count == CertificateClaims.serialByteCount ? out : nil
    }
}
