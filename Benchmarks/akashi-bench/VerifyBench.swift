import AkashiCrypto
import ArgumentParser
import COSE
import Certificates
import Foundation
import Issuance
import QRCode
import QRPayload
import QRScan
import TransparencyLog

/// How fast verification is beside the signatures it cannot avoid.
///
/// The verifier's floor is its signature checks: one ES256 verification per
/// certificate, and per distinct checkpoint one Ed25519 verification of the
/// log's signature and one per witness cosignature. Everything else — CBOR,
/// the claims, the Merkle path, the status list — should cost little beside
/// them, so the bench reports verifications per second as a fraction of what
/// those signature checks alone allow on the same inputs, timed in the same
/// run, next to `openssl speed` for the machine's limit.
struct VerifyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verifications per second on one core beside the signature checks alone, and QR image decodes per second.",
        discussion: """
            Two input sets, as issue 14 asks: (a) --count certificates issued over about --checkpoints checkpoints \
            (rounds of concurrent issues; the number of distinct checkpoints is printed), and (b) --count \
            certificates each with its own checkpoint, cosigned by 2 of 3 witnesses under a 2-of-3 policy. Each set \
            is verified (with a status list, so the verdict is valid) in one loop on one task with one \
            CertificateVerifier, as akashi-verify does; then the same inputs' signature checks alone are timed \
            (ES256 per certificate; Ed25519 log signature and cosignatures per distinct checkpoint); then, with \
            --verifier, the akashi-verify executable is run over the same QR texts on stdin. openssl speed \
            ecdsap256 ed25519 runs in the same process's run for the machine's limit. Every verdict is checked, so \
            a fast wrong answer fails the run. Then --images QR PNGs are decoded with QRScanner.
            """)

    @OptionGroup var certsOptions: CertsOptions
    @Option(help: "Certificates per input set.") var count = 10_000
    @Option(help: "Checkpoints to spread set (a) over.") var checkpoints = 100
    @Option(help: "QR images to decode (0: skip).") var images = 200
    @Option(help: "The kind to issue, from certs/examples/<kind>.json.") var kind = "residence"
    @Option(name: .customLong("verifier"), help: "The akashi-verify executable to time over the same inputs (empty: skip).") var executable =
        ".build/release/akashi-verify"
    @Option(help: "Seconds per algorithm for openssl speed (0: skip).") var opensslSeconds = 3
    @Option(help: "Rounds of (verifier, signatures alone, process) per set; medians are printed.") var rounds = 1
    @Option(help: "The sets to measure: a, b or ab.") var sets = "ab"
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()
    @Option(
        help: ArgumentHelp(
            "Keep the inputs in DIR: made and saved there when DIR has none, else read from it (the same certificates for a before and an after; --count, --checkpoints and --kind then come from the files).",
            valueName: "DIR"))
    var inputs: String?

    func validate() throws {
        guard count > 0, checkpoints > 0, checkpoints <= count, images >= 0, rounds > 0, ["a", "b", "ab"].contains(sets) else {
            throw ValidationError("--count, --checkpoints and --rounds must be positive, --checkpoints ≤ --count, --images ≥ 0, --sets a, b or ab")
        }
    }

    /// The two sets, their trust files and the status list, as the verifier receives them.
    struct Inputs {
        var batched: [String]
        var cosigned: [String]
        var plain: TrustFile
        var witnessed: TrustFile
        var statusBytes: [UInt8]

        static let names = (batched: "a.txt", cosigned: "b.txt", plain: "trust-a.json", witnessed: "trust-b.json", status: "status.cose")

        init(batched: [String], cosigned: [String], plain: TrustFile, witnessed: TrustFile, statusBytes: [UInt8]) {
            self.batched = batched
            self.cosigned = cosigned
            self.plain = plain
            self.witnessed = witnessed
            self.statusBytes = statusBytes
        }

        init?(directory: String) throws {
            let dir = URL(fileURLWithPath: directory)
            func read(_ name: String) -> Data? { FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) }
            guard let a = read(Self.names.batched), let b = read(Self.names.cosigned), let ta = read(Self.names.plain),
                let tb = read(Self.names.witnessed), let status = read(Self.names.status)
            else { return nil }
            func lines(_ data: Data) -> [String] { String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init) }
            self.init(batched: lines(a), cosigned: lines(b), plain: try TrustFile.decode(ta), witnessed: try TrustFile.decode(tb), statusBytes: [UInt8](status))
        }

        func save(directory: String) throws {
            let dir = URL(fileURLWithPath: directory)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data((batched.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent(Self.names.batched))
            try Data((cosigned.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent(Self.names.cosigned))
            try Data(plain.encoded()).write(to: dir.appendingPathComponent(Self.names.plain))
            try Data(witnessed.encoded()).write(to: dir.appendingPathComponent(Self.names.witnessed))
            try Data(statusBytes).write(to: dir.appendingPathComponent(Self.names.status))
        }
    }

    func run() async throws {
        let sets: Inputs
        if let inputs, let saved = try Inputs(directory: inputs) {
            print("inputs read from \(inputs)")
            sets = saved
        } else {
            sets = try await makeInputs()
            if let inputs {
                try sets.save(directory: inputs)
                print("inputs saved in \(inputs)")
            }
        }
        try measure(sets)
    }

    func makeInputs() async throws -> Inputs {
        let registry = try certsOptions.registry()
        let inputs = try certsOptions.examples(kind: kind, csv: false)
        let authority = try await ScratchAuthority(scratch: scratch, registry: registry)
        defer { authority.remove() }

        // (a) rounds of concurrent issues: a round shares one or a few group commits.
        var batched: [String] = []
        let perRound = (count + checkpoints - 1) / checkpoints
        while batched.count < count {
            let n = min(perRound, count - batched.count)
            batched += try await issueLoad(issuer: authority.issuer, kind: kind, inputs: inputs, count: n, concurrency: n, withQR: false).texts
        }
        // (b) one at a time: each certificate waits for its own checkpoint.
        let lone = try await issueLoad(issuer: authority.issuer, kind: kind, inputs: inputs, count: count, concurrency: 1, withQR: false).texts
        let witnesses = try (1...3).map { i in
            try CosignatureV1Signer(name: "w\(i).witness.example", privateKey: Ed25519.PrivateKey(seed: SHA256.hash(Array("akashi-bench witness \(i)".utf8))))
        }
        let cosignedAt = UInt64(Date().timeIntervalSince1970)
        let logKey = try authority.directory.logVerifierKey()
        let cosigned = try lone.map { text -> String in
            let qr = try CertificateQR(text: text)
            let envelope = try COSESign1(decoding: qr.envelope)
            let claims = try CertificateClaims(decoding: envelope.payload)
            let leaf = Merkle.leafHash(try LogEntry.certificate(envelope: qr.envelope, claims: claims).bytes)
            let proof = try CompactProof(decoding: qr.proof).tlogProof(leafHash: leaf, logKey: logKey)
            let lines = [witnesses[0], witnesses[2]].map { $0.cosign(checkpointText: proof.checkpoint.note.text, timestamp: cosignedAt) }
            let witnessed = TlogProof(index: proof.index, inclusionProof: proof.inclusionProof, checkpoint: proof.checkpoint.adding(lines))
            return CertificateQR(envelope: qr.envelope, disclosures: qr.disclosures, proof: try CompactProof.encode(witnessed)).text(
                verifierURL: demoVerifierURL)
        }

        let lifecycle = try CertificateLifecycle(
            issuer: authority.issuer, archive: CertificateArchive(log: authority.issuer.log, registry: registry, verifierURL: demoVerifierURL))
        // The status list's checkpoint cosigned by the same two witnesses, so
        // it verifies under set (b)'s 2-of-3 policy too.
        var statusList = try await lifecycle.statusList()
        let listCheckpoint = try SignedCheckpoint(parsing: statusList.checkpoint)
        statusList.checkpoint =
            listCheckpoint.adding(
                [witnesses[0], witnesses[2]].map {
                    $0.cosign(checkpointText: listCheckpoint.note.text, timestamp: cosignedAt)
                }
            ).note.serialized
        let statusBytes = try statusList.signed(with: authority.directory.issuerKey().key)
        var plain = try TrustFile.export(directory: authority.directory, registry: registry)
        var witnessed = plain
        witnessed.authorities[0].log.policy = try LogTrust.policy(logKey: logKey, witnesses: witnesses.map(\.verifierKey), quorum: 2)
        // Through the encoded files, as the verifier receives them.
        plain = try TrustFile.decode(plain.encoded())
        witnessed = try TrustFile.decode(witnessed.encoded())
        return Inputs(batched: batched, cosigned: cosigned, plain: plain, witnessed: witnessed, statusBytes: statusBytes)
    }

    func measure(_ sets: Inputs) throws {
        let statusBytes = sets.statusBytes
        let hardware = opensslSeconds > 0 ? try OpenSSLSpeed.measure(seconds: opensslSeconds) : nil
        let chosen = [("a", "(a) batched", sets.batched, sets.plain), ("b", "(b) own checkpoint, 2 cosignatures", sets.cosigned, sets.witnessed)]
            .filter { self.sets.contains($0.0) }.map { ($0.1, $0.2, $0.3) }
        for (label, texts, trust) in chosen {
            let status = try VerifiedStatusList(signed: statusBytes, trust: trust)
            let date = Date()
            let floor = try SignatureFloor(texts: texts, trust: trust)
            // Each round times the verifier, the floor and the process one
            // after the other, so a neighbour's load falls on all three; the
            // medians over rounds are printed (each ratio is the median of
            // the rounds' ratios). Each by the wall clock and by the CPU time
            // of the thread (of the child process), which a shared machine
            // disturbs far less.
            var rates: [Rates] = [], floors: [Rates] = [], publicKeyFloors: [Rates] = [], processes: [Rates] = []
            for _ in 0..<rounds {
                // A fresh verifier per round, as a new akashi-verify run has:
                // no checkpoint outcome remembered from the round before.
                let verifier = CertificateVerifier(trust: trust, status: status)
                var wrong = 0
                let time = Stopwatch()
                for text in texts where verifier.verify(text: text, at: date).verdict != .valid { wrong += 1 }
                rates.append(time.rates(texts.count))
                guard wrong == 0 else {
                    let first = texts.first { verifier.verify(text: $0, at: date).verdict != .valid }.map {
                        verifier.verify(text: $0, at: date).reasons.map(\.code)
                    }
                    throw BenchFailure("\(label): \(wrong) of \(texts.count) verifications were not valid (first: \(first ?? []))")
                }
                let (signatures, x25519) = try floor.times()
                floors.append(Rates(wall: Double(texts.count) / signatures.wall, cpu: Double(texts.count) / signatures.cpu))
                publicKeyFloors.append(
                    Rates(wall: Double(texts.count) / (signatures.wall + x25519.wall), cpu: Double(texts.count) / (signatures.cpu + x25519.cpu)))
                if !executable.isEmpty { processes.append(try timeVerifier(texts: texts, trust: trust, status: statusBytes)) }
            }
            print(
                "\(label): \(texts.count) certificates, \(floor.checkpoints) distinct checkpoints, \(floor.ed25519Checks) Ed25519 checks, \(floor.x25519Operations) X25519 operations"
            )
            print(
                "  clock\tverify/s (1 task)\tsignatures alone/s\tratio\tsignatures + X25519/s\tratio\takashi-verify --json/s (process)\tratio to signatures\tratio to signatures + X25519"
            )
            for (clock, pick) in [("wall", { (r: Rates) in r.wall }), ("CPU", { (r: Rates) in r.cpu })] {
                let v = rates.map(pick), f = floors.map(pick), k = publicKeyFloors.map(pick), p = processes.map(pick)
                func ratio(_ a: [Double], _ b: [Double]) -> Double { median(zip(a, b).map { 100 * $0 / $1 }) }
                var process = "-\t-\t-"
                if !p.isEmpty { process = String(format: "%.0f\t%.0f %%\t%.0f %%", median(p), ratio(p, f), ratio(p, k)) }
                print(String(format: "  %@\t%.0f\t%.0f\t%.0f %%\t%.0f\t%.0f %%\t%@", clock, median(v), median(f), ratio(v, f), median(k), ratio(v, k), process))
                if rounds > 1 {
                    func list(_ values: [Double]) -> String { values.map { String(format: "%.0f", $0) }.joined(separator: " ") }
                    print("    rounds: verify/s \(list(v)); signatures/s \(list(f)); + X25519/s \(list(k))" + (p.isEmpty ? "" : "; process/s \(list(p))"))
                }
            }
            if let hardware {
                // The same operations at openssl speed's rates: the machine's limit for this set.
                let perCertificate = 1 / hardware.ecdsaVerify + Double(floor.ed25519Checks) / Double(texts.count) / hardware.ed25519Verify
                let x25519PerCertificate = Double(floor.x25519Operations) / Double(texts.count) / hardware.x25519Derive
                let limit = 1 / perCertificate, publicKeyLimit = 1 / (perCertificate + x25519PerCertificate)
                let v = median(rates.map(\.cpu)), p = median(processes.map(\.cpu))
                print(
                    String(
                        format: "  at openssl speed's rates: signatures %.0f/s, signatures + X25519 %.0f/s; verify per CPU s %.0f %% / %.0f %% of them", limit,
                        publicKeyLimit, 100 * v / limit, 100 * v / publicKeyLimit)
                        + (processes.isEmpty ? "" : String(format: ", the process %.0f %% / %.0f %%", 100 * p / limit, 100 * p / publicKeyLimit)))
            }
        }
        if let hardware {
            print(
                String(
                    format: "openssl speed (%d s each, 1 core): ecdsap256 verify %.0f/s, ed25519 verify %.0f/s, ecdhx25519 %.0f/s", opensslSeconds,
                    hardware.ecdsaVerify, hardware.ed25519Verify, hardware.x25519Derive))
        }
        if images > 0 { try decodeImages(sets.batched) }
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// akashi-verify over the texts on stdin, as a script would run it:
    /// verifications per second including the process's start and its output.
    func timeVerifier(texts: [String], trust: TrustFile, status: [UInt8]) throws -> Rates {
        let dir = URL(fileURLWithPath: scratch).appendingPathComponent("akashi-bench-verify-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trustFile = dir.appendingPathComponent("trust.json"), statusFile = dir.appendingPathComponent("status.cose")
        try Data(trust.encoded()).write(to: trustFile)
        try Data(status).write(to: statusFile)
        let inputFile = dir.appendingPathComponent("inputs.txt")
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: inputFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--trust", trustFile.path, "--status", statusFile.path, "--json", "-"]
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        let output = dir.appendingPathComponent("out.jsonl")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        let start = now(), childStart = childCPUTime()
        try process.run()
        process.waitUntilExit()
        let seconds = now() - start, cpu = childCPUTime() - childStart
        guard process.terminationStatus == 0 else {
            throw BenchFailure("\(executable) exited \(process.terminationStatus) (0 = every input valid)")
        }
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        guard lines.count == texts.count, lines.allSatisfy({ $0.contains("\"verdict\":\"valid\"") }) else {
            throw BenchFailure("\(executable) printed \(lines.count) lines for \(texts.count) inputs, not all valid")
        }
        return Rates(wall: Double(texts.count) / seconds, cpu: Double(texts.count) / cpu)
    }

    func decodeImages(_ texts: [String]) throws {
        let sample = Array(texts.prefix(min(images, 50)))
        let pngs = try sample.map { try renderQR($0).png }
        let start = now(), cpuStart = cpuTime()
        for i in 0..<images {
            guard try QRScanner.decode(imageData: pngs[i % pngs.count]) == [sample[i % sample.count]] else {
                throw BenchFailure("image \(i % pngs.count) decoded to a different text")
            }
        }
        let seconds = now() - start, cpu = cpuTime() - cpuStart
        let symbol = try QRCode.encode(sample[0], level: .medium)
        let side = (symbol.width + 8) * 4
        print(
            String(
                format: "decode QR PNG (version %d, %d×%d px): %d in %.2f s, %.0f/s, %.0f per CPU s", symbol.version, side, side,
                images, seconds, Double(images) / seconds, Double(images) / cpu))
    }
}

/// The signature checks a set of certificates needs, and nothing else:
/// ES256 over each envelope, and Ed25519 over each distinct checkpoint (the
/// log's signature and every cosignature), all parsed before the clock starts.
/// Beside them, the other public-key operations the verifier cannot avoid:
/// per subject key the two X25519 scalar multiplications of the subject
/// check (R = X25519(r, 9) and X25519(r, key), subject-transparency.md §3).
struct SignatureFloor {
    let envelopes: [(COSESign1, P256.PublicKey)]
    let notes: [(message: [UInt8], checks: [(key: Ed25519.PublicKey, signed: [UInt8], signature: [UInt8])])]
    /// Each subject key's r (derived from the cti) and the key.
    let subjects: [(r: [UInt8], key: [UInt8])]
    var checkpoints: Int { notes.count }
    var ed25519Checks: Int { notes.reduce(0) { $0 + $1.checks.count } }
    var x25519Operations: Int { 2 * subjects.count }

    init(texts: [String], trust: TrustFile) throws {
        let authority = trust.authorities[0]
        let logKey = try authority.log.verifierKey()
        let witnessKeys = try authority.log.tlogPolicy().witnesses.map(\.key)
        var envelopes: [(COSESign1, P256.PublicKey)] = []
        var seen: Set<[UInt8]> = []
        var notes: [(message: [UInt8], checks: [(key: Ed25519.PublicKey, signed: [UInt8], signature: [UInt8])])] = []
        var subjects: [(r: [UInt8], key: [UInt8])] = []
        var publicKeys: [[UInt8]: P256.PublicKey] = [:]  // one key object per kid, as the verifier has
        for text in texts {
            let qr = try CertificateQR(text: text)
            let envelope = try COSESign1(decoding: qr.envelope)
            guard let key = authority.keys.first(where: { $0.kidBytes == envelope.kid }) else { throw BenchFailure("no key for an envelope") }
            if publicKeys[envelope.kid] == nil { publicKeys[envelope.kid] = try key.publicKey() }
            envelopes.append((envelope, publicKeys[envelope.kid]!))
            let claims = try CertificateClaims(decoding: envelope.payload)
            for (i, subjectKey) in claims.subjectKeys.enumerated() {
                subjects.append((SHA256.hash([0x65] + claims.cti + [UInt8(i)]), subjectKey))
            }
            let leaf = Merkle.leafHash(try LogEntry.certificate(envelope: qr.envelope, claims: claims).bytes)
            let note = try CompactProof(decoding: qr.proof).tlogProof(leafHash: leaf, logKey: logKey, knownKeys: witnessKeys).checkpoint.note
            let message = Array(note.text.utf8)
            guard seen.insert(message).inserted else { continue }
            var checks: [(key: Ed25519.PublicKey, signed: [UInt8], signature: [UInt8])] = []
            for signature in note.signatures {
                if signature.keyID == logKey.keyID {
                    checks.append((logKey.publicKey, message, signature.bytes))
                } else if let witness = witnessKeys.first(where: { $0.keyID == signature.keyID }), signature.bytes.count == 72 {
                    let timestamp = signature.bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    checks.append(
                        (witness.publicKey, CosignatureV1.signedMessage(checkpointText: note.text, timestamp: timestamp), Array(signature.bytes[8...])))
                }
            }
            notes.append((message, checks))
        }
        self.envelopes = envelopes
        self.notes = notes
        self.subjects = subjects
    }

    /// The time the signature checks alone take, and the subject check's
    /// X25519 operations.
    func times() throws -> (signatures: Stopwatch.Times, x25519: Stopwatch.Times) {
        let time = Stopwatch()
        for (envelope, key) in envelopes where !envelope.isValidSignature(publicKey: key) { throw BenchFailure("an envelope signature failed") }
        for note in notes {
            for check in note.checks where !check.key.isValidSignature(check.signature, for: check.signed) {
                throw BenchFailure("a checkpoint signature failed")
            }
        }
        let signatures = time.elapsed()
        let x25519Time = Stopwatch()
        for subject in subjects {
            let r = try X25519.Secret(subject.r)
            guard try r.publicKey().count == 32, try r.sharedSecret(with: subject.key).count == 32 else { throw BenchFailure("X25519 failed") }
        }
        return (signatures, x25519Time.elapsed())
    }
}

/// Operations per second by the wall clock and per CPU second.
struct Rates {
    let wall: Double
    let cpu: Double
}

/// The wall clock and this thread's CPU time since it was made.
struct Stopwatch {
    struct Times {
        let wall: Double
        let cpu: Double
    }
    let wall = now(), cpu = threadCPUTime()

    func elapsed() -> Times { Times(wall: now() - wall, cpu: threadCPUTime() - cpu) }
    func rates(_ count: Int) -> Rates {
        let t = elapsed()
        return Rates(wall: Double(count) / t.wall, cpu: Double(count) / t.cpu)
    }
}

/// CPU seconds the calling thread has used.
func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU seconds (user and system) of the children waited for so far.
func childCPUTime() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// `openssl speed` on one core: the machine's limit for the three algorithms.
enum OpenSSLSpeed {
    static func measure(seconds: Int) throws -> (ecdsaVerify: Double, ed25519Verify: Double, x25519Derive: Double) {
        let data = try runWithDefaultSignals(["openssl", "speed", "-mr", "-seconds", String(seconds), "ecdsap256", "ed25519", "ecdhx25519"])
        // Machine-readable lines: "+F4:<n>:<bits>:<sign/s>:<verify/s>" (ECDSA), "+F6:…" (EdDSA),
        // "+F5:<n>:<bits>:<ops/s>:<s/op>" (ECDH); newer versions give sign and verify times in
        // seconds instead of rates.
        var ecdsa = 0.0, ed = 0.0, x = 0.0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ":")
            guard f.count >= 5, let a = Double(f[f.count - 2]), let b = Double(f[f.count - 1]) else { continue }
            let verify = b < 1 ? 1 / b : b
            if f[0] == "+F4" { ecdsa = verify } else if f[0] == "+F6" && line.contains("25519") { ed = verify } else if f[0] == "+F5" { x = a < 1 ? 1 / a : a }
        }
        guard ecdsa > 0, ed > 0, x > 0 else { throw BenchFailure("could not read openssl speed's output") }
        return (ecdsa, ed, x)
    }
}

/// Runs a program found on PATH and returns its standard output. Spawned with
/// an empty signal mask: `Process` hands the child the parent's mask, in which
/// the Swift runtime's threads block SIGALRM — and `openssl speed -seconds`
/// times itself with alarm(2), so under `Process` it never stops.
func runWithDefaultSignals(_ arguments: [String]) throws -> Data {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw BenchFailure("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGALRM)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let status = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
    close(fds[1])
    guard status == 0 else {
        close(fds[0])
        throw BenchFailure("could not start \(arguments[0]): \(String(cString: strerror(status)))")
    }
    let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
    var exit: Int32 = 0
    _ = waitpid(pid, &exit, 0)
    return data
}
