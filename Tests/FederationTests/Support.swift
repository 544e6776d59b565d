import AkashiCrypto
import COSE
import Certificates
import Federation
import Foundation
import Testing
import TransparencyLog

/// The package root: this file is `<root>/Tests/FederationTests/Support.swift`.
let federationPackageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// An authority made in memory — issuer key, log key, optional witnesses —
/// that issues real certificates (COSE_Sign1/ES256, logged in a one-entry
/// tree with a signed, optionally cosigned checkpoint), exactly as the
/// verifier expects them. (`Issuance` is not a dependency of these tests.)
struct TestAuthority: Sendable {
    let code: String
    let name: String
    let origin: String
    let issuerKey: P256.PrivateKey
    let logSigner: Ed25519NoteSigner
    let witnesses: [CosignatureV1Signer]
    let witnessQuorum: Int
    let kinds: [CertificateKind]
    let notBefore: Date

    static let registry: KindRegistry = try! KindRegistry(directory: federationPackageRoot.appendingPathComponent("certs"))

    init(
        code: String, name: String, origin: String, kinds: [String]? = nil, witnesses: Int = 0, witnessQuorum: Int = 0,
        notBefore: Date = Date(timeIntervalSinceNow: -3600)
    ) throws {
        self.code = code
        self.name = name
        self.origin = origin
        self.issuerKey = try P256.PrivateKey()
        self.logSigner = try Ed25519NoteSigner(name: origin, privateKey: Ed25519.PrivateKey())
        self.witnesses = try (0..<witnesses).map { try CosignatureV1Signer(name: "witness\($0).\(origin)", privateKey: Ed25519.PrivateKey()) }
        self.witnessQuorum = witnessQuorum
        self.kinds = Self.registry.kinds.filter { kinds?.contains($0.id) ?? true }
        self.notBefore = notBefore
    }

    static func iizuka(witnesses: Int = 0, witnessQuorum: Int = 0) throws -> TestAuthority {
        try TestAuthority(code: "402052", name: "飯塚市", origin: "iizuka.example/akashi/log", witnesses: witnesses, witnessQuorum: witnessQuorum)
    }

    static func kaga() throws -> TestAuthority {
        try TestAuthority(code: "172065", name: "加賀市", origin: "kaga.example/akashi/log", kinds: ["residence", "partnership"], witnesses: 2, witnessQuorum: 1)
    }

    var authority: TrustedAuthority {
        TrustedAuthority(
            issuer: code, name: name, verifierURL: "https://\(origin.split(separator: "/")[0])/akashi/verify/",
            keys: [IssuerKey(publicKey: issuerKey.publicKey, notBefore: notBefore)],
            kinds: kinds,
            log: LogTrust(
                origin: origin, vkey: logSigner.verifierKey.description,
                policy: try! LogTrust.policy(logKey: logSigner.verifierKey, witnesses: witnesses.map(\.verifierKey), quorum: witnessQuorum)))
    }

    var trustFile: TrustFile { TrustFile(authorities: [authority]) }

    static func example(_ kind: String) throws -> [String: InputValue] {
        let data = try Data(contentsOf: federationPackageRoot.appendingPathComponent("certs/examples/\(kind).json"))
        return try JSONDecoder().decode([String: InputValue].self, from: data)
    }

    /// Issues one certificate of `kind` (from `certs/examples/`) and returns its QR text.
    func issue(_ kindID: String, at date: Date = Date()) throws -> String {
        try issue(kind: try #require(kinds.first { $0.id == kindID }), at: date)
    }

    /// Issues a certificate of any kind, even one this authority is not trusted for.
    func issue(kind: CertificateKind, at date: Date = Date()) throws -> String {
        let fields = try kind.validate(Self.example(kind.id))
        let issuedAt = Int64(date.timeIntervalSince1970)
        var (claims, disclosures) = CertificateClaims.issuing(kind: kind, fields: fields, issuer: code, issuedAt: issuedAt)
        claims.subjectKeys = (0..<kind.subjectCount).map { _ in SubjectSecret().publicKey }
        let lines = try SubjectLines.lines(cti: claims.cti, serial: claims.serial, keys: claims.subjectKeys)
        let envelope = try COSESign1.sign(payload: claims.encoded(), kid: IssuerKey.keyID(issuerKey.publicKey), privateKey: issuerKey)
        let entry = LogEntry.certificate(sha256: SHA256.hash(envelope.encoded), kind: kind.id, issuedAt: issuedAt, subjects: lines)
        var checkpoint = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: 1, rootHash: Merkle.leafHash(entry.bytes)), with: logSigner)
        let cosigners = witnesses.prefix(max(witnessQuorum, 0))
        checkpoint = checkpoint.adding(cosigners.map { $0.cosign(checkpointText: checkpoint.note.text, timestamp: UInt64(issuedAt)) })
        let proof = try CompactProof.encode(TlogProof(index: 0, inclusionProof: [], checkpoint: checkpoint))
        return CertificateQR(envelope: envelope.encoded, disclosures: disclosures, proof: proof).text(verifierURL: authority.verifierURL)
    }
}

/// A federation key for tests.
func federationKey(_ name: String = "pref.fukuoka.example/federation") throws -> Ed25519NoteSigner {
    try FederationKey.generate(name: name)
}

/// Runs `body` and returns the FederationError code it threw (nil if none).
func federationErrorCode<T>(_ body: () throws(FederationError) -> T) -> FederationError.Code? {
    do {
        _ = try body()
        return nil
    } catch {
        return error.code
    }
}

let now = Date(timeIntervalSince1970: TimeInterval(Int(Date().timeIntervalSince1970)))
let day: TimeInterval = 86_400
