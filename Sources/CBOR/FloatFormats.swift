/// Exact conversions between IEEE 754 binary16/binary32 bit patterns and
/// `Double`, done by hand on the bits.
///
/// Why by hand: `Float16` is not available on every platform Swift targets
/// (Intel macOS), and the hardware conversions may quieten or drop NaN
/// payloads, while RFC 8949 §4.1/§4.2.1 ask for the shortest form that keeps
/// the value — for a NaN, its sign and payload too. Each "exactly" function
/// returns `nil` when the narrower format would lose anything.
enum FloatFormats {
    private static let doubleFractionMask: UInt64 = (1 << 52) - 1
    private static let doubleExponentAll: UInt64 = 0x7ff << 52

    /// The `Double` with exactly the value of the binary16 `bits`.
    static func double(fromHalf bits: UInt16) -> Double {
        let negative = bits & 0x8000 != 0
        let exponent = Int(bits >> 10) & 0x1f
        let fraction = UInt64(bits & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction × 2^-24, exact in a Double.
            let magnitude = Double(fraction) * 0x1p-24
            return negative ? -magnitude : magnitude
        case 0x1f:
            let sign: UInt64 = negative ? 1 << 63 : 0
            return Double(bitPattern: sign | doubleExponentAll | fraction << 42)
        default:
            let sign: UInt64 = negative ? 1 << 63 : 0
            return Double(bitPattern: sign | UInt64(exponent - 15 + 1023) << 52 | fraction << 42)
        }
    }

    /// The `Double` with exactly the value of the binary32 `bits`.
    static func double(fromSingle bits: UInt32) -> Double {
        if bits & 0x7f80_0000 == 0x7f80_0000 && bits & 0x007f_ffff != 0 {
            // NaN: move the payload across bit for bit.
            let sign: UInt64 = bits & 0x8000_0000 != 0 ? 1 << 63 : 0
            return Double(bitPattern: sign | doubleExponentAll | UInt64(bits & 0x007f_ffff) << 29)
        }
        return Double(Float(bitPattern: bits))  // exact for every non-NaN Float
    }

    /// The binary16 bits of `value`, if binary16 holds it exactly.
    static func halfBits(exactly value: Double) -> UInt16? {
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        if value.isNaN {
            let payload = value.bitPattern & doubleFractionMask
            guard payload & ((1 << 42) - 1) == 0 else { return nil }
            return sign | 0x7c00 | UInt16(payload >> 42)
        }
        if value.isInfinite { return sign | 0x7c00 }
        if value == 0 { return sign }
        let magnitude = value.magnitude
        if magnitude < 0x1p-14 {
            // Only a binary16 subnormal can hold it: k × 2^-24 with 1 ≤ k < 1024.
            // Scaling by a power of two is exact here.
            let scaled = magnitude * 0x1p24
            guard scaled < 1024, scaled == scaled.rounded(.towardZero) else { return nil }
            return sign | UInt16(scaled)
        }
        guard magnitude <= 65504 else { return nil }  // the largest finite binary16
        let fraction = magnitude.significandBitPattern
        guard fraction & ((1 << 42) - 1) == 0 else { return nil }
        return sign | UInt16(Int(magnitude.exponent) + 15) << 10 | UInt16(fraction >> 42)
    }

    /// The binary32 bits of `value`, if binary32 holds it exactly.
    static func singleBits(exactly value: Double) -> UInt32? {
        if value.isNaN {
            let sign: UInt32 = value.sign == .minus ? 0x8000_0000 : 0
            let payload = value.bitPattern & doubleFractionMask
            guard payload & ((1 << 29) - 1) == 0 else { return nil }
            return sign | 0x7f80_0000 | UInt32(payload >> 29)
        }
        let single = Float(value)
        guard Double(single).bitPattern == value.bitPattern else { return nil }
        return single.bitPattern
    }
}
