import Certificates
import Store

/// One certificate to issue in a batch: the arguments of
/// ``Issuer/issue(kind:input:include:omit:subjectKeys:at:issuedBy:audit:)``.
public struct IssueRequest: Sendable {
    public var kind: String
    public var input: [String: InputValue]
    public var include: Set<String>
    public var omit: Set<String>
    public var subjectKeys: [[UInt8]]
    public var issuedBy: String?
    /// Runs inside the log's transaction (the service's audit row).
    /// The issuance's audit row (target: the new serial), committed with it.
    public var audit: AuditNote?

    public init(
        kind: String, input: [String: InputValue], include: Set<String> = [], omit: Set<String> = [], subjectKeys: [[UInt8]] = [],
        issuedBy: String? = nil, audit: AuditNote? = nil
    ) {
        self.kind = kind
        self.input = input
        self.include = include
        self.omit = omit
        self.subjectKeys = subjectKeys
        self.issuedBy = issuedBy
        self.audit = audit
    }
}

extension Issuer {
    /// How many certificates ``issue(_:concurrency:isolation:each:)`` keeps in
    /// flight: enough that they share the log's group-commit batches.
    public static let batchConcurrency = 64

    /// Issues every request, `concurrency` at a time, so they share log
    /// batches (one transaction and one checkpoint signature for each group
    /// commit instead of one per certificate). A failing request does not stop
    /// the others: `each` receives every outcome with its request's index, one
    /// at a time, in the order they finish, on the caller's actor (the next
    /// request starts before `each` runs). If `each` throws, no further
    /// request is started, those in flight are cancelled and awaited, and the
    /// error is rethrown.
    public func issue<Failure: Error>(
        _ requests: [IssueRequest], concurrency: Int = batchConcurrency, isolation: isolated (any Actor)? = #isolation,
        each: (_ index: Int, Result<IssuedCertificate, any Error>) async throws(Failure) -> Void
    ) async throws(Failure) {
        var failure: Failure?
        await withTaskGroup(of: (Int, Result<IssuedCertificate, any Error>).self) { group in
            var next = 0
            func submit() {
                guard next < requests.count else { return }
                let index = next
                let request = requests[index]
                next += 1
                group.addTask {
                    do {
                        return (
                            index,
                            .success(
                                try await self.issue(
                                    kind: request.kind, input: request.input, include: request.include, omit: request.omit,
                                    subjectKeys: request.subjectKeys, issuedBy: request.issuedBy, audit: request.audit))
                        )
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<min(max(concurrency, 1), requests.count) { submit() }
            while let (index, result) = await group.next() {
                submit()
                do throws(Failure) {
                    try await each(index, result)
                } catch {
                    failure = error
                    group.cancelAll()
                    break
                }
            }
        }
        if let failure { throw failure }
    }
}
