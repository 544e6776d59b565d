import AkashiCrypto
import Foundation
import LogStore
import Mirror
import Testing
import TransparencyLog

@Suite("Monitor: consistency over time and across sources")
struct MonitorTests {
    @Test("two sources that agree, then one showing another tree of the same size: a split view with both checkpoints")
    func splitViewBetweenSources() async throws {
        let tmp = TemporaryDirectory()
        let log = try await OriginLog(root: tmp.sub("log"))
        try await log.grow(to: 80)
        try await log.publish()
        let other = try await OriginLog(root: tmp.sub("other"))
        try FileManager.default.createDirectory(at: other.root, withIntermediateDirectories: true)
        try await withStaticServer(root: log.root) { a in
            try await withStaticServer(root: other.root) { b in
                let sourceA = TileLogClient(prefix: a.appendingPathComponent("log"), timeout: .seconds(5))
                let sourceB = TileLogClient(prefix: b.appendingPathComponent("log"), timeout: .seconds(5))
                let policy = try TlogPolicy(logKey: log.vkey)

                // B serves a copy of A at an earlier size: consistent.
                try copyPublished(from: log, size: 80, to: other)
                try await log.grow(to: 130)
                try await log.publish()
                let monitor = try LogMonitor(sources: [sourceA, sourceB], policy: policy)
                var events = await monitor.poll()
                #expect(events.map(\.kind) == [.checkpoint, .checkpoint], "\(events.map(\.line))")
                #expect(events.map(\.size) == [130, 80])
                #expect(events.allSatisfy { !$0.isInconsistency })
                events = await monitor.poll()
                #expect(events.map(\.kind) == [.unchanged, .unchanged])
                #expect(await monitor.state.head?.source == sourceA.source)

                // B now shows a fork of size 130, signed by the same key.
                let fork = try await OriginLog(root: other.root, salt: "fork")
                try await fork.grow(to: 130)
                try FileManager.default.removeItem(at: other.directory)
                try await fork.publish()
                events = await monitor.poll()
                #expect(events.map(\.kind) == [.unchanged, .splitView], "\(events.map(\.line))")
                let split = events[1]
                #expect(split.source == sourceB.source)
                #expect(split.size == 130)
                #expect(split.evidence.map(\.source) == [sourceA.source, sourceB.source])
                #expect(split.evidence[0].checkpoint == (await log.store.checkpoint).serialized)
                #expect(split.evidence[1].checkpoint == (await fork.store.checkpoint).serialized)
                #expect(split.line.contains("split view"))
                #expect(split.text.contains("証拠 / evidence"))
                let json = split.jsonObject
                #expect(json["event"] as? String == "split-view")
                #expect(json["size"] as? UInt64 == 130)
                #expect((json["evidence"] as? [[String: String]])?.count == 2)
                _ = try JSONSerialization.data(withJSONObject: json)

                // The fork grows past the head: inconsistent, not a new head.
                try await fork.grow(to: 170)
                try await fork.publish()
                events = await monitor.poll()
                #expect(events.map(\.kind) == [.unchanged, .inconsistent], "\(events.map(\.line))")
                #expect(await monitor.state.head?.checkpoint == (await log.store.checkpoint).serialized)

                // A source that is down is an error, not an inconsistency.
                let down = TileLogClient(prefix: URL(string: "http://127.0.0.1:1/log/")!, timeout: .seconds(5))
                let lonely = try LogMonitor(sources: [sourceA, down], policy: policy)
                events = await lonely.poll()
                #expect(events.map(\.kind) == [.checkpoint, .error])
                #expect(events[1].code == "transport")
            }
        }
    }

    @Test("state persists: after a restart, a later checkpoint that rewrites history is inconsistent; an older consistent one is fine")
    func inconsistentLaterCheckpoint() async throws {
        let tmp = TemporaryDirectory()
        let stateFile = tmp.sub("monitor.json")
        let log = try await OriginLog(root: tmp.sub("log"))
        try await log.grow(to: 64)  // a power of two: the proof starts from the old root itself
        try await log.publish()
        try await withStaticServer(root: log.root) { base in
            let source = TileLogClient(prefix: base.appendingPathComponent("log"), timeout: .seconds(5))
            let policy = try TlogPolicy(logKey: log.vkey)
            var monitor = try LogMonitor(sources: [source], policy: policy, state: try MonitorState.load(from: stateFile))
            #expect(await monitor.poll().map(\.kind) == [.checkpoint])
            try await monitor.state.save(to: stateFile)

            try await log.grow(to: 300)
            try await log.publish()
            monitor = try LogMonitor(sources: [source], policy: policy, state: try MonitorState.load(from: stateFile))
            var events = await monitor.poll()
            #expect(events.map(\.kind) == [.checkpoint], "\(events.map(\.line))")
            #expect(events[0].reason.contains("consistent with size 64"))
            try await monitor.state.save(to: stateFile)

            // The log rewrites its history and signs a larger tree.
            let fork = try await OriginLog(root: log.root, salt: "fork")
            try await fork.grow(to: 400)
            try FileManager.default.removeItem(at: log.directory)
            try await fork.publish()
            monitor = try LogMonitor(sources: [source], policy: policy, state: try MonitorState.load(from: stateFile))
            events = await monitor.poll()
            #expect(events.map(\.kind) == [.inconsistent], "\(events.map(\.line))")
            #expect(events[0].evidence.count == 2)
            #expect(events[0].evidence[0].checkpoint.contains("\n300\n"))
            #expect(events[0].evidence[1].checkpoint.contains("\n400\n"))

            // Tiles that do not match the source's own checkpoint: the source is at fault, not the log.
            try FileManager.default.removeItem(at: log.directory)
            try await log.grow(to: 350)
            try await log.publish()
            let tilePath = "tile/0/001.p/94"
            var tile = try log.bytes(tilePath)
            tile[0] ^= 0xff
            try log.write(tilePath, tile)
            events = await monitor.poll()
            #expect(events.map(\.kind) == [.error], "\(events.map(\.line))")
            #expect(events[0].code == "tileMismatch")

            // A state file the keys do not verify is refused.
            let stranger = try Ed25519NoteSigner(name: originName, privateKey: testKey("stranger"))
            await expectMirrorError(.storage) {
                try LogMonitor(sources: [source], policy: TlogPolicy(logKey: stranger.verifierKey), state: try MonitorState.load(from: stateFile))
            }
        }
    }

    /// Copies a log's published files to another served directory as they
    /// were at `size` (checkpoint of that size, its tiles and bundles).
    func copyPublished(from log: OriginLog, size: UInt64, to other: OriginLog) throws {
        let fm = FileManager.default
        try? fm.removeItem(at: other.directory)
        try fm.createDirectory(at: other.directory, withIntermediateDirectories: true)
        for coordinate in Tiles.coordinates(treeSize: size) {
            for path in [coordinate.path] + (coordinate.level == 0 ? [Tiles.entriesPath(index: coordinate.index, width: coordinate.width)] : []) {
                let target = other.file(path)
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: log.file(path), to: target)
            }
        }
        try fm.copyItem(at: log.file("checkpoint"), to: other.file("checkpoint"))
    }
}
