import Foundation
import Store
import Testing

/// The SQLite engine's files: one per authority, created once, opened again.
@Suite("SQLiteStore files", .timeLimit(.minutes(1)))
struct SQLiteFileTests {
    @Test("create refuses an existing file; open refuses a missing one; what was committed is there on open")
    func createAndOpen() async throws {
        let t = try await makeStore(.sqlite)
        let path = try #require(t.path)
        let store = try await initialized(t)
        let c = certificate()
        try await store.commit(batch(from: 0, [TestEntry(effect: .issue(c, audit: auditNote("issue")))]))
        _ = try await store.addUser(newUser("tanaka"), audit: nil)

        #expect(throws: (any Error).self, "create on an existing file") { _ = try SQLiteStore.create(path: path, authority: t.authority) }
        #expect(throws: (any Error).self, "open of a missing file") {
            _ = try SQLiteStore.open(path: t.scratch!.path("missing.sqlite"), authority: t.authority)
        }

        let reopened = try SQLiteStore.open(path: path, authority: t.authority)
        #expect(reopened.authority == t.authority)
        #expect(try await reopened.logState() == LogState(latestNote: note(1), publishedNote: note(1), entryCount: 1))
        #expect(try await reopened.certificate(serial: c.serial) == record(c, at: 0))
        #expect(try await reopened.user(login: "tanaka")?.login == "tanaka")
        try await expectIntactChain(reopened, count: 1)
    }
}
