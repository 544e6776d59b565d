import AkashiCrypto
import Foundation
import Testing
import TransparencyLog
import Witness

@Suite("add-checkpoint (c2sp.org/tlog-witness)")
struct AddCheckpointTests {
    /// The cosignature lines of a response, checked as the spec suggests:
    /// appended to the checkpoint and verified as a note with the witness key.
    static func verifiedCosignatures(_ response: String, on checkpoint: SignedCheckpoint, key: VerifierKey) throws -> [SignedNote.Signature] {
        let note = try SignedNote(parsing: checkpoint.note.text + "\n" + response)
        let verified = try note.verify([CosignatureV1Verifier(key: key)])
        #expect(verified.count == 1)
        return note.signatures
    }

    @Test("the first checkpoint (old 0) is cosigned; the cosignature verifies with cosignature/v1 and a witness policy")
    func firstCheckpoint() throws {
        let f = try WitnessFixture()
        let response = try f.add(old: 0, size: 5)
        #expect(response.hasPrefix("\u{2014} \(WitnessFixture.name) "))
        #expect(response.hasSuffix("\n"))
        #expect(response.split(separator: "\n").count == 1)

        let checkpoint = f.log.checkpoint(5)
        let signatures = try Self.verifiedCosignatures(response, on: checkpoint, key: f.witness.verifierKey)
        #expect(signatures.count == 1)
        #expect(signatures[0].bytes.count == 72)
        #expect(CosignatureV1.timestamp(of: signatures[0].bytes) == WitnessFixture.time)
        // Exactly the cosignature/v1 message: header, time line, checkpoint text.
        let message = CosignatureV1.signedMessage(checkpointText: checkpoint.note.text, timestamp: WitnessFixture.time)
        #expect(String(decoding: message, as: UTF8.self).hasPrefix("cosignature/v1\ntime \(WitnessFixture.time)\n\(f.log.origin)\n5\n"))
        #expect(f.witness.verifierKey.publicKey.isValidSignature(Array(signatures[0].bytes[8...]), for: message))

        let policy = try TlogPolicy(logKey: f.log.vkey, witnesses: [f.witness.verifierKey], quorum: 1)
        let verified = try policy.verify(checkpoint.adding(signatures))
        #expect(verified.cosigners.map(\.key.name) == [WitnessFixture.name])
        #expect(verified.cosigners.map(\.timestamp) == [WitnessFixture.time])
        #expect(verified.checkpoint.size == 5)

        // The state records the size, root and the cosigned checkpoint.
        let stored = try #require(try f.state.log(origin: f.log.origin))
        #expect(stored.size == 5)
        #expect(stored.rootHash == f.log.root(5))
        #expect(stored.cosignedAt == WitnessFixture.time)
        let storedNote = try SignedCheckpoint(parsing: try #require(stored.checkpoint))
        #expect(storedNote.checkpoint == checkpoint.checkpoint)
        _ = try policy.verify(storedNote)
    }

    @Test("consecutive growth with real consistency proofs, including power-of-two old sizes")
    func consecutiveGrowth() throws {
        let f = try WitnessFixture()
        let sizes: [UInt64] = [1, 2, 3, 4, 7, 8, 16, 17, 31, 32, 64, 100, 128, 129, 200]
        var old: UInt64 = 0
        for size in sizes {
            let response = try f.add(old: old, size: size)
            let signatures = try Self.verifiedCosignatures(response, on: f.log.checkpoint(size), key: f.witness.verifierKey)
            #expect(signatures.count == 1)
            #expect(try f.storedSize() == size)
            #expect(try f.state.log(origin: f.log.origin)?.rootHash == f.log.root(size))
            old = size
        }
    }

    @Test("the same checkpoint again (old = size, same root) is cosigned afresh")
    func sameSizeSameRoot() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 9)
        let later = WitnessFixture.witness(state: f.state, clock: { WitnessFixture.time + 60 })
        let response = try later.addCheckpoint(body: f.log.body(old: 9, size: 9))
        let signatures = try Self.verifiedCosignatures(response, on: f.log.checkpoint(9), key: later.verifierKey)
        #expect(CosignatureV1.timestamp(of: signatures[0].bytes) == WitnessFixture.time + 60)
        #expect(try f.storedSize() == 9)
    }

    @Test("extension lines are part of the cosigned message")
    func extensionLines() throws {
        let f = try WitnessFixture()
        let checkpoint = f.log.checkpoint(3, extensions: ["ext one"])
        let response = try f.witness.addCheckpoint(body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: checkpoint).body)
        _ = try Self.verifiedCosignatures(response, on: checkpoint, key: f.witness.verifierKey)
        // The same cosignature does not verify on the text without the extension.
        #expect(throws: NoteError.self) { try Self.verifiedCosignatures(response, on: f.log.checkpoint(3), key: f.witness.verifierKey) }
    }

    @Test("unknown origin: 404")
    func unknownOrigin() throws {
        let f = try WitnessFixture()
        let other = TestLog(origin: "other.example/log", keyLabel: "other")
        let error = f.refusal(other.body(old: 0, size: 3))
        #expect(error?.code == .unknownLog)
        #expect(error?.httpStatus == 404)
        #expect(try f.state.log(origin: other.origin) == nil)
    }

    @Test("no trusted signature, or a trusted key's signature that fails: 403; unknown keys are ignored")
    func signatures() throws {
        let f = try WitnessFixture()
        // Same origin and name, another key: an unknown key, so no trusted signature.
        let impostor = TestLog(keyLabel: "impostor")
        #expect(f.refusal(impostor.body(old: 0, size: 4))?.httpStatus == 403)

        // The trusted key's signature over altered text.
        let good = f.log.checkpoint(4)
        let tampered = SignedNote(
            text: good.note.text,
            signatures: [
                SignedNote.Signature(
                    name: good.note.signatures[0].name, keyID: good.note.signatures[0].keyID, bytes: good.note.signatures[0].bytes.flippingBit(3))
            ])
        let tamperedBody = AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try SignedCheckpoint(note: tampered)).body
        #expect(f.refusal(tamperedBody)?.code == .badSignature)

        // A valid trusted signature next to an unknown key's: accepted.
        let extra = try Ed25519NoteSigner(name: "someone.example/else", privateKey: testKey("else"))
        let withUnknown = good.adding([try extra.signNote(good.note.text).signatures[0]])
        let response = try f.witness.addCheckpoint(body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: withUnknown).body)
        _ = try Self.verifiedCosignatures(response, on: good, key: f.witness.verifierKey)
        // The stored checkpoint keeps only verified log signatures and the cosignature.
        let stored = try SignedNote(parsing: try #require(try f.state.log(origin: f.log.origin)?.checkpoint))
        #expect(stored.signatures.map(\.name) == [f.log.origin, WitnessFixture.name])
        #expect(try f.storedSize() == 4)
    }

    @Test("a log may have several keys (rotation): either one's signature is accepted")
    func severalKeys() throws {
        let f = try WitnessFixture()
        let rotated = TestLog(keyLabel: "log-2026")
        #expect(try f.state.addLog(key: rotated.vkey))
        #expect(try f.state.addLog(key: rotated.vkey) == false, "adding a key twice changes nothing")
        #expect(try f.state.keys(origin: f.log.origin).count == 2)
        try f.add(old: 0, size: 10)
        _ = try f.witness.addCheckpoint(body: rotated.body(old: 10, size: 20))
        #expect(try f.storedSize() == 20)
        // A cosignature key is not a log key.
        let cosigner = try CosignatureV1Signer(name: f.log.origin, privateKey: testKey("x"))
        #expect(throws: WitnessError.self) { try f.state.addLog(key: cosigner.verifierKey) }
    }

    @Test("old size larger than the checkpoint: 400")
    func oldLargerThanSize() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 10)
        let body = AddCheckpointRequest(oldSize: 10, proof: [], checkpoint: f.log.checkpoint(6)).body
        let error = f.refusal(body)
        #expect(error?.code == .badRequest)
        #expect(error?.httpStatus == 400)
        #expect(try f.storedSize() == 10)
    }

    @Test("stale old size: 409 with the latest cosigned size (0 when none)")
    func staleOldSize() throws {
        let f = try WitnessFixture()
        let never = f.refusal(f.log.body(old: 3, size: 7))
        #expect(never?.code == .conflict)
        #expect(never?.httpStatus == 409)
        #expect(never?.latestSize == 0)

        try f.add(old: 0, size: 10)
        let behind = f.refusal(f.log.body(old: 5, size: 12))
        #expect(behind?.latestSize == 10)
        let fresh = f.refusal(f.log.body(old: 0, size: 12))
        #expect(fresh?.latestSize == 10)
        #expect(try f.storedSize() == 10)
        // With the size it learned, the client succeeds.
        try f.add(old: 10, size: 12)
        #expect(try f.storedSize() == 12)
    }

    @Test("a fork — the same size with another root — is a 409 without a size, and kept as evidence")
    func sameSizeOtherRoot() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 10)
        let fork = TestLog(salt: "forked")
        let error = f.refusal(fork.body(old: 10, size: 10))
        #expect(error?.code == .conflict)
        #expect(error?.httpStatus == 409)
        #expect(error?.latestSize == nil, "not a stale size: retrying cannot help")
        #expect(try f.state.log(origin: f.log.origin)?.rootHash == f.log.root(10))
        let evidence = try f.state.evidence(origin: f.log.origin)
        #expect(evidence.count == 1)
        #expect(evidence.first?.rootHash == fork.root(10))
        #expect(evidence.first?.cosignedSize == 10)
        #expect(try SignedCheckpoint(parsing: try #require(evidence.first?.checkpoint)) == fork.checkpoint(10))
        // Submitting it again keeps one record.
        _ = f.refusal(fork.body(old: 10, size: 10))
        #expect(try f.state.evidence(origin: f.log.origin).count == 1)
    }

    @Test("a rewritten history — a larger checkpoint inconsistent with the cosigned one — is a 422")
    func rewrittenHistory() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 8)
        // Another history with a proof that is valid within that history.
        let rewritten = TestLog(salt: "rewritten")
        let error = f.refusal(rewritten.body(old: 8, size: 12))
        #expect(error?.code == .inconsistent)
        #expect(error?.httpStatus == 422)
        #expect(try f.storedSize() == 8)
        #expect(try f.state.evidence(origin: f.log.origin).map(\.size) == [12])
        // The honest continuation still works.
        try f.add(old: 8, size: 12)
        #expect(try f.storedSize() == 12)
    }

    @Test("a consistency proof that does not verify: 422")
    func badProofs() throws {
        let f = try WitnessFixture()
        try f.add(old: 0, size: 13)
        let checkpoint = f.log.checkpoint(21)
        let good = f.log.proof(from: 13, to: 21)
        var cases: [[[UInt8]]] = []
        for i in good.indices { var p = good; p[i] = p[i].flippingBit(i * 11); cases.append(p) }
        cases.append(Array(good.dropLast()))
        cases.append(good + [good[0]])
        cases.append([])
        cases.append(f.log.proof(from: 12, to: 21))
        cases.append(f.log.proof(from: 13, to: 20))
        for proof in cases {
            let error = f.refusal(AddCheckpointRequest(oldSize: 13, proof: proof, checkpoint: checkpoint).body)
            #expect(error?.code == .inconsistent)
            #expect(error?.httpStatus == 422)
        }
        #expect(try f.storedSize() == 13)
        // Old = size with a non-empty proof is not a valid proof either.
        #expect(f.refusal(AddCheckpointRequest(oldSize: 13, proof: good, checkpoint: f.log.checkpoint(13)).body)?.httpStatus == 422)
        _ = try f.witness.addCheckpoint(body: AddCheckpointRequest(oldSize: 13, proof: good, checkpoint: checkpoint).body)
        #expect(try f.storedSize() == 21)
    }

    @Test("proof lines with old size 0: 422 (the proof must be empty; not a valid proof)")
    func proofWithOldZero() throws {
        let f = try WitnessFixture()
        let body = AddCheckpointRequest(oldSize: 0, proof: [f.log.root(1)], checkpoint: f.log.checkpoint(5)).body
        let error = f.refusal(body)
        #expect(error?.code == .inconsistent)
        #expect(error?.httpStatus == 422)
        #expect(try f.storedSize() == 0)
    }

    @Test("a size-0 checkpoint must carry the empty tree's root")
    func emptyTree() throws {
        let f = try WitnessFixture()
        let bad = try SignedCheckpoint(signing: Checkpoint(origin: f.log.origin, size: 0, rootHash: f.log.root(1)), with: f.log.signer)
        #expect(f.refusal(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: bad).body)?.httpStatus == 422)
        let empty = try SignedCheckpoint(signing: Checkpoint(origin: f.log.origin, size: 0, rootHash: Merkle.emptyRoot), with: f.log.signer)
        _ = try f.witness.addCheckpoint(body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: empty).body)
        #expect(try f.storedSize() == 0)
        try f.add(old: 0, size: 3)
        #expect(try f.storedSize() == 3)
    }

    @Test("63 proof lines parse; 64 are a 400")
    func proofLineLimit() throws {
        let f = try WitnessFixture()
        let checkpoint = f.log.checkpoint(50)
        let hashes = (0..<64).map { SHA256.hash([UInt8($0)]) }
        let request63 = try AddCheckpointRequest(parsing: AddCheckpointRequest(oldSize: 1, proof: Array(hashes.prefix(63)), checkpoint: checkpoint).body)
        #expect(request63.proof.count == 63)
        let error = f.refusal(AddCheckpointRequest(oldSize: 1, proof: hashes, checkpoint: checkpoint).body)
        #expect(error?.code == .badRequest)
        #expect(error?.reason.contains("63") == true)
    }

    @Test(
        "malformed bodies: 400",
        arguments: [
            "",
            "old 5",
            "old 05\n\n",
            "old 0",
            "old -1\n\n",
            "old +1\n\n",
            "old  1\n\n",
            "Old 1\n\n",
            "old 1 \n\n",
            "old 1\r\n\n",
            "old\n\n",
            "old 18446744073709551616\n\n",
            "old 9223372036854775808\n\n",
            "old 0\nnot base64!\n\n",
            "old 0\nAAAA\n\n",
            "old 0\n\n",
            "old 0\n\nlog.example/akashi\n5\n",
            "old 0\n\nlog.example/akashi\n05\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} log.example/akashi AAAAAAAA\n",
            "old 0\n\nlog.example/akashi\n5\nnot-a-root\n\n\u{2014} log.example/akashi AAAAAAAA\n",
            "old 0\n\nlog.example/akashi\n5\n\u{0}\n\n\u{2014} log.example/akashi AAAAAAAA\n",
        ])
    func malformed(_ text: String) throws {
        let f = try WitnessFixture()
        let error = f.refusal(Array(text.utf8))
        #expect(error?.code == .badRequest, "\(text.debugDescription)")
        #expect(error?.httpStatus == 400)
    }

    @Test("malformed checkpoints around a valid request: missing blank line, bad UTF-8, no newline at the end")
    func malformedAroundValid() throws {
        let f = try WitnessFixture()
        let valid = f.log.body(old: 0, size: 5)
        let text = String(decoding: valid, as: UTF8.self)
        let noBlank = Array(text.replacingOccurrences(of: "old 0\n\n", with: "old 0\n").utf8)
        #expect(f.refusal(noBlank)?.httpStatus == 400)
        #expect(f.refusal(Array(valid.dropLast()))?.httpStatus == 400)
        var badUTF8 = valid
        badUTF8.insert(0xff, at: 8)
        #expect(f.refusal(badUTF8)?.httpStatus == 400)
        // Leading zero in the old size of an otherwise valid request.
        #expect(f.refusal(Array(text.replacingOccurrences(of: "old 0\n", with: "old 00\n").utf8))?.httpStatus == 400)
        // And the valid body itself is accepted.
        _ = try f.witness.addCheckpoint(body: valid)
        #expect(try f.storedSize() == 5)
    }

    @Test("the request body round-trips through the parser")
    func requestRoundTrip() throws {
        let log = TestLog()
        let request = log.request(old: 13, size: 77)
        let parsed = try AddCheckpointRequest(parsing: request.body)
        #expect(parsed == request)
        #expect(String(decoding: request.body, as: UTF8.self).hasPrefix("old 13\n\(log.proof(from: 13, to: 77)[0].base64String)\n"))
    }
}
