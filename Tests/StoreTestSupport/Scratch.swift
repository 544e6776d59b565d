import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The package root: this file is `<root>/Tests/StoreTestSupport/Scratch.swift`.
public let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // StoreTestSupport
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root

/// A 全国地方公共団体コード with a correct check digit (総務省の検査数字:
/// weights 6,5,4,3,2, 11 minus the sum mod 11, last digit), random enough
/// that the tests' authorities do not meet in one database.
public func randomAuthorityCode() -> String {
    let prefecture = Int.random(in: 1...47)
    let body = [prefecture / 10, prefecture % 10] + (0..<3).map { _ in Int.random(in: 0...9) }
    let sum = zip(body, [6, 5, 4, 3, 2]).map(*).reduce(0, +)
    return body.map(String.init).joined() + String((11 - sum % 11) % 10)
}

/// The process's scratch directory (`$TMPDIR/akashi-tests-<pid>-…`),
/// removed when the process exits normally. Not per test: a store may still
/// have its file open after the test let go of its directory.
public let scratchRoot: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: scratchRoot) }
    return url
}()

/// A fresh directory under ``scratchRoot``.
public final class Scratch: Sendable {
    public let url: URL

    public init() throws {
        url = scratchRoot.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Why the suite could not set itself up (shown as the failing test's error).
public struct SetupFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
