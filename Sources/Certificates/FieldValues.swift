import Foundation
import SafeText

/// A value given for a field, before validation: from JSON (strings, numbers,
/// booleans, arrays) or from a CSV cell (always a string).
public enum InputValue: Hashable, Sendable {
    case string(String)
    /// A JSON number, as its decimal text (exactly as written, no float rounding).
    case number(String)
    case bool(Bool)
    case list([InputValue])
    case null

}

extension InputValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let n = try? container.decode(Int64.self) {
            self = .number(String(n))
        } else if let d = try? container.decode(Decimal.self) {
            self = .number(d.description)
        } else if let d = try? container.decode(Double.self) {
            // Beyond Decimal's exponent range (8.6e-143): still a number,
            // which the field's own check then refuses with a clear 422.
            self = .number(String(d))
        } else if let l = try? container.decode([InputValue].self) {
            self = .list(l)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a field value must be text, a number, true/false or a list")
        }
    }
}

/// A validated field value, as it goes into the signed envelope.
public enum FieldValue: Hashable, Sendable {
    case text(String)
    /// `YYYY-MM-DD`.
    case date(String)
    case integer(Int64)
    /// Canonical decimal text: no leading zeros, no trailing fractional zeros.
    case decimal(String)
    case enumValue(String)
    case textList([String])

    /// The value as a person reads it, with the kind's labels for enums and units.
    public func display(_ field: FieldDefinition, _ language: Language) -> String {
        switch self {
        case .text(let s): return s
        case .date(let s):
            // Japanese readers expect 1990年4月1日; English keeps the unambiguous ISO form.
            guard language == .ja else { return s }
            let parts = s.split(separator: "-").compactMap { Int($0) }
            return parts.count == 3 ? "\(parts[0])年\(parts[1])月\(parts[2])日" : s
        case .integer(let n): return String(n) + (field.unit.map { " " + $0.text(language) } ?? "")
        case .decimal(let d): return d + (field.unit.map { " " + $0.text(language) } ?? "")
        case .enumValue(let v): return field.options?.first { $0.value == v }?.label.text(language) ?? v
        case .textList(let items): return items.joined(separator: language == .ja ? "、" : ", ")
        }
    }

    /// The value as JSON (for `--json` output and the web verifier): text
    /// (also dates, decimals and enum values), an integer, or a list of text.
    /// The same JSON as ``encode(to:)``, for `JSONSerialization` callers.
    public var jsonValue: Any {
        switch self {
        case .text(let s), .date(let s), .decimal(let s), .enumValue(let s): s
        case .integer(let n): n
        case .textList(let items): items
        }
    }
}

/// One thing wrong with one field, said in both languages.
public struct FieldProblem: Error, Hashable, Sendable, Codable {
    public let field: String
    public let code: String
    public let ja: String
    public let en: String

    public init(field: String, code: String, ja: String, en: String) {
        self.field = field
        self.code = code
        self.ja = ja
        self.en = en
    }
}

extension CertificateKind {
    /// Checks `input` against this kind and returns the values to sign.
    ///
    /// Every problem is collected and reported at once. Fields omitted by
    /// default (本籍) are dropped unless named in `include`; fields named in
    /// `omit` are dropped (required ones cannot be). Text is trimmed of
    /// surrounding white space; nothing else is changed.
    public func validate(_ input: [String: InputValue], include: Set<String> = [], omit: Set<String> = []) throws(CertificateError) -> [String: FieldValue] {
        var problems: [FieldProblem] = []
        var values: [String: FieldValue] = [:]
        let allowed = fields.map(\.id).joined(separator: ", ")
        for name in (include.union(omit)).sorted() where field(name) == nil {
            problems.append(
                FieldProblem(
                    field: name, code: "unknownField",
                    ja: "「\(name)」はこの証明書（\(label.ja)）の項目ではありません。項目: \(allowed)",
                    en: "'\(name)' is not a field of \(label.en); fields: \(allowed)"))
        }
        for key in input.keys.sorted() where field(key) == nil {
            if let forbidden = forbiddenFields?.first(where: { $0.id == key }) {
                problems.append(
                    FieldProblem(
                        field: key, code: "forbiddenField",
                        ja: "\(forbidden.label.ja)は記載できません: \(forbidden.reason.ja)",
                        en: "\(forbidden.label.en) must never be included: \(forbidden.reason.en)"))
            } else {
                problems.append(
                    FieldProblem(
                        field: key, code: "unknownField",
                        ja: "「\(key)」はこの証明書（\(label.ja)）の項目ではありません。項目: \(allowed)",
                        en: "'\(key)' is not a field of \(label.en); fields: \(allowed)"))
            }
        }
        for field in fields {
            var raw = input[field.id]
            if case .string(let s)? = raw, SafeText.trimmed(s).isEmpty { raw = nil }
            if case .null? = raw { raw = nil }
            if case .list(let l)? = raw, l.isEmpty { raw = nil }
            if omit.contains(field.id) {
                if field.required {
                    problems.append(
                        FieldProblem(
                            field: field.id, code: "cannotOmit",
                            ja: "\(field.label.ja)は必須のため省略できません", en: "\(field.label.en) is required and cannot be omitted"))
                }
                continue
            }
            if field.isOmittedByDefault && !include.contains(field.id) {
                // Not signed, but still checked: a value sent is never ignored unread.
                if let raw, case .failure(let problem) = Self.convert(raw, field) { problems.append(problem) }
                continue
            }
            guard let raw else {
                if field.required {
                    problems.append(
                        FieldProblem(
                            field: field.id, code: "required",
                            ja: "\(field.label.ja)を入力してください（必須）", en: "\(field.label.en) is required"))
                }
                continue
            }
            switch Self.convert(raw, field) {
            case .success(let value): values[field.id] = value
            case .failure(let problem): problems.append(problem)
            }
        }
        guard problems.isEmpty else {
            let summary = problems.map { "\($0.field): \($0.ja) / \($0.en)" }.joined(separator: "; ")
            throw CertificateError(.invalidInput, summary, problems: problems)
        }
        return values
    }

    /// Checks decoded values exactly as signed (the verifier's `kindValid`
    /// step, docs/spec/certificate.md §4, §5): field ids and enum values
    /// compared byte for byte, nothing normalized, trimmed or mapped.
    /// `alsoPresent`: fields issued but not among `values` (withheld by the
    /// holder), which satisfy `required`.
    public func check(_ values: [String: FieldValue], alsoPresent: [String] = []) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        for (key, value) in values.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            guard let field = field(key) else {
                problems.append(
                    FieldProblem(
                        field: key, code: "unknownField", ja: "未定義の項目「\(SafeText.escaped(key, limit: 40))」",
                        en: "unknown field '\(SafeText.escaped(key, limit: 40))'"))
                continue
            }
            if let problem = Self.problem(value, field) { problems.append(problem) }
        }
        for field in fields
        where field.required && !values.keys.contains(where: { $0.hasSameBytes(as: field.id) })
            && !alsoPresent.contains(where: { $0.hasSameBytes(as: field.id) })
        {
            problems.append(
                FieldProblem(field: field.id, code: "required", ja: "必須項目\(field.label.ja)がありません", en: "required field \(field.label.en) is missing"))
        }
        return problems
    }

    /// Whether one value satisfies its field (docs/spec/certificate.md §4):
    /// the rule itself, for values as signed. Issuance (``convert(_:_:)``)
    /// turns input into a value and then asks this same question.
    static func problem(_ value: FieldValue, _ field: FieldDefinition) -> FieldProblem? {
        func problem(_ code: String, _ ja: String, _ en: String) -> FieldProblem {
            FieldProblem(field: field.id, code: code, ja: "\(field.label.ja): \(ja)", en: "\(field.label.en): \(en)")
        }
        switch (field.type, value) {
        case (.text, .text(let s)):
            return checkText(s, field)
        case (.textList, .textList(let items)):
            guard !items.isEmpty else { return problem("required", "入力してください", "is empty") }
            if let max = field.maxItems, items.count > max {
                return problem("tooMany", "\(max)件までです（\(items.count)件あります）", "at most \(max) items (got \(items.count))")
            }
            for item in items { if let p = checkText(item, field) { return p } }
            return nil
        case (.date, .date(let s)):
            guard let canonical = canonicalDate(s), canonical.utf8.elementsEqual(s.utf8) else {
                return problem("invalidDate", "1868年から2999年の実在する日付（YYYY-MM-DD）ではありません", "is not a real date YYYY-MM-DD from 1868 to 2999")
            }
            return nil
        case (.integer, .integer(let n)):
            guard n.magnitude <= 999_999_999_999_999_999 else { return problem("invalidInteger", "18桁までの整数にしてください", "must have at most 18 digits") }
            if let min = field.minimum, n < min { return problem("outOfRange", "\(min)以上にしてください", "must be at least \(min)") }
            if let max = field.maximum, n > max { return problem("outOfRange", "\(max)以下にしてください", "must be at most \(max)") }
            return nil
        case (.decimal, .decimal(let d)):
            let scale = field.scale ?? 3
            guard let canonical = canonicalDecimal(d, scale: scale), canonical.utf8.elementsEqual(d.utf8) else {
                return problem("notCanonical", "小数点以下\(scale)桁までの正規の表記の数値ではありません", "is not a canonical decimal with at most \(scale) fraction digits")
            }
            if let min = field.minimum, compareDecimal(d, min) < 0 { return problem("outOfRange", "\(min)以上にしてください", "must be at least \(min)") }
            if let max = field.maximum, compareDecimal(d, max) > 0 { return problem("outOfRange", "\(max)以下にしてください", "must be at most \(max)") }
            return nil
        case (.enum, .enumValue(let v)):
            let options = field.options ?? []
            guard options.contains(where: { $0.value.utf8.elementsEqual(v.utf8) }) else {
                let list = options.map { "\($0.value)（\($0.label.ja)）" }.joined(separator: ", ")
                return problem(
                    "invalidOption", "「\(SafeText.escaped(v, limit: 40))」は選択肢の値ではありません。選択肢: \(list)",
                    "'\(SafeText.escaped(v, limit: 40))' is not an option value; options: \(options.map(\.value).joined(separator: ", "))")
            }
            return nil
        default:
            return problem("wrongType", "値の種類が様式と異なります", "is not a \(field.type.rawValue) value")
        }
    }

    /// Turns input (a clerk's form, a CSV cell, JSON) into the value to sign,
    /// then checks it with ``problem(_:_:)``: text is put in NFC and trimmed
    /// (docs/spec/certificate.md §5.2, §5.3), numbers made canonical, an enum
    /// option found by its value or either label.
    static func convert(_ raw: InputValue, _ field: FieldDefinition) -> Result<FieldValue, FieldProblem> {
        func problem(_ code: String, _ ja: String, _ en: String) -> Result<FieldValue, FieldProblem> {
            .failure(FieldProblem(field: field.id, code: code, ja: "\(field.label.ja): \(ja)", en: "\(field.label.en): \(en)"))
        }
        func checked(_ value: FieldValue) -> Result<FieldValue, FieldProblem> {
            if let p = Self.problem(value, field) { return .failure(p) }
            return .success(value)
        }
        func clean(_ s: String) -> String { SafeText.trimmed(SafeText.nfc(s)) }
        func scalarText() -> String? {
            switch raw {
            case .string(let s): clean(s)
            case .number(let n): n
            default: nil
            }
        }
        switch field.type {
        case .text:
            // Text is a JSON string, never a number: 0123 and "0123" must not both mean something.
            guard case .string = raw, let s = scalarText() else { return problem("wrongType", "文字列で入力してください", "must be text") }
            return checked(.text(s))
        case .textList:
            let items: [String]
            switch raw {
            case .list(let l):
                var out: [String] = []
                for item in l {
                    guard case .string(let s) = item else { return problem("wrongType", "文字列の一覧で入力してください", "must be a list of text") }
                    let trimmed = clean(s)
                    guard !trimmed.isEmpty else { return problem("blankItem", "空の項目があります", "has a blank item") }
                    out.append(trimmed)
                }
                items = out
            case .string(let s):
                // A CSV cell lists items separated by '|'.
                items = SafeText.nfc(s).split(separator: "|").map { SafeText.trimmed($0) }.filter { !$0.isEmpty }
            default:
                return problem("wrongType", "文字列の一覧で入力してください", "must be a list of text")
            }
            return checked(.textList(items))
        case .date:
            guard let s = scalarText(), let date = canonicalDate(s) else {
                if let s = scalarText(), ASCIIPattern.isYearPrefix(s),
                    let year = Int(s.prefix(4)), !(1868...2999).contains(year)
                {
                    return problem(
                        "dateOutOfRange", "1868年（明治元年）から2999年までの日付を入力してください",
                        "must be a date from 1868 to 2999")
                }
                return problem(
                    "invalidDate", "日付は YYYY-MM-DD 形式の実在する日付で入力してください（例: 2025-04-01）",
                    "must be a real date written YYYY-MM-DD (e.g. 2025-04-01)")
            }
            return checked(.date(date))
        case .integer:
            guard let s = scalarText(), ASCIIPattern.isInteger(s, maxDigits: 18), let n = Int64(s) else {
                return problem("invalidInteger", "整数で入力してください", "must be a whole number")
            }
            return checked(.integer(n))
        case .decimal:
            let scale = field.scale ?? 3
            guard let s = scalarText(), let canonical = canonicalDecimal(s, scale: scale) else {
                return problem(
                    "invalidDecimal", "小数点以下\(scale)桁までの数値で入力してください（例: 1234.5）",
                    "must be a number with at most \(scale) decimal places (e.g. 1234.5)")
            }
            return checked(.decimal(canonical))
        case .enum:
            let options = field.options ?? []
            guard let s = scalarText() else { return problem("wrongType", "選択肢から選んでください", "must be one of the options") }
            // The value or either label of an option; what is signed is always the option's value.
            if let option = options.first(where: {
                $0.value.utf8.elementsEqual(s.utf8) || $0.label.ja.utf8.elementsEqual(s.utf8) || $0.label.en.lowercased() == s.lowercased()
            }) {
                return checked(.enumValue(option.value))
            }
            let list = options.map { "\($0.value)（\($0.label.ja)）" }.joined(separator: ", ")
            return problem(
                "invalidOption", "「\(s)」は選択肢にありません。選択肢: \(list)", "'\(s)' is not an option; options: \(options.map(\.value).joined(separator: ", "))")
        }
    }

    /// The text rule of the format (`docs/spec/certificate.md` §5, implemented once in
    /// ``SafeText``): no NUL, controls, bidirectional or invisible characters,
    /// separators, private-use or noncharacters — so what is signed is what a
    /// person reads —, NFC, no white space at either end, and 1 to
    /// `maxLength` Unicode scalars.
    static func checkText(_ s: String, _ field: FieldDefinition) -> FieldProblem? {
        if let violation = SafeText.formatViolation(in: s) {
            return FieldProblem(field: field.id, code: violation.code, ja: "\(field.label.ja): \(violation.ja)", en: "\(field.label.en): \(violation.en)")
        }
        let length = SafeText.length(s)
        if length == 0 {
            return FieldProblem(field: field.id, code: "empty", ja: "\(field.label.ja): 空です。入力してください", en: "\(field.label.en): is empty")
        }
        if let max = field.maxLength, length > max {
            return FieldProblem(
                field: field.id, code: "tooLong", ja: "\(field.label.ja): \(max)文字以内にしてください（\(length)文字、\(length - max)文字超過）",
                en: "\(field.label.en): at most \(max) characters (got \(length), \(length - max) over)")
        }
        return nil
    }

    /// `YYYY-MM-DD` of a real Gregorian date between 1868 (明治) and 2999.
    static func canonicalDate(_ s: String) -> String? {
        guard let (year, month, day) = ASCIIPattern.isoDate(s) else { return nil }
        guard (1868...2999).contains(year), (1...12).contains(month), day >= 1 else { return nil }
        return Int64(day) <= CivilDate.daysIn(year: Int64(year), month: Int64(month)) ? s : nil
    }

    /// Compares a canonical decimal with an integer bound exactly: -1, 0 or 1.
    /// (Its integer part has at most 15 digits; bounds are within ±(2^53 − 1).)
    static func compareDecimal(_ decimal: String, _ bound: Int64) -> Int {
        let negative = decimal.hasPrefix("-")
        let body = negative ? decimal.dropFirst() : Substring(decimal)
        let parts = body.split(separator: ".", maxSplits: 1)
        let integer = Int64(parts.first ?? "0") ?? 0
        let hasFraction = parts.count > 1
        // value = ±(integer + fraction), 0 ≤ fraction < 1, fraction > 0 iff hasFraction.
        if !negative {
            if integer != bound { return integer < bound ? -1 : 1 }
            return hasFraction ? 1 : 0
        }
        let magnitude = -bound  // compare integer + fraction with −bound, then flip
        if integer != magnitude { return integer < magnitude ? 1 : -1 }
        return hasFraction ? -1 : 0
    }

    static func canonicalDecimal(_ s: String, scale: Int) -> String? {
        guard ASCIIPattern.isDecimal(s, maxIntegerDigits: 15) else { return nil }
        var negative = false
        var t = Substring(s)
        if t.hasPrefix("-") { negative = true; t = t.dropFirst() }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        var integer = parts[0].drop { $0 == "0" }
        if integer.isEmpty { integer = "0" }
        var fraction = parts.count > 1 ? parts[1] : ""
        while fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= scale else { return nil }
        let body = fraction.isEmpty ? String(integer) : "\(integer).\(fraction)"
        return negative && body != "0" ? "-" + body : body
    }
}

/// The few fixed shapes field values are checked against, scanned byte by
/// byte: validation runs for every certificate issued and verified, and a
/// regular expression compiled per call cost a quarter of a verification.
enum ASCIIPattern {
    static func digits(_ bytes: Substring.UTF8View) -> Bool { !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    /// `YYYY-…`
    static func isYearPrefix(_ s: String) -> Bool {
        let u = Array(s.utf8.prefix(5))
        return u.count == 5 && u[0..<4].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && u[4] == 0x2D
    }

    /// `-?[0-9]{1,maxDigits}`
    static func isInteger(_ s: String, maxDigits: Int) -> Bool {
        var body = Substring(s)
        if body.hasPrefix("-") { body = body.dropFirst() }
        return body.utf8.count <= maxDigits && digits(body.utf8)
    }

    /// `[0-9]{4}-[0-9]{2}-[0-9]{2}`
    static func isISODate(_ s: String) -> Bool { isoDate(s) != nil }

    /// The numbers of `[0-9]{4}-[0-9]{2}-[0-9]{2}`, read on the bytes.
    static func isoDate(_ s: String) -> (year: Int, month: Int, day: Int)? {
        guard s.utf8.count == 10 else { return nil }
        var year = 0, month = 0, day = 0
        for (i, c) in s.utf8.enumerated() {
            if i == 4 || i == 7 {
                guard c == 0x2D else { return nil }
                continue
            }
            guard c >= 0x30 && c <= 0x39 else { return nil }
            let d = Int(c - 0x30)
            if i < 4 { year = year * 10 + d } else if i < 7 { month = month * 10 + d } else { day = day * 10 + d }
        }
        return (year, month, day)
    }

    /// `-?[0-9]{1,maxIntegerDigits}(\.[0-9]+)?`
    static func isDecimal(_ s: String, maxIntegerDigits: Int) -> Bool {
        var body = Substring(s)
        if body.hasPrefix("-") { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0].utf8.count <= maxIntegerDigits, digits(parts[0].utf8) else { return false }
        return parts.count == 1 || digits(parts[1].utf8)
    }
}

extension FieldValue: Encodable {
    /// The JSON of ``jsonValue``, for Codable output (`akashi-verify --json`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let s), .date(let s), .decimal(let s), .enumValue(let s): try container.encode(s)
        case .integer(let n): try container.encode(n)
        case .textList(let items): try container.encode(items)
        }
    }
}
