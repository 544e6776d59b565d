import FuzzSupport
// Fuzzes the C2SP signed-note reader, SignedNote(parsing:) (c2sp.org/signed-note), the
// verifier-key reader, VerifierKey(parsing:), and note verification against the Iizuka
// test log's key (so seeds signed by it take the Ed25519 path).
//
// Invariants (a failure is a crash):
// - an accepted note is its own serialization (text, blank line, signature lines), and
//   the serialization reads back to the same note;
// - the text ends in a newline, is not empty, has no control character but LF;
//   1…100 signatures;
// - an accepted vkey reads back from its description to the same key.
import TransparencyLog

let logKey = try! VerifierKey(parsing: "iizuka.example/akashi/log+bce1f2d5+Ab+iX1+IbruKbFKiDt8gUTtcbpFEfuDrRC+LoWuH7whf")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: input, as: UTF8.self)

    if let note = try? SignedNote(parsing: text) {
        require(note.text.utf8.last == 0x0a && note.text.utf8.count >= 1 && note.text != "\n", "the note text is empty or does not end in a newline")
        require(!note.text.utf8.contains { $0 < 0x20 && $0 != 0x0a }, "the note text has a control character")
        require((1...SignedNote.maxSignatures).contains(note.signatures.count), "signature count out of range")
        if Array(text.utf8) == input {
            require(note.serialized == text, "an accepted note is not its own serialization")
        }
        guard let again = try? SignedNote(parsing: note.serialized) else { fatalError("fuzz invariant broken: a note's serialization does not read back") }
        require(again == note, "a note's serialization reads back to another note")
        _ = try? note.verify([logKey.verifier])
        for signature in note.signatures { _ = CosignatureV1.timestamp(of: signature.bytes) }
    }

    if let key = try? VerifierKey(parsing: text) {
        guard let again = try? VerifierKey(parsing: key.description) else { fatalError("fuzz invariant broken: a vkey's description does not read back") }
        require(again == key, "a vkey's description reads back to another key")
        require(SignedNote.isValidKeyName(key.name), "an accepted vkey has an invalid name")
    }
    return 0
}
