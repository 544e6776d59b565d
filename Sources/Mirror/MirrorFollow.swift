import TransparencyLog

extension Mirror {
    /// Follows the log at `url` (adds or updates it) under the policy its
    /// origin has in `policies` (`--vkey`, or every log of a `--trust` file).
    /// With one policy, that log: nothing is fetched, so a log can be added
    /// while it is down. With several, the origin is the one of the log's
    /// checkpoint, which must verify under its own policy.
    @discardableResult
    public func follow(url: String, policies: [String: TlogPolicy]) async throws(MirrorError) -> MirroredLogRecord {
        if policies.count == 1, let (origin, policy) = policies.first {
            return try await addLog(url: url, policy: policy, origin: origin)
        }
        let client = try TileLogClient(prefix: url, timeout: timeout, fetcher: fetcher)
        let signed = try await LogFollower(client: client, policy: OriginPolicies(policies)).verifiedCheckpoint()
        let origin = signed.checkpoint.origin
        return try await addLog(url: url, policy: policies[origin]!, origin: origin)
    }

    /// Follows the log at `url` under keys trusted on first use: the policy
    /// that `policies` (what the log's authority publishes beside it) gives
    /// the origin of the checkpoint the log serves. That checkpoint is only
    /// read for its origin here; every sync verifies what it copies.
    /// ``MirrorError/Code/unlistedOrigin`` when `policies` has no such log.
    @discardableResult
    public func followOnFirstUse(url: String, policies: [String: TlogPolicy]) async throws(MirrorError) -> MirroredLogRecord {
        let client = try TileLogClient(prefix: url, timeout: timeout, fetcher: fetcher)
        let origin = try await client.checkpoint().checkpoint.origin
        guard let policy = policies[origin] else {
            throw MirrorError(
                .unlistedOrigin,
                "the keys published for \(client.source) list no log '\(origin)' (they list: \(policies.keys.sorted().joined(separator: ", ")))",
                url: client.source)
        }
        return try await addLog(url: url, policy: policy, origin: origin)
    }
}
