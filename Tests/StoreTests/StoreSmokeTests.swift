import Store
import Testing

/// The SQLite store opens in memory with every table (the conformance suite
/// in this folder covers the operations on both engines).
@Test func sqliteStoreOpensInMemory() async throws {
    let store = try SQLiteStore.inMemory(authority: "402052")
    #expect(try await store.logState() == nil)
    #expect(try await store.auditCount() == 0)
}
