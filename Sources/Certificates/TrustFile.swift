import AkashiCrypto
import Foundation
import QRPayload
import SafeText
import StrictJSON
import TransparencyLog

/// Everything an offline verifier needs: which authorities it trusts, their
/// certificate keys (as JWK, RFC 7517), the kinds each may issue (the full
/// definitions, so fields are checked and labelled without `certs/`), and each
/// authority's log origin and verifier key. Several authorities can share one
/// file, so a company checks Kaga's and Iizuka's certificates with one file.
public struct TrustFile: Codable, Hashable, Sendable {
    public static let currentFormat = "akashi-trust/v2"

    public var format: String
    public var generatedAt: Date
    public var authorities: [TrustedAuthority]

    public init(generatedAt: Date = Date(), authorities: [TrustedAuthority]) {
        self.format = Self.currentFormat
        self.generatedAt = generatedAt
        self.authorities = authorities
    }

    public func authority(issuer: String) -> TrustedAuthority? { authorities.first { $0.issuer == issuer } }

    /// The issuer key with this key id, and its authority. Key ids are unique
    /// in a trust file (``decode(_:)`` refuses duplicates), so a certificate's
    /// signing key — not the unsigned issuer it names — decides whose it is.
    public func key(kid: [UInt8]) -> (TrustedAuthority, IssuerKey)? {
        for authority in authorities {
            if let key = authority.keys.first(where: { $0.kidBytes == kid }) { return (authority, key) }
        }
        return nil
    }

    /// Decodes and validates the whole file (docs/spec/trust-file.md), so a
    /// verifier built from it never meets a malformed part later: one JSON
    /// reading (I-JSON, no duplicate names, integers only — StrictJSON),
    /// closed objects and no `null` (an unknown member anywhere is refused),
    /// times exactly `YYYY-MM-DDTHH:MM:SSZ`, the text rule for every string
    /// but `log.policy`, `akashi-trust/v2`, and every rule of §2–§4: issuers,
    /// names, keys, kinds (``KindRegistry``'s one check), logs and policies.
    public static func decode(_ data: Data) throws(CertificateError) -> TrustFile {
        do { try StrictJSON.check(data, rules: [.iJSON, .integersOnly]) } catch {
            throw CertificateError(.malformedTrust, "the trust file is not valid JSON: \(error)")
        }
        if let object = try? JSONSerialization.jsonObject(with: data) {
            if let problem = TrustFileShape.unknownMember(object) {
                throw CertificateError(
                    .malformedTrust, "the trust file has an unknown member \(problem) (a v2 trust file is closed; see docs/spec/trust-file.md)")
            }
            if let problem = TrustFileShape.badValue(object) {
                throw CertificateError(.malformedTrust, "the trust file is not valid: \(problem)")
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseTime(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "'\(text.prefix(40))' is not a time YYYY-MM-DDTHH:MM:SSZ"))
            }
            return date
        }
        let trust: TrustFile
        do { trust = try decoder.decode(TrustFile.self, from: data) } catch let error as DecodingError {
            throw CertificateError(.malformedTrust, "the trust file is not valid: \(describe(error))")
        } catch {
            throw CertificateError(.malformedTrust, "the trust file is not valid JSON: \(error)")
        }
        guard trust.format == currentFormat else {
            throw CertificateError(.malformedTrust, "the trust file has format '\(trust.format)'; this verifier reads \(currentFormat)")
        }
        try trust.validate()
        return trust
    }

    /// The cross-field rules (docs/spec/trust-file.md §2–§4) on the decoded model.
    func validate() throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedTrust, what) }
        guard (1...1024).contains(authorities.count) else { throw fail("the trust file must list 1 to 1024 authorities") }
        var kids = Set<[UInt8]>()
        var issuers = Set<[UInt8]>()
        for authority in authorities {
            guard TrustedAuthority.isValidIssuer(authority.issuer) else {
                throw fail("the issuer id '\(SafeText.escaped(authority.issuer, limit: 70))' is not 1 to 64 of [0-9A-Za-z._-], starting with a letter or digit")
            }
            guard issuers.insert(Array(authority.issuer.utf8)).inserted else { throw fail("authority \(authority.issuer) is listed twice") }
            func failHere(_ what: String) -> CertificateError { fail("authority \(authority.issuer): \(what)") }
            guard (1...100).contains(SafeText.length(authority.name)) else { throw failHere("the name must be 1 to 100 characters") }
            if let url = authority.verifierURL, !Self.isValidVerifierURL(url) {
                throw failHere("verifierURL must be an absolute http(s) URL of at most 2000 printable ASCII characters without '#'")
            }
            guard (1...64).contains(authority.keys.count) else { throw failHere("must have 1 to 64 issuer keys") }
            guard authority.kinds.count <= 256 else { throw failHere("must have at most 256 kinds") }
            for key in authority.keys {
                guard key.use == "sig" else { throw failHere("key \(key.kid) has use '\(key.use)'; an issuer key's use is sig") }
                guard let kid = key.kidBytes, kid.count == 8, kids.insert(kid).inserted else {
                    throw failHere("key id \(key.kid) is malformed or used twice in the trust file")
                }
                do { _ = try key.publicKey() } catch {
                    throw failHere("key \(key.kid) is invalid: \(error)")
                }
                if key.status != .active, key.notAfter == nil {
                    throw failHere("key \(key.kid) is \(key.status.rawValue) but has no notAfter")
                }
                if key.status != .compromised, key.compromisedAt != nil || key.compromisedFromLogIndex != nil {
                    throw failHere("key \(key.kid) has compromise details but is \(key.status.rawValue)")
                }
                if let index = key.compromisedFromLogIndex, index > UInt64(jsSafeIntegerMax) {
                    throw failHere("key \(key.kid): compromisedFromLogIndex must be at most 2^53 − 1")
                }
                if let notAfter = key.notAfter, notAfter < key.notBefore {
                    throw failHere("key \(key.kid) ends before it begins")
                }
            }
            guard SignedNote.isAkashiKeyName(authority.log.origin) else {
                throw failHere("the log origin must be 1 to 255 bytes of printable ASCII without spaces and '+' (docs/spec/log.md §1)")
            }
            let logKey: VerifierKey
            do { logKey = try authority.log.verifierKey() } catch {
                throw failHere("log vkey is invalid: \(error)")
            }
            guard logKey.type == .ed25519 else { throw failHere("the log vkey must be an Ed25519 (type 0x01) key") }
            let policy: TlogPolicy
            do { policy = try authority.log.tlogPolicy() } catch {
                throw failHere(error.reason)
            }
            var witnessIDs = Set<UInt32>()
            for witness in policy.witnesses {
                guard SignedNote.isAkashiKeyName(witness.key.name) else {
                    throw failHere(
                        "the witness key name '\(SafeText.escaped(witness.key.name, limit: 60))' is not 1 to 255 bytes of printable ASCII without '+' (docs/spec/log.md §1)"
                    )
                }
                guard witness.key.keyID != logKey.keyID, witnessIDs.insert(witness.key.keyID).inserted else {
                    throw failHere("two keys of its log policy share the key ID \(String(witness.key.keyID, radix: 16))")
                }
            }
            do { _ = try KindRegistry(kinds: authority.kinds) } catch {
                throw failHere(error.reason)
            }
        }
    }

    /// docs/spec/qr-text.md §1.1: an absolute `https` (or `http`) URL of
    /// the bytes 0x21–0x7E without `#`; at most 2000 bytes.
    static func isValidVerifierURL(_ url: String) -> Bool {
        let bytes = Array(url.utf8)
        guard bytes.count <= 2000, url.hasPrefix("https://") || url.hasPrefix("http://") else { return false }
        let rest = bytes.dropFirst(url.hasPrefix("https://") ? 8 : 7)
        return !rest.isEmpty && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != 0x23 }
    }

    /// A trust file time (docs/spec/trust-file.md §1): exactly
    /// `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole seconds, a real date and time.
    static func parseTime(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...days[month - 1]).contains(day) else { return nil }
        let epochDays = Int(CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day)))
        return Date(timeIntervalSince1970: TimeInterval(epochDays * 86_400 + hour * 3600 + minute * 60 + second))
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Whole seconds in UTC, exactly the form decode() reads (trust-file.md §1).
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(CivilDate.utcISO8601(Int64(date.timeIntervalSince1970.rounded(.down))))
        }
        return try encoder.encode(self)
    }
}

public struct TrustedAuthority: Codable, Hashable, Sendable {
    /// The CWT `iss` its certificates carry (全国地方公共団体コード).
    public var issuer: String
    public var name: String
    public var verifierURL: String?
    public var keys: [IssuerKey]
    public var kinds: [CertificateKind]
    public var log: LogTrust

    public init(issuer: String, name: String, verifierURL: String?, keys: [IssuerKey], kinds: [CertificateKind], log: LogTrust) {
        self.issuer = issuer
        self.name = name
        self.verifierURL = verifierURL
        self.keys = keys
        self.kinds = kinds
        self.log = log
    }
}

extension TrustedAuthority {
    /// An issuer id (docs/spec/trust-file.md §2.2): 1 to 64 bytes of
    /// `[0-9A-Za-z][0-9A-Za-z._-]*`, checked on the bytes.
    public static func isValidIssuer(_ issuer: String) -> Bool {
        func alphanumeric(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        let bytes = Array(issuer.utf8)
        guard let first = bytes.first, bytes.count <= 64, alphanumeric(first) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }
}

/// The log an authority anchors in, and who must sign its checkpoints: its
/// key and its witness rule as a c2sp.org/tlog-policy text, which lists
/// exactly one log, this one's `vkey`, so a policy cannot smuggle in a second
/// key for the origin. A log without witnesses says `quorum none`.
public struct LogTrust: Codable, Hashable, Sendable {
    public var origin: String
    /// The log's signed-note verifier key (`origin+keyid+base64`).
    public var vkey: String
    /// The witness rule as c2sp.org/tlog-policy text.
    public var policy: String

    public init(origin: String, vkey: String, policy: String? = nil) {
        self.origin = origin
        self.vkey = vkey
        self.policy = policy ?? Self.noWitnesses(vkey: vkey)
    }

    /// The policy of a log that needs no cosignatures.
    public static func noWitnesses(vkey: String) -> String { "log \(vkey)\nquorum none\n" }

    /// The tlog-policy text of "any `quorum` of these witnesses" (0: none).
    public static func policy(logKey: VerifierKey, witnesses: [VerifierKey], quorum: Int) throws -> String {
        try TlogPolicy(logKey: logKey, witnesses: witnesses, quorum: quorum).text
    }

    public func verifierKey() throws -> VerifierKey { try VerifierKey(parsing: vkey) }

    /// The witness rule as a c2sp.org/tlog-policy, whichever way it is written.
    /// Throws `malformedTrust` when the rule is ambiguous or invalid.
    public func tlogPolicy() throws(CertificateError) -> TlogPolicy {
        let logKey: VerifierKey
        do { logKey = try verifierKey() } catch {
            throw CertificateError(.malformedTrust, "log \(origin): the vkey is invalid: \(error)")
        }
        guard origin == logKey.name else {
            throw CertificateError(.malformedTrust, "log \(origin): the origin is not the vkey's name '\(logKey.name)' (a log is identified by its key name)")
        }
        let text = policy
        let parsed: TlogPolicy
        do { parsed = try TlogPolicy(parsing: text) } catch {
            throw CertificateError(.malformedTrust, "log \(origin): the tlog-policy is invalid: \(error)")
        }
        guard parsed.logs.count == 1, let listed = parsed.logs.first?.key, listed == logKey else {
            throw CertificateError(
                .malformedTrust,
                "log \(origin): the tlog-policy must list exactly one log, this log's vkey \(vkey) (it lists \(parsed.logs.count))")
        }
        return parsed
    }
}

/// The state of an issuer key (docs/spec/trust-file.md §2.3).
public enum KeyStatus: String, Codable, Hashable, Sendable {
    /// In use.
    case active
    /// No new certificates; those it signed stay valid.
    case retired
    /// Its certificates are invalid, except those the log proves older (see `compromisedFromLogIndex`).
    case compromised
}

/// An ES256 issuer key as a JWK (RFC 7517 / RFC 7518 §6.2), plus its validity window.
public struct IssuerKey: Codable, Hashable, Sendable {
    public var kty: String
    public var crv: String
    public var x: String
    public var y: String
    /// base64url of the 8-byte key id in certificates' protected header.
    public var kid: String
    public var alg: String
    public var use: String
    /// Certificates issued before this time are not signed by this key.
    public var notBefore: Date
    /// Certificates issued after this time are not signed by this key (retired).
    public var notAfter: Date?
    public var status: KeyStatus
    /// When the key was declared compromised (for people; the decision uses the index).
    public var compromisedAt: Date?
    /// For a compromised key: certificates whose log entry is at this index or
    /// later are invalid; earlier ones were logged before the compromise and
    /// stay valid — the log's order decides, not the signer's claimed time.
    /// Absent: every certificate signed by the key is invalid.
    public var compromisedFromLogIndex: UInt64?

    /// key id = the first 8 bytes of SHA-256 of the uncompressed public point.
    public static func keyID(_ key: P256.PublicKey) -> [UInt8] { Array(SHA256.hash(key.x963Representation).prefix(8)) }

    public init(publicKey: P256.PublicKey, notBefore: Date, notAfter: Date? = nil, status: KeyStatus = .active) {
        kty = "EC"
        crv = "P-256"
        x = Base64URL.encode(publicKey.x)
        y = Base64URL.encode(publicKey.y)
        kid = Base64URL.encode(Self.keyID(publicKey))
        alg = "ES256"
        use = "sig"
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.status = status
    }

    public var kidBytes: [UInt8]? { try? Base64URL.decode(kid) }

    public func publicKey() throws -> P256.PublicKey {
        guard kty == "EC", crv == "P-256", alg == "ES256" else {
            throw CertificateError(.malformedTrust, "key \(kid) is not an EC P-256 ES256 key")
        }
        let key = try P256.PublicKey(x: Base64URL.decode(x), y: Base64URL.decode(y))
        guard Base64URL.encode(Self.keyID(key)) == kid else {
            throw CertificateError(.malformedTrust, "key id \(kid) does not match its key")
        }
        return key
    }
}

/// The members each object of a v2 trust file may have: everything else is
/// refused (docs/spec/trust-file.md §1, "every object is closed").
enum TrustFileShape {
    static let top: Set<String> = ["format", "generatedAt", "authorities"]
    static let authority: Set<String> = ["issuer", "name", "verifierURL", "keys", "kinds", "log"]
    static let key: Set<String> = ["kty", "crv", "x", "y", "kid", "alg", "use", "notBefore", "notAfter", "status", "compromisedAt", "compromisedFromLogIndex"]
    static let log: Set<String> = ["origin", "vkey", "policy"]
    static let kind: Set<String> = ["id", "version", "label", "description", "statement", "validityDays", "fields", "forbiddenFields", "subjects"]
    static let field: Set<String> = [
        "id", "type", "label", "required", "maxLength", "maxItems", "options", "scale", "minimum", "maximum", "unit", "printed", "omittedByDefault", "help",
        "withholdable", "withholdGroup",
    ]
    static let localized: Set<String> = ["ja", "en"]
    static let option: Set<String> = ["value", "label"]
    static let forbidden: Set<String> = ["id", "label", "reason"]

    /// The first value no trust file has: a JSON `null` (every member is
    /// either present with its type or absent), or a string — other than
    /// `log.policy`, which is tlog-policy text — that breaks the text rule
    /// (docs/spec/trust-file.md §1, docs/spec/certificate.md §5).
    static func badValue(_ value: Any, path: String = "") -> String? {
        switch value {
        case is NSNull:
            return "\(path.isEmpty ? "top level" : path) is null"
        case let string as String:
            guard !path.hasSuffix(".log.policy"), let violation = SafeText.formatViolation(in: string) else { return nil }
            return "\(path): \(violation.en)"
        case let array as [Any]:
            for (i, item) in array.enumerated() { if let p = badValue(item, path: "\(path)[\(i)]") { return p } }
            return nil
        case let dict as [String: Any]:
            for key in dict.keys.sorted() { if let p = badValue(dict[key]!, path: "\(path).\(key)") { return p } }
            return nil
        default:
            return nil
        }
    }

    /// The path of the first member not allowed where it stands, or nil.
    static func unknownMember(_ value: Any) -> String? {
        func extra(_ object: Any, _ allowed: Set<String>, _ path: String) -> String? {
            guard let dict = object as? [String: Any] else { return nil }  // a type error is Codable's to report
            return dict.keys.sorted().first { !allowed.contains($0) }.map { "\(path).\($0)" }
        }
        func each(_ array: Any?, _ body: (Any, Int) -> String?) -> String? {
            for (i, item) in ((array as? [Any]) ?? []).enumerated() { if let p = body(item, i) { return p } }
            return nil
        }
        func localizedIn(_ dict: [String: Any], _ names: [String], _ path: String) -> String? {
            for name in names { if let v = dict[name], let p = extra(v, localized, "\(path).\(name)") { return p } }
            return nil
        }
        if let p = extra(value, top, "") { return p }
        let root = value as? [String: Any] ?? [:]
        return each(root["authorities"]) { a, i in
            let path = ".authorities[\(i)]"
            if let p = extra(a, authority, path) { return p }
            let auth = a as? [String: Any] ?? [:]
            if let p = each(auth["keys"], { k, j in extra(k, key, "\(path).keys[\(j)]") }) { return p }
            if let l = auth["log"], let p = extra(l, log, "\(path).log") { return p }
            return each(auth["kinds"]) { k, j in
                let kpath = "\(path).kinds[\(j)]"
                if let p = extra(k, kind, kpath) { return p }
                let kd = k as? [String: Any] ?? [:]
                if let p = localizedIn(kd, ["label", "description", "statement"], kpath) { return p }
                if let p = each(
                    kd["forbiddenFields"],
                    { f, n in
                        extra(f, forbidden, "\(kpath).forbiddenFields[\(n)]")
                            ?? localizedIn(f as? [String: Any] ?? [:], ["label", "reason"], "\(kpath).forbiddenFields[\(n)]")
                    })
                {
                    return p
                }
                return each(kd["fields"]) { f, n in
                    let fpath = "\(kpath).fields[\(n)]"
                    if let p = extra(f, field, fpath) { return p }
                    let fd = f as? [String: Any] ?? [:]
                    if let p = localizedIn(fd, ["label", "unit", "help"], fpath) { return p }
                    return each(fd["options"]) { o, m in
                        extra(o, option, "\(fpath).options[\(m)]") ?? localizedIn(o as? [String: Any] ?? [:], ["label"], "\(fpath).options[\(m)]")
                    }
                }
            }
        }
    }
}
