import AkashiCrypto
import Foundation
import LogStore
import StoreTestSupport
import Testing
import TransparencyLog

/// The package root: this file is `<root>/Tests/LogStoreTests/Support.swift`.
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // LogStoreTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root

/// A built executable of this package, or a test failure that says how to build it.
func builtExecutable(_ name: String) throws -> URL {
    let url = packageRoot.appendingPathComponent(".build/debug/\(name)")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        Issue.record("\(url.path) is missing: run `swift build` in \(packageRoot.path) first (the test drives the real binary)")
        throw MissingBinary(path: url.path)
    }
    return url
}

struct MissingBinary: Error { let path: String }

/// A fresh directory removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init(_ label: String = "logstore") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("akashi-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

let testOrigin = "test.example/akashi/log"
/// The authority a test store belongs to (a label for SQLite; 全国地方公共団体コード of 飯塚市).
let testAuthority = "402052"

func makeSigner(origin: String = testOrigin) throws -> Ed25519NoteSigner {
    try Ed25519NoteSigner(name: origin, privateKey: Ed25519.PrivateKey())
}

/// A document entry for a fresh random digest.
func randomEntry() -> LogEntry { .document(sha256: SecureRandom.bytes(32), name: nil) }

/// Where a test log lives.
enum Storage: String, CustomTestStringConvertible, Sendable, CaseIterable {
    /// SQLiteStore in memory, SQLiteStore on a file, PostgresStore of a fresh
    /// authority in the suite's PostgreSQL (StoreTestSupport.TestPostgres).
    case memory, disk, postgres
    var testDescription: String { rawValue }
}

/// A log under test with everything needed to check it.
struct TestLog {
    let log: LogStore
    let signer: Ed25519NoteSigner
    let directory: TemporaryDirectory?
    var policy: TlogPolicy { try! TlogPolicy(logKey: signer.verifierKey) }

    init(_ storage: Storage) async throws {
        signer = try makeSigner()
        switch storage {
        case .memory:
            directory = nil
            log = try await LogStore.inMemory(signer: signer, origin: testOrigin)
        case .disk:
            let dir = try TemporaryDirectory()
            directory = dir
            log = try await LogStore.create(path: dir.path("log.sqlite"), authority: testAuthority, signer: signer, origin: testOrigin)
        case .postgres:
            directory = nil
            let connection = try await TestPostgres.shared.connection()
            let authority = try await connection.addFreshAuthority()
            log = try await LogStore.create(store: connection.database.store(authority: authority), signer: signer, origin: testOrigin)
        }
    }
}

/// Appends `entries` all at once (so they share batches) and returns the
/// receipts in the order of `entries`.
func appendConcurrently(_ log: LogStore, _ entries: [LogEntry]) async throws -> [LogStore.Receipt] {
    try await withThrowingTaskGroup(of: (Int, LogStore.Receipt).self) { group in
        for (i, entry) in entries.enumerated() {
            group.addTask { (i, try await log.append(entry)) }
        }
        var out = [LogStore.Receipt?](repeating: nil, count: entries.count)
        for try await (i, receipt) in group { out[i] = receipt }
        return out.map { $0! }
    }
}

/// Checks one receipt: its leaf hash, its checkpoint's signature and origin,
/// and its inclusion proof against that checkpoint (also as a tlog-proof).
func verifyReceipt(_ receipt: LogStore.Receipt, entry: [UInt8], policy: TlogPolicy, checkSignature: Bool = true) throws {
    #expect(receipt.leafHash == Merkle.leafHash(entry))
    let checkpoint = receipt.checkpoint.checkpoint
    #expect(receipt.index < checkpoint.size)
    if checkSignature {
        _ = try policy.verify(receipt.checkpoint)
    }
    try Merkle.verifyInclusion(
        leafHash: Merkle.leafHash(entry), index: receipt.index, treeSize: checkpoint.size,
        proof: receipt.inclusionProof, root: checkpoint.rootHash)
    // The same receipt as an offline tlog-proof round-trips and verifies.
    let proof = try TlogProof(parsing: receipt.tlogProof.text)
    if checkSignature {
        try proof.verify(leafHash: Merkle.leafHash(entry), policy: policy)
    }
}

/// Checks every checkpoint the log stored: sizes strictly increase from 0,
/// signatures verify, roots equal the reference tree's, the store's own root
/// and older-size inclusion proofs agree, and each is consistent with the latest.
func verifyCheckpointHistory(_ log: LogStore, reference: InMemoryMerkleTree, policy: TlogPolicy, proofsPerCheckpoint: Int = 2) async throws {
    let checkpoints = try await log.checkpoints()
    let latest = await log.checkpoint
    #expect(checkpoints.first?.checkpoint.size == 0)
    #expect(checkpoints.first?.checkpoint.rootHash == Merkle.emptyRoot)
    #expect(checkpoints.last == latest)
    #expect(latest.checkpoint.size == reference.size)
    for (older, newer) in zip(checkpoints, checkpoints.dropFirst()) {
        #expect(older.checkpoint.size < newer.checkpoint.size)
    }
    for signed in checkpoints {
        _ = try policy.verify(signed)
        let size = signed.checkpoint.size
        #expect(signed.checkpoint.origin == testOrigin)
        #expect(signed.checkpoint.rootHash == reference.rootHash(size: size), "checkpoint \(size) has the wrong root")
        #expect(try await log.rootHash(treeSize: size) == signed.checkpoint.rootHash)
        #expect(try await log.checkpoint(size: size) == signed)
        guard size > 0 else { continue }
        // Consistency with the latest checkpoint.
        let consistency = try await log.consistencyProof(from: size)
        try Merkle.verifyConsistency(
            size1: size, size2: latest.checkpoint.size, proof: consistency,
            root1: signed.checkpoint.rootHash, root2: latest.checkpoint.rootHash)
        // Inclusion proofs at this older size: first, last and random entries.
        var indices: Set<UInt64> = [0, size - 1]
        for _ in 0..<proofsPerCheckpoint { indices.insert(UInt64.random(in: 0..<size)) }
        for index in indices {
            let proof = try await log.inclusionProof(index: index, treeSize: size)
            try Merkle.verifyInclusion(
                leafHash: try reference.perfectSubtreeHash(level: 0, index: index), index: index, treeSize: size,
                proof: proof, root: signed.checkpoint.rootHash)
        }
    }
}

/// Appends raw entries (with their subjects) all at once; returns the receipts
/// in the order given.
func appendConcurrently(_ log: LogStore, raw entries: [([UInt8], [UInt8])]) async throws -> [LogStore.Receipt] {
    try await withThrowingTaskGroup(of: (Int, LogStore.Receipt).self) { group in
        for (i, (bytes, subject)) in entries.enumerated() {
            group.addTask { (i, try await log.append(bytes, subject: subject)) }
        }
        var out = [LogStore.Receipt?](repeating: nil, count: entries.count)
        for try await (i, receipt) in group { out[i] = receipt }
        return out.map { $0! }
    }
}

/// Where the shared large log lives; removed when the test process exits.
let bigLogDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-biglog-\(getpid())")

/// One on-disk log of 65,536 + 3 entries — past the first full level-1 tile,
/// so it has a level-2 tile — built once, in waves (so it signs several
/// checkpoints), and afterwards only read by the tests that share it.
/// Building it is the expensive part (tens of thousands of appends in a debug build).
struct BigLog: Sendable {
    static let size = 65_536 + 3
    static let shared = Task { try await BigLog() }

    let log: LogStore
    let path: String
    let signer: Ed25519NoteSigner
    /// Entry bytes by index.
    let entries: [[UInt8]]
    let subjects: [[UInt8]]
    let reference: InMemoryMerkleTree
    /// A sample of the receipts (every 61st, and all around tile boundaries), with their entry's index.
    let receipts: [LogStore.Receipt]
    var policy: TlogPolicy { try! TlogPolicy(logKey: signer.verifierKey) }

    static func kept(_ index: UInt64) -> Bool {
        index % 61 == 0 || (250..<262).contains(index) || index >= 65_530
    }

    private init() async throws {
        try? FileManager.default.removeItem(at: bigLogDirectory)
        try FileManager.default.createDirectory(at: bigLogDirectory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: bigLogDirectory) }
        path = bigLogDirectory.appendingPathComponent("log.sqlite").path
        signer = try makeSigner()
        log = try await LogStore.create(path: path, authority: testAuthority, signer: signer, origin: testOrigin)
        var entries = [[UInt8]](repeating: [], count: Self.size)
        var subjects = [[UInt8]](repeating: [], count: Self.size)
        var kept: [LogStore.Receipt] = []
        var done = 0
        while done < Self.size {
            let wave = (0..<min(4_096, Self.size - done)).map { _ in
                let subject = SecureRandom.bytes(32)
                return (LogEntry.document(sha256: subject, name: nil).bytes, subject)
            }
            let receipts = try await appendConcurrently(log, raw: wave)
            for ((bytes, subject), receipt) in zip(wave, receipts) {
                precondition(entries[Int(receipt.index)].isEmpty, "index \(receipt.index) handed out twice")
                entries[Int(receipt.index)] = bytes
                subjects[Int(receipt.index)] = subject
                if Self.kept(receipt.index) { kept.append(receipt) }
            }
            done += wave.count
        }
        self.entries = entries
        self.subjects = subjects
        self.receipts = kept.sorted { $0.index < $1.index }
        reference = InMemoryMerkleTree(leafHashes: entries.map { Merkle.leafHash($0) })
    }
}
