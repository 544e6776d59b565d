import AkashiCrypto
import Authority
import Foundation
import LogStore
import Mirror
import Testing
import TransparencyLog
import Witness

@testable import akashi

/// The CLI's own logic, in process: typed errors to the documented exit codes
/// (README, `akashi --help`), and the trust-on-first-use failures of `akashi
/// mirror --from URL` and `akashi monitor --from URL` (formerly reached by
/// spawning the binary against a closed port).
@Suite("Typed errors to exit codes, in process")
struct ExitCodeTests {
    @Test("log store, authority and witness-quorum errors")
    func describeErrors() {
        #expect(describe(LogStoreError(.locked, "held")).0 == 75)
        #expect(describe(LogStoreError(.witnessPolicy, "2 of 3")).0 == 69)
        #expect(describe(LogStoreError(.notFound, "no")).0 == 66)
        #expect(describe(LogStoreError(.entryTooLarge, "big")).0 == 65)
        #expect(describe(LogStoreError(.io, "disk")).0 == 70)
        #expect(describe(CommandFailure(exitCode: 73, message: "exists")).0 == 73)
    }

    @Test(
        "mirror, monitor and restore errors",
        arguments: [
            (MirrorError.Code.transport, Int32(69)), (.httpStatus, 69), (.responseTooLarge, 69),
            (.unverifiedCheckpoint, 1), (.inconsistent, 1), (.rootMismatch, 1), (.wrongOrigin, 1), (.staleCopy, 1),
            (.malformedCheckpoint, 65), (.malformedBundle, 65), (.unlistedOrigin, 65),
            (.notEmpty, 73), (.invalidRequest, 64), (.locked, 75), (.storage, 70),
        ])
    func mirrorErrors(code: MirrorError.Code, exit: Int32) {
        #expect(mirrorExitCode(MirrorError(code, "a reason that says 'database is locked' changes nothing")) == exit)
    }

    @Test("witness errors")
    func witnessErrors() {
        #expect(witnessExitCode(WitnessError(.locked, "")) == 75)
        #expect(witnessExitCode(WitnessError(.storage, "database is locked")) == 70, "the code decides, not the text")
        #expect(witnessExitCode(WitnessError(.badRequest, "")) == 65)
    }

    @Test("--database: unreachable is 69, the password never shown, --data or --database")
    func databaseOptions() throws {
        #expect(describe(AuthorityError(.unavailable, "down")).0 == 69)
        #expect(AuthorityDatabase.redacted("postgres://akashi:s3cret@db.example:5432/towns") == "postgres://akashi:***@db.example:5432/towns")
        #expect(AuthorityDatabase.redacted("postgres://akashi@db.example:5432/towns") == "postgres://akashi@db.example:5432/towns")
        #expect(throws: CommandFailure.self) { try DataOptions.target(data: "d", database: "postgres://a@h/db", keys: "k", authority: nil) }
        #expect(throws: CommandFailure.self) { try DataOptions.target(data: nil, database: "postgres://a@h/db", keys: nil, authority: nil) }
        guard
            case .database(let url, let keys, let authority) = try DataOptions.target(data: nil, database: "postgres://a@h/db", keys: "k", authority: "402052")
        else { Testing.Issue.record("not a database target"); return }
        #expect(url == "postgres://a@h/db" && keys.lastPathComponent == "k" && authority == "402052")
        guard case .file = try DataOptions.target(data: "d", database: nil, keys: nil, authority: nil) else {
            Testing.Issue.record("--data alone is the SQLite file"); return
        }
    }

    @Test("several failed rows: the most telling code")
    func mostSpecific() {
        #expect(Exit.mostSpecific([65, 75, 69]) == 69)
        #expect(Exit.mostSpecific([65, 66]) == 66)
        #expect(Exit.mostSpecific([]) == 65)
    }

    @Test("akashi mirror --from URL, not followed, no trust file reachable: 69 and what to give instead")
    func mirrorFirstUseUnreachable() async throws {
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("mirror")
        _ = try MirrorDirectory.create(at: url, name: "kaga.example/mirror", writeSecret: AuthorityDirectory.writeSecret)
        let mirror = try openMirror(url, timeout: .seconds(5))
        do {
            _ = try await MirrorServe.followOnFirstUse(mirror, prefix: "http://127.0.0.1:1/log/")
            Testing.Issue.record("followed a log nobody serves")
        } catch let failure as CommandFailure {
            #expect(failure.exitCode == 69)
            #expect(failure.message.contains("http://127.0.0.1:1/trust.json") && failure.message.contains("--vkey"), "\(failure.message)")
        }
        #expect(await mirror.logs.isEmpty)
        await mirror.close()
    }

    @Test("akashi monitor --from URL, no trust file reachable: 2 (a source could not be checked)")
    func monitorFirstUseUnreachable() async throws {
        let monitor = try MonitorCommand.parse(["--from", "http://127.0.0.1:1/log/", "--timeout", "5"])
        do {
            _ = try await monitor.publishedPolicies()
            Testing.Issue.record("found policies at a closed port")
        } catch let failure as CommandFailure {
            #expect(failure.exitCode == 2)
            #expect(failure.message.contains("--vkey"), "\(failure.message)")
        }
    }

    @Test("--vkey must be a log key; --origin must be listed")
    func trustOptions() throws {
        let log = try Ed25519NoteSigner(name: "iizuka.example/akashi/log", privateKey: .init())
        let witness = try CosignatureV1Signer(name: "w.example/witness", privateKey: .init())
        #expect(try LogTrustOptions.parse(["--vkey", log.verifierKey.description]).policies().keys.sorted() == [log.name])
        #expect(throws: CommandFailure.self) { try LogTrustOptions.parse(["--vkey", witness.verifierKey.description]).policies() }
        #expect(throws: CommandFailure.self) { try LogTrustOptions.parse(["--vkey", log.verifierKey.description, "--origin", "other"]).policies() }
    }
}
