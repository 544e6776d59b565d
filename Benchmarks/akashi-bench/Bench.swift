import AkashiCrypto
import ArgumentParser
import Authority
import Foundation
import LogStore
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// Measurements of the log, reported as numbers (never asserted on time),
/// and the append load the crash test kills mid-flight.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "akashi-bench",
        abstract: "Benchmarks for the Akashi log and certificates.",
        subcommands: [
            Append.self, LogScale.self, IssueBench.self, VerifyBench.self, QRSizeBench.self, DisclosureSizeBench.self, SubjectLogBench.self, StatusScale.self,
        ])
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Appends `count` random document entries with `concurrency` callers at once.
/// Returns the seconds it took and the receipts' sizes.
func appendLoad(
    log: LogStore, count: Int, concurrency: Int, acks: Bool,
    entry makeEntry: @escaping @Sendable () -> LogEntry = { LogEntry.document(sha256: SecureRandom.bytes(32), name: nil) }
) async throws -> Double {
    let start = now()
    try await withThrowingTaskGroup(of: Void.self) { group in
        let perTask = (count + concurrency - 1) / concurrency
        for t in 0..<concurrency {
            let n = min(perTask, count - t * perTask)
            guard n > 0 else { continue }
            group.addTask {
                for _ in 0..<n {
                    let entry = makeEntry()
                    let receipt = try await log.append(entry)
                    if acks {
                        // One write per acknowledged entry, so a kill -9 leaves
                        // only whole lines: the crash test's list of promises.
                        let line = "\(receipt.index) \(entry.subjectDigest.hexString)\n"
                        _ = line.withCString { Glibc.write(1, $0, strlen($0)) }
                    }
                }
            }
        }
        try await group.waitForAll()
    }
    return now() - start
}

struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append random document entries to an authority's log; print appends per second.")

    @Option(help: "The authority's data directory.") var data: String
    @Option(help: "How many entries.") var count = 10_000
    @Option(help: "Concurrent appenders.") var concurrency = 64
    @Flag(help: "Print '<index> <sha256>' on stdout for every acknowledged entry.") var acks = false

    func run() async throws {
        let log = try await AuthorityDirectory(at: URL(fileURLWithPath: data)).openLog()
        let seconds = try await appendLoad(log: log, count: count, concurrency: concurrency, acks: acks)
        if !acks {
            print(String(format: "%d appends in %.2f s: %.0f appends/s (concurrency %d)", count, seconds, Double(count) / seconds, concurrency))
        }
    }
}

struct LogScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Grow a fresh log to each size; measure appends/s, proofs/s and bytes per entry.")

    @Option(help: "Comma-separated tree sizes.") var sizes = "1000,100000,1000000"
    @Option(help: "Concurrent appenders.") var concurrency = 256
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()

    func run() async throws {
        let dir = URL(fileURLWithPath: scratch).appendingPathComponent("akashi-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let authority = try await AuthorityDirectory.create(at: dir, origin: "bench.example/log", name: "ベンチ市", code: "402052")
        let log = try await authority.openLog()
        print("size\tappends/s\tinclusion proofs/s\tconsistency proofs/s\tbytes/entry (sqlite+wal)")
        for target in sizes.split(separator: ",").compactMap({ Int($0) }) {
            let have = Int(await log.size)
            guard target > have else { continue }
            let seconds = try await appendLoad(log: log, count: target - have, concurrency: concurrency, acks: false)
            let appendRate = Double(target - have) / seconds
            let size = UInt64(target)
            let proofCount = 20_000
            var start = now()
            for i in 0..<proofCount {
                _ = try await log.inclusionProof(index: UInt64.random(in: 0..<size), treeSize: size)
                _ = i
            }
            let proofRate = Double(proofCount) / (now() - start)
            start = now()
            for _ in 0..<2_000 {
                _ = try await log.consistencyProof(from: UInt64.random(in: 1...size), to: size)
            }
            let consistencyRate = 2_000 / (now() - start)
            let bytes = [authority.databaseURL.path, authority.databaseURL.path + "-wal"].compactMap {
                (try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int
            }.reduce(0, +)
            print(String(format: "%d\t%.0f\t%.0f\t%.0f\t%.1f", target, appendRate, proofRate, consistencyRate, Double(bytes) / Double(target)))
        }
    }
}
