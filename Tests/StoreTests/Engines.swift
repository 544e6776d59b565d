import Foundation
import Store
import Testing

/// The package root: this file is `<root>/Tests/StoreTests/Engines.swift`.
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // StoreTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root

/// The storage engines every conformance test runs against.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// ``SQLiteStore`` on a fresh file in a temporary directory.
    case sqlite
    /// ``SQLiteStore/inMemory(authority:)``.
    case sqliteInMemory
    /// ``PostgresStore`` of a fresh authority in the suite's PostgreSQL database.
    case postgres

    /// The engines whose data outlives the process (the crash tests).
    static let durable: [Engine] = [.sqlite, .postgres]

    var testDescription: String { rawValue }
}

/// A fresh store of one engine, and how to open it again.
struct TestStore: Sendable {
    let engine: Engine
    let authority: String
    let store: any AuthorityStore
    /// The SQLite file (nil for the other engines).
    let path: String?
    /// Keeps the SQLite file's directory until the test is done.
    let scratch: Scratch?

    /// Another store on the same data: the SQLite file opened again, or
    /// another `PostgresStore` of the same authority (same pool). Nil for an
    /// in-memory store.
    func reopen() async throws -> (any AuthorityStore)? {
        switch engine {
        case .sqlite: try SQLiteStore.open(path: path!, authority: authority)
        case .sqliteInMemory: nil
        case .postgres: try await TestPostgres.shared.connection().database.store(authority: authority)
        }
    }
}

/// A fresh, empty store (no log yet) for `engine`.
func makeStore(_ engine: Engine) async throws -> TestStore {
    switch engine {
    case .sqlite:
        let scratch = try Scratch()
        let authority = randomAuthorityCode()
        let path = scratch.path("authority.sqlite")
        let store = try SQLiteStore.create(path: path, authority: authority)
        return TestStore(engine: engine, authority: authority, store: store, path: path, scratch: scratch)
    case .sqliteInMemory:
        let authority = randomAuthorityCode()
        return TestStore(engine: engine, authority: authority, store: try SQLiteStore.inMemory(authority: authority), path: nil, scratch: nil)
    case .postgres:
        let connection = try await TestPostgres.shared.connection()
        let authority = try await connection.addFreshAuthority()
        return TestStore(engine: engine, authority: authority, store: connection.database.store(authority: authority), path: nil, scratch: nil)
    }
}

/// A 全国地方公共団体コード with a correct check digit (総務省の検査数字:
/// weights 6,5,4,3,2, 11 minus the sum mod 11, last digit), random enough
/// that the tests' authorities do not meet in one database.
func randomAuthorityCode() -> String {
    let prefecture = Int.random(in: 1...47)
    let body = [prefecture / 10, prefecture % 10] + (0..<3).map { _ in Int.random(in: 0...9) }
    let sum = zip(body, [6, 5, 4, 3, 2]).map(*).reduce(0, +)
    return body.map(String.init).joined() + String((11 - sum % 11) % 10)
}

/// The process's scratch directory (`$TMPDIR/akashi-store-tests-<pid>-…`),
/// removed when the process exits normally. Not per test: a store may still
/// have its file open after the test let go of its directory.
let scratchRoot: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-store-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: scratchRoot) }
    return url
}()

/// A fresh directory under ``scratchRoot``.
final class Scratch: Sendable {
    let url: URL

    init() throws {
        url = scratchRoot.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Why the suite could not set itself up (shown as the failing test's error).
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
