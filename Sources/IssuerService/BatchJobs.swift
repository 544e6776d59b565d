import Accounts
import Certificates
import Foundation
import Issuance

/// CSV batches a supervisor started: their progress, per-row problems and the
/// serials issued. Kept in memory (the certificates themselves are in the
/// database the moment each is acknowledged; a restart only loses the
/// progress view, never a certificate).
public actor BatchJobs {
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
        public var failures: [RowFailure] = []
        public var finishedAt: Date?
        public var done: Int { issued.count + failures.count }
        public var ratePerSecond: Double? {
            finishedAt.map { Double(issued.count) / max($0.timeIntervalSince(startedAt), 0.001) }
        }
    }

    private var jobs: [String: Job] = [:]

    public init() {}

    public func job(_ id: String) -> Job? { jobs[id] }

    func create(kind: String, owner: String, fileName: String, total: Int) -> String {
        let id = AccountStore.randomToken(bytes: 12)
        jobs[id] = Job(id: id, kind: kind, owner: owner, fileName: fileName, total: total, startedAt: Date())
        return id
    }

    func issued(_ id: String, serial: String) { jobs[id]?.issued.append(serial) }
    func failed(_ id: String, _ failure: RowFailure) { jobs[id]?.failures.append(failure) }
    func finish(_ id: String) { jobs[id]?.finishedAt = Date() }

    /// Issues every row, 64 at a time so they share log batches; a bad row is
    /// recorded with its line number and the others go on.
    func run(_ id: String, rows: [(line: Int, values: [String: InputValue])], kind: String, issuer: Issuer, actor: String, role: String, address: String?) async {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func submit() {
                guard next < rows.count else { return }
                let row = rows[next]
                next += 1
                group.addTask {
                    do {
                        let certificate = try await issuer.issue(kind: kind, input: row.values, issuedBy: actor) { db, serial, index in
                            try AuditTrail.record(in: db, actor: actor, role: role, action: "issue", target: serial, detail: "batch=\(id) line=\(row.line) kind=\(kind) log=\(index)", address: address)
                        }
                        await self.issued(id, serial: certificate.claims.serialText)
                    } catch let error as CertificateError {
                        await self.failed(id, RowFailure(line: row.line, problems: error.problems, message: error.problems.isEmpty ? error.reason : nil))
                    } catch {
                        await self.failed(id, RowFailure(line: row.line, problems: [], message: "\(error)"))
                    }
                }
            }
            for _ in 0..<min(64, rows.count) { submit() }
            while await group.next() != nil { submit() }
        }
        finish(id)
    }
}
