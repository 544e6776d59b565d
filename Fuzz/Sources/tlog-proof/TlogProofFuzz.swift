import FuzzSupport
// Fuzzes the c2sp.org/tlog-proof@v1 text reader, TlogProof(parsing:), and the verification
// a caller runs next against the Iizuka test log's key (checkpoint signature, inclusion).
//
// Invariants (a failure is a crash):
// - an accepted proof is its own text, and the text reads back to the same proof;
// - at most 64 hashes, each 32 bytes.
import TransparencyLog

let logKey = try! VerifierKey(parsing: "iizuka.example/akashi/log+bce1f2d5+Ab+iX1+IbruKbFKiDt8gUTtcbpFEfuDrRC+LoWuH7whf")
let policy = try! TlogPolicy(parsing: "log \(logKey)\nquorum none\n")
let leaf = [UInt8](repeating: 0x5A, count: 32)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: input, as: UTF8.self)
    guard let proof = try? TlogProof(parsing: text) else { return 0 }

    require(proof.inclusionProof.count <= 64 && proof.inclusionProof.allSatisfy { $0.count == 32 }, "bad inclusion proof hashes")
    if Array(text.utf8) == input {
        require(proof.text == text, "an accepted tlog-proof is not its own text")
    }
    guard let again = try? TlogProof(parsing: proof.text) else { fatalError("fuzz invariant broken: a tlog-proof's text does not read back") }
    require(again == proof, "a tlog-proof's text reads back to another proof")
    _ = try? proof.verify(leafHash: leaf, policy: policy)
    _ = try? Merkle.rootFromInclusionProof(leafHash: leaf, index: proof.index, treeSize: proof.checkpoint.checkpoint.size, proof: proof.inclusionProof)
    return 0
}
