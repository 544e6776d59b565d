import AkashiCrypto
import Certificates
import Foundation
import Testing
import TransparencyLog

/// The witness rule of a trust file's log: only a c2sp.org/tlog-policy text
/// (`log.policy`; the v1 `witnesses` + `witnessQuorum` form is an unknown
/// member in v2); the policy must list exactly this log's key; a bad policy
/// makes the whole trust file malformed; a valid one decides whether
/// checkpoints are trusted.
@Suite struct TrustPolicyTests {
    static let origin = "iizuka.example/akashi/log"

    struct Fixture {
        let log = try! Ed25519NoteSigner(name: TrustPolicyTests.origin, privateKey: Ed25519.PrivateKey())
        let witnesses = (1...3).map { try! CosignatureV1Signer(name: "w\($0).witness.example", privateKey: Ed25519.PrivateKey()) }

        /// Two of three witnesses, as a group.
        var twoOfThree: String {
            """
            # two of three witnesses
            log \(log.verifierKey)
            witness W1 \(witnesses[0].verifierKey) https://w1.witness.example/
            witness W2 \(witnesses[1].verifierKey)
            witness W3 \(witnesses[2].verifierKey)
            group two-of-three 2 W1 W2 W3
            quorum two-of-three

            """
        }

        func checkpoint(cosignedBy signers: [CosignatureV1Signer] = []) throws -> SignedCheckpoint {
            let signed = try SignedCheckpoint(signing: Checkpoint(origin: log.name, size: 5, rootHash: SecureRandom.bytes(32)), with: log)
            return signed.adding(signers.map { $0.cosign(checkpointText: signed.note.text, timestamp: 1_790_000_000) })
        }

        /// One valid issuer key (a trust file needs at least one).
        static var issuerKeyJSON: [String: Any] {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let key = IssuerKey(publicKey: try! P256.PrivateKey().publicKey, notBefore: Date(timeIntervalSince1970: 1_700_000_000))
            return try! JSONSerialization.jsonObject(with: encoder.encode(key)) as! [String: Any]
        }

        func trustJSON(_ log: [String: Any]) throws -> Data {
            let file: [String: Any] = [
                "format": TrustFile.currentFormat,
                "generatedAt": "2026-11-23T00:00:00Z",
                "authorities": [["issuer": "402052", "name": "飯塚市", "keys": [Fixture.issuerKeyJSON], "kinds": [], "log": log]],
            ]
            return try JSONSerialization.data(withJSONObject: file)
        }
    }

    /// Expects the trust file to be refused as malformed, with a reason containing `text`.
    static func expectMalformed(_ data: Data, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try TrustFile.decode(data)
            Issue.record("accepted, expected malformedTrust (\(text))", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .malformedTrust, "\(error)", sourceLocation: sourceLocation)
            #expect(error.reason.contains(text), "\(error.reason)", sourceLocation: sourceLocation)
        }
    }

    @Test func theV1SimpleFormIsRefused() throws {
        let f = Fixture()
        let vkey = f.log.verifierKey.description
        for extra: [String: Any] in [
            ["witnesses": [f.witnesses[0].verifierKey.description], "witnessQuorum": 1],
            ["witnesses": [String]()],
            ["witnessQuorum": 0],
        ] {
            let log = ["origin": Self.origin, "vkey": vkey, "policy": f.twoOfThree].merging(extra) { a, _ in a }
            Self.expectMalformed(try f.trustJSON(log), "unknown member .authorities[0].log.witness")
        }
        // Without a policy the log is refused too: the rule is required.
        Self.expectMalformed(try f.trustJSON(["origin": Self.origin, "vkey": vkey]), "policy")
    }

    @Test func aSecondOrAnotherLogKeyIsRefused() throws {
        let f = Fixture()
        let other = try Ed25519NoteSigner(name: "other.example/log", privateKey: Ed25519.PrivateKey())
        let sameNameOtherKey = try Ed25519NoteSigner(name: Self.origin, privateKey: Ed25519.PrivateKey())
        let vkey = f.log.verifierKey.description
        for policy in [
            "log \(f.log.verifierKey)\nlog \(other.verifierKey)\nquorum none\n",
            "log \(other.verifierKey)\nlog \(f.log.verifierKey)\nquorum none\n",
            "log \(sameNameOtherKey.verifierKey)\nquorum none\n",
            "log \(other.verifierKey)\nquorum none\n",
            "quorum none\n",
        ] {
            Self.expectMalformed(
                try f.trustJSON(["origin": Self.origin, "vkey": vkey, "policy": policy]),
                "the tlog-policy must list exactly one log, this log's vkey \(vkey)")
        }
        // The log itself, once, with quorum none: accepted.
        _ = try TrustFile.decode(f.trustJSON(["origin": Self.origin, "vkey": vkey, "policy": "log \(f.log.verifierKey)\nquorum none\n"]))
    }

    @Test func anInvalidPolicyMakesTheTrustFileMalformed() throws {
        let f = Fixture()
        let vkey = f.log.verifierKey.description
        let log = "log \(f.log.verifierKey)\n"
        let edWitness = try Ed25519NoteSigner(name: "ed.witness.example", privateKey: Ed25519.PrivateKey())
        let cases: [(String, String)] = [
            (log + "quorum none", "line 2: the last line does not end with a newline"),
            (log + "quorum nobody\n", "line 2: the quorum 'nobody' is not a witness or group"),
            (log + "quorum none\nquorum none\n", "line 3: a second quorum line"),
            (log, "the policy has no quorum line"),
            (log + "witnesses W \(f.witnesses[0].verifierKey)\nquorum none\n", "line 2: unknown keyword 'witnesses'"),
            (log + "witness W \(edWitness.verifierKey)\nquorum W\n", "line 2: witness W has an Ed25519 (type 0x01) key"),
            (log + "witness W \(f.witnesses[0].verifierKey)\ngroup g 2 W\nquorum g\n", "line 3: group 'g' has threshold 2 with 1 members"),
            (log + "witness W \(f.witnesses[0].verifierKey)\ngroup g any W W\nquorum g\n", "line 3: 'W' is already a group member"),
            (log + "witness W \(f.witnesses[0].verifierKey)\nwitness W \(f.witnesses[1].verifierKey)\nquorum W\n", "line 3: the name 'W' is already defined"),
            (log + "witness W nonsense\nquorum W\n", "line 2: 'nonsense' is not a valid vkey"),
            (log + "quorum none\r\n", "line 2: octet 0x0d is not allowed"),
        ]
        for (policy, reason) in cases {
            Self.expectMalformed(
                try f.trustJSON(["origin": Self.origin, "vkey": vkey, "policy": policy]),
                "authority 402052: log \(Self.origin): the tlog-policy is invalid: \(reason)")
        }
    }

    @Test func aValidPolicyDecidesWhetherACheckpointIsTrusted() throws {
        let f = Fixture()
        let trust = try TrustFile.decode(f.trustJSON(["origin": Self.origin, "vkey": f.log.verifierKey.description, "policy": f.twoOfThree]))
        let log = trust.authorities[0].log
        #expect(try log.tlogPolicy().witnesses.map(\.key) == f.witnesses.map(\.verifierKey), "the compact proof is read with the policy's witness keys")

        // Two of three: trusted, whichever two.
        for pair in [[0, 1], [0, 2], [1, 2], [0, 1, 2]] {
            let verified = try log.tlogPolicy().verify(try f.checkpoint(cosignedBy: pair.map { f.witnesses[$0] }))
            #expect(verified.cosigners.map { $0.key.name } == pair.map { f.witnesses[$0].name })
        }
        // One or none: not.
        for signers in [[f.witnesses[1]], []] {
            #expect(throws: NoteError.self) { try log.tlogPolicy().verify(try f.checkpoint(cosignedBy: signers)) }
        }
        // A listed witness's bad cosignature counts as absent: the other two still meet the quorum …
        let good = try f.checkpoint(cosignedBy: [f.witnesses[0], f.witnesses[2]])
        var bad = f.witnesses[1].cosign(checkpointText: good.note.text, timestamp: 1_790_000_000).bytes
        bad[bad.count - 1] ^= 0x01
        let corrupted = good.adding([SignedNote.Signature(name: f.witnesses[1].name, keyID: f.witnesses[1].verifierKey.keyID, bytes: bad)])
        #expect(try log.tlogPolicy().verify(corrupted).cosigners.count == 2)
        // … and it does not count toward it.
        let short = try f.checkpoint(cosignedBy: [f.witnesses[0]]).adding([
            SignedNote.Signature(name: f.witnesses[1].name, keyID: f.witnesses[1].verifierKey.keyID, bytes: bad)
        ])
        #expect(throws: NoteError.self) { try log.tlogPolicy().verify(short) }
        // A witness the policy does not list is ignored.
        let stranger = try CosignatureV1Signer(name: "stranger.example", privateKey: Ed25519.PrivateKey())
        #expect(throws: NoteError.self) { try log.tlogPolicy().verify(try f.checkpoint(cosignedBy: [f.witnesses[0], stranger])) }
        // A checkpoint of another log is not trusted, however well cosigned.
        let forger = try Ed25519NoteSigner(name: Self.origin, privateKey: Ed25519.PrivateKey())
        let forged = try SignedCheckpoint(signing: Checkpoint(origin: Self.origin, size: 5, rootHash: SecureRandom.bytes(32)), with: forger)
        let forgedCosigned = forged.adding(f.witnesses.map { $0.cosign(checkpointText: forged.note.text, timestamp: 1_790_000_000) })
        #expect(throws: NoteError.self) { try log.tlogPolicy().verify(forgedCosigned) }

        // The file round-trips with its policy.
        let again = try TrustFile.decode(trust.encoded())
        #expect(again.authorities[0].log.policy == f.twoOfThree)
    }

    @Test func nestedGroupsAndQuorumNone() throws {
        let f = Fixture()
        let extra = try (4...5).map { try CosignatureV1Signer(name: "w\($0).witness.example", privateKey: Ed25519.PrivateKey()) }
        let w = (f.witnesses + extra).map(\.verifierKey)
        let policy = """
            log \(f.log.verifierKey)
            witness A1 \(w[0])
            witness A2 \(w[1])
            group operator-a all A1 A2
            witness B1 \(w[2])
            witness B2 \(w[3])
            witness B3 \(w[4])
            group operator-b 2 B1 B2 B3
            group either any operator-a operator-b
            quorum either

            """
        let trust = try TrustFile.decode(f.trustJSON(["origin": Self.origin, "vkey": f.log.verifierKey.description, "policy": policy]))
        let log = trust.authorities[0].log
        let all = f.witnesses + extra
        _ = try log.tlogPolicy().verify(try f.checkpoint(cosignedBy: [all[0], all[2], all[4]]))
        _ = try log.tlogPolicy().verify(try f.checkpoint(cosignedBy: [all[0], all[1]]))
        #expect(throws: NoteError.self) { try log.tlogPolicy().verify(try f.checkpoint(cosignedBy: [all[0], all[2]])) }

        let none = try TrustFile.decode(
            f.trustJSON([
                "origin": Self.origin, "vkey": f.log.verifierKey.description,
                "policy": "log \(f.log.verifierKey)\nwitness W \(w[0])\nquorum none\n",
            ]))
        _ = try none.authorities[0].log.tlogPolicy().verify(try f.checkpoint())
        #expect(try none.authorities[0].log.tlogPolicy().witnesses.map(\.key) == [w[0]])
    }

}
