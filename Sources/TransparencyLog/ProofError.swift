/// Why a Merkle proof did not verify.
///
/// Verification of untrusted proofs fails with one of these codes; the CLI
/// and the certificate verifier turn them into reasons a person can read.
public struct ProofError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let indexOutOfRange = Code(name: "indexOutOfRange")
        public static let emptyTree = Code(name: "emptyTree")
        public static let sizesOutOfOrder = Code(name: "sizesOutOfOrder")
        public static let wrongProofLength = Code(name: "wrongProofLength")
        public static let malformedHash = Code(name: "malformedHash")
        public static let rootMismatch = Code(name: "rootMismatch")
        public var description: String { name }
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
