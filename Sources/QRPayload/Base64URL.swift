/// base64url without padding (RFC 4648 §5), the encoding of JOSE and of most
/// binary data in URLs.
///
/// Why it is here: as the baseline. Its lower-case letters force QR byte
/// mode (8 bits per character, 6 bits of payload), so it needs noticeably
/// larger QR versions than `NumericCodec`; see docs/MEASURED.md.
///
/// Decoding is strict: only `A–Z a–z 0–9 - _`, no `=` padding, no
/// whitespace, a length that is not 1 modulo 4, and the unused low bits of
/// the last character must be zero (so each byte string has one text).
public enum Base64URL {
    public static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// The number of characters `encode` produces for `byteCount` bytes.
    public static func encodedLength(byteCount: Int) -> Int {
        precondition(byteCount >= 0, "byte count must not be negative")
        return (byteCount / 3) * 4 + [0, 2, 3][byteCount % 3]
    }

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(byteCount: bytes.count))
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var value = 0
            for offset in 0..<3 {
                value = value << 8 | (offset < count ? Int(bytes[index + offset]) : 0)
            }
            for position in 0...count {
                out.append(alphabet[(value >> (18 - 6 * position)) & 0x3F])
            }
            index += count
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol) throws(QRPayloadError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 4 != 1 else {
            throw QRPayloadError(
                .invalidLength,
                "base64url text has \(characters.count) characters; a length of 1 modulo 4 is impossible")
        }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 4 * 3 + 2)
        var start = 0
        while start < characters.count {
            let width = min(4, characters.count - start)
            var value = 0
            for index in start..<(start + width) {
                let digit = values[Int(characters[index])]
                guard digit != 0xFF else {
                    let hint = characters[index] == UInt8(ascii: "=") ? " (padding is not allowed)" : ""
                    throw QRPayloadError(
                        .invalidCharacter,
                        "base64url text has a byte 0x\(String(characters[index], radix: 16)) outside the alphabet at offset \(index)\(hint)",
                        offset: index)
                }
                value = value << 6 | Int(digit)
            }
            let byteCount = width - 1  // 4 → 3, 3 → 2, 2 → 1
            let unusedBits = width * 6 - byteCount * 8
            guard value & ((1 << unusedBits) - 1) == 0 else {
                throw QRPayloadError(
                    .nonCanonical,
                    "base64url text has non-zero unused bits in its last character at offset \(characters.count - 1)",
                    offset: characters.count - 1)
            }
            value >>= unusedBits
            for shift in stride(from: 8 * (byteCount - 1), through: 0, by: -8) {
                out.append(UInt8((value >> shift) & 0xFF))
            }
            start += width
        }
        return out
    }
}
