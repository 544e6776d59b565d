import AkashiCrypto
import Certificates
import Federation
import Foundation
import Testing
import TransparencyLog

/// Signing and verifying akashi-federation/v1 lists: the round trip, and every
/// way a list is refused (tampered, wrong key, expired, not yet valid, rolled
/// back, malformed, unsound content).
@Suite struct FederatedTrustListTests {
    static func list(_ authorities: [TrustedAuthority], name: String = "福岡県", version: Int = 3) -> FederatedTrustList {
        FederatedTrustList(name: name, version: version, issuedAt: now, expiresAt: now + 90 * day, authorities: authorities)
    }

    @Test func signVerifyRoundTrip() throws {
        let key = try federationKey()
        let iizuka = try TestAuthority.iizuka()
        let original = Self.list([iizuka.authority])
        let signed = try original.signed(by: key)
        let verified = try FederatedTrustList.verify(signed.data, trusting: [key.verifierKey], at: now + day)
        #expect(verified == signed.list)
        #expect(verified.name == "福岡県" && verified.version == 3 && verified.issuedAt == now && verified.expiresAt == now + 90 * day)
        #expect(verified.authorities.map(\.issuer) == ["402052"])
        #expect(verified.authorities[0].keys.map(\.kid) == iizuka.authority.keys.map(\.kid))
        #expect(verified.authorities[0].kinds == iizuka.authority.kinds)
        #expect(verified.authorities[0].log == iizuka.authority.log)

        // The file: a signed note whose text is the header and one line of canonical JSON.
        let text = signed.note.text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[0] == "akashi-federation/v1" && lines[2].isEmpty)
        #expect(lines[1].hasPrefix("{\"authorities\":[{"))
        #expect(
            lines[1].hasSuffix(
                "\"expiresAt\":\"\(ISO8601DateFormatter().string(from: now + 90 * day))\",\"issuedAt\":\"\(ISO8601DateFormatter().string(from: now))\",\"name\":\"福岡県\",\"version\":3}"
            ))
        #expect(signed.note.signatures.count == 1)
        #expect(signed.serialized == text + "\n" + signed.note.signatures[0].line + "\n")
        #expect(signed.note.signatures[0].line.hasPrefix("\u{2014} pref.fukuoka.example/federation "))
        // Any signed-note verifier accepts it (here the log's own, within its 1 MiB limit).
        let note = try SignedNote(parsing: signed.serialized)
        #expect(try note.verify([Ed25519NoteVerifier(key: key.verifierKey)]).count == 1)
        // Signing is deterministic (Ed25519, canonical JSON).
        #expect(try original.signed(by: key) == signed)
        // The trust file the verifier reads.
        let trust = try TrustFile.decode(verified.trustFile().encoded())
        #expect(trust.authorities == verified.authorities)
    }

    @Test func tamperedListIsRejected() throws {
        let key = try federationKey()
        let signed = try Self.list([TestAuthority.iizuka().authority]).signed(by: key)
        let file = signed.serialized
        func code(_ text: String) -> FederationError.Code? {
            federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(Array(text.utf8), trusting: [key.verifierKey], at: now) }
        }
        #expect(code(file) == nil)
        #expect(code(file.replacingOccurrences(of: "飯塚市", with: "加賀市")) == .badSignature)
        #expect(code(file.replacingOccurrences(of: "\"version\":3", with: "\"version\":4")) == .badSignature)
        #expect(code(file.replacingOccurrences(of: "\"expiresAt\":\"20", with: "\"expiresAt\":\"21")) == .badSignature)
        #expect(code(file.replacingOccurrences(of: "{\"authorities\"", with: "{ \"authorities\"")) == .badSignature, "even an insignificant space")
        // Every single-byte change in the signed text.
        let bytes = Array(file.utf8)
        for position in stride(from: 0, to: signed.note.text.utf8.count - 1, by: 97) {
            var changed = bytes
            changed[position] = changed[position] == 0x41 ? 0x42 : 0x41
            let result = federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(changed, trusting: [key.verifierKey], at: now) }
            #expect(result != nil, "a change at byte \(position) verified")
        }
        // A signature from another key under the federation's name and key ID.
        let other = try federationKey()
        let forged = SignedNote.Signature(name: key.name, keyID: key.keyID, bytes: other.sign(message: Array(signed.note.text.utf8)))
        #expect(code(SignedNote(text: signed.note.text, signatures: [forged]).serialized) == .badSignature)
        #expect(code(SignedNote(text: signed.note.text, signatures: signed.note.signatures + [forged]).serialized) == .badSignature)
        // Unknown signatures are ignored.
        let unknown = try Ed25519NoteSigner(name: "someone.example", privateKey: Ed25519.PrivateKey())
        let extra = SignedNote.Signature(name: unknown.name, keyID: unknown.keyID, bytes: unknown.sign(message: Array(signed.note.text.utf8)))
        #expect(code(SignedNote(text: signed.note.text, signatures: [extra] + signed.note.signatures).serialized) == nil)
    }

    @Test func wrongKeyIsRejected() throws {
        let key = try federationKey()
        let data = try Self.list([TestAuthority.iizuka().authority]).signed(by: key).data
        let other = try federationKey("pref.ishikawa.example/federation")
        let sameName = try federationKey()
        for wrong in [other.verifierKey, sameName.verifierKey] {
            #expect(federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(data, trusting: [wrong], at: now) } == .untrustedKey)
        }
        #expect(federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(data, trusting: [], at: now) } == .untrustedKey)
        // A cosignature (witness) key is not a federation key.
        let cosigner = try VerifierKey(name: key.name, type: .cosignatureV1, publicKey: key.verifierKey.publicKey)
        #expect(federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(data, trusting: [cosigner], at: now) } == .untrustedKey)
        #expect(federationErrorCode { () throws(FederationError) in try FederationKey.verifierKey(parsing: cosigner.description) } == .untrustedKey)
        // Any one of several trusted keys will do (rotation).
        #expect(try FederatedTrustList.verify(data, trusting: [other.verifierKey, key.verifierKey], at: now).version == 3)
    }

    @Test func rotationSignsWithOldAndNewKeys() throws {
        let old = try federationKey(), new = try federationKey()
        let signed = try Self.list([TestAuthority.iizuka().authority]).signed(by: old)
        let text = signed.note.text
        let both = SignedNote(
            text: text,
            signatures: signed.note.signatures + [SignedNote.Signature(name: new.name, keyID: new.keyID, bytes: new.sign(message: Array(text.utf8)))])
        for key in [old, new] {
            #expect(try FederatedTrustList.verify(Array(both.serialized.utf8), trusting: [key.verifierKey], at: now) == signed.list)
        }
    }

    @Test func expiredAndNotYetValidListsAreRejected() throws {
        let key = try federationKey()
        let data = try Self.list([TestAuthority.iizuka().authority]).signed(by: key).data
        func code(at date: Date) -> FederationError.Code? {
            federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(data, trusting: [key.verifierKey], at: date) }
        }
        #expect(code(at: now) == nil)
        #expect(code(at: now + 90 * day - 1) == nil)
        #expect(code(at: now + 90 * day) == .expired)
        #expect(code(at: now + 365 * day) == .expired)
        #expect(code(at: now - 60) == nil, "five minutes of clock skew")
        #expect(code(at: now - 3600) == .notYetValid)
    }

    @Test func rollbackToAnOlderVersionIsRejected() throws {
        let key = try federationKey()
        let authority = try TestAuthority.iizuka().authority
        let v3 = try Self.list([authority], version: 3).signed(by: key).data
        let v4 = try Self.list([authority], version: 4).signed(by: key).data
        func code(_ data: Data, minimum: Int) -> FederationError.Code? {
            federationErrorCode { () throws(FederationError) in
                try FederatedTrustList.verify(data, trusting: [key.verifierKey], at: now, minimumVersion: minimum)
            }
        }
        #expect(code(v3, minimum: 3) == nil)
        #expect(code(v4, minimum: 3) == nil)
        #expect(code(v3, minimum: 4) == .rollback)
        #expect(code(v4, minimum: 4) == nil)
        #expect(code(v3, minimum: 1) == nil)
    }

    @Test func malformedFilesAreRejected() throws {
        let key = try federationKey()
        let good = try Self.list([TestAuthority.iizuka().authority]).signed(by: key)
        func code(_ bytes: [UInt8]) -> FederationError.Code? {
            federationErrorCode { () throws(FederationError) in try FederatedTrustList.verify(bytes, trusting: [key.verifierKey], at: now) }
        }
        func signing(_ text: String) -> [UInt8] {
            Array(
                SignedNote(text: text, signatures: [SignedNote.Signature(name: key.name, keyID: key.keyID, bytes: key.sign(message: Array(text.utf8)))])
                    .serialized.utf8)
        }
        #expect(code(Array(good.serialized.utf8)) == nil)
        #expect(code([]) == .malformed)
        #expect(code(Array("{\"name\":\"x\"}\n".utf8)) == .malformed)
        #expect(code(Array(good.serialized.dropLast().utf8)) == .malformed, "no final newline")
        #expect(code(Array(good.note.text.utf8)) == .malformed, "no signatures")
        #expect(code(Array(good.serialized.replacingOccurrences(of: "\u{2014} ", with: "- ").utf8)) == .malformed)
        #expect(code(Array(good.serialized.utf8) + [0xff, 0x0a]) == .malformed, "not UTF-8")
        #expect(code(Array(good.serialized.replacingOccurrences(of: "福岡県", with: "福岡\t県").utf8)) == .malformed, "a control character")
        #expect(code(Array(repeating: 0x20, count: FederatedTrustList.maxSize + 1)) == .malformed)
        // Signed by the trusted key, but not a list.
        #expect(code(signing("akashi-federation/v2\n{}\n")) == .malformed)
        #expect(code(signing("akashi-federation/v1\nnot json\n")) == .malformed)
        #expect(code(signing("akashi-federation/v1\n{\"name\":\"x\"}\n")) == .malformed)
        #expect(
            code(
                signing(
                    "akashi-federation/v1\n{\"authorities\":[],\"expiresAt\":\"2030-01-01T00:00:00Z\",\"issuedAt\":\"2020-01-01T00:00:00Z\",\"name\":\"x\",\"version\":1.5}\n"
                )) == .malformed)
        // Signed, well formed, but unsound: no authorities.
        #expect(
            code(
                signing(
                    "akashi-federation/v1\n{\"authorities\":[],\"expiresAt\":\"2030-01-01T00:00:00Z\",\"issuedAt\":\"2020-01-01T00:00:00Z\",\"name\":\"x\",\"version\":1}\n"
                )) == .invalid)
    }

    @Test func unsoundListsAreNotSigned() throws {
        let key = try federationKey()
        let iizuka = try TestAuthority.iizuka()
        let good = iizuka.authority
        func code(_ list: FederatedTrustList) -> FederationError.Code? {
            federationErrorCode { () throws(FederationError) in try list.signed(by: key) }
        }
        func with(_ change: (inout TrustedAuthority) -> Void) -> FederatedTrustList {
            var authority = good
            change(&authority)
            return Self.list([authority])
        }
        #expect(code(Self.list([good])) == nil)
        #expect(code(Self.list([good], version: 0)) == .invalid)
        #expect(code(Self.list([good], version: FederatedTrustList.maxVersion + 1)) == .invalid)
        #expect(code(Self.list([good], name: "")) == .invalid)
        #expect(code(FederatedTrustList(name: "x", version: 1, issuedAt: now, expiresAt: now, authorities: [good])) == .invalid)
        #expect(code(Self.list([])) == .invalid)
        #expect(code(Self.list([good, good])) == .invalid, "one entry per issuer")
        #expect(code(with { $0.keys = [] }) == .invalid)
        #expect(code(with { $0.keys[0].kid = "AAAAAAAAAAA" }) == .invalid, "a kid that is not its key's")
        #expect(code(with { $0.keys.append($0.keys[0]) }) == .invalid)
        #expect(code(with { $0.kinds.append($0.kinds[0]) }) == .invalid)
        #expect(code(with { $0.log.vkey = "not a vkey" }) == .invalid)
        #expect(code(with { $0.log.origin = "elsewhere.example/log" }) == .invalid, "tlog-policy: the log key's name is the origin")
        let logKey = iizuka.logSigner.verifierKey
        #expect(code(with { $0.log.policy = "log \(logKey)\nquorum q\n" }) == .invalid, "a quorum naming no witness or group")
        let witness = try CosignatureV1Signer(name: "w.example", privateKey: Ed25519.PrivateKey())
        #expect(code(with { $0.log.policy = try! LogTrust.policy(logKey: logKey, witnesses: [witness.verifierKey], quorum: 1) }) == nil)
        #expect(
            code(with { $0.log.policy = "log \(logKey)\nwitness a \(witness.verifierKey)\nwitness b \(witness.verifierKey)\nquorum a\n" }) == .invalid,
            "one key twice")
        #expect(code(with { $0.log.policy = "log \(logKey)\nwitness a \(logKey)\nquorum a\n" }) == .invalid, "a log key as a witness")
    }
}
