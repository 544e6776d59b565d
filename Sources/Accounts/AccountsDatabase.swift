import Foundation
import GRDB

/// Opening the authority's `akashi.sqlite` for the account and audit tables.
public enum AccountsDatabase {
    /// A WAL connection pool on an existing database file, with a 10 s busy
    /// timeout and `synchronous=FULL` like the log's. It does not take the log
    /// writer's lock, so the admin commands work while `akashi serve` runs:
    /// SQLite serializes their short write transactions with the server's.
    /// Throws `AccountError(.notFound)` when the file does not exist (it never
    /// creates one).
    public static func open(path: String) throws -> any DatabaseWriter {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AccountError(.notFound,
                "データベース \(path) がありません。`akashi init` で作成してください / there is no database at \(path); create the authority with `akashi init`")
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return try DatabasePool(path: path, configuration: config)
    }

    /// Whether `error` is SQLite giving up on a lock held by another process
    /// (after the busy timeout), for callers that do not import GRDB.
    public static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }
}
