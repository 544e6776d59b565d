import AkashiCrypto
import CBOR
import COSE
import Deflate
import Foundation
import TransparencyLog

/// What happened to one certificate after it was issued.
public enum CertificateState: Hashable, Sendable {
    case revoked(reason: LogEntry.RevocationReason, at: Int64)
    /// Replaced by the certificate at log index `successorIndex` (serial `successor`).
    case superseded(successor: String, successorIndex: UInt64, at: Int64)
}

/// A signed snapshot of every revoked or superseded certificate of one
/// authority, as of one checkpoint of its log — what a verifier carries to
/// check status offline.
///
/// Why a sorted sparse table rather than a W3C bitstring: the verifier must
/// say *why* and *when* (「転出により失効」, superseded by which serial), which a
/// bitstring cannot carry; and with few changes the table is smaller than even
/// a compressed bitstring of a million certificates. Entries are keyed by the
/// certificate's log index, which the QR's inclusion proof binds to the
/// envelope — so no index needs to be signed into the certificate, and the
/// verifier downloads the whole list (herd privacy: the issuer never learns
/// which certificate was checked).
///
/// File: a COSE_Sign1 (ES256, the authority's issuer key, kid protected) over
/// deterministic CBOR `{1: "akashi-status/v1", 2: issuer, 3: issued-at,
/// 4: signed checkpoint note, 5: count, 6: zlib(table)}`; the table is, per
/// entry in index order, uvarint(index − previous index − 1 … first: index),
/// a state byte (1 error, 2 moved, 3 ended, 4 other, 5 superseded),
/// uvarint(days between the change and the list, in Japan time) and for 5
/// uvarint(successor index) + 10 serial bytes. Times are kept to the day
/// (「…日に失効」 is what a verifier shows): about 4 bytes per entry.
public struct StatusList: Sendable, Equatable {
    public static let format = "akashi-status/v1"
    /// A decompressed table above this is refused (about 50 million entries).
    public static let maxTableBytes = 512 * 1024 * 1024

    public var issuer: String
    public var issuedAt: Int64
    /// The log checkpoint the snapshot is complete up to (its note text).
    public var checkpoint: String
    public var entries: [UInt64: CertificateState]

    /// Change times are kept to the day: each is set to midnight (Japan time)
    /// of its day, so what is signed is exactly what a verifier decodes.
    public init(issuer: String, issuedAt: Int64, checkpoint: String, entries: [UInt64: CertificateState]) {
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.checkpoint = checkpoint
        self.entries = entries.mapValues { state in
            switch state {
            case .revoked(let reason, let at): .revoked(reason: reason, at: Self.midnight(Self.day(at)))
            case .superseded(let s, let i, let at): .superseded(successor: s, successorIndex: i, at: Self.midnight(Self.day(at)))
            }
        }
    }

    /// The day number (days since 1970-01-01, Japan time) of a time.
    static func day(_ t: Int64) -> Int64 { CivilDate.japanDay(t) }
    static func midnight(_ day: Int64) -> Int64 { CivilDate.japanMidnight(day) }

    static let reasonCodes: [LogEntry.RevocationReason: UInt8] = [.error: 1, .moved: 2, .ended: 3, .other: 4]

    /// The binary table, before compression.
    func table() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 4)
        var previous: UInt64? = nil
        for index in entries.keys.sorted() {
            CompactProof.appendUvarint(previous.map { index - $0 - 1 } ?? index, to: &out)
            previous = index
            switch entries[index]! {
            case .revoked(let reason, let at):
                out.append(Self.reasonCodes[reason]!)
                CompactProof.appendUvarint(UInt64(max(0, Self.day(issuedAt) - Self.day(at))), to: &out)
            case .superseded(let successor, let successorIndex, let at):
                out.append(5)
                CompactProof.appendUvarint(UInt64(max(0, Self.day(issuedAt) - Self.day(at))), to: &out)
                CompactProof.appendUvarint(successorIndex, to: &out)
                out.append(contentsOf: Serial.parse(successor) ?? [UInt8](repeating: 0, count: CertificateClaims.serialByteCount))
            }
        }
        return out
    }

    public var payload: [UInt8] {
        let map: CBOR = .map([
            (CBOR(1), .textString(Self.format)),
            (CBOR(2), .textString(issuer)),
            (CBOR(3), CBOR(issuedAt)),
            (CBOR(4), .textString(checkpoint)),
            (CBOR(5), CBOR(UInt64(entries.count))),
            (CBOR(6), .byteString(Deflate.compress(table()))),
        ])
        return try! map.encoded()
    }

    /// Signs the snapshot with the authority's issuer key.
    public func signed(with key: P256.PrivateKey) throws -> [UInt8] {
        try COSESign1.sign(payload: payload, kid: IssuerKey.keyID(key.publicKey), privateKey: key).encoded
    }

    public init(decodingPayload bytes: [UInt8]) throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedStatus, "the status list \(what)") }
        let value: CBOR
        // Akashi's CBOR profile with no tags at all (docs/spec/status-list.md §1).
        do { value = try CBOR(decoding: bytes, options: .akashi()) } catch { throw fail("is not CBOR of Akashi's profile: \(error)") }
        guard value.mapEntries?.count == 6, value[CBOR(1)]?.text == Self.format else { throw fail("is not \(Self.format)") }
        guard let issuer = value[CBOR(2)]?.text, let issued = value[CBOR(3)]?.uint, let checkpoint = value[CBOR(4)]?.text,
            let count = value[CBOR(5)]?.uint, let compressed = value[CBOR(6)]?.bytes
        else { throw fail("lacks the issuer, time, checkpoint, count or table") }
        guard TrustedAuthority.isValidIssuer(issuer) else { throw fail("names an issuer id that is not [0-9A-Za-z][0-9A-Za-z._-]{0,63}") }
        // Times are JS-safe seconds (docs/spec/status-list.md): the day arithmetic below cannot overflow.
        guard issued <= UInt64(jsSafeIntegerMax) else { throw fail("has an issue time outside 0…2^53−1") }
        let issuedAt = Int64(issued)
        guard checkpoint.utf8.count <= SignedNote.maxSize else { throw fail("carries a checkpoint note larger than 1 MiB") }
        guard count <= UInt64(UInt32.max) else { throw fail("says it has more than 2^32 − 1 entries") }
        let table: [UInt8]
        do { table = try Deflate.decompress(compressed, limit: Self.maxTableBytes) } catch { throw fail("table cannot be decompressed: \(error)") }
        var reader = ByteReader(table)
        var entries: [UInt64: CertificateState] = [:]
        entries.reserveCapacity(Int(min(count, 10_000_000)))
        var previous: UInt64? = nil
        let reasons = Dictionary(uniqueKeysWithValues: Self.reasonCodes.map { ($1, $0) })
        do {
            while !reader.isAtEnd {
                let delta = try reader.uvarint()
                let (index, overflow) = previous.map { $0.addingReportingOverflow(delta &+ 1) } ?? (delta, false)
                guard !overflow, previous.map({ index > $0 }) ?? true else { throw fail("table is not in index order") }
                previous = index
                let state = try reader.byte()
                let age = try reader.uvarint()
                guard age <= UInt64(max(0, Self.day(issuedAt))) else { throw fail("table has a change dated before 1970") }
                guard index <= UInt64(jsSafeIntegerMax) else { throw fail("table has an index beyond 2^53−1") }
                let at = Self.midnight(Self.day(issuedAt) - Int64(age))
                if let reason = reasons[state] {
                    entries[index] = .revoked(reason: reason, at: at)
                } else if state == 5 {
                    let successorIndex = try reader.uvarint()
                    guard successorIndex > index, successorIndex <= UInt64(jsSafeIntegerMax) else {
                        throw fail("table has a successor that is not later in the log")
                    }
                    let serial = try reader.bytes(CertificateClaims.serialByteCount)
                    entries[index] = .superseded(successor: Serial.text(serial), successorIndex: successorIndex, at: at)
                } else {
                    throw fail("table has an unknown state \(state)")
                }
            }
        } catch let error as CertificateError {
            throw error
        } catch {
            throw fail("table is truncated or damaged")
        }
        guard UInt64(entries.count) == count else { throw fail("says \(count) entries but holds \(entries.count)") }
        self.init(issuer: issuer, issuedAt: issuedAt, checkpoint: checkpoint, entries: entries)
    }
}

/// A status list whose signature, authority and checkpoint were checked
/// against a trust file.
public struct VerifiedStatusList: Sendable {
    public let list: StatusList
    public let checkpoint: SignedCheckpoint
    public var treeSize: UInt64 { checkpoint.checkpoint.size }
    public var issuedAt: Date { Date(timeIntervalSince1970: TimeInterval(list.issuedAt)) }

    /// Verifies a signed status list file (docs/spec/status-list.md §4): an
    /// Akashi envelope signed by a key of the trust file that is not
    /// compromised — whose authority is the list's —, its payload read only
    /// after the signature verified, issued within the key's validity, and
    /// its checkpoint (no extension lines) signed as that authority's log
    /// policy requires.
    public init(signed bytes: [UInt8], trust: TrustFile) throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedStatus, what) }
        let envelope: COSESign1
        do { envelope = try COSESign1(decodingAkashiEnvelope: bytes) } catch { throw fail("the status list is not an Akashi COSE_Sign1 message: \(error)") }
        // The signature first, by the key its kid names: nothing of the signed
        // content is parsed before it verifies (a v1 verifier computed on an
        // unsigned issued-at of 2^63−1 and trapped).
        guard let (authority, key) = trust.key(kid: envelope.kid) else {
            throw fail("the status list is signed by a key that no authority in the trust file has")
        }
        guard key.status != .compromised, let publicKey = try? key.publicKey() else {
            throw fail("the status list is not signed by a valid key of \(authority.name)")
        }
        guard envelope.isValidSignature(publicKey: publicKey) else { throw fail("the status list's signature does not verify") }
        let list = try StatusList(decodingPayload: envelope.payload)
        guard Array(list.issuer.utf8) == Array(authority.issuer.utf8) else {
            throw fail("the status list names issuer \(list.issuer) but is signed by a key of \(authority.issuer)")
        }
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(list.issuedAt))
        guard issuedAt >= key.notBefore.addingTimeInterval(-CertificateVerifier.skew), key.notAfter.map({ issuedAt <= $0 }) ?? true else {
            throw fail("the status list's issue time is outside its key's validity")
        }
        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint(parsing: list.checkpoint)
            _ = try authority.log.tlogPolicy().verify(checkpoint)
        } catch { throw fail("the status list's log checkpoint does not verify: \(error)") }
        guard checkpoint.checkpoint.extensions.isEmpty else { throw fail("the status list's checkpoint has extension lines") }
        guard checkpoint.checkpoint.size <= UInt64(jsSafeIntegerMax) else { throw fail("the status list's checkpoint has a tree size beyond 2^53 − 1") }
        self.list = list
        self.checkpoint = checkpoint
    }
}
