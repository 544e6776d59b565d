import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// The RFC 6962 / RFC 9162 proof vectors of transparency-dev/merkle
/// (`Tests/Fixtures/transparency-dev-merkle`), each a valid proof or a deliberately broken one.
@Suite("Merkle proof vectors (transparency-dev/merkle testdata)")
struct MerkleVectorTests {
    struct InclusionVector: Decodable {
        let leafIdx: UInt64
        let treeSize: UInt64
        let root: String
        let leafHash: String
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    struct ConsistencyVector: Decodable {
        let size1: UInt64
        let size2: UInt64
        let root1: String
        let root2: String
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    static let inclusionFiles = Vectors.jsonFiles(under: "transparency-dev-merkle/inclusion")
    static let consistencyFiles = Vectors.jsonFiles(under: "transparency-dev-merkle/consistency")

    @Test("the vector directories are found and complete")
    func vectorsArePresent() {
        // 196 files in the fixture copy (inclusion and consistency).
        #expect(Self.inclusionFiles.count == 98)
        #expect(Self.consistencyFiles.count == 98)
        #expect(Self.inclusionFiles.contains("transparency-dev-merkle/inclusion/single-entry/matching-root-and-leaf.json"))
        #expect(Self.consistencyFiles.contains("transparency-dev-merkle/consistency/additional/size1-is-zero-and-size2-is-not-zero.json"))
    }

    @Test("inclusion vector", arguments: inclusionFiles)
    func inclusion(file: String) throws {
        let vector = try JSONDecoder().decode(InclusionVector.self, from: Data(contentsOf: Vectors.url(file)))
        let proof = (vector.proof ?? []).map(lenientBase64)
        let leafHash = lenientBase64(vector.leafHash)
        let root = lenientBase64(vector.root)
        let outcome = Result { () throws(ProofError) in
            try Merkle.verifyInclusion(leafHash: leafHash, index: vector.leafIdx, treeSize: vector.treeSize, proof: proof, root: root)
        }
        if vector.wantErr {
            #expect(throws: ProofError.self, "\(file) (\(vector.desc)) must not verify") { try outcome.get() }
        } else {
            #expect(throws: Never.self, "\(file) (\(vector.desc)) must verify") { try outcome.get() }
            // The computed root is the vector's root, not merely "no error".
            let computed = try Merkle.rootFromInclusionProof(
                leafHash: leafHash, index: vector.leafIdx, treeSize: vector.treeSize, proof: proof)
            #expect(computed == root, "\(file)")
        }
    }

    @Test("consistency vector", arguments: consistencyFiles)
    func consistency(file: String) throws {
        let vector = try JSONDecoder().decode(ConsistencyVector.self, from: Data(contentsOf: Vectors.url(file)))
        let proof = (vector.proof ?? []).map(lenientBase64)
        let outcome = Result { () throws(ProofError) in
            try Merkle.verifyConsistency(
                size1: vector.size1, size2: vector.size2, proof: proof,
                root1: lenientBase64(vector.root1), root2: lenientBase64(vector.root2))
        }
        if vector.wantErr {
            #expect(throws: ProofError.self, "\(file) (\(vector.desc)) must not verify") { try outcome.get() }
        } else {
            #expect(throws: Never.self, "\(file) (\(vector.desc)) must verify") { try outcome.get() }
        }
    }

    /// The happy-path vectors describe one tree of 8 leaves; its root from the
    /// inclusion vectors must agree with the consistency vectors' newer root.
    @Test("happy-path inclusion and consistency vectors describe the same tree")
    func happyPathsAgree() throws {
        let inclusion = try JSONDecoder().decode(
            InclusionVector.self, from: Data(contentsOf: Vectors.url("transparency-dev-merkle/inclusion/1/happy-path.json")))
        let consistency = try JSONDecoder().decode(
            ConsistencyVector.self, from: Data(contentsOf: Vectors.url("transparency-dev-merkle/consistency/1/happy-path.json")))
        #expect(inclusion.treeSize == consistency.size2)
        #expect(inclusion.root == consistency.root2)
        // Size 1 tree: its root is its only leaf hash.
        #expect(inclusion.leafIdx == 0 && consistency.size1 == 1)
        #expect(inclusion.leafHash == consistency.root1)
    }

    @Test("verification errors carry the expected codes")
    func errorCodes() throws {
        let leaf = Merkle.leafHash([UInt8]("a".utf8))
        func code(_ body: () throws -> Void) -> ProofError.Code? {
            do {
                try body()
            } catch let error as ProofError {
                return error.code
            } catch {
                Issue.record("expected a ProofError, got \(error)")
            }
            return nil
        }
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 0, treeSize: 0, proof: [], root: leaf) } == .emptyTree)
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 1, treeSize: 1, proof: [], root: leaf) } == .indexOutOfRange)
        #expect(code { try Merkle.verifyInclusion(leafHash: [1, 2], index: 0, treeSize: 1, proof: [], root: leaf) } == .malformedHash)
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 0, treeSize: 1, proof: [[0]], root: leaf) } == .malformedHash)
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 0, treeSize: 2, proof: [], root: leaf) } == .wrongProofLength)
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 0, treeSize: 1, proof: [leaf], root: leaf) } == .wrongProofLength)
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 0, treeSize: 1, proof: [], root: Merkle.emptyRoot) } == .rootMismatch)
        #expect(code { try Merkle.verifyInclusion(leafHash: leaf, index: 0, treeSize: 1, proof: [], root: leaf) } == nil)

        #expect(code { try Merkle.verifyConsistency(size1: 2, size2: 1, proof: [], root1: leaf, root2: leaf) } == .sizesOutOfOrder)
        #expect(code { try Merkle.verifyConsistency(size1: 0, size2: 1, proof: [], root1: leaf, root2: leaf) } == .emptyTree)
        #expect(code { try Merkle.verifyConsistency(size1: 0, size2: 0, proof: [], root1: leaf, root2: leaf) } == .emptyTree)
        #expect(code { try Merkle.verifyConsistency(size1: 1, size2: 1, proof: [leaf], root1: leaf, root2: leaf) } == .wrongProofLength)
        #expect(code { try Merkle.verifyConsistency(size1: 1, size2: 1, proof: [], root1: leaf, root2: Merkle.emptyRoot) } == .rootMismatch)
        #expect(code { try Merkle.verifyConsistency(size1: 1, size2: 2, proof: [], root1: leaf, root2: leaf) } == .wrongProofLength)
        #expect(code { try Merkle.verifyConsistency(size1: 1, size2: 2, proof: [[9]], root1: leaf, root2: leaf) } == .malformedHash)
    }

    /// RFC 9162 §2.1.1 hashes, recomputed here from their definitions.
    @Test("leaf, node and empty-tree hashes follow RFC 9162")
    func hashDefinitions() {
        #expect(Merkle.emptyRoot.hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // H(0x00) — the leaf hash of the empty entry, a constant of RFC 6962 logs.
        #expect(Merkle.leafHash([UInt8]()).hexString == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        let left = Merkle.leafHash([UInt8]("L".utf8))
        let right = Merkle.leafHash([UInt8]("R".utf8))
        #expect(Merkle.nodeHash(left, right) == SHA256Reference.hash([1] + left + right))
        #expect(Merkle.nodeHash(left, right) != Merkle.nodeHash(right, left))
        #expect(Merkle.leafHash([UInt8]("x".utf8)) == SHA256Reference.hash([0] + Array("x".utf8)))
        // Data and slices hash like arrays.
        #expect(Merkle.leafHash(Data("x".utf8)) == Merkle.leafHash([UInt8]("x".utf8)))
        #expect(Merkle.leafHash([UInt8]("yxz".utf8)[1..<2]) == Merkle.leafHash([UInt8]("x".utf8)))
    }
}

/// One-shot SHA-256 under another name, so the tests above read as "by definition".
enum SHA256Reference {
    static func hash(_ bytes: [UInt8]) -> [UInt8] { SHA256.hash(bytes) }
}
