// Fuzzes the checkpoint readers (c2sp.org/tlog-checkpoint): Checkpoint(parsing:) on a
// note's text and SignedCheckpoint(parsing:) on a whole signed note, then checks the
// signed one against the Iizuka test log's key (a TlogPolicy of that log key, no witnesses) as a verifier does.
//
// Invariants (a failure is a crash):
// - an accepted checkpoint body is its own text (origin, size without leading zeros,
//   canonical base64 root, extension lines), and that text reads back to the same value;
// - no line of it holds a line feed (origin and extensions are single lines, as a
//   byte-wise reader of the same text would see them); the root is 32 bytes.
import Foundation
import FuzzSupport
import TransparencyLog

let logKey = try! VerifierKey(parsing: "iizuka.example/akashi/log+bce1f2d5+Ab+iX1+IbruKbFKiDt8gUTtcbpFEfuDrRC+LoWuH7whf")
let policy = try! TlogPolicy(parsing: "log \(logKey)\nquorum none\n")

func check(_ checkpoint: Checkpoint, text: String?) {
    require(checkpoint.rootHash.count == 32, "the root hash is not 32 bytes")
    require(!checkpoint.origin.isEmpty, "the origin is empty")
    for line in [checkpoint.origin] + checkpoint.extensions {
        // Found here and fixed (Tests/fuzz/crashes/checkpoint-crlf-extension-line.bin):
        // Checkpoint(parsing:) split on Characters, and "\r\n" is one Character.
        require(!line.utf8.contains(0x0a), "a checkpoint line holds a line feed: \(line.debugDescription)")
    }
    if let text { require(checkpoint.text == text, "an accepted checkpoint is not its own text") }
    guard let again = try? Checkpoint(parsing: checkpoint.text) else { fatalError("fuzz invariant broken: a checkpoint's text does not read back") }
    require(again == checkpoint, "a checkpoint's text reads back to another checkpoint")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: input, as: UTF8.self)
    let exact = Array(text.utf8) == input

    if let checkpoint = try? Checkpoint(parsing: text) {
        check(checkpoint, text: exact ? text : nil)
    }
    if let signed = try? SignedCheckpoint(parsing: text) {
        check(signed.checkpoint, text: signed.note.text)
        _ = try? policy.verify(signed)
    }
    return 0
}
