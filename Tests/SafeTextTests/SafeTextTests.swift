import Testing

@testable import SafeText

private func scalar(_ v: UInt32) -> String { String(Unicode.Scalar(v)!) }

@Suite("SafeText: the characters refused from outside")
struct SafeTextTests {
    @Test("ordinary Japanese, Latin and variation-selector text is allowed")
    func allowed() {
        for text in ["飯塚市大字飯塚1番地", "山田 太郎", "Yamada Taro", "葛\u{E0100}城", "ＡＢＣ１２３", "é", "👍🏽", "-_.,()（）「」"] {
            #expect(SafeText.firstProblem(in: text) == nil, "\(text)")
        }
    }

    @Test(
        "each refused class is named with its position",
        arguments: [
            ("a\u{0}b", SafeText.Reason.nul, 1), ("\u{1}", .control, 0), ("ab\u{7F}", .control, 2), ("x\u{85}", .control, 1),
            ("\u{9B}", .control, 0), ("a\u{202E}b", .bidiControl, 1), ("\u{2066}", .bidiControl, 0), ("\u{200E}", .bidiControl, 0),
            ("\u{61C}", .bidiControl, 0), ("a\u{200B}", .invisible, 1), ("\u{FEFF}x", .invisible, 0), ("\u{AD}", .invisible, 0),
            ("\u{2060}", .invisible, 0), ("\u{E0041}", .invisible, 0), ("\u{3164}", .invisible, 0), ("a\u{2028}", .lineSeparator, 1),
            ("\u{2029}", .lineSeparator, 0), ("\u{E000}", .privateUse, 0), ("\u{F8FF}", .privateUse, 0), ("\u{10FFFD}", .privateUse, 0),
            (scalar(0xFDD0), .noncharacter, 0), (scalar(0xFFFE), .noncharacter, 0), (scalar(0x10FFFF), .noncharacter, 0),
            (scalar(0x1FFFF), .noncharacter, 0), ("\u{FFFD}", .replacement, 0), ("a\tb", .control, 1), ("a\nb", .control, 1),
        ])
    func refused(text: String, reason: SafeText.Reason, offset: Int) throws {
        let problem = try #require(SafeText.firstProblem(in: text))
        #expect(problem.reason == reason)
        #expect(problem.offset == offset)
        #expect(problem.ja.contains(problem.codePoint))
        #expect(problem.en.contains(problem.codePoint))
    }

    @Test("line breaks and tabs are allowed only in multi-line text")
    func multiline() {
        #expect(SafeText.firstProblem(in: "a\r\nb\tc", multiline: true) == nil)
        #expect(SafeText.firstProblem(in: "a\u{0}", multiline: true)?.reason == .nul)
        #expect(SafeText.firstProblem(in: "a\u{2028}", multiline: true)?.reason == .lineSeparator)
    }

    @Test("length counts Unicode scalars, not grapheme clusters")
    func length() {
        let zalgo = "a" + String(repeating: "\u{301}", count: 1500)
        #expect(zalgo.count == 1)
        #expect(SafeText.length(zalgo) == 1501)
        #expect(SafeText.length("𠮷野家") == 3)
        #expect(SafeText.length("🇯🇵") == 2)
    }

    @Test("strict UTF-8: invalid sequences are refused, not replaced")
    func utf8() {
        #expect(SafeText.decodeUTF8(Array("飯塚".utf8)) == "飯塚")
        #expect(SafeText.decodeUTF8([0xC0, 0x80]) == nil)  // overlong NUL
        #expect(SafeText.decodeUTF8([0xED, 0xA0, 0x80]) == nil)  // a surrogate
        #expect(SafeText.decodeUTF8([0xE9, 0xA3]) == nil)  // truncated
        #expect(SafeText.decodeUTF8([0xFF]) == nil)
        #expect(SafeText.decodeUTF8([]) == "")
    }

    @Test("escaped text shows refused characters as code points and never contains them")
    func escaped() {
        let e = SafeText.escaped("su\u{0}per\u{202E}\\")
        #expect(e == "su\\u{0}per\\u{202E}\\\\")
        #expect(SafeText.firstProblem(in: e) == nil)
        #expect(SafeText.escaped(String(repeating: "x", count: 300)).count == 201)
    }

    @Test("the refused table is sorted and disjoint, and every scalar's reason comes from it")
    func tableIsTheRule() {
        let table = SafeText.refused
        for (a, b) in zip(table, table.dropFirst()) { #expect(a.range.upperBound < b.range.lowerBound, "\(a.range) overlaps \(b.range)") }
        // Every code point: refused exactly when the table lists it (the
        // binary search against a plain scan), multiline letting TAB/LF/CR pass.
        var mismatches: [UInt32] = []
        var refusedCount = 0
        var next = 0  // walks the sorted table beside v
        for v in UInt32(0)...0x10FFFF {
            while next < table.count, table[next].range.upperBound < v { next += 1 }
            guard let scalar = Unicode.Scalar(v) else { continue }
            let listed = next < table.count && table[next].range.contains(v) ? table[next].reason : nil
            if listed != nil { refusedCount += 1 }
            if SafeText.reason(scalar) != listed { mismatches.append(v) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10).map { String($0, radix: 16) })")
        #expect(refusedCount > 137_000, "private use planes 15-16 alone are 131,068 code points")
        for v: Unicode.Scalar in ["\t", "\n", "\r"] { #expect(SafeText.reason(v, multiline: true) == nil && SafeText.reason(v) == .control) }
    }
}
