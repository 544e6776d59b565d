import AkashiCrypto
import Foundation
import LogStore
import Mirror
import Testing
import TransparencyLog

@Suite("TileLogClient: tlog-tiles over HTTP, limits and fallbacks")
struct TileLogClientTests {
    @Test("partial tiles and bundles fall back to the full ones; sizes and widths are enforced")
    func fallbacksAndLimits() async throws {
        let tmp = TemporaryDirectory()
        let log = try await OriginLog(root: tmp.sub("log"))
        try await log.grow(to: 300)
        try await log.publish()
        try await log.grow(to: 600)
        try await log.publish()
        try await withStaticServer(root: log.root) { base in
            let client = try TileLogClient(prefix: base.absoluteString + "log", timeout: .seconds(5))
            #expect(client.prefix.absoluteString.hasSuffix("/log/"))
            let checkpoint = try await client.checkpoint()
            #expect(checkpoint == (await log.store.checkpoint))

            // The partial tile 0/001.p/44 of size 300 is deleted; the full tile stands in.
            let full = try log.bytes("tile/0/001")
            try FileManager.default.removeItem(at: log.file("tile/0/001.p/44"))
            let tile = try await client.tile(level: 0, index: 1, width: 44)
            #expect(tile.bytes == Array(full.prefix(44 * 32)))
            try FileManager.default.removeItem(at: log.file("tile/entries/001.p/44"))
            let bundle = try await client.entryBundle(index: 1, width: 44)
            #expect(bundle == Array(Tiles.parseEntryBundle(try log.bytes("tile/entries/001"))!.prefix(44)))

            // Wrong widths and broken bundles.
            try log.write("tile/0/002.p/88", Array(repeating: 7, count: 31))
            await expectMirrorError(.malformedTile) { try await client.tile(level: 0, index: 2, width: 88) }
            try log.write("tile/entries/002.p/88", [0, 9, 1])
            await expectMirrorError(.malformedBundle) { try await client.entryBundle(index: 2, width: 88) }
            try log.write("tile/entries/002.p/88", Tiles.entryBundle([[1], [2]]))
            await expectMirrorError(.malformedBundle) { try await client.entryBundle(index: 2, width: 88) }
            await expectMirrorError(.httpStatus) { try await client.tile(level: 0, index: 9, width: 1) }

            // A response beyond its limit is cut off, not buffered.
            try log.write("tile/1/000.p/2", Array(repeating: 1, count: 5000))
            await expectMirrorError(.responseTooLarge) { try await client.tile(level: 1, index: 0, width: 2) }
            try log.write("checkpoint", Array(repeating: 0x41, count: SignedNote.maxSize + 10))
            await expectMirrorError(.responseTooLarge) { try await client.checkpoint() }

            // Nobody listening.
            await expectMirrorError(.transport) { try await TileLogClient(prefix: "http://127.0.0.1:1/log/").checkpoint() }
            await expectMirrorError(.invalidRequest) { try TileLogClient(prefix: "file:///etc/") }
        }
    }

    @Test("TreeConsistency: consistent trees, forks, and tiles that do not match their checkpoint")
    func consistencyFromTiles() async throws {
        let tmp = TemporaryDirectory()
        let log = try await OriginLog(root: tmp.sub("log"))
        var roots: [UInt64: [UInt8]] = [:]
        for size in [1, 2, 3, 64, 255, 256, 257, 511, 513] {
            try await log.grow(to: size)
            roots[UInt64(size)] = try await log.store.rootHash(treeSize: UInt64(size))
        }
        try await log.publish()
        let newer = (await log.store.checkpoint).checkpoint
        let known = roots
        try await withStaticServer(root: log.root) { base in
            let client = TileLogClient(prefix: base.appendingPathComponent("log"), timeout: .seconds(5))
            for (size, root) in known {
                #expect(try await TreeConsistency.check(olderSize: size, olderRoot: root, newer: newer, client: client) == .consistent, "size \(size)")
                let wrong = SHA256.hash(root)
                guard case .inconsistent(let implied) = try await TreeConsistency.check(olderSize: size, olderRoot: wrong, newer: newer, client: client) else {
                    Issue.record("a wrong root at \(size) passed")
                    continue
                }
                #expect(implied == root)
            }
            let lie = Checkpoint(origin: originName, size: 513, rootHash: SHA256.hash([1]))
            await expectMirrorError(.tileMismatch) {
                try await TreeConsistency.check(olderSize: 100, olderRoot: known[64]!, newer: lie, client: client)
            }
        }
    }
}
