/// Why the log store refused or failed an operation.
public struct LogStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let notFound = Code(name: "notFound")
        public static let entryTooLarge = Code(name: "entryTooLarge")
        public static let corrupt = Code(name: "corrupt")
        public static let locked = Code(name: "locked")
        public static let invalidRequest = Code(name: "invalidRequest")
        public static let io = Code(name: "io")
        /// The witnesses did not cosign enough for the policy; nothing was given out.
        public static let witnessPolicy = Code(name: "witnessPolicy")
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
