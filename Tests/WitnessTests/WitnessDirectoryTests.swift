import Foundation
import Testing
import TransparencyLog
import Witness

@Suite("Witness data directory")
struct WitnessDirectoryTests {
    /// Stand-in for AuthorityDirectory.writeSecret (the CLI's): 0600 from creation.
    static func writeSecret(_ text: String, _ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    static func mode(_ url: URL) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! NSNumber).intValue
    }

    @Test("init writes the key (through the secret writer), the state and config.json; open reads them back")
    func createAndOpen() throws {
        let dir = temporaryDirectory().appendingPathComponent("witness")
        let created = try WitnessDirectory.create(at: dir, name: "kaga.example/witness", writeSecret: Self.writeSecret)
        #expect(try Self.mode(dir) == 0o700)
        #expect(try Self.mode(created.keyURL) == 0o600)
        #expect(FileManager.default.fileExists(atPath: created.databaseURL.path))
        let vkey = try VerifierKey(parsing: created.configuration.vkey)
        #expect(vkey.type == .cosignatureV1)
        #expect(vkey.name == "kaga.example/witness")

        let opened = try WitnessDirectory(at: dir)
        #expect(opened.configuration == created.configuration)
        let read = Locked<[URL]>([])
        let signer = try opened.signer { url in
            read.withLock { $0.append(url) }
            return try String(contentsOf: url, encoding: .utf8)
        }
        #expect(read.withLock { $0 } == [created.keyURL])
        #expect(signer.verifierKey == vkey)
        // The key signs cosignatures that verify with the published vkey.
        let log = TestLog()
        let witness = Witness(state: try opened.openState(), signer: signer)
        try witness.state.addLog(key: log.vkey)
        let response = try witness.addCheckpoint(body: log.body(old: 0, size: 3))
        _ = try AddCheckpointTests.verifiedCosignatures(response, on: log.checkpoint(3), key: vkey)
    }

    @Test("init refuses a non-empty directory and bad names; open refuses a missing or mismatched witness")
    func refusals() throws {
        let dir = temporaryDirectory().appendingPathComponent("w")
        _ = try WitnessDirectory.create(at: dir, name: "kaga.example/witness", writeSecret: Self.writeSecret)
        #expect { try WitnessDirectory.create(at: dir, name: "kaga.example/witness", writeSecret: Self.writeSecret) } throws: { error in
            (error as? WitnessDirectoryError)?.code == .alreadyExists
        }
        #expect { try WitnessDirectory.create(at: temporaryDirectory(), name: "has space", writeSecret: Self.writeSecret) } throws: { error in
            (error as? WitnessDirectoryError)?.code == .invalidConfiguration
        }
        #expect(throws: WitnessDirectoryError.self) { try WitnessDirectory(at: temporaryDirectory()) }

        // A key that is not the one config.json names.
        let other = temporaryDirectory().appendingPathComponent("other")
        let otherDirectory = try WitnessDirectory.create(at: other, name: "kaga.example/witness", writeSecret: Self.writeSecret)
        let opened = try WitnessDirectory(at: dir)
        #expect(throws: WitnessDirectoryError.self) {
            _ = try opened.signer { _ in try String(contentsOf: otherDirectory.keyURL, encoding: .utf8) }
        }
    }
}
