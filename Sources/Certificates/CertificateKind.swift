import Foundation
import SafeText
import TransparencyLog

/// Text in Japanese (shown first) and English.
public struct LocalizedText: Codable, Hashable, Sendable {
    public var ja: String
    public var en: String

    public init(ja: String, en: String) {
        self.ja = ja
        self.en = en
    }

    public func text(_ language: Language) -> String { language == .ja ? ja : en }
}

public enum Language: String, Codable, Sendable, CaseIterable {
    case ja, en
}

/// A kind of certificate, defined as data in `certs/<id>.json` — a new kind is
/// a new file, not new code. The verifier gets the same definitions inside the
/// trust file, so it can check fields and show them with their labels.
public struct CertificateKind: Codable, Hashable, Sendable {
    /// Stable id (`residence`), used in certificates and log entries.
    public var id: String
    /// Bumped when fields change incompatibly; certificates carry it.
    public var version: Int
    public var label: LocalizedText
    public var description: LocalizedText?
    /// Default validity; nil means the certificate does not expire (a graduation).
    public var validityDays: Int?
    public var fields: [FieldDefinition]
    /// Fields that must never be put in this kind (マイナンバー, 住民票コード):
    /// input naming them is refused with the reason.
    public var forbiddenFields: [ForbiddenField]?
    /// The certifying sentence printed under the fields (この写しは、…相違ないことを証明する。).
    public var statement: LocalizedText?
    /// How many persons the certificate is about, each of whom can find it
    /// in the log with their secret (docs/spec/subject-transparency.md §2).
    public var subjects: Int?

    public var subjectCount: Int { subjects ?? 0 }

    /// The field with this id, compared byte for byte (Swift's `==` on
    /// strings is canonical equivalence: U+212A KELVIN SIGN would find `KWh`).
    public func field(_ id: String) -> FieldDefinition? { fields.first { $0.id.hasSameBytes(as: id) } }
}

extension String {
    /// Byte equality of the UTF-8 forms (not Swift's `==`, which is canonical
    /// equivalence); the lengths first, which a native string knows.
    func hasSameBytes(as other: String) -> Bool { utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8) }
}

public struct ForbiddenField: Codable, Hashable, Sendable {
    public var id: String
    public var label: LocalizedText
    public var reason: LocalizedText
}

public enum FieldType: String, Codable, Hashable, Sendable {
    /// A line of text (names, addresses).
    case text
    /// A calendar date, `YYYY-MM-DD` (encoded as RFC 8943 full-date, CBOR tag 1004).
    case date
    /// A whole number, optionally bounded.
    case integer
    /// A decimal number with a unit (kWh, kg), kept exactly as canonical text.
    case decimal
    /// One of a fixed set of values.
    case `enum`
    /// Several lines of text (family members).
    case textList
}

public struct EnumOption: Codable, Hashable, Sendable {
    public var value: String
    public var label: LocalizedText
}

public struct FieldDefinition: Codable, Hashable, Sendable {
    public var id: String
    public var type: FieldType
    public var label: LocalizedText
    public var required: Bool
    /// For text: Unicode scalar values (code points, as the format counts them); for textList: per item.
    public var maxLength: Int?
    /// Printed on the certificate page (a field can be carried but not printed).
    public var printed: Bool?
    /// Left out unless the clerk asks for it (本籍・筆頭者 on 住民票の写し).
    public var omittedByDefault: Bool?
    public var options: [EnumOption]?
    public var unit: LocalizedText?
    /// Decimal places allowed for `decimal`.
    public var scale: Int?
    public var minimum: Int64?
    public var maximum: Int64?
    public var maxItems: Int?
    public var help: LocalizedText?
    /// The holder may withhold it from a presentation
    /// (docs/spec/selective-disclosure.md §1): a birth date, 本籍 — never what
    /// the certificate proves (a name, an address).
    public var withholdable: Bool?
    /// Fields with the same group are withheld or shown together (本籍 and 筆頭者).
    public var withholdGroup: String?

    public var isPrinted: Bool { printed ?? true }
    public var isWithholdable: Bool { withholdable ?? false }
    public var isOmittedByDefault: Bool { omittedByDefault ?? false }
}

/// 2^53 − 1, the largest JS-safe integer (docs/spec/README.md "Conventions"):
/// times and bounds every verifier, a web page's included, holds exactly.
let jsSafeIntegerMax: Int64 = (1 << 53) - 1

/// Loads kind definitions from a folder of JSON files (`certs/*.json`).
public struct KindRegistry: Sendable {
    public let kinds: [CertificateKind]

    public init(kinds: [CertificateKind]) throws(CertificateError) {
        var seen = Set<String>()
        for kind in kinds {
            try Self.check(kind)
            guard seen.insert(kind.id).inserted else {
                throw CertificateError(.invalidKind, "two definitions of kind '\(kind.id)'")
            }
        }
        self.kinds = kinds.sorted { $0.id < $1.id }
    }

    /// Reads every `*.json` directly in `directory` (not `examples/`).
    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !files.isEmpty else {
            throw CertificateError(.invalidKind, "no kind definitions (*.json) in \(directory.path)")
        }
        var kinds: [CertificateKind] = []
        for file in files {
            do {
                kinds.append(try JSONDecoder().decode(CertificateKind.self, from: Data(contentsOf: file)))
            } catch let error as DecodingError {
                throw CertificateError(.invalidKind, "\(file.lastPathComponent): \(describe(error))")
            }
        }
        try self.init(kinds: kinds)
    }

    public func kind(_ id: String) -> CertificateKind? { kinds.first { $0.id == id } }

    /// Checks a kind definition against every rule of docs/spec/trust-file.md
    /// §2.4 — the one check for kinds from `certs/` and for kinds read from a
    /// trust file: ids by their grammars and unique, every range, `maxLength`
    /// for text and text lists, `options` for enums with unique values,
    /// members only for the types they apply to, `minimum` ≤ `maximum`, and
    /// the text rule for every label (docs/spec/certificate.md §5).
    static func check(_ kind: CertificateKind) throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.invalidKind, "kind \(kind.id): \(what)") }
        func localized(_ text: LocalizedText?, _ what: String) throws(CertificateError) {
            guard let text else { return }
            for (language, value) in [("ja", text.ja), ("en", text.en)] {
                let length = SafeText.length(value)
                guard (1...200).contains(length) else { throw fail("\(what).\(language) must be 1 to 200 characters (has \(length))") }
                if let violation = SafeText.formatViolation(in: value) { throw fail("\(what).\(language): \(violation.en)") }
            }
        }
        guard CertificateKind.isValidID(kind.id) else {
            throw CertificateError(
                .invalidKind, "kind id '\(SafeText.escaped(kind.id, limit: 60))' must be [a-z][a-z0-9-]{0,39}: lowercase letters, digits and '-'")
        }
        guard (1...Int(Int32.max)).contains(kind.version) else { throw fail("version must be 1 to 2^31 − 1") }
        try localized(kind.label, "label")
        try localized(kind.description, "description")
        try localized(kind.statement, "statement")
        if let days = kind.validityDays, !(1...36_500).contains(days) { throw fail("validityDays must be 1 to 36500") }
        if let n = kind.subjects, !(0...SubjectLines.maxSubjects).contains(n) { throw fail("subjects must be 0 to \(SubjectLines.maxSubjects)") }
        guard (1...100).contains(kind.fields.count) else { throw fail("must have 1 to 100 fields") }
        var ids = Set<[UInt8]>()
        for field in kind.fields {
            guard FieldDefinition.isValidID(field.id) else {
                throw fail("field id '\(SafeText.escaped(field.id, limit: 60))' must be [a-zA-Z][a-zA-Z0-9]{0,39}: letters and digits")
            }
            guard ids.insert(Array(field.id.utf8)).inserted else { throw fail("field '\(field.id)' defined twice") }
            let f = "field '\(field.id)'"
            // Each member only for the types it means something for.
            let members: [(name: String, present: Bool, types: Set<FieldType>)] = [
                ("maxLength", field.maxLength != nil, [.text, .textList]),
                ("maxItems", field.maxItems != nil, [.textList]),
                ("options", field.options != nil, [.enum]),
                ("scale", field.scale != nil, [.decimal]),
                ("minimum", field.minimum != nil, [.integer, .decimal]),
                ("maximum", field.maximum != nil, [.integer, .decimal]),
                ("unit", field.unit != nil, [.integer, .decimal]),
            ]
            for member in members where member.present && !member.types.contains(field.type) {
                throw fail("\(f): \(member.name) is not allowed for a \(field.type.rawValue) field")
            }
            try localized(field.label, "\(f).label")
            try localized(field.unit, "\(f).unit")
            try localized(field.help, "\(f).help")
            if field.type == .text || field.type == .textList {
                guard let max = field.maxLength else { throw fail("\(f): a \(field.type.rawValue) field needs maxLength") }
                guard (1...10_000).contains(max) else { throw fail("\(f): maxLength must be 1 to 10000") }
            }
            if let max = field.maxItems, !(1...1000).contains(max) { throw fail("\(f): maxItems must be 1 to 1000") }
            if field.type == .enum {
                guard let options = field.options, (1...100).contains(options.count) else { throw fail("\(f): an enum field needs 1 to 100 options") }
                var values = Set<[UInt8]>()
                for option in options {
                    let length = SafeText.length(option.value)
                    guard (1...64).contains(length) else { throw fail("\(f): an option value must be 1 to 64 characters") }
                    if let violation = SafeText.formatViolation(in: option.value) { throw fail("\(f): option value: \(violation.en)") }
                    guard values.insert(Array(option.value.utf8)).inserted else { throw fail("\(f): option value '\(option.value)' is listed twice") }
                    try localized(option.label, "\(f): option '\(option.value)' label")
                }
            }
            if let scale = field.scale, !(0...15).contains(scale) { throw fail("\(f): scale must be 0 to 15") }
            let limit = jsSafeIntegerMax
            for (name, bound) in [("minimum", field.minimum), ("maximum", field.maximum)] {
                if let bound, !(-limit...limit).contains(bound) { throw fail("\(f): \(name) must be within ±(2^53 − 1)") }
            }
            if let min = field.minimum, let max = field.maximum, min > max { throw fail("\(f): minimum \(min) is greater than maximum \(max)") }
            if field.required && field.isOmittedByDefault {
                throw fail("\(f) cannot be both required and omitted by default")
            }
            if let group = field.withholdGroup {
                guard field.isWithholdable else { throw fail("\(f): withholdGroup is allowed only with withholdable true") }
                guard FieldDefinition.isValidID(group) else {
                    throw fail("\(f): withholdGroup '\(SafeText.escaped(group, limit: 60))' must be [a-zA-Z][a-zA-Z0-9]{0,39}")
                }
            }
        }
        let withholdable = kind.fields.filter(\.isWithholdable).count
        guard withholdable <= Disclosures.maxUnits else {
            throw fail("has \(withholdable) withholdable fields; at most \(Disclosures.maxUnits) are allowed")
        }
        for forbidden in kind.forbiddenFields ?? [] {
            guard FieldDefinition.isValidID(forbidden.id) else {
                throw fail("forbidden field id '\(SafeText.escaped(forbidden.id, limit: 60))' must be [a-zA-Z][a-zA-Z0-9]{0,39}")
            }
            guard !ids.contains(Array(forbidden.id.utf8)) else { throw fail("'\(forbidden.id)' is both a field and forbidden") }
            try localized(forbidden.label, "forbidden field '\(forbidden.id)' label")
            try localized(forbidden.reason, "forbidden field '\(forbidden.id)' reason")
        }
    }
}

extension CertificateKind {
    /// `[a-z][a-z0-9-]{0,39}` (docs/spec/trust-file.md §2.4), checked on the
    /// bytes: a kind id is written into the log entry's `kind` line, so
    /// nothing else — no LF, which a regular expression's `$` lets through
    /// before a final newline — may pass.
    public static func isValidID(_ id: String) -> Bool { LogEntry.isValidKindID(id) }
}

extension FieldDefinition {
    /// `[a-zA-Z][a-zA-Z0-9]{0,39}` (docs/spec/trust-file.md §2.4), checked on the bytes.
    public static func isValidID(_ id: String) -> Bool {
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        let bytes = Array(id.utf8)
        guard let first = bytes.first, (1...40).contains(bytes.count), letter(first) else { return false }
        return bytes.allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}

func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, let context):
        return "missing \"\(key.stringValue)\" at \(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        return "\(context.debugDescription) at \(path(context))"
    @unknown default:
        return "\(error)"
    }
}

private func path(_ context: DecodingError.Context) -> String {
    let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    return p.isEmpty ? "top level" : p
}
