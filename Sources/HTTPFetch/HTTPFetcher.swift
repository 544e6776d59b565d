import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why a request gave no usable answer.
public enum HTTPFetchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A 200 answer larger than the caller's limit (announced or as it arrived).
    case tooLarge(url: String, reason: String)
    /// No complete answer: connection failure or the deadline passed.
    case transport(url: String, reason: String)

    public var description: String {
        switch self {
        case .tooLarge(_, let reason), .transport(_, let reason): reason
        }
    }
}

/// HTTP with a size limit and a deadline, for talking to servers the caller
/// does not trust (a log's tiles, a witness): a response is cut off (and
/// refused) as soon as it passes its limit, instead of being buffered whole
/// first, and the deadline never waits on a cancelled task.
///
/// One URLSession whose delegate collects each task's bytes; safe to share.
public final class HTTPFetcher: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        /// The `Content-Type` header, if any.
        public var contentType: String? = nil
    }

    private struct Pending {
        let continuation: CheckedContinuation<Response, any Error>
        var limit: Int
        var data = Data()
        var status = 0
        var contentType: String?
        var failure: HTTPFetchError?
        /// An error answer's body is only kept for the message: cut, not refused.
        var truncated = false
    }

    /// How much of a non-200 answer's body is kept.
    static let errorBodyLimit = 4096

    /// One fetcher for the process.
    public static let shared = HTTPFetcher()

    private let lock = NSLock()
    private var pending: [Int: Pending] = [:]
    private var session: URLSession!

    public override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    /// Sends `request`, refusing a 200 body over `limit` bytes (other
    /// statuses keep the first 4 KiB, for the message). Any status is
    /// returned; the caller decides what it means.
    public func fetch(_ request: URLRequest, limit: Int, timeout: Duration) async throws(HTTPFetchError) -> Response {
        var request = request
        request.timeoutInterval = max(timeout.seconds, 0.001)
        let url = request.url?.absoluteString ?? ""
        let task = session.dataTask(with: request)
        let id = task.taskIdentifier
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask {
                    try await withTaskCancellationHandler {
                        try await withCheckedThrowingContinuation { continuation in
                            self.lock.withLock { self.pending[id] = Pending(continuation: continuation, limit: limit) }
                            task.resume()
                        }
                    } onCancel: {
                        task.cancel()
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw HTTPFetchError.transport(url: url, reason: "no complete answer from \(url) within \(timeout)")
                }
                return response
            }
        } catch let error as HTTPFetchError {
            throw error
        } catch {
            throw .transport(url: url, reason: "\(url): \(error.localizedDescription)")
        }
    }

    /// GETs `url` (see ``fetch(_:limit:timeout:)``).
    public func get(_ url: URL, limit: Int, timeout: Duration, userAgent: String = "akashi") async throws(HTTPFetchError) -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.setValue("gzip, identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        return try await fetch(request, limit: limit, timeout: timeout)
    }

    // MARK: URLSessionDataDelegate

    public func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let expected = response.expectedContentLength
        let cancel: Bool = lock.withLock {
            guard var item = pending[dataTask.taskIdentifier] else { return true }
            item.status = status
            item.contentType = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
            if status != 200 {
                item.limit = Self.errorBodyLimit
            } else if expected > Int64(item.limit) {
                let url = dataTask.originalRequest?.url?.absoluteString ?? ""
                item.failure = .tooLarge(
                    url: url, reason: "\(url.isEmpty ? "the response" : url) announces \(expected) bytes; at most \(item.limit) are accepted")
            }
            pending[dataTask.taskIdentifier] = item
            return item.failure != nil
        }
        completionHandler(cancel ? .cancel : .allow)
    }

    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let cancel: Bool = lock.withLock {
            guard var item = pending[dataTask.taskIdentifier], item.failure == nil, !item.truncated else { return false }
            if item.status != 200 && item.data.count + data.count > item.limit {
                item.data.append(data.prefix(item.limit - item.data.count))
                item.truncated = true
            } else if item.data.count + data.count > item.limit {
                let url = dataTask.originalRequest?.url?.absoluteString ?? ""
                item.failure = .tooLarge(url: url, reason: "\(url.isEmpty ? "the response" : url) is larger than \(item.limit) bytes")
                item.data = Data()
            } else {
                item.data.append(data)
            }
            pending[dataTask.taskIdentifier] = item
            return item.failure != nil || item.truncated
        }
        if cancel { dataTask.cancel() }
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let item = lock.withLock({ pending.removeValue(forKey: task.taskIdentifier) }) else { return }
        let url = task.originalRequest?.url?.absoluteString ?? ""
        if let failure = item.failure {
            item.continuation.resume(throwing: failure)
        } else if item.truncated {
            item.continuation.resume(returning: Response(status: item.status, body: Array(item.data), contentType: item.contentType))
        } else if let error {
            item.continuation.resume(throwing: HTTPFetchError.transport(url: url, reason: "\(url): \(error.localizedDescription)"))
        } else if let http = task.response as? HTTPURLResponse, item.status == 0 {
            item.continuation.resume(
                returning: Response(
                    status: http.statusCode, body: Array(item.data), contentType: http.value(forHTTPHeaderField: "Content-Type")))
        } else {
            item.continuation.resume(returning: Response(status: item.status, body: Array(item.data), contentType: item.contentType))
        }
    }
}

extension Duration {
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
