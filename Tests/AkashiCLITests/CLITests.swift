import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

@Suite("akashi CLI (end to end)")
struct CLITests {
    /// Hardening finding 11: "nothing verified" must not look like success.
    @Test func akashiVerifyOnEmptyOrBlankInputExits66() async throws {
        let dir = try TemporaryDirectory()
        let trust = packageRoot.appendingPathComponent("vectors/trust/iizuka.json").path
        let blank = try dir.write("blank.txt", "\n   \n\t\n")
        for arguments in [["--trust", trust, "-"], ["--json", "--trust", trust, "-"]] {
            let result = try await runTool(try akashiVerifyExecutable(), arguments, in: dir)
            #expect(result.status == 66, "\(arguments): \(result)")
            #expect(result.stderr.contains("no QR text"), "\(result.stderr)")
        }
        // A blank file is an input that holds no certificate: not valid either.
        let file = try await runTool(try akashiVerifyExecutable(), ["--trust", trust, blank], in: dir)
        #expect(file.status == 1, "\(file)")
    }

    @Test func initCreatesAnAuthorityAndRefusesToOverwriteIt() async throws {
        let a = try await Authority()
        #expect(a.vkey.name == Authority.origin)
        #expect(a.initResult.stdout.contains("origin: \(Authority.origin)"))
        #expect(a.initResult.stdout.contains("飯塚市 (402052)"))
        #expect(try mode(a.data + "/keys") == 0o700)
        #expect(try mode(a.data + "/keys/log.key") == 0o600)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: a.data + "/config.json"))) as? [String: Any]
        #expect(config?["origin"] as? String == Authority.origin)
        #expect(config?["code"] as? String == "402052")
        // The private key in the file is the one the printed verifier key names.
        let keyText = try String(contentsOfFile: a.data + "/keys/log.key", encoding: .utf8)
        #expect(try Ed25519NoteSigner(parsingPrivateKey: keyText).verifierKey == a.vkey)

        let verifierKey = try await a.log("verifier-key")
        #expect(verifierKey.status == 0)
        #expect(try VerifierKey(parsing: verifierKey.stdout) == a.vkey)
        let empty = try await a.checkpoint()
        _ = try a.policy.verify(empty)
        #expect(empty.checkpoint.size == 0 && empty.checkpoint.rootHash == Merkle.emptyRoot)

        // A second init into the same directory: 73, and nothing changes.
        let before = try snapshot(URL(fileURLWithPath: a.data))
        #expect(before.keys.contains("keys/log.key") && before.keys.contains("akashi.sqlite"))
        for origin in [Authority.origin, "other.example/log"] {
            let again = try await a.run(["init", "--data", a.data, "--origin", origin, "--name", "別の市", "--code", "131016"])
            #expect(again.status == 73, "\(again)")
            #expect(again.stdout.isEmpty && !again.stderr.isEmpty)
        }
        #expect(try snapshot(URL(fileURLWithPath: a.data)) == before)
        #expect(try await a.checkpoint() == empty)
    }

    @Test(arguments: ["402051", "4020", "40205x", ""])
    func initWithABadCodeIsAUsageError(code: String) async throws {
        let dir = try TemporaryDirectory()
        let data = dir.path("authority")
        let result = try await akashi(["init", "--data", data, "--origin", "x.example/log", "--name", "市", "--code", code], in: dir)
        #expect(result.status == 64, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: data + "/config.json"))
        #expect(!FileManager.default.fileExists(atPath: data + "/keys/log.key"))
    }

    @Test func initWithABadOriginIsAUsageError() async throws {
        let dir = try TemporaryDirectory()
        for origin in ["https://x.example/log", "x.example/log/", "has space/log"] {
            let result = try await akashi(["init", "--data", dir.path("a"), "--origin", origin, "--name", "市", "--code", "402052"], in: dir)
            #expect(result.status == 64, "\(origin): \(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("a/config.json")))
    }

    @Test func appendProveAndVerify() async throws {
        let a = try await Authority()
        let fileA = try a.directory.write("a.txt", "令和7年度予算書\n")
        let fileB = try a.directory.write("b.txt", "another document\n")
        let digestA = SHA256.hash(Array("令和7年度予算書\n".utf8))
        let digestB = SHA256.hash(Array("another document\n".utf8))

        // append: one "<index>\t<sha256>\t<file>" line per file, in order.
        let appended = try await a.log("append", [fileA, fileB])
        #expect(appended.status == 0, "\(appended)")
        let rows = appended.lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        try #require(rows.count == 2 && rows.allSatisfy { $0.count == 3 }, "\(appended.stdout)")
        #expect(rows.map { $0[1] } == [digestA.hexString, digestB.hexString])
        #expect(rows.map { $0[2] } == [fileA, fileB])
        #expect(Set(rows.map { $0[0] }) == ["0", "1"])
        let indexA = try #require(UInt64(rows[0][0]))

        // checkpoint: a signed note that verifies with `log verifier-key`.
        let checkpoint = try await a.checkpoint()
        let vkey = try VerifierKey(parsing: try await a.log("verifier-key").stdout)
        _ = try TlogPolicy(logKey: vkey).verify(checkpoint)
        #expect(checkpoint.checkpoint.size == 2)
        #expect(checkpoint.checkpoint.origin == Authority.origin)

        // prove --json: exactly these keys, and values that agree with each other.
        for (index, digest) in [(indexA, digestA), (1 - indexA, digestB)] {
            let proved = try await a.log("prove", ["--index", String(index), "--json"])
            #expect(proved.status == 0, "\(proved)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(proved.stdout.utf8)) as? [String: Any])
            #expect(Set(json.keys) == ["origin", "index", "treeSize", "entry", "leafHash", "inclusionProof", "rootHash", "checkpoint"])
            #expect(json["origin"] as? String == Authority.origin)
            #expect((json["index"] as? NSNumber)?.uint64Value == index)
            let treeSize = try #require((json["treeSize"] as? NSNumber)?.uint64Value)
            #expect(treeSize == 2)
            let entry = try hexField(json, "entry")
            #expect(try LogEntry(parsing: entry) == .document(sha256: digest, name: nil))
            let leafHash = try hexField(json, "leafHash")
            #expect(leafHash == Merkle.leafHash(entry))
            let rootHash = try hexField(json, "rootHash")
            let path = try #require(json["inclusionProof"] as? [String]).map { [UInt8](hexString: $0) ?? [] }
            try Merkle.verifyInclusion(leafHash: leafHash, index: index, treeSize: treeSize, proof: path, root: rootHash)
            let checkpointText = try #require(json["checkpoint"] as? String)
            let signed = try SignedCheckpoint(parsing: checkpointText)
            #expect(signed.checkpoint.rootHash == rootHash && signed.checkpoint.size == treeSize)
            _ = try a.policy.verify(signed)
            #expect(signed == checkpoint)
        }

        // prove --file finds the document's entry.
        let byFile = try await a.log("prove", ["--file", fileB, "--json"])
        let byFileJSON = try #require(try JSONSerialization.jsonObject(with: Data(byFile.stdout.utf8)) as? [String: Any])
        #expect((byFileJSON["index"] as? NSNumber)?.uint64Value == 1 - indexA)
        let notAnchored = try a.directory.write("c.txt", "never anchored\n")
        #expect(try await a.log("prove", ["--file", notAnchored]).status == 65)
        #expect(try await a.log("prove", ["--index", "2"]).status == 65)

        // prove --tlog-proof → verify: 0 for its document, 1 for another.
        let tlog = try await a.log("prove", ["--file", fileA, "--tlog-proof"])
        #expect(tlog.status == 0, "\(tlog)")
        let proofPath = try a.directory.write("a.proof", tlog.stdout)
        let parsed = try TlogProof(parsing: tlog.stdout)
        #expect(parsed.index == indexA && parsed.checkpoint == checkpoint)
        let vkeyFile = try a.directory.write("log.vkey", a.vkey.description + "\n")
        for key in [a.vkey.description, vkeyFile] {
            let verified = try await a.run(["log", "verify", "--vkey", key, proofPath, "--file", fileA])
            #expect(verified.status == 0, "\(verified)")
            #expect(verified.stdout.contains(digestA.hexString))
        }
        let withoutFile = try await a.run(["log", "verify", "--vkey", a.vkey.description, proofPath])
        #expect(withoutFile.status == 0, "\(withoutFile)")
        let wrongFile = try await a.run(["log", "verify", "--vkey", a.vkey.description, proofPath, "--file", fileB])
        #expect(wrongFile.status == 1, "\(wrongFile)")

        // Tampering: one base64 character of the proof hash, the root, or the signature.
        let lines = tlog.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let indexLine = try #require(lines.firstIndex { $0.hasPrefix("index ") })
        let hashLine = indexLine + 1
        try #require([UInt8](base64String: lines[hashLine])?.count == 32, "expected a proof hash after the index line")
        func flipFirst(_ line: String) -> String {
            let first = line.first!
            return (first == "A" ? "B" : "A") + line.dropFirst()
        }
        let rootLine = try #require(lines.indices.first { $0 > hashLine && lines[$0 - 1] == "2" })
        let signatureLine = try #require(lines.firstIndex { $0.hasPrefix("\u{2014} ") })
        for target in [hashLine, rootLine] {
            var tampered = lines
            tampered[target] = flipFirst(tampered[target])
            let path = try a.directory.write("tampered-\(target).proof", tampered.joined(separator: "\n"))
            let result = try await a.run(["log", "verify", "--vkey", a.vkey.description, path, "--file", fileA])
            #expect(result.status == 1, "tampered line \(target): \(result)")
        }
        do {
            // The signature: flip one character in the middle of its base64.
            var tampered = lines
            var chars = Array(tampered[signatureLine])
            let i = chars.count - 20
            chars[i] = chars[i] == "A" ? "B" : "A"
            tampered[signatureLine] = String(chars)
            let path = try a.directory.write("tampered-signature.proof", tampered.joined(separator: "\n"))
            let result = try await a.run(["log", "verify", "--vkey", a.vkey.description, path])
            #expect(result.status == 1, "tampered signature: \(result)")
        }

        // Another log's key does not verify this log's proof.
        let other = try await Authority()
        let otherKey = try await other.run(["log", "verify", "--vkey", other.vkey.description, proofPath])
        #expect(otherKey.status == 1, "\(otherKey)")

        // A missing proof file is 66; a garbage one 65.
        let missing = try await a.run(["log", "verify", "--vkey", a.vkey.description, a.directory.path("nope.proof")])
        #expect(missing.status == 66, "\(missing)")
        let garbage = try a.directory.write("garbage.proof", "this is not a proof\n")
        let garbled = try await a.run(["log", "verify", "--vkey", a.vkey.description, garbage])
        #expect(garbled.status == 65, "\(garbled)")
        let badKey = try await a.run(["log", "verify", "--vkey", "not-a-key", proofPath])
        #expect(badKey.status == 65, "\(badKey)")
    }

    @Test func consistencyBetweenCheckpoints() async throws {
        let a = try await Authority()
        #expect(try await a.log("append", [try a.directory.write("1.txt", "one")]).status == 0)
        let first = try await a.checkpoint()
        #expect(first.checkpoint.size == 1)
        #expect(try await a.log("append", [try a.directory.write("2.txt", "two")]).status == 0)
        #expect(try await a.log("append", [try a.directory.write("3.txt", "three"), try a.directory.write("4.txt", "four")]).status == 0)
        let latest = try await a.checkpoint()
        #expect(latest.checkpoint.size == 4)
        _ = try a.policy.verify(latest)

        let result = try await a.log("consistency", ["--from", "1", "--json"])
        #expect(result.status == 0, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["from", "to", "proof"])
        #expect((json["from"] as? NSNumber)?.uint64Value == 1)
        #expect((json["to"] as? NSNumber)?.uint64Value == 4)
        let hex = try #require(json["proof"] as? [String])
        let proof = hex.map { [UInt8](hexString: $0) ?? [] }
        try Merkle.verifyConsistency(
            size1: 1, size2: 4, proof: proof, root1: first.checkpoint.rootHash, root2: latest.checkpoint.rootHash)
        // The proof does not fit another pair of roots.
        #expect(throws: ProofError.self) {
            try Merkle.verifyConsistency(size1: 1, size2: 4, proof: proof, root1: latest.checkpoint.rootHash, root2: latest.checkpoint.rootHash)
        }
        // The plain form prints the same hashes, one a line.
        let plain = try await a.log("consistency", ["--from", "1"])
        #expect(plain.lines == hex)
        let same = try await a.log("consistency", ["--from", "4", "--to", "4", "--json"])
        let sameJSON = try #require(try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])
        #expect((sameJSON["proof"] as? [String])?.isEmpty == true)
        for bad in [["--from", "0"], ["--from", "5"], ["--from", "3", "--to", "2"]] {
            let refused = try await a.log("consistency", bad)
            #expect(refused.status == 65, "\(bad): \(refused)")
        }
    }

    @Test func tilesWritesCheckpointAndTiles() async throws {
        let a = try await Authority()
        let files = try (0..<3).map { try a.directory.write("\($0).txt", "document \($0)") }
        #expect(try await a.log("append", files).status == 0)
        let out = a.directory.path("public")
        let tiles = try await a.log("tiles", ["--out", out])
        #expect(tiles.status == 0, "\(tiles)")
        let checkpointFile = try String(contentsOfFile: out + "/checkpoint", encoding: .utf8)
        let checkpoint = try await a.checkpoint()
        #expect(checkpointFile == checkpoint.serialized)
        let entries = try #require(Tiles.parseEntryBundle([UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/tile/entries/000.p/3")))))
        #expect(entries.count == 3)
        let tile = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/tile/0/000.p/3")))
        #expect(tile == entries.flatMap { Merkle.leafHash($0) })
        #expect(InMemoryMerkleTree(leafHashes: entries.map { Merkle.leafHash($0) }).rootHash() == checkpoint.checkpoint.rootHash)
        // Publishing again (the checkpoint and partial tiles already exist) works.
        #expect(try await a.log("append", [try a.directory.write("3.txt", "document 3")]).status == 0)
        let again = try await a.log("tiles", ["--out", out])
        #expect(again.status == 0, "\(again)")
        let newer = try SignedCheckpoint(parsing: try String(contentsOfFile: out + "/checkpoint", encoding: .utf8))
        #expect(newer.checkpoint.size == 4)
        #expect(FileManager.default.fileExists(atPath: out + "/tile/0/000.p/4"))
        #expect(FileManager.default.fileExists(atPath: out + "/tile/0/000.p/3"))
    }

    @Test func usageAndInputErrors() async throws {
        let a = try await Authority()
        let file = try a.directory.write("doc.txt", "doc")
        #expect(try await a.run(["log", "prove"]).status == 64)
        #expect(try await a.log("prove").status == 64)
        #expect(try await a.log("prove", ["--index", "0", "--file", file]).status == 64)
        #expect(try await a.log("append").status == 64)
        #expect(try await a.run(["frobnicate"]).status == 64)

        let nowhere = a.directory.path("no-such-authority")
        let missingData = try await a.run(["log", "append", "--data", nowhere, file])
        #expect(missingData.status == 66, "\(missingData)")
        #expect(try await a.run(["log", "checkpoint", "--data", nowhere]).status == 66)
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        let missingFile = try await a.log("append", [file, a.directory.path("missing.txt")])
        #expect(missingFile.status == 66, "\(missingFile)")
        #expect(try await a.checkpoint().checkpoint.size == 0, "a failed append stored something")
    }

    @Test func aKeyOthersCanReadIsRefused() async throws {
        let a = try await Authority()
        let key = a.data + "/keys/log.key"
        #expect(chmod(key, 0o644) == 0)
        let file = try a.directory.write("doc.txt", "doc")
        let refused = try await a.log("append", [file])
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.stderr.contains("chmod 600"))
        #expect(try await a.log("verifier-key").status == 77)
        #expect(try await a.checkpoint().checkpoint.size == 0)
        #expect(chmod(key, 0o600) == 0)
        #expect(try await a.log("append", [file]).status == 0)
        #expect(try await a.checkpoint().checkpoint.size == 1)
    }

    @Test func aBusyLogIsExit75() async throws {
        let a = try await Authority()
        // Hold the writer's lock as another akashi would.
        let fd = open(a.data + "/akashi.sqlite.lock", O_RDWR | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let file = try a.directory.write("doc.txt", "doc")
        let busy = try await a.log("append", [file])
        #expect(busy.status == 75, "\(busy)")
        // Readers are not blocked by a writer.
        #expect(try await a.log("checkpoint").status == 0)
        flock(fd, LOCK_UN)
        #expect(try await a.log("append", [file]).status == 0)
    }
}

/// A hex string field of a JSON object, decoded.
func hexField(_ json: [String: Any], _ key: String) throws -> [UInt8] {
    let text = try #require(json[key] as? String, "\(key) is not a string")
    return try #require([UInt8](hexString: text), "\(key) is not hex")
}
