import GRDB

/// The account tables, next to the log's in the authority's `akashi.sqlite`
/// (private: never published). Migrations, once shipped, never change: add new
/// ones. The migrator registers only its own migrations, so it runs happily on
/// a database where the log (`log-v1`), the issuer (`certificate-v1`) and the
/// audit trail (`audit-v1`) have their own.
///
/// - `account_user`: one row per person; `password_hash` is bcrypt.
/// - `account_session`: browser sessions by SHA-256 of their token.
/// - `account_token`: API tokens by SHA-256 of their secret.
///
/// Times are whole milliseconds since 1970 (UTC). Roles are checked in Swift,
/// not by a CHECK constraint, so a later role needs no table rebuild.
enum AccountSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("accounts-v1") { db in
            try db.execute(sql: """
                CREATE TABLE account_user (
                    id INTEGER PRIMARY KEY NOT NULL,
                    login TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 64),
                    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
                    created_at INTEGER NOT NULL,
                    password_changed_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE account_session (
                    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
                    user_id INTEGER NOT NULL REFERENCES account_user(id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    address TEXT,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX account_session_user ON account_session(user_id);
                CREATE INDEX account_session_expires ON account_session(expires_at);
                CREATE TABLE account_token (
                    id INTEGER PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                    role TEXT NOT NULL,
                    secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                ) STRICT;
                """)
        }
        return migrator
    }
}
