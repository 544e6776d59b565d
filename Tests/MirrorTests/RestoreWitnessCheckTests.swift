import AkashiCrypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
import Mirror
import Testing
import TransparencyLog
import Witness

/// The restore's safety check (`akashi log restore`): a mirror's copy is
/// genuine but may be short; if a witness of the log has cosigned more,
/// appending to the copy would sign a fork.
@Suite("Restoring asks the log's witnesses whether the copy is the newest tree")
struct RestoreWitnessCheckTests {
    /// A witness following the test log, on a fresh file.
    static func witness(_ name: String, in tmp: TemporaryDirectory, logKey: VerifierKey) throws -> Witness {
        let state = try WitnessState(path: tmp.sub("\(name.split(separator: ".")[0]).sqlite").path)
        _ = try state.addLog(key: logKey)
        return Witness(state: state, signer: try CosignatureV1Signer(name: name, privateKey: testKey(name)), logger: quietLogger)
    }

    /// Runs `body` with `witness` answering on a loopback port.
    static func serving<T: Sendable>(_ witness: Witness, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        try await WitnessApplication.make(witness: witness, port: 0, logger: quietLogger).test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    @Test(
        "a copy shorter than what a witness cosigned is refused (staleCopy) and moved aside; a current one is restored, naming the witnesses that could not answer"
    )
    func staleCopyRefused() async throws {
        let tmp = TemporaryDirectory()
        let origin = try await OriginLog(root: tmp.sub("origin"))
        let w = try Self.witness("w.example/witness", in: tmp, logKey: origin.vkey)
        let v = try Self.witness("v.example/witness", in: tmp, logKey: origin.vkey)
        try await Self.serving(w) { wPort in
            try await Self.serving(v) { vPort in
                let policy = try TlogPolicy(
                    parsing: """
                        log \(origin.vkey)
                        witness w \(w.verifierKey) http://127.0.0.1:\(wPort)
                        witness v \(v.verifierKey) http://127.0.0.1:\(vPort)
                        witness x \(try CosignatureV1Signer(name: "x.example/witness", privateKey: testKey("x")).verifierKey) http://127.0.0.1:1
                        quorum w

                        """)
                // The log's checkpoints are cosigned by w; v saw size 40 only.
                let cosigning = try TlogPolicy(parsing: "log \(origin.vkey)\nwitness w \(w.verifierKey) http://127.0.0.1:\(wPort)\nquorum w\n")
                await origin.store.setCosigner(WitnessCosigner(policy: cosigning, timeout: .seconds(5), logger: quietLogger))
                try await origin.grow(to: 40)
                try await origin.publish()
                let at40 = await origin.store.checkpoint
                _ = try await WitnessClient(url: URL(string: "http://127.0.0.1:\(vPort)")!, key: v.verifierKey)
                    .cosign(checkpoint: at40, oldSize: 0, proof: [])
                // The log moves on (w cosigns 60), but the copy still shows 40.
                try await origin.grow(to: 60)

                try await withStaticServer(root: tmp.sub("origin")) { base in
                    let source = base.appendingPathComponent("log")
                    let database = tmp.sub("akashi.sqlite").path
                    let now = Date(timeIntervalSince1970: 1_900_000_000)
                    let error = await expectMirrorError(.staleCopy) {
                        try await LogRestorer.restoreCheckingWitnesses(
                            path: database, logKey: origin.vkey, witnessPolicy: policy, from: [source], timeout: .seconds(5), now: now)
                    }
                    #expect(
                        error?.reason.contains("witness w has cosigned this log up to size 60, but the mirrors have only 40: continuing would sign a fork.")
                            == true, "\(error?.reason ?? "")")
                    #expect(error?.reason.contains("  ") == false, "one space between words: \(error?.reason ?? "")")
                    #expect(!FileManager.default.fileExists(atPath: database), "the short copy is moved aside")
                    let aside = database + ".stale-restore-1900000000"
                    #expect(error?.reason.contains(aside) == true)
                    #expect(try await LogStore.openReadOnly(path: aside, authority: testAuthority).size == 40, "the copy moved aside is intact")

                    // The same check on the current tree: w confirms it, v is behind
                    // (it catches up later), x cannot be reached.
                    try await origin.publish()
                    let at60 = await origin.store.checkpoint
                    let answers = await LogRestorer.askWitnesses(at60, policy: policy, timeout: .seconds(5))
                    #expect(answers.map(\.witness.name.description) == ["w", "v", "x"])
                    #expect(answers.map(\.answer).prefix(2) == [.confirmed, .behind(latestSize: 40)])
                    guard case .unconfirmed = answers[2].answer else {
                        Issue.record("x is down: \(answers[2].answer)")
                        return
                    }
                    let summary = try await LogRestorer.restoreCheckingWitnesses(
                        path: database, logKey: origin.vkey, witnessPolicy: policy, from: [source], timeout: .seconds(5))
                    #expect(summary.checkpoint.checkpoint == at60.checkpoint)
                    #expect(summary.unconfirmedWitnesses.map(\.witness) == ["x"])
                    #expect(try await LogStore.openReadOnly(path: database, authority: testAuthority).size == 60)
                }
            }
        }
    }

    @Test("without a witness policy nothing is asked")
    func noPolicy() async throws {
        let tmp = TemporaryDirectory()
        let origin = try await OriginLog(root: tmp.sub("origin"))
        try await origin.grow(to: 5)
        try await origin.publish()
        try await withStaticServer(root: tmp.sub("origin")) { base in
            let summary = try await LogRestorer.restoreCheckingWitnesses(
                path: tmp.sub("a.sqlite").path, logKey: origin.vkey, witnessPolicy: nil, from: [base.appendingPathComponent("log")])
            #expect(summary.checkpoint.checkpoint.size == 5)
            #expect(summary.unconfirmedWitnesses.isEmpty)
        }
    }
}

@Suite("MirrorError codes for storage")
struct MirrorStorageErrorTests {
    @Test("a copy whose writer lock another process holds is `locked`, not `storage`")
    func lockedCopy() async throws {
        let tmp = TemporaryDirectory()
        let path = tmp.sub("copy.sqlite").path
        let held = try LogReplica.open(path: path)  // as another process would
        let origin = try await OriginLog(root: tmp.sub("origin"))
        try await origin.grow(to: 3)
        try await origin.publish()
        try await withStaticServer(root: tmp.sub("origin")) { base in
            await expectMirrorError(.locked) {
                try await LogRestorer.restore(path: path, logKey: origin.vkey, from: [base.appendingPathComponent("log")])
            }
        }
        try await held.close()
    }
}
