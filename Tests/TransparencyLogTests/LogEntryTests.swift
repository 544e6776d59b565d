import AkashiCrypto
import Testing
import TransparencyLog

@Suite("Log entries")
struct LogEntryTests {
    static let digest = SHA256.hash(Array("a certificate".utf8))
    static let digestHex = digest.hexString

    @Test("the canonical encodings are exactly the documented lines")
    func encodings() throws {
        let certificate = LogEntry.certificate(sha256: Self.digest, kind: "residence", issuedAt: 1_763_856_000)
        #expect(
            certificate.bytes
                == Array("akashi-entry/v1\ntype certificate\nsha256 \(Self.digestHex)\nkind residence\nissued 1763856000\n".utf8))
        let document = LogEntry.document(sha256: Self.digest, name: "令和7年度予算書.pdf")
        #expect(document.bytes == Array("akashi-entry/v1\ntype document\nsha256 \(Self.digestHex)\nname 令和7年度予算書.pdf\n".utf8))
        let anonymous = LogEntry.document(sha256: Self.digest, name: nil)
        #expect(anonymous.bytes == Array("akashi-entry/v1\ntype document\nsha256 \(Self.digestHex)\n".utf8))
        for entry in [certificate, document, anonymous] {
            #expect(entry.subjectDigest == Self.digest)
        }
    }

    @Test(
        "parse and re-encode round trip",
        arguments: [
            LogEntry.certificate(sha256: SHA256.hash([1]), kind: "residence", issuedAt: 1_763_856_000),
            .certificate(sha256: SHA256.hash([2]), kind: "k", issuedAt: 0),
            .certificate(sha256: SHA256.hash([3]), kind: "before-1970", issuedAt: -86_400),
            .certificate(sha256: SHA256.hash([4]), kind: "max", issuedAt: .max),
            .certificate(sha256: SHA256.hash([4]), kind: "min", issuedAt: .min),
            .document(sha256: SHA256.hash([5]), name: nil),
            .document(sha256: SHA256.hash([6]), name: "report.pdf"),
            .document(sha256: SHA256.hash([7]), name: "名前 with spaces and ümlauts ✓"),
            .document(sha256: SHA256.hash([8]), name: String(repeating: "予", count: 66) + "ab"),  // 200 bytes
        ])
    func roundTrip(_ entry: LogEntry) throws {
        let parsed = try LogEntry(parsing: entry.bytes)
        #expect(parsed == entry)
        #expect(parsed.bytes == entry.bytes)
    }

    static let certificateText = "akashi-entry/v1\ntype certificate\nsha256 \(digestHex)\nkind residence\nissued 1763856000\n"
    static let documentText = "akashi-entry/v1\ntype document\nsha256 \(digestHex)\nname report.pdf\n"

    @Test(
        "non-canonical, unknown and malformed entries are rejected",
        arguments: [
            ("no final newline", String(certificateText.dropLast())),
            ("blank line at the end", certificateText + "\n"),
            ("extra line", certificateText + "note hello\n"),
            ("wrong header", certificateText.replacingOccurrences(of: "akashi-entry/v1", with: "akashi-entry/v2")),
            ("unknown type", certificateText.replacingOccurrences(of: "type certificate", with: "type passport")),
            ("type in capitals", certificateText.replacingOccurrences(of: "type certificate", with: "type Certificate")),
            ("uppercase hex", certificateText.replacingOccurrences(of: digestHex, with: digestHex.uppercased())),
            ("short digest", certificateText.replacingOccurrences(of: digestHex, with: String(digestHex.dropLast(2)))),
            ("long digest", certificateText.replacingOccurrences(of: digestHex, with: digestHex + "00")),
            ("plus sign", certificateText.replacingOccurrences(of: "issued 1763856000", with: "issued +1763856000")),
            ("leading zero", certificateText.replacingOccurrences(of: "issued 1763856000", with: "issued 01763856000")),
            ("negative zero", certificateText.replacingOccurrences(of: "issued 1763856000", with: "issued -0")),
            ("not a number", certificateText.replacingOccurrences(of: "issued 1763856000", with: "issued soon")),
            ("overflow", certificateText.replacingOccurrences(of: "issued 1763856000", with: "issued 9223372036854775808")),
            ("missing issue time", certificateText.replacingOccurrences(of: "issued 1763856000\n", with: "")),
            ("lines swapped", certificateText.replacingOccurrences(of: "kind residence\nissued 1763856000", with: "issued 1763856000\nkind residence")),
            ("two spaces", certificateText.replacingOccurrences(of: "issued 1763856000", with: "issued  1763856000")),
            ("CRLF", certificateText.replacingOccurrences(of: "\n", with: "\r\n")),
            ("empty name", documentText.replacingOccurrences(of: "name report.pdf", with: "name ")),
            ("name key missing", documentText.replacingOccurrences(of: "name report.pdf", with: "report.pdf")),
            ("tab in name", documentText.replacingOccurrences(of: "report.pdf", with: "re\tport.pdf")),
            ("DEL in name", documentText.replacingOccurrences(of: "report.pdf", with: "re\u{7f}port.pdf")),
            ("escape in name", documentText.replacingOccurrences(of: "report.pdf", with: "\u{1b}[31mreport.pdf")),
            ("C1 control in name", documentText.replacingOccurrences(of: "report.pdf", with: "re\u{85}port.pdf")),
            ("line separator in name", documentText.replacingOccurrences(of: "report.pdf", with: "re\u{2028}port.pdf")),
            ("name of 201 bytes", documentText.replacingOccurrences(of: "report.pdf", with: String(repeating: "x", count: 201))),
            ("empty", ""),
        ])
    func rejected(_ label: String, _ text: String) {
        #expect(throws: NoteError.self, "\(label)") { try LogEntry(parsing: Array(text.utf8)) }
    }

    @Test("bytes that are not UTF-8 are rejected")
    func invalidUTF8() {
        var bytes = Array(Self.documentText.utf8)
        let at = bytes.count - 3
        bytes[at] = 0xff
        #expect(throws: NoteError.self) { try LogEntry(parsing: bytes) }
        var overlong = Array(Self.documentText.utf8)
        overlong.replaceSubrange((overlong.count - 2)..<(overlong.count - 1), with: [0xc0, 0xae])  // overlong "."
        #expect(throws: NoteError.self) { try LogEntry(parsing: overlong) }
    }

    @Test(
        "document names: 1 to 200 bytes, no control characters or line breaks",
        arguments: [
            ("report.pdf", true), ("令和7年度予算書.pdf", true), (String(repeating: "a", count: 200), true),
            ("with space", true), ("", false), (String(repeating: "a", count: 201), false),
            (String(repeating: "予", count: 67), false),  // 201 bytes
            ("a\nb", false), ("a\rb", false), ("a\u{0}b", false), ("a\u{7f}b", false), ("a\u{85}b", false),
            ("a\u{9f}b", false), ("a\u{2028}b", false), ("a\u{2029}b", false),
        ])
    func names(_ name: String, _ valid: Bool) {
        if valid {
            #expect(throws: Never.self) { try LogEntry.validateName(name) }
        } else {
            #expect(throws: NoteError.self, "\(name.debugDescription)") { try LogEntry.validateName(name) }
        }
    }
}
