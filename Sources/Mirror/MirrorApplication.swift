import Foundation
import Hummingbird
import LogStore
import Logging
import TransparencyLog

/// The mirror's read-only HTTP service (Hummingbird 2). The monitoring
/// prefix is `/`; each log is served as c2sp.org/tlog-tiles under its
/// origin hash (c2sp.org/tlog-mirror, Introduction):
///
///     GET /<origin hash>/checkpoint                 the log's checkpoint + the mirror's cosignature
///     GET /<origin hash>/tile/<L>/<N>[.p/<W>]       Merkle tiles
///     GET /<origin hash>/tile/entries/<N>[.p/<W>]   entry bundles
///     GET /                                         the mirrored logs (JSON)
///     GET /healthz                                  "ok"
///
/// Only what the served (cosigned) checkpoint covers is served: a tile or
/// bundle beyond it is a 404, even if the copy already holds it.
public enum MirrorApplication {
    /// The router alone (what HummingbirdTesting drives in tests).
    public static func router(mirror: Mirror) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("healthz") { _, _ in text(.ok, "ok\n") }
        router.get("/") { _, _ in
            var list: [[String: Any]] = []
            for record in await mirror.logs {
                var item: [String: Any] = ["origin": record.origin, "originHash": record.originHash, "url": record.url]
                if let checkpoint = await mirror.servedCheckpoint(originHash: record.originHash)?.checkpoint {
                    item["size"] = checkpoint.size
                    item["root"] = checkpoint.rootHash.base64String
                }
                list.append(item)
            }
            let data =
                (try? JSONSerialization.data(
                    withJSONObject: ["name": mirror.signer.name, "vkey": mirror.signer.verifierKey.description, "logs": list],
                    options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get(":hash/checkpoint") { _, context in
            let hash = context.parameters.get("hash") ?? ""
            guard let checkpoint = await mirror.servedCheckpoint(originHash: hash) else {
                return text(.notFound, "no mirrored log with origin hash \(hash) (or nothing mirrored yet)\n")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(string: checkpoint.serialized)))
        }
        router.get(":hash/tile/**") { _, context in
            let hash = context.parameters.get("hash") ?? ""
            let path = context.parameters.getCatchAll().joined(separator: "/")
            guard let want = Tiles.parseRequest(path) else {
                return text(.notFound, "not a tile path: tile/\(path) (c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])\n")
            }
            guard let replica = try? await mirror.replica(originHash: hash), let size = await replica.publishedCheckpoint?.checkpoint.size else {
                return text(.notFound, "no mirrored log with origin hash \(hash) (or nothing mirrored yet)\n")
            }
            let bytes: [UInt8]
            do {
                if let level = want.level {
                    guard Tiles.width(level: level, index: want.index, treeSize: size) >= want.width else {
                        return text(.notFound, "tile/\(path) is beyond the mirrored tree of size \(size)\n")
                    }
                    let tile = try await replica.tile(level: level, index: want.index)
                    bytes = Array(tile.hashes[0..<want.width].joined())
                } else {
                    guard Tiles.width(level: 0, index: want.index, treeSize: size) >= want.width else {
                        return text(.notFound, "tile/\(path) is beyond the mirrored tree of size \(size)\n")
                    }
                    let start = want.index * UInt64(Tiles.width)
                    bytes = Tiles.entryBundle(try await replica.entries(start..<(start + UInt64(want.width))))
                }
            } catch {
                context.logger.error("tile read failed", metadata: ["mirror.path": "\(path)", "error": "\(error)"])
                return text(.internalServerError, "cannot read tile/\(path)\n")
            }
            let cache = want.width == Tiles.width ? "public, max-age=31536000, immutable" : "public, max-age=60"
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .cacheControl: cache, .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }

    /// The whole service on `host:port` (0 picks a free port); `onServerRunning`
    /// receives the port actually bound.
    public static func make(
        mirror: Mirror, host: String = "127.0.0.1", port: Int, logger: Logger = Logger(label: "akashi.mirror"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(mirror: mirror),
            configuration: .init(address: .hostname(host, port: port), serverName: "akashi-mirror"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
