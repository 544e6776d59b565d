import GRDB

/// Every table of an authority's `akashi.sqlite`, in one migrator. Migrations,
/// once shipped, never change: add new ones. The identifiers are those the
/// modules used when each had its own migrator, so a file made by an earlier
/// version opens and is upgraded in place.
///
/// - `log_entry`: every entry's exact bytes; `subject` is the digest the entry
///   commits to (indexed, to find a document's or certificate's entry).
/// - `log_tile`: the tree as C2SP tiles — 32-byte hashes, up to 256 a row. Full
///   tiles never change; the rightmost tile of each level grows in place.
/// - `log_checkpoint`: every checkpoint the log ever signed; `published` once cosigned.
/// - `certificate`, `certificate_status`: the issuer's private record (never published).
/// - `subject_key`: residents' X25519 public keys by the town's reference.
/// - `account_user`, `account_session`, `account_token`: staff and API tokens
///   (bcrypt hashes; SHA-256 of session tokens and secrets only).
/// - `audit_event`: the hash-chained audit trail; triggers refuse UPDATE and DELETE.
/// - `idempotency`: the API's answer to a request key, committed with its certificate.
enum SQLiteSchema {
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
        migrator.registerMigration("certificate-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE certificate (
                        serial BLOB PRIMARY KEY NOT NULL CHECK (length(serial) = 10),
                        kind TEXT NOT NULL,
                        issued_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        envelope BLOB NOT NULL,
                        log_index INTEGER NOT NULL UNIQUE REFERENCES log_entry(idx)
                    ) STRICT;
                    CREATE INDEX certificate_issued ON certificate(issued_at);
                    """)
        }
        migrator.registerMigration("certificate-v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE certificate ADD COLUMN issued_by TEXT;
                    ALTER TABLE certificate ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
                    CREATE INDEX certificate_kind_issued ON certificate(kind, issued_at);
                    """)
        }
        migrator.registerMigration("certificate-status-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE certificate_status (
                        serial BLOB PRIMARY KEY NOT NULL REFERENCES certificate(serial),
                        state TEXT NOT NULL CHECK (state IN ('revoked', 'superseded')),
                        reason TEXT,
                        at INTEGER NOT NULL,
                        successor_index INTEGER REFERENCES certificate(log_index),
                        lifecycle_index INTEGER NOT NULL UNIQUE REFERENCES log_entry(idx)
                    ) STRICT;
                    """)
        }
        migrator.registerMigration("certificate-disclosures-v1") { db in
            try db.execute(sql: "ALTER TABLE certificate ADD COLUMN disclosures BLOB NOT NULL DEFAULT x''")
        }
        migrator.registerMigration("subject-key-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE subject_key (
                        id INTEGER PRIMARY KEY,
                        reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
                        public_key BLOB NOT NULL CHECK (length(public_key) = 32),
                        registered_at INTEGER NOT NULL,
                        replaced_at INTEGER
                    ) STRICT;
                    CREATE UNIQUE INDEX subject_key_current ON subject_key(reference) WHERE replaced_at IS NULL;
                    """)
        }
        migrator.registerMigration("accounts-v1") { db in
            // Times are whole milliseconds since 1970 (UTC). Roles are checked in
            // Swift, not by a CHECK constraint, so a later role needs no rebuild.
            try db.execute(
                sql: """
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
        migrator.registerMigration("audit-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_event (
                        seq INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL CHECK (length(actor) > 0),
                        role TEXT,
                        action TEXT NOT NULL CHECK (length(action) > 0),
                        target TEXT,
                        detail TEXT,
                        address TEXT,
                        previous_hash BLOB NOT NULL CHECK (length(previous_hash) = 32),
                        hash BLOB NOT NULL CHECK (length(hash) = 32)
                    ) STRICT;
                    CREATE INDEX audit_event_at ON audit_event(at);
                    CREATE INDEX audit_event_actor ON audit_event(actor, seq);
                    CREATE INDEX audit_event_action ON audit_event(action, seq);
                    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                        BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be changed'); END;
                    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                        BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be deleted'); END;
                    """)
        }
        migrator.registerMigration("certificate-status-v2-any-successor") { db in
            // A successor need not be a certificate of this authority (town B
            // supersedes town A's): its log index is all this table may require.
            try db.execute(
                sql: """
                    CREATE TABLE certificate_status_v2 (
                        serial BLOB PRIMARY KEY NOT NULL REFERENCES certificate(serial),
                        state TEXT NOT NULL CHECK (state IN ('revoked', 'superseded')),
                        reason TEXT,
                        at INTEGER NOT NULL,
                        successor_index INTEGER CHECK (successor_index >= 0),
                        lifecycle_index INTEGER NOT NULL UNIQUE REFERENCES log_entry(idx)
                    ) STRICT;
                    INSERT INTO certificate_status_v2 SELECT serial, state, reason, at, successor_index, lifecycle_index FROM certificate_status;
                    DROP TABLE certificate_status;
                    ALTER TABLE certificate_status_v2 RENAME TO certificate_status;
                    """)
        }
        migrator.registerMigration("idempotency-v1") { db in
            // A retried POST /api/v1/certificates with the same key gets the
            // first answer; the row commits with the certificate it describes.
            try db.execute(
                sql: """
                    CREATE TABLE idempotency (
                        key TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
                        response BLOB NOT NULL,
                        log_index INTEGER NOT NULL REFERENCES log_entry(idx)
                    ) STRICT;
                    """)
        }
        return migrator
    }
}
