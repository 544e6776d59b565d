/// Bytes as decimal digits, for QR numeric mode.
///
/// Why: a QR code stores digits at 10 bits per 3 digits, the densest of its
/// modes, and digits are safe everywhere in a URL (unlike base45's space and
/// `%`). Seventeen digits (57 bits in a QR code) carry seven bytes (56 bits),
/// so the overhead over raw bytes is 1/56 plus the partial final group, while
/// byte mode with base64url costs 4/3.
///
/// ## Format (normative; the web verifier reimplements it)
///
/// Encoding bytes `b[0] ..< b[n]`:
/// 1. Split the bytes into groups of 7, in order; the last group may have
///    k = 1...6 bytes. (No bytes → the empty string.)
/// 2. Read each group as an unsigned big-endian integer (first byte most
///    significant): a full group is a value below 2^56, a final group of k
///    bytes a value below 2^(8k).
/// 3. Write each value in decimal, left-padded with `0` to a fixed width:
///    17 digits for a full group, and for a final group of k bytes the fewest
///    digits that can hold any k-byte value, ceil(8k·log10 2):
///
///    | bytes k | 1 | 2 | 3 | 4  | 5  | 6  | 7  |
///    |---------|---|---|---|----|----|----|----|
///    | digits  | 3 | 5 | 8 | 10 | 13 | 15 | 17 |
/// 4. Concatenate. The text length is 17·⌊n/7⌋ + digits(n mod 7).
///
/// Decoding reverses this and rejects, with `QRPayloadError`:
/// - any character other than ASCII `0`...`9` (`.invalidCharacter`);
/// - a length whose remainder modulo 17 is not 0, 3, 5, 8, 10, 13 or 15
///   (`.invalidLength`);
/// - a group whose value is ≥ 2^(8k) for its k bytes, e.g. `256` for a final
///   single byte or `72057594037927936` for a full group (`.valueOutOfRange`).
///
/// Every byte string has exactly one encoding, and every accepted text
/// decodes to exactly one byte string. Example: `[0x01, 0x02]` → `"00258"`;
/// `[0xFF; 7]` → `"72057594037927935"`.
public enum NumericCodec {
    /// Bytes in a full group.
    public static let bytesPerGroup = 7
    /// Digits in a full group.
    public static let digitsPerGroup = 17

    /// Digits used for a group of `k` bytes, k = 0...7 (index = k).
    static let digitsForBytes: [Int] = [0, 3, 5, 8, 10, 13, 15, 17]

    /// The number of digits `encode` produces for `byteCount` bytes.
    public static func encodedLength(byteCount: Int) -> Int {
        precondition(byteCount >= 0, "byte count must not be negative")
        return (byteCount / bytesPerGroup) * digitsPerGroup + digitsForBytes[byteCount % bytesPerGroup]
    }

    /// Encodes bytes as described in the type's documentation.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(byteCount: bytes.count))
        var start = 0
        while start < bytes.count {
            let end = min(start + bytesPerGroup, bytes.count)
            var value: UInt64 = 0
            for byte in bytes[start..<end] {
                value = value << 8 | UInt64(byte)
            }
            let width = digitsForBytes[end - start]
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var index = width - 1
            while value > 0 {
                digits[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                index -= 1
            }
            out.append(contentsOf: digits)
            start = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes digits produced by `encode`; strict, see the type's documentation.
    public static func decode(_ text: some StringProtocol) throws(QRPayloadError) -> [UInt8] {
        try decode(digits: text.utf8)
    }

    /// The same on the text's UTF-8 bytes (a QR text read as bytes), without
    /// making a string of them first.
    public static func decode(digits text: some Collection<UInt8>) throws(QRPayloadError) -> [UInt8] {
        try Array(text).withUnsafeBufferPointer { digits throws(QRPayloadError) in try decode(digits) }
    }

    static func decode(_ digits: UnsafeBufferPointer<UInt8>) throws(QRPayloadError) -> [UInt8] {
        let remainder = digits.count % digitsPerGroup
        guard let lastGroupBytes = digitsForBytes.firstIndex(of: remainder), lastGroupBytes < bytesPerGroup else {
            throw QRPayloadError(
                .invalidLength,
                "numeric payload has \(digits.count) digits; the length modulo 17 must be 0, 3, 5, 8, 10, 13 or 15, not \(remainder)")
        }
        var out: [UInt8] = []
        out.reserveCapacity((digits.count / digitsPerGroup) * bytesPerGroup + lastGroupBytes)
        var start = 0
        while start < digits.count {
            let width = min(digitsPerGroup, digits.count - start)
            let byteCount = width == digitsPerGroup ? bytesPerGroup : lastGroupBytes
            var value: UInt64 = 0  // 17 digits < 10^17 < 2^64: no overflow
            for index in start..<(start + width) {
                let digit = digits[index] &- UInt8(ascii: "0")
                guard digit < 10 else {
                    throw QRPayloadError(
                        .invalidCharacter,
                        "numeric payload has a non-digit byte 0x\(String(digits[index], radix: 16)) at offset \(index)",
                        offset: index)
                }
                value = value * 10 + UInt64(digit)
            }
            let limit: UInt64 = 1 << UInt64(8 * byteCount)
            guard value < limit else {
                throw QRPayloadError(
                    .valueOutOfRange,
                    "numeric group at offset \(start) (\(width) digits, \(byteCount) bytes) has value \(value), which is not below 2^\(8 * byteCount)",
                    offset: start)
            }
            for shift in stride(from: 8 * (byteCount - 1), through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
            start += width
        }
        return out
    }
}
