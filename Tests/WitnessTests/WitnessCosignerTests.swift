import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
import Logging
import Testing
import TransparencyLog
import Witness

/// The log side of witnessing, end to end on loopback: a real LogStore asks
/// real witness servers through `WitnessCosigner`.
@Suite("WitnessCosigner: a log publishes only checkpoints its witnesses cosigned")
struct WitnessCosignerTests {
    static let origin = "log.example/akashi"

    /// A witness named `name`, following the test log, on a fresh SQLite file.
    static func witness(_ name: String) throws -> (Witness, VerifierKey) {
        let state = try WitnessState(path: temporaryDirectory().appendingPathComponent("w.sqlite").path)
        let log = TestLog()
        try state.addLog(key: log.vkey)
        let signer = try CosignatureV1Signer(name: name, privateKey: testKey(name))
        return (Witness(state: state, signer: signer), signer.verifierKey)
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A witness that accepts connections and never answers: a listening
    /// socket nobody accepts on (the kernel completes the handshakes).
    final class HungWitness: @unchecked Sendable {
        let fd: Int32
        let port: Int
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            _ = listen(fd, 64)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }
        deinit { close(fd) }
    }

    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func policy(_ text: String) throws -> TlogPolicy { try TlogPolicy(parsing: text) }

    @Test(
        "2 of 3 with one witness hanging: published with exactly two cosignatures, without waiting for it; 3 of 3: refused after the timeout, nothing published"
    )
    func quorumWithAWitnessDown() async throws {
        let (a, aKey) = try Self.witness("a.example/witness")
        let (b, bKey) = try Self.witness("b.example/witness")
        let cKey = try CosignatureV1Signer(name: "c.example/witness", privateKey: testKey("c.example/witness")).verifierKey
        let hung = try HungWitness()
        let down = hung.port
        let quiet = Self.quiet
        let appA = WitnessApplication.make(witness: a, port: 0, logger: quiet)
        let appB = WitnessApplication.make(witness: b, port: 0, logger: quiet)
        try await appA.test(.live) { clientA in
            try await appB.test(.live) { clientB in
                let portA = try #require(clientA.port), portB = try #require(clientB.port)
                let logKey = TestLog().vkey
                func text(_ quorum: String) -> String {
                    """
                    log \(logKey)
                    witness a \(aKey) http://127.0.0.1:\(portA)
                    witness b \(bKey) http://127.0.0.1:\(portB)
                    witness c \(cKey) http://127.0.0.1:\(down)
                    group q \(quorum) a b c
                    quorum q

                    """
                }
                let twoOfThree = try Self.policy(text("2"))
                let store = try await LogStore.inMemory(signer: TestLog().signer, origin: Self.origin)
                await store.setCosigner(WitnessCosigner(policy: twoOfThree, timeout: .seconds(30), logger: quiet))

                let start = ContinuousClock.now
                let receipt = try await store.append(Array("first".utf8))
                let signed = receipt.checkpoint
                let verified = try twoOfThree.verify(signed)
                #expect(Set(verified.cosigners.map(\.name)) == ["a", "b"])
                #expect(signed.note.signatures.count == 3, "the log's signature and two cosignatures")
                #expect(await store.checkpoint.serialized == signed.serialized, "the cosigned checkpoint is what the log publishes")
                // A second batch: the down witness is skipped, not waited for, and the
                // witnesses are asked with a consistency proof from the size they have.
                for i in 0..<5 { _ = try await store.append(Array("entry \(i)".utf8)) }
                #expect(try twoOfThree.verify(await store.checkpoint).checkpoint.size == 6)
                #expect(start.duration(to: .now) < .seconds(15), "a hanging witness (30 s timeout) costs no waiting while the quorum holds")

                // 3 of 3 cannot be met: the append fails with witnessPolicy and the
                // published checkpoint stays where it was.
                let all = try Self.policy(text("all"))
                await store.setCosigner(WitnessCosigner(policy: all, timeout: .seconds(1), logger: quiet))
                let before = await store.checkpoint
                do {
                    _ = try await store.append(Array("refused".utf8))
                    Issue.record("published without the quorum")
                } catch let error as LogStoreError {
                    #expect(error.code == .witnessPolicy)
                    #expect(
                        error.reason.contains("not by c: the witness could not be reached"),
                        "the message names the witness that did not cosign: \(error.reason)")
                }
                #expect(await store.checkpoint.serialized == before.serialized, "nothing half-done is published")
                #expect(await store.signedTreeHead.checkpoint.size == 7, "the entry stays in the log, unpublished")

                // Back to 2 of 3: the waiting checkpoint is published without a new entry,
                // and the next checkpoint extends it.
                await store.setCosigner(WitnessCosigner(policy: twoOfThree, timeout: .seconds(2), logger: quiet))
                #expect(try await store.publishPending())
                #expect(await store.checkpoint.checkpoint.size == 7)
                #expect(try await store.publishPending() == false, "nothing left to publish")
                let later = try await store.append(Array("after".utf8))
                #expect(later.checkpoint.checkpoint.size == 8)
                _ = try twoOfThree.verify(later.checkpoint)
                #expect(
                    try await store.originalReceipt(index: 6).checkpoint.checkpoint.size == 7,
                    "the refused entry is proven by the checkpoint published once the witnesses were back")
            }
        }
    }

    @Test("only a minimal set of cosignatures is kept (each one is ~76 bytes in a QR code)")
    func minimalSet() async throws {
        let (a, aKey) = try Self.witness("a.example/witness")
        let (b, bKey) = try Self.witness("b.example/witness")
        let quiet = Self.quiet
        try await WitnessApplication.make(witness: a, port: 0, logger: quiet).test(.live) { clientA in
            try await WitnessApplication.make(witness: b, port: 0, logger: quiet).test(.live) { clientB in
                let policy = try Self.policy(
                    """
                    log \(TestLog().vkey)
                    witness a \(aKey) http://127.0.0.1:\(try #require(clientA.port))
                    witness b \(bKey) http://127.0.0.1:\(try #require(clientB.port))
                    group any-of any a b
                    quorum any-of

                    """)
                let store = try await LogStore.inMemory(signer: TestLog().signer, origin: Self.origin)
                await store.setCosigner(WitnessCosigner(policy: policy, logger: quiet))
                let receipt = try await store.append(Array("x".utf8))
                #expect(try policy.verify(receipt.checkpoint).cosigners.count == 1)
            }
        }
    }

    @Test("a witness that refuses (it follows another log) is reported by name and reason")
    func refusalsAreNamed() async throws {
        let state = try WitnessState(path: temporaryDirectory().appendingPathComponent("w.sqlite").path)
        let signer = try CosignatureV1Signer(name: "stranger.example/witness", privateKey: testKey("stranger"))
        let quiet = Self.quiet
        try await WitnessApplication.make(witness: Witness(state: state, signer: signer), port: 0, logger: quiet).test(.live) { client in
            let policy = try Self.policy(
                """
                log \(TestLog().vkey)
                witness s \(signer.verifierKey) http://127.0.0.1:\(try #require(client.port))
                quorum s

                """)
            let cosigner = WitnessCosigner(policy: policy, logger: quiet)
            let checkpoint = TestLog().checkpoint(3)
            do {
                _ = try await cosigner.cosign(checkpoint) { _ in [] }
                Issue.record("cosigned by a witness that does not follow the log")
            } catch let error as WitnessQuorumError {
                #expect(error.failures.map(\.witness) == ["s"])
                #expect(error.failures[0].reason.contains("404"), "\(error)")
            }
        }
    }
}

@Suite("WitnessClient caps what a witness may send")
struct WitnessClientCapTests {
    @Test("a 4 MiB answer is cut off at 64 KiB and reported as an invalid response")
    func hugeAnswer() async throws {
        let router = Router()
        router.post("add-checkpoint") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(repeating: 0x41, count: 4 << 20)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: WitnessCosignerTests.quiet)
        try await app.test(.live) { client in
            let key = try CosignatureV1Signer(name: "big.example/witness", privateKey: testKey("big")).verifierKey
            let witness = try WitnessClient(url: URL(string: "http://127.0.0.1:\(try #require(client.port))")!, key: key)
            do throws(WitnessClientError) {
                _ = try await witness.cosign(checkpoint: TestLog().checkpoint(3), oldSize: 0, proof: [])
                Issue.record("a 4 MiB answer was accepted")
            } catch {
                guard case .invalidResponse(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("65536") || reason.contains("larger"), "\(reason)")
            }
        }
    }
}
