// Fuzzes the status list readers (docs/spec/status-list.md): the payload reader,
// StatusList(decodingPayload:), and the file reader a verifier uses,
// VerifiedStatusList(signed:trust:), against the vectors' trust file. Each input is tried
// as a payload and as a signed file; when it is an Akashi envelope, its payload is also
// read on its own (the fuzzer cannot forge the signature that guards it in the file
// reader, but a payload reader must be safe whoever signed it).
//
// Invariants (a failure is a crash):
// - an accepted payload keeps its bounds (indices and successors ≤ 2^53 − 1, successor >
//   index, issue time ≤ 2^53 − 1) and re-encodes (payload) to bytes that read back to an
//   equal list;
// - the file reader accepts only lists of the trust file's authority whose checkpoint
//   has no extension lines and a tree size ≤ 2^53 − 1; the embedded list verifies.
import COSE
import Certificates
import Foundation
import FuzzSupport
import FuzzVectors
import TransparencyLog

let trust: TrustFile = {
    do { return try TrustFile.decode(Data(trustJSON.utf8)) } catch { fatalError("the embedded trust file does not decode: \(error)") }
}()

let selfTest: Void = {
    do { _ = try VerifiedStatusList(signed: statusList, trust: trust) } catch { fatalError("the embedded status list does not verify: \(error)") }
}()

func checkPayload(_ bytes: [UInt8]) {
    guard let list = try? StatusList(decodingPayload: bytes) else { return }
    let max = UInt64((1 << 53) - 1)
    require(list.issuedAt >= 0 && UInt64(list.issuedAt) <= max, "issue time out of range")
    for (index, state) in list.entries {
        require(index <= max, "an index beyond 2^53 − 1")
        if case .superseded(_, let successor, _) = state { require(successor > index && successor <= max, "a bad successor") }
    }
    guard let again = try? StatusList(decodingPayload: list.payload) else {
        fatalError("fuzz invariant broken: a status list's re-encoding does not read back")
    }
    require(again == list, "a status list's re-encoding reads back to another list")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = selfTest
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    checkPayload(input)
    if let envelope = try? COSESign1(decodingAkashiEnvelope: input) { checkPayload(envelope.payload) }
    if let verified = try? VerifiedStatusList(signed: input, trust: trust) {
        require(trust.authorities.contains { Array($0.issuer.utf8) == Array(verified.list.issuer.utf8) }, "a list of an authority not in the trust file")
        require(verified.checkpoint.checkpoint.extensions.isEmpty, "a checkpoint with extension lines")
        require(verified.treeSize <= UInt64((1 << 53) - 1), "a tree size beyond 2^53 − 1")
    }
    return 0
}
