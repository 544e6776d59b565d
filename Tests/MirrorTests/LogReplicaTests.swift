import AkashiCrypto
import Foundation
import LogStore
import Testing
import TransparencyLog

@Suite("LogReplica: staged updates commit only with a matching checkpoint")
struct LogReplicaTests {
    func signed(_ size: UInt64, _ tree: InMemoryMerkleTree, origin: String = originName) throws -> SignedCheckpoint {
        let signer = try Ed25519NoteSigner(name: origin, privateKey: testKey("origin"))
        return try SignedCheckpoint(signing: Checkpoint(origin: origin, size: size, rootHash: tree.rootHash(size: size)), with: signer)
    }

    @Test("a wrong root, size or origin writes nothing; abort forgets the staged entries; a good commit is one step")
    func commitRules() async throws {
        let entries = (0..<300).map { Array("entry \($0)".utf8) }
        let tree = InMemoryMerkleTree(leafHashes: entries.map { Merkle.leafHash($0) })
        let replica = try LogReplica.inMemory()
        #expect(await replica.size == 0)
        #expect(await replica.latestCheckpoint == nil)
        await #expect(throws: LogStoreError.self) { try await replica.stage([[1]]) }

        try await replica.beginUpdate()
        try await replica.stage(Array(entries[0..<100]))
        try await replica.stage(Array(entries[100..<260]))
        #expect(await replica.stagedSize == 260)
        #expect(await replica.stagedRootHash == tree.rootHash(size: 260))
        await #expect(throws: LogStoreError.self) { try await replica.commitUpdate(try signed(259, tree), published: false) }
        let otherTree = InMemoryMerkleTree(leafHashes: (0..<260).map { Merkle.leafHash(Array("other \($0)".utf8)) })
        await #expect(throws: LogStoreError.self) { try await replica.commitUpdate(try signed(260, otherTree), published: false) }
        #expect(await replica.size == 0)
        await replica.abortUpdate()
        #expect(await replica.stagedSize == nil)

        try await replica.beginUpdate()
        try await replica.stage(Array(entries[0..<260]))
        try await replica.commitUpdate(try signed(260, tree), published: false)
        #expect(await replica.size == 260)
        #expect(await replica.publishedCheckpoint == nil)
        #expect(try await replica.entries(255..<260) == Array(entries[255..<260]))
        #expect(try await replica.leafHashes(250..<260) == (250..<260).map { Merkle.leafHash(entries[$0]) })
        #expect(try await replica.inclusionProof(index: 7, treeSize: 200) == (try MerkleProofs.inclusionProof(index: 7, size: 200, source: tree)))
        #expect(try await replica.consistencyProof(from: 100, to: 260) == (try MerkleProofs.consistencyProof(from: 100, to: 260, source: tree)))

        // Another origin cannot continue this copy.
        try await replica.beginUpdate()
        try await replica.stage(Array(entries[260..<300]))
        await #expect(throws: LogStoreError.self) { try await replica.commitUpdate(try signed(300, tree, origin: "other.example/log"), published: false) }
        try await replica.commitUpdate(try signed(300, tree), published: true)
        #expect(await replica.publishedCheckpoint?.checkpoint.size == 300)
        #expect(try await replica.rootHash(treeSize: 260) == tree.rootHash(size: 260))
        // Publishing needs a stored checkpoint of that tree.
        await #expect(throws: LogStoreError.self) { try await replica.publish(try signed(299, tree)) }
        #expect(try await replica.checkpoints().map(\.checkpoint.size) == [260, 300])
    }
}
