import AkashiCrypto
import Foundation
import QRPayload
import TransparencyLog

/// Subject transparency (docs/spec/subject-transparency.md): the subject lines
/// a certificate's log entry carries, one per person it is about, so that
/// each of them — and nobody else — can find it with their secret.
///
/// Why derived from the `cti`: a verifier who has the certificate rebuilds the
/// lines exactly (so a certificate logged without them is not proven to be in
/// the log), while the public log, which has only the envelope's digest,
/// cannot compute the ephemeral key.
public enum SubjectLines {
    public static let keyByteCount = 32
    public static let maxSubjects = LogEntry.maxSubjects
    static let tagByteCount = 8

    /// The 50-byte lines (R ‖ tag ‖ encrypted serial) for these subject keys.
    /// Throws for a key that gives an all-zero shared secret (low order):
    /// nothing unfindable is signed or logged.
    public static func lines(cti: [UInt8], serial: [UInt8], keys: [[UInt8]]) throws(CryptoError) -> [[UInt8]] {
        try keys.enumerated().map { (i, key) throws(CryptoError) in
            // One key object: R comes with it, S is one more multiplication.
            let r = try X25519.Secret(SHA256.hash([0x65] + cti + [UInt8(i)]))
            let ephemeral = try r.publicKey()
            let shared = try r.sharedSecret(with: key)
            let k = SHA256.hash([0x6B] + shared + ephemeral)
            let encrypted = zip(serial, k[tagByteCount..<(tagByteCount + serial.count)]).map { $0 ^ $1 }
            return ephemeral + Array(k[0..<tagByteCount]) + encrypted
        }
    }

    /// What a subject line says to the holder of `secret`: nil when it is not
    /// theirs; the serial when it is (subject-transparency.md §5 step 3).
    public static func open(_ line: [UInt8], secret: [UInt8]) -> [UInt8]? {
        guard let key = try? X25519.Secret(secret) else { return nil }
        return open(line, key: key)
    }

    /// The same with the secret prepared once (a scan tests every line with it).
    public static func open(_ line: [UInt8], key: X25519.Secret) -> [UInt8]? {
        guard line.count == LogEntry.subjectLineByteCount else { return nil }
        let ephemeral = Array(line[0..<32])
        guard let shared = try? key.sharedSecret(with: ephemeral) else { return nil }
        let k = SHA256.hash([0x6B] + shared + ephemeral)
        guard k[0..<tagByteCount].elementsEqual(line[32..<(32 + tagByteCount)]) else { return nil }
        return zip(line[(32 + tagByteCount)...], k[tagByteCount...]).map { $0 ^ $1 }
    }
}

/// A resident's subject secret and its texts for cards and QR codes:
/// `AKS1.` + digits (the secret), `AKP1.` + digits (the public key).
public struct SubjectSecret: Sendable {
    public static let secretPrefix = "AKS1."
    public static let keyPrefix = "AKP1."

    /// The 32-byte X25519 secret. Treat as a secret.
    public let secret: [UInt8]
    public let publicKey: [UInt8]

    public init() { try! self.init(secret: SecureRandom.bytes(SubjectLines.keyByteCount)) }

    public init(secret: [UInt8]) throws(CryptoError) {
        self.secret = secret
        self.publicKey = try X25519.publicKey(scalar: secret)
    }

    public var secretText: String { Self.secretPrefix + NumericCodec.encode(secret) }
    public var keyText: String { Self.keyText(publicKey) }
    public static func keyText(_ key: [UInt8]) -> String { keyPrefix + NumericCodec.encode(key) }

    /// Reads `AKS1.…` (surrounding white space ignored).
    public init(text: String) throws(CertificateError) {
        let bytes = try Self.read(text, prefix: Self.secretPrefix, what: "subject secret")
        do { try self.init(secret: bytes) } catch { throw CertificateError(.invalidInput, "the subject secret is not an X25519 secret: \(error.reason)") }
    }

    /// Reads `AKP1.…`, refusing a low-order key (one that no secret finds).
    public static func publicKey(text: String) throws(CertificateError) -> [UInt8] {
        let key = try read(text, prefix: keyPrefix, what: "subject key")
        guard (try? X25519.sharedSecret(scalar: SHA256.hash(Array("akashi low-order check".utf8)), publicKey: key)) != nil else {
            throw CertificateError(.invalidInput, "the subject key is of low order: no secret could find certificates bound to it")
        }
        return key
    }

    static func read(_ text: String, prefix: String, what: String) throws(CertificateError) -> [UInt8] {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        guard trimmed.hasPrefix(prefix) else { throw CertificateError(.invalidInput, "a \(what) starts with \(prefix)") }
        let digits = trimmed.dropFirst(prefix.count)
        guard let bytes = try? NumericCodec.decode(digits), bytes.count == SubjectLines.keyByteCount else {
            throw CertificateError(.invalidInput, "a \(what) is \(prefix) and the digits of 32 bytes")
        }
        return bytes
    }
}

extension LogEntry {
    /// A certificate's log entry, rebuilt from its envelope and claims as a
    /// verifier does (docs/spec/log.md §2.1): the digest, kind, issue time and
    /// one subject line per subject key. Throws for a low-order subject key.
    public static func certificate(envelope: [UInt8], claims: CertificateClaims) throws(CryptoError) -> LogEntry {
        .certificate(
            sha256: SHA256.hash(envelope), kind: claims.kind, issuedAt: claims.issuedAt,
            subjects: try SubjectLines.lines(cti: claims.cti, serial: claims.serial, keys: claims.subjectKeys))
    }
}
