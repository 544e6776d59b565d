import AkashiCrypto
import Foundation
import Store
import Testing

// MARK: Log data

/// A checkpoint note in the signed-note shape (origin, size, root, signature
/// line). The store keeps notes as text; nothing here is really signed.
func note(_ size: UInt64, origin: String = "akashi.test/log", signer: String = "akashi.test/log") -> String {
    "\(origin)\n\(size)\n\(Data(root(size, origin: origin)).base64EncodedString())\n\n— \(signer) \(Data(SHA256.hash(Array("sig \(origin) \(size) \(signer)".utf8)).prefix(12)).base64EncodedString())\n"
}

/// The size a note of ``note(_:origin:signer:)`` names.
func size(ofNote note: String) -> UInt64? {
    let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.count > 1 ? UInt64(lines[1]) : nil
}

func root(_ size: UInt64, origin: String = "akashi.test/log") -> [UInt8] { SHA256.hash(Array("root \(origin) \(size)".utf8)) }

func checkpoint(_ size: UInt64, at createdAt: Int64 = 1_700_000_000, published: Bool = true, origin: String = "akashi.test/log") -> StoredCheckpoint {
    StoredCheckpoint(size: size, rootHash: root(size, origin: origin), note: note(size, origin: origin), createdAt: createdAt, published: published)
}

/// The bytes of the test entry at `index` (`tag` tells writers apart).
func entryBytes(_ index: UInt64, tag: String = "") -> [UInt8] { Array("akashi test entry \(index)\(tag)".utf8) }

/// The 32-byte leaf hash the tests store for entry `index`.
func leafHash(_ index: UInt64, tag: String = "") -> [UInt8] { SHA256.hash(entryBytes(index, tag: tag)) }

/// The level-0 tiles a batch over [start, end) completes or changes, with
/// the hashes of ``leafHash(_:tag:)``: full tiles hold 256 hashes, the last one
/// the rest.
func levelZeroTiles(from start: UInt64, to end: UInt64, tag: String = "") -> [LogBatch.Tile] {
    guard end > start else { return [] }
    return (start / 256...(end - 1) / 256).map { tile in
        let first = tile * 256
        let width = min(256, end - first)
        return LogBatch.Tile(level: 0, index: tile, hashes: (first..<first + width).flatMap { leafHash($0, tag: tag) })
    }
}

/// What one entry of a test batch carries.
struct TestEntry {
    var subject: [UInt8]? = nil
    var effect: StoreEffect? = nil
}

/// A log batch from `start` of `entries`, with its level-0 tiles and the checkpoint of the new size.
func batch(
    from start: UInt64, _ entries: [TestEntry], tag: String = "", at createdAt: Int64 = 1_700_000_000, published: Bool = true
) -> LogBatch {
    let end = start + UInt64(entries.count)
    return LogBatch(
        startSize: start,
        entries: entries.enumerated().map { offset, entry in
            let index = start + UInt64(offset)
            return LogBatch.Entry(index: index, bytes: entryBytes(index, tag: tag), subject: entry.subject, effect: entry.effect)
        },
        tiles: levelZeroTiles(from: start, to: end, tag: tag), checkpoint: checkpoint(end, at: createdAt, published: published))
}

/// `count` entries without subject or effect.
func plainEntries(_ count: Int) -> [TestEntry] { Array(repeating: TestEntry(), count: count) }

/// Initializes the log (size 0, published) and returns the store.
@discardableResult
func initialized(_ t: TestStore, published: Bool = true) async throws -> any AuthorityStore {
    try await t.store.initializeLog(checkpoint(0, published: published))
    return t.store
}

// MARK: Records

/// A fresh random serial (10 bytes, like the issuer's).
func randomSerial() -> [UInt8] { SecureRandom.bytes(10) }

func certificate(
    serial: [UInt8] = randomSerial(), kind: String = "residence", issuedAt: Int64 = 1_700_000_000, expiresAt: Int64? = nil,
    searchText: String = "やまだ たろう 飯塚市", issuedBy: String? = "tanaka", idempotency: IdempotentResponse? = nil
) -> NewCertificate {
    NewCertificate(
        serial: serial, kind: kind, issuedAt: issuedAt, expiresAt: expiresAt, envelope: Array("envelope ".utf8) + serial,
        disclosures: Array("disclosures ".utf8) + serial, issuedBy: issuedBy, searchText: searchText, idempotency: idempotency)
}

/// The record a ``NewCertificate`` should be stored as at `index`.
func record(_ c: NewCertificate, at index: UInt64) -> CertificateRecord {
    CertificateRecord(
        serial: c.serial, kind: c.kind, issuedAt: c.issuedAt, expiresAt: c.expiresAt, logIndex: index, issuedBy: c.issuedBy, envelope: c.envelope,
        disclosures: c.disclosures)
}

func auditNote(
    _ action: String, actor: String = "tanaka", role: String? = "clerk", target: String? = nil, detail: String? = nil, address: String? = "192.0.2.7",
    at: Int64 = 1_700_000_000_000
) -> AuditNote {
    AuditNote(actor: actor, role: role, action: action, target: target, detail: detail, address: address, atMillis: at)
}

func newUser(_ login: String, role: String = "clerk", hash: String = "$2b$04$abcdefghijklmnopqrstuuOFv0z7kB1ExampleHashOnly", at: Int64 = 1_700_000_000_000)
    -> NewUser
{
    NewUser(login: login, displayName: "表示名 \(login)", role: role, passwordHash: hash, createdAtMillis: at)
}

/// A session token's hash (what the store keeps).
func tokenHash() -> [UInt8] { SHA256.hash(SecureRandom.bytes(32)) }

// MARK: Expectations

/// Expects `body` to throw a ``StoreError`` with `code`.
func expectStoreError(
    _ code: StoreError.Code, _ comment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected StoreError \(code), but the operation succeeded\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "expected \(code), got \(error.code): \(error.reason)\(comment.map { " — \($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected StoreError \(code), got \(type(of: error)): \(error)\(comment.map { " — \($0)" } ?? "")", sourceLocation: sourceLocation)
    }
}

/// Every audit row, oldest first.
func allAudit(_ store: any AuthorityStore, _ filter: AuditFilter = AuditFilter()) async throws -> [AuditEvent] {
    var rows: [AuditEvent] = []
    try await store.forEachAuditEvent(filter) { rows.append($0) }
    return rows
}

/// Checks the whole chain: seq 1, 2, 3, … without gaps, each row's previous
/// hash is the hash of the row before (zeros for the first), each row's hash
/// is what its fields imply, and the count agrees.
func expectIntactChain(_ store: any AuthorityStore, count expected: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let rows = try await allAudit(store)
    var previous = AuditEvent.zeroHash
    for (offset, row) in rows.enumerated() {
        #expect(row.seq == Int64(offset + 1), "row \(offset + 1) has seq \(row.seq)", sourceLocation: sourceLocation)
        #expect(row.previousHash == previous, "row \(row.seq)'s previous hash is not the hash of the row before", sourceLocation: sourceLocation)
        #expect(row.hashIsValid, "row \(row.seq)'s hash is not what its fields imply", sourceLocation: sourceLocation)
        previous = row.hash
    }
    #expect(try await store.auditCount() == rows.count, "auditCount disagrees with the rows", sourceLocation: sourceLocation)
    if let expected { #expect(rows.count == expected, "the chain has \(rows.count) rows, expected \(expected)", sourceLocation: sourceLocation) }
}

/// Everything a reader can see of a store, for "nothing was written" checks.
struct Observation: Equatable {
    var state: LogState?
    var notes: [String]
    var entries: [[UInt8]]
    var beyond: [[UInt8]?]
    var tiles: [[UInt8]?]
    var certificates: [CertificateRecord]
    var bySerial: [CertificateRecord?]
    var statuses: [CertificateStatus?]
    var snapshot: StatusSnapshot?
    var counts: [String: Int]
    var audit: [AuditEvent]
    var idempotent: [[UInt8]?]
    var subjectIndices: [[UInt64]]

    /// Reads it all; `serials`, `keys` and `subjects` are looked up one by one
    /// (including ones a failed batch tried to write).
    static func of(
        _ store: any AuthorityStore, serials: [[UInt8]] = [], keys: [String] = [], subjects: [[UInt8]] = [], tiles: Int = 3
    ) async throws -> Observation {
        let state = try await store.logState()
        let count = state?.entryCount ?? 0
        var beyond: [[UInt8]?] = []
        for index in count..<count + 4 { beyond.append(try await store.entry(at: index)) }
        var tileRows: [[UInt8]?] = []
        for index in 0..<UInt64(tiles) { tileRows.append(try await store.tile(level: 0, index: index)) }
        var bySerial: [CertificateRecord?] = []
        var statuses: [CertificateStatus?] = []
        for serial in serials {
            bySerial.append(try await store.certificate(serial: serial))
            statuses.append(try await store.certificateStatus(serial: serial))
        }
        var idempotent: [[UInt8]?] = []
        for key in keys { idempotent.append(try await store.idempotentResponse(key: key)) }
        var subjectIndices: [[UInt64]] = []
        for subject in subjects { subjectIndices.append(try await store.entryIndices(subject: subject)) }
        return Observation(
            state: state, notes: try await store.checkpointNotes(), entries: try await store.entries(0..<count), beyond: beyond, tiles: tileRows,
            certificates: try await store.certificates(matching: CertificateQuery(limit: 1000)), bySerial: bySerial, statuses: statuses,
            snapshot: state == nil ? nil : try await store.statusSnapshot(),
            counts: try await store.certificateCounts(from: Int64.min / 2, until: Int64.max / 2), audit: try await allAudit(store),
            idempotent: idempotent, subjectIndices: subjectIndices)
    }
}
