import Foundation
import Store

/// The PostgreSQL database of a test suite, set up once per test process
/// (shared by StoreTests, LogStoreTests and the CLI tests).
///
/// `AKASHI_TEST_DATABASE` (a `postgres://USER@HOST:PORT/DB` URL; `make test`
/// sets it) when given; otherwise a throw-away cluster started with
/// `scripts/postgres.sh start` in a temporary directory, so a plain
/// `swift test` works on a machine with PostgreSQL installed. That cluster is
/// stopped and its directory removed by a small watchdog shell (`setsid`)
/// that waits for this process to end — also when it crashes or is killed;
/// only if the watchdog itself is killed does a cluster outlive the run (its
/// directory is `$TMPDIR/akashi-tests-pg-*`; `scripts/postgres.sh stop DIR`).
///
/// Without PostgreSQL the PostgreSQL cases fail (they never skip) with a
/// message that says to run `make test-deps`.
public actor TestPostgres {
    public static let shared = TestPostgres()

    public struct Connection: Sendable {
        public let url: String
        /// The suite's pool, migrated, driven until the process exits.
        public let database: PostgresDatabase

        /// Adds an authority no other test uses (a new code on a duplicate).
        public func addFreshAuthority() async throws -> String {
            for _ in 0..<50 {
                let code = randomAuthorityCode()
                do {
                    try await database.addAuthority(code: code, configuration: Array("{}".utf8))
                    return code
                } catch let error as StoreError where error.code == .duplicate {
                    continue
                }
            }
            throw SetupFailure("no unused authority code in 50 tries")
        }
    }

    private var setup: Task<Connection, any Error>?
    /// Kept for the process's lifetime (it outlives it).
    private static nonisolated(unsafe) var watchdogProcess: Spawned?

    public func connection() async throws -> Connection {
        if let setup { return try await setup.value }
        let task = Task { try await Self.connect() }
        setup = task
        return try await task.value
    }

    private static func connect() async throws -> Connection {
        let url: String
        if let given = ProcessInfo.processInfo.environment["AKASHI_TEST_DATABASE"], !given.isEmpty {
            url = given
        } else {
            url = try await startCluster()
        }
        let database: PostgresDatabase
        do {
            database = try PostgresDatabase(url: url)
        } catch {
            throw SetupFailure("PostgresDatabase(url: \(url)) failed: \(error)")
        }
        Task.detached { await database.run() }
        do {
            try await database.migrate()
        } catch {
            throw SetupFailure("the migrations of the test database \(url) failed: \(error)")
        }
        return Connection(url: url, database: database)
    }

    public static let notInstalled = """
        PostgreSQL is not installed, so the PostgreSQL cases of the store conformance suite cannot run: \
        run `make test-deps` (it installs Debian's postgresql), or set AKASHI_TEST_DATABASE=postgres://USER@HOST:PORT/DB
        """

    /// `scripts/postgres.sh start DIR` in a fresh temporary directory; its URL.
    private static func startCluster() async throws -> String {
        let installed = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb")
        }
        guard installed else { throw SetupFailure(notInstalled) }
        let script = packageRoot.appendingPathComponent("scripts/postgres.sh").path
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("akashi-tests-pg-\(getpid())-\(UUID().uuidString.prefix(8))").path
        let result = try await runShell("'\(script)' start '\(dir)'")
        if result.status == 69 { throw SetupFailure(notInstalled + "\n" + result.stderr) }
        guard result.status == 0, let url = result.stdout.split(separator: "\n").last(where: { $0.hasPrefix("postgres://") }) else {
            throw SetupFailure("scripts/postgres.sh start \(dir) failed (exit \(result.status)): \(result.stderr)\(result.stdout)")
        }
        // The watchdog: stops the cluster and removes it once this process is gone.
        let watchdog = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 0.5; done; '\(script)' stop '\(dir)'; rm -rf '\(dir)'
            """
        watchdogProcess = try Spawned("/usr/bin/env", ["setsid", "sh", "-c", watchdog])
        return String(url)
    }
}

/// A second "node": its own `PostgresDatabase` (its own pool and sessions) on
/// the suite's database, as another `akashi serve` process would have.
public final class PostgresNode: Sendable {
    public let database: PostgresDatabase
    private let runner: Task<Void, Never>

    public init() async throws {
        let url = try await TestPostgres.shared.connection().url
        let database = try PostgresDatabase(url: url)
        self.database = database
        runner = Task.detached { await database.run() }
    }

    public func stop() { runner.cancel() }
}
