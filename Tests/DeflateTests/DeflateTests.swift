import Deflate
import Testing

/// The zlib wrapper: what the status lists rely on (a round trip, a hard
/// output limit, and damaged or trailing input refused).
@Suite("Deflate (zlib, RFC 1950)")
struct DeflateTests {
    /// Seeded bytes, so every run sees the same input.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test("compress then decompress gives the input back", arguments: [0, 1, 100, 65_536, 65_537, 300_000])
    func roundTrip(count: Int) throws {
        for input in [Self.bytes(count, seed: UInt64(count)), [UInt8](repeating: 7, count: count)] {
            let compressed = Deflate.compress(input)
            #expect(compressed.starts(with: [0x78]))  // a zlib header, what DecompressionStream("deflate") wants
            #expect(try Deflate.decompress(compressed, limit: count) == input)
        }
    }

    @Test("output beyond the limit is refused, output at the limit is not")
    func limit() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let compressed = Deflate.compress(zeros)
        #expect(compressed.count < 2_000)
        #expect(try Deflate.decompress(compressed, limit: zeros.count) == zeros)
        let error = #expect(throws: Deflate.Error.self) { try Deflate.decompress(compressed, limit: zeros.count - 1) }
        #expect(error?.code == .tooLarge)
        #expect(error?.description == "the compressed data expands beyond \(zeros.count - 1) bytes")
    }

    @Test("truncated, trailing and foreign bytes are damaged")
    func damaged() {
        let compressed = Deflate.compress(Self.bytes(10_000, seed: 1))
        let cases: [[UInt8]] = [
            [],
            Array(compressed.dropLast(1)),
            Array(compressed.prefix(compressed.count / 2)),
            compressed + [0],
            Self.bytes(200, seed: 2),
            compressed.enumerated().map { $0.offset == 40 ? $0.element ^ 0xFF : $0.element },
        ]
        for input in cases {
            let error = #expect(throws: Deflate.Error.self) { try Deflate.decompress(input, limit: 1 << 20) }
            #expect(error?.code == .damaged, "\(input.count) bytes")
        }
    }

    @Test("many streams in a row: each is ended, none leaks into the next")
    func manyStreams() throws {
        let inputs = (0..<200).map { Self.bytes(1 + $0 * 37, seed: UInt64($0)) }
        for input in inputs {
            #expect(try Deflate.decompress(Deflate.compress(input, level: 1), limit: input.count) == input)
        }
    }
}
