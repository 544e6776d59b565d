import AkashiCrypto
import Foundation
import Testing
import TransparencyLog
import Witness

/// A deterministic Ed25519 key.
func testKey(_ label: String) -> Ed25519.PrivateKey {
    try! Ed25519.PrivateKey(seed: SHA256.hash(Array("akashi witness test key \(label)".utf8)))
}

/// A fresh temporary directory.
func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-witness-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A log held in memory: its leaves, its key, signed checkpoints and proofs.
struct TestLog: Sendable {
    let origin: String
    let signer: Ed25519NoteSigner
    let tree: InMemoryMerkleTree

    /// `size` leaves "<salt> leaf i"; another salt is another history.
    init(origin: String = "log.example/akashi", keyLabel: String = "log", size: Int = 200, salt: String = "a") {
        self.origin = origin
        signer = try! Ed25519NoteSigner(name: origin, privateKey: testKey(keyLabel))
        tree = InMemoryMerkleTree(leafHashes: (0..<size).map { Merkle.leafHash(Array("\(salt) leaf \($0)".utf8)) })
    }

    var vkey: VerifierKey { signer.verifierKey }

    func root(_ size: UInt64) -> [UInt8] { tree.rootHash(size: size) }

    func checkpoint(_ size: UInt64, extensions: [String] = []) -> SignedCheckpoint {
        try! SignedCheckpoint(signing: Checkpoint(origin: origin, size: size, rootHash: root(size), extensions: extensions), with: signer)
    }

    func proof(from old: UInt64, to size: UInt64) -> [[UInt8]] {
        old == 0 ? [] : try! MerkleProofs.consistencyProof(from: old, to: size, source: tree)
    }

    func request(old: UInt64, size: UInt64) -> AddCheckpointRequest {
        AddCheckpointRequest(oldSize: old, proof: proof(from: old, to: size), checkpoint: checkpoint(size))
    }

    func body(old: UInt64, size: UInt64) -> [UInt8] { request(old: old, size: size).body }
}

/// A witness on a real SQLite file in a temporary directory, with a fixed clock.
struct WitnessFixture {
    static let name = "kaga.example/witness"
    static let time: UInt64 = 1_760_000_000

    let directory: URL
    let state: WitnessState
    let witness: Witness
    let log: TestLog

    init(log: TestLog = TestLog(), follow: Bool = true) throws {
        directory = temporaryDirectory()
        state = try WitnessState(path: directory.appendingPathComponent("witness.sqlite").path)
        witness = Self.witness(state: state)
        self.log = log
        if follow { try state.addLog(key: log.vkey) }
    }

    static func witness(state: WitnessState, clock: @escaping @Sendable () -> UInt64 = { time }) -> Witness {
        Witness(state: state, signer: try! CosignatureV1Signer(name: name, privateKey: testKey("witness")), clock: clock)
    }

    var databasePath: String { directory.appendingPathComponent("witness.sqlite").path }

    /// Cosigns `size` from `old` and returns the response body.
    @discardableResult
    func add(old: UInt64, size: UInt64) throws -> String {
        try witness.addCheckpoint(body: log.body(old: old, size: size))
    }

    /// The refusal for `body` (fails the test if it was accepted).
    func refusal(_ body: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> WitnessError? {
        do throws(WitnessError) {
            let accepted = try witness.addCheckpoint(body: body)
            Issue.record("accepted: \(accepted)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    func storedSize() throws -> UInt64? { try state.log(origin: log.origin)?.size }
}

extension [UInt8] {
    func flippingBit(_ bit: Int) -> [UInt8] {
        var copy = self
        copy[bit / 8] ^= 1 << UInt8(bit % 8)
        return copy
    }
}

/// A value shared between tasks (a class, so escaping closures can capture it).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
