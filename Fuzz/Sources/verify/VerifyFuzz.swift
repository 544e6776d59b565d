// Fuzzes the whole verifier, CertificateVerifier.verify(utf8:at:), as akashi-verify and
// the issuer's /verify run it: QR text → payload → envelope → key by kid → signature →
// claims → kind → log entry → inclusion → checkpoint → status. With the vectors' trust
// file and status list, at the vectors' verification time.
//
// Invariants (a failure is a crash):
// - never a forgery: a "valid" verdict only for an envelope of one of the vectors'
//   valid certificates (whatever the fuzzer does to the proof or the text around it);
// - a report is internally consistent: "valid" means every check passed;
// - the embedded valid certificates verify as valid (the harness is not stale).
import Certificates
import Foundation
import FuzzVectors
import TransparencyLog
import FuzzSupport

let trust: TrustFile = {
    do { return try TrustFile.decode(Data(trustJSON.utf8)) } catch { fatalError("the embedded trust file does not decode: \(error)") }
}()





let verifier: CertificateVerifier = {
    do { return CertificateVerifier(trust: trust, status: try VerifiedStatusList(signed: statusList, trust: trust)) } catch {
        fatalError("the embedded status list does not verify: \(error)")
    }
}()

let validEnvelopes: Set<[UInt8]> = {
    Set(validTexts.map { text in
        let report = verifier.verify(utf8: Array(text.utf8), at: at)
        guard report.verdict == .valid else { fatalError("an embedded valid certificate does not verify as valid: \(report.checks.map { "\($0.name):\($0.status)" })") }
        return report.envelope
    })
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let known = validEnvelopes
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let report = verifier.verify(utf8: input, at: at)
    if report.verdict == .valid {
        require(known.contains(report.envelope), "FORGERY: a certificate that is not one of the vectors verified as valid")
        require(report.checks.allSatisfy { $0.status == .passed }, "a valid report with a check that did not pass")
    }
    return 0
}
