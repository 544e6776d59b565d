// Fuzzes the whole verifier, CertificateVerifier.verify(utf8:at:), as akashi-verify and
// the issuer's /verify run it: QR text → payload → envelope → key by kid → signature →
// claims → kind → log entry → inclusion → checkpoint → status. With the vectors' trust
// file and status list, at the vectors' verification time.
//
// Invariants (a failure is a crash):
// - never a forgery: a "valid" verdict only for an envelope of one of the vectors'
//   valid certificates (whatever the fuzzer does to the proof or the text around it),
//   and only with shown withholdable fields that its issuer signed (selective-disclosure.md
//   §5: each shown field has the value the vectors' presentations of that envelope show,
//   and the shown and withheld fields together are the ones issued);
// - a report is internally consistent: "valid" means every check passed;
// - the embedded valid certificates verify as valid (the harness is not stale).
import Certificates
import Foundation
import FuzzSupport
import FuzzVectors
import TransparencyLog

let trust: TrustFile = {
    do { return try TrustFile.decode(Data(trustJSON.utf8)) } catch { fatalError("the embedded trust file does not decode: \(error)") }
}()

let verifier: CertificateVerifier = {
    do { return CertificateVerifier(trust: trust, status: try VerifiedStatusList(signed: statusList, trust: trust)) } catch {
        fatalError("the embedded status list does not verify: \(error)")
    }
}()

/// The valid certificates' envelopes → every withholdable field any valid presentation of
/// it shows (the full presentation shows them all), and the ids of those fields.
let validEnvelopes: [[UInt8]: (shown: [String: FieldValue], issued: Set<String>)] = {
    var known: [[UInt8]: (shown: [String: FieldValue], issued: Set<String>)] = [:]
    for text in validTexts {
        let report = verifier.verify(utf8: Array(text.utf8), at: at)
        guard report.verdict == .valid, let claims = report.claims, let withheld = report.withheld else {
            fatalError("an embedded valid certificate does not verify as valid: \(report.checks.map { "\($0.name):\($0.status)" })")
        }
        var entry = known[report.envelope] ?? ([:], [])
        entry.shown.merge(claims.withholdable) { a, b in
            guard a == b else { fatalError("two valid presentations of one envelope show different values") }
            return a
        }
        entry.issued.formUnion(claims.withholdable.keys)
        entry.issued.formUnion(withheld)
        known[report.envelope] = entry
    }
    return known
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let known = validEnvelopes
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let report = verifier.verify(utf8: input, at: at)
    if report.verdict == .valid {
        guard let signed = known[report.envelope] else {
            fatalError("fuzz invariant broken: FORGERY: a certificate that is not one of the vectors verified as valid")
        }
        require(report.checks.allSatisfy { $0.status == .passed }, "a valid report with a check that did not pass")
        let shown = report.claims?.withholdable ?? [:]
        for (id, value) in shown {
            require(signed.shown[id] == value, "FORGERY: a shown field '\(id)' that its certificate's presentations do not show with this value")
        }
        let withheld = report.withheld ?? []
        require(Set(withheld).isDisjoint(with: shown.keys), "a field both shown and withheld")
        require(Set(shown.keys).union(withheld) == signed.issued, "the shown and withheld fields are not the issued ones")
    }
    return 0
}
