import Certificates
import Foundation
import Hummingbird
import Issuance
import LogStore
import TransparencyLog

/// What anyone may fetch without logging in: the log's checkpoint and tiles
/// (c2sp.org/tlog-tiles), the trust file, the API description, the UI's
/// assets, and the static web verifier when it is installed.
struct PublicRoutes {
    let state: ServiceState

    func register(on router: Router<AppContext>) {
        router.get("healthz") { _, _ in Health() }
        router.get("log/checkpoint", use: checkpoint)
        router.get("log/tile/**", use: tile)
        router.get("trust.json", use: trust)
        router.get("verify/trust.json", use: trust)
        router.get("status/latest", use: status)
        router.get("status/latest.cose", use: status)
        router.get("verify/status.cose", use: status)
        let openAPI = ByteBuffer(string: OpenAPIDocument.yaml(kinds: state.registry.kinds))
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=300"], body: .init(byteBuffer: openAPI))
        }
        router.get("assets/app.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Assets.css)))
        }
        router.get("assets/print.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Assets.printJS)))
        }
    }

    /// The latest signed checkpoint. Short cache: it changes with every batch.
    @Sendable func checkpoint(_ request: Request, context: AppContext) async throws -> Response {
        let note = await state.log.checkpoint.serialized
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(string: note)))
    }

    /// A tile or entry bundle. Full tiles never change (immutable for a year);
    /// a partial tile of width W is a prefix of what the log holds now.
    @Sendable func tile(_ request: Request, context: AppContext) async throws -> Response {
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard let want = Tiles.parseRequest(path) else {
            return Self.notFound("not a tile path: tile/\(path) (c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])")
        }
        let size = await state.log.size
        let available: Int
        let bytes: [UInt8]
        do {
            if let level = want.level {
                let tile = try await state.log.tile(level: level, index: want.index)
                available = tile.width
                guard want.width <= available else { return Self.notFound("tile \(path) is not yet that wide") }
                bytes = Array(tile.bytes.prefix(want.width * 32))
            } else {
                let start = want.index * UInt64(Tiles.width)
                guard start < size else { return Self.notFound("no entries at tile \(path) yet") }
                let end = min(start + UInt64(want.width), size)
                guard end - start == UInt64(want.width) else { return Self.notFound("entry bundle \(path) is not yet that wide") }
                bytes = Tiles.entryBundle(try await state.log.entries(start..<end))
                available = want.width
            }
        } catch let error as LogStoreError where error.code == .notFound {
            return Self.notFound("\(error)")
        }
        let cache = want.width == Tiles.width ? "public, max-age=31536000, immutable" : "public, max-age=60"
        return Response(
            status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: cache, .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The trust file a verifier needs, made fresh from the authority's keys and kinds.
    @Sendable func trust(_ request: Request, context: AppContext) async throws -> Response {
        let data = state.trustFile
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The signed status list (akashi-status/v1): every revoked or superseded
    /// certificate, its time and the checkpoint it is complete up to.
    @Sendable func status(_ request: Request, context: AppContext) async throws -> Response {
        let bytes = try await state.statusCache.current(state.lifecycle)
        return Response(
            status: .ok,
            headers: [.contentType: "application/cose; cose-type=\"cose-sign1\"", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func notFound(_ message: String) -> Response {
        Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
