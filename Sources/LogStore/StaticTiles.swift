import Foundation
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

extension LogStore {
    /// What a publication wrote.
    public struct PublicationSummary: Sendable {
        public let treeSize: UInt64
        public let tilesWritten: Int
        public let bundlesWritten: Int
        /// Full tiles and bundles already present (they never change).
        public let unchanged: Int
    }

    /// Writes the log as static files per c2sp.org/tlog-tiles into `directory`:
    /// `checkpoint`, `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`,
    /// ready for any web server, object store or CDN.
    ///
    /// Incremental: full tiles already present are left alone. Each file is
    /// written to a temporary name and renamed, and the checkpoint goes last,
    /// so a reader never sees a checkpoint whose tiles are not there yet.
    /// Partial tiles of earlier publications are kept, as the spec asks, for
    /// clients still holding those checkpoints.
    public func publishTiles(to directory: URL) async throws -> PublicationSummary {
        let checkpoint = self.checkpoint
        let size = checkpoint.checkpoint.size
        var tilesWritten = 0
        var bundlesWritten = 0
        var unchanged = 0
        for coordinate in Tiles.coordinates(treeSize: size) {
            let url = directory.appendingPathComponent(coordinate.path)
            if coordinate.width == Tiles.width, Self.fileSize(url) == Tiles.width * 32 {
                unchanged += 1
            } else {
                let tile = try await tile(level: coordinate.level, index: coordinate.index)
                try Self.writeAtomically(Array(tile.hashes[0..<coordinate.width].joined()), to: url)
                tilesWritten += 1
            }
            guard coordinate.level == 0 else { continue }
            let bundleURL = directory.appendingPathComponent(Tiles.entriesPath(index: coordinate.index, width: coordinate.width))
            if coordinate.width == Tiles.width, FileManager.default.fileExists(atPath: bundleURL.path) {
                unchanged += 1
                continue
            }
            let first = coordinate.index * UInt64(Tiles.width)
            let entries = try await self.entries(first..<(first + UInt64(coordinate.width)))
            try Self.writeAtomically(Tiles.entryBundle(entries), to: bundleURL)
            bundlesWritten += 1
        }
        try Self.writeAtomically(Array(checkpoint.serialized.utf8), to: directory.appendingPathComponent("checkpoint"))
        return PublicationSummary(treeSize: size, tilesWritten: tilesWritten, bundlesWritten: bundlesWritten, unchanged: unchanged)
    }

    static func fileSize(_ url: URL) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int
    }

    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
            try Data(bytes).write(to: temporary)
            // rename(2) replaces an existing file atomically. (Foundation's
            // replaceItemAt on Linux removes the old file and then fails.)
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw LogStoreError(.io, "cannot write \(url.path): \(reason)")
            }
        } catch let error as LogStoreError {
            throw error
        } catch {
            throw LogStoreError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
