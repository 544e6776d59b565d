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
            .certificate(sha256: SHA256.hash([4]), kind: "max", issuedAt: Int64(LogEntry.maxNumber)),
            .document(sha256: SHA256.hash([5]), name: nil),
            .document(sha256: SHA256.hash([6]), name: "report.pdf"),
            .document(sha256: SHA256.hash([7]), name: "名前 with spaces and ümlauts ✓"),
            .document(sha256: SHA256.hash([8]), name: String(repeating: "予", count: 66) + "ab"),  // 200 bytes
            .revocation(sha256: SHA256.hash([9]), target: 0, reason: .moved, at: 1_763_856_000),
            .revocation(sha256: SHA256.hash([10]), target: LogEntry.maxNumber, reason: .error, at: 0),
            .supersession(sha256: SHA256.hash([11]), target: 7, successor: 9, at: 1_763_856_001),
        ])
    func roundTrip(_ entry: LogEntry) throws {
        let parsed = try LogEntry(parsing: entry.bytes)
        #expect(parsed == entry)
        #expect(parsed.bytes == entry.bytes)
    }

    @Test(
        "times and indices outside 0 … 2^53 − 1 are refused (docs/spec/log.md §2)",
        arguments: [
            LogEntry.certificate(sha256: SHA256.hash([3]), kind: "before-1970", issuedAt: -86_400),
            .certificate(sha256: SHA256.hash([4]), kind: "max", issuedAt: Int64(LogEntry.maxNumber) + 1),
            .certificate(sha256: SHA256.hash([4]), kind: "max", issuedAt: .max),
            .certificate(sha256: SHA256.hash([4]), kind: "min", issuedAt: .min),
            .revocation(sha256: SHA256.hash([10]), target: .max, reason: .error, at: 0),
            .revocation(sha256: SHA256.hash([10]), target: 0, reason: .error, at: -1),
            .supersession(sha256: SHA256.hash([11]), target: 7, successor: LogEntry.maxNumber + 1, at: 1),
        ])
    func outOfRange(_ entry: LogEntry) {
        #expect(throws: NoteError.self) { try LogEntry(parsing: entry.bytes) }
    }

    @Test("lifecycle entries are the documented lines, and bad ones are refused")
    func lifecycleEntries() throws {
        let revocation = LogEntry.revocation(sha256: Self.digest, target: 42, reason: .ended, at: 1_763_856_000)
        #expect(revocation.bytes == Array("akashi-entry/v1\ntype revocation\nsha256 \(Self.digestHex)\ntarget 42\nreason ended\nat 1763856000\n".utf8))
        let supersession = LogEntry.supersession(sha256: Self.digest, target: 42, successor: 43, at: 1_763_856_000)
        #expect(supersession.bytes == Array("akashi-entry/v1\ntype supersession\nsha256 \(Self.digestHex)\ntarget 42\nsuccessor 43\nat 1763856000\n".utf8))
        #expect(revocation.subjectDigest == Self.digest)
        let text = String(decoding: revocation.bytes, as: UTF8.self)
        for bad in [
            text.replacingOccurrences(of: "reason ended", with: "reason lost"),
            text.replacingOccurrences(of: "target 42", with: "target -1"),
            text.replacingOccurrences(of: "target 42", with: "target 042"),
            text.replacingOccurrences(of: "at 1763856000", with: "at soon"),
        ] {
            #expect(throws: NoteError.self) { try LogEntry(parsing: Array(bad.utf8)) }
        }
    }

    static let certificateText = "akashi-entry/v1\ntype certificate\nsha256 \(digestHex)\nkind residence\nissued 1763856000\n"
    static let documentText = "akashi-entry/v1\ntype document\nsha256 \(digestHex)\nname report.pdf\n"

    static let malformed: [(String, String)] = {
        let c = certificateText
        let d = documentText
        let issued = "issued 1763856000"
        var cases: [(String, String)] = []
        cases.append(("no final newline", String(c.dropLast())))
        cases.append(("blank line at the end", c + "\n"))
        cases.append(("extra line", c + "note hello\n"))
        cases.append(("wrong header", c.replacingOccurrences(of: "akashi-entry/v1", with: "akashi-entry/v2")))
        cases.append(("unknown type", c.replacingOccurrences(of: "type certificate", with: "type passport")))
        cases.append(("type in capitals", c.replacingOccurrences(of: "type certificate", with: "type Certificate")))
        cases.append(("uppercase hex", c.replacingOccurrences(of: digestHex, with: digestHex.uppercased())))
        cases.append(("short digest", c.replacingOccurrences(of: digestHex, with: String(digestHex.dropLast(2)))))
        cases.append(("long digest", c.replacingOccurrences(of: digestHex, with: digestHex + "00")))
        cases.append(("plus sign", c.replacingOccurrences(of: issued, with: "issued +1763856000")))
        cases.append(("leading zero", c.replacingOccurrences(of: issued, with: "issued 01763856000")))
        cases.append(("negative zero", c.replacingOccurrences(of: issued, with: "issued -0")))
        cases.append(("not a number", c.replacingOccurrences(of: issued, with: "issued soon")))
        cases.append(("overflow", c.replacingOccurrences(of: issued, with: "issued 9223372036854775808")))
        cases.append(("missing issue time", c.replacingOccurrences(of: issued + "\n", with: "")))
        cases.append(("lines swapped", c.replacingOccurrences(of: "kind residence\n" + issued, with: issued + "\nkind residence")))
        cases.append(("two spaces", c.replacingOccurrences(of: issued, with: "issued  1763856000")))
        cases.append(("CRLF", c.replacingOccurrences(of: "\n", with: "\r\n")))
        cases.append(("empty name", d.replacingOccurrences(of: "name report.pdf", with: "name ")))
        cases.append(("name key missing", d.replacingOccurrences(of: "name report.pdf", with: "report.pdf")))
        cases.append(("tab in name", d.replacingOccurrences(of: "report.pdf", with: "re\tport.pdf")))
        cases.append(("DEL in name", d.replacingOccurrences(of: "report.pdf", with: "re\u{7f}port.pdf")))
        cases.append(("escape in name", d.replacingOccurrences(of: "report.pdf", with: "\u{1b}[31mreport.pdf")))
        cases.append(("C1 control in name", d.replacingOccurrences(of: "report.pdf", with: "re\u{85}port.pdf")))
        cases.append(("line separator in name", d.replacingOccurrences(of: "report.pdf", with: "re\u{2028}port.pdf")))
        cases.append(("name of 201 bytes", d.replacingOccurrences(of: "report.pdf", with: String(repeating: "x", count: 201))))
        cases.append(("empty", ""))
        return cases
    }()

    @Test("non-canonical, unknown and malformed entries are rejected", arguments: malformed)
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
        ] as [(String, Bool)])
    func names(_ name: String, _ valid: Bool) {
        if valid {
            #expect(throws: Never.self) { try LogEntry.validateName(name) }
        } else {
            #expect(throws: NoteError.self, "\(name.debugDescription)") { try LogEntry.validateName(name) }
        }
    }
}
