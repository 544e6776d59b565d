// Fuzzes the trust file reader, TrustFile.decode (docs/spec/trust-file.md): StrictJSON's
// check, the closed-shape check, JSONDecoder with the custom time rule, and every
// cross-field rule; then builds a CertificateVerifier from the result, as akashi-verify does.
//
// Invariants (a failure is a crash):
// - "a verifier built from it never meets a malformed part later": every key of an
//   accepted file has an 8-byte kid and a valid public key, and every log a valid vkey
//   and tlog-policy;
// - an accepted file re-encodes (encoded()) to a file that decodes to an equal value.
import Certificates
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(UnsafeBufferPointer(start: data, count: size))
    guard let trust = try? TrustFile.decode(input) else { return 0 }

    for authority in trust.authorities {
        for key in authority.keys {
            require(key.kidBytes?.count == 8, "an accepted key has no 8-byte kid")
            require((try? key.publicKey()) != nil, "an accepted key has no valid public key")
        }
        require((try? authority.log.verifierKey()) != nil, "an accepted log has no valid vkey")
        require((try? authority.log.tlogPolicy()) != nil, "an accepted log has no valid tlog-policy")
    }
    _ = CertificateVerifier(trust: trust)

    // Found here and fixed (Tests/fuzz/crashes/trust-file-date-before-1582.bin): encoded()
    // wrote times with ISO8601DateFormatter, which is Julian before 1582-10-15.
    let encoded: Data
    do { encoded = try trust.encoded() } catch { fatalError("fuzz invariant broken: an accepted trust file does not encode: \(error)") }
    do {
        let again = try TrustFile.decode(encoded)
        require(again == trust, "an accepted trust file re-encodes to another trust file")
    } catch {
        fatalError("fuzz invariant broken: an accepted trust file re-encodes to a file that does not decode: \(error)")
    }
    return 0
}
