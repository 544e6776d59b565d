import Foundation

/// 全国地方公共団体コード: the five-digit code of a Japanese local government
/// plus its check digit (総務省の検査数字: weights 6,5,4,3,2; 11 minus the sum
/// mod 11, last digit). It is the certificate issuer id (CWT `iss`).
public struct LocalGovernmentCode: Hashable, Sendable, CustomStringConvertible {
    public let digits: String

    /// Accepts six digits with a correct check digit, or five digits (the
    /// check digit is added).
    public init(_ text: String) throws(AuthorityError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count == 5 || t.count == 6, t.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AuthorityError(
                .invalidConfiguration,
                "地方公共団体コード '\(text)' は5桁または6桁の数字です / the local government code must be 5 or 6 digits (e.g. 402052 for 飯塚市)")
        }
        let body = Array(t.prefix(5)).map { Int(String($0))! }
        let check = Self.checkDigit(body)
        if t.count == 6 {
            guard Int(String(t.last!)) == check else {
                throw AuthorityError(
                    .invalidConfiguration,
                    "地方公共団体コード '\(t)' の検査数字が違います（正しくは \(t.prefix(5))\(check)） / the check digit of '\(t)' is wrong; did you mean \(t.prefix(5))\(check)?")
            }
        }
        digits = String(t.prefix(5)) + String(check)
    }

    static func checkDigit(_ body: [Int]) -> Int {
        let sum = zip(body, [6, 5, 4, 3, 2]).map(*).reduce(0, +)
        return (11 - sum % 11) % 10
    }

    public var description: String { digits }
}
