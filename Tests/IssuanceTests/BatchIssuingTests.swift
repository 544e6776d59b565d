import Authority
import Certificates
import Foundation
import Issuance
import LogStore
import Store
import Testing

/// `Issuer.issue(_:concurrency:each:)`: the one bounded-concurrency loop that
/// `akashi issue FILE.csv` and the service's CSV batches share.
@Suite("Issuing a batch, a bounded number at a time")
struct BatchIssuingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func makeIssuer() async throws -> (Issuer, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-batch-\(UUID().uuidString)")
        let directory = try await AuthorityDirectory.create(
            at: dir, origin: "iizuka.example/akashi/log", name: "飯塚市", code: "402052", verifierURL: "https://iizuka.example/akashi/verify/")
        let registry = try KindRegistry(directory: root.appendingPathComponent("certs"))
        return (try Issuer(directory: directory, registry: registry, log: await directory.openLog()), dir)
    }

    static func example(_ kind: String) throws -> [String: InputValue] {
        try JSONDecoder().decode([String: InputValue].self, from: Data(contentsOf: root.appendingPathComponent("certs/examples/\(kind).json")))
    }

    @Test("every request is answered once with its index; bad rows fail alone; the rows share log batches and commit each one's audit row")
    func batch() async throws {
        let (issuer, dir) = try await Self.makeIssuer()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Self.example("residence")
        var bad = good
        bad["myNumber"] = .string("123456789012")
        let requests = (0..<150).map { i in
            IssueRequest(
                kind: i % 50 == 7 ? "no-such-kind" : "residence", input: i % 50 == 9 ? bad : good, issuedBy: "clerk",
                audit: AuditNote(actor: "clerk", role: "clerk", action: "issue", detail: "batch line=\(i)", at: Date()))
        }
        var outcomes: [Int: Result<IssuedCertificate, any Error>] = [:]
        try await issuer.issue(requests, concurrency: 64) { index, result in
            #expect(outcomes[index] == nil, "request \(index) answered twice")
            outcomes[index] = result
        }
        #expect(outcomes.count == 150)
        let failed = outcomes.filter { if case .failure = $0.value { true } else { false } }.keys.sorted()
        #expect(failed == [7, 9, 57, 59, 107, 109])
        for index in failed {
            guard case .failure(let error) = outcomes[index] else { continue }
            let refusal = error as? CertificateError
            if index % 50 == 7 {
                #expect(refusal?.code == .unknownKind, "\(error)")
            } else {
                #expect(refusal?.problems.map(\.field) == ["myNumber"], "\(error)")
            }
        }
        let issued = outcomes.values.compactMap { try? $0.get() }
        #expect(Set(issued.map(\.receipt.index)) == Set(0..<144), "one log entry each")
        let audit = try await issuer.log.store.auditEvents(AuditFilter(action: "issue"), limit: 1000, offset: 0)
        #expect(Set(audit.compactMap(\.target)) == Set(issued.map(\.claims.serialText)), "each certificate's audit row committed with it")
        for event in audit {
            let index = issued.first { $0.claims.serialText == event.target }?.receipt.index
            #expect(event.detail?.hasSuffix(" log=\(index ?? 0)") == true, "the audit row names its entry: \(event.detail ?? "")")
        }
        #expect(try await issuer.log.checkpoints().count < issued.count, "concurrent rows share group commits")
    }

    @Test("when `each` throws, nothing more is started and the error comes back")
    func stopsOnError() async throws {
        struct Stop: Error {}
        let (issuer, dir) = try await Self.makeIssuer()
        defer { try? FileManager.default.removeItem(at: dir) }
        let requests = Array(repeating: IssueRequest(kind: "residence", input: try Self.example("residence")), count: 20)
        var answered = 0
        await #expect(throws: Stop.self) {
            try await issuer.issue(requests, concurrency: 2) { _, _ in
                answered += 1
                throw Stop()
            }
        }
        #expect(answered == 1)
        #expect(await issuer.log.size <= 3, "two in flight and the one started before `each` ran, no more")
    }

    @Test("an empty batch does nothing; a concurrency below 1 still issues")
    func edges() async throws {
        let (issuer, dir) = try await Self.makeIssuer()
        defer { try? FileManager.default.removeItem(at: dir) }
        await issuer.issue([]) { _, _ in Issue.record("nothing to answer") }
        var count = 0
        await issuer.issue([IssueRequest(kind: "residence", input: try Self.example("residence"))], concurrency: 0) { _, result in
            #expect((try? result.get()) != nil)
            count += 1
        }
        #expect(count == 1)
    }
}
