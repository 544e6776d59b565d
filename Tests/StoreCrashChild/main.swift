// The child process of Tests/StoreTests' crash tests (CrashTests.swift).
//
//     store-crash-child sqlite PATH AUTHORITY
//     store-crash-child postgres URL AUTHORITY
//
// Opens the authority's store (whose log the test initialized), takes its
// sequencer, prints `ready <size> <fingerprint>`, then commits batches of 1 to
// 8 entries of ``CrashSchedule`` until it is killed, printing
// `ack <start> <end>` after each commit returned (each line one write(2)).
// Errors go to stderr with exit status 1.
import Foundation
import Store

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func run(_ arguments: [String]) async throws {
    guard arguments.count == 4, ["sqlite", "postgres"].contains(arguments[1]) else {
        throw StoreError(.invalidRequest, "usage: store-crash-child sqlite PATH AUTHORITY | postgres URL AUTHORITY")
    }
    let (location, authority) = (arguments[2], arguments[3])
    let store: any AuthorityStore
    if arguments[1] == "sqlite" {
        store = try SQLiteStore.open(path: location, authority: authority)
    } else {
        let database = try PostgresDatabase(url: location)
        Task { await database.run() }
        store = database.store(authority: authority)
    }
    // The test frees the lock before it starts a child; a killed holder's may linger a moment.
    let deadline = ContinuousClock.now + .seconds(10)
    var lease: (any SequencerLease)?
    while lease == nil {
        do {
            lease = try await store.acquireSequencer()
        } catch let error as StoreError where error.code == .locked && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    guard let state = try await store.logState() else { throw StoreError(.notFound, "the log is not initialized") }
    var size = state.entryCount
    say("ready \(size) \(CrashSchedule.fingerprint)")
    while size < 1_000_000 {
        let count = UInt64.random(in: 1...8)
        try await store.commit(CrashSchedule.batch(from: size, count: count))
        say("ack \(size) \(size + count)")
        size += count
    }
    _ = lease
    try await Task.sleep(for: .seconds(3600))
}

do {
    try await run(CommandLine.arguments)
} catch {
    FileHandle.standardError.write(Data("store-crash-child: \(error)\n".utf8))
    exit(1)
}
