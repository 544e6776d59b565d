import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// c2sp.org/tlog-policy: parsing and formatting, every rejection, and checkpoint
/// verification with real Ed25519 and cosignature/v1 signatures.
@Suite struct TlogPolicyTests {
    typealias Code = TlogPolicyError.Code

    // MARK: Fixtures

    static func logSigner(_ origin: String = "example.com/log") -> Ed25519NoteSigner {
        try! Ed25519NoteSigner(name: origin, privateKey: Ed25519.PrivateKey())
    }

    static func witness(_ name: String) -> CosignatureV1Signer {
        try! CosignatureV1Signer(name: name, privateKey: Ed25519.PrivateKey())
    }

    static func checkpoint(_ log: Ed25519NoteSigner, size: UInt64 = 7) -> SignedCheckpoint {
        try! SignedCheckpoint(signing: Checkpoint(origin: log.name, size: size, rootHash: SecureRandom.bytes(32)), with: log)
    }

    static func cosigned(_ checkpoint: SignedCheckpoint, by witnesses: [CosignatureV1Signer], at time: UInt64 = 1_760_000_000) -> SignedCheckpoint {
        checkpoint.adding(witnesses.map { $0.cosign(checkpointText: checkpoint.note.text, timestamp: time) })
    }

    static func parse(_ text: String) throws -> TlogPolicy { try TlogPolicy(parsing: text) }

    /// Expects `text` to be refused with `code` (and `line`, when given).
    static func expectRejected(_ text: String, _ code: Code, line: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        expectRejected(Array(text.utf8), code, line: line, sourceLocation: sourceLocation)
    }

    static func expectRejected(_ bytes: [UInt8], _ code: Code, line: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let policy = try TlogPolicy(parsing: bytes)
            Issue.record("accepted, expected \(code): \(policy.text)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let line { #expect(error.line == line, "\(error)", sourceLocation: sourceLocation) }
        }
    }

    static func expectVerifies(_ policy: TlogPolicy, _ checkpoint: SignedCheckpoint, sourceLocation: SourceLocation = #_sourceLocation) {
        do { _ = try policy.verify(checkpoint) } catch {
            Issue.record("refused: \(error)", sourceLocation: sourceLocation)
        }
    }

    static func expectRefused(_ policy: TlogPolicy, _ checkpoint: SignedCheckpoint, _ code: NoteError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try policy.verify(checkpoint)
            Issue.record("verified, expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: The specification's example

    @Test func specificationExampleTwoOfXAndAnyOfY() throws {
        let log = Self.logSigner()
        let x = (1...3).map { Self.witness("x\($0).example/witness") }
        let y = (1...3).map { Self.witness("y\($0).example/witness") }
        let policy = try Self.parse(
            """
            log \(log.verifierKey)

            witness X1 \(x[0].verifierKey)
            witness X2 \(x[1].verifierKey)
            witness X3 \(x[2].verifierKey)
            group X-witnesses 2 X1 X2 X3

            witness Y1 \(y[0].verifierKey)
            witness Y2 \(y[1].verifierKey)
            witness Y3 \(y[2].verifierKey)
            group Y-witnesses any Y1 Y2 Y3

            group X-and-Y all X-witnesses Y-witnesses
            quorum X-and-Y

            """)
        #expect(policy.logs.map(\.key) == [log.verifierKey])
        #expect(policy.witnesses.map(\.name) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"])
        #expect(policy.groups.map(\.name) == ["X-witnesses", "Y-witnesses", "X-and-Y"])
        #expect(policy.groups.map(\.required) == [2, 1, 2])
        #expect(policy.quorum == "X-and-Y")

        // Every combination of cosigners: valid iff at least two X and one Y.
        let base = Self.checkpoint(log)
        for xMask in 0..<8 {
            for yMask in 0..<8 {
                let xs = x.indices.filter { xMask & (1 << $0) != 0 }.map { x[$0] }
                let ys = y.indices.filter { yMask & (1 << $0) != 0 }.map { y[$0] }
                let signed = Self.cosigned(base, by: xs + ys)
                if xs.count >= 2 && ys.count >= 1 {
                    let verified = try policy.verify(signed)
                    #expect(verified.log == log.verifierKey)
                    #expect(verified.cosigners.count == xs.count + ys.count)
                    #expect(verified.checkpoint == base.checkpoint)
                } else {
                    Self.expectRefused(policy, signed, .unverified)
                }
            }
        }
        // The text round-trips.
        #expect(try TlogPolicy(parsing: policy.bytes) == policy)
    }

    // MARK: Syntax

    @Test func formatsCanonicallyAndRoundTrips() throws {
        let log = Self.logSigner()
        let a = Self.witness("a.example"), b = Self.witness("b.example")
        let policy = try TlogPolicy(
            logs: [.init(key: log.verifierKey, url: "https://log.example/")],
            definitions: [
                .witness(.init(name: "A", key: a.verifierKey)),
                .witness(.init(name: "B", key: b.verifierKey, url: "https://b.example/w")),
                .group(.init(name: "AB", threshold: .atLeast(1), members: ["A", "B"])),
            ],
            quorum: "AB")
        #expect(
            policy.text == """
                log \(log.verifierKey) https://log.example/
                witness A \(a.verifierKey)
                witness B \(b.verifierKey) https://b.example/w
                group AB 1 A B
                quorum AB

                """)
        #expect(try Self.parse(policy.text) == policy)
        #expect(policy.description == policy.text)
    }

    @Test func whitespaceCommentsAndEmptyLines() throws {
        let log = Self.logSigner()
        let w = Self.witness("w.example")
        let text =
            "# a policy\n"
            + "   \t  \n"
            + "\n"
            + "\t # indented comment with \u{7e} and 日本語 and a\ttab\n"
            + "  log\t\t\(log.verifierKey)   \n"
            + "witness \t W \(w.verifierKey)\t\n"
            + "\tquorum W\n"
            + "# after the quorum\n"
        let policy = try Self.parse(text)
        #expect(policy.witnesses.map(\.name) == ["W"])
        #expect(policy.logs.count == 1 && policy.logs[0].url == nil)
        #expect(policy.quorum == "W")
        // A '#' that is not first on its line is an ordinary item.
        let withHash = try Self.parse("log \(log.verifierKey) #not-a-comment\nquorum none\n")
        #expect(withHash.logs[0].url == "#not-a-comment")
        Self.expectRejected("log \(log.verifierKey) # a trailing comment\nquorum none\n", .wrongArgumentCount, line: 1)
    }

    @Test func definitionsMayFollowTheQuorumLine() throws {
        let w = Self.witness("w.example")
        let policy = try Self.parse("quorum none\nwitness W \(w.verifierKey)\n")
        #expect(policy.quorum == TlogPolicy.none)
        #expect(policy.witnesses.count == 1)
        #expect(policy.text.hasSuffix("quorum none\n"))
    }

    @Test func namesAreOpaqueOctets() throws {
        let k = Self.witness("k.example"), kelvin = Self.witness("kelvin.example")
        // "K" and KELVIN SIGN (U+212A, canonically equivalent to "K" in Unicode) are different names.
        let policy = try Self.parse(
            """
            witness K \(k.verifierKey)
            witness \u{212A} \(kelvin.verifierKey)
            group both all K \u{212A}
            quorum both

            """)
        #expect(policy.witnesses.map(\.name.bytes) == [[0x4b], [0xe2, 0x84, 0xaa]])
        #expect(!policy.isSatisfied(byWitnesses: ["K"]))
        #expect(policy.isSatisfied(byWitnesses: ["K", TlogPolicy.Name([0xe2, 0x84, 0xaa])]))
        Self.expectRejected("witness K \(k.verifierKey)\ngroup g any \u{212A}\nquorum g\n", .undefinedName, line: 2)

        // Octets with the high bit set need not be UTF-8; they survive formatting.
        let w = Self.witness("w.example")
        var bytes = Array("witness ".utf8) + [0xff, 0xfe, 0x80] + Array(" \(w.verifierKey) https://w.example/\u{e9}\n".utf8)
        bytes += Array("quorum ".utf8) + [0xff, 0xfe, 0x80, 0x0a]
        let raw = try TlogPolicy(parsing: bytes)
        #expect(raw.quorum.bytes == [0xff, 0xfe, 0x80])
        #expect(raw.bytes == bytes)
    }

    @Test func keywordsAndNumbersCanBeNames() throws {
        let ws = (0..<3).map { Self.witness("w\($0).example") }
        let policy = try Self.parse(
            """
            witness all \(ws[0].verifierKey)
            witness any \(ws[1].verifierKey)
            witness 2 \(ws[2].verifierKey)
            group quorum 02 all any 2
            quorum quorum

            """)
        #expect(policy.groups[0].threshold == .atLeast(2), "leading zeros are still decimal")
        #expect(policy.isSatisfied(byWitnesses: ["all", "2"]))
        #expect(!policy.isSatisfied(byWitnesses: ["any"]))
    }

    // MARK: Every rejection

    @Test func rejectsCharactersOutsideTheAllowedSet() {
        Self.expectRejected("quorum none\r\n", .invalidCharacter, line: 1)
        Self.expectRejected("# ok\nquorum none\u{0B}\n", .invalidCharacter, line: 2)
        Self.expectRejected("# a comment is checked too \u{01}\nquorum none\n", .invalidCharacter, line: 1)
        Self.expectRejected([0x71, 0x00, 0x0a], .invalidCharacter, line: 1)
        Self.expectRejected("quorum none\u{7f}\n", .invalidCharacter, line: 1)
        Self.expectRejected("quorum\u{0C}none\n", .invalidCharacter, line: 1)
    }

    @Test func rejectsAnUnterminatedLastLine() {
        Self.expectRejected("quorum none", .missingNewline, line: 1)
        Self.expectRejected("quorum none\n# trailing comment", .missingNewline, line: 2)
        Self.expectRejected("quorum none\n  ", .missingNewline, line: 2)
    }

    @Test func rejectsUnknownKeywordsAndWrongItemCounts() {
        let log = Self.logSigner().verifierKey
        let w = Self.witness("w.example").verifierKey
        Self.expectRejected("Quorum none\n", .unknownKeyword, line: 1)
        Self.expectRejected("quorum none\nlogs \(log)\n", .unknownKeyword, line: 2)
        Self.expectRejected("log\nquorum none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("log \(log) https://a https://b\nquorum none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("witness W\nquorum none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("witness \(w)\nquorum none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("witness W \(w) https://a extra\nquorum none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("group G\nquorum none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("quorum\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("quorum none none\n", .wrongArgumentCount, line: 1)
        Self.expectRejected("witness W \(w)\ngroup G any\nquorum G\n", .emptyGroup, line: 2)
    }

    @Test func rejectsBadKeys() {
        let log = Self.logSigner()
        let w = Self.witness("w.example")
        let text = log.verifierKey.description
        let parts = text.split(separator: "+")
        Self.expectRejected("log not-a-vkey\nquorum none\n", .invalidKey, line: 1)
        Self.expectRejected("log \(parts[0])+00000000+\(parts[2])\nquorum none\n", .invalidKey, line: 1)
        Self.expectRejected("log \(parts[0])+\(parts[1])+AQID\nquorum none\n", .invalidKey, line: 1)
        Self.expectRejected("log \(parts[0])+\(parts[1])+!!!!\nquorum none\n", .invalidKey, line: 1)
        Self.expectRejected("log \(parts[0])+ABCDEF01+\(parts[2])\nquorum none\n", .invalidKey, line: 1)
        // Well-formed vkeys of types this implementation does not verify (ECDSA 0x02, ML-DSA 0x06).
        let p256 = ([0x02] + SecureRandom.bytes(33)).base64String
        Self.expectRejected("log example.com/log+01020304+\(p256)\nquorum none\n", .unsupportedKeyType, line: 1)
        Self.expectRejected("witness W w.example+01020304+\(([0x06] + SecureRandom.bytes(32)).base64String)\nquorum W\n", .unsupportedKeyType, line: 1)
        // The wrong role's key type.
        Self.expectRejected("log \(w.verifierKey)\nquorum none\n", .wrongKeyType, line: 1)
        Self.expectRejected("witness W \(log.verifierKey)\nquorum W\n", .wrongKeyType, line: 1)
    }

    @Test func rejectsDuplicateKeys() throws {
        let log = Self.logSigner()
        let w = Self.witness("w.example")
        // The same key twice, or the same public key under another name (another key ID).
        let renamedLog = try VerifierKey(name: "other.example/log", type: .ed25519, publicKey: log.verifierKey.publicKey)
        let renamedWitness = try VerifierKey(name: "other.example", type: .cosignatureV1, publicKey: w.verifierKey.publicKey)
        Self.expectRejected("log \(log.verifierKey)\nlog \(log.verifierKey) https://mirror\nquorum none\n", .duplicateLog, line: 2)
        Self.expectRejected("log \(log.verifierKey)\nlog \(renamedLog)\nquorum none\n", .duplicateLog, line: 2)
        Self.expectRejected("witness A \(w.verifierKey)\nwitness B \(w.verifierKey)\nquorum A\n", .duplicateWitness, line: 2)
        Self.expectRejected("witness A \(w.verifierKey)\nwitness B \(renamedWitness)\nquorum A\n", .duplicateWitness, line: 2)
        // A log and a witness may share a public key: different roles, different signature types.
        let shared = try VerifierKey(name: "w.example", type: .ed25519, publicKey: w.verifierKey.publicKey)
        _ = try Self.parse("log \(shared)\nwitness W \(w.verifierKey)\nquorum W\n")
    }

    @Test func rejectsNameProblems() {
        let a = Self.witness("a.example").verifierKey, b = Self.witness("b.example").verifierKey
        Self.expectRejected("witness W \(a)\nwitness W \(b)\nquorum W\n", .duplicateName, line: 2)
        Self.expectRejected("witness W \(a)\ngroup W any W\nquorum W\n", .duplicateName, line: 2)
        Self.expectRejected("witness A \(a)\ngroup G any A\ngroup G all A\nquorum G\n", .duplicateName, line: 3)
        Self.expectRejected("witness none \(a)\nquorum none\n", .duplicateName, line: 1)
        Self.expectRejected("witness A \(a)\ngroup none any A\nquorum none\n", .duplicateName, line: 2)
        // Definitions before use.
        Self.expectRejected("group G any A\nwitness A \(a)\nquorum G\n", .undefinedName, line: 1)
        Self.expectRejected("quorum A\nwitness A \(a)\n", .undefinedName, line: 1)
        Self.expectRejected("witness A \(a)\nquorum B\n", .undefinedName, line: 2)
        Self.expectRejected("witness A \(a)\ngroup G any A G\nquorum G\n", .undefinedName, line: 2)
        Self.expectRejected("witness A \(a)\ngroup G any A none\nquorum G\n", .noneAsMember, line: 2)
        // Each name is a member at most once: within a group and across groups.
        Self.expectRejected("witness A \(a)\ngroup G any A A\nquorum G\n", .duplicateMember, line: 2)
        Self.expectRejected("witness A \(a)\nwitness B \(b)\ngroup G any A B\ngroup H any A\nquorum G\n", .duplicateMember, line: 4)
        Self.expectRejected("witness A \(a)\ngroup G any A\ngroup H any G\ngroup I all H G\nquorum I\n", .duplicateMember, line: 4)
    }

    @Test func rejectsBadThresholds() {
        let keys = (0..<3).map { Self.witness("w\($0).example").verifierKey }
        let head = "witness A \(keys[0])\nwitness B \(keys[1])\nwitness C \(keys[2])\n"
        for bad in ["-1", "+1", "0x1", "1.5", "two", "ALL", "Any", "1e1", "\u{FF11}"] {
            Self.expectRejected(head + "group G \(bad) A B C\nquorum G\n", .invalidThreshold, line: 4)
        }
        for outOfRange in ["0", "00", "4", "99999999999999999999999999"] {
            Self.expectRejected(head + "group G \(outOfRange) A B C\nquorum G\n", .thresholdOutOfRange, line: 4)
        }
    }

    @Test func rejectsMissingOrRepeatedQuorum() {
        let log = Self.logSigner().verifierKey
        Self.expectRejected("", .missingQuorum)
        Self.expectRejected("# nothing but a comment\n", .missingQuorum)
        Self.expectRejected("log \(log)\n", .missingQuorum)
        Self.expectRejected("quorum none\nquorum none\n", .duplicateQuorum, line: 2)
    }

    @Test func rejectsPoliciesBeyondTheLimits() throws {
        Self.expectRejected("# " + String(repeating: "x", count: TlogPolicy.maxSize) + "\nquorum none\n", .tooLarge)
        var text = ""
        for _ in 0...TlogPolicy.maxEntries { text += "log \(Self.logSigner().verifierKey)\n" }
        Self.expectRejected(text + "quorum none\n", .tooLarge, line: TlogPolicy.maxEntries + 1)
        // 32 of each, as the specification recommends, are fine.
        var fine = ""
        for i in 0..<32 { fine += "log \(Self.logSigner("log\(i).example").verifierKey)\n" }
        for i in 0..<32 { fine += "witness W\(i) \(Self.witness("w\(i).example").verifierKey)\n" }
        for i in 0..<32 { fine += "group G\(i) any \(i == 0 ? "W0" : "G\(i - 1) W\(i)")\n" }
        _ = try Self.parse(fine + "quorum G31\n")
    }

    @Test func builtPoliciesAreCheckedLikeParsedOnes() throws {
        let w = Self.witness("w.example")
        func code(_ body: () throws(TlogPolicyError) -> TlogPolicy) -> Code? {
            do { _ = try body(); return nil } catch { return error.code }
        }
        #expect(
            code { () throws(TlogPolicyError) in try TlogPolicy(logs: [], definitions: [.witness(.init(name: "a b", key: w.verifierKey))], quorum: "none") }
                == .invalidToken)
        #expect(
            code { () throws(TlogPolicyError) in try TlogPolicy(logs: [], definitions: [.witness(.init(name: "", key: w.verifierKey))], quorum: "none") }
                == .invalidToken)
        #expect(
            code { () throws(TlogPolicyError) in try TlogPolicy(logs: [.init(key: Self.logSigner().verifierKey, url: "a\nb")], definitions: [], quorum: "none")
            } == .invalidToken)
        #expect(
            code { () throws(TlogPolicyError) in try TlogPolicy(logs: [], definitions: [.group(.init(name: "G", threshold: .any, members: []))], quorum: "none")
            } == .emptyGroup)
        #expect(
            code { () throws(TlogPolicyError) in
                try TlogPolicy(
                    logs: [], definitions: [.witness(.init(name: "W", key: w.verifierKey)), .group(.init(name: "G", threshold: .atLeast(2), members: ["W"]))],
                    quorum: "G")
            } == .thresholdOutOfRange)
        #expect(code { () throws(TlogPolicyError) in try TlogPolicy(logs: [], definitions: [], quorum: "W") } == .undefinedName)
        #expect(code { () throws(TlogPolicyError) in try TlogPolicy(logs: [], definitions: [], quorum: "none") } == nil)
        let error = try #require(throws: TlogPolicyError.self) { try Self.parse("quorum x\n") }
        #expect(error.description.hasPrefix("line 1: "))
    }

    // MARK: Thresholds and nesting

    @Test func thresholdsAnyAllAndK() throws {
        let ws = (0..<4).map { Self.witness("w\($0).example") }
        let head = (0..<4).map { "witness W\($0) \(ws[$0].verifierKey)\n" }.joined()
        let names: [TlogPolicy.Name] = ["W0", "W1", "W2", "W3"]
        for (threshold, required) in [("any", 1), ("all", 4), ("1", 1), ("2", 2), ("3", 3), ("4", 4)] {
            let policy = try Self.parse(head + "group G \(threshold) W0 W1 W2 W3\nquorum G\n")
            for count in 0...4 {
                #expect(policy.isSatisfied(byWitnesses: Set(names.prefix(count))) == (count >= required), "\(threshold) with \(count)")
            }
        }
        // The quorum may be a single witness.
        let single = try Self.parse(head + "quorum W2\n")
        #expect(single.isSatisfied(byWitnesses: ["W2"]))
        #expect(!single.isSatisfied(byWitnesses: ["W0", "W1", "W3"]))
    }

    @Test func quorumNoneNeedsOnlyTheLog() throws {
        let log = Self.logSigner()
        let w = Self.witness("w.example")
        let policy = try Self.parse("log \(log.verifierKey)\nwitness W \(w.verifierKey)\nquorum none\n")
        let checkpoint = Self.checkpoint(log)
        let verified = try policy.verify(checkpoint)
        #expect(verified.cosigners.isEmpty)
        #expect(try policy.verify(Self.cosigned(checkpoint, by: [w])).cosigners.map(\.name) == ["W"])
        // A listed witness's cosignature is still checked: a forged one is not counted.
        let other = Self.checkpoint(log)
        let forged = checkpoint.adding([w.cosign(checkpointText: other.note.text, timestamp: 5)])
        #expect(try policy.verify(forged).cosigners.isEmpty)
        // None at all: no logs, no witnesses.
        let empty = try Self.parse("quorum none\n")
        #expect(empty.isSatisfied(byWitnesses: []))
        Self.expectRefused(empty, checkpoint, .unverified)
    }

    @Test func nestedGroups() throws {
        let log = Self.logSigner()
        let ws = (0..<7).map { Self.witness("w\($0).example") }
        let policy = try Self.parse(
            (0..<7).map { "witness W\($0) \(ws[$0].verifierKey)\n" }.joined() + """
                log \(log.verifierKey)
                group A 2 W0 W1 W2
                group B any W3 W4
                group AB all A B
                group C all W5
                group top any AB C
                group root 2 top W6
                quorum root

                """)
        let base = Self.checkpoint(log)
        func check(_ indices: [Int], _ expected: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
            let names = Set(indices.map { TlogPolicy.Name("W\($0)") })
            #expect(policy.isSatisfied(byWitnesses: names) == expected, "\(indices)", sourceLocation: sourceLocation)
            let signed = Self.cosigned(base, by: indices.map { ws[$0] })
            if expected {
                Self.expectVerifies(policy, signed, sourceLocation: sourceLocation)
            } else {
                Self.expectRefused(policy, signed, .unverified, sourceLocation: sourceLocation)
            }
        }
        check([0, 1, 3, 6], true)  // A, B → AB → top; and W6
        check([5, 6], true)  // C → top; and W6
        check([0, 1, 3], false)  // top without W6
        check([0, 3, 6], false)  // A has only one
        check([0, 1, 2, 6], false)  // B missing
        check([6], false)
        check([0, 1, 2, 3, 4, 5, 6], true)
    }

    // MARK: Verifying checkpoints

    @Test func onlyListedLogsWhoseNameIsTheOrigin() throws {
        let a = Self.logSigner("a.example/log"), b = Self.logSigner("b.example/log"), c = Self.logSigner("c.example/log")
        let rotated = Self.logSigner("a.example/log")
        let policy = try Self.parse("log \(a.verifierKey)\nlog \(b.verifierKey) https://b.example/\nlog \(rotated.verifierKey)\nquorum none\n")
        #expect(try policy.verify(Self.checkpoint(a)).log == a.verifierKey)
        #expect(try policy.verify(Self.checkpoint(b)).log == b.verifierKey)
        #expect(try policy.verify(Self.checkpoint(rotated)).log == rotated.verifierKey, "two keys for one origin (rotation)")
        Self.expectRefused(policy, Self.checkpoint(c), .unverified)
        // A log key whose name is not the checkpoint's origin does not vouch for it.
        let mismatched = try SignedCheckpoint(signing: Checkpoint(origin: "b.example/log", size: 1, rootHash: SecureRandom.bytes(32)), with: a)
        Self.expectRefused(policy, mismatched, .unverified)
        // Only the witnesses signed: no log signature.
        let w = Self.witness("w.example")
        let body = Checkpoint(origin: "a.example/log", size: 3, rootHash: SecureRandom.bytes(32))
        let witnessOnly = try SignedCheckpoint(note: SignedNote(text: body.text, signatures: [w.cosign(checkpointText: body.text, timestamp: 1)]))
        Self.expectRefused(policy, witnessOnly, .unverified)
        Self.expectRefused(try Self.parse("witness W \(w.verifierKey)\nquorum W\n"), Self.checkpoint(a), .unverified)
    }

    @Test func aForgedLogSignatureIsRejected() throws {
        let log = Self.logSigner()
        let policy = try Self.parse("log \(log.verifierKey)\nquorum none\n")
        let checkpoint = Self.checkpoint(log)
        let other = Self.checkpoint(log)
        let forged = try SignedCheckpoint(note: SignedNote(text: checkpoint.note.text, signatures: other.note.signatures))
        Self.expectRefused(policy, forged, .badSignature)
        // A valid signature beside a bad one by the same key still rejects.
        Self.expectRefused(policy, checkpoint.adding(other.note.signatures), .badSignature)
    }

    @Test func unknownKeysAreIgnoredAndAForgedCosignatureRejected() throws {
        let log = Self.logSigner()
        let a = Self.witness("a.example"), b = Self.witness("b.example")
        let stranger = Self.witness("stranger.example")
        let policy = try Self.parse("log \(log.verifierKey)\nwitness A \(a.verifierKey)\nwitness B \(b.verifierKey)\ngroup G 2 A B\nquorum G\n")
        let checkpoint = Self.checkpoint(log)
        let good = Self.cosigned(checkpoint, by: [a, b])
        Self.expectVerifies(policy, good)

        // Signatures from keys the policy does not list are ignored — even a
        // bad one, and even one that reuses a listed witness's name with another key ID.
        let impostor = Self.witness("a.example")
        let noise = [
            stranger.cosign(checkpointText: "something else\n", timestamp: 9),
            impostor.cosign(checkpointText: "something else\n", timestamp: 9),
            SignedNote.Signature(name: "a.example", keyID: a.verifierKey.keyID ^ 1, bytes: Array(repeating: 7, count: 72)),
        ]
        Self.expectVerifies(policy, good.adding(noise))
        let verified = try policy.verify(good.adding(noise))
        #expect(verified.cosigners.map(\.name) == ["A", "B"])
        // An unlisted witness does not count toward the quorum.
        Self.expectRefused(policy, Self.cosigned(checkpoint, by: [a, stranger]), .unverified)

        // A listed witness's cosignature that does not verify counts as absent,
        // never as a veto and never toward the quorum (docs/spec/compact-proof.md §4.1).
        let other = Self.checkpoint(log)
        let replayed = checkpoint.adding([
            a.cosign(checkpointText: other.note.text, timestamp: 1), b.cosign(checkpointText: checkpoint.note.text, timestamp: 1),
        ])
        Self.expectRefused(policy, replayed, .unverified)
        var tampered = a.cosign(checkpointText: checkpoint.note.text, timestamp: 1_760_000_000).bytes
        tampered[7] ^= 1  // the timestamp is signed too
        Self.expectRefused(
            policy, Self.cosigned(checkpoint, by: [b]).adding([SignedNote.Signature(name: "a.example", keyID: a.verifierKey.keyID, bytes: tampered)]),
            .unverified)
        Self.expectRefused(
            policy, Self.cosigned(checkpoint, by: [b]).adding([SignedNote.Signature(name: "a.example", keyID: a.verifierKey.keyID, bytes: [1, 2, 3])]),
            .unverified)
        // With the quorum met by good ones, a bad extra one changes nothing.
        Self.expectVerifies(policy, good.adding([SignedNote.Signature(name: "a.example", keyID: a.verifierKey.keyID, bytes: [1, 2, 3])]))
    }

    @Test func aWitnessCountsOnceHoweverManySignatures() throws {
        let log = Self.logSigner()
        let a = Self.witness("a.example"), b = Self.witness("b.example")
        let policy = try Self.parse("log \(log.verifierKey)\nwitness A \(a.verifierKey)\nwitness B \(b.verifierKey)\ngroup G 2 A B\nquorum G\n")
        let checkpoint = Self.checkpoint(log)
        let twice = checkpoint.adding([
            a.cosign(checkpointText: checkpoint.note.text, timestamp: 100),
            a.cosign(checkpointText: checkpoint.note.text, timestamp: 200),
            a.cosign(checkpointText: checkpoint.note.text, timestamp: 100),
        ])
        Self.expectRefused(policy, twice, .unverified)
        let verified = try policy.verify(twice.adding([b.cosign(checkpointText: checkpoint.note.text, timestamp: 150)]))
        #expect(verified.cosigners.map(\.name) == ["A", "B"])
        #expect(verified.cosigners.map(\.timestamp) == [200, 150], "the latest cosignature time")
        // A witness listed under another name with the same key would be a duplicate anyway.
    }

    // MARK: One log, k of n witnesses (init(logKey:witnesses:quorum:))

    @Test func logKeyWitnessesQuorumKOfN() throws {
        let log = Self.logSigner()
        let ws = (0..<3).map { Self.witness("w\($0).example") }
        let policy = try TlogPolicy(logKey: log.verifierKey, witnesses: ws.map(\.verifierKey), quorum: 2)
        #expect(
            policy.text == """
                log \(log.verifierKey)
                witness w0.example \(ws[0].verifierKey)
                witness w1.example \(ws[1].verifierKey)
                witness w2.example \(ws[2].verifierKey)
                group quorum 2 w0.example w1.example w2.example
                quorum quorum

                """)
        #expect(try Self.parse(policy.text) == policy)
        // Any two of the three, for every set of cosigners.
        let base = Self.checkpoint(log)
        for mask in 0..<8 {
            let signed = Self.cosigned(base, by: ws.indices.filter { mask & (1 << $0) != 0 }.map { ws[$0] })
            let policyOK = (try? policy.verify(signed)) != nil
            #expect(policyOK == (mask.nonzeroBitCount >= 2), "mask \(mask)")
        }
    }

    @Test func logKeyWitnessesQuorumOtherShapes() throws {
        let log = Self.logSigner()
        let w = Self.witness("w.example")
        let none = try TlogPolicy(logKey: log.verifierKey)
        #expect(none.text == "log \(log.verifierKey)\nquorum none\n")
        let unused = try TlogPolicy(logKey: log.verifierKey, witnesses: [w.verifierKey], quorum: 0)
        #expect(unused.quorum == TlogPolicy.none && unused.witnesses.count == 1)

        // Names that collide (with 'none', 'quorum' or each other) are made unique.
        let quorumNamed = Self.witness("quorum"), noneNamed = Self.witness("none")
        let rotated = Self.witness("w.example")
        let colliding = try TlogPolicy(
            logKey: log.verifierKey, witnesses: [quorumNamed.verifierKey, noneNamed.verifierKey, w.verifierKey, rotated.verifierKey], quorum: 4)
        #expect(Set(colliding.witnesses.map(\.name)).count == 4)
        #expect(!colliding.witnesses.map(\.name).contains(TlogPolicy.none))
        #expect(colliding.quorum == "quorum-2")
        #expect(try Self.parse(colliding.text) == colliding)
        Self.expectVerifies(colliding, Self.cosigned(Self.checkpoint(log), by: [quorumNamed, noneNamed, w, rotated]))

        // Arguments that are not a valid policy.
        func code(_ make: () throws -> TlogPolicy) -> Code? {
            do { _ = try make(); return nil } catch { return (error as? TlogPolicyError)?.code }
        }
        #expect(code { try TlogPolicy(logKey: log.verifierKey, witnesses: [w.verifierKey], quorum: 2) } == .thresholdOutOfRange)
        #expect(code { try TlogPolicy(logKey: log.verifierKey, witnesses: [], quorum: 1) } == .emptyGroup)
        #expect(code { try TlogPolicy(logKey: log.verifierKey, witnesses: [w.verifierKey, w.verifierKey], quorum: 1) } == .duplicateWitness)
        #expect(code { try TlogPolicy(logKey: w.verifierKey) } == .wrongKeyType)
        #expect(code { try TlogPolicy(logKey: log.verifierKey, witnesses: [Self.logSigner("other.example/log").verifierKey], quorum: 1) } == .wrongKeyType)
    }

    @Test func verifiesThroughTheProtocolAndInAProof() throws {
        let log = Self.logSigner()
        let ws = (0..<2).map { Self.witness("w\($0).example") }
        let policy = try TlogPolicy(logKey: log.verifierKey, witnesses: ws.map(\.verifierKey), quorum: 2)
        let verifier: any CheckpointVerifying = policy
        let signed = Self.cosigned(Self.checkpoint(log), by: ws, at: 42)
        let verified = try verifier.verify(signed)
        #expect(verified == (try policy.verify(signed)))
        #expect(verified.cosigners.map(\.name.description).sorted() == ["w0.example", "w1.example"])
        #expect(verified.cosigners.allSatisfy { $0.timestamp == 42 })
        #expect(throws: NoteError.self) { try verifier.verify(Self.cosigned(Self.checkpoint(log), by: [ws[0]])) }

        // A tlog-proof checked under a TlogPolicy.
        let entries: [[UInt8]] = [Array("a".utf8), Array("b".utf8)]
        let root = Merkle.nodeHash(Merkle.leafHash(entries[0]), Merkle.leafHash(entries[1]))
        let checkpoint = Self.cosigned(try SignedCheckpoint(signing: Checkpoint(origin: log.name, size: 2, rootHash: root), with: log), by: ws)
        let proof = TlogProof(index: 1, inclusionProof: [Merkle.leafHash(entries[0])], checkpoint: checkpoint)
        try proof.verify(leafHash: Merkle.leafHash(entries[1]), policy: policy)
        #expect(throws: (any Error).self) { try proof.verify(leafHash: Merkle.leafHash(entries[0]), policy: policy) }
    }
}
