import Accounts
import Foundation
import GRDB

/// A fresh temporary directory, removed by the caller's `defer`.
struct TemporaryDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-accounts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// An empty SQLite file opened the way the CLI opens the authority's (WAL pool).
    func database(_ name: String = "akashi.sqlite") throws -> any DatabaseWriter {
        let path = url.appendingPathComponent(name).path
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        return try AccountsDatabase.open(path: path)
    }
}

/// bcrypt cost 4 keeps the tests fast.
func makeStore(_ writer: (any DatabaseWriter)? = nil) throws -> (AccountStore, any DatabaseWriter) {
    let writer = try writer ?? DatabaseQueue()
    return (try AccountStore(writer: writer, bcryptCost: 4), writer)
}

let goodPassword = "correct horse battery"

/// Every cell of every row of `table`, as text and as raw bytes.
func allCells(_ writer: any DatabaseWriter, table: String) throws -> [DatabaseValue] {
    try writer.read { db in
        try Row.fetchAll(db, sql: "SELECT * FROM \(table)").flatMap { row in row.databaseValues }
    }
}
