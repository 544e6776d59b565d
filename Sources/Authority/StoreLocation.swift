import Foundation
import Logging
import Store

/// Where an authority's store lives — the one place that decides between the
/// embedded SQLite file and a shared PostgreSQL database
/// (``AuthorityDirectory/openLog(logger:)``, ``AuthorityDirectory/openLogReadOnly()``,
/// ``AuthorityDirectory/openStore()`` and ``AuthorityDirectory/create(at:origin:name:code:verifierURL:location:)``
/// branch on it; nothing else does).
public enum StoreLocation: Sendable {
    /// `akashi.sqlite` in the data directory, as `akashi init --data DIR` makes it.
    case file
    /// One PostgreSQL database holding many authorities, each authority's rows
    /// keyed by its code (``PostgresDatabase/store(authority:)``). The folder
    /// (`--keys DIR`/`<CODE>/`) keeps `config.json` and `keys/` exactly like a
    /// data directory, without `akashi.sqlite`.
    case database(AuthorityDatabase)
}

/// A PostgreSQL database opened for as long as a command or a service uses it:
/// the pool (``PostgresDatabase``) and the task that drives it
/// (``PostgresDatabase/run()``, which must run for the pool to lease
/// connections). ``close()`` cancels that task, closing the pooled
/// connections.
public final class AuthorityDatabase: Sendable {
    public let database: PostgresDatabase
    /// `user@host:port/db`, without the password, for messages.
    public let target: String
    private let runner: Task<Void, Never>

    /// Parses `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, see
    /// ``PostgresDatabase/init(url:logger:)``) and starts the pool. A bad URL is
    /// ``AuthorityError/Code/invalidConfiguration`` with the URL's password
    /// blanked out. Nothing connects yet.
    public init(url: String, logger: Logger = Logger(label: "akashi.postgres")) throws {
        let database: PostgresDatabase
        do { database = try PostgresDatabase(url: url, logger: logger) } catch let error as StoreError {
            throw AuthorityError(
                .invalidConfiguration, "--database \(Self.redacted(url)) is not a usable PostgreSQL URL (postgres://USER@HOST:PORT/DB): \(error.reason)")
        }
        self.database = database
        self.target = database.target
        self.runner = Task.detached { await database.run() }
    }

    /// Stops the pool (idempotent).
    public func close() {
        runner.cancel()
    }

    /// Creates or upgrades the schema (idempotent; `akashi init` runs it).
    public func migrate() async throws {
        try await translating {
            try await self.database.ping()
            try await self.database.migrate()
        }
    }

    /// The codes of the authorities the database holds.
    public func authorityCodes() async throws -> [String] {
        try await translating { try await self.database.authorities().map(\.code) }
    }

    /// The code `requested` names (a 5-digit code gets its check digit), or
    /// the database's only authority when nil. Fails with
    /// ``AuthorityError/Code/notFound`` for an unregistered code or an empty
    /// database, ``AuthorityError/Code/invalidConfiguration`` when several
    /// authorities are there and none was chosen.
    public func resolve(authority requested: String?) async throws -> String {
        try await translating { try await self.database.ping() }
        let codes = try await authorityCodes()
        guard let requested else {
            switch codes.count {
            case 0:
                throw AuthorityError(
                    .notFound,
                    "the database \(target) holds no authority yet; add one with `akashi init --database URL --keys DIR --origin O --name N --code CODE`")
            case 1:
                return codes[0]
            default:
                throw AuthorityError(
                    .invalidConfiguration,
                    "the database \(target) holds \(codes.count) authorities (\(codes.joined(separator: ", "))); choose one with --authority CODE (or AKASHI_AUTHORITY)"
                )
            }
        }
        let code = (try? LocalGovernmentCode(requested).digits) ?? requested
        guard codes.contains(code) else {
            throw AuthorityError(
                .notFound,
                "the authority \(code) is not registered in the database \(target) (registered: \(codes.isEmpty ? "none" : codes.joined(separator: ", "))); add it with `akashi init --database …`"
            )
        }
        return code
    }

    /// The database's errors in the authority's words: an unreachable server or
    /// refused credentials are ``AuthorityError/Code/unavailable`` naming the
    /// target (never the password).
    func translating<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError where error.code == .unavailable {
            throw AuthorityError(.unavailable, error.reason.contains(target) ? error.reason : "PostgreSQL (\(target)): \(error.reason)")
        }
    }

    /// `url` with the password (between `user:` and `@`) replaced by `***`.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return url }
        let userinfo = rest[..<at]
        guard !userinfo.contains("/"), let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(rest[at...])
    }
}
