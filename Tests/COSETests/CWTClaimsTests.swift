import CBOR
import COSE
import Testing

@Suite("CWT claims")
struct CWTClaimsTests {
    @Test("registered claims encode deterministically, private claims pass through")
    func encoding() throws {
        var claims = CWTClaims(issuer: "JP-131016", expiration: 1_893_456_000, issuedAt: 1_735_689_600, cwtID: hex("0123456789abcdef"))
        claims.otherClaims[-260] = [1: ["name": "山田 太郎", "kind": "住民票の写し", "emoji": "🗾"]]
        #expect(try claims.encoded() == PycoseFixture.payload)

        let decoded = try CWTClaims(decoding: PycoseFixture.payload)
        #expect(decoded == claims)
        #expect(decoded.subject == nil && decoded.audience == nil && decoded.notBefore == nil)
    }

    @Test("unknown claims of every kind are kept and re-encoded in key order")
    func unknownClaims() throws {
        let input: CBOR = [
            8: [1: [2: .byteString([3])]],  // cnf (RFC 8747), not modelled here
            "custom": "テキスト",
            -70000: [1: "residence"],
            -1: .float(1.5),
            1: "iss",
            5: 1_700_000_000,
            2: "sub",
            3: "aud",
        ]
        let claims = try CWTClaims(cbor: input)
        #expect(claims.issuer == "iss" && claims.subject == "sub" && claims.audience == "aud")
        #expect(claims.notBefore == 1_700_000_000)
        #expect(claims.otherClaims.count == 4)
        #expect(claims[claim: "custom"]?.text == "テキスト")
        #expect(claims[claim: 5]?.int == 1_700_000_000)
        #expect(claims[claim: 9] == nil)
        let encoded = try claims.encoded()
        #expect(encoded == (try input.encoded()))
        #expect(try CWTClaims(decoding: encoded) == claims)
        // Keys come out sorted: 1, 2, 3, 5, 8, -1, -70000 (3a...), "custom".
        let keys = try CBOR(decoding: encoded).mapEntries!.map(\.key)
        #expect(keys == [1, 2, 3, 5, 8, -1, -70000, "custom"])
    }

    @Test(
        "wrongly typed registered claims are refused",
        arguments: [
            [1: 131016] as CBOR, [2: .byteString([1])], [3: ["a", "b"]], [4: 1.5], [4: "2030-01-01"],
            [4: .unsigned(UInt64(Int64.max) + 1)], [5: .tagged(1, 0)], [6: .null], [7: "serial"],
            [[1]: 0], [.byteString([1]): 0], [.float(1): 0], [1, 2], "claims",
        ])
    func wrongTypes(input: CBOR) {
        #expect(throws: COSEError.self) { try CWTClaims(cbor: input) }
        do { _ = try CWTClaims(cbor: input) } catch { #expect(error.code == .malformedClaims, "\(input)") }
    }

    @Test("otherClaims may not shadow a typed claim")
    func shadowing() {
        for key: CBOR in [1, 4, 7] {
            let claims = CWTClaims(otherClaims: [key: "x"])
            #expect(throws: COSEError.self) { try claims.encoded() }
        }
        #expect(throws: COSEError.self) { try CWTClaims(otherClaims: [[1]: 0]).encoded() }
        #expect((try? CWTClaims(otherClaims: [8: "x"]).encoded()) != nil)
    }

    @Test("undecodable claims carry the CBOR error")
    func malformed() {
        do {
            _ = try CWTClaims(decoding: hex("a2 06 00 04 00"))
            Issue.record("decoded unsorted claims")
        } catch {
            #expect(error.code == .malformedCBOR)
            #expect(error.underlying?.code == .unsortedMapKeys)
        }
        let lenient = try? CWTClaims(decoding: hex("a2 06 00 04 00"), options: .lenient)
        #expect(lenient?.expiration == 0 && lenient?.issuedAt == 0)
    }
}
