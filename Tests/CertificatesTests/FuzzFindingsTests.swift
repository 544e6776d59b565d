import CBOR
import Certificates
import Foundation
import Testing
import TransparencyLog

/// What libFuzzer found (Tests/fuzz/crashes/, docs/fuzzing.md), fixed and
/// kept as ordinary tests so the fix cannot quietly go away.
@Suite struct FuzzFindingsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("checkpoint-crlf-extension-line: a CR LF line is not one line (Swift's Character would join them)")
    func checkpointCRLF() throws {
        let rootHash = Data(repeating: 0, count: 32).base64EncodedString()
        #expect(throws: NoteError.self) { try Checkpoint(parsing: "l\n1\n\(rootHash)\n\r\n\n") }
        #expect(throws: NoteError.self) { try Checkpoint(parsing: "l\n1\n\(rootHash)\nextension\r\n") }
        let fine = try Checkpoint(parsing: "l\n1\n\(rootHash)\nextension\n")
        #expect(fine.extensions == ["extension"])
        let crash = try Data(contentsOf: Self.root.appendingPathComponent("Tests/fuzz/crashes/checkpoint-crlf-extension-line.bin"))
        #expect(throws: NoteError.self) { try Checkpoint(parsing: String(decoding: crash, as: UTF8.self)) }
    }

    @Test("trust-file-date-before-1582: times are written proleptic Gregorian, so a trust file reads back as itself")
    func trustTimesBefore1582() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Tests/spec-conformance/fixtures/example-trust-v2.json"))
        for text in ["0026-12-02T19:07:46Z", "1582-10-14T00:00:00Z", "1970-01-01T00:00:00Z", "2026-12-03T19:07:47Z"] {
            // Through the file form, as a verifier receives it.
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["generatedAt"] = text
            let trust = try TrustFile.decode(JSONSerialization.data(withJSONObject: object))
            let again = try TrustFile.decode(trust.encoded())
            #expect(again == trust, "\(text)")
            #expect(String(decoding: try trust.encoded(), as: UTF8.self).contains("\"generatedAt\" : \"\(text)\""), "\(text)")
        }
    }

    @Test("cose-lenient-nested-map-keys-timeout: duplicate keys in lenient CBOR are found in linear time, however deep maps nest as keys")
    func lenientNestedMapKeys() throws {
        var key: CBOR = .unsigned(0)
        for depth in 0..<60 { key = .map([(key: key, value: .unsigned(UInt64(depth)))]) }
        let bytes = try CBOR.map([(key: key, value: .unsigned(1)), (key: .unsigned(7), value: .unsigned(2))]).encoded()
        _ = try CBOR(decoding: bytes, options: .lenient)
        // The fuzzer's input: maps nested as keys, with many keys at each level (its
        // outcome does not matter here, only that it comes quickly: before the fix these 64 reads
        // took 0.5–4 s in a debug build, depending on the process's hash seed; now ~0.2 s).
        let crash = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("Tests/fuzz/crashes/cose-lenient-nested-map-keys-timeout.bin")))
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for offset in 0..<min(crash.count, 64) { _ = try? CBOR(decoding: Array(crash[offset...]), options: .lenient) }
        }
        #expect(elapsed < .seconds(1), "\(elapsed)")
        // A real duplicate (the same nested key twice) is still refused.
        // {key: 1, key: 2}, written by hand (the encoder would not write it).
        let duplicate: [UInt8] =
            [0xA2] + Array(try CBOR.map([(key: key, value: .unsigned(1))]).encoded().dropFirst())
            + Array(try CBOR.map([(key: key, value: .unsigned(2))]).encoded().dropFirst())
        #expect(throws: CBORError.self) { try CBOR(decoding: duplicate, options: .lenient) }
    }
}
