import Foundation
import GRDB
import HummingbirdTesting
import LogStore
import Logging
import Testing
import TransparencyLog

@testable import Witness

/// `WitnessCosigner.attach(to:policy:)` and `publishWaiting`: the wiring
/// `akashi issue`/`log append` and `akashi serve` share.
@Suite("Attaching a log's witnesses")
struct LogWitnessingTests {
    @Test("attach: the log publishes only cosigned checkpoints from then on; publishWaiting publishes what waited once a witness answers")
    func attachAndPublishWaiting() async throws {
        let quiet = WitnessCosignerTests.quiet
        let (a, aKey) = try WitnessCosignerTests.witness("a.example/witness")
        let log = TestLog()
        let store = try await LogStore.inMemory(signer: log.signer, origin: log.origin)
        _ = try await store.append(Array("before any witness".utf8))
        #expect(await store.checkpoint.checkpoint.size == 1)

        // A witness that cannot be reached: the entry is recorded, nothing is published.
        let down = try WitnessCosignerTests.closedPort()
        let unreachable = try TlogPolicy(parsing: "log \(log.vkey)\nwitness a \(aKey) http://127.0.0.1:\(down)\nquorum a\n")
        await WitnessCosigner.attach(to: store, policy: unreachable, timeout: .seconds(1), logger: quiet)
        await #expect(throws: LogStoreError.self) { _ = try await store.append(Array("while a is down".utf8)) }
        #expect(await store.checkpoint.checkpoint.size == 1)

        try await WitnessApplication.make(witness: a, port: 0, logger: quiet).test(.live) { client in
            let port = try #require(client.port)
            let policy = try TlogPolicy(parsing: "log \(log.vkey)\nwitness a \(aKey) http://127.0.0.1:\(port)\nquorum a\n")
            let cosigner = await WitnessCosigner.attach(to: store, policy: policy, timeout: .seconds(5), logger: quiet)
            // The waiting checkpoint is published without a new entry.
            await WitnessCosigner.publishWaiting(store, logger: quiet)
            #expect(try policy.verify(await store.checkpoint).checkpoint.size == 2, "published once a cosigned it")
            let receipt = try await store.append(Array("with a".utf8))
            #expect(try policy.verify(receipt.checkpoint).cosigners.map(\.name) == ["a"])
            #expect(await cosigner.status().map(\.size) == [3])
        }
    }

    @Test("the quorum as k of n")
    func quorumGroup() throws {
        let log = TestLog().vkey
        let keys = try ["a", "b", "c"].map { try CosignatureV1Signer(name: "\($0).example/witness", privateKey: testKey($0)).verifierKey }
        let witnesses = zip(["a", "b", "c"], keys).map { "witness \($0) \($1)\n" }.joined()
        #expect(try TlogPolicy(parsing: "log \(log)\n\(witnesses)group q 2 a b c\nquorum q\n").quorumGroup! == (2, 3))
        #expect(try TlogPolicy(parsing: "log \(log)\n\(witnesses)quorum a\n").quorumGroup == nil)
    }
}

@Suite("WitnessError codes for the witness's own state")
struct WitnessStorageErrorTests {
    @Test("SQLite busy or locked is `locked`; other failures `storage`; a refusal passes through")
    func lockedIsTyped() {
        #expect(WitnessError.storage(DatabaseError(resultCode: .SQLITE_BUSY), "x").code == .locked)
        #expect(WitnessError.storage(DatabaseError(resultCode: .SQLITE_LOCKED), "x").code == .locked)
        #expect(WitnessError.storage(DatabaseError(resultCode: .SQLITE_FULL), "x").code == .storage)
        #expect(WitnessError.storage(WitnessError(.conflict, "c", latestSize: 2), "x").code == .conflict)
        #expect(WitnessError(.locked, "").httpStatus == 500)
    }
}
