import CBOR

/// A COSE message or CWT claims set that cannot be used, or a message that
/// cannot be made.
///
/// ``code`` is stable for tests and programs; ``reason`` says what is wrong.
/// When the bytes were not even acceptable CBOR, ``underlying`` is the
/// decoder's error (with the byte offset).
public struct COSEError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }

        /// The bytes are not (deterministic) CBOR; see ``COSEError/underlying``.
        public static let malformedCBOR = Code(name: "malformedCBOR")
        /// The CBOR is not a COSE_Sign1 array of four items of the right types.
        public static let malformedStructure = Code(name: "malformedStructure")
        /// Tagged with something other than 18 (COSE_Sign1).
        public static let unexpectedTag = Code(name: "unexpectedTag")
        /// A header map is not a map, or a known header has the wrong type.
        public static let malformedHeader = Code(name: "malformedHeader")
        /// The protected header has no `alg` (1). An `alg` only in the
        /// unprotected header is not enough: it would not be signed.
        public static let missingAlgorithm = Code(name: "missingAlgorithm")
        /// `alg` is not ES256 (-7), the only algorithm Akashi accepts.
        public static let unsupportedAlgorithm = Code(name: "unsupportedAlgorithm")
        /// No `kid` (4) in either header.
        public static let missingKeyID = Code(name: "missingKeyID")
        /// A header label appears in both the protected and the unprotected
        /// header (RFC 9052 §3 forbids it).
        public static let duplicateHeaderLabel = Code(name: "duplicateHeaderLabel")
        /// `crit` (2) is present: it names headers a recipient must understand,
        /// and Akashi understands none beyond `alg` and `kid`.
        public static let unsupportedCriticalHeader = Code(name: "unsupportedCriticalHeader")
        /// The payload is `nil` (detached content), which Akashi does not use.
        public static let detachedPayload = Code(name: "detachedPayload")
        /// The signature is not 64 bytes (`r || s`, RFC 9053 §2.1).
        public static let malformedSignature = Code(name: "malformedSignature")
        /// Signing failed in the crypto library.
        public static let signingFailed = Code(name: "signingFailed")
        /// A CWT claims set (RFC 8392) that is not a map, or a registered
        /// claim with the wrong type.
        public static let malformedClaims = Code(name: "malformedClaims")
        /// Akashi profile: the message is not tagged COSE_Sign1 (18).
        public static let untagged = Code(name: "untagged")
        /// Akashi profile: a protected header label other than `alg` and
        /// `kid`, or a non-empty unprotected header.
        public static let unexpectedHeader = Code(name: "unexpectedHeader")
        /// Akashi profile: the `kid` is in the unprotected header, where the
        /// signature does not cover it.
        public static let unprotectedKeyID = Code(name: "unprotectedKeyID")
        /// Akashi profile: the `kid` is not 8 bytes.
        public static let malformedKeyID = Code(name: "malformedKeyID")

        public var description: String { name }
    }

    public let code: Code
    public let reason: String
    /// The CBOR error behind a ``Code/malformedCBOR`` (or a claims or header
    /// encoding failure).
    public let underlying: CBORError?

    public init(_ code: Code, _ reason: String, underlying: CBORError? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(code): \(reason) (\(underlying))" }
        return "\(code): \(reason)"
    }
}
