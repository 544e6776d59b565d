extension CBOR: CustomStringConvertible {
    /// RFC 8949 §8 diagnostic notation, for logs and test failures:
    /// `{1: -7, 4: h'6b6964'}`, `18([...])`, `"東京"`, `1.5`, `NaN`.
    public var description: String {
        switch self {
        case .unsigned(let n): return String(n)
        case .negative(let n): return n == .max ? "-18446744073709551616" : "-\(n + 1)"
        case .byteString(let b):
            return "h'"
                + b.map { byte in
                    let hex = String(byte, radix: 16)
                    return byte < 16 ? "0" + hex : hex
                }.joined() + "'"
        case .textString(let s): return "\"" + s.replacingBackslashesAndQuotes() + "\""
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .tagged(let tag, let value): return "\(tag)(\(value))"
        case .boolean(let b): return b ? "true" : "false"
        case .null: return "null"
        case .undefined: return "undefined"
        case .float(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return d.description
        }
    }
}

extension CBOR {
    /// The diagnostic notation cut to about 80 characters, for error reasons:
    /// a hostile megabyte-long map key must not become a megabyte-long log line.
    public var abbreviatedDescription: String {
        let full = description
        return full.count <= 80 ? full : String(full.prefix(77)) + "..."
    }
}

extension String {
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var out = ""
        for c in unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
