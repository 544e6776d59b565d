import Foundation
import HTTPFetch
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

    /// A response larger than this is not a few signature lines.
    public static let maxResponseSize = 64 * 1024

    public init(url: URL, key: VerifierKey) throws(WitnessClientError) {
        guard key.type == .cosignatureV1 else {
            throw WitnessClientError.invalidResponse("\(key.name) is not a cosignature/v1 witness key (type 0x04)")
        }
        self.url = url
        self.key = key
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
        let response = try await send(request, timeout: timeout)
        let data = response.body
        switch response.status {
        case 200:
            return try verifiedCosignatures(checkpoint: checkpoint, response: Data(data))
        case 409 where Self.isSizeContentType(response.contentType):
            guard data.last == 0x0a, let size = AddCheckpointRequest.parseDecimal(data.dropLast()) else {
                throw .invalidResponse("a 409 text/x.tlog.size body must be a decimal size and a newline")
            }
            throw .conflict(latestSize: size)
        default:
            let message = String(decoding: data.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .refused(status: response.status, message: message)
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

    /// The request, on the process's one `HTTPFetcher`: the body is capped
    /// at ``maxResponseSize`` while it arrives (a witness cannot make the log
    /// buffer more), and the deadline never waits on a cancelled task.
    private func send(_ request: URLRequest, timeout: Duration) async throws(WitnessClientError) -> HTTPFetcher.Response {
        do {
            return try await HTTPFetcher.shared.fetch(request, limit: Self.maxResponseSize, timeout: timeout)
        } catch {
            switch error {
            case .tooLarge(_, let reason): throw .invalidResponse(reason)
            case .transport(_, let reason): throw .transport(reason)
            }
        }
    }
}
