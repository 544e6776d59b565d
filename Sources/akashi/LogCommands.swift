import AkashiCrypto
import ArgumentParser
import Authority
import Foundation
import LogStore
import TransparencyLog

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The authority's transparency log: anchor documents, print checkpoints and proofs, publish tiles.",
        subcommands: [
            LogAppend.self, LogCheckpoint.self, LogVerifierKey.self, LogProve.self, LogConsistency.self, LogTiles.self, LogVerify.self, LogWitness.self,
            LogRestore.self,
        ])
}

struct LogAppend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Anchor documents: log each file's SHA-256 and print its index and digest.",
        discussion: """
            The log is public and permanent, so by default only the digest is logged. --with-names also \
            logs each file's base name; use it only when names carry no personal data.
            """)

    @OptionGroup var options: DataOptions

    @Flag(name: .customLong("with-names"), help: "Also log each file's base name (public and permanent).")
    var withNames = false

    @Argument(help: ArgumentHelp("Files to anchor.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one FILE to anchor") }
    }

    func run() async throws {
        try await reportingErrors {
            // Read and hash everything first: a missing file appends nothing.
            var entries: [(String, LogEntry)] = []
            for file in files {
                let digest = try sha256(ofFile: file)
                var name: String? = nil
                if withNames {
                    name = URL(fileURLWithPath: file).lastPathComponent
                    try LogEntry.validateName(name!)
                }
                entries.append((file, .document(sha256: digest, name: name)))
            }
            let log = try await openWitnessedLog(options.open())
            // Appended concurrently, so they share one batch and one checkpoint.
            let receipts = try await withThrowingTaskGroup(of: (Int, LogStore.Receipt).self) { group in
                for (i, (_, entry)) in entries.enumerated() {
                    group.addTask { (i, try await log.append(entry)) }
                }
                var out = [LogStore.Receipt?](repeating: nil, count: entries.count)
                for try await (i, receipt) in group { out[i] = receipt }
                return out.map { $0! }
            }
            for ((file, entry), receipt) in zip(entries, receipts) {
                print("\(receipt.index)\t\(entry.subjectDigest.hexString)\t\(file)")
            }
        }
    }
}

struct LogCheckpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Print the latest signed checkpoint (C2SP tlog-checkpoint).")

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await reportingErrors {
            let log = try await options.open().openLogReadOnly()
            print(await log.checkpoint.serialized, terminator: "")
        }
    }
}

struct LogVerifierKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier-key", abstract: "Print the log's verifier key (vkey: origin+keyid+base64).")

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await reportingErrors {
            print(try await options.open().logVerifierKey())
        }
    }
}

struct LogProve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof for an entry against the latest checkpoint.",
        discussion: """
            --json prints {origin, index, treeSize, entry, leafHash, inclusionProof, rootHash, checkpoint} \
            (hashes and entry in hex, the proof leaf sibling first). --tlog-proof prints a \
            c2sp.org/tlog-proof@v1 file whose extra data is the entry, so it verifies offline with \
            `akashi log verify`.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: "The entry's index.")
    var index: UInt64?

    @Option(help: ArgumentHelp("A document anchored earlier; its first entry is proved.", valueName: "FILE"))
    var file: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("tlog-proof"), help: "Print a C2SP tlog-proof.")
    var tlogProof = false

    func validate() throws {
        guard (index == nil) != (file == nil) else { throw ValidationError("give exactly one of --index N or --file FILE") }
        guard !(json && tlogProof) else { throw ValidationError("--json and --tlog-proof are alternatives; give one") }
    }

    func run() async throws {
        try await reportingErrors {
            let log = try await options.open().openLogReadOnly()
            let entryIndex: UInt64
            if let file {
                let digest = try sha256(ofFile: file)
                guard let first = try await log.indices(subject: digest).first else {
                    throw CommandFailure(
                        exitCode: Exit.dataError,
                        message: "\(file) (sha256 \(digest.hexString)) is not in the log; anchor it with `akashi log append`")
                }
                entryIndex = first
            } else {
                entryIndex = index!
            }
            let checkpoint = await log.checkpoint
            let size = checkpoint.checkpoint.size
            guard entryIndex < size else {
                throw CommandFailure(exitCode: Exit.dataError, message: "there is no entry \(entryIndex): the log has \(size) entries")
            }
            let entry = try await log.entry(at: entryIndex)
            let proof = try await log.inclusionProof(index: entryIndex, treeSize: size)
            let leafHash = Merkle.leafHash(entry)
            if json {
                try printJSON(
                    [
                        "origin": checkpoint.checkpoint.origin,
                        "index": entryIndex,
                        "treeSize": size,
                        "entry": entry.hexString,
                        "leafHash": leafHash.hexString,
                        "inclusionProof": proof.map(\.hexString),
                        "rootHash": checkpoint.checkpoint.rootHash.hexString,
                        "checkpoint": checkpoint.serialized,
                    ] as [String: Any])
            } else if tlogProof {
                print(TlogProof(extra: entry, index: entryIndex, inclusionProof: proof, checkpoint: checkpoint).text, terminator: "")
            } else {
                print("origin:    \(checkpoint.checkpoint.origin)")
                print("index:     \(entryIndex) of \(size)")
                print("leaf hash: \(leafHash.hexString)")
                print("root hash: \(checkpoint.checkpoint.rootHash.hexString)")
                print("proof:     \(proof.count) hashes")
                for hash in proof { print("  \(hash.hexString)") }
                print("entry:")
                print(String(decoding: entry, as: UTF8.self).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            }
        }
    }
}

struct LogConsistency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Print a consistency proof between two tree sizes (RFC 9162 §2.1.4).",
        discussion: "--json prints {\"from\":M,\"to\":N,\"proof\":[hex...]}; otherwise one hex hash per line.")

    @OptionGroup var options: DataOptions

    @Option(help: "The older tree size (at least 1).")
    var from: UInt64

    @Option(help: "The newer tree size (default: the latest).")
    var to: UInt64?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let log = try await options.open().openLogReadOnly()
            let size = await log.size
            let to = self.to ?? size
            guard from >= 1, from <= to, to <= size else {
                throw CommandFailure(
                    exitCode: Exit.dataError,
                    message: "need 1 ≤ --from ≤ --to ≤ \(size) (the log's size); got --from \(from) --to \(to)")
            }
            let proof = try await log.consistencyProof(from: from, to: to)
            if json {
                try printJSON(["from": from, "to": to, "proof": proof.map(\.hexString)] as [String: Any])
            } else {
                for hash in proof { print(hash.hexString) }
            }
        }
    }
}

struct LogTiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles",
        abstract: "Write the log as static C2SP tlog-tiles files (checkpoint, tile/…, tile/entries/…).")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("Output directory (served as the log's URL prefix).", valueName: "DIR"))
    var out: String

    func run() async throws {
        try await reportingErrors {
            let log = try await options.open().openLogReadOnly()
            let summary = try await log.publishTiles(to: URL(fileURLWithPath: out))
            print(
                "tree size \(summary.treeSize): wrote \(summary.tilesWritten) tiles and \(summary.bundlesWritten) entry bundles; \(summary.unchanged) full ones were already there"
            )
        }
    }
}

struct LogVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a C2SP tlog-proof offline against the log's verifier key.",
        discussion: """
            The entry is the proof's extra data (as `akashi log prove --tlog-proof` writes it), or, with \
            --file and no extra data, the document entry for that file. With --file, the entry must \
            commit to the file's SHA-256. Exit 0 when the proof verifies, 1 when it does not.
            """)

    @Option(help: ArgumentHelp("The log's verifier key, or a file containing it.", valueName: "VKEY"))
    var vkey: String

    @Argument(help: ArgumentHelp("The tlog-proof file ('-' for stdin).", valueName: "PROOF_FILE"))
    var proofFile: String

    @Option(help: ArgumentHelp("The document the proof is for.", valueName: "FILE"))
    var file: String?

    func run() async throws {
        try await reportingErrors {
            var keyText = vkey
            if FileManager.default.fileExists(atPath: vkey) {
                keyText = String(decoding: try readInput(vkey), as: UTF8.self)
            }
            let key = try VerifierKey(parsing: keyText.trimmingCharacters(in: .whitespacesAndNewlines))
            let proofData = proofFile == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try readInput(proofFile)
            let proof = try TlogProof(parsing: String(decoding: proofData, as: UTF8.self))
            let fileDigest = try file.map { try sha256(ofFile: $0) }
            let entryBytes: [UInt8]
            if let extra = proof.extra {
                entryBytes = extra
            } else if let fileDigest {
                entryBytes = LogEntry.document(sha256: fileDigest, name: nil).bytes
            } else {
                throw CommandFailure(exitCode: Exit.usage, message: "the proof has no extra data naming its entry; give the document with --file FILE")
            }
            let entry = try? LogEntry(parsing: entryBytes)
            if let fileDigest {
                guard entry?.subjectDigest == fileDigest else {
                    throw CommandFailure(
                        exitCode: Exit.verificationFailed,
                        message: "検証失敗 / verification failed: the proof is for another document, not \(file!) (sha256 \(fileDigest.hexString))")
                }
            }
            let policy: TlogPolicy
            do throws(TlogPolicyError) { policy = try TlogPolicy(logKey: key) } catch {
                throw CommandFailure(exitCode: Exit.usage, message: "--vkey: \(error.reason)")
            }
            do {
                try proof.verify(leafHash: Merkle.leafHash(entryBytes), policy: policy)
            } catch let error as NoteError {
                throw CommandFailure(exitCode: Exit.verificationFailed, message: "検証失敗 / verification failed: checkpoint: \(error.reason)")
            } catch let error as ProofError {
                throw CommandFailure(exitCode: Exit.verificationFailed, message: "検証失敗 / verification failed: inclusion proof: \(error.reason)")
            }
            let c = proof.checkpoint.checkpoint
            print("検証成功 / verified: entry \(proof.index) is in \(c.origin) at tree size \(c.size)")
            if let entry {
                switch entry {
                case .document(let digest, let name):
                    print("document sha256 \(digest.hexString)" + (name.map { " (\($0))" } ?? ""))
                case .certificate(let digest, let kind, let issued, _):
                    print("certificate \(kind) issued \(issued), envelope sha256 \(digest.hexString)")
                case .revocation(let digest, let target, let reason, let at):
                    print("revocation of entry \(target) (envelope sha256 \(digest.hexString)), reason \(reason.rawValue), at \(at)")
                case .supersession(let digest, let target, let successor, let at):
                    print("supersession of entry \(target) (envelope sha256 \(digest.hexString)) by entry \(successor), at \(at)")
                }
            }
        }
    }
}
