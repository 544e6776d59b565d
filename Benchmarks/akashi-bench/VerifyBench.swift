import AkashiCrypto
import ArgumentParser
import Certificates
import COSE
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
    @Option(name: .customLong("verifier"), help: "The akashi-verify executable to time over the same inputs (empty: skip).") var executable = ".build/release/akashi-verify"
    @Option(help: "Seconds per algorithm for openssl speed (0: skip).") var opensslSeconds = 3
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()

    func validate() throws {
        guard count > 0, checkpoints > 0, checkpoints <= count, images >= 0 else {
            throw ValidationError("--count and --checkpoints must be positive, --checkpoints ≤ --count, --images ≥ 0")
        }
    }

    func run() async throws {
        let registry = try certsOptions.registry()
        let inputs = try certsOptions.examples(kind: kind, csv: false)
        let authority = try ScratchAuthority(scratch: scratch, registry: registry)
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
            return CertificateQR(envelope: qr.envelope, disclosures: qr.disclosures, proof: try CompactProof.encode(witnessed)).text(verifierURL: demoVerifierURL)
        }

        let lifecycle = try CertificateLifecycle(
            issuer: authority.issuer, archive: CertificateArchive(log: authority.issuer.log, registry: registry, verifierURL: demoVerifierURL))
        // The status list's checkpoint cosigned by the same two witnesses, so
        // it verifies under set (b)'s 2-of-3 policy too.
        var statusList = try lifecycle.statusList()
        let listCheckpoint = try SignedCheckpoint(parsing: statusList.checkpoint)
        statusList.checkpoint = listCheckpoint.adding([witnesses[0], witnesses[2]].map {
            $0.cosign(checkpointText: listCheckpoint.note.text, timestamp: cosignedAt)
        }).note.serialized
        let statusBytes = try statusList.signed(with: authority.directory.issuerKey().key)
        var plain = try TrustFile.export(directory: authority.directory, registry: registry)
        var witnessed = plain
        witnessed.authorities[0].log.policy = try LogTrust.policy(logKey: logKey, witnesses: witnesses.map(\.verifierKey), quorum: 2)
        // Through the encoded files, as the verifier receives them.
        plain = try TrustFile.decode(plain.encoded())
        witnessed = try TrustFile.decode(witnessed.encoded())

        let hardware = opensslSeconds > 0 ? try OpenSSLSpeed.measure(seconds: opensslSeconds) : nil
        print("set\tcertificates\tcheckpoints\tverify/s (1 task)\tper CPU s\tsignatures alone/s\tratio\takashi-verify/s (process, stdin)\tratio")
        for (label, texts, trust) in [("(a) batched", batched, plain), ("(b) own checkpoint, 2 cosignatures", cosigned, witnessed)] {
            let status = try VerifiedStatusList(signed: statusBytes, trust: trust)
            let verifier = CertificateVerifier(trust: trust, status: status)
            let date = Date()
            guard verifier.verify(text: texts[0], at: date).verdict == .valid else {
                throw BenchFailure("\(label): a freshly issued certificate does not verify as valid: \(verifier.verify(text: texts[0], at: date).reasons)")
            }
            let start = now(), cpuStart = cpuTime()
            var wrong = 0
            for text in texts where verifier.verify(text: text, at: date).verdict != .valid { wrong += 1 }
            let seconds = now() - start, cpu = cpuTime() - cpuStart
            guard wrong == 0 else { throw BenchFailure("\(label): \(wrong) of \(texts.count) verifications were not valid") }
            let floor = try SignatureFloor(texts: texts, trust: trust)
            let floorRate = try floor.rate()
            let rate = Double(texts.count) / seconds
            var process = "-"
            if !executable.isEmpty {
                let processRate = try timeVerifier(texts: texts, trust: trust, status: statusBytes)
                process = String(format: "%.0f\t%.0f %%", processRate, 100 * processRate / floorRate)
            }
            print(String(format: "%@\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f %%\t%@", label, texts.count, floor.checkpoints, rate,
                Double(texts.count) / cpu, floorRate, 100 * rate / floorRate, process))
        }
        if let hardware {
            print(String(format: "openssl speed (%d s each, 1 core): ecdsap256 verify %.0f/s, ed25519 verify %.0f/s", opensslSeconds,
                hardware.ecdsaVerify, hardware.ed25519Verify))
        }
        if images > 0 { try decodeImages(batched) }
    }

    /// akashi-verify over the texts on stdin, as a script would run it:
    /// verifications per second including the process's start and its output.
    func timeVerifier(texts: [String], trust: TrustFile, status: [UInt8]) throws -> Double {
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
        let start = now()
        try process.run()
        process.waitUntilExit()
        let seconds = now() - start
        guard process.terminationStatus == 0 else {
            throw BenchFailure("\(executable) exited \(process.terminationStatus) (0 = every input valid)")
        }
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        guard lines.count == texts.count, lines.allSatisfy({ $0.contains("\"verdict\":\"valid\"") }) else {
            throw BenchFailure("\(executable) printed \(lines.count) lines for \(texts.count) inputs, not all valid")
        }
        return Double(texts.count) / seconds
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
        print(String(format: "decode QR PNG (version %d, %d×%d px): %d in %.2f s, %.0f/s, %.0f per CPU s", symbol.version, side, side,
            images, seconds, Double(images) / seconds, Double(images) / cpu))
    }
}

/// The signature checks a set of certificates needs, and nothing else:
/// ES256 over each envelope, and Ed25519 over each distinct checkpoint (the
/// log's signature and every cosignature), all parsed before the clock starts.
struct SignatureFloor {
    let envelopes: [(COSESign1, P256.PublicKey)]
    let notes: [(message: [UInt8], checks: [(key: Ed25519.PublicKey, signed: [UInt8], signature: [UInt8])])]
    var checkpoints: Int { notes.count }

    init(texts: [String], trust: TrustFile) throws {
        let authority = trust.authorities[0]
        let logKey = try authority.log.verifierKey()
        let witnessKeys = try authority.log.tlogPolicy().witnesses.map(\.key)
        var envelopes: [(COSESign1, P256.PublicKey)] = []
        var seen: Set<[UInt8]> = []
        var notes: [(message: [UInt8], checks: [(key: Ed25519.PublicKey, signed: [UInt8], signature: [UInt8])])] = []
        for text in texts {
            let qr = try CertificateQR(text: text)
            let envelope = try COSESign1(decoding: qr.envelope)
            guard let key = authority.keys.first(where: { $0.kidBytes == envelope.kid }) else { throw BenchFailure("no key for an envelope") }
            envelopes.append((envelope, try key.publicKey()))
            let claims = try CertificateClaims(decoding: envelope.payload)
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
                    checks.append((witness.publicKey, CosignatureV1.signedMessage(checkpointText: note.text, timestamp: timestamp), Array(signature.bytes[8...])))
                }
            }
            notes.append((message, checks))
        }
        self.envelopes = envelopes
        self.notes = notes
    }

    /// Certificates per second the signature checks alone allow.
    func rate() throws -> Double {
        let start = now()
        for (envelope, key) in envelopes where !envelope.isValidSignature(publicKey: key) { throw BenchFailure("an envelope signature failed") }
        for note in notes {
            for check in note.checks where !check.key.isValidSignature(check.signature, for: check.signed) {
                throw BenchFailure("a checkpoint signature failed")
            }
        }
        return Double(envelopes.count) / (now() - start)
    }
}

/// `openssl speed` on one core: the machine's limit for the two algorithms.
enum OpenSSLSpeed {
    static func measure(seconds: Int) throws -> (ecdsaVerify: Double, ed25519Verify: Double) {
        let data = try runWithDefaultSignals(["openssl", "speed", "-mr", "-seconds", String(seconds), "ecdsap256", "ed25519"])
        // Machine-readable lines: "+F4:<n>:<bits>:<sign/s>:<verify/s>" (ECDSA), "+F6:…" (EdDSA);
        // newer versions give sign and verify times in seconds instead of rates.
        var ecdsa = 0.0, ed = 0.0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ":")
            guard f.count >= 5, let a = Double(f[f.count - 2]), let b = Double(f[f.count - 1]) else { continue }
            let verify = b < 1 ? 1 / b : b
            _ = a
            if f[0] == "+F4" { ecdsa = verify } else if f[0] == "+F6" && line.contains("25519") { ed = verify }
        }
        guard ecdsa > 0, ed > 0 else { throw BenchFailure("could not read openssl speed's output") }
        return (ecdsa, ed)
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
    defer { argv.forEach { free($0) } }
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
