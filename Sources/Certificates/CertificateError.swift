/// A certificate operation that could not be done: bad kind definitions,
/// input that does not fit its kind, a malformed envelope or QR text.
public struct CertificateError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }
        public static let invalidKind = Code(name: "invalidKind")
        public static let unknownKind = Code(name: "unknownKind")
        public static let invalidInput = Code(name: "invalidInput")
        public static let malformedEnvelope = Code(name: "malformedEnvelope")
        public static let malformedPayload = Code(name: "malformedPayload")
        public static let malformedTrust = Code(name: "malformedTrust")
        public static let malformedStatus = Code(name: "malformedStatus")
        /// The certificate's QR code would exceed the largest version the authority prints.
        public static let tooLargeToPrint = Code(name: "tooLargeToPrint")
        /// The holder asked to withhold a field that is signed (not
        /// withholdable) or that the certificate does not have.
        public static let notWithholdable = Code(name: "notWithholdable")
        public var description: String { name }
    }

    public let code: Code
    public let reason: String
    /// Per-field problems, for `invalidInput`.
    public let problems: [FieldProblem]

    public init(_ code: Code, _ reason: String, problems: [FieldProblem] = []) {
        self.code = code
        self.reason = reason
        self.problems = problems
    }

    public var description: String { reason }
}
