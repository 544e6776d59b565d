import AkashiCrypto

/// Something that checks one key's signatures on notes. Identified by the
/// pair (name, key ID), as the signed-note specification requires.
public protocol NoteVerifier: Sendable {
    var name: String { get }
    var keyID: UInt32 { get }
    /// Whether `signature` (the bytes after the key ID) signs `message` (the note text).
    func verify(message: [UInt8], signature: [UInt8]) -> Bool
}

/// Something that signs notes.
public protocol NoteSigner: Sendable {
    var name: String { get }
    var keyID: UInt32 { get }
    func sign(message: [UInt8]) throws -> [UInt8]
}

extension NoteSigner {
    /// Signs `text` (which must end in a newline) as a new note.
    public func signNote(_ text: String) throws -> SignedNote {
        SignedNote(text: text, signatures: [SignedNote.Signature(name: name, keyID: keyID, bytes: try sign(message: Array(text.utf8)))])
    }
}

/// Signature type identifiers assigned by C2SP signed-note.
public enum NoteSignatureType: UInt8, Sendable {
    case ed25519 = 0x01
    case cosignatureV1 = 0x04
}

/// key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
public func noteKeyID(name: String, type: NoteSignatureType, publicKey: [UInt8]) -> UInt32 {
    let h = SHA256.hash(Array(name.utf8) + [0x0a, type.rawValue] + publicKey)
    return UInt32(h[0]) << 24 | UInt32(h[1]) << 16 | UInt32(h[2]) << 8 | UInt32(h[3])
}

func hex8(_ id: UInt32) -> String {
    let s = String(id, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}

/// A verifier key ("vkey"): `<name>+<hex key ID>+base64(type || public key)`.
///
/// https://c2sp.org/signed-note#verifier-keys
public struct VerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    public let type: NoteSignatureType
    public let publicKey: Ed25519.PublicKey

    public init(name: String, type: NoteSignatureType, publicKey: Ed25519.PublicKey) throws(NoteError) {
        guard SignedNote.isValidKeyName(name) else {
            throw NoteError(.malformedKey, "key name '\(name)' must be non-empty with no spaces and no '+'")
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = noteKeyID(name: name, type: type, publicKey: publicKey.rawRepresentation)
    }

    public init(parsing text: String) throws(NoteError) {
        let trimmed = text.trimmingSuffixNewlines()
        let parts = trimmed.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw NoteError(.malformedKey, "a verifier key is '<name>+<key id>+<base64 key>'; got \(parts.count) parts")
        }
        guard parts[1].count == 8, let id = UInt32(parts[1], radix: 16), parts[1] == parts[1].lowercased() else {
            throw NoteError(.malformedKey, "the key ID '\(parts[1])' is not 8 lowercase hex digits")
        }
        guard let blob = [UInt8](base64String: parts[2]), let first = blob.first else {
            throw NoteError(.malformedKey, "the key material is not valid base64")
        }
        guard let type = NoteSignatureType(rawValue: first) else {
            throw NoteError(.malformedKey, "signature type 0x\([first].hexString) is not supported (Ed25519 0x01 and cosignature/v1 0x04 are)")
        }
        let publicKey: Ed25519.PublicKey
        do {
            publicKey = try Ed25519.PublicKey(rawRepresentation: Array(blob.dropFirst()))
        } catch {
            throw NoteError(.malformedKey, "the key is not a 32-byte Ed25519 public key")
        }
        try self.init(name: String(parts[0]), type: type, publicKey: publicKey)
        guard keyID == id else {
            throw NoteError(.malformedKey, "key ID \(parts[1]) does not match the key (expected \(hex8(keyID)))")
        }
    }

    public var description: String {
        "\(name)+\(hex8(keyID))+\(([type.rawValue] + publicKey.rawRepresentation).base64String)"
    }

    /// The note verifier for this key: plain Ed25519 or cosignature/v1.
    public var verifier: any NoteVerifier {
        switch type {
        case .ed25519: Ed25519NoteVerifier(key: self)
        case .cosignatureV1: CosignatureV1Verifier(key: self)
        }
    }
}

/// Verifies Ed25519 note signatures (type 0x01).
public struct Ed25519NoteVerifier: NoteVerifier {
    public let key: VerifierKey
    public var name: String { key.name }
    public var keyID: UInt32 { key.keyID }

    public init(key: VerifierKey) { self.key = key }

    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        key.publicKey.isValidSignature(signature, for: message)
    }
}

/// Signs notes with Ed25519 (type 0x01).
public struct Ed25519NoteSigner: NoteSigner {
    public let name: String
    public let privateKey: Ed25519.PrivateKey
    public let verifierKey: VerifierKey
    public var keyID: UInt32 { verifierKey.keyID }

    public init(name: String, privateKey: Ed25519.PrivateKey) throws(NoteError) {
        self.name = name
        self.privateKey = privateKey
        self.verifierKey = try VerifierKey(name: name, type: .ed25519, publicKey: privateKey.publicKey)
    }

    public func sign(message: [UInt8]) -> [UInt8] { privateKey.signature(for: message) }

    /// The private key in the form Go's golang.org/x/mod/sumdb/note uses:
    /// `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed)`. Keep it secret.
    public var privateKeyText: String {
        "PRIVATE+KEY+\(name)+\(hex8(keyID))+\(([NoteSignatureType.ed25519.rawValue] + privateKey.seed).base64String)"
    }

    /// Reads the form written by ``privateKeyText``.
    public init(parsingPrivateKey text: String) throws(NoteError) {
        let parts = text.trimmingSuffixNewlines().split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
            let blob = [UInt8](base64String: parts[4]), blob.count == 33, blob[0] == NoteSignatureType.ed25519.rawValue
        else {
            throw NoteError(.malformedKey, "not an Ed25519 note private key (PRIVATE+KEY+<name>+<id>+<base64>)")
        }
        let key: Ed25519.PrivateKey
        do { key = try Ed25519.PrivateKey(seed: Array(blob.dropFirst())) } catch {
            throw NoteError(.malformedKey, "the private key material is invalid")
        }
        try self.init(name: String(parts[2]), privateKey: key)
        guard hex8(keyID) == parts[3] else {
            throw NoteError(.malformedKey, "the private key's ID \(parts[3]) does not match its key")
        }
    }
}

extension String {
    func trimmingSuffixNewlines() -> Substring {
        var s = self[...]
        while s.last == "\n" || s.last == "\r" { s = s.dropLast() }
        return s
    }
}
