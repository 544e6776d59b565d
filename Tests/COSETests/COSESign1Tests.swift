import AkashiCrypto
import CBOR
import COSE
import Foundation
import Testing

@Suite("COSE_Sign1")
struct COSESign1Tests {
    static let key = try! P256.PrivateKey()
    static let otherKey = try! P256.PrivateKey()
    static let kid = Array("akashi-131016-2025".utf8)
    static let payload = try! CWTClaims(issuer: "131016", expiration: 1_900_000_000, issuedAt: 1_760_000_000, cwtID: [1, 2, 3, 4]).encoded()

    @Test("sign → encode → decode → verify")
    func roundTrip() throws {
        let signed = try COSESign1.sign(payload: Self.payload, kid: Self.kid, privateKey: Self.key)
        #expect(signed.isTagged)
        #expect(signed.encoded.first == 0xd2)  // tag 18
        #expect(signed.protectedBytes == hex("a2012604") + [0x52] + Self.kid)  // {1: -7, 4: h'…'}
        #expect(signed.signature.count == 64)
        #expect(signed.isValidSignature(publicKey: Self.key.publicKey))

        let decoded = try COSESign1(decoding: signed.encoded)
        #expect(decoded == signed)
        #expect(decoded.alg == .es256)
        #expect(decoded.kid == Self.kid)
        #expect(decoded.kidIsProtected)
        #expect(decoded.payload == Self.payload)
        #expect(decoded.protectedHeader == [1: -7, 4: .byteString(Self.kid)])
        #expect(decoded.unprotectedHeader == [:])
        #expect(decoded.isValidSignature(publicKey: Self.key.publicKey))
        #expect(try decoded.claims().issuer == "131016")
        // The signed bytes are the Sig_structure over the received pieces.
        #expect(
            decoded.toBeSigned() == (try CBOR.array(["Signature1", .byteString(decoded.protectedBytes), .byteString([]), .byteString(Self.payload)]).encoded()))
        #expect(Self.key.publicKey.isValidSignature(decoded.signature, for: decoded.toBeSigned()))
    }

    @Test("the wrong key does not verify")
    func wrongKey() throws {
        let signed = try COSESign1.sign(payload: Self.payload, kid: Self.kid, privateKey: Self.key)
        #expect(!signed.isValidSignature(publicKey: Self.otherKey.publicKey))
        #expect(signed.isValidSignature(publicKey: Self.key.publicKey))
    }

    /// Runs `body` over single-byte replacements of `message`: at every byte
    /// position, every other value, except that inside the 64 signature bytes
    /// only `signatureDeltas` are tried unless `exhaustive`. (ECDSA verification
    /// dominates the cost: the exhaustive run is ~16,000 verifications, several
    /// seconds in a debug build.)
    static func mutations(of message: [UInt8], exhaustive: Bool, _ body: (Int, [UInt8]) -> Void) {
        let signatureBytes = (message.count - 64)..<message.count
        let signatureDeltas: [UInt8] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff, 0x7f]
        for index in message.indices {
            let values: [UInt8] =
                exhaustive || !signatureBytes.contains(index)
                ? (1...255).map { message[index] &+ UInt8($0) }
                : signatureDeltas.map { message[index] ^ $0 }
            for value in values {
                var bytes = message
                bytes[index] = value
                body(index, bytes)
            }
        }
    }

    static func checkEveryByteMutation(exhaustive: Bool) throws {
        let signed = try COSESign1.sign(payload: hex("a1016131"), kid: [0x6b], privateKey: key)  // {1: "1"}
        let publicKey = key.publicKey
        var decodedCount = 0, refusedCount = 0, stillValid: [String] = []
        mutations(of: signed.encoded, exhaustive: exhaustive) { index, bytes in
            guard let mutated = try? COSESign1(decoding: bytes) else {
                refusedCount += 1
                return
            }
            decodedCount += 1
            if mutated.isValidSignature(publicKey: publicKey) { stillValid.append("byte \(index): \(bytes.hexString)") }
        }
        #expect(stillValid.isEmpty, "\(stillValid.prefix(5))")
        // Both paths were exercised: header bytes fail to decode, payload and
        // signature bytes decode and fail to verify.
        #expect(decodedCount > 4 * 255 && refusedCount > 0)
    }

    @Test("every single-byte change fails to decode or fails to verify (all values outside the signature, 10 per signature byte)")
    func everyByteMutation() throws {
        try Self.checkEveryByteMutation(exhaustive: false)
    }

    @Test(
        "every single-byte change, exhaustively (AKASHI_EXHAUSTIVE=1)",
        .enabled(if: ProcessInfo.processInfo.environment["AKASHI_EXHAUSTIVE"] == "1"))
    func everyByteMutationExhaustive() throws {
        try Self.checkEveryByteMutation(exhaustive: true)
    }

    @Test("also dropping or adding a byte anywhere breaks it")
    func lengthChanges() throws {
        let signed = try COSESign1.sign(payload: [0xa0], kid: [0x6b], privateKey: Self.key)
        // Dropping the tag leaves a valid untagged COSE_Sign1: the tag is not
        // signed (RFC 9052 §2), and untagged messages are accepted.
        var untagged = signed.encoded
        untagged.removeFirst()
        let message = try COSESign1(decoding: untagged)
        #expect(!message.isTagged && message.isValidSignature(publicKey: Self.key.publicKey))
        for index in signed.encoded.indices.dropFirst() {
            var shorter = signed.encoded
            shorter.remove(at: index)
            #expect((try? COSESign1(decoding: shorter))?.isValidSignature(publicKey: Self.key.publicKey) != true, "without byte \(index)")
            for byte: UInt8 in [0x00, 0x40, 0xa0, 0xf6] {
                var longer = signed.encoded
                longer.insert(byte, at: index)
                #expect((try? COSESign1(decoding: longer))?.isValidSignature(publicKey: Self.key.publicKey) != true, "\(byte) at \(index)")
            }
        }
    }

    @Test("external AAD must match")
    func externalAAD() throws {
        let aad = Array("131016".utf8)
        let signed = try COSESign1.sign(payload: Self.payload, kid: Self.kid, privateKey: Self.key, externalAAD: aad)
        #expect(signed.isValidSignature(publicKey: Self.key.publicKey, externalAAD: aad))
        #expect(!signed.isValidSignature(publicKey: Self.key.publicKey))
        #expect(!signed.isValidSignature(publicKey: Self.key.publicKey, externalAAD: Array("131017".utf8)))
    }

    @Test("untagged messages and unprotected headers")
    func untaggedAndUnprotected() throws {
        let signed = try COSESign1.sign(
            payload: Self.payload, kid: Self.kid, privateKey: Self.key,
            unprotectedHeader: [-70001: "note", 3: 61], tagged: false)
        #expect(!signed.isTagged)
        #expect(signed.encoded.first == 0x84)
        #expect(signed.unprotectedHeader[3] == 61)
        #expect(signed.isValidSignature(publicKey: Self.key.publicKey))
        // The unprotected header is not signed: changing it keeps the signature valid...
        var items = try CBOR(decoding: signed.encoded).array!
        items[1] = [3: 60]
        let changed = try COSESign1(decoding: CBOR.array(items).encoded())
        #expect(changed.isValidSignature(publicKey: Self.key.publicKey))
        #expect(changed != signed)
        // ...which is why alg and kid may not be repeated there.
        #expect(throws: COSEError.self) {
            try COSESign1.sign(payload: Self.payload, kid: Self.kid, privateKey: Self.key, unprotectedHeader: [4: .byteString([9])])
        }
    }

    @Test(
        "alg other than ES256 (-7) is refused",
        arguments: [
            CBOR(-35), CBOR(-36), CBOR(-8), CBOR(-257), CBOR(7), CBOR(0), "ES256", .float(-7), .byteString([0x26]), .null,
        ])
    func otherAlgorithms(alg: CBOR) throws {
        let bytes = try handMade(protected: [1: alg, 4: .byteString([1])])
        #expect(coseError(bytes)?.code == .unsupportedAlgorithm, "\(alg)")
    }

    @Test("structural problems have their own codes")
    func structure() throws {
        let cases: [([UInt8], COSEError.Code, String)] = [
            (try handMade(tag: 17), .unexpectedTag, "COSE_Mac0's tag"),
            (try handMade(tag: 98), .unexpectedTag, "COSE_Sign's tag"),
            (try CBOR.tagged(18, [.byteString([]), [:], .byteString([])]).encoded(), .malformedStructure, "three items"),
            (try CBOR.tagged(18, [.byteString([]), [:], .byteString([]), .byteString([]), 0]).encoded(), .malformedStructure, "five items"),
            (try CBOR.tagged(18, [1: 2]).encoded(), .malformedStructure, "a map"),
            (try handMade(protected: nil, protectedBytes: nil, unprotected: [1: -7]), .missingAlgorithm, "empty protected, alg unprotected"),
            (
                try CBOR.tagged(18, [[1: -7, 4: .byteString([1])], [:], .byteString([]), .byteString([UInt8](repeating: 0, count: 64))]).encoded(),
                .malformedStructure, "protected header not wrapped in bstr"
            ),
            (try handMade(unprotected: []), .malformedStructure, "unprotected header an array"),
            (try handMade(payload: .null), .detachedPayload, "detached payload"),
            (try handMade(payload: "text"), .malformedStructure, "text payload"),
            (try handMade(signature: .byteString([UInt8](repeating: 1, count: 63))), .malformedSignature, "63-byte signature"),
            (try handMade(signature: .byteString([UInt8](repeating: 1, count: 65))), .malformedSignature, "65-byte signature"),
            (try handMade(signature: .byteString([])), .malformedSignature, "empty signature"),
            (try handMade(signature: .array([])), .malformedStructure, "signature an array"),
            (try handMade(protectedBytes: [0xff]), .malformedCBOR, "protected header not CBOR"),
            (try handMade(protectedBytes: [0xa1, 0x01]), .malformedCBOR, "protected header truncated"),
            (try handMade(protectedBytes: hex("a2012604")), .malformedCBOR, "protected header kid missing its value"),
            (try handMade(protectedBytes: hex("82 01 26")), .malformedHeader, "protected header an array"),
            (try handMade(protectedBytes: hex("a2 04 41 01 01 26")), .malformedCBOR, "protected header keys unsorted"),
            (try handMade(protected: [1: -7]), .missingKeyID, "no kid"),
            (try handMade(protected: [1: -7, 4: "k1"]), .malformedHeader, "kid as text"),
            (try handMade(protected: [1: -7], unprotected: [4: 1]), .malformedHeader, "unprotected kid as integer"),
            (try handMade(protected: [1: -7, 2: [4], 4: .byteString([1])]), .unsupportedCriticalHeader, "crit"),
            (try handMade(unprotected: [2: [99]]), .unsupportedCriticalHeader, "crit unprotected"),
            (try handMade(unprotected: [4: .byteString([2])]), .duplicateHeaderLabel, "kid in both"),
            (try handMade(unprotected: [1: -7]), .duplicateHeaderLabel, "alg in both"),
            (try handMade(protected: [4: .byteString([1])], unprotected: [1: -7]), .missingAlgorithm, "alg only unprotected"),
            (try handMade() + [0x00], .malformedCBOR, "trailing byte"),
            ([], .malformedCBOR, "empty input"),
            (hex("d2"), .malformedCBOR, "only a tag"),
        ]
        for (bytes, code, note) in cases {
            let error = coseError(bytes)
            #expect(error?.code == code, "\(note): \(String(describing: error))")
            #expect(error.map { !$0.reason.isEmpty } == true)
        }
        #expect(coseError([0xff])?.underlying?.code == .malformed)
        #expect(coseError(try handMade(protectedBytes: hex("a2 04 41 01 01 26")))?.underlying?.code == .unsortedMapKeys)
        #expect(coseError(try handMade()) == nil)
    }

    @Test("strict decoding refuses non-deterministic envelopes; lenient reads them and still verifies the received bytes")
    func leniency() throws {
        let signed = try COSESign1.sign(payload: [0xa0], kid: [0x6b], privateKey: Self.key)
        // Re-write the payload's length (1) in the non-shortest one-byte form 58 01.
        let index = 3 + signed.protectedBytes.count + 1  // after d2 84 46 <protected> a0
        #expect(signed.encoded[index + 1] == 0xa0)
        var bytes = signed.encoded
        bytes.replaceSubrange(index...index, with: [0x58, 0x01])
        #expect(coseError(bytes)?.underlying?.code == .nonShortestArgument)
        let lenient = try COSESign1(decoding: bytes, options: .lenient)
        #expect(lenient.payload == [0xa0])
        #expect(lenient.encoded == bytes)
        #expect(lenient.isValidSignature(publicKey: Self.key.publicKey))  // the signed parts are unchanged
    }

    @Test("messages compare by their bytes")
    func identity() throws {
        let a = try COSESign1.sign(payload: [0xa0], kid: [0x6b], privateKey: Self.key)
        let b = try COSESign1(decoding: a.encoded)
        let c = try COSESign1.sign(payload: [0xa0], kid: [0x6b], privateKey: Self.key)  // new random ECDSA nonce
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(a.description == "COSE_Sign1(alg: ES256, kid: h'6b', payload: 1 bytes)")
    }
}
