import AkashiCrypto
import CBOR

/// A COSE signature algorithm identifier (RFC 9053, IANA "COSE Algorithms").
public struct COSEAlgorithm: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// ECDSA P-256 with SHA-256, the only algorithm Akashi signs or accepts.
    public static let es256 = COSEAlgorithm(rawValue: -7)

    public var description: String { self == .es256 ? "ES256" : String(rawValue) }
}

/// Common COSE header labels (RFC 9052 §3.1).
public enum COSEHeaderLabel {
    public static let algorithm: CBOR = 1
    public static let critical: CBOR = 2
    public static let contentType: CBOR = 3
    public static let keyID: CBOR = 4
}

/// A COSE_Sign1 message (RFC 9052 §4.2) signed with ES256: Akashi's
/// certificate envelope, as in the EU Digital COVID Certificate.
///
/// ```
/// COSE_Sign1 = 18([ protected: bstr .cbor header_map,
///                   unprotected: header_map,
///                   payload: bstr,
///                   signature: bstr ])
/// ```
///
/// The value keeps the exact bytes it was read from (``encoded``), and the
/// exact protected-header and payload bytes inside them, next to what was
/// parsed from them. The signature is checked against those bytes, never
/// against a re-encoding: a verifier must check what the signer signed, and
/// re-encoding would paper over any difference. The value is immutable, so
/// the parsed fields can never drift from the signed bytes.
///
/// ``init(decoding:options:)`` reads COSE_Sign1 as other issuers write it
/// (the interop fixtures, pycose, the COSE WG examples): `alg` (1) must be in
/// the protected header and be ES256 (-7); a `kid` (4) must be present, in
/// either header; no label in both headers; no `crit`; the payload attached;
/// a 64-byte signature. The default ``CBORDecodingOptions/strict`` also
/// requires the whole message and the protected header to be
/// deterministically encoded.
///
/// Akashi's own envelopes — certificates and status lists — are read with
/// ``init(decodingAkashiEnvelope:)``, which allows exactly one byte form
/// (docs/spec/certificate.md §2.1): tagged, the protected header exactly
/// `{1: -7, 4: h'<8 bytes>'}`, the unprotected header empty, and no major
/// type 7 or other tag anywhere in the message.
public struct COSESign1: Sendable, Hashable, CustomStringConvertible {
    /// The CBOR tag of COSE_Sign1.
    public static let tag: UInt64 = 18
    /// The length of an Akashi key identifier (docs/spec/certificate.md §2.2).
    public static let akashiKeyIDByteCount = 8

    /// The whole message, exactly as read or as made.
    public let encoded: [UInt8]
    /// Whether ``encoded`` starts with tag 18.
    public let isTagged: Bool
    /// The protected header's serialized map, exactly as it appears in the
    /// message (the bytes the signature covers).
    public let protectedBytes: [UInt8]
    /// The protected header, parsed from ``protectedBytes`` (a map).
    public let protectedHeader: CBOR
    /// The unprotected header (a map). Not covered by the signature.
    public let unprotectedHeader: CBOR
    /// The payload bytes, exactly as in the message. For Akashi, a CWT
    /// claims set: see ``claims(options:)``.
    public let payload: [UInt8]
    /// The 64-byte `r || s` signature.
    public let signature: [UInt8]
    /// The signature algorithm from the protected header; always ``COSEAlgorithm/es256``.
    public let alg: COSEAlgorithm
    /// The key identifier, which selects the issuer key to verify with.
    public let kid: [UInt8]
    /// Whether ``kid`` came from the protected header (so is signed).
    public let kidIsProtected: Bool

    // MARK: Decoding

    /// Reads a COSE_Sign1 message, tagged (18) or untagged, and checks its
    /// structure and Akashi's header profile. It does not check the
    /// signature: call ``isValidSignature(publicKey:externalAAD:)`` with the
    /// key that ``kid`` names.
    public init(decoding bytes: [UInt8], options: CBORDecodingOptions = .strict) throws(COSEError) {
        let message: CBOR
        do {
            message = try CBOR(decoding: bytes, options: options)
        } catch {
            throw COSEError(.malformedCBOR, "the message is not acceptable CBOR", underlying: error)
        }

        var body = message
        var tagged = false
        if case .tagged(let tag, let content) = message {
            guard tag == Self.tag else {
                throw COSEError(.unexpectedTag, "tag \(tag) is not COSE_Sign1 (18)")
            }
            body = content
            tagged = true
        }
        guard case .array(let items) = body, items.count == 4 else {
            throw COSEError(.malformedStructure, "a COSE_Sign1 is an array of four items")
        }
        guard case .byteString(let protectedBytes) = items[0] else {
            throw COSEError(.malformedStructure, "the protected header must be a byte string")
        }
        guard case .map(let unprotected) = items[1] else {
            throw COSEError(.malformedStructure, "the unprotected header must be a map")
        }
        let payload: [UInt8]
        switch items[2] {
        case .byteString(let bytes): payload = bytes
        case .null: throw COSEError(.detachedPayload, "the payload is detached (nil); Akashi needs it attached")
        default: throw COSEError(.malformedStructure, "the payload must be a byte string")
        }
        guard case .byteString(let signature) = items[3] else {
            throw COSEError(.malformedStructure, "the signature must be a byte string")
        }
        guard signature.count == P256.signatureByteCount else {
            throw COSEError(.malformedSignature, "an ES256 signature is 64 bytes (r || s), not \(signature.count)")
        }

        // A zero-length protected header means an empty map (RFC 9052 §3).
        var protected: [(key: CBOR, value: CBOR)] = []
        if !protectedBytes.isEmpty {
            let header: CBOR
            do {
                header = try CBOR(decoding: protectedBytes, options: options)
            } catch {
                throw COSEError(.malformedCBOR, "the protected header is not acceptable CBOR", underlying: error)
            }
            guard case .map(let entries) = header else {
                throw COSEError(.malformedHeader, "the protected header must be a map")
            }
            protected = entries
        }
        let protectedHeader = CBOR.map(protected)
        let unprotectedHeader = CBOR.map(unprotected)

        for entry in unprotected where protectedHeader[entry.key] != nil {
            throw COSEError(.duplicateHeaderLabel, "the header label \(entry.key.abbreviatedDescription) is in both the protected and the unprotected header")
        }
        if protectedHeader[COSEHeaderLabel.critical] != nil || unprotectedHeader[COSEHeaderLabel.critical] != nil {
            throw COSEError(.unsupportedCriticalHeader, "the message marks headers critical (crit), which Akashi does not support")
        }

        guard let alg = protectedHeader[COSEHeaderLabel.algorithm] else {
            let hint = unprotectedHeader[COSEHeaderLabel.algorithm] != nil ? " (it is only in the unprotected header, which is not signed)" : ""
            throw COSEError(.missingAlgorithm, "the protected header has no alg\(hint)")
        }
        guard let algValue = alg.int, COSEAlgorithm(rawValue: algValue) == .es256 else {
            throw COSEError(.unsupportedAlgorithm, "alg \(alg.abbreviatedDescription) is not supported; only ES256 (-7) is")
        }

        let kid: [UInt8]
        let kidIsProtected: Bool
        if let value = protectedHeader[COSEHeaderLabel.keyID] {
            guard case .byteString(let bytes) = value else {
                throw COSEError(.malformedHeader, "kid must be a byte string")
            }
            (kid, kidIsProtected) = (bytes, true)
        } else if let value = unprotectedHeader[COSEHeaderLabel.keyID] {
            guard case .byteString(let bytes) = value else {
                throw COSEError(.malformedHeader, "kid must be a byte string")
            }
            (kid, kidIsProtected) = (bytes, false)
        } else {
            throw COSEError(.missingKeyID, "the message has no kid")
        }

        self.encoded = bytes
        self.isTagged = tagged
        self.protectedBytes = protectedBytes
        self.protectedHeader = protectedHeader
        self.unprotectedHeader = unprotectedHeader
        self.payload = payload
        self.signature = signature
        self.alg = .es256
        self.kid = kid
        self.kidIsProtected = kidIsProtected
    }

    /// Reads an Akashi envelope (a certificate or a status list) in the one
    /// byte form docs/spec/certificate.md §2.1 allows:
    ///
    /// ```
    /// D2 84 4D A2 01 26 04 48 <kid[8]> A0 <bstr payload> 58 40 <r || s>
    /// ```
    ///
    /// Tag 18 is required (untagged, the same certificate would have a second
    /// SHA-256 and log entry); the protected header is exactly `alg` ES256
    /// and an 8-byte `kid`; the unprotected header is empty (nothing unsigned
    /// is carried); no major type 7 and no tag but the outer 18. The payload
    /// is not read: the caller verifies the signature first.
    public init(decodingAkashiEnvelope bytes: [UInt8]) throws(COSEError) {
        try self.init(decoding: bytes, options: .akashi(tags: [Self.tag]))
        guard isTagged else {
            throw COSEError(.untagged, "an Akashi envelope must be tagged COSE_Sign1 (18)")
        }
        guard kidIsProtected else {
            throw COSEError(.unprotectedKeyID, "the kid is in the unprotected header, which the signature does not cover")
        }
        guard unprotectedHeader.mapEntries?.isEmpty ?? false else {
            throw COSEError(.unexpectedHeader, "the unprotected header of an Akashi envelope must be empty")
        }
        guard protectedHeader.mapEntries?.count == 2 else {
            let labels = (protectedHeader.mapEntries ?? []).map(\.key.abbreviatedDescription).joined(separator: ", ")
            throw COSEError(.unexpectedHeader, "the protected header of an Akashi envelope holds exactly alg and kid, not \(labels)")
        }
        guard kid.count == Self.akashiKeyIDByteCount else {
            throw COSEError(.malformedKeyID, "an Akashi kid is \(Self.akashiKeyIDByteCount) bytes, not \(kid.count)")
        }
    }

    // MARK: Signing

    /// Signs `payload` with ES256 and returns the message.
    ///
    /// The protected header is exactly `{1: -7, 4: kid}`, deterministically
    /// encoded. The result is built as bytes and then read back with
    /// ``init(decoding:options:)``, so a made message passes the same checks
    /// as a received one.
    ///
    /// - Parameters:
    ///   - externalAAD: bytes the signature also covers but the message does
    ///     not carry (RFC 9052 §4.3); the verifier must supply the same.
    ///   - unprotectedHeader: extra unsigned headers; must not repeat `alg` or `kid`.
    ///   - tagged: whether to prefix tag 18 (EU DCC messages are tagged).
    public static func sign(
        payload: [UInt8],
        kid: [UInt8],
        privateKey: P256.PrivateKey,
        externalAAD: [UInt8] = [],
        unprotectedHeader: [CBOR: CBOR] = [:],
        tagged: Bool = true
    ) throws(COSEError) -> COSESign1 {
        let protectedBytes = try protectedHeaderBytes(kid: kid)
        let toBeSigned = signatureStructure(protectedBytes: protectedBytes, externalAAD: externalAAD, payload: payload)
        let signature: [UInt8]
        do {
            signature = try privateKey.signature(for: toBeSigned)
        } catch {
            throw COSEError(.signingFailed, "ES256 signing failed: \(error)")
        }
        let bytes = try assemble(protectedBytes: protectedBytes, unprotectedHeader: unprotectedHeader, payload: payload, signature: signature, tagged: tagged)
        return try COSESign1(decoding: bytes)
    }

    /// The exact length ``sign(payload:kid:privateKey:externalAAD:unprotectedHeader:tagged:)``
    /// will produce, computed without a key: an ES256 signature is always 64
    /// bytes, so the issuer can refuse a certificate too large to print
    /// before anything is signed.
    public static func signedByteCount(payload: [UInt8], kid: [UInt8], unprotectedHeader: [CBOR: CBOR] = [:], tagged: Bool = true) throws(COSEError) -> Int {
        try assemble(
            protectedBytes: protectedHeaderBytes(kid: kid), unprotectedHeader: unprotectedHeader, payload: payload,
            signature: [UInt8](repeating: 0, count: P256.signatureByteCount), tagged: tagged
        ).count
    }

    /// Akashi's protected header: `{1: -7 (ES256), 4: kid}`.
    private static func protectedHeaderBytes(kid: [UInt8]) throws(COSEError) -> [UInt8] {
        var header = CBOREncoder()
        // Keys 1 then 4: already in deterministic order.
        do {
            try header.append([COSEHeaderLabel.algorithm: CBOR(COSEAlgorithm.es256.rawValue), COSEHeaderLabel.keyID: .byteString(kid)])
        } catch {
            throw COSEError(.malformedHeader, "cannot encode the protected header", underlying: error)
        }
        return header.bytes
    }

    private static func assemble(
        protectedBytes: [UInt8], unprotectedHeader: [CBOR: CBOR], payload: [UInt8], signature: [UInt8], tagged: Bool
    ) throws(COSEError) -> [UInt8] {
        var message = CBOREncoder(reservingCapacity: payload.count + protectedBytes.count + 80)
        if tagged { message.appendTagHeader(Self.tag) }
        message.appendArrayHeader(count: 4)
        message.appendByteString(protectedBytes)
        do {
            try message.append(CBOR(unprotectedHeader))
        } catch {
            throw COSEError(.malformedHeader, "cannot encode the unprotected header", underlying: error)
        }
        message.appendByteString(payload)
        message.appendByteString(signature)
        return message.bytes
    }

    // MARK: Verifying

    /// The `Sig_structure` (RFC 9052 §4.4) for a COSE_Sign1: the bytes that
    /// ES256 actually signs.
    ///
    /// ```
    /// ["Signature1", protected: bstr, external_aad: bstr, payload: bstr]
    /// ```
    /// Written with definite lengths and shortest arguments, so signer and
    /// verifier produce the same bytes from the same three inputs.
    public static func signatureStructure(protectedBytes: [UInt8], externalAAD: [UInt8], payload: [UInt8]) -> [UInt8] {
        var encoder = CBOREncoder(reservingCapacity: protectedBytes.count + externalAAD.count + payload.count + 24)
        encoder.appendArrayHeader(count: 4)
        encoder.appendTextString("Signature1")
        encoder.appendByteString(protectedBytes)
        encoder.appendByteString(externalAAD)
        encoder.appendByteString(payload)
        return encoder.bytes
    }

    /// This message's `Sig_structure`, from its received protected-header and
    /// payload bytes.
    public func toBeSigned(externalAAD: [UInt8] = []) -> [UInt8] {
        Self.signatureStructure(protectedBytes: protectedBytes, externalAAD: externalAAD, payload: payload)
    }

    /// Whether ``signature`` is a valid ES256 signature by `publicKey` over
    /// this message's received bytes (and `externalAAD`, which must equal the
    /// signer's; empty for Akashi certificates).
    public func isValidSignature(publicKey: P256.PublicKey, externalAAD: [UInt8] = []) -> Bool {
        publicKey.isValidSignature(signature, for: toBeSigned(externalAAD: externalAAD))
    }

    /// Whether ``signature`` is a valid ES256 signature by `publicKey`, with
    /// no external AAD.
    public func isValidSignature(publicKey: P256.PublicKey) -> Bool {
        isValidSignature(publicKey: publicKey, externalAAD: [])
    }

    /// The payload read as a CWT claims set (RFC 8392).
    public func claims(options: CBORDecodingOptions = .strict) throws(COSEError) -> CWTClaims {
        try CWTClaims(decoding: payload, options: options)
    }

    // MARK: Identity

    /// Two messages are equal when their bytes are.
    public static func == (lhs: COSESign1, rhs: COSESign1) -> Bool { lhs.encoded == rhs.encoded }
    public func hash(into hasher: inout Hasher) { hasher.combine(encoded) }

    public var description: String {
        "COSE_Sign1(alg: \(alg), kid: \(CBOR.byteString(kid).abbreviatedDescription), payload: \(payload.count) bytes\(isTagged ? "" : ", untagged"))"
    }
}
