import AkashiCrypto
import Foundation
import Testing

@testable import TransparencyLog

/// The table encoders against Foundation's base64, for every length up to
/// a few blocks and for random bytes.
@Suite("Base64 encoders")
struct EncodingTests {
    static let samples: [[UInt8]] =
        (0...80).map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ n) } }
        + (0..<200).map { i in SecureRandom.bytes(i % 97) } + [[0xff, 0xff, 0xff], [0xfb, 0xff], [0xfc]]

    @Test("base64String is RFC 4648 §4 with padding, as Foundation writes it")
    func base64() {
        for bytes in Self.samples {
            #expect(bytes.base64String == Data(bytes).base64EncodedString(), "\(bytes)")
            #expect([UInt8](base64String: bytes.base64String) == bytes)
        }
    }

    @Test("a subject line's base64url has no padding and the URL alphabet")
    func base64url() {
        for bytes in Self.samples {
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(LogEntry.base64url(bytes) == expected, "\(bytes)")
        }
    }
}
