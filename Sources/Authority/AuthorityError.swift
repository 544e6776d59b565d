/// A problem with an authority's data directory or its configuration.
public struct AuthorityError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let alreadyExists = Code(name: "alreadyExists")
        public static let notFound = Code(name: "notFound")
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        public static let insecureKey = Code(name: "insecureKey")
        public static let io = Code(name: "io")
        /// The authority's database cannot be reached (or refused the credentials).
        public static let unavailable = Code(name: "unavailable")
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
