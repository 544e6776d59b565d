import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TransparencyLog
import Witness

@Suite("WitnessClient against a live witness on loopback")
struct WitnessClientTests {
    static var quietLogger: Logger {
        var logger = Logger(label: "witness-test")
        logger.logLevel = .critical
        return logger
    }

    @Test("cosign, grow, learn the witness's size from a 409, retry; refusals are reported")
    func liveWitness() async throws {
        let f = try WitnessFixture()
        let reported = Locked<Int?>(nil)
        let app = WitnessApplication.make(witness: f.witness, host: "127.0.0.1", port: 0, logger: Self.quietLogger) { port in
            reported.withLock { $0 = port }
        }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            #expect(reported.withLock { $0 } == port, "onServerRunning gets the bound port")
            let witness = try WitnessClient(url: URL(string: "http://localhost:\(port)/")!, key: f.witness.verifierKey)
            #expect(witness.addCheckpointURL.absoluteString == "http://localhost:\(port)/add-checkpoint")
            let log = f.log

            let first = try await witness.cosign(checkpoint: log.checkpoint(5), oldSize: 0, proof: [], timeout: .seconds(10))
            #expect(first.count == 1)
            let policy = try TlogPolicy(logKey: log.vkey, witnesses: [f.witness.verifierKey], quorum: 1)
            #expect(try policy.verify(log.checkpoint(5).adding(first)).cosigners.count == 1)

            let second = try await witness.cosign(checkpoint: log.checkpoint(11), oldSize: 5, proof: log.proof(from: 5, to: 11))
            _ = try policy.verify(log.checkpoint(11).adding(second))

            // A stale old size: the witness's size comes back.
            await #expect(throws: WitnessClientError.conflict(latestSize: 11)) {
                try await witness.cosign(checkpoint: log.checkpoint(20), oldSize: 5, proof: log.proof(from: 5, to: 20))
            }
            // The retrying form asks for a proof from that size.
            let asked = Locked<[UInt64]>([])
            let retried = try await witness.cosign(checkpoint: log.checkpoint(20), oldSize: 0) { from in
                asked.withLock { $0.append(from) }
                return log.proof(from: from, to: 20)
            }
            #expect(retried.oldSize == 11)
            #expect(asked.withLock { $0 } == [11])
            _ = try policy.verify(log.checkpoint(20).adding(retried.signatures))

            // Refusals carry the status and the witness's reason.
            let unknown = TestLog(origin: "unknown.example/log", keyLabel: "u")
            do throws(WitnessClientError) {
                _ = try await witness.cosign(checkpoint: unknown.checkpoint(3), oldSize: 0, proof: [])
                Issue.record("an unknown log was cosigned")
            } catch {
                guard case .refused(let status, let message) = error else { Issue.record("\(error)"); return }
                #expect(status == 404)
                #expect(message.contains("unknown.example/log"))
            }
            let rewritten = TestLog(salt: "rewritten")
            await #expect(throws: WitnessClientError.self) {
                try await witness.cosign(checkpoint: rewritten.checkpoint(30), oldSize: 20, proof: rewritten.proof(from: 20, to: 30))
            }

            // A client that trusts another key for this witness name gets nothing usable.
            let wrongKey = try CosignatureV1Signer(name: WitnessFixture.name, privateKey: testKey("not the witness")).verifierKey
            let suspicious = try WitnessClient(url: URL(string: "http://localhost:\(port)")!, key: wrongKey)
            do throws(WitnessClientError) {
                _ = try await suspicious.cosign(checkpoint: log.checkpoint(20), oldSize: 20, proof: [])
                Issue.record("a cosignature from an unknown key was returned")
            } catch {
                guard case .invalidResponse = error else { Issue.record("\(error)"); return }
            }
        }
        #expect(try f.storedSize() == 20)
    }

    @Test("the client keeps only cosignatures that verify with the witness key")
    func verifiesResponses() async throws {
        let log = TestLog()
        let checkpoint = log.checkpoint(7)
        let witnessSigner = try CosignatureV1Signer(name: "w.example", privateKey: testKey("w"))
        let otherSigner = try CosignatureV1Signer(name: "other.example", privateKey: testKey("o"))
        let good = witnessSigner.cosign(checkpointText: checkpoint.note.text, timestamp: 1_700_000_000)
        let other = otherSigner.cosign(checkpointText: checkpoint.note.text, timestamp: 1_700_000_000)
        let forged = SignedNote.Signature(name: good.name, keyID: good.keyID, bytes: good.bytes.flippingBit(100))
        let responses: [String: String] = [
            "/mixed/add-checkpoint": other.line + "\n" + good.line + "\n",
            "/unknown-only/add-checkpoint": other.line + "\n",
            "/forged/add-checkpoint": forged.line + "\n",
            "/garbage/add-checkpoint": "hello\n",
            "/bad-size/add-checkpoint": "042\n",
        ]
        let router = Router()
        for (path, body) in responses {
            router.post(RouterPath(path)) { _, _ in
                let status: HTTPResponse.Status = path.hasPrefix("/bad-size") ? .conflict : .ok
                return Response(
                    status: status, headers: [.contentType: path.hasPrefix("/bad-size") ? "text/x.tlog.size" : "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: body)))
            }
        }
        router.post("slow/add-checkpoint") { _, _ in
            try await Task.sleep(for: .seconds(3))
            return "late"
        }
        let app = Application(router: router, logger: Self.quietLogger)
        try await app.test(.live) { client in
            let base = "http://localhost:\(try #require(client.port))"
            func witness(_ prefix: String) throws(WitnessClientError) -> WitnessClient {
                try WitnessClient(url: URL(string: base + prefix)!, key: witnessSigner.verifierKey)
            }
            let mixed = try await witness("/mixed").cosign(checkpoint: checkpoint, oldSize: 0, proof: [])
            #expect(mixed == [good])
            for prefix in ["/unknown-only", "/forged", "/garbage"] {
                do throws(WitnessClientError) {
                    _ = try await witness(prefix).cosign(checkpoint: checkpoint, oldSize: 0, proof: [])
                    Issue.record("\(prefix) was accepted")
                } catch {
                    guard case .invalidResponse = error else { Issue.record("\(prefix): \(error)"); continue }
                }
            }
            do throws(WitnessClientError) {
                _ = try await witness("/bad-size").cosign(checkpoint: checkpoint, oldSize: 0, proof: [])
                Issue.record("a size with a leading zero was accepted")
            } catch {
                guard case .invalidResponse = error else { Issue.record("\(error)"); return }
            }
            let start = ContinuousClock.now
            do throws(WitnessClientError) {
                _ = try await witness("/slow").cosign(checkpoint: checkpoint, oldSize: 0, proof: [], timeout: .milliseconds(300))
                Issue.record("no timeout")
            } catch {
                guard case .transport = error else { Issue.record("\(error)"); return }
            }
            let elapsed: Duration = ContinuousClock.now - start
            #expect(elapsed < Duration.seconds(2.5))
        }
        // A witness key must be a cosignature/v1 key.
        #expect(throws: WitnessClientError.self) { try WitnessClient(url: URL(string: "http://localhost")!, key: log.vkey) }
    }
}
