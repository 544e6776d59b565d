import Foundation

extension Array where Element == UInt8 {
    /// Lowercase hexadecimal, two digits per byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hexadecimal (either case); nil unless every character is a hex digit
    /// and the length is even.
    public init?(hexString: some StringProtocol) {
        let chars = Array(hexString.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = value(chars[i]), let lo = value(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self = out
    }

    /// Standard base64 (RFC 4648 §4) with padding, as the C2SP formats use.
    public var base64String: String {
        var out: [UInt8] = []
        out.reserveCapacity((count + 2) / 3 * 4)
        Base64Table.standard.append(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses standard base64 (RFC 4648 §4) strictly: padding required, no
    /// whitespace, and the text must be the canonical encoding of its bytes.
    public init?(base64String: some StringProtocol) {
        let text = String(base64String)
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        self = Array(data)
    }
}

/// One table encoder for both base64 alphabets (RFC 4648 §4 with padding for
/// the C2SP formats, §5 without for subject lines). Written by hand because
/// Foundation's encoder plus character replacement was a measurable share of
/// the verifier's time (docs/BENCHMARKS.md) and has no base64url mode.
public struct Base64Table: Sendable {
    let digits: [UInt8]
    let pads: Bool

    public static let standard = Base64Table(digits: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8), pads: true)
    public static let url = Base64Table(digits: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8), pads: false)

    /// Appends the encoding of `bytes` to `out` (the verifier's JSON lines write into one buffer).
    public func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        digits.withUnsafeBufferPointer { digits in
            var i = 0
            while i + 3 <= bytes.count {
                let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out.append(digits[Int(n >> 18)])
                out.append(digits[Int(n >> 12 & 0x3f)])
                out.append(digits[Int(n >> 6 & 0x3f)])
                out.append(digits[Int(n & 0x3f)])
                i += 3
            }
            let rest = bytes.count - i
            guard rest > 0 else { return }
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(digits[Int(n >> 18)])
            out.append(digits[Int(n >> 12 & 0x3f)])
            if rest == 2 { out.append(digits[Int(n >> 6 & 0x3f)]) } else if pads { out.append(UInt8(ascii: "=")) }
            if pads { out.append(UInt8(ascii: "=")) }
        }
    }
}
