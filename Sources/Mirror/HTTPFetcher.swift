import Foundation
import HTTPFetch

extension HTTPFetcher {
    /// GETs `url` for the mirror: the fetch errors as ``MirrorError``
    /// (`transport`, `responseTooLarge`).
    func mirrorGet(_ url: URL, limit: Int, timeout: Duration) async throws(MirrorError) -> Response {
        do {
            return try await get(url, limit: limit, timeout: timeout, userAgent: "akashi-mirror")
        } catch {
            switch error {
            case .tooLarge(let url, let reason): throw MirrorError(.responseTooLarge, reason, url: url)
            case .transport(let url, let reason): throw MirrorError(.transport, reason, url: url)
            }
        }
    }
}
