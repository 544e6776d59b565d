/// Why a store refused or failed an operation. Callers branch on `code`
/// (never on the text); people read `reason`, Japanese first where a clerk
/// sees it.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let notFound = Code(name: "notFound")
        /// A unique value exists already (a login, an idempotency key).
        public static let duplicate = Code(name: "duplicate")
        /// The stored state is not what the operation expected (another writer
        /// appended; a certificate already revoked). Nothing was written.
        public static let conflict = Code(name: "conflict")
        /// Someone else holds the log's sequencer.
        public static let locked = Code(name: "locked")
        /// The stored data contradicts itself.
        public static let corrupt = Code(name: "corrupt")
        /// Text the audit chain cannot keep exactly as written.
        public static let invalidText = Code(name: "invalidText")
        /// The database cannot be reached or answered with an error.
        public static let unavailable = Code(name: "unavailable")
        /// The store was given a request it cannot carry out (a bad URL, a read-only store).
        public static let invalidRequest = Code(name: "invalidRequest")
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
