import AkashiCrypto
import Foundation
import Testing
import TransparencyLog

/// A well-formed signature line (key ID 0x01020304, two signature bytes).
private let validSignatureLine = "\u{2014} log.example AQIDBP/u"

/// The C2SP signed-note format: https://c2sp.org/signed-note
@Suite("Signed notes")
struct SignedNoteTests {
    // MARK: Known answers from the specification and from Go's sumdb/note

    /// The "Verifier keys → Example" section of the specification, read from
    /// the fixture copy of that section, so the test uses the spec's own bytes.
    static func specExample() throws -> (vkey: String, note: String) {
        let spec = try Vectors.text("c2sp-signed-note/example.md")
        let section = try #require(spec.range(of: "### Example"), "the spec has an Example section")
        let lines = spec[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
        let vkey = try #require(lines.first { $0.hasPrefix("    ") && $0.contains("+") })
            .trimmingCharacters(in: .whitespaces)
        let fenceStart = try #require(lines.firstIndex { $0.hasPrefix("```") })
        let fenceEnd = try #require(lines[(fenceStart + 1)...].firstIndex { $0.hasPrefix("```") })
        let note = lines[(fenceStart + 1)..<fenceEnd].map { $0 + "\n" }.joined()
        return (vkey, note)
    }

    @Test("the specification's example vkey verifies its example note")
    func specExampleVerifies() throws {
        let (vkeyText, noteText) = try Self.specExample()
        #expect(vkeyText == "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let vkey = try VerifierKey(parsing: vkeyText)
        #expect(vkey.name == "example.com/foo")
        #expect(vkey.keyID == 0x530d_903a)
        #expect(vkey.type == .ed25519)
        #expect(vkey.description == vkeyText)

        let note = try SignedNote(parsing: noteText)
        #expect(note.text == "This is an example message.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "example.com/foo")
        #expect(note.signatures[0].keyID == 0x530d_903a)
        #expect(note.signatures[0].bytes.count == Ed25519.signatureByteCount)
        #expect(note.serialized == noteText)

        let verified = try note.verify([vkey.verifier])
        #expect(verified.map(\.name) == ["example.com/foo"])

        // One changed character in the text and the same key rejects it.
        let tampered = SignedNote(text: "This is an example message!\n", signatures: note.signatures)
        #expect(throws: NoteError.self) { try tampered.verify([vkey.verifier]) }
        #expect(Self.code { _ = try tampered.verify([vkey.verifier]) } == .badSignature)
    }

    /// The note at the top of the specification: its text contains an empty
    /// line, and only the *last* empty line separates the signatures.
    @Test("the specification's opening example parses with an empty line inside the text")
    func specOpeningExample() throws {
        let text = """
            Ognuno sta solo sul cuor della terra
            trafitto da un raggio di sole:

            ed è subito sera.

            — quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=

            """
        let note = try SignedNote(parsing: text)
        #expect(note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "quasimodo.example/salvatore")
        #expect(note.signatures[0].keyID == 0x367b_a04b)
        #expect(note.serialized == text)
        // No key for it is trusted: the note must not be accepted.
        let other = try VerifierKey(name: "quasimodo.example/salvatore", type: .ed25519, publicKey: testKey("q").publicKey)
        #expect(Self.code { _ = try note.verify([other.verifier]) } == .unverified)
    }

    // The example key and note of golang.org/x/mod/sumdb/note's documentation,
    // an independent implementation. Its private key's base64 contains '+'.
    static let goSigningKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let goNote =
        goText
        + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("Go sumdb/note known answer: private key text, vkey and the exact signed note")
    func goKnownAnswer() throws {
        let signer = try Ed25519NoteSigner(parsingPrivateKey: Self.goSigningKey)
        #expect(signer.name == "PeterNeumann")
        #expect(signer.keyID == 0xc74f_20a3)
        #expect(signer.verifierKey.description == Self.goVerifierKey)
        #expect(signer.privateKeyText == Self.goSigningKey)
        #expect(try VerifierKey(parsing: Self.goVerifierKey) == signer.verifierKey)

        // Ed25519 is deterministic: signing the text reproduces Go's note byte for byte.
        let note = try signer.signNote(Self.goText)
        #expect(note.serialized == Self.goNote)

        let parsed = try SignedNote(parsing: Self.goNote)
        #expect(parsed == note)
        #expect(try parsed.verify([VerifierKey(parsing: Self.goVerifierKey).verifier]).count == 1)
    }

    // MARK: Round trips

    @Test("sign, serialize, parse and verify round trip with several signers")
    func roundTrip() throws {
        let a = try Ed25519NoteSigner(name: "log.example/a", privateKey: testKey("a"))
        let b = try Ed25519NoteSigner(name: "witness.example/b", privateKey: testKey("b"))
        let text = "line one\n\nline three after an empty line\nüñíçødé ✓\n"
        var note = try a.signNote(text)
        note = SignedNote(
            text: note.text,
            signatures: note.signatures + [SignedNote.Signature(name: b.name, keyID: b.keyID, bytes: b.sign(message: Array(text.utf8)))])
        let serialized = note.serialized
        #expect(serialized.hasPrefix(text + "\n— log.example/a "))
        #expect(serialized.hasSuffix("\n"))

        let parsed = try SignedNote(parsing: serialized)
        #expect(parsed == note)
        #expect(parsed.text == text)
        #expect(parsed.serialized == serialized)

        let verified = try parsed.verify([b.verifierKey.verifier, a.verifierKey.verifier])
        #expect(verified.map(\.name) == [b.name, a.name], "verifiers come back in the order given")
        #expect(try parsed.verify([a.verifierKey.verifier]).map(\.name) == [a.name])
    }

    @Test("signature line layout: em dash, space, name, space, base64(key ID || signature)")
    func signatureLine() throws {
        let signature = SignedNote.Signature(name: "n", keyID: 0x0102_0304, bytes: [0xff, 0xee])
        #expect(signature.line == "\u{2014} n AQIDBP/u")
        let parsed = try SignedNote(parsing: "t\n\n" + signature.line + "\n")
        #expect(parsed.signatures == [signature])
    }

    @Test("notes with 16 signatures are accepted; more than 100 are refused")
    func signatureCountLimits() throws {
        let signer = try Ed25519NoteSigner(name: "log.example", privateKey: testKey("count"))
        let text = "hello\n"
        let good = try signer.signNote(text).signatures[0]
        let unknown = (0..<15).map { SignedNote.Signature(name: "unknown\($0).example", keyID: UInt32($0), bytes: [UInt8](repeating: 7, count: 64)) }
        let sixteen = SignedNote(text: text, signatures: unknown + [good])
        let parsed = try SignedNote(parsing: sixteen.serialized)
        #expect(parsed.signatures.count == 16)
        #expect(try parsed.verify([signer.verifierKey.verifier]).count == 1)

        let many = (0...SignedNote.maxSignatures).map { SignedNote.Signature(name: "u\($0)", keyID: 1, bytes: [1, 2]) }
        #expect(Self.code { _ = try SignedNote(parsing: SignedNote(text: text, signatures: many).serialized) } == .malformedNote)
        let limit = Array(many.dropLast())
        #expect(try SignedNote(parsing: SignedNote(text: text, signatures: limit).serialized).signatures.count == SignedNote.maxSignatures)
    }

    // MARK: Rejections

    static let malformedNotes: [(String, String, NoteError.Code)] = {
        let validLine = validSignatureLine
        var cases: [(String, String, NoteError.Code)] = []
        cases.append(("no blank line before the signatures", "text\n\(validLine)\n", .malformedNote))
        cases.append(("no final newline", "text\n\n\(validLine)", .malformedNote))
        cases.append(("tab in the text", "te\txt\n\n\(validLine)\n", .malformedNote))
        cases.append(("carriage return line ending", "text\r\n\r\n\(validLine)\r\n", .malformedNote))
        cases.append(("NUL in the text", "te\u{0}xt\n\n\(validLine)\n", .malformedNote))
        cases.append(("escape in a signature line", "text\n\n\(validLine)\u{1b}\n", .malformedNote))
        cases.append(("empty text", "\n\n\(validLine)\n", .malformedNote))
        cases.append(("no signature lines", "text\n\n", .malformedNote))
        cases.append(("blank line after the signatures", "text\n\n\(validLine)\n\n", .malformedNote))
        cases.append(("empty note", "", .malformedNote))
        cases.append(("hyphen instead of em dash", "text\n\n- log.example AQIDBP/u\n", .malformedSignature))
        cases.append(("em dash without space", "text\n\n\u{2014}log.example AQIDBP/u\n", .malformedSignature))
        cases.append(("key name with a space", "text\n\n\u{2014} log example AQIDBP/u\n", .malformedSignature))
        cases.append(("key name with a plus", "text\n\n\u{2014} log+example AQIDBP/u\n", .malformedSignature))
        cases.append(("key name with a no-break space", "text\n\n\u{2014} log\u{a0}example AQIDBP/u\n", .malformedSignature))
        cases.append(("empty key name", "text\n\n\u{2014}  AQIDBP/u\n", .malformedSignature))
        cases.append(("two spaces before the signature", "text\n\n\u{2014} log.example  AQIDBP/u\n", .malformedSignature))
        cases.append(("trailing space", "text\n\n\(validLine) \n", .malformedSignature))
        cases.append(("base64 with invalid characters", "text\n\n\u{2014} log.example AQID*P/u\n", .malformedSignature))
        cases.append(("base64 without padding", "text\n\n\u{2014} log.example AQIDBP8\n", .malformedSignature))
        cases.append(("non-canonical base64 (stray low bits)", "text\n\n\u{2014} log.example AQIDBP9=\n", .malformedSignature))
        cases.append(("empty signature", "text\n\n\u{2014} log.example \n", .malformedSignature))
        cases.append(("key ID only, no signature bytes", "text\n\n\u{2014} log.example AQIDBA==\n", .malformedSignature))
        cases.append(("one good line then garbage", "text\n\n\(validLine)\nnot a signature\n", .malformedSignature))
        return cases
    }()

    @Test("malformed notes are rejected", arguments: malformedNotes)
    func malformed(_ label: String, _ note: String, _ expected: NoteError.Code) {
        #expect(Self.code { _ = try SignedNote(parsing: note) } == expected, "\(label)")
    }

    @Test("a note larger than 1 MiB is refused before parsing")
    func tooLarge() {
        let big = String(repeating: "a", count: SignedNote.maxSize) + "\n\n\(validSignatureLine)\n"
        #expect(Self.code { _ = try SignedNote(parsing: big) } == .malformedNote)
    }

    @Test("DEL (0x7f) is not an ASCII control character below U+0020 and is allowed")
    func deleteIsAllowed() throws {
        let note = try SignedNote(parsing: "a\u{7f}b\n\n\(validSignatureLine)\n")
        #expect(note.text == "a\u{7f}b\n")
    }

    // MARK: Verification rules

    @Test("unknown keys are ignored; a note with no known signature is rejected")
    func unknownKeys() throws {
        let log = try Ed25519NoteSigner(name: "log.example", privateKey: testKey("log"))
        let stranger = try Ed25519NoteSigner(name: "stranger.example", privateKey: testKey("stranger"))
        let text = "some text\n"
        let byStranger = try stranger.signNote(text)
        #expect(Self.code { _ = try byStranger.verify([log.verifierKey.verifier]) } == .unverified)
        #expect(Self.code { _ = try byStranger.verify([]) } == .unverified)

        // The stranger's signature next to the log's is ignored.
        let both = SignedNote(text: text, signatures: byStranger.signatures + (try log.signNote(text)).signatures)
        #expect(try both.verify([log.verifierKey.verifier]).map(\.name) == ["log.example"])
        let reparsed = try SignedNote(parsing: both.serialized)
        #expect(try reparsed.verify([log.verifierKey.verifier]).map(\.name) == ["log.example"])
    }

    @Test("a signature sharing only the name or only the key ID with a known key is ignored")
    func nameOrIDCollisions() throws {
        let log = try Ed25519NoteSigner(name: "log.example", privateKey: testKey("log"))
        let text = "collide\n"
        let good = try log.signNote(text).signatures[0]
        let sameNameOtherID = SignedNote.Signature(name: good.name, keyID: good.keyID ^ 1, bytes: [UInt8](repeating: 0, count: 64))
        let sameIDOtherName = SignedNote.Signature(name: "evil.example", keyID: good.keyID, bytes: [UInt8](repeating: 0, count: 64))
        let onlyImpostors = SignedNote(text: text, signatures: [sameNameOtherID, sameIDOtherName])
        #expect(Self.code { _ = try onlyImpostors.verify([log.verifierKey.verifier]) } == .unverified)
        let withGood = SignedNote(text: text, signatures: [sameNameOtherID, good, sameIDOtherName])
        #expect(try withGood.verify([log.verifierKey.verifier]).count == 1)
    }

    @Test("a known key's failing signature rejects the whole note, even beside a good one")
    func badKnownSignature() throws {
        let log = try Ed25519NoteSigner(name: "log.example", privateKey: testKey("log"))
        let text = "original\n"
        let note = try log.signNote(text)
        // The text was changed after signing.
        let tampered = SignedNote(text: "0riginal\n", signatures: note.signatures)
        #expect(Self.code { _ = try tampered.verify([log.verifierKey.verifier]) } == .badSignature)
        let reparsed = try SignedNote(parsing: tampered.serialized)
        #expect(Self.code { _ = try reparsed.verify([log.verifierKey.verifier]) } == .badSignature)
        // Every single-bit change of the signature bytes is caught.
        let bytes = note.signatures[0].bytes
        for bit in 0..<(bytes.count * 8) {
            let bad = SignedNote(text: text, signatures: [SignedNote.Signature(name: log.name, keyID: log.keyID, bytes: bytes.flippingBit(bit))])
            #expect(Self.code { _ = try bad.verify([log.verifierKey.verifier]) } == .badSignature, "bit \(bit)")
        }
        // A good signature and a bad one by the same key: rejected.
        let mixed = SignedNote(
            text: text,
            signatures: note.signatures + [SignedNote.Signature(name: log.name, keyID: log.keyID, bytes: bytes.flippingBit(0))])
        #expect(Self.code { _ = try mixed.verify([log.verifierKey.verifier]) } == .badSignature)
        // A signature of the wrong length by a known key.
        let short = SignedNote(text: text, signatures: [SignedNote.Signature(name: log.name, keyID: log.keyID, bytes: Array(bytes.dropLast()))])
        #expect(Self.code { _ = try short.verify([log.verifierKey.verifier]) } == .badSignature)
    }

    // MARK: Key names and verifier keys

    @Test(
        "key names: non-empty, no Unicode spaces, no plus",
        arguments: [
            ("example.com/foo", true), ("a", true), ("日本.example/ログ", true), ("x_y-z.~!@#$%^&*()", true),
            ("", false), ("a b", false), ("a+b", false), ("+", false), ("a\tb", false), ("a\nb", false),
            ("a\u{a0}b", false), ("a\u{2003}b", false), ("a\u{3000}b", false), ("a\u{2028}b", false), ("a\u{1}b", false),
        ] as [(String, Bool)])
    func keyNames(_ name: String, _ valid: Bool) throws {
        #expect(SignedNote.isValidKeyName(name) == valid, "\(name.debugDescription)")
        let key = testKey("names").publicKey
        if valid {
            let vkey = try VerifierKey(name: name, type: .ed25519, publicKey: key)
            #expect(try VerifierKey(parsing: vkey.description) == vkey)
        } else {
            #expect(Self.code { _ = try VerifierKey(name: name, type: .ed25519, publicKey: key) } == .malformedKey)
            #expect(throws: NoteError.self) { try Ed25519NoteSigner(name: name, privateKey: testKey("names")) }
        }
    }

    @Test("key IDs are SHA-256(name || 0x0A || type || public key)[:4]")
    func keyIDs() throws {
        let key = testKey("ids").publicKey
        for type in [NoteSignatureType.ed25519, .cosignatureV1] {
            let digest = SHA256.hash(Array("log.example".utf8) + [0x0a, type.rawValue] + key.rawRepresentation)
            let expected = digest[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(noteKeyID(name: "log.example", type: type, publicKey: key.rawRepresentation) == expected)
            #expect(try VerifierKey(name: "log.example", type: type, publicKey: key).keyID == expected)
        }
        // The same key and name under the two types must have different IDs.
        #expect(
            noteKeyID(name: "n", type: .ed25519, publicKey: key.rawRepresentation)
                != noteKeyID(name: "n", type: .cosignatureV1, publicKey: key.rawRepresentation))
    }

    /// About half of all keys have a '+' in their base64; those must round trip too.
    @Test("verifier keys and private key texts round trip for many random keys")
    func vkeyRoundTrips() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var sawPlus = 0
        for i in 0..<64 {
            let key = try Ed25519.PrivateKey(seed: rng.bytes(32))
            let type: NoteSignatureType = i % 2 == 0 ? .ed25519 : .cosignatureV1
            let vkey = try VerifierKey(name: "key\(i).example/log", type: type, publicKey: key.publicKey)
            let text = vkey.description
            if text.split(separator: "+").count > 3 { sawPlus += 1 }
            #expect(try VerifierKey(parsing: text) == vkey, "\(text)")
            #expect(try VerifierKey(parsing: text + "\n") == vkey, "a trailing newline is tolerated")

            let signer = try Ed25519NoteSigner(name: "signer\(i).example", privateKey: key)
            let restored = try Ed25519NoteSigner(parsingPrivateKey: signer.privateKeyText)
            #expect(restored.privateKey.seed == key.seed, "\(signer.privateKeyText)")
            #expect(restored.verifierKey == signer.verifierKey)
            #expect(restored.privateKeyText == signer.privateKeyText)
        }
        #expect(sawPlus > 0, "the sample must include base64 with '+'")
    }

    @Test(
        "malformed verifier keys are rejected",
        arguments: [
            ("wrong key ID", "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("uppercase key ID", "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("short key ID", "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("signed key ID", "example.com/foo+-30d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("missing name", "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("name with a space", "example.com foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("two parts", "example.com/foo+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("unsupported type 0x02", "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
            ("short key", "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U0="),
            ("bad base64", "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2"),
            ("empty key", "example.com/foo+530d903a+"),
            ("empty", ""),
        ] as [(String, String)])
    func malformedVerifierKeys(_ label: String, _ text: String) {
        #expect(Self.code { _ = try VerifierKey(parsing: text) } == .malformedKey, "\(label)")
    }

    @Test(
        "malformed private key texts are rejected",
        arguments: [
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // wrong ID
            "PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // uppercase ID
            "PRIVATE+KEY+PeterNeumann+c74f20a3+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // type 0x04
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKA==",  // 32 bytes
            "PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // a vkey
            "PRIVATE+KEY++c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // empty name
        ] as [String])
    func malformedPrivateKeys(_ text: String) {
        #expect(Self.code { _ = try Ed25519NoteSigner(parsingPrivateKey: text) } == .malformedKey, "\(text)")
    }

    // MARK: Helpers

    static func code(_ body: () throws -> Void) -> NoteError.Code? {
        do {
            try body()
        } catch let error as NoteError {
            return error.code
        } catch {
            Issue.record("expected a NoteError, got \(type(of: error)): \(error)")
        }
        return nil
    }
}
