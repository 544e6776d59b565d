import Foundation
import StrictJSON
import Testing

@Suite struct StrictJSONTests {
    func code(_ text: String) -> StrictJSON.Problem.Code? {
        do { try StrictJSON.check(Array(text.utf8)); return nil } catch { return error.code }
    }

    @Test func acceptsOrdinaryJSON() {
        for ok in [
            #"{}"#, #"[]"#, #"{"a":1,"b":[1,2,{"a":2}],"c":{"a":"x"}}"#, #" {"a" : "\"}\\" , "b":null} "#, #""text""#, "12.5e3", #"{"a":{"b":{}},"b":true}"#,
        ] {
            #expect(code(ok) == nil, "\(ok)")
        }
    }

    @Test func refusesDuplicateNamesAtAnyDepthAndInAnySpelling() {
        for bad in [
            #"{"a":1,"a":2}"#, #"{"x":{"b":1,"b":1}}"#, #"[{"k":1},{"k":1,"k":2}]"#, #"{"a":1,"\u0061":2}"#, #"{"é":1,"\u00e9":2}"#,
            #"{"😀":1,"\ud83d\ude00":2}"#,
        ] {
            #expect(code(bad) == .duplicateKey, "\(bad)")
        }
        // NFC and NFD spellings are different names, as in JSON itself.
        #expect(code("{\"\u{e9}\":1,\"e\u{301}\":2}") == nil)
    }

    @Test func refusesInvalidUTF8DeepNestingAndBrokenStructure() {
        #expect(throws: StrictJSON.Problem.self) { try StrictJSON.check([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) }
        #expect(code(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) == .tooDeep)
        #expect(code(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) == nil)
        for bad in [#"{"a":1"#, #"{"a" 1}"#, #"{a:1}"#, #"["x]"#, #"{"a":"\q"}"#, #"{"a":"\u12"}"#, "", #"{"a":1,}"#] {
            #expect(code(bad) == .malformed, "\(bad)")
        }
    }

    @Test("integers only: one form per integer, so -0, 01, 1.0 and 1e3 are refused")
    func integersOnly() throws {
        for ok in ["0", "-1", "[0,10,-20]", #"{"a":9007199254740991}"#] {
            #expect(throws: Never.self, "\(ok)") { try StrictJSON.check(Array(ok.utf8), rules: .integersOnly) }
        }
        for bad in ["-0", "[1,-0]", "01", "1.0", "1e3", "-01"] {
            do {
                try StrictJSON.check(Array(bad.utf8), rules: .integersOnly)
                Issue.record("\(bad) was accepted")
            } catch { #expect(error.code == .notInteger || error.code == .malformed, "\(bad): \(error)") }
        }
    }

    @Test func decodesAfterTheCheck() throws {
        struct Body: Decodable { let kind: String }
        #expect(try StrictJSON.decode(Body.self, from: Data(#"{"kind":"residence"}"#.utf8)).kind == "residence")
        #expect(throws: StrictJSON.Problem.self) { try StrictJSON.decode(Body.self, from: Data(#"{"kind":"a","kind":"b"}"#.utf8)) }
    }
}
