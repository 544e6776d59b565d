import FuzzSupport
// Fuzzes the log entry reader, LogEntry(parsing:) (docs/spec/log.md §2): what a monitor
// reads from entry bundles and a verifier rebuilds from a certificate.
//
// Invariants (a failure is a crash):
// - one byte form: an accepted entry's bytes are the input, and they read back to it;
// - its numbers are at most 2^53 − 1, its digest 32 bytes, a kind id of the kind grammar,
//   a document name 1…200 bytes with no control character, U+2028 or U+2029.
import TransparencyLog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let entry = try? LogEntry(parsing: input) else { return 0 }

    require(entry.bytes == input, "an accepted log entry is not in its one byte form")
    require((try? LogEntry(parsing: entry.bytes)) == entry, "a log entry's bytes read back to another entry")
    require(entry.subjectDigest.count == 32, "the digest is not 32 bytes")
    let max = Int64(LogEntry.maxNumber)
    switch entry {
    case .document(_, let name):
        if let name { require((try? LogEntry.validateName(name)) != nil, "an accepted document name is invalid") }
    case .certificate(_, let kind, let issuedAt, _):
        require(LogEntry.isValidKindID(kind) && (0...max).contains(issuedAt), "bad certificate entry")
    case .revocation(_, let target, _, let at):
        require(target <= LogEntry.maxNumber && (0...max).contains(at), "bad revocation entry")
    case .supersession(_, let target, let successor, let at):
        require(target <= LogEntry.maxNumber && successor <= LogEntry.maxNumber && (0...max).contains(at), "bad supersession entry")
    }
    return 0
}
