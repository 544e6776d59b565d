/// A request the account store refuses: a bad login name, a weak password, a
/// duplicate, an unknown user or token. Tests compare `code`; people read
/// `description`, which is Japanese first, then " / " and English, and says
/// both what is wrong and how to fix it.
public struct AccountError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case invalidLogin, weakPassword, duplicateLogin, notFound, invalidName
        /// Text for the audit trail with a character SQLite or a reader would not keep as written.
        case invalidText
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
