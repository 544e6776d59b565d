import Accounts
import Certificates
import Foundation
import Issuance
import Store

/// CSV batches a supervisor started: their progress, per-row problems and the
/// serials issued. Kept in memory (the certificates themselves are in the
/// database the moment each is acknowledged; a restart only loses the
/// progress view, never a certificate).
///
/// Everything kept is bounded, because a batch's input comes from outside:
/// rows per batch (``Limits/maxRows``), batches running at once, batches
/// kept, how long a finished batch is kept, and the failed rows kept in detail
/// (beyond ``Limits/keptFailures`` only the count grows). Without the bounds
/// three uploads of 10 MB of bad rows grew the server by 1.4 GB.
public actor BatchJobs {
    public struct Limits: Sendable {
        /// Data rows one upload may hold.
        public var maxRows = 20_000
        /// Batches issuing at the same time (each runs `Issuer.batchConcurrency` rows at once).
        public var maxRunning = 4
        /// Batches kept for their progress and print views.
        public var maxKept = 200
        /// How long a finished batch stays viewable.
        public var keepFinished: TimeInterval = 24 * 3600
        /// Failed rows kept with their problems; later ones are only counted.
        public var keptFailures = 1_000
        /// A failure message is cut to this many Unicode scalars.
        public var maxMessageLength = 300

        public init() {}
    }

    public struct RowFailure: Sendable {
        public let line: Int
        public let problems: [FieldProblem]
        public let message: String?
    }

    public struct Job: Sendable {
        public let id: String
        public let kind: String
        public let owner: String
        public let fileName: String
        public let total: Int
        public let startedAt: Date
        public var issued: [String] = []
        /// The first ``Limits/keptFailures`` failed rows, in line order once finished.
        public var failures: [RowFailure] = []
        /// Every failed row, kept in detail or not.
        public var failedCount = 0
        public var finishedAt: Date?
        public var done: Int { issued.count + failedCount }
        /// Failed rows counted but not kept in detail.
        public var failuresNotKept: Int { failedCount - failures.count }
        public var ratePerSecond: Double? {
            finishedAt.map { Double(issued.count) / max($0.timeIntervalSince(startedAt), 0.001) }
        }
    }

    /// Why a batch cannot start now.
    public enum Refusal: Error, Sendable, Equatable {
        case tooManyRows(limit: Int)
        case busy(running: Int)
    }

    public let limits: Limits
    private var jobs: [String: Job] = [:]

    public init(limits: Limits = Limits()) { self.limits = limits }

    public func job(_ id: String) -> Job? {
        expire(now: Date())
        return jobs[id]
    }

    public var count: Int { jobs.count }

    /// Registers a batch of `total` rows, or says why it cannot start.
    func create(kind: String, owner: String, fileName: String, total: Int, now: Date = Date()) throws(Refusal) -> String {
        guard total <= limits.maxRows else { throw .tooManyRows(limit: limits.maxRows) }
        expire(now: now)
        let running = jobs.values.filter { $0.finishedAt == nil }.count
        guard running < limits.maxRunning else { throw .busy(running: running) }
        // Room for the new one: the oldest finished batches go first; running
        // ones are never dropped (maxRunning < maxKept).
        while jobs.count >= limits.maxKept,
            let oldest = jobs.values.filter({ $0.finishedAt != nil }).min(by: { $0.finishedAt! < $1.finishedAt! })
        {
            jobs[oldest.id] = nil
        }
        let id = AccountStore.randomToken(bytes: 12)
        jobs[id] = Job(id: id, kind: kind, owner: owner, fileName: fileName, total: total, startedAt: now)
        return id
    }

    /// Drops finished batches older than ``Limits/keepFinished``.
    func expire(now: Date) {
        for (id, job) in jobs {
            if let finished = job.finishedAt, now.timeIntervalSince(finished) > limits.keepFinished { jobs[id] = nil }
        }
    }

    func issued(_ id: String, serial: String) { jobs[id]?.issued.append(serial) }

    func failed(_ id: String, _ failure: RowFailure) {
        guard var job = jobs[id] else { return }
        job.failedCount += 1
        if job.failures.count < limits.keptFailures {
            let message = failure.message.map { m in
                m.unicodeScalars.count <= limits.maxMessageLength ? m : String(String.UnicodeScalarView(m.unicodeScalars.prefix(limits.maxMessageLength))) + "…"
            }
            job.failures.append(RowFailure(line: failure.line, problems: failure.problems, message: message))
        }
        jobs[id] = job
    }

    func finish(_ id: String, now: Date = Date()) {
        jobs[id]?.failures.sort { $0.line < $1.line }
        jobs[id]?.finishedAt = now
    }

    /// Issues every row, ``Issuer/batchConcurrency`` at a time so they share
    /// log batches; a bad row is recorded with its line number and the others go on.
    func run(_ id: String, rows: [(line: Int, values: [String: InputValue])], kind: String, issuer: Issuer, actor: String, role: String, address: String?) async
    {
        let requests = rows.map { row in
            IssueRequest(
                kind: kind, input: row.values, issuedBy: actor,
                audit: AuditNote(actor: actor, role: role, action: "issue", detail: "batch=\(id) line=\(row.line) kind=\(kind)", address: address, at: Date()))
        }
        await issuer.issue(requests) { i, result in
            switch result {
            case .success(let certificate):
                issued(id, serial: certificate.claims.serialText)
            case .failure(let error as CertificateError):
                failed(id, RowFailure(line: rows[i].line, problems: error.problems, message: error.problems.isEmpty ? error.reason : nil))
            case .failure(let error):
                failed(id, RowFailure(line: rows[i].line, problems: [], message: "\(error)"))
            }
        }
        finish(id)
    }
}
