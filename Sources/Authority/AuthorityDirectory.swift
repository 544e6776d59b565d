import AkashiCrypto
import Foundation
import LogStore
import Logging
import Store
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// The configuration an authority (a municipality, or a successor body that
/// issues for a closed school) keeps in `config.json`.
public struct AuthorityConfiguration: Codable, Hashable, Sendable {
    public static let currentFormat = "akashi-authority/v1"

    public var format: String
    /// The log origin: a schema-less URL such as `iizuka.example/akashi/log`.
    public var origin: String
    /// The authority's name as printed (e.g. 飯塚市).
    public var name: String
    /// 全国地方公共団体コード, the certificate issuer id.
    public var code: String
    /// Where the static verifier lives; QR codes link there.
    public var verifierURL: String?
    public var createdAt: Date
    /// The certificate signing keys (ES256), newest last; files in `keys/`.
    public var issuerKeys: [IssuerKeyRecord]?
    /// Neighbouring authorities that cosign this log's checkpoints (c2sp.org/tlog-witness).
    public var witnesses: [WitnessRecord]?
    /// How many distinct witnesses must cosign before a checkpoint is published.
    public var witnessQuorum: Int?
    /// A hand-written c2sp.org/tlog-policy (groups, thresholds) that replaces
    /// `witnesses` + `witnessQuorum`: its `witness` lines carry the URLs the
    /// log asks, its quorum is what must cosign before publishing.
    public var witnessPolicy: String?
    /// The largest QR code version (level M) this authority prints; a
    /// certificate whose QR would be larger is refused before it is signed.
    /// nil: ``AuthorityConfiguration/defaultMaxQRVersion``.
    public var maxQRVersion: Int?

    /// 30-M: 137 × 137 modules, 0.44 mm per module in the 60 mm square the
    /// A4 page prints — what phone cameras and counter scanners read
    /// reliably from paper. (27 until subject keys, docs/spec/subject-transparency.md,
    /// added 36 bytes per person: at 27 a graduation certificate no longer fit
    /// the worst-case proof of a 10^5-entry log.)
    public static let defaultMaxQRVersion = 30

    /// How many witness cosignatures a published checkpoint carries at most
    /// (the quorum for k of n; every witness for a hand-written policy).
    public var maxCosignatures: Int {
        guard let witnesses, !witnesses.isEmpty else { return 0 }
        if witnessPolicy == nil, let witnessQuorum { return min(witnessQuorum, witnesses.count) }
        return witnesses.count
    }

    public init(origin: String, name: String, code: String, verifierURL: String?, createdAt: Date = Date()) {
        self.format = Self.currentFormat
        self.origin = origin
        self.name = name
        self.code = code
        self.verifierURL = verifierURL
        self.createdAt = createdAt
    }
}

/// A witness of this log: its verifier key (name = the witness's name) and where to reach it.
public struct WitnessRecord: Codable, Hashable, Sendable {
    public var vkey: String
    /// The witness's submission prefix (`POST <url>/add-checkpoint`).
    public var url: String

    public init(vkey: String, url: String) {
        self.vkey = vkey
        self.url = url
    }
}

/// One ES256 certificate key: its file in `keys/` and its validity window.
public struct IssuerKeyRecord: Codable, Hashable, Sendable {
    public var file: String
    public var notBefore: Date
    public var notAfter: Date?
    /// `active`, `retired` or `compromised`.
    public var status: String
    public var compromisedAt: Date?
    /// Certificates logged at or after this index are invalid (see IssuerKey).
    public var compromisedFromLogIndex: UInt64?

    public init(file: String, notBefore: Date, notAfter: Date? = nil, status: String = "active") {
        self.file = file
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.status = status
    }
}

/// An authority's data directory:
///
///     DIR/config.json      configuration (public)
///     DIR/keys/log.key     the log's Ed25519 note key (mode 0600)
///     DIR/keys/issuer-1.pem the certificate ES256 key, PKCS#8 PEM (mode 0600)
///     DIR/akashi.sqlite    the log and the issuer's records (WAL)
///
/// Keys are created 0600 inside a 0700 folder, and refused on open when group
/// or others can read them.
///
/// With a PostgreSQL database (``StoreLocation/database(_:)``, `akashi …
/// --database URL --keys DIR`) the folder is `DIR/<CODE>/`, laid out the same
/// without `akashi.sqlite`: the database holds the log, the records, staff,
/// tokens and the audit chain of the authority `CODE`. Its `authority` row's
/// configuration column gets the config.json bytes at `akashi init`, for
/// information only: the folder's `config.json` stays authoritative (key
/// rotations and witness changes update the file, not that column). No key
/// ever goes into the database.
public struct AuthorityDirectory: Sendable {
    public let url: URL
    public private(set) var configuration: AuthorityConfiguration
    /// Where the store is: `akashi.sqlite` here, or a PostgreSQL database.
    public let location: StoreLocation

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var keysURL: URL { url.appendingPathComponent("keys") }
    public var logKeyURL: URL { keysURL.appendingPathComponent("log.key") }
    public var databaseURL: URL { url.appendingPathComponent("akashi.sqlite") }

    static func configURL(_ dir: URL) -> URL { dir.appendingPathComponent("config.json") }

    /// Creates a new authority. Refuses to touch a directory that already has one.
    ///
    /// With ``StoreLocation/database(_:)``: migrates the database, refuses a
    /// code it holds already, registers the authority (its config.json bytes
    /// as the informational configuration) and starts its log there; the
    /// folder gets `config.json` and `keys/` only.
    public static func create(
        at url: URL, origin: String, name: String, code: String, verifierURL: String? = nil, location: StoreLocation = .file
    ) async throws -> AuthorityDirectory {
        guard SignedNote.isAkashiKeyName(origin), !origin.contains("://"), !origin.hasSuffix("/") else {
            throw AuthorityError(
                .invalidConfiguration,
                "the origin '\(origin)' must be a schema-less URL of at most 255 printable ASCII characters with no spaces, no '+' and no trailing slash, e.g. iizuka.example/akashi/log"
            )
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AuthorityError(.invalidConfiguration, "the authority name is empty; give the municipality's name, e.g. --name 飯塚市")
        }
        let code = try LocalGovernmentCode(code)
        if let verifierURL {
            // docs/spec/qr-text.md §1.1: printable ASCII, no '#' (the fragment is the payload).
            guard let parsed = URL(string: verifierURL), ["https", "http"].contains(parsed.scheme ?? ""), parsed.host != nil,
                verifierURL.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != 0x23 })
            else {
                throw AuthorityError(
                    .invalidConfiguration,
                    "the verifier URL '\(verifierURL)' must be an http(s) URL of printable ASCII without '#' or spaces (the QR payload goes after '#')")
            }
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: configURL(url).path) || fm.fileExists(atPath: url.appendingPathComponent("akashi.sqlite").path) {
            throw AuthorityError(.alreadyExists, "\(url.path) already holds an authority; refusing to overwrite it (choose another --data directory)")
        }
        var configuration = AuthorityConfiguration(origin: origin, name: name, code: code.digits, verifierURL: verifierURL)
        configuration.issuerKeys = [IssuerKeyRecord(file: "issuer-1.pem", notBefore: configuration.createdAt)]
        let directory = AuthorityDirectory(url: url, configuration: configuration, location: location)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let configurationData = try encoder.encode(configuration)
        if case .database(let database) = location {
            try await database.migrate()
            if try await database.authorityCodes().contains(code.digits) {
                throw AuthorityError(.alreadyExists, "the database \(database.target) already holds the authority \(code.digits); refusing to overwrite it")
            }
        }
        do {
            // Residents' data and password hashes live here: 0700 whatever the
            // umask (and also when the folder already existed, empty).
            try fm.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard chmod(url.path, 0o700) == 0 else {
                throw AuthorityError(.io, "cannot make \(url.path) private (chmod 700): \(String(cString: strerror(errno)))")
            }
            try fm.createDirectory(at: directory.keysURL, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AuthorityError(.io, "cannot create \(url.path): \(error.localizedDescription)")
        }
        let signer = try Ed25519NoteSigner(name: origin, privateKey: Ed25519.PrivateKey())
        try writeSecret(signer.privateKeyText + "\n", to: directory.logKeyURL)
        try writeSecret(try P256.PrivateKey().pemRepresentation, to: directory.keysURL.appendingPathComponent("issuer-1.pem"))
        switch location {
        case .file:
            try await LogStore.create(path: directory.databaseURL.path, authority: code.digits, signer: signer, origin: origin).close()
            try directory.makeDatabasePrivate()
        case .database(let database):
            try await database.translating {
                do {
                    try await database.database.addAuthority(code: code.digits, configuration: Array(configurationData))
                } catch let error as StoreError where error.code == .duplicate {
                    throw AuthorityError(.alreadyExists, "the database \(database.target) already holds the authority \(code.digits); refusing to overwrite it")
                }
                try await LogStore.create(store: database.database.store(authority: code.digits), signer: signer, origin: origin).close()
            }
        }
        // The configuration goes last: its presence marks a complete directory.
        try write(configurationData, to: directory.configURL, mode: 0o644)
        return directory
    }

    /// Opens an existing authority directory; its store is `akashi.sqlite`
    /// there, or the rows of its code in `location`'s database.
    public init(at url: URL, location: StoreLocation = .file) throws {
        let configURL = Self.configURL(url)
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw AuthorityError(.notFound, "no authority at \(url.path) (config.json missing); create one with `akashi init --data \(url.path) ...`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let configuration: AuthorityConfiguration
        do {
            configuration = try decoder.decode(AuthorityConfiguration.self, from: data)
        } catch {
            throw AuthorityError(.invalidConfiguration, "\(configURL.path) is not a valid Akashi configuration: \(error)")
        }
        guard configuration.format == AuthorityConfiguration.currentFormat else {
            throw AuthorityError(
                .invalidConfiguration, "\(configURL.path) has format '\(configuration.format)'; this version reads \(AuthorityConfiguration.currentFormat)")
        }
        self.init(url: url, configuration: configuration, location: location)
    }

    private init(url: URL, configuration: AuthorityConfiguration, location: StoreLocation) {
        self.url = url
        self.configuration = configuration
        self.location = location
    }

    /// The authority `code` (nil: the database's only one) of a PostgreSQL
    /// database, its folder `keys/<CODE>/` (config.json and keys).
    public static func open(database: AuthorityDatabase, keys: URL, authority code: String?) async throws -> AuthorityDirectory {
        let code = try await database.resolve(authority: code)
        let folder = keys.appendingPathComponent(code)
        guard FileManager.default.fileExists(atPath: configURL(folder).path) else {
            throw AuthorityError(
                .notFound,
                "the authority \(code) is in the database \(database.target) but its folder \(folder.path) (config.json, keys/) is missing; give the --keys DIR it was created with (or restore it from the key backup)"
            )
        }
        let directory = try AuthorityDirectory(at: folder, location: .database(database))
        guard directory.configuration.code == code else {
            throw AuthorityError(.invalidConfiguration, "\(folder.path)/config.json is for the authority \(directory.configuration.code), not \(code)")
        }
        return directory
    }

    /// Ends what opening the store started: the PostgreSQL pool's task (nothing for the SQLite file).
    public func close() {
        if case .database(let database) = location { database.close() }
    }

    // MARK: Key rotation

    /// Adds a new issuer key (0600), which signs from now on. Older keys stay
    /// in the trust file, so certificates they signed stay valid.
    public mutating func rotateIssuerKey(at date: Date = Date()) throws -> IssuerKeyRecord {
        var records = configuration.issuerKeys ?? []
        let number = (records.compactMap { Int($0.file.dropFirst("issuer-".count).dropLast(".pem".count)) }.max() ?? 0) + 1
        let record = IssuerKeyRecord(file: "issuer-\(number).pem", notBefore: date)
        try Self.writeSecret(try P256.PrivateKey().pemRepresentation, to: keysURL.appendingPathComponent(record.file))
        records.append(record)
        try save { $0.issuerKeys = records }
        return record
    }

    /// Adds (or replaces, by name) a witness and sets the quorum.
    public mutating func setWitness(_ record: WitnessRecord, quorum: Int? = nil) throws {
        let key = try VerifierKey(parsing: record.vkey)
        guard let url = URL(string: record.url), ["http", "https"].contains(url.scheme ?? "") else {
            throw AuthorityError(.invalidConfiguration, "the witness URL '\(record.url)' must be an http(s) URL")
        }
        var witnesses = configuration.witnesses ?? []
        witnesses.removeAll { (try? VerifierKey(parsing: $0.vkey))?.name == key.name }
        witnesses.append(record)
        let k = quorum ?? configuration.witnessQuorum ?? witnesses.count
        guard k >= 0, k <= witnesses.count else {
            throw AuthorityError(.invalidConfiguration, "the quorum \(k) must be between 0 and the number of witnesses (\(witnesses.count))")
        }
        try save {
            $0.witnesses = witnesses
            $0.witnessQuorum = k
        }
    }

    /// Removes a witness by its name (the vkey's name); the quorum shrinks to fit.
    public mutating func removeWitness(named name: String) throws {
        var witnesses = configuration.witnesses ?? []
        let before = witnesses.count
        witnesses.removeAll { (try? VerifierKey(parsing: $0.vkey))?.name == name }
        guard witnesses.count < before else {
            throw AuthorityError(.notFound, "no witness named \(name)")
        }
        try save {
            $0.witnesses = witnesses.isEmpty ? nil : witnesses
            $0.witnessQuorum = witnesses.isEmpty ? nil : min($0.witnessQuorum ?? witnesses.count, witnesses.count)
        }
    }

    /// Sets (or with nil, removes) a hand-written tlog-policy. It must list
    /// exactly this log's key, and every witness needs a URL to be asked.
    public mutating func setWitnessPolicy(_ text: String?) throws {
        if let text {
            let policy: TlogPolicy
            do { policy = try TlogPolicy(parsing: text) } catch {
                throw AuthorityError(.invalidConfiguration, "the tlog-policy is invalid: \(error)")
            }
            try checkOwnLog(policy)
            if let unreachable = policy.witnesses.first(where: { $0.url == nil }) {
                throw AuthorityError(
                    .invalidConfiguration,
                    "witness \(unreachable.name) has no URL; the log must know where to ask it (witness <name> <vkey> <url>)")
            }
        }
        try save { $0.witnessPolicy = text }
    }

    private func checkOwnLog(_ policy: TlogPolicy) throws {
        let own = try logVerifierKey()
        guard policy.logs.count == 1, policy.logs[0].key == own else {
            throw AuthorityError(
                .invalidConfiguration,
                "the tlog-policy must list exactly one log, this authority's: log \(own)")
        }
    }

    /// The rule checkpoints are published under, as a c2sp.org/tlog-policy
    /// (witness URLs included), or nil when the log has no witnesses.
    /// The hand-written policy when there is one; otherwise the witnesses
    /// as a group with threshold `witnessQuorum` (all of them by default).
    public func witnessPolicy() throws -> TlogPolicy? {
        if let text = configuration.witnessPolicy {
            let policy: TlogPolicy
            do { policy = try TlogPolicy(parsing: text) } catch {
                throw AuthorityError(.invalidConfiguration, "config.json: witnessPolicy is invalid: \(error)")
            }
            try checkOwnLog(policy)
            return policy.quorum == TlogPolicy.none && policy.witnesses.isEmpty ? nil : policy
        }
        let records = configuration.witnesses ?? []
        guard !records.isEmpty else { return nil }
        let quorum = configuration.witnessQuorum ?? records.count
        guard quorum > 0 else { return nil }
        var definitions: [TlogPolicy.Definition] = []
        var names: [TlogPolicy.Name] = []
        for record in records {
            let key: VerifierKey
            do { key = try VerifierKey(parsing: record.vkey) } catch {
                throw AuthorityError(.invalidConfiguration, "config.json: witness vkey \(record.vkey) is invalid: \(error)")
            }
            let name = TlogPolicy.Name(key.name)
            names.append(name)
            definitions.append(.witness(TlogPolicy.Witness(name: name, key: key, url: TlogPolicy.Token(record.url))))
        }
        var group: TlogPolicy.Name = "quorum"
        var n = 2
        while names.contains(group) {
            group = TlogPolicy.Name("quorum-\(n)")
            n += 1
        }
        definitions.append(.group(TlogPolicy.Group(name: group, threshold: .atLeast(quorum), members: names)))
        do {
            return try TlogPolicy(logs: [TlogPolicy.Log(key: try logVerifierKey())], definitions: definitions, quorum: group)
        } catch {
            throw AuthorityError(.invalidConfiguration, "config.json: the witnesses do not form a valid policy: \(error)")
        }
    }

    /// Sets how many witnesses must cosign (0 disables witnessing).
    public mutating func setWitnessQuorum(_ k: Int) throws {
        let n = configuration.witnesses?.count ?? 0
        guard k >= 0, k <= n else {
            throw AuthorityError(.invalidConfiguration, "the quorum \(k) must be between 0 and the number of witnesses (\(n))")
        }
        try save { $0.witnessQuorum = k }
    }

    /// Retires a key: it signs nothing issued after `date`; what it signed before stays valid.
    public mutating func retireIssuerKey(file: String, at date: Date = Date()) throws {
        try updateKey(file) { record in
            guard record.status == "active" else {
                throw AuthorityError(.invalidConfiguration, "\(file) is \(record.status), not active")
            }
            record.status = "retired"
            record.notAfter = date
        }
        guard configuration.issuerKeys?.contains(where: { $0.status == "active" }) == true else {
            throw AuthorityError(.invalidConfiguration, "no active issuer key is left; run `akashi key rotate` first")
        }
    }

    /// Declares a key compromised from `since`: certificates logged from
    /// `fromLogIndex` on are invalid, earlier ones stay valid.
    public mutating func declareCompromised(file: String, since: Date, fromLogIndex: UInt64) throws {
        try updateKey(file) { record in
            record.status = "compromised"
            record.compromisedAt = since
            record.compromisedFromLogIndex = fromLogIndex
            record.notAfter = min(record.notAfter ?? since, since)
        }
    }

    private mutating func updateKey(_ file: String, _ change: (inout IssuerKeyRecord) throws -> Void) throws {
        guard var records = configuration.issuerKeys, let i = records.firstIndex(where: { $0.file == file }) else {
            let files = (configuration.issuerKeys ?? []).map(\.file).joined(separator: ", ")
            throw AuthorityError(.notFound, "no issuer key \(file); keys: \(files)")
        }
        try change(&records[i])
        try save { $0.issuerKeys = records }
    }

    /// Rewrites config.json atomically (temporary file, fsync, rename).
    private mutating func save(_ change: (inout AuthorityConfiguration) -> Void) throws {
        var updated = configuration
        change(&updated)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let temporary = url.appendingPathComponent("config.json.tmp")
        try? FileManager.default.removeItem(at: temporary)
        try Self.write(try encoder.encode(updated), to: temporary, mode: 0o644)
        guard rename(temporary.path, configURL.path) == 0 else {
            throw AuthorityError(.io, "cannot replace \(configURL.path): \(String(cString: strerror(errno)))")
        }
        configuration = updated
    }

    /// The log's signing key. Refuses a key file others can read.
    public func logSigner() throws -> Ed25519NoteSigner {
        let text = try Self.readSecret(logKeyURL)
        let signer = try Ed25519NoteSigner(parsingPrivateKey: text)
        guard signer.name == configuration.origin else {
            throw AuthorityError(.invalidConfiguration, "keys/log.key is for '\(signer.name)', but the origin is '\(configuration.origin)'")
        }
        return signer
    }

    /// The current certificate signing key and its record.
    public func issuerKey() throws -> (key: P256.PrivateKey, record: IssuerKeyRecord) {
        guard let record = configuration.issuerKeys?.last(where: { $0.status == "active" }) else {
            throw AuthorityError(.invalidConfiguration, "config.json lists no active issuer key")
        }
        return (try P256.PrivateKey(pemRepresentation: Self.readSecret(keysURL.appendingPathComponent(record.file))), record)
    }

    /// Every certificate key's public half with its record, for the trust file.
    public func issuerPublicKeys() throws -> [(key: P256.PublicKey, record: IssuerKeyRecord)] {
        try (configuration.issuerKeys ?? []).map { record in
            (try P256.PrivateKey(pemRepresentation: Self.readSecret(keysURL.appendingPathComponent(record.file))).publicKey, record)
        }
    }

    /// The log's verifier key, derived from the private key.
    public func logVerifierKey() throws -> VerifierKey { try logSigner().verifierKey }

    /// Opens the log for appending. On the SQLite file it holds the writer's
    /// lock until closed (one `akashi serve` per file); on a PostgreSQL
    /// database it takes the sequencer for each batch
    /// (``LogStore/Sequencing/perBatch``), so two `akashi serve` nodes and the
    /// CLI append to one log side by side and one goes on when another dies.
    /// Refuses a data directory or database that other users can read.
    public func openLog(logger: Logger = Logger(label: "akashi.log")) async throws -> LogStore {
        try checkPrivate()
        switch location {
        case .file:
            return try await LogStore.open(path: databaseURL.path, authority: configuration.code, signer: logSigner(), logger: logger)
        case .database(let database):
            let signer = try logSigner()
            return try await database.translating {
                // Many nodes on one database: the sequencer is taken for each batch.
                try await LogStore.open(
                    store: database.database.store(authority: configuration.code), signer: signer, sequencing: .perBatch, logger: logger)
            }
        }
    }

    /// Opens the log for reading only (the same privacy check).
    public func openLogReadOnly() async throws -> LogStore {
        try checkPrivate()
        switch location {
        case .file:
            return try await LogStore.openReadOnly(path: databaseURL.path, authority: configuration.code)
        case .database(let database):
            return try await database.translating { try await LogStore.reader(store: database.database.store(authority: configuration.code)) }
        }
    }

    /// The authority's store (`akashi.sqlite`) without the log's sequencer —
    /// for staff, tokens, the audit trail and the private record, which the
    /// admin commands change while `akashi serve` runs (SQLite serializes
    /// their short transactions). The same privacy check as ``openLog(logger:)``.
    /// With a PostgreSQL database: the authority's ``PostgresStore`` (writers
    /// are serialized by the database's advisory locks).
    public func openStore() throws -> any AuthorityStore {
        switch location {
        case .file:
            try checkPrivate()
            return try SQLiteStore.open(path: databaseURL.path, authority: configuration.code)
        case .database(let database):
            return database.database.store(authority: configuration.code)
        }
    }

    /// Sets `akashi.sqlite`, `-wal` and `-shm` to 0600 after SQLite created
    /// them (with the umask's mode, inside the 0700 directory, so nobody else
    /// could reach them meanwhile). SQLite gives later `-wal`/`-shm` files the
    /// database file's mode, so they stay private.
    public func makeDatabasePrivate() throws {
        for path in [databaseURL.path, databaseURL.path + "-wal", databaseURL.path + "-shm"] where FileManager.default.fileExists(atPath: path) {
            guard chmod(path, 0o600) == 0 else { throw AuthorityError(.io, "cannot make \(path) private (chmod 600): \(String(cString: strerror(errno)))") }
        }
    }

    /// `akashi.sqlite` (with its `-wal` and `-shm`) must be 0600-like (`akashi
    /// init` also makes the data directory 0700): they hold residents' data and password
    /// hashes. Like the key files, a copy others can read is refused, with the
    /// command that fixes it.
    public func checkPrivate() throws {
        var info = stat()
        for path in [databaseURL.path, databaseURL.path + "-wal", databaseURL.path + "-shm"] {
            guard stat(path, &info) == 0 else { continue }
            guard info.st_mode & 0o077 == 0 else {
                throw AuthorityError(
                    .insecureKey,
                    "\(path) can be read by other users (mode \(String(info.st_mode & 0o777, radix: 8))); it holds residents' data and password hashes: fix it with: chmod 600 \(databaseURL.path)*"
                )
            }
        }
    }

    // MARK: Files

    /// Writes a secret with mode 0600 from the first byte (never world-readable, even briefly).
    public static func writeSecret(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url, mode: 0o600, exclusive: true)
    }

    static func write(_ data: Data, to url: URL, mode: mode_t, exclusive: Bool = false) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = Glibc.open(url.path, flags, mode)
        guard fd >= 0 else {
            throw AuthorityError(
                exclusive && errno == EEXIST ? .alreadyExists : .io,
                "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        _ = fchmod(fd, mode)
        let ok = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return fsync(fd) == 0
        }
        guard ok else { throw AuthorityError(.io, "cannot write \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Reads a secret, refusing it if its mode lets group or others read it.
    public static func readSecret(_ url: URL) throws -> String {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw AuthorityError(.notFound, "the key file \(url.path) is missing")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AuthorityError(
                .insecureKey,
                "\(url.path) can be read by other users (mode \(String(info.st_mode & 0o777, radix: 8))); fix it with: chmod 600 \(url.path)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AuthorityError(.io, "cannot read \(url.path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
