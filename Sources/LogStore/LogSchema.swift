import GRDB

/// The log's tables. Migrations, once shipped, never change: add new ones.
///
/// - `log_entry`: every entry's exact bytes; `subject` is the digest the entry
///   commits to (indexed, to find a document's or certificate's entry).
/// - `log_tile`: the tree as C2SP tiles — 32-byte hashes, up to 256 a row. Full
///   tiles never change; the rightmost tile of each level grows in place.
///   Leaf hashes live only here (level 0).
/// - `log_checkpoint`: every checkpoint the log ever signed, the history a
///   monitor or auditor can replay.
enum LogSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("log-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_entry (
                        idx INTEGER PRIMARY KEY NOT NULL CHECK (idx >= 0),
                        data BLOB NOT NULL,
                        subject BLOB
                    ) STRICT;
                    CREATE INDEX log_entry_subject ON log_entry(subject) WHERE subject IS NOT NULL;
                    CREATE TABLE log_tile (
                        level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
                        PRIMARY KEY (level, idx)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE log_checkpoint (
                        size INTEGER PRIMARY KEY NOT NULL CHECK (size >= 0),
                        root BLOB NOT NULL CHECK (length(root) = 32),
                        note TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) STRICT;
                    """)
        }
        migrator.registerMigration("log-v2-published") { db in
            // With witnesses, a checkpoint is stored when the batch commits and
            // published only once cosigned; without, at once.
            try db.execute(sql: "ALTER TABLE log_checkpoint ADD COLUMN published INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1))")
        }
        return migrator
    }
}
