import Foundation

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

    public func field(_ id: String) -> FieldDefinition? { fields.first { $0.id == id } }
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

    public var isPrinted: Bool { printed ?? true }
    public var isOmittedByDefault: Bool { omittedByDefault ?? false }
}

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

    static func check(_ kind: CertificateKind) throws(CertificateError) {
        let idPattern = kind.id.range(of: "^[a-z][a-z0-9-]{0,39}$", options: .regularExpression)
        guard idPattern != nil else { throw CertificateError(.invalidKind, "kind id '\(kind.id)' must be lowercase letters, digits and '-'") }
        guard kind.version >= 1 else { throw CertificateError(.invalidKind, "kind \(kind.id): version must be ≥ 1") }
        var ids = Set<String>()
        for field in kind.fields {
            guard field.id.range(of: "^[a-zA-Z][a-zA-Z0-9]{0,39}$", options: .regularExpression) != nil else {
                throw CertificateError(.invalidKind, "kind \(kind.id): field id '\(field.id)' must be letters and digits")
            }
            guard ids.insert(field.id).inserted else { throw CertificateError(.invalidKind, "kind \(kind.id): field '\(field.id)' defined twice") }
            if field.type == .enum, (field.options ?? []).isEmpty {
                throw CertificateError(.invalidKind, "kind \(kind.id): enum field '\(field.id)' has no options")
            }
            if field.required && field.isOmittedByDefault {
                throw CertificateError(.invalidKind, "kind \(kind.id): field '\(field.id)' cannot be both required and omitted by default")
            }
        }
        for forbidden in kind.forbiddenFields ?? [] where ids.contains(forbidden.id) {
            throw CertificateError(.invalidKind, "kind \(kind.id): '\(forbidden.id)' is both a field and forbidden")
        }
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
