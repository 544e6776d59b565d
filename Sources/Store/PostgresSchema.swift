/// The PostgreSQL tables of every authority in one database, as versioned
/// migrations. Migrations, once shipped, never change: add new ones at the end.
///
/// The tables mirror ``SQLiteSchema`` with one difference: every table has an
/// `authority` column (the authority's code, referencing `authority` — all
/// but the two high-volume log tables, see below) leading its primary key and
/// every index, and every query of ``PostgresStore`` filters by it. A store of one town can neither read nor change another's
/// rows, and one town's rows sit together in every index.
///
/// - `authority`: the registered authorities and their opaque configuration document.
/// - `log_entry`, `log_tile`, `log_checkpoint`: the log (entries' exact bytes,
///   C2SP tiles, every checkpoint it signed; `published` once cosigned).
/// - `certificate`, `certificate_status`: the issuer's private record.
/// - `subject_key`: residents' X25519 public keys by the town's reference.
/// - `account_user`, `account_session`, `account_token`: staff and API tokens.
///   Ids come from one identity sequence per table shared by all authorities,
///   so they are unique but not dense within a town; every lookup by id also
///   filters by authority.
/// - `audit_event`: the hash-chained audit trail, `(authority, seq)` with no
///   gaps per authority; triggers refuse UPDATE, DELETE and TRUNCATE.
/// - `idempotency`: the API's answer to a request key, committed with its certificate.
///
/// Types: BYTEA for blobs, BIGINT for integers and times (Unix seconds, or
/// milliseconds where the SQLite column holds milliseconds), BOOLEAN for
/// flags, TEXT for text (PostgreSQL refuses NUL in TEXT; the stores' callers
/// refuse it earlier). CHECK constraints are SQLite's.
///
/// `akashi_migration` records which versions ran. ``PostgresDatabase/migrate()``
/// applies the missing ones in one transaction under an advisory lock, so two
/// servers starting at once do not both migrate, and a failed migration
/// leaves nothing half-done (PostgreSQL's DDL is transactional).
enum PostgresSchema {
    struct Migration {
        let version: Int64
        let name: String
        /// One SQL statement each (the extended protocol runs one at a time).
        let statements: [String]
    }

    static let migrationTable = """
        CREATE TABLE IF NOT EXISTS akashi_migration (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "authorities-v1",
            statements: [
                """
                CREATE TABLE authority (
                    code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
                    configuration BYTEA NOT NULL,
                    created_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint
                )
                """,
                // log_entry and log_tile have no foreign key to authority: a check per
                // row doubled the cost of appending (10 of 18 ms for 256 entries,
                // measured), and their rows are written only by commit(), after it
                // found this authority's checkpoint — which does reference it.
                """
                CREATE TABLE log_entry (
                    authority TEXT NOT NULL,
                    idx BIGINT NOT NULL CHECK (idx >= 0),
                    data BYTEA NOT NULL,
                    subject BYTEA,
                    CONSTRAINT log_entry_pkey PRIMARY KEY (authority, idx)
                )
                """,
                "CREATE INDEX log_entry_subject ON log_entry (authority, subject) WHERE subject IS NOT NULL",
                """
                CREATE TABLE log_tile (
                    authority TEXT NOT NULL,
                    level BIGINT NOT NULL CHECK (level BETWEEN 0 AND 63),
                    idx BIGINT NOT NULL CHECK (idx >= 0),
                    hashes BYTEA NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
                    CONSTRAINT log_tile_pkey PRIMARY KEY (authority, level, idx)
                )
                """,
                """
                CREATE TABLE log_checkpoint (
                    authority TEXT NOT NULL,
                    size BIGINT NOT NULL CHECK (size >= 0),
                    root BYTEA NOT NULL CHECK (length(root) = 32),
                    note TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    published BOOLEAN NOT NULL DEFAULT true,
                    CONSTRAINT log_checkpoint_pkey PRIMARY KEY (authority, size),
                    CONSTRAINT log_checkpoint_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code)
                )
                """,
                // The newest published checkpoint and the first published one covering
                // an entry, without walking the unpublished ones (witnesses down).
                "CREATE INDEX log_checkpoint_published ON log_checkpoint (authority, size) WHERE published",
                """
                CREATE TABLE certificate (
                    authority TEXT NOT NULL,
                    serial BYTEA NOT NULL CHECK (length(serial) = 10),
                    kind TEXT NOT NULL,
                    issued_at BIGINT NOT NULL,
                    expires_at BIGINT,
                    envelope BYTEA NOT NULL,
                    disclosures BYTEA NOT NULL DEFAULT ''::bytea,
                    log_index BIGINT NOT NULL,
                    issued_by TEXT,
                    search_text TEXT NOT NULL DEFAULT '',
                    CONSTRAINT certificate_pkey PRIMARY KEY (authority, serial),
                    CONSTRAINT certificate_log_index_key UNIQUE (authority, log_index),
                    CONSTRAINT certificate_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code),
                    CONSTRAINT certificate_log_index_fkey FOREIGN KEY (authority, log_index) REFERENCES log_entry(authority, idx)
                )
                """,
                "CREATE INDEX certificate_issued ON certificate (authority, issued_at)",
                "CREATE INDEX certificate_kind_issued ON certificate (authority, kind, issued_at)",
                // No foreign key on successor_index (SQLite has one): a successor may be
                // another authority's certificate (a resident who moved town), which
                // this authority's table does not hold.
                """
                CREATE TABLE certificate_status (
                    authority TEXT NOT NULL,
                    serial BYTEA NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('revoked', 'superseded')),
                    reason TEXT,
                    at BIGINT NOT NULL,
                    successor_index BIGINT CHECK (successor_index >= 0),
                    lifecycle_index BIGINT NOT NULL,
                    CONSTRAINT certificate_status_pkey PRIMARY KEY (authority, serial),
                    CONSTRAINT certificate_status_lifecycle_key UNIQUE (authority, lifecycle_index),
                    CONSTRAINT certificate_status_successor_check CHECK (state <> 'superseded' OR successor_index IS NOT NULL),
                    CONSTRAINT certificate_status_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code),
                    CONSTRAINT certificate_status_serial_fkey FOREIGN KEY (authority, serial) REFERENCES certificate(authority, serial),
                    CONSTRAINT certificate_status_lifecycle_fkey FOREIGN KEY (authority, lifecycle_index) REFERENCES log_entry(authority, idx)
                )
                """,
                """
                CREATE TABLE subject_key (
                    authority TEXT NOT NULL,
                    id BIGINT GENERATED ALWAYS AS IDENTITY,
                    reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
                    public_key BYTEA NOT NULL CHECK (length(public_key) = 32),
                    registered_at BIGINT NOT NULL,
                    replaced_at BIGINT,
                    CONSTRAINT subject_key_pkey PRIMARY KEY (authority, id),
                    CONSTRAINT subject_key_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code)
                )
                """,
                "CREATE UNIQUE INDEX subject_key_current ON subject_key (authority, reference) WHERE replaced_at IS NULL",
                "CREATE INDEX subject_key_reference ON subject_key (authority, reference, id)",
                // Times in milliseconds, as in SQLite. Roles are checked in Swift.
                """
                CREATE TABLE account_user (
                    authority TEXT NOT NULL,
                    id BIGINT GENERATED ALWAYS AS IDENTITY,
                    login TEXT NOT NULL CHECK (length(login) BETWEEN 1 AND 64),
                    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    disabled BOOLEAN NOT NULL DEFAULT false,
                    created_at BIGINT NOT NULL,
                    password_changed_at BIGINT NOT NULL,
                    CONSTRAINT account_user_pkey PRIMARY KEY (authority, id),
                    CONSTRAINT account_user_login_key UNIQUE (authority, login),
                    CONSTRAINT account_user_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code)
                )
                """,
                """
                CREATE TABLE account_session (
                    authority TEXT NOT NULL,
                    token_hash BYTEA NOT NULL CHECK (length(token_hash) = 32),
                    user_id BIGINT NOT NULL,
                    csrf_token TEXT NOT NULL,
                    address TEXT,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    CONSTRAINT account_session_pkey PRIMARY KEY (authority, token_hash),
                    CONSTRAINT account_session_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code),
                    CONSTRAINT account_session_user_fkey FOREIGN KEY (authority, user_id) REFERENCES account_user(authority, id) ON DELETE CASCADE
                )
                """,
                "CREATE INDEX account_session_user ON account_session (authority, user_id)",
                "CREATE INDEX account_session_expires ON account_session (authority, expires_at)",
                """
                CREATE TABLE account_token (
                    authority TEXT NOT NULL,
                    id BIGINT GENERATED ALWAYS AS IDENTITY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                    role TEXT NOT NULL,
                    secret_hash BYTEA NOT NULL CHECK (length(secret_hash) = 32),
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    CONSTRAINT account_token_pkey PRIMARY KEY (authority, id),
                    CONSTRAINT account_token_secret_key UNIQUE (authority, secret_hash),
                    CONSTRAINT account_token_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code)
                )
                """,
                """
                CREATE TABLE audit_event (
                    authority TEXT NOT NULL,
                    seq BIGINT NOT NULL CHECK (seq >= 1),
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL CHECK (length(actor) > 0),
                    role TEXT,
                    action TEXT NOT NULL CHECK (length(action) > 0),
                    target TEXT,
                    detail TEXT,
                    address TEXT,
                    previous_hash BYTEA NOT NULL CHECK (length(previous_hash) = 32),
                    hash BYTEA NOT NULL CHECK (length(hash) = 32),
                    CONSTRAINT audit_event_pkey PRIMARY KEY (authority, seq),
                    CONSTRAINT audit_event_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code)
                )
                """,
                "CREATE INDEX audit_event_at ON audit_event (authority, at)",
                "CREATE INDEX audit_event_actor ON audit_event (authority, actor, seq)",
                "CREATE INDEX audit_event_action ON audit_event (authority, action, seq)",
                // Append-only for everyone who does not drop the triggers first (and
                // the chain's verification catches those who do). TRUNCATE skips row
                // triggers, so it has its own.
                """
                CREATE FUNCTION akashi_audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_event is append-only: rows cannot be %',
                        CASE TG_OP WHEN 'UPDATE' THEN 'changed' WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END;
                END
                $$
                """,
                """
                CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
                    FOR EACH ROW EXECUTE FUNCTION akashi_audit_event_append_only()
                """,
                """
                CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
                    FOR EACH STATEMENT EXECUTE FUNCTION akashi_audit_event_append_only()
                """,
                """
                CREATE TABLE idempotency (
                    authority TEXT NOT NULL,
                    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
                    response BYTEA NOT NULL,
                    log_index BIGINT NOT NULL,
                    CONSTRAINT idempotency_pkey PRIMARY KEY (authority, key),
                    CONSTRAINT idempotency_authority_fkey FOREIGN KEY (authority) REFERENCES authority(code),
                    CONSTRAINT idempotency_log_index_fkey FOREIGN KEY (authority, log_index) REFERENCES log_entry(authority, idx)
                )
                """,
            ])
    ]
}
