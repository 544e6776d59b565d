import LogStore
import Logging
import TransparencyLog

/// A log with its witnesses attached: what `akashi issue`, `revoke`,
/// `log append` and `akashi serve` do before writing to the authority's log.
extension WitnessCosigner {
    /// Attaches the witnesses of `policy` to `log`: from then on every
    /// checkpoint the log publishes is cosigned as the policy requires before
    /// any receipt (or QR code) is given out. The cosigner starts from the
    /// log's published checkpoint, so each witness is first asked with a
    /// consistency proof from that size.
    @discardableResult
    public static func attach(
        to log: LogStore, policy: TlogPolicy, timeout: Duration = .seconds(5), logger: Logger = Logger(label: "akashi.witnessing")
    ) async -> WitnessCosigner {
        let cosigner = WitnessCosigner(policy: policy, timeout: timeout, logger: logger)
        await cosigner.seed(from: log.checkpoint)
        await log.setCosigner(cosigner)
        return cosigner
    }

    /// Publishes the newest checkpoint if it still waits for cosignatures (its
    /// witnesses were down when its batch committed), so recorded entries
    /// become provable as soon as the witnesses are back, not only at the next
    /// issuance. One round: `akashi serve` runs it every 15 s as a service.
    public static func publishWaiting(_ log: LogStore, logger: Logger) async {
        do {
            if try await log.publishPending() { logger.info("published a checkpoint that waited for cosignatures") }
        } catch {
            logger.debug("still waiting for witnesses", metadata: ["error": "\(error)"])
        }
    }
}

extension TlogPolicy {
    /// The quorum as "k of n" when it is a group of witnesses: `(2, 3)`;
    /// nil when it names a single witness or `none`.
    public var quorumGroup: (required: Int, members: Int)? {
        groups.first { $0.name == quorum }.map { ($0.required, $0.members.count) }
    }
}
