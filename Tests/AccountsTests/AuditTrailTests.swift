import AkashiCrypto
import Foundation
import Store
import Testing

@testable import Accounts

@Suite struct AuditTrailTests {
    /// A trail with `n` events, at 1 s intervals from 2025-04-01T00:00:00Z.
    func trail(_ n: Int, store: (any AuthorityStore)? = nil) async throws -> (AuditTrail, [AuditEvent]) {
        let trail = AuditTrail(store: try store ?? SQLiteStore.inMemory(authority: testAuthority))
        let start = Date(timeIntervalSince1970: 1_743_465_600)
        var events: [AuditEvent] = []
        for i in (1...max(n, 1)).prefix(n) {
            events.append(
                try await trail.record(
                    actor: "user:clerk\(i % 2)", role: "clerk", action: i % 2 == 0 ? "certificate.print" : "certificate.issue",
                    target: "serial-\(i)", detail: "kind=residence", address: "192.0.2.\(i)", at: start.addingTimeInterval(Double(i))))
        }
        return (trail, events)
    }

    /// What `verify()` reports for these rows (as if the store had returned them,
    /// oldest first): how the tests tamper with a chain without a database handle.
    func report(_ rows: [AuditEvent]) -> AuditTrail.ChainReport {
        var check = AuditTrail.ChainCheck()
        for row in rows { check.add(row) }
        return check.report
    }

    /// `event` with some fields changed and its stored hashes kept.
    func edited(
        _ e: AuditEvent, atMillis: Int64? = nil, actor: String? = nil, detail: String? = nil, hash: [UInt8]? = nil
    ) -> AuditEvent {
        AuditEvent(
            seq: e.seq, atMillis: atMillis ?? e.atMillis, actor: actor ?? e.actor, role: e.role, action: e.action, target: e.target,
            detail: detail ?? e.detail, address: e.address, previousHash: e.previousHash, hash: hash ?? e.hash)
    }

    @Test func eventsChain() async throws {
        let (trail, events) = try await trail(3)
        #expect(events.map(\.seq) == [1, 2, 3])
        #expect(events[0].previousHash == [UInt8](repeating: 0, count: 32))
        #expect(events[1].previousHash == events[0].hash)
        #expect(events[2].previousHash == events[1].hash)
        #expect(Set(events.map(\.hash)).count == 3)
        let e = events[1]
        #expect(
            e.hash
                == AuditEvent.chainHash(
                    previousHash: e.previousHash, seq: 2, atMillis: 1_743_465_602_000, actor: e.actor, role: e.role, action: e.action,
                    target: e.target, detail: e.detail, address: e.address))
        let report = try await trail.verify()
        #expect(report.intact)
        #expect(report.events == 3)
        #expect(report.head == events[2].hash)
        #expect(try await trail.count() == 3)
        #expect(report.events == self.report(events).events && report.head == self.report(events).head)
    }

    @Test func emptyTrailVerifies() async throws {
        let (trail, _) = try await trail(0)
        let report = try await trail.verify()
        #expect(report.intact && report.events == 0 && report.head == AuditTrail.zeroHash)
    }

    /// Pages of 1,000 rows: the chain carries over from one page to the next.
    @Test func verifyReadsPastOnePage() async throws {
        let store = try SQLiteStore.inMemory(authority: testAuthority)
        let trail = AuditTrail(store: store)
        for i in 0..<1_003 { try await trail.record(actor: "system", role: nil, action: "test.\(i)", at: Date(timeIntervalSince1970: 0)) }
        let report = try await trail.verify()
        #expect(report.intact && report.events == 1_003)
        #expect(report.head == (try await trail.events(limit: 1)).first?.hash)
    }

    @Test func encodingIsUnambiguous() {
        func h(_ actor: String, _ role: String?, _ target: String?, _ detail: String?) -> [UInt8] {
            AuditEvent.chainHash(
                previousHash: AuditTrail.zeroHash, seq: 1, atMillis: 0, actor: actor, role: role, action: "a", target: target,
                detail: detail, address: nil)
        }
        #expect(h("ab", nil, nil, nil) != h("a", "b", nil, nil))
        #expect(h("a", nil, nil, nil) != h("a", "", nil, nil))
        #expect(h("a", nil, "x", nil) != h("a", nil, nil, "x"))
        #expect(h("a", nil, "xy", "") != h("a", nil, "x", "y"))
    }

    @Test func timesAreKeptInMilliseconds() async throws {
        let trail = AuditTrail(store: try SQLiteStore.inMemory(authority: testAuthority))
        let at = Date(timeIntervalSince1970: 1_743_465_600.123_456)
        let recorded = try await trail.record(actor: "system", role: nil, action: "test", at: at)
        #expect(recorded.at == Date(timeIntervalSince1970: 1_743_465_600.123))
        #expect(recorded.atMillis == 1_743_465_600_123)
        #expect(try await trail.events().first?.at == recorded.at)
        #expect(try await trail.verify().intact)
    }

    @Test func textTheChainCannotKeepIsRefused() async throws {
        let (trail, _) = try await trail(1)
        for (actor, detail) in [("system", "a\u{0}b"), ("sys\u{202E}tem", "fine"), ("", "fine")] {
            let error = await #expect(throws: AccountError.self) {
                try await trail.record(actor: actor, role: nil, action: "test", detail: detail)
            }
            #expect(error?.code == .invalidText)
        }
        #expect(try await trail.count() == 1)
        #expect(try await trail.verify().intact)
    }

    @Test func verifyFindsAnEditedRow() async throws {
        let (_, events) = try await trail(4)
        var rows = events
        rows[1] = edited(rows[1], actor: "user:someone-else")
        let report = report(rows)
        #expect(!report.intact)
        #expect(report.firstBrokenSeq == 2)
        #expect(report.events == 4)
        #expect(report.head == events[3].hash)
    }

    @Test func verifyFindsAnEditedTime() async throws {
        let (_, events) = try await trail(3)
        var rows = events
        rows[2] = edited(rows[2], atMillis: rows[2].atMillis - 86_400_000)
        #expect(report(rows).firstBrokenSeq == 3)
    }

    @Test func verifyFindsAnEditWhoseHashWasRecomputed() async throws {
        let (_, events) = try await trail(4)
        let e = events[1]
        let forged = AuditEvent.chainHash(
            previousHash: e.previousHash, seq: e.seq, atMillis: e.atMillis, actor: e.actor, role: e.role, action: e.action,
            target: e.target, detail: "kind=partnership", address: e.address)
        var rows = events
        rows[1] = edited(e, detail: "kind=partnership", hash: forged)
        #expect(rows[1].hashIsValid)
        #expect(report(rows).firstBrokenSeq == 3)
    }

    @Test func verifyFindsADeletedRow() async throws {
        let (_, events) = try await trail(4)
        var rows = events
        rows.remove(at: 1)
        let report = report(rows)
        #expect(report.firstBrokenSeq == 3)
        #expect(report.events == 3)
    }

    @Test func verifyFindsADeletedFirstRow() async throws {
        let (_, events) = try await trail(3)
        #expect(report(Array(events.dropFirst())).firstBrokenSeq == 2)
    }

    @Test func recordOnAFileDatabaseSharedWithAnotherConnection() async throws {
        let directory = try TemporaryDirectory()
        let (trail, _) = try await trail(0, store: directory.store())
        let second = AuditTrail(store: try directory.store())
        // Two stores on one file (the server and the CLI) append concurrently.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask { try await (i % 2 == 0 ? trail : second).record(actor: "system", role: nil, action: "test.\(i)") }
            }
            try await group.waitForAll()
        }
        let report = try await trail.verify()
        #expect(report.intact)
        #expect(report.events == 20)
        #expect(try await second.events(limit: 100).map(\.seq) == Array((1...20).reversed()))
    }

    @Test func eventsAreFilteredNewestFirst() async throws {
        let (trail, events) = try await trail(6)
        #expect(try await trail.events().map(\.seq) == [6, 5, 4, 3, 2, 1])
        #expect(try await trail.events(limit: 2).map(\.seq) == [6, 5])
        #expect(try await trail.events(limit: 2, offset: 2).map(\.seq) == [4, 3])
        #expect(try await trail.events(actor: "user:clerk1").map(\.seq) == [5, 3, 1])
        #expect(try await trail.events(action: "certificate.print").map(\.seq) == [6, 4, 2])
        #expect(try await trail.events(since: events[2].at).map(\.seq) == [6, 5, 4, 3])
        #expect(try await trail.events(until: events[2].at).map(\.seq) == [2, 1])
        #expect(try await trail.events(since: events[1].at, until: events[4].at, actor: "user:clerk1").map(\.seq) == [3])
    }

    @Test func csvEscapesAndNeutralizesFormulas() async throws {
        let trail = AuditTrail(store: try SQLiteStore.inMemory(authority: testAuthority))
        try await trail.record(
            actor: "user:tanaka", role: "clerk", action: "certificate.issue", target: "=HYPERLINK(\"http://x\")",
            detail: "氏名, \"田中\"\n2行目", address: "+81", at: Date(timeIntervalSince1970: 1_743_465_600.5))
        try await trail.record(actor: "@admin", role: nil, action: "-delete", target: "plain", at: Date(timeIntervalSince1970: 1_743_465_601))
        let csv = try await trail.csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.first == "seq,at,actor,role,action,target,detail,address,previous_hash,hash")
        // Header, two rows and the empty tail: the quoted LF inside a cell is not a record end.
        #expect(lines.count == 4)
        #expect(csv.hasSuffix("\r\n"))
        let events = try await trail.events().reversed().map { $0 }
        #expect(
            lines[1] == "1,2025-04-01T00:00:00.500Z,user:tanaka,clerk,certificate.issue,\"'=HYPERLINK(\"\"http://x\"\")\",\"氏名, \"\"田中\"\"\n2行目\",'+81,"
                + "0000000000000000000000000000000000000000000000000000000000000000,\(events[0].hash.accountsHex)")
        #expect(lines[2] == "2,2025-04-01T00:00:01.000Z,'@admin,,'-delete,plain,,,\(events[0].hash.accountsHex),\(events[1].hash.accountsHex)")

        let filtered = try await trail.csv(since: Date(timeIntervalSince1970: 1_743_465_601))
        #expect(filtered.components(separatedBy: "\r\n").count == 3)
        #expect(filtered.contains("'@admin"))
        #expect(!filtered.contains("HYPERLINK"))
    }

    @Test(arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("=1+2", "'=1+2"), ("+1", "'+1"),
        ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("a\r\nb", "\"a\r\nb\""), ("", ""), ("a=b", "a=b"),
    ])
    func csvCells(value: String, expected: String) {
        #expect(AuditTrail.csvCell(value) == expected)
    }

    @Test func iso8601() {
        #expect(AuditTrail.iso8601(0) == "1970-01-01T00:00:00.000Z")
        #expect(AuditTrail.iso8601(1_743_465_600_123) == "2025-04-01T00:00:00.123Z")
        #expect(AuditTrail.iso8601(-1) == "1969-12-31T23:59:59.999Z")
    }
}
