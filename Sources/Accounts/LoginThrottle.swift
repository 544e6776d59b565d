import Foundation

/// Login rate limiting, in memory: at most `maxFailures` failures per key in
/// `window`; then the key is locked until the oldest of those failures is
/// `window` old (a sliding window). Use one key per login and one per address
/// (e.g. `"login:tanaka"`, `"addr:192.0.2.1"`) and refuse when either is locked.
///
/// In memory only: a restart forgets the failures, which is acceptable for a
/// single-process server and keeps locked-out clerks from needing an admin.
public actor LoginThrottle {
    public let maxFailures: Int
    public let window: TimeInterval
    /// Failure times per key, oldest first, none older than `window` after pruning.
    private var failures: [String: [Date]] = [:]
    /// Above this many keys, stale ones are swept (bounds memory under a spray
    /// of random logins).
    private let sweepThreshold = 10_000

    public init(maxFailures: Int = 5, window: TimeInterval = 15 * 60) {
        precondition(maxFailures >= 1 && window > 0)
        self.maxFailures = maxFailures
        self.window = window
    }

    /// nil if `key` may try now; otherwise the seconds until it may.
    public func retryAfter(_ key: String, now: Date = Date()) -> TimeInterval? {
        guard let times = prune(key, now: now), times.count >= maxFailures else { return nil }
        let unlock = times[times.count - maxFailures].addingTimeInterval(window)
        let wait = unlock.timeIntervalSince(now)
        return wait > 0 ? wait : nil
    }

    public func failed(_ key: String, now: Date = Date()) {
        if failures.count >= sweepThreshold, failures[key] == nil { sweep(now: now) }
        var times = prune(key, now: now) ?? []
        times.append(now)
        // Only the newest maxFailures matter for the lock.
        if times.count > maxFailures { times.removeFirst(times.count - maxFailures) }
        failures[key] = times
    }

    public func succeeded(_ key: String) {
        failures[key] = nil
    }

    /// Drops failures older than the window; nil when none remain.
    private func prune(_ key: String, now: Date) -> [Date]? {
        guard var times = failures[key] else { return nil }
        times.removeAll { now.timeIntervalSince($0) >= window }
        failures[key] = times.isEmpty ? nil : times
        return times.isEmpty ? nil : times
    }

    private func sweep(now: Date) {
        failures = failures.filter { _, times in
            guard let newest = times.last else { return false }
            return now.timeIntervalSince(newest) < window
        }
    }
}

/// The login limits the service applies, three at once, so neither one
/// address can try many accounts nor many addresses one account:
///
/// - per name and address: `pairFailures` (5) in the window — the clerk who
///   mistypes is the usual case;
/// - per name, from any address: `nameFailures` (20) — a distributed guess at
///   one account (this lets a stranger lock an account for the window; a
///   supervisor can still sign in and the clerk waits, which beats an
///   unlimited guess);
/// - per address, for any names: `addressFailures` (50) — one machine spraying
///   many accounts.
///
/// A success clears the pair and the name (the person knew the password),
/// never the address: a valid account of one's own must not reset a spray.
public struct LoginGuard: Sendable {
    private let pair: LoginThrottle
    private let name: LoginThrottle
    private let address: LoginThrottle

    public init(pairFailures: Int = 5, nameFailures: Int = 20, addressFailures: Int = 50, window: TimeInterval = 15 * 60) {
        pair = LoginThrottle(maxFailures: pairFailures, window: window)
        name = LoginThrottle(maxFailures: nameFailures, window: window)
        address = LoginThrottle(maxFailures: addressFailures, window: window)
    }

    /// nil if this login from this address may be tried now; otherwise the
    /// seconds until it may (the longest of the three waits).
    public func retryAfter(login: String, address peer: String?, now: Date = Date()) async -> TimeInterval? {
        let waits = [
            await pair.retryAfter("\(login)|\(peer ?? "-")", now: now),
            await name.retryAfter(login, now: now),
            await address.retryAfter(peer ?? "-", now: now),
        ].compactMap { $0 }
        return waits.max()
    }

    public func failed(login: String, address peer: String?, now: Date = Date()) async {
        await pair.failed("\(login)|\(peer ?? "-")", now: now)
        await name.failed(login, now: now)
        await address.failed(peer ?? "-", now: now)
    }

    /// A login attempt that could never succeed (a malformed name) counts
    /// against the address only.
    public func failedMalformed(address peer: String?, now: Date = Date()) async {
        await address.failed(peer ?? "-", now: now)
    }

    public func succeeded(login: String, address peer: String?) async {
        await pair.succeeded("\(login)|\(peer ?? "-")")
        await name.succeeded(login)
    }
}
