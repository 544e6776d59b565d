import AkashiCrypto
import ArgumentParser
import Authority
import Certificates
import Foundation
import Issuance
import LogStore
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// Exit codes (sysexits.h), documented in `akashi --help`.
enum Exit {
    static let verificationFailed: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    /// The witnesses did not cosign enough, or the `--database` cannot be
    /// reached or refused the credentials (EX_UNAVAILABLE): try again later.
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let busy: Int32 = 75
    static let permission: Int32 = 77

    /// The exit code of a run where several things failed: the one that says
    /// most about what to do next. Witnesses down (69: try again later) before
    /// a busy log (75), an internal error (70), a key problem (77), missing
    /// input (66), and bad data (65, the row's own fault).
    static func mostSpecific(_ codes: [Int32]) -> Int32 {
        let order = [unavailable, busy, software, permission, noInput, cannotCreate, usage, verificationFailed, dataError]
        return order.first(where: codes.contains) ?? codes.first ?? dataError
    }
}

/// A failure the command already knows how to describe.
struct CommandFailure: Error {
    let exitCode: Int32
    let message: String
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("akashi: " + message + "\n").utf8))
}

/// What a command opened and must end when it is done: the PostgreSQL
/// pools of the authorities ``DataOptions/open()`` opened (their `run()`
/// tasks are cancelled when the outermost ``reportingErrors(_:)`` returns).
final class CommandResources: @unchecked Sendable {
    @TaskLocal static var current: CommandResources?
    private let lock = NSLock()
    private var directories: [AuthorityDirectory] = []

    func add(_ directory: AuthorityDirectory) {
        lock.withLock { directories.append(directory) }
    }

    func closeAll() {
        for directory in lock.withLock({ directories }) { directory.close() }
    }
}

/// Runs a command body, turning any error into one clear line on stderr and
/// the documented exit code. The authorities opened meanwhile are closed at
/// the end (the outermost call).
func reportingErrors(_ body: () async throws -> Void) async throws {
    guard CommandResources.current == nil else { return try await reportingErrorsInner(body) }
    let resources = CommandResources()
    defer { resources.closeAll() }
    try await CommandResources.$current.withValue(resources) {
        try await reportingErrorsInner(body)
    }
}

private func reportingErrorsInner(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let (code, message) = describe(error)
        printError(message)
        throw ExitCode(code)
    }
}

func describe(_ error: any Error) -> (Int32, String) {
    switch error {
    case let e as CommandFailure:
        return (e.exitCode, e.message)
    case let e as AuthorityError:
        switch e.code {
        case .notFound: return (Exit.noInput, e.reason)
        case .alreadyExists: return (Exit.cannotCreate, e.reason)
        case .invalidConfiguration: return (Exit.usage, e.reason)
        case .insecureKey: return (Exit.permission, e.reason)
        case .unavailable: return (Exit.unavailable, e.reason)
        default: return (Exit.software, e.reason)
        }
    case let e as WitnessPendingError:
        return (Exit.unavailable, e.description)
    case let e as LogStoreError:
        switch e.code {
        case .witnessPolicy: return (Exit.unavailable, e.reason)
        case .notFound: return (Exit.noInput, e.reason)
        case .locked: return (Exit.busy, e.reason)
        case .invalidRequest, .entryTooLarge: return (Exit.dataError, e.reason)
        case .corrupt: return (Exit.dataError, "the data directory is damaged: \(e.reason)")
        default: return (Exit.software, e.reason)
        }
    case let e as NoteError:
        return (Exit.dataError, e.reason)
    case let e as ProofError:
        return (Exit.verificationFailed, e.reason)
    case let e as CryptoError:
        return (Exit.dataError, e.reason)
    case let e as CertificateError:
        let detail = e.problems.isEmpty ? e.reason : e.problems.map { "\($0.field): \($0.ja) / \($0.en)" }.joined(separator: "; ")
        return (Exit.dataError, detail)
    default:
        return (Exit.software, "\(error)")
    }
}

/// Reads a whole input file, or fails with exit 66 and what to do.
func readInput(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
        throw CommandFailure(exitCode: Exit.noInput, message: "\(path) \(reason)")
    }
    return data
}

/// SHA-256 of a file, streamed so large documents don't load into memory.
func sha256(ofFile path: String) throws -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
        throw CommandFailure(exitCode: Exit.noInput, message: "\(path) \(reason)")
    }
    defer { try? handle.close() }
    var hasher = SHA256.Hasher()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        hasher.update(chunk)
    }
    return hasher.finalize()
}

/// Prints a JSON value with stable key order.
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}
