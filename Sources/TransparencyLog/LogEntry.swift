import Foundation

/// What Akashi writes into its log: small, canonical, and free of personal
/// data — a digest and non-identifying metadata, never a name or an address.
///
/// The encoding is UTF-8 text, one `key value` per line, in a fixed order,
/// so a monitor or an auditor can read entry bundles with nothing but `cat`:
///
///     akashi-entry/v1
///     type certificate
///     sha256 <hex SHA-256 of the COSE_Sign1 bytes>
///     kind residence
///     issued 1763856000
///
///     akashi-entry/v1
///     type document
///     sha256 <hex SHA-256 of the file>
///     name 令和7年度予算書.pdf          (optional)
///
///     akashi-entry/v1
///     type revocation
///     sha256 <hex SHA-256 of the revoked certificate's envelope>
///     target <log index of that certificate's entry>
///     reason moved                       (error | moved | ended | other)
///     at 1763856000
///
///     akashi-entry/v1
///     type supersession
///     sha256 <hex SHA-256 of the old certificate's envelope>
///     target <log index of the old certificate's entry>
///     successor <log index of the new certificate's entry>
///     at 1763856000
///
/// Lifecycle entries never change the original entry: the history of a
/// certificate is its entry plus the later entries that name it (履歴の追跡).
///
/// Encoding is canonical: parsing and re-encoding gives the same bytes, so a
/// verifier that rebuilds an entry from a certificate gets the logged leaf.
public enum LogEntry: Hashable, Sendable {
    case document(sha256: [UInt8], name: String?)
    /// `subjects`: one 50-byte subject line per person the certificate is
    /// about (docs/spec/subject-transparency.md §3): R ‖ tag ‖ encrypted serial.
    case certificate(sha256: [UInt8], kind: String, issuedAt: Int64, subjects: [[UInt8]] = [])
    case revocation(sha256: [UInt8], target: UInt64, reason: RevocationReason, at: Int64)
    case supersession(sha256: [UInt8], target: UInt64, successor: UInt64, at: Int64)

    /// Why a certificate was revoked; public, so deliberately coarse.
    public enum RevocationReason: String, Sendable, CaseIterable, Codable {
        /// Issued in error (wrong person, wrong data).
        case error
        /// The resident moved away; the record is out of date.
        case moved
        /// The partnership (or whatever was certified) ended.
        case ended
        case other
    }

    public static let header = "akashi-entry/v1"
    /// A subject line's bytes: R (32) ‖ tag (8) ‖ encrypted serial (10).
    public static let subjectLineByteCount = 50
    /// At most this many subject lines per certificate entry.
    public static let maxSubjects = 4

    /// base64url without padding (RFC 4648 §5), the subject lines' encoding.
    static func base64url(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        Base64Table.url.append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Optional document names are short labels, not content.
    public static let maxNameBytes = 200

    /// The digest the entry commits to; the store indexes it for look-ups.
    public var subjectDigest: [UInt8] {
        switch self {
        case .document(let digest, _), .certificate(let digest, _, _, _), .revocation(let digest, _, _, _), .supersession(let digest, _, _, _): digest
        }
    }

    /// The entry's text as UTF-8, written line by line into one buffer (a
    /// verifier rebuilds an entry per certificate).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + 76 * Self.maxSubjects)
        func line(_ key: StaticString, _ value: String) {
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(contentsOf: value.utf8)
            out.append(0x0A)
        }
        func line(_ text: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            out.append(0x0A)
        }
        out.append(contentsOf: Self.header.utf8)
        out.append(0x0A)
        switch self {
        case .document(let digest, let name):
            line("type document")
            line("sha256 ", digest.hexString)
            if let name { line("name ", name) }
        case .certificate(let digest, let kind, let issuedAt, let subjects):
            line("type certificate")
            line("sha256 ", digest.hexString)
            line("kind ", kind)
            line("issued ", String(issuedAt))
            for subject in subjects {
                out.append(contentsOf: "subject ".utf8)
                Base64Table.url.append(subject, to: &out)
                out.append(0x0A)
            }
        case .revocation(let digest, let target, let reason, let at):
            line("type revocation")
            line("sha256 ", digest.hexString)
            line("target ", String(target))
            line("reason ", reason.rawValue)
            line("at ", String(at))
        case .supersession(let digest, let target, let successor, let at):
            line("type supersession")
            line("sha256 ", digest.hexString)
            line("target ", String(target))
            line("successor ", String(successor))
            line("at ", String(at))
        }
        return out
    }

    /// The largest time and index an entry holds: 2^53 − 1, a JS-safe
    /// integer (docs/spec/log.md §2), so every monitor reads it exactly.
    public static let maxNumber: UInt64 = (1 << 53) - 1

    /// Checks a document name before it goes into a public, permanent log
    /// (docs/spec/log.md §2.2): 1 to 200 bytes, none of U+0000–U+001F,
    /// U+007F–U+009F (NEL, U+0085, is a line break too), U+2028, U+2029 —
    /// explicit ranges, not General_Category, so no Unicode table decides.
    public static func validateName(_ name: String) throws(NoteError) {
        guard !name.isEmpty, name.utf8.count <= maxNameBytes else {
            throw NoteError(.malformedNote, "a document name is 1 to \(maxNameBytes) bytes of UTF-8")
        }
        guard
            !name.unicodeScalars.contains(where: {
                switch $0.value {
                case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: true
                default: false
                }
            })
        else {
            throw NoteError(.malformedNote, "a document name cannot contain control characters or newlines")
        }
    }

    /// A kind id as the `kind` line holds it (docs/spec/log.md §2):
    /// `[a-z][a-z0-9-]{0,39}`, checked on the bytes — the one definition,
    /// which certificate kinds use too.
    public static func isValidKindID(_ id: some StringProtocol) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 40, first >= 0x61 && first <= 0x7A else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    public init(parsing bytes: [UInt8]) throws(NoteError) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard Array(text.utf8) == bytes, text.hasSuffix("\n") else {
            throw NoteError(.malformedNote, "a log entry is UTF-8 text ending in a newline")
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        func value(_ i: Int, _ key: String) throws(NoteError) -> String {
            guard i < lines.count, lines[i].hasPrefix(key + " ") else {
                throw NoteError(.malformedNote, "line \(i + 1) of the log entry should start with '\(key) '")
            }
            return String(lines[i].dropFirst(key.count + 1))
        }
        // Times and indices: 0 … 2^53 − 1 (that the decimal is canonical, the re-encoding checks below).
        func number(_ text: String) -> UInt64? { UInt64(text).flatMap { $0 <= Self.maxNumber ? $0 : nil } }
        guard lines.first == Substring(Self.header) else { throw NoteError(.malformedNote, "not an \(Self.header) entry") }
        let type = try value(1, "type")
        guard let digest = [UInt8](hexString: try value(2, "sha256")), digest.count == 32 else {
            throw NoteError(.malformedNote, "the entry's sha256 is not 64 hex digits")
        }
        switch type {
        case "document":
            var name: String? = nil
            if lines.count > 3 {
                name = try value(3, "name")
                try Self.validateName(name!)
            }
            self = .document(sha256: digest, name: name)
        case "certificate":
            let kind = try value(3, "kind")
            guard Self.isValidKindID(kind) else { throw NoteError(.malformedNote, "the entry's kind is not [a-z][a-z0-9-]{0,39}") }
            guard let issued = number(try value(4, "issued")) else { throw NoteError(.malformedNote, "the entry's issue time is not a number in 0…2^53−1") }
            guard lines.count <= 5 + Self.maxSubjects else {
                throw NoteError(.malformedNote, "a certificate entry has at most \(Self.maxSubjects) subject lines")
            }
            var subjects: [[UInt8]] = []
            for i in 5..<lines.count {
                let text = try value(i, "subject")
                // base64url without padding, 67 characters for 50 bytes; the re-encoding check below makes it canonical.
                guard text.utf8.count == 67,
                    text.utf8.allSatisfy({ b in
                        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
                    }), let data = Data(base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="),
                    data.count == Self.subjectLineByteCount
                else { throw NoteError(.malformedNote, "line \(i + 1): a subject line is 'subject ' and 67 base64url characters (50 bytes)") }
                subjects.append([UInt8](data))
            }
            self = .certificate(sha256: digest, kind: kind, issuedAt: Int64(issued), subjects: subjects)
        case "revocation":
            guard let target = number(try value(3, "target")) else { throw NoteError(.malformedNote, "the entry's target is not a log index in 0…2^53−1") }
            guard let reason = RevocationReason(rawValue: try value(4, "reason")) else {
                throw NoteError(.malformedNote, "the revocation reason is not one of \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let at = number(try value(5, "at")) else { throw NoteError(.malformedNote, "the entry's time is not a number in 0…2^53−1") }
            self = .revocation(sha256: digest, target: target, reason: reason, at: Int64(at))
        case "supersession":
            guard let target = number(try value(3, "target")), let successor = number(try value(4, "successor")) else {
                throw NoteError(.malformedNote, "the entry's target and successor must be log indices in 0…2^53−1")
            }
            guard let at = number(try value(5, "at")) else { throw NoteError(.malformedNote, "the entry's time is not a number in 0…2^53−1") }
            self = .supersession(sha256: digest, target: target, successor: successor, at: Int64(at))
        default:
            throw NoteError(.malformedNote, "unknown log entry type '\(type.prefix(40))'")
        }
        guard self.bytes == bytes else { throw NoteError(.malformedNote, "the log entry is not in canonical form") }
    }
}
