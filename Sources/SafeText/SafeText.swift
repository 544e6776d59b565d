import Foundation

/// The one rule for text that enters Akashi from outside — a request, a CSV
/// cell, a command-line argument — before it reaches SQLite, the audit chain,
/// a hash or a signature.
///
/// Why a rule of its own: SQLite binds text as a C string (a NUL cuts it, while
/// a hash over the Swift string covers all of it); bidirectional overrides and
/// invisible characters let a signed certificate *look* different from what
/// it says; control characters break logs and line-based formats. The rule is
/// an explicit list of code-point ranges, not Unicode general categories, so
/// every implementation (Swift, the web page, a third party's verifier) agrees
/// on it whatever Unicode version its platform ships. `docs/spec/certificate.md` §5
/// is the normative text; this file follows it.
///
/// Lengths are counted in Unicode scalar values (code points), never in
/// grapheme clusters, whose boundaries change between Unicode versions and
/// which let `a` followed by 1,500 combining marks count as one character.
public enum SafeText {
    /// Why a scalar is refused.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// U+0000.
        case nul
        /// C0 (U+0001–U+001F), DEL (U+007F) and C1 (U+0080–U+009F) controls.
        case control
        /// Explicit bidirectional formatting: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069.
        case bidiControl
        /// Characters that print as nothing: zero-width spaces and joiners, fillers, soft hyphen, BOM, tags, …
        case invisible
        /// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
        case lineSeparator
        /// Private-use code points (外字): they print differently on every device.
        case privateUse
        /// Unicode noncharacters (U+FDD0–U+FDEF, U+xxFFFE, U+xxFFFF).
        case noncharacter
        /// U+FFFD, what a decoder leaves where the input was not valid text.
        case replacement

        public var ja: String {
            switch self {
            case .nul: "NUL文字"
            case .control: "制御文字（改行・タブなど）"
            case .bidiControl: "文字の向きを変える制御文字"
            case .invisible: "表示されない文字（ゼロ幅文字など）"
            case .lineSeparator: "行区切り・段落区切り文字"
            case .privateUse: "外字（私用領域の文字）"
            case .noncharacter: "Unicodeの非文字"
            case .replacement: "文字化けを示す置換文字（U+FFFD）"
            }
        }

        public var en: String {
            switch self {
            case .nul: "the NUL character"
            case .control: "a control character (line break, tab, …)"
            case .bidiControl: "a bidirectional formatting character"
            case .invisible: "an invisible character (zero-width space, joiner, …)"
            case .lineSeparator: "a line or paragraph separator"
            case .privateUse: "a private-use character (外字)"
            case .noncharacter: "a Unicode noncharacter"
            case .replacement: "the replacement character U+FFFD (damaged text)"
            }
        }
    }

    /// The first refused scalar of a text: which, where (0-based, in scalars) and why.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public let scalar: Unicode.Scalar
        /// Position in Unicode scalars from the start, 0-based.
        public let offset: Int
        public let reason: Reason

        /// `U+202E`
        public var codePoint: String { SafeText.codePoint(scalar) }

        public var ja: String { "\(offset + 1)文字目に使えない文字 \(codePoint)（\(reason.ja)）があります。取り除いてから入力し直してください" }
        public var en: String { "character \(offset + 1) is \(codePoint), \(reason.en), which is not allowed; remove it and enter the text again" }
        public var description: String { "\(ja) / \(en)" }
    }

    /// Every refused range of code points, in ascending order, with its
    /// reason: the whole rule as data (the spec's table, the API's JSON Schema
    /// pattern and ``reason(_:multiline:)`` all come from here). TAB, LF and CR
    /// are listed as controls; ``reason(_:multiline:)`` lets them through
    /// where `multiline`.
    public static let refused: [(range: ClosedRange<UInt32>, reason: Reason)] = {
        var table: [(range: ClosedRange<UInt32>, reason: Reason)] = [
            (0x0000...0x0000, .nul), (0x0001...0x001F, .control), (0x007F...0x009F, .control),
            (0x00AD...0x00AD, .invisible), (0x034F...0x034F, .invisible), (0x061C...0x061C, .bidiControl),
            (0x115F...0x1160, .invisible), (0x17B4...0x17B5, .invisible), (0x180B...0x180F, .invisible),
            (0x200B...0x200D, .invisible), (0x200E...0x200F, .bidiControl), (0x2028...0x2029, .lineSeparator),
            (0x202A...0x202E, .bidiControl), (0x2060...0x2065, .invisible), (0x2066...0x2069, .bidiControl),
            (0x206A...0x206F, .invisible), (0x3164...0x3164, .invisible), (0xE000...0xF8FF, .privateUse),
            (0xFDD0...0xFDEF, .noncharacter), (0xFEFF...0xFEFF, .invisible), (0xFFA0...0xFFA0, .invisible),
            (0xFFF0...0xFFFB, .invisible), (0xFFFD...0xFFFD, .replacement), (0xFFFE...0xFFFF, .noncharacter),
            (0x1BCA0...0x1BCA3, .invisible), (0x1D173...0x1D17A, .invisible), (0xE0000...0xE007F, .invisible),
        ]
        // U+xxFFFE and U+xxFFFF of planes 1–14; planes 15 and 16 are private
        // use up to their last two code points.
        for plane in UInt32(1)...14 { table.append(((plane << 16) | 0xFFFE...(plane << 16) | 0xFFFF, .noncharacter)) }
        for plane in UInt32(15)...16 {
            table.append(((plane << 16)...(plane << 16) | 0xFFFD, .privateUse))
            table.append(((plane << 16) | 0xFFFE...(plane << 16) | 0xFFFF, .noncharacter))
        }
        return table.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }()

    /// Why `scalar` is refused, or nil if it is allowed. Line breaks (LF, CR)
    /// and TAB are allowed only where `multiline` (a free-text note), never in
    /// anything signed.
    public static func reason(_ scalar: Unicode.Scalar, multiline: Bool = false) -> Reason? {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return nil }  // the common case first
        if multiline && (v == 0x09 || v == 0x0A || v == 0x0D) { return nil }
        // Binary search: the last range starting at or below v.
        var low = 0, high = refused.count
        while low < high {
            let mid = (low + high) / 2
            if refused[mid].range.lowerBound <= v { low = mid + 1 } else { high = mid }
        }
        guard low > 0, refused[low - 1].range.contains(v) else { return nil }
        return refused[low - 1].reason
    }

    /// The first refused scalar in `text`, or nil when all of it is allowed.
    public static func firstProblem(in text: some StringProtocol, multiline: Bool = false) -> Problem? {
        var offset = 0
        for scalar in text.unicodeScalars {
            // Printable ASCII is by far the most common input: skip the switch.
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                offset += 1
                continue
            }
            if let reason = reason(scalar, multiline: multiline) { return Problem(scalar: scalar, offset: offset, reason: reason) }
            offset += 1
        }
        return nil
    }

    /// Throws the first problem in `text`.
    public static func check(_ text: some StringProtocol, multiline: Bool = false) throws(Problem) {
        if let problem = firstProblem(in: text, multiline: multiline) { throw problem }
    }

    // MARK: The format's text rule (docs/spec/certificate.md §5)

    /// White space for the leading/trailing rule of docs/spec/certificate.md
    /// §5.3 — exactly this list, not Foundation's `.whitespacesAndNewlines`,
    /// whose contents follow the platform's Unicode tables (U+180E was a space
    /// before Unicode 6.3): U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680,
    /// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    public static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// `text` without its leading and trailing ``isWhiteSpace(_:)`` scalars
    /// (what issuers do to input before validating it).
    public static func trimmed(_ text: some StringProtocol) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !isWhiteSpace($0) }), let last = scalars.lastIndex(where: { !isWhiteSpace($0) }) else {
            return ""
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[first...last])
        return String(out)
    }

    /// Whether `text` is in Unicode Normalization Form C (UAX #15), compared
    /// as scalar values — not with `==`, which is canonical equivalence and
    /// so would call every text its own NFC.
    public static func isNFC(_ text: some StringProtocol) -> Bool {
        // UAX #15 quick check, answered "yes" without Foundation when every
        // scalar is NFC_Quick_Check=Yes with combining class 0 — then the text
        // is NFC. The ranges are those Japanese certificates are written in:
        // below U+0300 (Latin), CJK punctuation (not the tone marks
        // U+302A–U+302F), kana (not the voicing marks U+3099/U+309A, which
        // compose), CJK ideographs, full-width forms. Anything else asks
        // Foundation (measured: the Foundation path was 6 % of verifying).
        if text.unicodeScalars.allSatisfy({
            switch $0.value {
            case 0..<0x300, 0x3000...0x3029, 0x3030...0x303F, 0x3041...0x3096, 0x309B...0x30FF, 0x4E00...0x9FFF, 0xFF01...0xFF5E: true
            default: false
            }
        }) {
            return true
        }
        return text.unicodeScalars.elementsEqual(nfc(String(text)).unicodeScalars)
    }

    /// `text` in NFC: what issuers sign, so clerks' input in decomposed form
    /// (a Mac's file names, some IMEs) is accepted.
    public static func nfc(_ text: String) -> String { text.precomposedStringWithCanonicalMapping }

    /// How a text breaks the format's text rule.
    public enum Violation: Error, Sendable, Hashable, CustomStringConvertible {
        /// A refused scalar (§5.1).
        case refused(Problem)
        /// Not NFC (§5.2).
        case notNFC
        /// Begins or ends with white space (§5.3).
        case edgeWhiteSpace

        /// `controlCharacter`, `disallowedCharacter`, `notNFC` or `edgeWhiteSpace`: the codes of docs/spec/certificate.md §5.
        public var code: String {
            switch self {
            case .refused(let problem):
                problem.reason == .control || problem.reason == .nul || problem.reason == .lineSeparator ? "controlCharacter" : "disallowedCharacter"
            case .notNFC: "notNFC"
            case .edgeWhiteSpace: "edgeWhiteSpace"
            }
        }

        public var ja: String {
            switch self {
            case .refused(let problem): problem.ja
            case .notNFC: "文字の表現が正規化（NFC）されていません。入力し直してください"
            case .edgeWhiteSpace: "前後に空白があります。取り除いてください"
            }
        }

        public var en: String {
            switch self {
            case .refused(let problem): problem.en
            case .notNFC: "the text is not in Unicode normalization form C (NFC); enter it again"
            case .edgeWhiteSpace: "the text begins or ends with white space; remove it"
            }
        }

        public var description: String { "\(ja) / \(en)" }
    }

    /// The first way `text` breaks the text rule of docs/spec/certificate.md
    /// §5 (refused scalars, NFC, leading/trailing white space), or nil. The
    /// rule for certificate text and for every string of a trust file;
    /// lengths are the caller's (they differ by field).
    public static func formatViolation(in text: some StringProtocol) -> Violation? {
        if let problem = firstProblem(in: text) { return .refused(problem) }
        if !isNFC(text) { return .notNFC }
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last, isWhiteSpace(first) || isWhiteSpace(last) {
            return .edgeWhiteSpace
        }
        return nil
    }

    /// The length the format counts: Unicode scalar values.
    public static func length(_ text: some StringProtocol) -> Int { text.unicodeScalars.count }

    /// Strict UTF-8: nil for invalid sequences (overlong forms, surrogates,
    /// truncation) instead of silently substituting U+FFFD.
    public static func decodeUTF8(_ bytes: some Collection<UInt8>) -> String? {
        var scalars = String.UnicodeScalarView()
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return String(scalars)
            case .error: return nil
            }
        }
    }

    /// `text` with every refused scalar written as `\u{XXXX}`, for messages and
    /// the audit trail, where what was attempted must be recorded without the
    /// character itself.
    public static func escaped(_ text: some StringProtocol, limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            if reason(scalar) != nil || scalar == "\\" {
                out += scalar == "\\" ? "\\\\" : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `U+00AD`, with at least four hex digits.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
