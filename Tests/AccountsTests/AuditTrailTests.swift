import AkashiCrypto
import Foundation
import GRDB
import Testing

@testable import Accounts

@Suite struct AuditTrailTests {
    /// A trail with `n` events, at 1 s intervals from 2025-04-01T00:00:00Z.
    func trail(_ n: Int, writer: (any DatabaseWriter)? = nil) throws -> (AuditTrail, any DatabaseWriter, [AuditEvent]) {
        let writer = try writer ?? DatabaseQueue()
        let trail = try AuditTrail(writer: writer)
        let start = Date(timeIntervalSince1970: 1_743_465_600)
        let events = try (1...max(n, 1)).prefix(n).map { i in
            try trail.record(
                actor: "user:clerk\(i % 2)", role: "clerk", action: i % 2 == 0 ? "certificate.print" : "certificate.issue",
                target: "serial-\(i)", detail: "kind=residence", address: "192.0.2.\(i)", at: start.addingTimeInterval(Double(i)))
        }
        return (trail, writer, events)
    }

    func dropTriggers(_ writer: any DatabaseWriter) throws {
        try writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete")
        }
    }

    @Test func eventsChain() throws {
        let (trail, _, events) = try trail(3)
        #expect(events.map(\.seq) == [1, 2, 3])
        #expect(events[0].previousHash == [UInt8](repeating: 0, count: 32))
        #expect(events[1].previousHash == events[0].hash)
        #expect(events[2].previousHash == events[1].hash)
        #expect(Set(events.map(\.hash)).count == 3)
        let e = events[1]
        #expect(e.hash == AuditEvent.chainHash(
            previousHash: e.previousHash, seq: 2, atMillis: 1_743_465_602_000, actor: e.actor, role: e.role, action: e.action,
            target: e.target, detail: e.detail, address: e.address))
        let report = try trail.verify()
        #expect(report.intact)
        #expect(report.events == 3)
        #expect(report.head == events[2].hash)
        #expect(try trail.count() == 3)
    }

    @Test func emptyTrailVerifies() throws {
        let (trail, _, _) = try trail(0)
        let report = try trail.verify()
        #expect(report.intact && report.events == 0 && report.head == AuditTrail.zeroHash)
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

    @Test func timesAreKeptInMilliseconds() throws {
        let trail = try AuditTrail(writer: DatabaseQueue())
        let at = Date(timeIntervalSince1970: 1_743_465_600.123_456)
        let recorded = try trail.record(actor: "system", role: nil, action: "test", at: at)
        #expect(recorded.at == Date(timeIntervalSince1970: 1_743_465_600.123))
        #expect(try trail.events().first?.at == recorded.at)
        #expect(try trail.verify().intact)
    }

    @Test func triggersRefuseUpdateAndDelete() throws {
        let (trail, writer, events) = try trail(3)
        #expect(throws: DatabaseError.self) {
            try writer.write { db in try db.execute(sql: "UPDATE audit_event SET detail = 'nothing happened' WHERE seq = 2") }
        }
        #expect(throws: DatabaseError.self) {
            try writer.write { db in try db.execute(sql: "DELETE FROM audit_event WHERE seq = 3") }
        }
        #expect(try trail.count() == 3)
        #expect(try trail.events().map(\.detail) == events.reversed().map(\.detail))
        #expect(try trail.verify().intact)
    }

    @Test func verifyFindsAnEditedRow() throws {
        let (trail, writer, _) = try trail(4)
        try dropTriggers(writer)
        try writer.write { db in try db.execute(sql: "UPDATE audit_event SET actor = 'user:someone-else' WHERE seq = 2") }
        let report = try trail.verify()
        #expect(!report.intact)
        #expect(report.firstBrokenSeq == 2)
        #expect(report.events == 4)
    }

    @Test func verifyFindsAnEditedTime() throws {
        let (trail, writer, _) = try trail(3)
        try dropTriggers(writer)
        try writer.write { db in try db.execute(sql: "UPDATE audit_event SET at = at - 86400000 WHERE seq = 3") }
        #expect(try trail.verify().firstBrokenSeq == 3)
    }

    @Test func verifyFindsAnEditWhoseHashWasRecomputed() throws {
        let (trail, writer, events) = try trail(4)
        try dropTriggers(writer)
        let e = events[1]
        let forged = AuditEvent.chainHash(
            previousHash: e.previousHash, seq: e.seq, atMillis: Millis.from(e.at), actor: e.actor, role: e.role, action: e.action,
            target: e.target, detail: "kind=partnership", address: e.address)
        try writer.write { db in
            try db.execute(sql: "UPDATE audit_event SET detail = 'kind=partnership', hash = ? WHERE seq = 2", arguments: [Data(forged)])
        }
        #expect(try trail.verify().firstBrokenSeq == 3)
    }

    @Test func verifyFindsADeletedRow() throws {
        let (trail, writer, _) = try trail(4)
        try dropTriggers(writer)
        try writer.write { db in try db.execute(sql: "DELETE FROM audit_event WHERE seq = 2") }
        let report = try trail.verify()
        #expect(report.firstBrokenSeq == 3)
        #expect(report.events == 3)
    }

    @Test func verifyFindsADeletedFirstRow() throws {
        let (trail, writer, _) = try trail(3)
        try dropTriggers(writer)
        try writer.write { db in try db.execute(sql: "DELETE FROM audit_event WHERE seq = 1") }
        #expect(try trail.verify().firstBrokenSeq == 2)
    }

    @Test func recordInARolledBackTransactionLeavesNoRow() throws {
        let (trail, writer, _) = try trail(1)
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try writer.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS other (x INTEGER) STRICT")
                try AuditTrail.record(in: db, actor: "user:tanaka", role: "clerk", action: "certificate.issue", target: "serial")
                throw Abort()
            }
        }
        #expect(try trail.count() == 1)
        #expect(try writer.read { db in try db.tableExists("other") } == false)

        // Committed together with someone else's row.
        let recorded = try writer.write { db in
            try db.execute(sql: "CREATE TABLE other (x INTEGER) STRICT; INSERT INTO other VALUES (1)")
            return try AuditTrail.record(in: db, actor: "user:tanaka", role: "clerk", action: "certificate.issue", target: "serial")
        }
        #expect(recorded.seq == 2)
        #expect(try trail.count() == 2)
        #expect(try trail.verify().intact)
    }

    @Test func recordOnAFileDatabaseSharedWithAnotherConnection() async throws {
        let directory = try TemporaryDirectory()
        let (trail, _, _) = try trail(0, writer: directory.database())
        let second = try AuditTrail(writer: directory.database())
        // Two pools on one file (the server and the CLI) append concurrently.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask { try (i % 2 == 0 ? trail : second).record(actor: "system", role: nil, action: "test.\(i)") }
            }
            try await group.waitForAll()
        }
        let report = try trail.verify()
        #expect(report.intact)
        #expect(report.events == 20)
        #expect(try second.events(limit: 100).map(\.seq) == Array((1...20).reversed()))
    }

    @Test func eventsAreFilteredNewestFirst() throws {
        let (trail, _, events) = try trail(6)
        #expect(try trail.events().map(\.seq) == [6, 5, 4, 3, 2, 1])
        #expect(try trail.events(limit: 2).map(\.seq) == [6, 5])
        #expect(try trail.events(limit: 2, offset: 2).map(\.seq) == [4, 3])
        #expect(try trail.events(actor: "user:clerk1").map(\.seq) == [5, 3, 1])
        #expect(try trail.events(action: "certificate.print").map(\.seq) == [6, 4, 2])
        #expect(try trail.events(since: events[2].at).map(\.seq) == [6, 5, 4, 3])
        #expect(try trail.events(until: events[2].at).map(\.seq) == [2, 1])
        #expect(try trail.events(since: events[1].at, until: events[4].at, actor: "user:clerk1").map(\.seq) == [3])
    }

    @Test func csvEscapesAndNeutralizesFormulas() throws {
        let trail = try AuditTrail(writer: DatabaseQueue())
        try trail.record(
            actor: "user:tanaka", role: "clerk", action: "certificate.issue", target: "=HYPERLINK(\"http://x\")",
            detail: "氏名, \"田中\"\n2行目", address: "+81", at: Date(timeIntervalSince1970: 1_743_465_600.5))
        try trail.record(actor: "@admin", role: nil, action: "-delete", target: "plain", at: Date(timeIntervalSince1970: 1_743_465_601))
        let csv = try trail.csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.first == "seq,at,actor,role,action,target,detail,address,previous_hash,hash")
        // Header, two rows and the empty tail: the quoted LF inside a cell is not a record end.
        #expect(lines.count == 4)
        #expect(csv.hasSuffix("\r\n"))
        let events = try trail.events().reversed().map { $0 }
        #expect(lines[1] == "1,2025-04-01T00:00:00.500Z,user:tanaka,clerk,certificate.issue,\"'=HYPERLINK(\"\"http://x\"\")\",\"氏名, \"\"田中\"\"\n2行目\",'+81,"
            + "0000000000000000000000000000000000000000000000000000000000000000,\(events[0].hash.accountsHex)")
        #expect(lines[2] == "2,2025-04-01T00:00:01.000Z,'@admin,,'-delete,plain,,,\(events[0].hash.accountsHex),\(events[1].hash.accountsHex)")

        let filtered = try trail.csv(since: Date(timeIntervalSince1970: 1_743_465_601))
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
