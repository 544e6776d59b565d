import Accounts
import AkashiCrypto
import Authority
import Certificates
import Foundation
import Issuance
import LogStore
import Logging
import Store

/// Everything a request handler needs, opened once when the service starts.
/// Immutable and `Sendable`: the mutable parts are actors or the database.
public struct ServiceState: Sendable {
    public let configuration: ServiceConfiguration
    public let directory: AuthorityDirectory
    public let registry: KindRegistry
    public let log: LogStore
    public let issuer: Issuer
    public let archive: CertificateArchive
    public let lifecycle: CertificateLifecycle
    public let statusCache: StatusCache
    public let tokenCache: TokenCache
    /// The trust file, made once at start (keys and kinds are loaded at start;
    /// key changes take effect on restart), not from the key files per request.
    public let trustFile: Data
    public let accounts: AccountStore
    public let audit: AuditTrail
    public let throttle: LoginGuard
    /// Binds login forms to this process (see `SessionRoutes.formToken`); a
    /// restart only makes open login forms ask again.
    let loginFormKey: [UInt8] = SecureRandom.bytes(32)
    public let batches: BatchJobs
    /// The witnesses' state for the dashboard (see ``WitnessReporting``).
    public let witnessing = WitnessReporting()
    /// Fresh subject secrets waiting for their certificate's first print.
    public let freshSecrets = FreshSubjectSecrets()
    public let logger: Logger

    /// Opens the authority's directory and store (taking the log writer's lock).
    public init(configuration: ServiceConfiguration, logger: Logger, bcryptCost: UInt8 = 12) async throws {
        self.configuration = configuration
        self.logger = logger
        let directory = try AuthorityDirectory(at: configuration.dataDirectory, location: configuration.store)
        self.directory = directory
        self.registry = try KindRegistry(directory: configuration.certsDirectory)
        let log = try await directory.openLog()
        self.log = log
        self.issuer = try Issuer(directory: directory, registry: registry, log: log)
        self.archive = CertificateArchive(log: log, registry: registry, verifierURL: directory.configuration.verifierURL)
        self.lifecycle = CertificateLifecycle(issuer: issuer, archive: archive)
        self.statusCache = StatusCache()
        self.tokenCache = TokenCache()
        self.trustFile = try TrustFile.export(directory: directory, registry: registry).encoded()
        self.accounts = AccountStore(store: log.store, bcryptCost: bcryptCost)
        self.audit = AuditTrail(store: log.store)
        self.throttle = LoginGuard()
        self.batches = BatchJobs()
    }

    /// The authority's display name, as printed on certificates.
    public var authorityName: String { directory.configuration.name }
}

/// The signed status list, rebuilt when the log has grown or it is an hour
/// old (verifiers call a list older than a week stale), not per request.
public actor StatusCache {
    private var cached: (size: UInt64, at: Date, bytes: [UInt8])?
    public init() {}

    public func current(_ lifecycle: CertificateLifecycle, now: Date = Date()) async throws -> [UInt8] {
        let size = await lifecycle.issuer.log.size
        if let cached, cached.size == size, now.timeIntervalSince(cached.at) < 3600 { return cached.bytes }
        let bytes = try await lifecycle.signedStatusList(at: now)
        cached = (size, now, bytes)
        return bytes
    }
}

/// API tokens recently checked, so a busy client costs one database read per
/// ten seconds, not one per request. Revoking through the service clears it at
/// once; a revocation from the CLI takes effect within `ttl`.
public actor TokenCache {
    public let ttl: TimeInterval
    private var entries: [[UInt8]: (token: APIToken, checked: Date)] = [:]

    public init(ttl: TimeInterval = 10) { self.ttl = ttl }

    public func token(secret: String, accounts: AccountStore, now: Date = Date()) async throws -> APIToken? {
        let key = SHA256.hash(Array(secret.utf8))
        if let hit = entries[key], now.timeIntervalSince(hit.checked) < ttl { return hit.token }
        guard let token = try await accounts.token(secret: secret) else {
            entries[key] = nil
            return nil
        }
        if entries.count > 10_000 { entries.removeAll() }
        entries[key] = (token, now)
        return token
    }

    public func clear() { entries.removeAll() }
}

/// One witness as the log last saw it, for the dashboard (the service does
/// not talk to witnesses itself: the log's cosigner does).
public struct WitnessHealth: Sendable, Hashable {
    public let name: String
    /// The size this witness last cosigned (0: not yet known).
    public let size: UInt64
    /// Why its last answer gave no cosignature; nil when it cosigned.
    public let lastError: String?

    public init(name: String, size: UInt64, lastError: String?) {
        self.name = name
        self.size = size
        self.lastError = lastError
    }
}

/// Where the dashboard reads the witnesses' state from: set by `akashi
/// serve` once the log's cosigner is attached; empty without witnesses.
public actor WitnessReporting {
    /// How the quorum reads for people, e.g. "2 of 3".
    public private(set) var quorum: String?
    private var source: (@Sendable () async -> [WitnessHealth])?

    public init() {}

    public func attach(quorum: String, _ source: @escaping @Sendable () async -> [WitnessHealth]) {
        self.quorum = quorum
        self.source = source
    }

    public func current() async -> [WitnessHealth]? {
        guard let source else { return nil }
        return await source()
    }
}
