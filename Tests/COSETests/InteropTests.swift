import AkashiCrypto
import CBOR
import COSE
import Testing

@Suite("Interop: pycose, cbor2 and the COSE WG examples")
struct InteropTests {
    @Test("a pycose ES256 COSE_Sign1 decodes strictly and verifies")
    func pycoseMessage() throws {
        let message = try COSESign1(decoding: PycoseFixture.sign1)
        #expect(message.isTagged)
        #expect(message.alg == .es256)
        #expect(message.kid == PycoseFixture.kid)
        #expect(message.kidIsProtected)
        #expect(message.payload == PycoseFixture.payload)
        #expect(message.toBeSigned() == PycoseFixture.toBeSigned)
        #expect(message.isValidSignature(publicKey: try PycoseFixture.publicKey))
        #expect(!message.isValidSignature(publicKey: try COSEWGExamples.publicKey))

        let claims = try message.claims()
        #expect(claims.issuer == "JP-131016")
        #expect(claims.expiration == 1_893_456_000)
        #expect(claims.issuedAt == 1_735_689_600)
        #expect(claims.cwtID == hex("0123456789abcdef"))
        #expect(claims[claim: 7]?.bytes == hex("0123456789abcdef") && claims[claim: 1]?.text == "JP-131016")
        #expect(claims[claim: -260]?[1]?["name"]?.text == "山田 太郎")
        #expect(claims[claim: -260]?[1]?["emoji"]?.text == "🗾")
        // Our deterministic encoding of the same claims is cbor2's canonical one here.
        #expect(try claims.encoded() == PycoseFixture.payload)
    }

    @Test("a pycose untagged message with external AAD verifies only with that AAD")
    func pycoseExternalAAD() throws {
        let message = try COSESign1(decoding: PycoseFixture.sign1WithAADUntagged)
        #expect(!message.isTagged)
        #expect(message.payload == hex("a101624a50"))
        #expect(message.isValidSignature(publicKey: try PycoseFixture.publicKey, externalAAD: PycoseFixture.externalAAD))
        #expect(!message.isValidSignature(publicKey: try PycoseFixture.publicKey))
    }

    @Test("the same key and payload signed here give pycose's header and a signature its key verifies")
    func sameKeyHere() throws {
        let privateKey = try PycoseFixture.privateKey
        #expect(privateKey.publicKey == (try PycoseFixture.publicKey))
        let ours = try COSESign1.sign(payload: PycoseFixture.payload, kid: PycoseFixture.kid, privateKey: privateKey)
        let theirs = try COSESign1(decoding: PycoseFixture.sign1)
        #expect(ours.protectedBytes == theirs.protectedBytes)
        #expect(ours.toBeSigned() == PycoseFixture.toBeSigned)
        // Same bytes up to the signature (ECDSA nonces differ).
        #expect(Array(ours.encoded.dropLast(64)) == Array(PycoseFixture.sign1.dropLast(64)))
        #expect(ours.isValidSignature(publicKey: try PycoseFixture.publicKey))
    }

    @Test("cbor2 canonical encodings equal ours and decode strictly", arguments: cbor2Canonical.indices)
    func cbor2Encodings(index: Int) throws {
        let (name, value, expected) = cbor2Canonical[index]
        #expect(try value.encoded().hexString == expected, "\(name)")
        #expect(try CBOR(decoding: hex(expected)) == value, "\(name)")
    }

    @Test("cbor2's length-first key order is not RFC 8949 deterministic")
    func cbor2LengthFirst() throws {
        let bytes = hex(cbor2LengthFirstMap)
        #expect(throws: CBORError.self) { try CBOR(decoding: bytes) }
        let value = try CBOR(decoding: bytes, options: .lenient)
        #expect(value == [10: 0, -1: 1, 100: 2])
        #expect(try value.encoded().hexString == "a30a001864022001")
    }

    @Test("COSE WG sign1 examples that must verify")
    func coseWGPass() throws {
        let key = try COSEWGExamples.publicKey
        let pass03 = try COSESign1(decoding: COSEWGExamples.pass03)
        #expect(!pass03.isTagged)
        #expect(pass03.kid == Array("11".utf8))
        #expect(!pass03.kidIsProtected)
        #expect(pass03.payload == COSEWGExamples.content)
        #expect(pass03.toBeSigned() == COSEWGExamples.pass03ToBeSigned)
        #expect(pass03.isValidSignature(publicKey: key))
        #expect(!pass03.isValidSignature(publicKey: try PycoseFixture.publicKey))

        let pass02 = try COSESign1(decoding: COSEWGExamples.pass02)
        #expect(pass02.isTagged)
        #expect(pass02.toBeSigned(externalAAD: COSEWGExamples.pass02AAD) == COSEWGExamples.pass02ToBeSigned)
        #expect(pass02.isValidSignature(publicKey: key, externalAAD: COSEWGExamples.pass02AAD))
        #expect(!pass02.isValidSignature(publicKey: key))
    }

    @Test("COSE WG sign1 examples that must fail")
    func coseWGFail() throws {
        let key = try COSEWGExamples.publicKey
        // Valid COSE, but alg is only in the unprotected header: Akashi refuses it.
        #expect(coseError(COSEWGExamples.pass01)?.code == .missingAlgorithm)
        #expect(coseError(COSEWGExamples.fail01)?.code == .unexpectedTag)
        #expect(coseError(COSEWGExamples.fail03)?.code == .unsupportedAlgorithm)
        #expect(coseError(COSEWGExamples.fail04)?.code == .unsupportedAlgorithm)
        for (name, bytes) in [("fail-02", COSEWGExamples.fail02), ("fail-06", COSEWGExamples.fail06), ("fail-07", COSEWGExamples.fail07)] {
            let message = try COSESign1(decoding: bytes)
            #expect(!message.isValidSignature(publicKey: key), "\(name)")
        }
    }
}
