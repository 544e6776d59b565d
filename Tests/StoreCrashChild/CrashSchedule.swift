import Foundation
import Store

/// What the crash child writes at every log index, as a pure function of the
/// index, so the test can tell exactly what must be in the store after a
/// kill. A copy of this file is Tests/StoreTests/CrashSchedule.swift; the
/// child prints ``fingerprint`` when ready and the test compares it with its own.
///
/// Entry `i` issues certificate `i`, except: `i % 5 == 4` revokes certificate
/// `i - 1` (always an issue), and `i % 15 == 12` only writes an audit row.
/// Every entry has exactly one audit row, so the chain's row `k` is entry `k - 1`.
enum CrashSchedule {
    static let origin = "akashi.test/crash"
    static let base: Int64 = 1_700_000_000

    enum Kind: String { case issue, revoke, note }

    static func kind(_ i: UInt64) -> Kind {
        if i % 5 == 4 { return .revoke }
        if i % 15 == 12 { return .note }
        return .issue
    }

    static func entry(_ i: UInt64) -> [UInt8] { Array("crash-test entry \(i) \(kind(i).rawValue)".utf8) }

    /// 10 bytes, like the issuer's serials.
    static func serial(_ i: UInt64) -> [UInt8] { [0xC5, 0x5C] + (0..<8).map { UInt8(truncatingIfNeeded: i >> (8 * UInt64(7 - $0))) } }

    /// Issues commit to a subject (their serial, padded to 32 bytes); the rest to none.
    static func subject(_ i: UInt64) -> [UInt8]? { kind(i) == .issue ? serial(i) + [UInt8](repeating: 0x5B, count: 22) : nil }

    static func pattern(_ n: UInt64, _ salt: UInt64) -> [UInt8] {
        var x = n &* 0x9E37_79B9_7F4A_7C15 ^ salt
        return (0..<32).map { _ in
            x ^= x >> 33
            x = x &* 0xFF51_AFD7_ED55_8CCD
            return UInt8(truncatingIfNeeded: x >> 24)
        }
    }

    static func leaf(_ i: UInt64) -> [UInt8] { pattern(i, 1) }
    static func root(_ size: UInt64) -> [UInt8] { pattern(size, 2) }

    static func note(_ size: UInt64) -> String {
        "\(origin)\n\(size)\n\(Data(root(size)).base64EncodedString())\n\n— \(origin) \(Data(pattern(size, 3).prefix(12)).base64EncodedString())\n"
    }

    static func checkpoint(_ size: UInt64) -> StoredCheckpoint {
        StoredCheckpoint(size: size, rootHash: root(size), note: note(size), createdAt: base + Int64(size), published: true)
    }

    static func certificate(_ i: UInt64) -> NewCertificate {
        NewCertificate(
            serial: serial(i), kind: "crash", issuedAt: base + Int64(i), expiresAt: nil, envelope: entry(i), disclosures: [], issuedBy: "crash-child",
            searchText: "crash \(i)", idempotency: i % 2 == 0 ? IdempotentResponse(key: "crash-\(i)", response: Array("r\(i)".utf8)) : nil)
    }

    static func audit(_ i: UInt64) -> AuditNote {
        AuditNote(actor: "system", role: nil, action: kind(i).rawValue, target: String(i), detail: "crash", address: nil, atMillis: base * 1000 + Int64(i))
    }

    static func effect(_ i: UInt64) -> StoreEffect {
        switch kind(i) {
        case .issue: .issue(certificate(i), audit: audit(i))
        case .revoke: .revoke(serial: serial(i - 1), reason: "crash", at: base + Int64(i), audit: audit(i))
        case .note: .audit(audit(i))
        }
    }

    /// The level-0 tile `tile` of a log of `size` entries.
    static func tile(_ tile: UInt64, size: UInt64) -> [UInt8] {
        let first = tile * 256
        return (first..<min(first + 256, size)).flatMap(leaf)
    }

    static func batch(from start: UInt64, count: UInt64) -> LogBatch {
        let end = start + count
        return LogBatch(
            startSize: start,
            entries: (start..<end).map { LogBatch.Entry(index: $0, bytes: entry($0), subject: subject($0), effect: effect($0)) },
            tiles: (start / 256...(end - 1) / 256).map { LogBatch.Tile(level: 0, index: $0, hashes: tile($0, size: end)) },
            checkpoint: checkpoint(end))
    }

    /// FNV-1a over the first entries' bytes, subjects, leaves, notes and serials.
    static let fingerprint: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ bytes: [UInt8]) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        for i in UInt64(0)..<40 {
            add(entry(i) + (subject(i) ?? []) + leaf(i) + Array(note(i).utf8) + serial(i) + Array(audit(i).action.utf8))
        }
        return String(hash, radix: 16)
    }()
}
