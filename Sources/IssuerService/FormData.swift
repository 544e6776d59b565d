import Foundation
import Hummingbird
import SafeText

/// Text in a request that breaks the text rule (``SafeText``) or is not
/// valid percent-encoded UTF-8: refused with 400 before any handler, the
/// database, the audit trail or a hash sees it.
public struct RequestTextError: Error, Sendable, CustomStringConvertible {
    /// Where: `the URL path`, `query parameter "q"`, `form field "login"`.
    public let location: String
    public let ja: String
    public let en: String

    init(location: String, locationJa: String, problem: SafeText.Problem) {
        self.location = location
        self.ja = "\(locationJa): \(problem.ja)"
        self.en = "\(location): \(problem.en)"
    }

    init(location: String, locationJa: String, malformed: Void) {
        self.location = location
        self.ja = "\(locationJa)が正しいUTF-8のURLエンコードではありません。入力し直してください"
        self.en = "\(location) is not valid percent-encoded UTF-8; enter it again"
    }

    public var description: String { "\(ja) / \(en)" }
}

/// An `application/x-www-form-urlencoded` body or a query string, in order.
/// The issue form's fields come from the kind's definition, so they are read
/// by name rather than decoded into a fixed type.
///
/// Decoding is strict and is the one place form and query text is checked:
/// invalid percent-encoding or UTF-8, NUL and control characters (line breaks
/// and tabs are kept only in values, for multi-line fields) are refused with
/// a ``RequestTextError`` naming the field.
public struct FormData: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []

    public init(_ encoded: String, source: Source = .form) throws(RequestTextError) {
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(kv[0], source.location("a field name"), source.locationJa("項目名"), multiline: false)
            let value =
                kv.count > 1
                ? try Self.decode(
                    kv[1], source.location("\"\(SafeText.escaped(name, limit: 40))\""), source.locationJa("「\(SafeText.escaped(name, limit: 40))」"),
                    multiline: source == .form)
                : ""
            pairs.append((name, value))
        }
    }

    public enum Source: Sendable {
        case form, query
        func location(_ what: String) -> String { self == .form ? "form field \(what)" : "query parameter \(what)" }
        func locationJa(_ what: String) -> String { self == .form ? "フォームの項目\(what)" : "URLのパラメータ\(what)" }
    }

    public subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    private static func decode(_ s: Substring, _ location: String, _ locationJa: String, multiline: Bool) throws(RequestTextError) -> String {
        guard let text = percentDecode(s, plusAsSpace: true) else {
            throw RequestTextError(location: location, locationJa: locationJa, malformed: ())
        }
        // Controls and NUL here; the field's own rule (a signed text, a login
        // name) adds bidirectional and invisible characters.
        if let problem = SafeText.firstProblem(in: text, multiline: multiline),
            [.nul, .control, .replacement, .noncharacter].contains(problem.reason)
        {
            throw RequestTextError(location: location, locationJa: locationJa, problem: problem)
        }
        return text
    }

    /// `%XX` and (in forms and queries) `+` decoded, then strict UTF-8; nil
    /// for a stray `%`, bad hex or invalid UTF-8.
    static func percentDecode(_ s: Substring, plusAsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var iterator = s.utf8.makeIterator()
        func hex(_ b: UInt8?) -> UInt8? {
            switch b {
            case (0x30...0x39)?: b! - 0x30
            case (0x41...0x46)?: b! - 0x41 + 10
            case (0x61...0x66)?: b! - 0x61 + 10
            default: nil
            }
        }
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace: bytes.append(0x20)
            default: bytes.append(byte)
            }
        }
        return SafeText.decodeUTF8(bytes)
    }

    /// Reads a form body, refusing anything larger than `limit` bytes.
    static func read(_ request: Request, limit: Int = 256 * 1024) async throws -> FormData {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard let text = SafeText.decodeUTF8(buffer.readableBytesView) else {
            throw RequestTextError(location: "the form", locationJa: "フォーム", malformed: ())
        }
        return try FormData(text)
    }

    /// The query string. The text middleware has already refused a bad one,
    /// so this cannot fail for a request that reached a handler.
    static func query(_ request: Request) -> FormData { (try? FormData(request.uri.query ?? "", source: .query)) ?? FormData() }

    private init() {}
}
