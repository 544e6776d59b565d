/// Why a federated trust list was refused.
///
/// ``code`` is stable for tests and the CLI's exit codes; ``reason`` says what
/// is wrong and, where it helps, what to do.
public struct FederationError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }

        /// Not a trust list file (not a signed note, wrong header, bad JSON).
        public static let malformed = Code(name: "malformed")
        /// No signature by a trusted federation key.
        public static let untrustedKey = Code(name: "untrustedKey")
        /// A trusted key's signature does not verify: the list was altered.
        public static let badSignature = Code(name: "badSignature")
        /// Past `expiresAt` at the verification time.
        public static let expired = Code(name: "expired")
        /// Before `issuedAt` at the verification time.
        public static let notYetValid = Code(name: "notYetValid")
        /// Older than the version the verifier already knows.
        public static let rollback = Code(name: "rollback")
        /// The content breaks a rule (an authority's keys, log or policy; dates; version).
        public static let invalid = Code(name: "invalid")
        /// The same issuer with different keys, log or name in two sources.
        public static let conflict = Code(name: "conflict")
        /// A published trust file could not be fetched: no answer, a timeout, too large.
        public static let unreachable = Code(name: "unreachable")
        /// The server answered, but with no trust file (an HTTP status other than 200).
        public static let notPublished = Code(name: "notPublished")

        public var description: String { name }
    }

    public let code: Code
    public let reason: String

    public init(_ reason: String) {
        self.init(.invalid, reason)
    }

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    /// Whether this is about the list's authenticity or freshness (a verifier
    /// says "verification failed"), rather than its content.
    public var isVerificationFailure: Bool {
        [.malformed, .untrustedKey, .badSignature, .expired, .notYetValid, .rollback].contains(code)
    }
}
