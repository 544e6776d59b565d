import Foundation
import Hummingbird
import Logging

/// The witness's HTTP service (Hummingbird 2), submission prefix = `/`:
///
///     POST /add-checkpoint   c2sp.org/tlog-witness
///     GET  /healthz          "ok"
///
/// Request bodies are capped at ``maxBodySize`` (413 beyond). Keep-alive is
/// Hummingbird's default for HTTP/1.1.
public enum WitnessApplication {
    /// 63 proof lines are under 3 KiB; the rest is the checkpoint and its signatures.
    public static let maxBodySize = 64 * 1024
    /// The 409 content type for a stale old size.
    public static let sizeContentType = "text/x.tlog.size"

    /// The router alone (what HummingbirdTesting drives in tests).
    public static func router(witness: Witness) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("healthz") { _, _ in
            plain(.ok, "ok\n")
        }
        router.post("add-checkpoint") { request, context in
            let buffer = try await request.body.collect(upTo: maxBodySize)
            let body = Array(buffer.readableBytesView)
            do throws(WitnessError) {
                let cosignatures = try await witness.addCheckpoint(body: body)
                return plain(.ok, cosignatures)
            } catch {
                if error.code == .storage || error.code == .locked {
                    context.logger.error("add-checkpoint failed", metadata: ["error": "\(error.reason)"])
                }
                return response(for: error)
            }
        }
        return router
    }

    /// The whole service on `host:port` (0 picks a free port); `onServerRunning`
    /// receives the port actually bound.
    public static func make(
        witness: Witness, host: String = "127.0.0.1", port: Int, logger: Logger = Logger(label: "akashi.witness"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(witness: witness),
            configuration: .init(address: .hostname(host, port: port), serverName: "akashi-witness"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The response for a refusal: a 409 for a stale old size carries the
    /// latest cosigned size as `text/x.tlog.size`; everything else is a line of text.
    public static func response(for error: WitnessError) -> Response {
        if error.code == .conflict, let latest = error.latestSize {
            return Response(
                status: .conflict, headers: [.contentType: sizeContentType],
                body: .init(byteBuffer: ByteBuffer(string: "\(latest)\n")))
        }
        return plain(HTTPResponse.Status(code: error.httpStatus), error.reason + "\n")
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
