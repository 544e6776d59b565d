import AkashiCrypto
import CBOR
import COSE
import Certificates
import Foundation
import SafeText
import Testing
import TransparencyLog

/// The one-byte-form rules of format v2 (docs/spec/certificate.md §1–§5,
/// trust-file.md §1–§2.4, log.md §1–§2): each refused input is refused with
/// the error the spec names, and the nearest accepted input is accepted, so
/// every test would fail if the rule moved either way.
@Suite("Format v2 profile: one reading of every byte")
struct FormatProfileTests {
    static let kid: [UInt8] = Array(0..<8)
    static let key = try! P256.PrivateKey()

    /// A claims map as the issuer builds it, with the given issue time, kind id and fields.
    static func claimsBytes(iat: CBOR = CBOR(1_796_238_467), kind: String = "residence", fields: [(CBOR, CBOR)] = [(.textString("name"), .textString("飯塚 花子"))])
        -> [UInt8]
    {
        let content: CBOR = .map([(CBOR(1), .textString(kind)), (CBOR(2), CBOR(1)), (CBOR(3), .map(fields.map { (key: $0.0, value: $0.1) }))])
        let map: CBOR = .map([
            (CBOR(1), .textString("402052")), (CBOR(6), iat), (CBOR(7), .byteString(Array(repeating: 7, count: 10))),
            (CBOR(CertificateClaims.akashiClaim), content),
        ])
        return try! map.encoded()
    }

    // MARK: CBOR profile (certificate.md §1)

    @Test("Akashi's CBOR profile refuses major type 7 and unlisted tags; the general strict reader does not")
    func cborProfile() throws {
        for value: CBOR in [.boolean(true), .null, .undefined, .float(1.5), .array([.unsigned(1), .boolean(false)])] {
            let bytes = try value.encoded()
            _ = try CBOR(decoding: bytes)
            #expect(throws: CBORError.self) { try CBOR(decoding: bytes, options: .akashi()) }
        }
        let tagged = try CBOR.tagged(1004, .textString("2026-12-03")).encoded()
        #expect(throws: CBORError.self) { try CBOR(decoding: tagged, options: .akashi()) }
        #expect(try CBOR(decoding: tagged, options: .akashi(tags: [1004])) == .tagged(1004, .textString("2026-12-03")))
        do {
            _ = try CBOR(decoding: try CBOR.tagged(1, .unsigned(0)).encoded(), options: .akashi(tags: [1004]))
            Issue.record("tag 1 was accepted")
        } catch { #expect(error.code == .tagNotAllowed) }
        do {
            _ = try CBOR(decoding: try CBOR.null.encoded(), options: .akashi())
            Issue.record("null was accepted")
        } catch { #expect(error.code == .majorType7) }
    }

    // MARK: COSE envelope (certificate.md §2.1)

    @Test("an Akashi envelope has one byte form: tagged, {1: -7, 4: kid[8]}, nothing unprotected")
    func envelopeProfile() throws {
        let payload = Self.claimsBytes()
        let good = try COSESign1.sign(payload: payload, kid: Self.kid, privateKey: Self.key)
        let read = try COSESign1(decodingAkashiEnvelope: good.encoded)
        #expect(read.kid == Self.kid && read.payload == payload)

        func refused(_ bytes: [UInt8], _ code: COSEError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try COSESign1(decodingAkashiEnvelope: bytes)
                Issue.record("accepted", sourceLocation: sourceLocation)
            } catch { #expect(error.code == code, sourceLocation: sourceLocation) }
        }
        let untagged = try COSESign1.sign(payload: payload, kid: Self.kid, privateKey: Self.key, tagged: false)
        _ = try COSESign1(decoding: untagged.encoded)  // the general reader takes it
        refused(untagged.encoded, .untagged)
        let unprotected = try COSESign1.sign(payload: payload, kid: Self.kid, privateKey: Self.key, unprotectedHeader: [CBOR(33): .textString("x")])
        refused(unprotected.encoded, .unexpectedHeader)
        refused(try COSESign1.sign(payload: payload, kid: Array(0..<7), privateKey: Self.key).encoded, .malformedKeyID)
        // A float anywhere (here the unprotected header) is outside the profile's CBOR.
        let float = try COSESign1.sign(payload: payload, kid: Self.kid, privateKey: Self.key, unprotectedHeader: [CBOR(33): .float(0.5)])
        do {
            _ = try COSESign1(decodingAkashiEnvelope: float.encoded)
            Issue.record("a float was accepted")
        } catch {}
    }

    // MARK: Claims (certificate.md §3)

    @Test("iat and exp are unsigned and at most 2^53 − 1; the kind id has its grammar; an empty list is not a value")
    func claimsRanges() throws {
        #expect(try CertificateClaims(decoding: Self.claimsBytes(iat: CBOR(UInt64(CertificateClaims.maxTime)))).issuedAt == CertificateClaims.maxTime)
        for iat in [CBOR(Int64(-1)), CBOR(UInt64(CertificateClaims.maxTime) + 1), CBOR(UInt64.max), .textString("1796238467")] {
            #expect(throws: CertificateError.self) { try CertificateClaims(decoding: Self.claimsBytes(iat: iat)) }
        }
        for kind in ["residence\nissued 0", "Residence", "", "1abc", String(repeating: "a", count: 41)] {
            #expect(throws: CertificateError.self, "kind \(kind.debugDescription)") { try CertificateClaims(decoding: Self.claimsBytes(kind: kind)) }
        }
        #expect(try CertificateClaims(decoding: Self.claimsBytes(kind: String(repeating: "a", count: 40))).kind.count == 40)
        #expect(throws: CertificateError.self) { try CertificateClaims(decoding: Self.claimsBytes(fields: [(.textString("names"), .array([]))])) }
        #expect(throws: CertificateError.self) { try CertificateClaims(decoding: Self.claimsBytes(fields: [(.textString("ok"), .boolean(true))])) }
        #expect(throws: CertificateError.self) { try CertificateClaims(decoding: Self.claimsBytes(fields: [(.textString("d"), .tagged(1, .unsigned(0)))])) }
    }

    // MARK: Field values and the text rule (certificate.md §4, §5)

    static let kind: CertificateKind = try! JSONDecoder().decode(
        CertificateKind.self,
        from: Data(
            """
            {"id": "test", "version": 1, "label": {"ja": "試験", "en": "Test"},
             "fields": [
               {"id": "name", "type": "text", "required": true, "maxLength": 20, "label": {"ja": "氏名", "en": "Name"}},
               {"id": "amount", "type": "decimal", "required": false, "scale": 3, "minimum": -5, "maximum": 100, "label": {"ja": "量", "en": "Amount"}},
               {"id": "grade", "type": "enum", "required": false, "options": [{"value": "K", "label": {"ja": "ケー", "en": "Kay"}}], "label": {"ja": "区分", "en": "Grade"}}
             ]}
            """.utf8))

    @Test("values as signed: empty text, non-NFC text, white space at either end and out-of-range decimals fail with their codes")
    func fieldRules() {
        func codes(_ values: [String: FieldValue]) -> [String] { Self.kind.check(values).map(\.code) }
        #expect(codes(["name": .text("飯塚 花子")]) == [])
        #expect(codes(["name": .text("")]) == ["empty"])
        #expect(codes(["name": .text("e\u{301}")]) == ["notNFC"])  // e + combining acute, NFC is é
        #expect(codes(["name": .text("\u{E9}")]) == [])
        #expect(codes(["name": .text("花子\u{3000}")]) == ["edgeWhiteSpace"])
        #expect(codes(["name": .text("花子\u{200B}")]) == ["disallowedCharacter"])
        // U+180E was white space before Unicode 6.3: the explicit list does not have it, and SafeText refuses it as invisible.
        #expect(!SafeText.isWhiteSpace("\u{180E}"))
        #expect(codes(["name": .text("a"), "amount": .decimal("100")]) == [])
        #expect(codes(["name": .text("a"), "amount": .decimal("100.001")]) == ["outOfRange"])
        #expect(codes(["name": .text("a"), "amount": .decimal("-5")]) == [])
        #expect(codes(["name": .text("a"), "amount": .decimal("-5.5")]) == ["outOfRange"])
        #expect(codes(["name": .text("a"), "amount": .decimal("1.50")]) == ["notCanonical"])
        #expect(codes(["name": .text("a"), "grade": .enumValue("K")]) == [])
        #expect(codes(["name": .text("a"), "grade": .enumValue("\u{212A}")]) == ["invalidOption"], "KELVIN SIGN is not K")
        #expect(codes(["name": .text("a"), "\u{212A}": .text("x")]) == ["unknownField"])
    }

    @Test("SafeText.isNFC's quick path agrees with Foundation's NFC for every scalar it answers alone, and pairs with voicing marks are not NFC")
    func nfcQuickPath() {
        let ranges: [ClosedRange<UInt32>] = [0...0x2FF, 0x3000...0x3029, 0x3030...0x303F, 0x3041...0x3096, 0x309B...0x30FF, 0x4E00...0x9FFF, 0xFF01...0xFF5E]
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let text = "a" + String(Character(scalar)) + "字"
                let nfc = text.precomposedStringWithCanonicalMapping
                #expect(SafeText.isNFC(text) == text.unicodeScalars.elementsEqual(nfc.unicodeScalars), "U+\(String(value, radix: 16))")
            }
        }
        #expect(!SafeText.isNFC("か\u{3099}"), "KA + combining voiced mark composes to GA")
        #expect(SafeText.isNFC("が"))
        #expect(!SafeText.isNFC("e\u{301}"))
    }

    @Test("issuance puts text in NFC and trims exactly the format's white space")
    func issuanceNormalises() throws {
        let values = try Self.kind.validate(["name": .string("\u{3000}e\u{301}\u{A0}"), "amount": .number("2.5")])
        #expect(values["name"] == .text("\u{E9}"))
        if case .text(let s)? = values["name"] { #expect(Array(s.utf8) == [0xC3, 0xA9]) } else { Issue.record("no name") }
        #expect(values["amount"] == .decimal("2.5"))
        #expect(throws: CertificateError.self) { try Self.kind.validate(["name": .string("a"), "amount": .number("101")]) }
    }

    // MARK: Trust file (trust-file.md §1, §2.4) and names (log.md §1)

    @Test("Akashi key names are 1 to 255 bytes of 0x21–0x7E without '+'")
    func keyNames() {
        #expect(SignedNote.isAkashiKeyName("iizuka.example/akashi/log"))
        #expect(SignedNote.isAkashiKeyName(String(repeating: "a", count: 255)))
        for bad in ["", String(repeating: "a", count: 256), "a b", "a+b", "飯塚.example", "a\u{85}b"] {
            #expect(!SignedNote.isAkashiKeyName(bad), "\(bad.debugDescription)")
        }
    }

    @Test("kinds in a trust file get the same full check as certs/: maxLength required, members by type, unique options, minimum ≤ maximum")
    func kindCheck() throws {
        func kind(_ field: String) throws -> CertificateKind {
            try JSONDecoder().decode(
                CertificateKind.self, from: Data(#"{"id": "k", "version": 1, "label": {"ja": "甲", "en": "K"}, "fields": [\#(field)]}"#.utf8))
        }
        _ = try KindRegistry(kinds: [kind(#"{"id": "a", "required": false, "type": "text", "maxLength": 5, "label": {"ja": "甲", "en": "A"}}"#)])
        for bad in [
            #"{"id": "a", "required": false, "type": "text", "label": {"ja": "甲", "en": "A"}}"#,
            #"{"id": "a", "required": false, "type": "text", "maxLength": 5, "scale": 2, "label": {"ja": "甲", "en": "A"}}"#,
            #"{"id": "a", "required": false, "type": "integer", "minimum": 5, "maximum": 4, "label": {"ja": "甲", "en": "A"}}"#,
            #"{"id": "a", "required": false, "type": "enum", "options": [{"value": "x", "label": {"ja": "甲", "en": "X"}}, {"value": "x", "label": {"ja": "乙", "en": "Y"}}], "label": {"ja": "甲", "en": "A"}}"#,
            #"{"id": "a", "required": false, "type": "text", "maxLength": 5, "label": {"ja": " 甲", "en": "A"}}"#,
        ] {
            #expect(throws: CertificateError.self, "\(bad)") { try KindRegistry(kinds: [kind(bad)]) }
        }
    }
}
