import Foundation

/// JSON read one way only: Foundation's decoders accept an object that
/// names a key twice and silently keep one of the values, so what a client
/// meant, what a log shows and what gets signed can differ (RFC 8259 §4 leaves
/// duplicate names to the implementation; RFC 7493 I-JSON forbids them). Every
/// JSON body the service acts on and every trust file goes through
/// ``check(_:)`` first, which refuses duplicate names (compared after
/// unescaping, so `"a"` and `"\u0061"` are the same name), invalid UTF-8 and
/// nesting deeper than ``maxDepth``, and then through `JSONDecoder`.
///
/// Written by hand because no maintained Swift package available here
/// offers a duplicate-key check; it scans structure only and leaves the
/// grammar of numbers and literals to `JSONDecoder`.
public enum StrictJSON {
    public static let maxDepth = 64

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: String, Sendable { case invalidUTF8, duplicateKey, tooDeep, malformed, unknownKey, notIJSON, notInteger }
        public let code: Code
        /// Byte offset of the problem in the input.
        public let offset: Int
        public let detail: String

        public var description: String { "\(detail) (at byte \(offset))" }
    }

    /// Decodes `T` from `data` after ``check(_:)``. With `allowedKeys`, the
    /// top level must be an object naming only those keys: a misspelt or
    /// unknown member is refused rather than silently ignored.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, allowedKeys: Set<String>? = nil) throws -> T {
        let keys = try check(data)
        if let allowedKeys, let unknown = keys.first(where: { !allowedKeys.contains($0) }) {
            throw Problem(code: .unknownKey, offset: 0, detail: "the key \"\(unknown)\" is not one of \(allowedKeys.sorted().joined(separator: ", "))")
        }
        return try JSONDecoder().decode(type, from: data)
    }

    /// Further rules a format may ask for beyond duplicate names.
    public struct Rules: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// I-JSON (RFC 7493 §2.1): no byte order mark, no string (name or
        /// value) with an escaped lone surrogate or a noncharacter
        /// (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF).
        public static let iJSON = Rules(rawValue: 1)
        /// Every number an integer written `-?(0|[1-9][0-9]*)`: no fraction,
        /// no exponent (`1.0` and `1e3` are refused, not converted).
        public static let integersOnly = Rules(rawValue: 2)
    }

    /// Refuses what JSONDecoder would read ambiguously; says nothing about
    /// well-formed input. Returns the names of the top-level object's members
    /// (empty when the top level is not an object).
    @discardableResult
    public static func check(_ data: some Collection<UInt8>, rules: Rules = []) throws(Problem) -> [String] {
        let bytes = Array(data)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw Problem(code: .invalidUTF8, offset: 0, detail: "the JSON text is not valid UTF-8")
        }
        if rules.contains(.iJSON), bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw Problem(code: .notIJSON, offset: 0, detail: "the JSON text starts with a byte order mark")
        }
        var scanner = Scanner(bytes: bytes, rules: rules)
        try scanner.value(depth: 0)
        return scanner.topLevelKeys.map { String(decoding: $0, as: UTF8.self) }
    }

    struct Scanner {
        let bytes: [UInt8]
        var rules: Rules = []
        var i = 0
        var topLevelKeys: [[UInt8]] = []

        func fail(_ code: Problem.Code, _ detail: String) -> Problem { Problem(code: code, offset: i, detail: detail) }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0a || bytes[i] == 0x0d { i += 1 }
        }

        mutating func value(depth: Int) throws(Problem) {
            skipSpace()
            guard i < bytes.count else { throw fail(.malformed, "the JSON text ends where a value was expected") }
            if bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "["), depth >= StrictJSON.maxDepth {
                throw fail(.tooDeep, "JSON nested deeper than \(StrictJSON.maxDepth) levels")
            }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var names: Set<[UInt8]> = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
                while true {
                    skipSpace()
                    let at = i
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail(.malformed, "an object member has no quoted name") }
                    let name = try string()
                    guard names.insert(name).inserted else {
                        let shown = String(decoding: name, as: UTF8.self)
                        throw Problem(code: .duplicateKey, offset: at, detail: "the key \"\(shown)\" appears twice in one object")
                    }
                    if depth == 0 { topLevelKeys.append(name) }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail(.malformed, "a ':' is missing after an object member's name") }
                    i += 1
                    try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw fail(.malformed, "an object is not closed") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return }
                    throw fail(.malformed, "a ',' or '}' is missing in an object")
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
                while true {
                    try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw fail(.malformed, "an array is not closed") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return }
                    throw fail(.malformed, "a ',' or ']' is missing in an array")
                }
            case UInt8(ascii: "\""):
                _ = try string()
            default:
                // A number or a literal: its grammar is JSONDecoder's to check.
                let start = i
                while i < bytes.count, !Self.isDelimiter(bytes[i]) { i += 1 }
                guard i > start else { throw fail(.malformed, "an unexpected character where a value was expected") }
                let token = bytes[start..<i]
                if rules.contains(.integersOnly), let first = token.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) {
                    let digits = first == UInt8(ascii: "-") ? token.dropFirst() : token
                    // -?(0|[1-9][0-9]*), and not -0: an integer has one form.
                    guard let lead = digits.first, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), lead != 0x30 || digits.count == 1,
                        !(first == UInt8(ascii: "-") && lead == 0x30)
                    else {
                        throw Problem(
                            code: .notInteger, offset: start,
                            detail:
                                "the number \(String(decoding: token.prefix(40), as: UTF8.self)) is not an integer written without fraction, exponent or leading zeros"
                        )
                    }
                }
            }
        }

        static func isDelimiter(_ b: UInt8) -> Bool {
            b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d || b == UInt8(ascii: ",") || b == UInt8(ascii: "]")
                || b == UInt8(ascii: "}") || b == UInt8(ascii: ":") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "[") || b == UInt8(ascii: "{")
        }

        /// A string at `i` (on its opening quote), unescaped to UTF-8.
        mutating func string() throws(Problem) -> [UInt8] {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail(.malformed, "a string is not closed") }
                let b = bytes[i]
                i += 1
                switch b {
                case UInt8(ascii: "\""):
                    if rules.contains(.iJSON) { try checkIJSON(out) }
                    return out
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { throw fail(.malformed, "a string ends in a backslash") }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var unit = try hex4()
                        if (0xd800..<0xdc00).contains(unit), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            i += 2
                            let low = try hex4()
                            guard (0xdc00..<0xe000).contains(low) else { throw fail(.malformed, "a \\u escape has an unpaired surrogate") }
                            unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                        }
                        // A lone surrogate keeps a distinct byte form so it still compares unequal.
                        if let scalar = Unicode.Scalar(unit) {
                            out += Array(String(Character(scalar)).utf8)
                        } else {
                            out += [0xff, UInt8(unit >> 8), UInt8(unit & 0xff)]
                        }
                    default: throw fail(.malformed, "a string has an unknown escape")
                    }
                default:
                    out.append(b)
                }
            }
        }

        /// An unescaped string (the marker 0xFF stands for a lone surrogate) under RFC 7493 §2.1.
        func checkIJSON(_ string: [UInt8]) throws(Problem) {
            guard let text = String(validating: string, as: UTF8.self) else {
                throw fail(.notIJSON, "a string has an escaped lone surrogate (RFC 7493 §2.1)")
            }
            for scalar in text.unicodeScalars where (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE {
                throw fail(.notIJSON, "a string has the noncharacter U+\(String(scalar.value, radix: 16, uppercase: true)) (RFC 7493 §2.1)")
            }
        }

        mutating func hex4() throws(Problem) -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail(.malformed, "a \\u escape is cut short") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: throw fail(.malformed, "a \\u escape has a non-hex digit")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}
