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
        public enum Code: String, Sendable { case invalidUTF8, duplicateKey, tooDeep, malformed, unknownKey }
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

    /// Refuses what JSONDecoder would read ambiguously; says nothing about
    /// well-formed input. Returns the names of the top-level object's members
    /// (empty when the top level is not an object).
    @discardableResult
    public static func check(_ data: some Collection<UInt8>) throws(Problem) -> [String] {
        let bytes = Array(data)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw Problem(code: .invalidUTF8, offset: 0, detail: "the JSON text is not valid UTF-8")
        }
        var scanner = Scanner(bytes: bytes)
        try scanner.value(depth: 0)
        return scanner.topLevelKeys.map { String(decoding: $0, as: UTF8.self) }
    }

    struct Scanner {
        let bytes: [UInt8]
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
                        if let scalar = Unicode.Scalar(unit) { out += Array(String(Character(scalar)).utf8) } else { out += [0xff, UInt8(unit >> 8), UInt8(unit & 0xff)] }
                    default: throw fail(.malformed, "a string has an unknown escape")
                    }
                default:
                    out.append(b)
                }
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
