import AkashiCrypto

/// Witness cosignatures, c2sp.org/tlog-cosignature (cosignature/v1, type 0x04).
///
/// The signature is a 72-byte `timestamped_signature`: a big-endian u64 POSIX
/// time followed by an Ed25519 signature over
/// `cosignature/v1\ntime <T>\n<checkpoint note text>`.
public enum CosignatureV1 {
    public static func signedMessage(checkpointText: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(checkpointText)".utf8)
    }

    /// The timestamp inside a cosignature's bytes (after the key ID), if well formed.
    public static func timestamp(of signature: [UInt8]) -> UInt64? {
        guard signature.count == 72 else { return nil }
        return signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

/// Verifies cosignature/v1 lines from one witness.
public struct CosignatureV1Verifier: NoteVerifier {
    public let key: VerifierKey
    public var name: String { key.name }
    public var keyID: UInt32 { key.keyID }

    public init(key: VerifierKey) { self.key = key }

    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        guard let timestamp = CosignatureV1.timestamp(of: signature), timestamp <= UInt64(Int64.max) else { return false }
        let signed = CosignatureV1.signedMessage(checkpointText: String(decoding: message, as: UTF8.self), timestamp: timestamp)
        return key.publicKey.isValidSignature(Array(signature[8...]), for: signed)
    }
}

/// Produces cosignature/v1 lines (a witness's or a mirror's key).
public struct CosignatureV1Signer: Sendable {
    public let name: String
    public let privateKey: Ed25519.PrivateKey
    public let verifierKey: VerifierKey

    public init(name: String, privateKey: Ed25519.PrivateKey) throws(NoteError) {
        self.name = name
        self.privateKey = privateKey
        self.verifierKey = try VerifierKey(name: name, type: .cosignatureV1, publicKey: privateKey.publicKey)
    }

    public func cosign(checkpointText: String, timestamp: UInt64) -> SignedNote.Signature {
        let message = CosignatureV1.signedMessage(checkpointText: checkpointText, timestamp: timestamp)
        var stamp = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { stamp[i] = UInt8(timestamp >> (56 - 8 * UInt64(i)) & 0xff) }
        return SignedNote.Signature(name: name, keyID: verifierKey.keyID, bytes: stamp + privateKey.signature(for: message))
    }
}
