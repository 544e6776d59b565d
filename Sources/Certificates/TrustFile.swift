import AkashiCrypto
import Foundation
import QRPayload
import TransparencyLog

/// Everything an offline verifier needs: which authorities it trusts, their
/// certificate keys (as JWK, RFC 7517), the kinds each may issue (the full
/// definitions, so fields are checked and labelled without `certs/`), and each
/// authority's log origin and verifier key. Several authorities can share one
/// file, so a company checks Kaga's and Iizuka's certificates with one file.
public struct TrustFile: Codable, Hashable, Sendable {
    public static let currentFormat = "akashi-trust/v1"

    public var format: String
    public var generatedAt: Date
    public var authorities: [TrustedAuthority]

    public init(generatedAt: Date = Date(), authorities: [TrustedAuthority]) {
        self.format = Self.currentFormat
        self.generatedAt = generatedAt
        self.authorities = authorities
    }

    public func authority(issuer: String) -> TrustedAuthority? { authorities.first { $0.issuer == issuer } }

    public static func decode(_ data: Data) throws(CertificateError) -> TrustFile {
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
        for authority in trust.authorities {
            do { _ = try authority.log.verifierKey() } catch {
                throw CertificateError(.malformedTrust, "authority \(authority.issuer): log vkey is invalid: \(error)")
            }
            do { _ = try authority.log.tlogPolicy() } catch {
                throw CertificateError(.malformedTrust, "authority \(authority.issuer): \(error.reason)")
            }
            for key in authority.keys {
                do { _ = try key.publicKey() } catch {
                    throw CertificateError(.malformedTrust, "authority \(authority.issuer): key \(key.kid) is invalid: \(error)")
                }
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

/// The log an authority anchors in, and who must sign its checkpoints.
///
/// The witness rule is written one of two ways, never both:
/// - `policy`: a c2sp.org/tlog-policy text (log, witnesses, groups, quorum) —
///   what `akashi trust export` writes. It must list exactly one log, this
///   one's `vkey`, so a policy cannot smuggle in a second key for the origin.
/// - `witnesses` + `witnessQuorum`: the simple k-of-n form (read for older
///   files and hand-written ones).
public struct LogTrust: Codable, Hashable, Sendable {
    public var origin: String
    /// The log's signed-note verifier key (`origin+keyid+base64`).
    public var vkey: String
    /// Witness cosigner vkeys (type 0x04) and how many must have cosigned.
    public var witnesses: [String]?
    public var witnessQuorum: Int?
    /// The witness rule as c2sp.org/tlog-policy text (see the type's comment).
    public var policy: String?

    public init(origin: String, vkey: String, witnesses: [String]? = nil, witnessQuorum: Int? = nil, policy: String? = nil) {
        self.origin = origin
        self.vkey = vkey
        self.witnesses = witnesses
        self.witnessQuorum = witnessQuorum
        self.policy = policy
    }

    public func verifierKey() throws -> VerifierKey { try VerifierKey(parsing: vkey) }

    /// The simple form as a `CheckpointPolicy` (ignores `policy`; use
    /// ``checkpointVerifier()`` to decide whether a checkpoint is trusted).
    public func simplePolicy() throws -> CheckpointPolicy {
        CheckpointPolicy(
            logKey: try verifierKey(), origin: origin,
            witnesses: try (witnesses ?? []).map { try VerifierKey(parsing: $0) },
            witnessQuorum: witnessQuorum ?? 0)
    }

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
        guard let text = policy else {
            do { return try TlogPolicy(simplePolicy()) } catch {
                throw CertificateError(.malformedTrust, "log \(origin): the witnesses and quorum do not form a valid policy: \(error)")
            }
        }
        guard witnesses == nil, witnessQuorum == nil else {
            throw CertificateError(.malformedTrust,
                "log \(origin): give the witness rule either as 'policy' or as 'witnesses' + 'witnessQuorum', not both")
        }
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
        if policy == nil, let simple = try? simplePolicy() { return simple }
        return try tlogPolicy()
    }

    /// Every witness key the rule names (to read cosignature lines in a QR's compact proof).
    public func witnessKeys() -> [VerifierKey] {
        if policy != nil { return (try? tlogPolicy())?.witnesses.map(\.key) ?? [] }
        return (witnesses ?? []).compactMap { try? VerifierKey(parsing: $0) }
    }
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
    /// `active`, `retired` (no new certificates; old ones stay valid) or
    /// `compromised` (see `compromisedFromLogIndex`).
    public var status: String
    /// When the key was declared compromised (for people; the decision uses the index).
    public var compromisedAt: Date?
    /// For a compromised key: certificates whose log entry is at this index or
    /// later are invalid; earlier ones were logged before the compromise and
    /// stay valid — the log's order decides, not the signer's claimed time.
    /// Absent: every certificate signed by the key is invalid.
    public var compromisedFromLogIndex: UInt64?

    /// key id = the first 8 bytes of SHA-256 of the uncompressed public point.
    public static func keyID(_ key: P256.PublicKey) -> [UInt8] { Array(SHA256.hash(key.x963Representation).prefix(8)) }

    public init(publicKey: P256.PublicKey, notBefore: Date, notAfter: Date? = nil, status: String = "active") {
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
