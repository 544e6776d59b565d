import AkashiCrypto
import CBOR
import Foundation

// Interop fixtures, made once with pycose 1.1.0 and cbor2 6.3.0 (PyPI) by
// this script, and pasted here as hex so the tests need no Python:
//
//     import hashlib, base64, cbor2
//     from cryptography.hazmat.primitives.asymmetric import ec
//     from cryptography.hazmat.primitives import serialization
//     from pycose.messages import Sign1Message
//     from pycose.keys import EC2Key
//     from pycose.keys.curves import P256
//     from pycose.headers import Algorithm, KID
//     from pycose.algorithms import Es256
//
//     n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
//     d = int.from_bytes(hashlib.sha256(b"akashi cose interop fixture").digest(), "big") % n
//     priv = ec.derive_private_key(d, ec.SECP256R1())
//     pub = priv.public_key().public_numbers()
//     x = pub.x.to_bytes(32, "big"); y = pub.y.to_bytes(32, "big")
//     # JWK x, y (base64url) and the PKCS#8 PEM of priv are printed
//     claims = {1: "JP-131016", 4: 1893456000, 6: 1735689600, 7: bytes.fromhex("0123456789abcdef"),
//               -260: {1: {"name": "山田 太郎", "kind": "住民票の写し", "emoji": "🗾"}}}
//     payload = cbor2.dumps(claims, canonical=True)
//     key = EC2Key(crv=P256, x=x, y=y, d=d.to_bytes(32, "big"))
//     msg = Sign1Message(phdr={Algorithm: Es256, KID: b"akashi-2025-01"}, payload=payload)
//     msg.key = key
//     print(msg.encode().hex(), msg._create_sig_structure().hex())   # tagged
//     msg2 = Sign1Message(phdr={Algorithm: Es256, KID: b"akashi-2025-01"},
//                         payload=b"\xa1\x01\x62JP", external_aad=b"akashi:municipality=131016")
//     msg2.key = key
//     print(msg2.encode(tag=False).hex())
//     for v in [...]: print(cbor2.dumps(v, canonical=True).hex())   # see cbor2Canonical
//
// The key is a test key derived from a public string: never use it for anything else.
enum PycoseFixture {
    static let jwkX = "8et6xdwNLhYFeHmKypLmyYq0DQlJ7v5mA-XkJyhSEko"
    static let jwkY = "e1ASBr_PvnVNvNWbwy3HjU1P7W7aoTLfXZ7waNwvmHs"
    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsy7Ys3bMCncdcXqW
        jn+vFTGyUNHlw7nknzbh4mI2a4yhRANCAATx63rF3A0uFgV4eYrKkubJirQNCUnu
        /mYD5eQnKFISSntQEga/z751TbzVm8Mtx41NT+1u2qEy312e8GjcL5h7
        -----END PRIVATE KEY-----

        """
    static let kid = Array("akashi-2025-01".utf8)
    static let payload = hex(
        """
        a501694a502d313331303136041a70dbd880061a6774858007480123456789abcdef390103a101a3646b696e64\
        72e4bd8fe6b091e7a5a8e381aee58699e38197646e616d656de5b1b1e794b020e5a4aae9838e65656d6f6a69\
        64f09f97be
        """)
    static let sign1 = hex(
        """
        d28453a20126044e616b617368692d323032352d3031a0585ea501694a502d313331303136041a70dbd88006\
        1a6774858007480123456789abcdef390103a101a3646b696e6472e4bd8fe6b091e7a5a8e381aee58699e381\
        97646e616d656de5b1b1e794b020e5a4aae9838e65656d6f6a6964f09f97be58408a941562fbc885d567e7e7\
        90e6bf2c63e110bb16154b646efca230e89a5bcea537dc41c8af43546d297bb1c7b0b07b786914b8bc42a216\
        663ce88415cd1d6249
        """)
    static let toBeSigned = hex(
        """
        846a5369676e61747572653153a20126044e616b617368692d323032352d303140585ea501694a502d313331\
        303136041a70dbd880061a6774858007480123456789abcdef390103a101a3646b696e6472e4bd8fe6b091e7\
        a5a8e381aee58699e38197646e616d656de5b1b1e794b020e5a4aae9838e65656d6f6a6964f09f97be
        """)
    static let externalAAD = Array("akashi:municipality=131016".utf8)
    static let sign1WithAADUntagged = hex(
        """
        8453a20126044e616b617368692d323032352d3031a045a101624a5058406c6eb8ccf6dcd2916e3c4218a850\
        cd158bd27202813144eda5051c26950e515bbcc06dc60a5f48a295d4c8e7923f6c1f8f3d5c95192706ce968d\
        4a74ee71a0b4
        """)

    static var publicKey: P256.PublicKey {
        get throws { try P256.PublicKey(x: base64URL(jwkX), y: base64URL(jwkY)) }
    }
    static var privateKey: P256.PrivateKey {
        get throws { try P256.PrivateKey(pemRepresentation: privateKeyPEM) }
    }
}

/// `cbor2.dumps(value, canonical=True)` outputs next to the same value built
/// here. cbor2 sorts keys length-first (RFC 7049 §3.9), which agrees with
/// RFC 8949's bytewise order whenever equal-length keys are compared, as here;
/// `lengthFirstMap` is the case where they differ.
let cbor2Canonical: [(name: String, value: CBOR, hex: String)] = [
    ("0", 0, "00"), ("23", 23, "17"), ("24", 24, "1818"), ("255", 255, "18ff"), ("256", 256, "190100"),
    ("65535", 65535, "19ffff"), ("65536", 65536, "1a00010000"), ("4294967295", 4_294_967_295, "1affffffff"),
    ("4294967296", 4_294_967_296, "1b0000000100000000"), ("-1", -1, "20"), ("-24", -24, "37"), ("-25", -25, "3818"),
    ("-256", -256, "38ff"), ("-257", -257, "390100"), ("-2**63", CBOR(Int64.min), "3b7fffffffffffffff"),
    ("2**64-1", .unsigned(.max), "1bffffffffffffffff"), ("-2**64", .negative(.max), "3bffffffffffffffff"),
    ("1.1", 1.1, "fb3ff199999999999a"), ("1.5", 1.5, "f93e00"), ("100000.0", 100000.0, "fa47c35000"),
    ("-0.0", .float(-0.0), "f98000"), ("inf", .float(.infinity), "f97c00"), ("nan", .float(.nan), "f97e00"),
    ("5.960464477539063e-8", 5.960464477539063e-8, "f90001"), ("65504.0", 65504.0, "f97bff"),
    ("65505.0", 65505.0, "fa477fe100"), ("1e300", 1e300, "fb7e37e43c8800759c"),
    ("text", "住民票の写し 🇯🇵", "781be4bd8fe6b091e7a5a8e381aee58699e3819720f09f87aff09f87b5"),
    ("bytes", .byteString(Array(0..<30)), "581e000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"),
    (
        "nested", ["b": [1, ["y": true, "x": .null]], "a": .byteString([0]), "c": "東京"],
        "a36161410061628201a26178f66179f5616366e69db1e4baac"
    ),
    (
        "intkeys", [7: .byteString([1]), 1: "JP", 6: 1_735_689_600, 4: 1_893_456_000, -260: [1: [:]]],
        "a501624a50041a70dbd880061a67748580074101390103a101a0"
    ),
    ("tag1", .tagged(1, 1_363_896_240), "c11a514b67b0"),
]

/// cbor2's canonical {10: 0, -1: 1, 100: 2}: length-first, so not RFC 8949
/// deterministic (bytewise, 100 = 1864 sorts before -1 = 20).
let cbor2LengthFirstMap = "a30a002001186402"

/// COSE_Sign1 examples from the COSE working group's test vectors
/// (github.com/cose-wg/Examples, sign1-tests), all with this key.
enum COSEWGExamples {
    static let jwkX = "usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8"
    static let jwkY = "IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4"
    static let content = Array("This is the content.".utf8)
    static var publicKey: P256.PublicKey {
        get throws { try P256.PublicKey(x: base64URL(jwkX), y: base64URL(jwkY)) }
    }

    /// sign-pass-03: the RFC 9052 Appendix C.2.1 message without its tag; kid "11" unprotected.
    static let pass03 = hex(
        "8443A10126A10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E19F43D6C6BA654472DA301B645B293C9BA939295B97C4BDB847782BFF384C5794"
    )
    static let pass03ToBeSigned = hex("846A5369676E61747572653143A101264054546869732069732074686520636F6E74656E742E")
    /// sign-pass-02: with external AAD.
    static let pass02 = hex(
        "D28443A10126A10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E155388B10C4F1B59A6733EAB416870A945111A4B2FBDBEF33A77234B1DEFF2F9B"
    )
    static let pass02AAD = hex("11aa22bb33cc44dd55006699")
    static let pass02ToBeSigned = hex("846A5369676E61747572653143A101264C11AA22BB33CC44DD5500669954546869732069732074686520636F6E74656E742E")
    /// sign-pass-01: protected header an empty map, alg only in the unprotected header.
    static let pass01 = hex(
        "D28441A0A201260442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E11A02E5F0344BF2D4EE5C7FD75A68A9F5E0B3CC1F1FC1409C189566586FF9D610"
    )
    /// sign-fail-01: tag 998 instead of 18.
    static let fail01 = hex(
        "D903E68443A10126A10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E19F43D6C6BA654472DA301B645B293C9BA939295B97C4BDB847782BFF384C5794"
    )
    /// sign-fail-02: payload changed after signing.
    static let fail02 = hex(
        "D28443A10126A10442313154546869732069732074686520636F6E74656E742F5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E19F43D6C6BA654472DA301B645B293C9BA939295B97C4BDB847782BFF384C5794"
    )
    /// sign-fail-03: alg changed to -999.
    static let fail03 = hex(
        "D28445A1013903E6A10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E19F43D6C6BA654472DA301B645B293C9BA939295B97C4BDB847782BFF384C5794"
    )
    /// sign-fail-04: alg changed to "unknown".
    static let fail04 = hex(
        "D2844AA10167756E6B6E6F776EA10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E19F43D6C6BA654472DA301B645B293C9BA939295B97C4BDB847782BFF384C5794"
    )
    /// sign-fail-06: a content-type header added to the protected header after signing.
    static let fail06 = hex(
        "D28445A201260300A10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E19F43D6C6BA654472DA301B645B293C9BA939295B97C4BDB847782BFF384C5794"
    )
    /// sign-fail-07: a protected header removed after signing.
    static let fail07 = hex(
        "D28443A10126A10442313154546869732069732074686520636F6E74656E742E5840EAE868ECC176883766C5DC5BA5B8DCA25DAB3C2E56A551CE5705B793914348E172727F48461FABBBA2E343492DDECAC3983686250BC68E9F1A7A07D41225B59F"
    )
}

func hex(_ string: String) -> [UInt8] {
    let digits = string.filter { !$0.isWhitespace }.map { UInt8(String($0), radix: 16)! }
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

extension Array where Element == UInt8 {
    var hexString: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}

func base64URL(_ text: String) -> [UInt8] {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Array(Data(base64Encoded: base64)!)
}
