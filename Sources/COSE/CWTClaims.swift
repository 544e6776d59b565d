import CBOR

/// A CWT claims set (RFC 8392 §3): the COSE_Sign1 payload of a certificate.
///
/// The registered claims Akashi uses have typed properties; every other claim
/// — private ones with negative keys such as the EU DCC's `-260` (hcert) or
/// Akashi's own content claim, and registered ones this type does not model —
/// is kept as-is in ``otherClaims``, so reading and re-encoding a claims set
/// loses nothing.
///
/// Times are NumericDate integers (seconds since 1970-01-01T00:00:00Z, no
/// tag): RFC 8392 also allows floats, but a certificate's one byte form
/// should not depend on how a float was rounded, so Akashi refuses them.
/// The encoding is deterministic (RFC 8949 §4.2.1): keys sorted by their
/// encoded bytes, whatever order they were set in.
public struct CWTClaims: Hashable, Sendable {
    /// Registered claim keys (RFC 8392 §4).
    public enum Key {
        public static let issuer: Int64 = 1
        public static let subject: Int64 = 2
        public static let audience: Int64 = 3
        public static let expiration: Int64 = 4
        public static let notBefore: Int64 = 5
        public static let issuedAt: Int64 = 6
        public static let cwtID: Int64 = 7
        /// Keys with typed properties here; ``CWTClaims/otherClaims`` must not use them.
        public static let typed: Set<Int64> = [1, 2, 3, 4, 5, 6, 7]
    }

    /// `iss` (1): who issued it; for Akashi, the issuing municipality.
    public var issuer: String?
    /// `sub` (2).
    public var subject: String?
    /// `aud` (3), as a single text string.
    public var audience: String?
    /// `exp` (4): NumericDate after which it must not be accepted.
    public var expiration: Int64?
    /// `nbf` (5): NumericDate before which it must not be accepted.
    public var notBefore: Int64?
    /// `iat` (6): NumericDate when it was issued.
    public var issuedAt: Int64?
    /// `cti` (7): the CWT ID, a byte string.
    public var cwtID: [UInt8]?
    /// Every other claim, by key (an integer or text string), kept verbatim.
    public var otherClaims: [CBOR: CBOR]

    public init(
        issuer: String? = nil, subject: String? = nil, audience: String? = nil,
        expiration: Int64? = nil, notBefore: Int64? = nil, issuedAt: Int64? = nil,
        cwtID: [UInt8]? = nil, otherClaims: [CBOR: CBOR] = [:]
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expiration = expiration
        self.notBefore = notBefore
        self.issuedAt = issuedAt
        self.cwtID = cwtID
        self.otherClaims = otherClaims
    }

    /// Reads a claims set from a CBOR map.
    ///
    /// - Throws: ``COSEError/Code/malformedClaims`` if it is not a map, a key is
    ///   neither an integer nor a text string, or a registered claim has the
    ///   wrong type (`iss`/`sub`/`aud` text, `exp`/`nbf`/`iat` integer, `cti` bytes).
    public init(cbor: CBOR) throws(COSEError) {
        guard case .map(let entries) = cbor else {
            throw COSEError(.malformedClaims, "a CWT claims set is a map, not \(cbor.abbreviatedDescription)")
        }
        self.init()
        for (key, value) in entries {
            switch key {
            case .unsigned, .negative, .textString: break
            default: throw COSEError(.malformedClaims, "the claim key \(key.abbreviatedDescription) is neither an integer nor a text string")
            }
            guard let number = key.int, Key.typed.contains(number) else {
                otherClaims[key] = value
                continue
            }
            switch number {
            case Key.issuer: issuer = try Self.text(value, "iss")
            case Key.subject: subject = try Self.text(value, "sub")
            case Key.audience: audience = try Self.text(value, "aud")
            case Key.expiration: expiration = try Self.date(value, "exp")
            case Key.notBefore: notBefore = try Self.date(value, "nbf")
            case Key.issuedAt: issuedAt = try Self.date(value, "iat")
            default:
                guard case .byteString(let bytes) = value else {
                    throw COSEError(.malformedClaims, "cti must be a byte string, not \(value.abbreviatedDescription)")
                }
                cwtID = bytes
            }
        }
    }

    /// Reads a claims set from its CBOR bytes (deterministic ones by default).
    public init(decoding bytes: [UInt8], options: CBORDecodingOptions = .strict) throws(COSEError) {
        let value: CBOR
        do {
            value = try CBOR(decoding: bytes, options: options)
        } catch {
            throw COSEError(.malformedCBOR, "the claims set is not acceptable CBOR", underlying: error)
        }
        try self.init(cbor: value)
    }

    /// The claims as a CBOR map (entries in key order).
    ///
    /// - Throws: ``COSEError/Code/malformedClaims`` if ``otherClaims`` uses a
    ///   key that has a typed property (1–7) or a key that is neither an
    ///   integer nor a text string.
    public func cbor() throws(COSEError) -> CBOR {
        var entries: [(key: CBOR, value: CBOR)] = []
        if let issuer { entries.append((CBOR(Key.issuer), .textString(issuer))) }
        if let subject { entries.append((CBOR(Key.subject), .textString(subject))) }
        if let audience { entries.append((CBOR(Key.audience), .textString(audience))) }
        if let expiration { entries.append((CBOR(Key.expiration), CBOR(expiration))) }
        if let notBefore { entries.append((CBOR(Key.notBefore), CBOR(notBefore))) }
        if let issuedAt { entries.append((CBOR(Key.issuedAt), CBOR(issuedAt))) }
        if let cwtID { entries.append((CBOR(Key.cwtID), .byteString(cwtID))) }
        for (key, value) in otherClaims {
            switch key {
            case .unsigned, .negative, .textString: break
            default: throw COSEError(.malformedClaims, "the claim key \(key.abbreviatedDescription) is neither an integer nor a text string")
            }
            if let number = key.int, Key.typed.contains(number) {
                throw COSEError(.malformedClaims, "claim \(number) has a typed property; set it there, not in otherClaims")
            }
            entries.append((key, value))
        }
        return .map(entries)
    }

    /// The deterministic encoding of ``cbor()``: what goes into a COSE_Sign1 payload.
    public func encoded() throws(COSEError) -> [UInt8] {
        let value = try cbor()
        do {
            return try value.encoded()
        } catch {
            throw COSEError(.malformedClaims, "the claims cannot be encoded", underlying: error)
        }
    }

    /// Any claim by key, typed or not: `claims[claim: 1]`, `claims[claim: -260]`.
    public subscript(claim key: CBOR) -> CBOR? {
        guard let number = key.int, Key.typed.contains(number) else { return otherClaims[key] }
        switch number {
        case Key.issuer: return issuer.map(CBOR.textString)
        case Key.subject: return subject.map(CBOR.textString)
        case Key.audience: return audience.map(CBOR.textString)
        case Key.expiration: return expiration.map { CBOR($0) }
        case Key.notBefore: return notBefore.map { CBOR($0) }
        case Key.issuedAt: return issuedAt.map { CBOR($0) }
        default: return cwtID.map(CBOR.byteString)
        }
    }

    private static func text(_ value: CBOR, _ name: String) throws(COSEError) -> String {
        guard case .textString(let text) = value else {
            throw COSEError(.malformedClaims, "\(name) must be a text string, not \(value.abbreviatedDescription)")
        }
        return text
    }

    private static func date(_ value: CBOR, _ name: String) throws(COSEError) -> Int64 {
        guard let seconds = value.int else {
            throw COSEError(.malformedClaims, "\(name) must be an integer NumericDate (seconds), not \(value.abbreviatedDescription)")
        }
        return seconds
    }
}
