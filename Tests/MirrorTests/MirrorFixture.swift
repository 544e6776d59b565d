import AkashiCrypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LogStore
import Logging
import Mirror
import Testing
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// A deterministic Ed25519 key.
func testKey(_ label: String) -> Ed25519.PrivateKey {
    try! Ed25519.PrivateKey(seed: SHA256.hash(Array("akashi mirror test key \(label)".utf8)))
}

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-mirror-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

var quietLogger: Logger {
    var logger = Logger(label: "mirror-test")
    logger.logLevel = .critical
    return logger
}

let originName = "iizuka.example/akashi/log"
/// The authority of the test log's SQLite store (飯塚市).
let testAuthority = "402052"

/// The log an authority runs, published as static tlog-tiles files
/// (`LogStore.publishTiles`) under `<root>/log/`, which a test serves over
/// HTTP. Tampering is editing those files; a fork is another store with the
/// same key published in their place.
final class OriginLog: @unchecked Sendable {
    let signer: Ed25519NoteSigner
    let store: LogStore
    let salt: String
    let root: URL
    var directory: URL { root.appendingPathComponent("log") }

    init(root: URL, salt: String = "a", keyLabel: String = "origin", path: String? = nil) async throws {
        let signer = try Ed25519NoteSigner(name: originName, privateKey: testKey(keyLabel))
        self.signer = signer
        if let path {
            self.store = try await LogStore.create(path: path, authority: testAuthority, signer: signer, origin: originName)
        } else {
            self.store = try await LogStore.inMemory(signer: signer, origin: originName)
        }
        self.salt = salt
        self.root = root
    }

    var vkey: VerifierKey { signer.verifierKey }
    var policy: TlogPolicy { try! TlogPolicy(logKey: vkey) }

    /// The entry at `index` of this history.
    func entry(_ index: Int) -> LogEntry {
        LogEntry.document(sha256: SHA256.hash(Array("\(salt) document \(index)".utf8)), name: nil)
    }

    /// Appends entries up to `size` (concurrently, so they batch).
    func grow(to size: Int) async throws {
        let start = Int(await store.size)
        guard start < size else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in start..<size {
                let entry = entry(i)
                group.addTask { _ = try await self.store.append(entry) }
            }
            try await group.waitForAll()
        }
        // Concurrent appends may land in any order; the test cares about the set.
        #expect(await store.size == UInt64(size))
    }

    /// Writes the current checkpoint, tiles and bundles under `<root>/log/`.
    func publish() async throws {
        _ = try await store.publishTiles(to: directory)
    }

    func file(_ path: String) -> URL { directory.appendingPathComponent(path) }

    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: file(path))) }

    func write(_ path: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: file(path)) }
}

/// Serves `root` as static files on a loopback port while `body` runs.
func withStaticServer<T: Sendable>(root: URL, _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let router = Router()
    router.add(middleware: FileMiddleware(root.path, searchForIndexHtml: false, logger: quietLogger))
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger)
    return try await app.test(.live) { client in
        try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))/")!)
    }
}

/// Serves a mirror on a loopback port while `body` runs; `body` gets the monitoring prefix.
func withMirrorServer<T: Sendable>(_ mirror: Mirror, _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let app = MirrorApplication.make(mirror: mirror, port: 0, logger: quietLogger)
    return try await app.test(.live) { client in
        try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))/")!)
    }
}

/// A mirror in a temporary directory.
struct MirrorFixture {
    static let name = "kaga.example/mirror"
    let directory: MirrorDirectory
    let mirror: Mirror

    init(at url: URL) throws {
        directory = try MirrorDirectory.create(at: url, name: Self.name, writeSecret: writeTestSecret)
        let signer = try directory.signer(readSecret: { try String(contentsOf: $0, encoding: .utf8) })
        mirror = try Mirror(directory: directory, signer: signer, timeout: .seconds(10), logger: quietLogger)
    }

    var vkey: VerifierKey { mirror.signer.verifierKey }
}

func writeTestSecret(_ text: String, _ url: URL) throws {
    try Data(text.utf8).write(to: url)
    chmod(url.path, 0o600)
}

/// Expects `body` to throw a ``MirrorError`` with `code`; returns it.
@discardableResult
func expectMirrorError<T>(
    _ code: MirrorError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> MirrorError? {
    do {
        _ = try await body()
        Issue.record("expected \(code), but it succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as MirrorError {
        #expect(error.code == code, "\(error.reason)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected MirrorError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
