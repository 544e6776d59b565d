import FuzzSupport
// Fuzzes the compact proof reader, CompactProof(decoding:) (docs/spec/compact-proof.md),
// and what a verifier does with it next: tlogProof(leafHash:logKey:knownKeys:), which
// recomputes the root (Merkle.rootFromInclusionProof) and builds the checkpoint.
//
// Invariants (a failure is a crash):
// - one byte form: an accepted proof is exactly uvarint(index) uvarint(size) hashes
//   (pathLength(index, size) of them) and the signature records, nothing else;
// - 1 ≤ size ≤ 2^53 − 1, index < size, 1…100 signatures with distinct key IDs;
// - when the log key signed it, CompactProof.encode(tlogProof(...)) reads back to the
//   same proof with the records of unknown keys left out.
import TransparencyLog

/// The Iizuka test log's key (vectors/trust/iizuka.json), so the seed proofs' signatures match.
let logKey = try! VerifierKey(parsing: "iizuka.example/akashi/log+bce1f2d5+Ab+iX1+IbruKbFKiDt8gUTtcbpFEfuDrRC+LoWuH7whf")
let leaf = [UInt8](repeating: 0x5A, count: 32)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let proof = try? CompactProof(decoding: input) else { return 0 }

    require(proof.treeSize >= 1 && proof.treeSize <= CompactProof.maxTreeSize && proof.index < proof.treeSize, "index or size out of range")
    require(proof.hashes.count == CompactProof.pathLength(index: proof.index, treeSize: proof.treeSize), "wrong number of hashes")
    require(proof.hashes.allSatisfy { $0.count == 32 }, "a hash is not 32 bytes")
    require((1...CompactProof.maxSignatures).contains(proof.signatures.count), "signature count out of range")
    require(Set(proof.signatures.map(\.keyID)).count == proof.signatures.count, "duplicate key IDs accepted")

    var expected: [UInt8] = []
    CompactProof.appendUvarint(proof.index, to: &expected)
    CompactProof.appendUvarint(proof.treeSize, to: &expected)
    for hash in proof.hashes { expected += hash }
    for s in proof.signatures {
        expected += [UInt8(s.keyID >> 24), UInt8(s.keyID >> 16 & 0xff), UInt8(s.keyID >> 8 & 0xff), UInt8(s.keyID & 0xff), UInt8(s.bytes.count)] + s.bytes
    }
    require(expected == input, "an accepted compact proof is not in its one byte form")

    guard let tlog = try? proof.tlogProof(leafHash: leaf, logKey: logKey) else { return 0 }
    require(tlog.index == proof.index && tlog.checkpoint.checkpoint.size == proof.treeSize, "tlogProof changed index or size")
    guard let encoded = try? CompactProof.encode(tlog) else { fatalError("fuzz invariant broken: a tlogProof built from a compact proof does not encode") }
    guard let again = try? CompactProof(decoding: encoded) else { fatalError("fuzz invariant broken: CompactProof.encode output does not read back") }
    require(again.index == proof.index && again.treeSize == proof.treeSize && again.hashes == proof.hashes, "the re-encoded proof differs")
    require(again.signatures == proof.signatures.filter { $0.keyID == logKey.keyID }, "the re-encoded proof has other signatures")
    return 0
}
