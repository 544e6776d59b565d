import CBOR
import Testing

/// A small seeded generator (SplitMix64), so a failing case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Random CBOR values: every case, integers and floats near the format
/// boundaries, Japanese text and emoji, nested containers and tags.
struct ValueGenerator {
    var rng: SplitMix64

    static let texts = [
        "", "a", "東京都千代田区", "住民票の写し", "ｶﾀｶﾅ", "𠮷野家", "🇯🇵", "👨‍👩‍👧‍👦", "e\u{301}", "\u{e9}",
        "令和6年", "\u{0}", "\"\\", "ﾃｽﾄ🎌テスト", String(repeating: "証", count: 30),
    ]

    mutating func integerArgument() -> UInt64 {
        switch rng.next() % 6 {
        case 0: rng.next() % 24
        case 1: 23 + rng.next() % 3
        case 2: [0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, .max].randomElement(using: &rng)! &+ (rng.next() % 3) &- 1
        case 3: rng.next() % 0x1_0000
        default: rng.next() >> (rng.next() % 64)
        }
    }

    mutating func float() -> Double {
        switch rng.next() % 6 {
        case 0: Double(bitPattern: rng.next())  // anything, NaNs with payloads included
        case 1: FloatFromHalf.random(&rng)
        case 2: Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
        case 3: [0.0, -0.0, .infinity, -.infinity, .nan, 65504, 65505, 0x1p-24, 0x1p-25, 1.1, 100000].randomElement(using: &rng)!
        case 4: Double(Int64(bitPattern: rng.next()) >> (rng.next() % 63))
        default: Double(rng.next() % 1000) / 8
        }
    }

    mutating func value(depth: Int = 0) -> CBOR {
        let leafOnly = depth >= 4
        switch rng.next() % (leafOnly ? 8 : 11) {
        case 0: return .unsigned(integerArgument())
        case 1: return .negative(integerArgument())
        case 2: return .byteString((0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        case 3: return .textString(Self.texts.randomElement(using: &rng)!)
        case 4:
            let parts = (0..<Int(rng.next() % 4)).map { _ in Self.texts.randomElement(using: &rng)! }
            return .textString(parts.joined())
        case 5: return .float(float())
        case 6: return [.boolean(false), .boolean(true), .null, .undefined].randomElement(using: &rng)!
        case 7: return CBOR(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        case 8: return .array((0..<Int(rng.next() % 6)).map { _ in value(depth: depth + 1) })
        case 9:
            // Unique keys (by encoding), in random order.
            var entries: [(key: CBOR, value: CBOR)] = []
            var seen: Set<[UInt8]> = []
            for _ in 0..<Int(rng.next() % 6) {
                let key = value(depth: depth + 2)
                guard let encoded = try? key.encoded(), seen.insert(encoded).inserted else { continue }
                entries.append((key, value(depth: depth + 1)))
            }
            return .map(entries)
        default:
            return .tagged(integerArgument(), value(depth: depth + 1))
        }
    }
}

enum FloatFromHalf {
    /// A random value that binary16 holds exactly (via a random half bit pattern).
    static func random(_ rng: inout SplitMix64) -> Double {
        let bits = UInt16(truncatingIfNeeded: rng.next())
        // Decode through the library: encode as a half, the decoder gives the value.
        let encoded: [UInt8] = [0xf9, UInt8(bits >> 8), UInt8(bits & 0xff)]
        return (try? CBOR(decoding: encoded))?.double ?? 0
    }
}

@Suite("Properties")
struct PropertyTests {
    @Test("decode(encode(x)) == x, and encoding is stable", arguments: [1, 2, 3, 4] as [UInt64])
    func roundTrip(seed: UInt64) throws {
        var generator = ValueGenerator(rng: SplitMix64(seed: seed))
        for _ in 0..<300 {
            let value = generator.value()
            let encoded = try value.encoded()
            let decoded = try CBOR(decoding: encoded)
            #expect(decoded == value, "\(value)")
            #expect(decoded.hashValue == value.hashValue)
            let reencoded = try decoded.encoded()
            #expect(reencoded == encoded, "\(value)")
            #expect(try CBOR(decoding: encoded, options: .lenient) == value)
            #expect(try value.encoded() == encoded)
        }
    }

    @Test("a hand-built half bit pattern round-trips bit for bit")
    func halfPatterns() throws {
        // Every one of the 65536 half-precision patterns.
        for bits in 0...UInt16.max {
            let encoded: [UInt8] = [0xf9, UInt8(bits >> 8), UInt8(bits & 0xff)]
            let value = try CBOR(decoding: encoded)
            let reencoded = try value.encoded()
            if reencoded != encoded {
                Issue.record("half \(String(bits, radix: 16)) re-encoded as \(reencoded.hexString)")
                return
            }
        }
    }

    @Test("random mutations: strict decoding either fails or reproduces the input exactly")
    func mutations() throws {
        var generator = ValueGenerator(rng: SplitMix64(seed: 99))
        var rng = SplitMix64(seed: 100)
        var accepted = 0, refused = 0
        for _ in 0..<300 {
            var bytes = try generator.value().encoded()
            guard !bytes.isEmpty else { continue }
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                switch rng.next() % 3 {
                case 0: bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(bytes.count + 1)))
                default: if bytes.count > 1 { bytes.remove(at: Int(rng.next() % UInt64(bytes.count))) }
                }
            }
            do {
                let value = try CBOR(decoding: bytes)
                #expect(try value.encoded() == bytes, "\(bytes.hexString)")
                accepted += 1
            } catch {
                #expect(error.offset.map { $0 >= 0 && $0 <= bytes.count } == true)
                refused += 1
            }
            // The lenient decoder must not crash either; what it accepts re-encodes and decodes strictly.
            if let value = try? CBOR(decoding: bytes, options: .lenient), let encoded = try? value.encoded() {
                #expect(try CBOR(decoding: encoded) == value)
            }
        }
        #expect(accepted > 0 && refused > 0)
    }

    @Test("random bytes never crash the decoders")
    func garbage() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2000 {
            let bytes = (0..<Int(rng.next() % 24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if let value = try? CBOR(decoding: bytes) {
                #expect((try? value.encoded()) == bytes)
            }
            _ = try? CBOR(decoding: bytes, options: .lenient)
        }
    }
}
