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
    public var base64String: String { Data(self).base64EncodedString() }

    /// Parses standard base64 (RFC 4648 §4) strictly: padding required, no
    /// whitespace, and the text must be the canonical encoding of its bytes.
    public init?(base64String: some StringProtocol) {
        let text = String(base64String)
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        self = Array(data)
    }
}
