import AkashiCrypto
import Foundation
import QRPayload
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

    /// Decodes and validates the whole file (docs/spec/trust-file.md): one
    /// JSON reading (no duplicate names, StrictJSON), closed objects (an
    /// unknown member anywhere is refused), `akashi-trust/v2`, every key,
    /// policy and kind checked — so a verifier built from it never meets a
    /// malformed part later.
    public static func decode(_ data: Data) throws(CertificateError) -> TrustFile {
        do { try StrictJSON.check(data) } catch {
            throw CertificateError(.malformedTrust, "the trust file is not valid JSON: \(error)")
        }
        if let object = try? JSONSerialization.jsonObject(with: data) {
            if let problem = TrustFileShape.unknownMember(object) {
                throw CertificateError(.malformedTrust, "the trust file has an unknown member \(problem) (a v2 trust file is closed; see docs/spec/trust-file.md)")
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let trust: TrustFile
        do { trust = try decoder.decode(TrustFile.self, from: data) } catch let error as DecodingError {
            throw CertificateError(.malformedTrust, "the trust file is not valid: \(describe(error))")
        } catch {
            throw CertificateError(.malformedTrust, "the trust file is not valid JSON: \(error)")
        }
        guard trust.format == currentFormat else {
            throw CertificateError(.malformedTrust, "the trust file has format '\(trust.format)'; this verifier reads \(currentFormat)")
        }
        guard (1...1024).contains(trust.authorities.count) else {
            throw CertificateError(.malformedTrust, "the trust file must list 1 to 1024 authorities")
        }
        var kids = Set<[UInt8]>()
        var issuers = Set<String>()
        for authority in trust.authorities {
            guard issuers.insert(authority.issuer).inserted else {
                throw CertificateError(.malformedTrust, "authority \(authority.issuer) is listed twice")
            }
            guard !authority.keys.isEmpty else { throw CertificateError(.malformedTrust, "authority \(authority.issuer) has no issuer key") }
            for key in authority.keys {
                guard let kid = key.kidBytes, kids.insert(kid).inserted else {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): key id \(key.kid) is malformed or used twice in the trust file")
                }
                do { _ = try key.publicKey() } catch {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): key \(key.kid) is invalid: \(error)")
                }
                if key.status != .active, key.notAfter == nil {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): key \(key.kid) is \(key.status.rawValue) but has no notAfter")
                }
                if key.status != .compromised, key.compromisedAt != nil || key.compromisedFromLogIndex != nil {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): key \(key.kid) has compromise details but is \(key.status.rawValue)")
                }
                if let notAfter = key.notAfter, notAfter < key.notBefore {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): key \(key.kid) ends before it begins")
                }
            }
            do { _ = try authority.log.verifierKey() } catch {
                throw CertificateError(.malformedTrust, "authority \(authority.issuer): log vkey is invalid: \(error)")
            }
            let policy: TlogPolicy
            do { policy = try authority.log.tlogPolicy() } catch {
                throw CertificateError(.malformedTrust, "authority \(authority.issuer): \(error.reason)")
            }
            let logKeyID = try? authority.log.verifierKey().keyID
            var witnessIDs = Set<UInt32>()
            for witness in policy.witnesses {
                guard witness.key.keyID != logKeyID, witnessIDs.insert(witness.key.keyID).inserted else {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): two keys of its log policy share the key ID \(String(witness.key.keyID, radix: 16))")
                }
            }
            do { _ = try KindRegistry(kinds: authority.kinds) } catch {
                throw CertificateError(.malformedTrust, "authority \(authority.issuer): \(error.reason)")
            }
        }
        return trust
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
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
        try TlogPolicy(CheckpointPolicy(logKey: logKey, witnesses: witnesses, witnessQuorum: quorum)).text
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
            throw CertificateError(.malformedTrust,
                "log \(origin): the tlog-policy must list exactly one log, this log's vkey \(vkey) (it lists \(parsed.logs.count))")
        }
        return parsed
    }

    /// What decides whether one of this log's checkpoints is trusted.
    public func checkpointVerifier() throws(CertificateError) -> any CheckpointVerifying {
        try tlogPolicy()
    }

    /// Every witness key the rule names (to read cosignature lines in a QR's compact proof).
    public func witnessKeys() -> [VerifierKey] {
        (try? tlogPolicy())?.witnesses.map(\.key) ?? []
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
    static let kind: Set<String> = ["id", "version", "label", "description", "statement", "validityDays", "fields", "forbiddenFields"]
    static let field: Set<String> = ["id", "type", "label", "required", "maxLength", "maxItems", "options", "scale", "minimum", "maximum", "unit", "printed", "omittedByDefault", "help"]
    static let localized: Set<String> = ["ja", "en"]
    static let option: Set<String> = ["value", "label"]
    static let forbidden: Set<String> = ["id", "label", "reason"]

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
                if let p = each(kd["forbiddenFields"], { f, n in
                    extra(f, forbidden, "\(kpath).forbiddenFields[\(n)]") ?? localizedIn(f as? [String: Any] ?? [:], ["label", "reason"], "\(kpath).forbiddenFields[\(n)]")
                }) { return p }
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
