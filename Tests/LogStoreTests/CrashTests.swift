import AkashiCrypto
import Foundation
import LogStore
import Testing
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a child process to completion, capturing stdout and stderr in files.
func runToCompletion(_ executable: URL, _ arguments: [String], scratch: TemporaryDirectory) async throws -> (status: Int32, stdout: String, stderr: String) {
    let name = UUID().uuidString
    let outURL = scratch.url.appendingPathComponent("\(name).out")
    let errURL = scratch.url.appendingPathComponent("\(name).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
    process.waitUntilExit()
    return (
        process.terminationStatus,
        try String(contentsOf: outURL, encoding: .utf8),
        try String(contentsOf: errURL, encoding: .utf8)
    )
}

/// One round of the crash test: the append load, killed with SIGKILL once it
/// acknowledged `ackTarget` entries or `delay` passed, whichever came first.
struct KilledRun {
    /// Every complete line the child wrote before it died.
    var lines: [String]
    /// Bytes after the last newline (a torn line; must be empty).
    var partial: String
    var killedBySignal: Bool
    var stderr: String
    var elapsed: Duration
}

///
/// With `fromFirstAck`, the delay runs from the first acknowledgement rather
/// than from the launch (a debug build can take longer than the delay to start),
/// so the kill lands in the middle of the load, not always during start-up.
func runAndKill(_ bench: URL, data: URL, ackTarget: Int, delay: Duration, fromFirstAck: Bool, scratch: TemporaryDirectory) async throws -> KilledRun {
    let errURL = scratch.url.appendingPathComponent("bench-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let pipe = Pipe()
    let process = Process()
    process.executableURL = bench
    process.arguments = ["append", "--data", data.path, "--count", "1000000", "--concurrency", "64", "--acks"]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = pipe
    process.standardError = try FileHandle(forWritingTo: errURL)
    let clock = ContinuousClock()
    let start = clock.now
    try process.run()
    let fd = pipe.fileHandleForReading.fileDescriptor
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

    var buffer: [UInt8] = []
    var newlines = 0
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    /// Reads what is in the pipe now; false at end of file.
    func readAvailable() -> Bool {
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer += chunk[0..<n]
                newlines += chunk[0..<n].lazy.filter { $0 == 0x0a }.count
                continue
            }
            return n != 0  // 0: EOF; -1 (EAGAIN): nothing more for now
        }
    }
    var open = true
    if fromFirstAck {
        // Start-up: wait (at most 20 s) for the first acknowledgement.
        let startupDeadline = start + .seconds(20)
        while open, newlines == 0, clock.now < startupDeadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&pfd, 1, 5)
            open = readAvailable()
        }
    }
    let deadline = (fromFirstAck ? clock.now : start) + delay
    while open, newlines < ackTarget, clock.now < deadline {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let remaining = deadline - clock.now
        let ms = max(1, Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
        _ = poll(&pfd, 1, min(ms, 5))
        open = readAvailable()
    }
    // The arbitrary instant: SIGKILL, no chance to clean up.
    kill(process.processIdentifier, SIGKILL)
    while process.isRunning { try await Task.sleep(for: .milliseconds(1)) }
    process.waitUntilExit()
    let elapsed = clock.now - start
    // Everything the child wrote before it died is still in the pipe.
    _ = readAvailable()
    try? pipe.fileHandleForReading.close()

    let text = String(decoding: buffer, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let partial = lines.removeLast()
    return KilledRun(
        lines: lines, partial: partial,
        killedBySignal: process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
        stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "", elapsed: elapsed)
}

@Suite("Crash safety (kill -9 mid-append)", .serialized)
struct CrashTests {
    /// The real load generator is killed with SIGKILL at arbitrary instants,
    /// ten times over one log. After each kill the log must hold every entry
    /// it acknowledged, exactly once and where it said, and be a consistent,
    /// correctly signed tree with nothing half-written.
    @Test func killNineNeverLosesAnAcknowledgedEntry() async throws {
        let akashi = try builtExecutable("akashi")
        let bench = try builtExecutable("akashi-bench")
        let scratch = try TemporaryDirectory("crash")
        let data = scratch.url.appendingPathComponent("authority")
        let database = data.appendingPathComponent("akashi.sqlite").path

        let created = try await runToCompletion(
            akashi, ["init", "--data", data.path, "--origin", "crash.example/akashi/log", "--name", "試験市", "--code", "402052"],
            scratch: scratch)
        try #require(created.status == 0, "akashi init failed: \(created.stderr)")
        let vkeyLine = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("log verifier key: ") })
        let vkey = try VerifierKey(parsing: String(vkeyLine.dropFirst("log verifier key: ".count)))
        let signer = try Ed25519NoteSigner(
            parsingPrivateKey: String(contentsOf: data.appendingPathComponent("keys/log.key"), encoding: .utf8))
        #expect(signer.verifierKey == vkey)
        let policy = try TlogPolicy(logKey: vkey)

        var acknowledged: [UInt64: [UInt8]] = [:]  // index → digest, over all rounds
        var entries: [[UInt8]] = []  // the log as last seen
        var reference = InMemoryMerkleTree()
        var seen: [UInt64: SignedCheckpoint] = [:]  // every checkpoint ever seen, by size
        var previousLatest: UInt64 = 0
        var report: [String] = []
        let rounds = 10

        for round in 1...rounds {
            let ackTarget = Int.random(in: 1...3000)
            let delay = Duration.milliseconds(Int.random(in: 20...300))
            // Most rounds kill mid-load; two kill counting from the launch,
            // which may land during start-up.
            let fromFirstAck = round % 5 != 1
            let run = try await runAndKill(
                bench, data: data, ackTarget: ackTarget, delay: delay, fromFirstAck: fromFirstAck, scratch: scratch)
            try #require(run.killedBySignal, "round \(round): akashi-bench ended on its own, not by our SIGKILL: \(run.stderr)")
            #expect(run.partial.isEmpty, "round \(round): a torn acknowledgement line '\(run.partial)'")

            var roundAcks: [(UInt64, [UInt8])] = []
            for line in run.lines {
                let parts = line.split(separator: " ")
                let index = try #require(parts.count == 2 ? UInt64(parts[0]) : nil, "round \(round): bad ack line '\(line)'")
                let digest = try #require([UInt8](hexString: parts[1]), "round \(round): bad ack digest '\(line)'")
                #expect(digest.count == 32)
                #expect(acknowledged[index] == nil, "round \(round): index \(index) acknowledged twice")
                #expect(index >= previousLatest, "round \(round): index \(index) was already taken before this run")
                acknowledged[index] = digest
                roundAcks.append((index, digest))
            }

            // Open as a reader: the store re-checks the stored tree against
            // the latest checkpoint (and the entry count against its size).
            let log = try await LogStore.openReadOnly(path: database, authority: testAuthority)
            let latest = await log.checkpoint
            let size = latest.checkpoint.size
            _ = try policy.verify(latest)
            #expect(await log.size == size)
            #expect(size >= previousLatest, "round \(round): the log shrank from \(previousLatest) to \(size)")

            // Every entry is whole, the old ones are untouched, and the leaves
            // hash to the signed root.
            let stored = try await log.entries(0..<size)
            #expect(stored.count == Int(size), "round \(round): \(stored.count) entries for a checkpoint of \(size)")
            #expect(try await log.entries(size..<(size + 1_000_000)).isEmpty, "round \(round): entries beyond the checkpoint")
            #expect(Array(stored.prefix(entries.count)) == entries, "round \(round): earlier entries changed")
            for entry in stored.dropFirst(entries.count) {
                #expect((try? LogEntry(parsing: entry)) != nil, "round \(round): an entry does not parse: \(entry.count) bytes")
                reference.append(leafHash: Merkle.leafHash(entry))
            }
            entries = stored
            #expect(reference.rootHash() == latest.checkpoint.rootHash, "round \(round): the entries do not hash to the signed root")

            // Every acknowledgement of this round is in the log, where it said, once.
            for (index, digest) in roundAcks {
                guard index < size else {
                    Issue.record("round \(round): acknowledged entry \(index) is missing (log size \(size))")
                    continue
                }
                let entry = try LogEntry(parsing: stored[Int(index)])
                #expect(entry.subjectDigest == digest, "round \(round): entry \(index) is not the acknowledged one")
                #expect(try await log.indices(subject: digest) == [index], "round \(round): digest of \(index) not stored exactly once")
            }

            // Checkpoints: signed, increasing, each on the same tree, none lost
            // or changed, and each consistent with the latest. Checkpoints seen
            // in an earlier round were proven consistent with that round's
            // latest; proving that one consistent with this latest covers them.
            let checkpoints = try await log.checkpoints()
            #expect(checkpoints.last == latest)
            #expect(zip(checkpoints, checkpoints.dropFirst()).allSatisfy { $0.checkpoint.size < $1.checkpoint.size })
            let sizes = Set(checkpoints.map(\.checkpoint.size))
            #expect(seen.keys.allSatisfy(sizes.contains), "round \(round): a checkpoint seen earlier is gone")
            var proven = 0
            for signed in checkpoints {
                let s = signed.checkpoint.size
                #expect(signed.checkpoint.rootHash == reference.rootHash(size: s), "round \(round): checkpoint \(s) is not on this tree")
                if let earlier = seen[s] {
                    // Same size, same note: same root and signature as before.
                    #expect(earlier == signed, "round \(round): checkpoint \(s) changed")
                    guard s == previousLatest, s > 0 else { continue }
                } else {
                    _ = try policy.verify(signed)
                    seen[s] = signed
                    guard s > 0 else { continue }
                }
                let proof = try await log.consistencyProof(from: s, to: size)
                try Merkle.verifyConsistency(
                    size1: s, size2: size, proof: proof, root1: signed.checkpoint.rootHash, root2: latest.checkpoint.rootHash)
                proven += 1
            }
            report.append(
                "r\(round): \(ackTarget) acks or \(delay)\(fromFirstAck ? " after the first ack" : " after launch") → killed at \(run.elapsed), \(roundAcks.count) acks, size \(size), \(checkpoints.count) checkpoints (\(proven) consistency proofs)"
            )
            previousLatest = size
        }

        // Finally: every acknowledgement of every round is still there, and
        // the kernel released the writer's lock with the killed process.
        let log = try await LogStore.openReadOnly(path: database, authority: testAuthority)
        for (index, digest) in acknowledged {
            #expect(try await log.indices(subject: digest) == [index])
        }
        let writer = try await LogStore.open(path: database, authority: testAuthority, signer: signer)
        let last = randomEntry()
        let receipt = try await writer.append(last)
        #expect(receipt.index == previousLatest)
        try verifyReceipt(receipt, entry: last.bytes, policy: policy)
        try Merkle.verifyConsistency(
            size1: previousLatest, size2: previousLatest + 1, proof: try await writer.consistencyProof(from: previousLatest),
            root1: try #require(seen[previousLatest]).checkpoint.rootHash, root2: receipt.checkpoint.checkpoint.rootHash)

        print(
            "crash test: \(rounds) rounds, \(acknowledged.count) acknowledged entries checked, final size \(previousLatest), \(seen.count) checkpoints\n  "
                + report.joined(separator: "\n  "))
        #expect(acknowledged.count > 0, "no round acknowledged anything: the load never got going")
    }
}
