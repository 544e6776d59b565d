import Certificates
import Foundation
import HTTPFetch
import TransparencyLog

/// The trust file an authority publishes beside its log (`akashi serve`
/// answers `GET /trust.json` next to `/log/`), fetched to follow the log
/// without keys given by hand: trust on first use. Whoever answers at that
/// URL the first time is believed, so the caller says so loudly and pins
/// what it got; checking the log key out of band (the prefecture's
/// federated list) is what makes it trustworthy.
public struct PublishedTrust: Sendable {
    /// Where it was fetched.
    public let url: URL
    public let trust: TrustFile
    /// The witness policy of each log it lists, by origin.
    public let policies: [String: TlogPolicy]

    /// The largest trust file accepted (a few hundred authorities).
    public static let maxSize = 4 << 20

    /// Where the authority of the log at the tlog-tiles `prefix` publishes its
    /// trust file: beside its `log/` prefix (`http://host/log/` →
    /// `http://host/trust.json`; any other prefix gets `/trust.json` appended).
    public static func url(besideLog prefix: String) -> URL {
        var base = prefix
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/log") { base.removeLast(4) }
        return URL(string: base + "/trust.json")!
    }

    /// The trust file in an answer from `url`: ``FederationError/Code/notPublished``
    /// for a status other than 200, ``FederationError/Code/malformed`` for a
    /// body that is not a valid trust file.
    public init(url: URL, status: Int, body: [UInt8]) throws(FederationError) {
        guard status == 200 else { throw FederationError(.notPublished, "\(url) answered \(status)") }
        do throws(CertificateError) {
            trust = try TrustFile.decode(Data(body))
            policies = try trust.logPolicies()
        } catch {
            throw FederationError(.malformed, "\(url): \(error.reason)")
        }
        self.url = url
    }

    /// Fetches the trust file published beside the log at `prefix`
    /// (``url(besideLog:)``); ``FederationError/Code/unreachable`` when no
    /// answer comes within `timeout` (or it is over ``maxSize``).
    public static func fetch(besideLog prefix: String, timeout: Duration = .seconds(30), fetcher: HTTPFetcher = .shared) async throws(FederationError)
        -> PublishedTrust
    {
        let url = url(besideLog: prefix)
        let response: HTTPFetcher.Response
        do { response = try await fetcher.get(url, limit: maxSize, timeout: timeout) } catch {
            throw FederationError(.unreachable, "the trust file \(url) cannot be fetched (\(error))")
        }
        return try PublishedTrust(url: url, status: response.status, body: response.body)
    }
}

extension TrustFile {
    /// The witness policy of each authority's log, by origin.
    public func logPolicies() throws(CertificateError) -> [String: TlogPolicy] {
        var out: [String: TlogPolicy] = [:]
        for authority in authorities { out[authority.log.origin] = try authority.log.tlogPolicy() }
        return out
    }
}

/// Which logs a verifier, monitor or mirror trusts, from a file given by hand.
public enum TrustedLogs {
    /// The policy of each log in `data` — an akashi trust file (`akashi trust
    /// export`, a JSON object) or a c2sp.org/tlog-policy text (every log it
    /// lists shares its witnesses and quorum) — by origin. Throws the trust
    /// file's `CertificateError` or the policy's `TlogPolicyError`.
    public static func policies(parsing data: Data) throws -> [String: TlogPolicy] {
        if data.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) == UInt8(ascii: "{") {
            return try TrustFile.decode(data).logPolicies()
        }
        let policy = try TlogPolicy(parsing: Array(data))
        var out: [String: TlogPolicy] = [:]
        for log in policy.logs { out[log.key.name] = policy }
        return out
    }
}
