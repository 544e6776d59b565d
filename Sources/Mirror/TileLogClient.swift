import AkashiCrypto
import Foundation
import HTTPFetch
import TransparencyLog

/// Reads a tiled transparency log over HTTP, c2sp.org/tlog-tiles: the
/// checkpoint, Merkle tiles and entry bundles under a URL prefix (an
/// authority's `http://host:port/log/`, a static copy, or a mirror's
/// `<monitoring prefix>/<origin hash>/`).
///
/// Nothing it returns is trusted: the checkpoint still has to be verified
/// against a policy and tiles and entries against a verified root (see
/// ``LogFollower`` and ``TreeConsistency``). The client only enforces the
/// format: response size limits per resource kind, a deadline per request,
/// exact widths, well-formed bundles.
public struct TileLogClient: Sendable {
    /// The tlog-tiles prefix, always ending in `/`.
    public let prefix: URL
    /// The deadline for each request.
    public var timeout: Duration
    let fetcher: HTTPFetcher

    /// A checkpoint is a signed note: at most ``SignedNote/maxSize``.
    public static let maxCheckpointSize = SignedNote.maxSize
    /// A full tile: 256 hashes of 32 bytes.
    public static let maxTileSize = Tiles.width * Merkle.hashSize
    /// A full bundle of 256 entries of at most 65535 bytes, each with its 2-byte length.
    public static let maxBundleSize = Tiles.width * (2 + Int(UInt16.max))

    public init(prefix: URL, timeout: Duration = .seconds(30), fetcher: HTTPFetcher = .shared) {
        var text = prefix.absoluteString
        if !text.hasSuffix("/") { text += "/" }
        self.prefix = URL(string: text) ?? prefix
        self.timeout = timeout
        self.fetcher = fetcher
    }

    /// Parses a prefix given on a command line (http or https, with a host).
    public init(prefix text: String, timeout: Duration = .seconds(30), fetcher: HTTPFetcher = .shared) throws(MirrorError) {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
            url.query == nil, url.fragment == nil
        else {
            throw MirrorError(.invalidRequest, "'\(text)' is not an http(s) URL prefix such as http://127.0.0.1:8080/log/")
        }
        self.init(prefix: url, timeout: timeout, fetcher: fetcher)
    }

    /// `prefix` + `path` (a path relative to the prefix, no leading slash).
    public func url(_ path: String) -> URL {
        URL(string: prefix.absoluteString + path)!
    }

    /// The prefix as text, for messages and evidence.
    public var source: String { prefix.absoluteString }

    // MARK: Mirrors

    /// The lowercase hex SHA-256 of an origin: the path element under which a
    /// mirror serves that log (c2sp.org/tlog-mirror, Introduction).
    public static func originHash(_ origin: String) -> String {
        SHA256.hash(Array(origin.utf8)).hexString
    }

    /// The client for `origin` at `url`, which may be the log's own tlog-tiles
    /// prefix or a mirror's monitoring prefix:
    ///
    /// - a URL whose last path element is already the origin hash is used as is;
    /// - otherwise `<url>/<origin hash>/checkpoint` is tried first and, when it
    ///   answers 200, the mirror's copy is used;
    /// - otherwise (404, or anything else) `<url>` itself is the prefix.
    public static func resolve(_ url: URL, origin: String, timeout: Duration = .seconds(30), fetcher: HTTPFetcher = .shared) async -> TileLogClient {
        let plain = TileLogClient(prefix: url, timeout: timeout, fetcher: fetcher)
        let hash = originHash(origin)
        let trimmed = plain.prefix.absoluteString.dropLast()
        if trimmed.hasSuffix("/" + hash) { return plain }
        let mirrored = TileLogClient(prefix: plain.url(hash + "/"), timeout: timeout, fetcher: fetcher)
        if let answer = try? await fetcher.mirrorGet(mirrored.url("checkpoint"), limit: maxCheckpointSize, timeout: timeout), answer.status == 200 {
            return mirrored
        }
        return plain
    }

    // MARK: Resources

    /// `<prefix>/checkpoint`, parsed as a signed checkpoint (not yet verified).
    public func checkpoint() async throws(MirrorError) -> SignedCheckpoint {
        let url = url("checkpoint")
        let body = try await get(url, limit: Self.maxCheckpointSize)
        guard let text = String(validating: body, as: UTF8.self) else {
            throw MirrorError(.malformedCheckpoint, "\(url.absoluteString) is not UTF-8 text", url: url.absoluteString)
        }
        do {
            return try SignedCheckpoint(parsing: text)
        } catch {
            throw MirrorError(.malformedCheckpoint, "\(url.absoluteString) is not a signed checkpoint: \(error.reason)", url: url.absoluteString)
        }
    }

    /// The tile at (level, index) with exactly `width` hashes (1...256).
    ///
    /// A partial tile (`.p/<W>`) that is gone (404) is fetched as the full
    /// tile and cut to `width`, as c2sp.org/tlog-tiles allows logs to delete
    /// partial tiles once the full one exists.
    public func tile(level: Int, index: UInt64, width: Int) async throws(MirrorError) -> ExpandedTile {
        precondition((1...Tiles.width).contains(width))
        let bytes: [UInt8]
        let url = url(Tiles.tilePath(level: level, index: index, width: width))
        do throws(MirrorError) {
            bytes = try await get(url, limit: width * Merkle.hashSize)
        } catch  where error.code == .httpStatus && width < Tiles.width {
            let full = self.url(Tiles.tilePath(level: level, index: index))
            let fullBytes = try await get(full, limit: Self.maxTileSize)
            guard fullBytes.count == Self.maxTileSize else {
                throw MirrorError(
                    .malformedTile, "\(full.absoluteString) has \(fullBytes.count) bytes; a full tile has \(Self.maxTileSize)", url: full.absoluteString)
            }
            bytes = Array(fullBytes.prefix(width * Merkle.hashSize))
        }
        guard bytes.count == width * Merkle.hashSize, let tile = ExpandedTile(bytes: bytes) else {
            throw MirrorError(
                .malformedTile, "\(url.absoluteString) has \(bytes.count) bytes; a tile of width \(width) has \(width * Merkle.hashSize)",
                url: url.absoluteString)
        }
        return tile
    }

    /// The entry bundle `index` with exactly `width` entries (1...256); a
    /// missing partial bundle is fetched as the full one and cut, as for tiles.
    public func entryBundle(index: UInt64, width: Int) async throws(MirrorError) -> [[UInt8]] {
        precondition((1...Tiles.width).contains(width))
        let url = url(Tiles.entriesPath(index: index, width: width))
        var source = url
        let bytes: [UInt8]
        do throws(MirrorError) {
            bytes = try await get(url, limit: Self.maxBundleSize)
        } catch  where error.code == .httpStatus && width < Tiles.width {
            source = self.url(Tiles.entriesPath(index: index))
            bytes = try await get(source, limit: Self.maxBundleSize)
        }
        guard let entries = Tiles.parseEntryBundle(bytes) else {
            throw MirrorError(
                .malformedBundle, "\(source.absoluteString) is not an entry bundle (its length prefixes do not add up)", url: source.absoluteString)
        }
        let expected = source == url ? width : Tiles.width
        guard entries.count == expected else {
            throw MirrorError(
                .malformedBundle, "\(source.absoluteString) holds \(entries.count) entries; \(expected) were expected", url: source.absoluteString)
        }
        return Array(entries.prefix(width))
    }

    /// The body of a 200 answer; any other status is ``MirrorError/Code/httpStatus``.
    func get(_ url: URL, limit: Int) async throws(MirrorError) -> [UInt8] {
        let response = try await fetcher.mirrorGet(url, limit: limit, timeout: timeout)
        guard response.status == 200 else {
            let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw MirrorError(.httpStatus, "\(url.absoluteString) answered \(response.status)\(text.isEmpty ? "" : ": \(text)")", url: url.absoluteString)
        }
        return response.body
    }
}
