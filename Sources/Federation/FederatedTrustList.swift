import AkashiCrypto
import Certificates
import Foundation
import TransparencyLog

/// A federated trust list (`akashi-federation/v1`): the authorities a
/// federation (a prefecture, say) vouches for — each exactly a
/// `TrustedAuthority` of the trust file: issuer keys, allowed kinds, log
/// origin, vkey and witness policy — with a name, a version that only goes up,
/// and a validity period, signed by the federation's Ed25519 key.
///
/// The file is a C2SP signed note (c2sp.org/signed-note). Its text is two lines:
///
/// ```
/// akashi-federation/v1
/// {"authorities":[…],"expiresAt":"2027-04-01T00:00:00Z","issuedAt":"…","name":"…","version":3}
///
/// — pref.fukuoka.example/federation BASE64(key ID || Ed25519 signature)
/// ```
///
/// The JSON is canonical as written (sorted keys, no insignificant space,
/// dates ISO 8601 in whole seconds, UTF-8 unescaped), but verifiers never
/// re-serialize: the signature covers the exact text bytes. A browser checks a
/// list with nothing but WebCrypto: take the bytes up to and including the
/// newline before the last blank line, `crypto.subtle.verify("Ed25519", key,
/// sig, text)` for the signature line whose name and key ID match the
/// federation vkey, then `JSON.parse` the second line.
///
/// Why a signed note rather than COSE: the federation key is then the same
/// kind of key, in the same `vkey` text form, as the logs' keys, handled by the
/// same code (and the web verifier already requires WebCrypto Ed25519 for
/// checkpoints, so it adds no browser requirement); the list stays readable
/// and diffable text; a note carries several signatures, so a federation can
/// rotate its key by signing with old and new keys for a while.
public struct FederatedTrustList: Hashable, Sendable {
    /// The first line of the signed text (domain separation).
    public static let header = "akashi-federation/v1"
    /// A list larger than this is refused before parsing (about 9 KB per authority).
    public static let maxSize = 16 << 20
    /// Versions stay exact in JavaScript numbers (2^53 − 1).
    public static let maxVersion = 9_007_199_254_740_991
    /// A list issued this little in the future is accepted (clock skew).
    public static let clockSkew: TimeInterval = 300
    /// Verifiers accept at most this many signature lines.
    public static let maxSignatures = 100

    public var name: String
    /// Increases with every list the federation publishes; verifiers refuse
    /// one older than the newest they have seen (rollback).
    public var version: Int
    public var issuedAt: Date
    public var expiresAt: Date
    public var authorities: [TrustedAuthority]

    public init(name: String, version: Int, issuedAt: Date = Date(), expiresAt: Date, authorities: [TrustedAuthority]) {
        self.name = name
        self.version = version
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.authorities = authorities
    }

    /// A list of every authority in `trustFiles` (as `akashi trust export`
    /// writes them), combined as ``merge(_:trustFiles:generatedAt:)`` does.
    public init(name: String, version: Int, issuedAt: Date = Date(), expiresAt: Date, trustFiles: [TrustFile]) throws(FederationError) {
        let authorities = try TrustMerger.merge(trustFiles.enumerated().map { ("trust file \($0.offset + 1)", $0.element.authorities) })
        self.init(name: name, version: version, issuedAt: issuedAt, expiresAt: expiresAt, authorities: authorities)
    }

    /// A trust file of this list's authorities, for `CertificateVerifier` and `akashi-verify --trust`.
    public func trustFile() -> TrustFile {
        TrustFile(generatedAt: issuedAt, authorities: authorities)
    }

    /// Checks the content: name, version, dates, one entry per issuer, and
    /// every authority sound (see ``TrustMerger/check(_:)``).
    public func validate() throws(FederationError) {
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw FederationError(.invalid, "the list name must be non-empty, without control characters")
        }
        guard version >= 1, version <= Self.maxVersion else {
            throw FederationError(.invalid, "the version \(version) must be from 1 to \(Self.maxVersion)")
        }
        guard issuedAt < expiresAt else {
            throw FederationError(.invalid, "the list expires (\(iso(expiresAt))) before it is issued (\(iso(issuedAt)))")
        }
        guard !authorities.isEmpty else { throw FederationError(.invalid, "the list has no authorities") }
        var issuers: Set<String> = []
        for authority in authorities {
            guard issuers.insert(authority.issuer).inserted else {
                throw FederationError(.invalid, "issuer \(authority.issuer) is listed twice; combine trust files with merge first")
            }
            try TrustMerger.check(authority)
        }
    }

    // MARK: Signing

    /// A signed list: the note and the list exactly as its text says.
    public struct Signed: Hashable, Sendable {
        /// The list as decoded from the signed text (dates in whole seconds).
        public let list: FederatedTrustList
        public let note: SignedNote

        /// The file's contents.
        public var serialized: String { note.serialized }
        public var data: Data { Data(note.serialized.utf8) }
    }

    /// The exact text that is signed: the header line and the canonical JSON line.
    public func signedText() throws(FederationError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let json: Data
        do { json = try encoder.encode(Body(self)) } catch {
            throw FederationError(.invalid, "the list cannot be encoded: \(error)")
        }
        return Self.header + "\n" + String(decoding: json, as: UTF8.self) + "\n"
    }

    /// Validates and signs the list with the federation's key.
    public func signed(by signer: Ed25519NoteSigner) throws(FederationError) -> Signed {
        try validate()
        let text = try signedText()
        let note = SignedNote(
            text: text,
            signatures: [
                SignedNote.Signature(name: signer.name, keyID: signer.keyID, bytes: signer.sign(message: Array(text.utf8)))
            ])
        return Signed(list: try Self.decode(text: text), note: note)
    }

    // MARK: Verifying

    /// Verifies a list file: signed by one of `keys` (federation vkeys,
    /// Ed25519), well formed, valid at `date`, and not older than
    /// `minimumVersion`. Returns the list; nothing in it is used before the
    /// signature has verified.
    public static func verify(
        _ file: some Collection<UInt8>, trusting keys: [VerifierKey], at date: Date = Date(), minimumVersion: Int = 1
    ) throws(FederationError) -> FederatedTrustList {
        guard !keys.isEmpty else { throw FederationError(.untrustedKey, "no federation key to verify with") }
        for key in keys where key.type != .ed25519 {
            throw FederationError(.untrustedKey, "\(key.name) is a cosignature key; a federation key is an Ed25519 note key (type 0x01)")
        }
        let note = try parseNote(Array(file))
        do {
            _ = try note.verify(keys.map { Ed25519NoteVerifier(key: $0) })
        } catch {
            if error.code == .badSignature {
                throw FederationError(.badSignature, "the list's signature does not verify: the list was altered after signing")
            }
            throw FederationError(.untrustedKey, "the list is not signed by a trusted federation key (\(keys.map(\.name).joined(separator: ", ")))")
        }
        let list = try decode(text: note.text)
        try list.validate()
        guard date < list.expiresAt else {
            throw FederationError(
                .expired, "the list '\(list.name)' version \(list.version) expired at \(iso(list.expiresAt)); get the current list from the federation")
        }
        guard date >= list.issuedAt.addingTimeInterval(-clockSkew) else {
            throw FederationError(.notYetValid, "the list '\(list.name)' is issued at \(iso(list.issuedAt)), after the verification time \(iso(date))")
        }
        guard list.version >= minimumVersion else {
            throw FederationError(
                .rollback, "the list '\(list.name)' is version \(list.version), older than version \(minimumVersion) already seen (a rollback)")
        }
        return list
    }

    /// The list in a signed text, without checking any signature.
    static func decode(text: String) throws(FederationError) -> FederatedTrustList {
        let prefix = header + "\n"
        guard text.hasPrefix(prefix) else {
            throw FederationError(.malformed, "the signed text does not start with '\(header)'; this is not a federated trust list")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Body.self, from: Data(text.utf8.dropFirst(prefix.utf8.count))).list
        } catch {
            throw FederationError(.malformed, "the list's JSON is not valid: \(error)")
        }
    }

    /// Parses a signed note strictly (c2sp.org/signed-note), with a size
    /// limit fit for a prefecture's list rather than `SignedNote`'s 1 MiB.
    static func parseNote(_ bytes: [UInt8]) throws(FederationError) -> SignedNote {
        guard bytes.count <= maxSize else { throw FederationError(.malformed, "the file is larger than \(maxSize >> 20) MiB") }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw FederationError(.malformed, "the file is not UTF-8 text")
        }
        if let bad = bytes.first(where: { $0 < 0x20 && $0 != 0x0a }) {
            throw FederationError(.malformed, "the file contains a control character (0x\([bad].hexString)); a signed note has only newlines")
        }
        guard bytes.last == 0x0a else { throw FederationError(.malformed, "the file does not end with a newline") }
        var separator: Int? = nil
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0a && bytes[i + 1] == 0x0a { separator = i; break }
            i -= 1
        }
        guard let separator, separator > 0 else {
            throw FederationError(.malformed, "the file is not a signed note (no blank line before signatures)")
        }
        let lines = bytes[(separator + 2)...].split(separator: 0x0a, omittingEmptySubsequences: false).dropLast()
        guard !lines.isEmpty else { throw FederationError(.malformed, "the list has no signature lines") }
        guard lines.count <= maxSignatures else { throw FederationError(.malformed, "the list has more than \(maxSignatures) signatures") }
        var signatures: [SignedNote.Signature] = []
        for line in lines {
            let text = String(decoding: line, as: UTF8.self)
            let prefix = "\u{2014} "
            let parts = text.hasPrefix(prefix) ? text.dropFirst(prefix.count).split(separator: " ", omittingEmptySubsequences: false) : []
            guard parts.count == 2, SignedNote.isValidKeyName(parts[0]), let blob = [UInt8](base64String: parts[1]), blob.count > 4 else {
                throw FederationError(.malformed, "a signature line must be '— <key name> <base64>': \(text.prefix(60))")
            }
            let keyID = blob[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(SignedNote.Signature(name: String(parts[0]), keyID: keyID, bytes: Array(blob[4...])))
        }
        return SignedNote(text: String(decoding: bytes[...separator], as: UTF8.self), signatures: signatures)
    }

    /// The JSON object, keys in canonical (sorted) order when encoded.
    private struct Body: Codable {
        var authorities: [TrustedAuthority]
        var expiresAt: Date
        var issuedAt: Date
        var name: String
        var version: Int

        init(_ list: FederatedTrustList) {
            authorities = list.authorities
            expiresAt = list.expiresAt
            issuedAt = list.issuedAt
            name = list.name
            version = list.version
        }

        var list: FederatedTrustList {
            FederatedTrustList(name: name, version: version, issuedAt: issuedAt, expiresAt: expiresAt, authorities: authorities)
        }
    }
}

/// Federation keys: an Ed25519 note key (`PRIVATE+KEY+…` private form, `vkey` public form).
public enum FederationKey {
    /// A new key named `name` (e.g. `pref.fukuoka.example/federation`).
    public static func generate(name: String) throws(FederationError) -> Ed25519NoteSigner {
        do { return try Ed25519NoteSigner(name: name, privateKey: Ed25519.PrivateKey()) } catch {
            throw FederationError(.invalid, "'\(name)' cannot name a key: \(error.reason)")
        }
    }

    /// Reads a private key file's text.
    public static func signer(parsing text: String) throws(FederationError) -> Ed25519NoteSigner {
        do { return try Ed25519NoteSigner(parsingPrivateKey: text) } catch {
            throw FederationError(.invalid, "not a federation private key: \(error.reason)")
        }
    }

    /// Reads a federation vkey; it must be an Ed25519 (type 0x01) note key.
    public static func verifierKey(parsing text: String) throws(FederationError) -> VerifierKey {
        let key: VerifierKey
        do { key = try VerifierKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            throw FederationError(.untrustedKey, "not a federation vkey: \(error.reason)")
        }
        guard key.type == .ed25519 else {
            throw FederationError(.untrustedKey, "\(key.name) is a cosignature key; a federation key is an Ed25519 note key (type 0x01)")
        }
        return key
    }
}

func iso(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}
