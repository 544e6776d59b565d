import Foundation
import Testing

@testable import AkashiCrypto

/// The r || s → DER conversion ES256 verification hands to libcrypto, and
/// the r and s libcrypto must refuse.
@Suite("ES256 signature DER")
struct ECDSASignatureDERTests {
    static let n = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")

    /// Expected DER from pyca/cryptography's encode_dss_signature.
    @Test(
        "each half is the minimal DER INTEGER of a non-negative number",
        arguments: [
            // r, s, DER
            (
                "01" + String(repeating: "00", count: 31), "7f" + String(repeating: "ff", count: 31),
                "3044" + "0220" + "01" + String(repeating: "00", count: 31) + "0220" + "7f" + String(repeating: "ff", count: 31)
            ),
            (
                "80" + String(repeating: "00", count: 31), "ff" + String(repeating: "00", count: 31),
                "3046" + "022100" + "80" + String(repeating: "00", count: 31) + "022100" + "ff" + String(repeating: "00", count: 31)
            ),
            (
                String(repeating: "00", count: 31) + "05", String(repeating: "00", count: 30) + "0080",
                "3007" + "020105" + "02020080"
            ),
            (String(repeating: "00", count: 32), String(repeating: "00", count: 31) + "01", "3006" + "020100" + "020101"),
            (
                "00" + "27" + String(repeating: "11", count: 30), "00" + "00" + "7e" + String(repeating: "22", count: 29),
                "3041" + "021f" + "27" + String(repeating: "11", count: 30) + "021e" + "7e" + String(repeating: "22", count: 29)
            ),
            (
                "00" + "a7" + String(repeating: "11", count: 30), "00" + "00" + "fe" + String(repeating: "22", count: 29),
                "3043" + "0220" + "00a7" + String(repeating: "11", count: 30) + "021f" + "00fe" + String(repeating: "22", count: 29)
            ),
        ])
    func der(_ r: String, _ s: String, _ der: String) {
        #expect(OpenSSLP256.Key.derSignature(fromRaw: hexBytes(r + s)).map(hexString) == der)
    }

    @Test("only 64-byte r || s has a DER form")
    func length() {
        #expect(OpenSSLP256.Key.derSignature(fromRaw: []) == nil)
        #expect(OpenSSLP256.Key.derSignature(fromRaw: [UInt8](repeating: 1, count: 63)) == nil)
        #expect(OpenSSLP256.Key.derSignature(fromRaw: [UInt8](repeating: 1, count: 65)) == nil)
    }

    @Test("r or s of 0, of n or above, or altered, does not verify")
    func outOfRange() throws {
        let key = try P256.PrivateKey()
        let message = Array("range".utf8)
        let signature = try key.signature(for: message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        let r = Array(signature[0..<32]), s = Array(signature[32...])
        let zero = [UInt8](repeating: 0, count: 32), ones = [UInt8](repeating: 0xff, count: 32)
        for (label, forged) in [
            ("r = 0", zero + s), ("s = 0", r + zero), ("r = n", Self.n + s), ("s = n", r + Self.n),
            ("r = 2^256 − 1", ones + s), ("s = 2^256 − 1", r + ones), ("r + n", add(r, Self.n).map { $0 + s }),
            ("s + n", add(s, Self.n).map { r + $0 }),
        ] {
            guard let forged else { continue }  // r + n overflowed 2^256: nothing to try
            #expect(!key.publicKey.isValidSignature(forged, for: message), "\(label)")
        }
    }

    /// a + b as 32 bytes, nil when it does not fit.
    func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 32), carry = 0
        for i in (0..<32).reversed() {
            let sum = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        return carry == 0 ? out : nil
    }
}
