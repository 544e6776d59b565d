import Foundation
import Store
import StoreTestSupport
import Testing

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
