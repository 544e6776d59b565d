/// Base45 (RFC 9285): bytes as QR alphanumeric-mode characters.
///
/// Why: it is the encoding the EU Digital COVID Certificate made common, and
/// QR alphanumeric mode stores its characters at 5.5 bits each. It is about
/// as dense as `NumericCodec` but its alphabet has a space and `%`, which are
/// awkward inside a URL; we keep it for comparison and interoperability.
///
/// Two bytes `a, b` become three characters c, d, e with
/// `a·256 + b = c + d·45 + e·45²`; a final single byte becomes two
/// characters. Decoding is strict: only the 45 characters of the RFC
/// alphabet (upper case), a length that is not 1 modulo 3, and no triple
/// above 65535 or final pair above 255.
public enum Base45 {
    /// The RFC 9285 alphabet, in value order.
    public static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

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
        return (byteCount / 2) * 3 + (byteCount % 2) * 2
    }

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(byteCount: bytes.count))
        var index = 0
        while index + 1 < bytes.count {
            var value = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            for _ in 0..<3 {
                out.append(alphabet[value % 45])
                value /= 45
            }
            index += 2
        }
        if index < bytes.count {
            let value = Int(bytes[index])
            out.append(alphabet[value % 45])
            out.append(alphabet[value / 45])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol) throws(QRPayloadError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 3 != 1 else {
            throw QRPayloadError(
                .invalidLength,
                "base45 text has \(characters.count) characters; a length of 1 modulo 3 is impossible")
        }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 3 * 2 + 1)
        var start = 0
        while start < characters.count {
            let width = min(3, characters.count - start)
            var value = 0
            var weight = 1
            for index in start..<(start + width) {
                let digit = values[Int(characters[index])]
                guard digit != 0xFF else {
                    throw QRPayloadError(
                        .invalidCharacter,
                        "base45 text has a byte 0x\(String(characters[index], radix: 16)) outside the RFC 9285 alphabet at offset \(index)",
                        offset: index)
                }
                value += Int(digit) * weight
                weight *= 45
            }
            if width == 3 {
                guard value <= 0xFFFF else {
                    throw QRPayloadError(
                        .valueOutOfRange,
                        "base45 triple at offset \(start) has value \(value), above 65535", offset: start)
                }
                out.append(UInt8(value >> 8))
                out.append(UInt8(value & 0xFF))
            } else {
                guard value <= 0xFF else {
                    throw QRPayloadError(
                        .valueOutOfRange,
                        "base45 final pair at offset \(start) has value \(value), above 255", offset: start)
                }
                out.append(UInt8(value))
            }
            start += width
        }
        return out
    }
}
