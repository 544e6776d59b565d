import AkashiCrypto
import CBOR
import COSE

/// Builds a COSE_Sign1 by hand, for messages the signer would never make.
func handMade(
    protected: CBOR? = [1: -7, 4: .byteString(Array("k1".utf8))],
    protectedBytes: [UInt8]? = nil,
    unprotected: CBOR = [:],
    payload: CBOR = .byteString([0xa0]),
    signature: CBOR = .byteString([UInt8](repeating: 1, count: 64)),
    tag: UInt64? = 18
) throws -> [UInt8] {
    let header = try protectedBytes ?? (protected.map { try $0.encoded() } ?? [])
    let body: CBOR = [.byteString(header), unprotected, payload, signature]
    return try (tag.map { CBOR.tagged($0, body) } ?? body).encoded()
}

/// The COSE error decoding `bytes` gives, or nil if it decodes.
func coseError(_ bytes: [UInt8], options: CBORDecodingOptions = .strict) -> COSEError? {
    do {
        _ = try COSESign1(decoding: bytes, options: options)
        return nil
    } catch {
        return error
    }
}
