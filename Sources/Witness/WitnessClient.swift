import Foundation
import TransparencyLog

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why a witness gave no cosignature.
public enum WitnessClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 409 with `text/x.tlog.size`: the witness last cosigned a checkpoint of
    /// `latestSize` for this log, not the old size sent. Retry with a
    /// consistency proof from that size.
    case conflict(latestSize: UInt64)
    /// Any other refusal (404 unknown log, 403, 400, 422, 409 fork, 5xx), with
    /// the witness's explanation.
    case refused(status: Int, message: String)
    /// The witness answered 200 but without a valid cosignature from its key,
    /// or a 409 whose body is not a size.
    case invalidResponse(String)
    /// No answer: connection failure or timeout.
    case transport(String)

    public var description: String {
        switch self {
        case .conflict(let size): "the witness's latest cosigned size is \(size)"
        case .refused(let status, let message): "the witness refused the checkpoint (\(status)): \(message)"
        case .invalidResponse(let reason): "the witness's answer is invalid: \(reason)"
        case .transport(let reason): "the witness could not be reached: \(reason)"
        }
    }
}

/// What a log uses to obtain a witness's cosignature (c2sp.org/tlog-witness,
/// add-checkpoint) over HTTP. Returned cosignatures are verified against the
/// witness's vkey; lines from other keys are ignored.
public struct WitnessClient: Sendable {
    /// The witness's submission prefix, e.g. `https://kaga.example/witness`.
    public let url: URL
    /// The witness's cosigner key (type 0x04, cosignature/v1).
    public let key: VerifierKey
    let loader: CappedLoader

    /// A response larger than this is not a few signature lines.
    public static let maxResponseSize = 64 * 1024

    public init(url: URL, key: VerifierKey) throws(WitnessClientError) {
        guard key.type == .cosignatureV1 else {
            throw WitnessClientError.invalidResponse("\(key.name) is not a cosignature/v1 witness key (type 0x04)")
        }
        self.url = url
        self.key = key
        self.loader = .shared
    }

    /// `<submission prefix>/add-checkpoint`.
    public var addCheckpointURL: URL {
        var prefix = url.absoluteString
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return URL(string: prefix + "/add-checkpoint")!
    }

    /// Submits `checkpoint` with a consistency proof from `oldSize` (the size
    /// the witness last cosigned; 0 and an empty proof the first time) and
    /// returns the witness's verified cosignature(s), ready for
    /// ``SignedCheckpoint/adding(_:)``.
    ///
    /// Throws ``WitnessClientError/conflict(latestSize:)`` when the witness
    /// has another size on record.
    public func cosign(
        checkpoint: SignedCheckpoint, oldSize: UInt64, proof: [[UInt8]], timeout: Duration = .seconds(10)
    ) async throws(WitnessClientError) -> [SignedNote.Signature] {
        let body = AddCheckpointRequest(oldSize: oldSize, proof: proof, checkpoint: checkpoint).body
        var request = URLRequest(url: addCheckpointURL)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = max(timeout.timeInterval, 0.001)
        let (data, response) = try await send(request, timeout: timeout)
        guard let http = response as? HTTPURLResponse else {
            throw .invalidResponse("not an HTTP response")
        }
        guard data.count <= Self.maxResponseSize else {
            throw .invalidResponse("the response is larger than \(Self.maxResponseSize) bytes")
        }
        switch http.statusCode {
        case 200:
            return try verifiedCosignatures(checkpoint: checkpoint, response: data)
        case 409 where Self.isSizeContentType(http.value(forHTTPHeaderField: "Content-Type")):
            guard data.last == 0x0a, let size = AddCheckpointRequest.parseDecimal(data.dropLast()) else {
                throw .invalidResponse("a 409 text/x.tlog.size body must be a decimal size and a newline")
            }
            throw .conflict(latestSize: size)
        default:
            let message = String(decoding: data.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .refused(status: http.statusCode, message: message)
        }
    }

    /// ``cosign(checkpoint:oldSize:proof:timeout:)`` that recovers from a
    /// stale `oldSize` once: on a 409 it asks `proof` for a consistency proof
    /// from the witness's size (never called for size 0, or the checkpoint's
    /// own size: those need no proof) and resubmits.
    ///
    /// Returns the cosignatures and the old size that was accepted (the
    /// witness's size for this log is now the checkpoint's).
    public func cosign(
        checkpoint: SignedCheckpoint, oldSize: UInt64, timeout: Duration = .seconds(10),
        proof: (_ from: UInt64) async throws -> [[UInt8]]
    ) async throws -> (signatures: [SignedNote.Signature], oldSize: UInt64) {
        let size = checkpoint.checkpoint.size
        func consistency(from old: UInt64) async throws -> [[UInt8]] {
            old == 0 || old == size ? [] : try await proof(old)
        }
        do {
            return (try await cosign(checkpoint: checkpoint, oldSize: oldSize, proof: consistency(from: oldSize), timeout: timeout), oldSize)
        } catch WitnessClientError.conflict(let latest) where latest <= size && latest != oldSize {
            return (try await cosign(checkpoint: checkpoint, oldSize: latest, proof: consistency(from: latest), timeout: timeout), latest)
        }
    }

    /// Verifies the response's signature lines as the spec suggests: appended
    /// to the checkpoint text and checked as a note against the witness key.
    func verifiedCosignatures(checkpoint: SignedCheckpoint, response: Data) throws(WitnessClientError) -> [SignedNote.Signature] {
        guard let lines = String(validating: response, as: UTF8.self) else {
            throw .invalidResponse("the response is not UTF-8")
        }
        let note: SignedNote
        do {
            note = try SignedNote(parsing: checkpoint.note.text + "\n" + lines)
            _ = try note.verify([CosignatureV1Verifier(key: key)])
        } catch {
            throw .invalidResponse("no valid cosignature from \(key.name): \(error.reason)")
        }
        return note.signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
    }

    static func isSizeContentType(_ value: String?) -> Bool {
        guard let value else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == WitnessApplication.sizeContentType
    }

    /// The request, or a transport error after `timeout` — whichever comes
    /// first. Built on a delegate and a continuation resumed once, never by
    /// awaiting a cancelled `data(for:)` (on Linux a cancelled async
    /// URLSession task may never finish, which would hang the caller), and
    /// the body is capped at ``maxResponseSize`` while it arrives: a witness
    /// cannot make the log buffer more than that.
    private func send(_ request: URLRequest, timeout: Duration) async throws(WitnessClientError) -> (Data, URLResponse) {
        let loader = self.loader
        let url = request.url?.absoluteString ?? ""
        let once = ResumeOnce()
        let result: Result<(Data, URLResponse), WitnessClientError> = await withCheckedContinuation { continuation in
            once.set(continuation)
            let task = loader.start(request, limit: Self.maxResponseSize) { outcome in
                switch outcome {
                case .success(let value): once.resume(.success(value))
                case .failure(let failure):
                    once.resume(.failure(failure.tooLarge ? .invalidResponse(failure.reason) : .transport("\(url): \(failure.reason)")))
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if once.resume(.failure(.transport("no answer within \(timeout)"))) { task.cancel() }
            }
        }
        return try result.get()
    }
}

struct LoadFailure: Error {
    let tooLarge: Bool
    let reason: String
    init(tooLarge: Bool, _ reason: String) {
        self.tooLarge = tooLarge
        self.reason = reason
    }
}

/// One URLSession for every witness request, with a delegate that collects
/// each response and cancels it as soon as it is larger than its limit.
final class CappedLoader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    static let shared = CappedLoader()

    private struct Pending {
        var data = Data()
        var response: URLResponse?
        let limit: Int
        let done: @Sendable (Result<(Data, URLResponse), LoadFailure>) -> Void
    }

    private let lock = NSLock()
    private var pending: [Int: Pending] = [:]
    private var session: URLSession!

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    func start(_ request: URLRequest, limit: Int, done: @escaping @Sendable (Result<(Data, URLResponse), LoadFailure>) -> Void) -> URLSessionDataTask {
        let task = session.dataTask(with: request)
        lock.withLock { pending[task.taskIdentifier] = Pending(limit: limit, done: done) }
        task.resume()
        return task
    }

    private func finish(_ id: Int, _ result: Result<(Data, URLResponse), LoadFailure>) {
        let item = lock.withLock { pending.removeValue(forKey: id) }
        item?.done(result)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let limit = lock.withLock { () -> Int? in
            pending[dataTask.taskIdentifier]?.response = response
            return pending[dataTask.taskIdentifier]?.limit
        }
        if let limit, response.expectedContentLength > Int64(limit) {
            completionHandler(.cancel)
            finish(dataTask.taskIdentifier, .failure(LoadFailure(tooLarge: true, "the response announces \(response.expectedContentLength) bytes; at most \(limit) are accepted")))
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let tooLarge = lock.withLock { () -> Int? in
            guard var item = pending[dataTask.taskIdentifier] else { return nil }
            item.data.append(data)
            pending[dataTask.taskIdentifier] = item
            return item.data.count > item.limit ? item.limit : nil
        }
        if let limit = tooLarge {
            dataTask.cancel()
            finish(dataTask.taskIdentifier, .failure(LoadFailure(tooLarge: true, "the response is larger than \(limit) bytes")))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let item = lock.withLock { pending[task.taskIdentifier] }
        guard let item else { return }
        if let error {
            finish(task.taskIdentifier, .failure(LoadFailure(tooLarge: false, error.localizedDescription)))
        } else if let response = item.response ?? task.response {
            finish(task.taskIdentifier, .success((item.data, response)))
        } else {
            finish(task.taskIdentifier, .failure(LoadFailure(tooLarge: false, "no response")))
        }
    }
}

/// A continuation resumed by whichever of several racers comes first.
private final class ResumeOnce: @unchecked Sendable {
    typealias Value = Result<(Data, URLResponse), WitnessClientError>
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, Never>?
    private var early: Value?

    func set(_ continuation: CheckedContinuation<Value, Never>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(returning: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    /// True if this call resumed the continuation (the first result wins).
    @discardableResult
    func resume(_ value: Value) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard early == nil else { return false }
        early = value
        if let continuation {
            self.continuation = nil
            continuation.resume(returning: value)
        }
        return true
    }
}

extension Duration {
    var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
