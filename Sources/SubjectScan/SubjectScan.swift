import AkashiCrypto
import Certificates
import Foundation
import Mirror
import TransparencyLog

/// A resident's search of one authority's log for every certificate bound to
/// their key (docs/spec/subject-transparency.md §5): verify the checkpoint,
/// download every entry, recompute the root the witnesses cosigned — the
/// proof that nothing was left out — and test every subject line with the
/// secret. Runs against the authority's tiles or any mirror's copy.
public struct SubjectScan: Sendable {
    public struct Found: Sendable, Hashable, Encodable {
        public enum State: String, Sendable, Encodable { case valid, revoked, superseded }
        public let index: UInt64
        public let kind: String
        public let issuedAt: Int64
        public let serial: String
        /// Which subject of the certificate (0: the first; a partnership's second declarant is 1).
        public let role: Int
        public var state: State = .valid
        public var reason: String?
        public var successorIndex: UInt64?
    }

    public struct Result: Sendable {
        public let checkpoint: SignedCheckpoint
        /// The verified witnesses, when a policy was given; nil when the
        /// checkpoint's signatures were not checked (no trust file).
        public let verified: TlogPolicy.Verified?
        public let certificates: [Found]
        public let entriesScanned: UInt64
        public let subjectLinesTested: Int
        public let bytesDownloaded: Int
    }

    public struct ScanError: Error, Sendable, CustomStringConvertible {
        public enum Code: Sendable { case unverifiedCheckpoint, rootMismatch, malformedEntry, source }
        public let code: Code
        public let reason: String
        public var description: String { reason }
    }

    public let client: TileLogClient
    public let policy: TlogPolicy?
    public let secret: [UInt8]
    let key: X25519.Secret?
    /// Entry bundles fetched and tested at once.
    public var concurrency = 8

    public init(client: TileLogClient, policy: TlogPolicy?, secret: [UInt8]) {
        self.client = client
        self.policy = policy
        self.secret = secret
        self.key = try? X25519.Secret(secret)
    }

    /// What one entry bundle contributes: its leaf hashes in order, the
    /// resident's certificates, the lifecycle entries, and its size.
    struct BundleOutcome: Sendable {
        var leafHashes: [[UInt8]] = []
        var found: [Found] = []
        var lifecycle: [(target: UInt64, entry: LogEntry)] = []
        var lines = 0
        var bytes = 0
    }

    public func run() async throws -> Result {
        let signed: SignedCheckpoint
        do { signed = try await client.checkpoint() } catch { throw ScanError(code: .source, reason: error.reason) }
        var verified: TlogPolicy.Verified? = nil
        if let policy {
            do { verified = try policy.verify(signed) } catch {
                throw ScanError(code: .unverifiedCheckpoint, reason: "the checkpoint does not verify with the trust file: \(error.reason)")
            }
        }
        let size = signed.checkpoint.size
        let width = UInt64(Tiles.width)
        let bundles = (size + width - 1) / width
        var hasher = StreamingTreeHasher()
        var found: [Found] = []
        var lifecycle: [(target: UInt64, entry: LogEntry)] = []
        var lines = 0, bytes = signed.note.serialized.utf8.count
        var next: UInt64 = 0
        // A window of bundles in flight; results folded in order.
        while next < bundles {
            let window = min(UInt64(concurrency), bundles - next)
            let outcomes = try await withThrowingTaskGroup(of: (UInt64, BundleOutcome).self) { group in
                for b in next..<(next + window) {
                    let count = Int(min(width, size - b * width))
                    group.addTask { (b, try await self.bundle(b, count: count)) }
                }
                var out: [UInt64: BundleOutcome] = [:]
                for try await (b, outcome) in group { out[b] = outcome }
                return out
            }
            for b in next..<(next + window) {
                let outcome = outcomes[b]!
                for hash in outcome.leafHashes { hasher.append(leafHash: hash) }
                found += outcome.found
                lifecycle += outcome.lifecycle
                lines += outcome.lines
                bytes += outcome.bytes
            }
            next += window
        }
        guard hasher.rootHash == signed.checkpoint.rootHash else {
            throw ScanError(
                code: .rootMismatch, reason: "the \(size) entries downloaded do not hash to the checkpoint's root: the source left out or changed entries")
        }
        // Later entries that name a found certificate give its state.
        for (target, entry) in lifecycle {
            guard let i = found.firstIndex(where: { $0.index == target }) else { continue }
            switch entry {
            case .revocation(_, _, let reason, _):
                found[i].state = .revoked
                found[i].reason = reason.rawValue
            case .supersession(_, _, let successor, _):
                found[i].state = .superseded
                found[i].successorIndex = successor
            default: break
            }
        }
        return Result(checkpoint: signed, verified: verified, certificates: found, entriesScanned: size, subjectLinesTested: lines, bytesDownloaded: bytes)
    }

    func bundle(_ b: UInt64, count: Int) async throws -> BundleOutcome {
        let entries: [[UInt8]]
        do { entries = try await client.entryBundle(index: b, width: count) } catch { throw ScanError(code: .source, reason: error.reason) }
        var outcome = BundleOutcome()
        for (offset, bytes) in entries.enumerated() {
            let index = b * UInt64(Tiles.width) + UInt64(offset)
            outcome.leafHashes.append(Merkle.leafHash(bytes))
            outcome.bytes += 2 + bytes.count
            let entry: LogEntry
            do { entry = try LogEntry(parsing: bytes) } catch {
                throw ScanError(code: .malformedEntry, reason: "entry \(index) is not a canonical log entry: \(error.reason)")
            }
            switch entry {
            case .certificate(_, let kind, let issuedAt, let subjects):
                for (role, line) in subjects.enumerated() {
                    outcome.lines += 1
                    if let key, let serial = SubjectLines.open(line, key: key) {
                        outcome.found.append(Found(index: index, kind: kind, issuedAt: issuedAt, serial: Serial.text(serial), role: role))
                    }
                }
            case .revocation(_, let target, _, _), .supersession(_, let target, _, _):
                outcome.lifecycle.append((target, entry))
            case .document:
                break
            }
        }
        return outcome
    }
}
