import Foundation
import Testing

/// The CLI half of the standing hostile-input suite: every command that takes
/// text from its arguments or an input file gets controls, bidi, invisible
/// and private-use characters, huge values and numbers past the 64-bit edges.
/// None may crash (exit by a signal, ≥ 128) or succeed with such text
/// stored; afterwards the audit chain verifies and the log still answers.
/// (A NUL cannot reach a program through argv; the service suite covers it.)
@Suite struct HostileCLITests {
    static let values = [
        "\u{1}", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{9B}", "\u{202E}x", "\u{200B}", "\u{2028}", "\u{E000}", "\u{FFFF}",
        String(repeating: "A", count: 70_000), "a" + String(repeating: "\u{301}", count: 1_500),
        "9223372036854775808", "-9223372036854775809", "99999999999999999999", "-1", "../../etc/passwd", "",
    ]

    @Test func commandsRefuseHostileTextWithoutCrashing() async throws {
        let a = try await Authority()
        let dir = a.directory
        let out = dir.path("out")
        var crashes: [String] = []
        var accepted: [String] = []
        for (i, v) in Self.values.enumerated() {
            var fields =
                try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("certs/examples/residence.json"))) as! [String: Any]
            fields["name"] = v
            let input = try dir.write("hostile-\(i).json", String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self))
            let commands: [[String]] = [
                ["issue", "--data", a.data, "--kind", "residence", "--input", input, "--out", out],
                ["issue", "--data", a.data, "--kind", v, "--input", input, "--out", out],
                ["user", "add", "--data", a.data, "--login", v, "--role", "clerk", "--name", v],
                ["user", "role", "--data", a.data, "--login", v, "--role", v],
                ["token", "create", "--data", a.data, "--name", v, "--role", "clerk"],
                ["token", "revoke", "--data", a.data, "--id", v],
                ["revoke", "--data", a.data, v, "--reason", v],
                ["reissue", "--data", a.data, v],
                ["key", "compromised", "--data", a.data, "--file", v, "--since", v],
                ["log", "prove", "--data", a.data, "--index", v],
                ["audit", "export", "--data", a.data, "--since", v],
            ]
            for arguments in commands {
                let r = try await a.run(arguments)
                let shown = arguments.map { $0 == v ? "<\(i)>" : $0 }.joined(separator: " ").prefix(100)
                if r.status >= 128 { crashes.append("\(shown) → \(r.status)") }
                // Only the harmless values may succeed, and only where they are ordinary text.
                let harmless = ["-1", "../../etc/passwd", "9223372036854775808", "-9223372036854775809", "99999999999999999999"].contains(v)
                if r.status == 0 && !harmless { accepted.append("\(shown)") }
                if r.status != 0 { #expect(!r.stderr.isEmpty, "\(shown) failed without a message") }
            }
        }
        #expect(crashes.isEmpty, "\(crashes)")
        #expect(accepted.isEmpty, "hostile text was accepted: \(accepted)")
        // The audit chain verifies and the log still answers.
        let audit = try await a.run(["audit", "verify", "--data", a.data])
        #expect(audit.status == 0, "\(audit)")
        let checkpoint = try await a.log("checkpoint")
        #expect(checkpoint.status == 0, "\(checkpoint)")
    }
}
