import Foundation
import Store
import Testing

/// The clerks' search over the private record of certificates.
@Suite("Store conformance: certificate lookups and search", .timeLimit(.minutes(1)))
struct CertificateQueryTests {
    /// Seven certificates, issued 10 s apart (r0 oldest), in one batch.
    static let texts: [(kind: String, text: String)] = [
        ("residence", "やまだ たろう 飯塚市 本町1-2"),
        ("tax", "やまだ はなこ 飯塚市"),
        ("residence", "さとう いちろう 直方市"),
        ("residence", "100% off_sale a_c"),
        ("tax", "abc xyz"),
        ("residence", "back\\slash"),
        ("tax", "50 percent off sale"),
    ]

    static func issued(_ engine: Engine) async throws -> (any AuthorityStore, [CertificateRecord]) {
        let t = try await makeStore(engine)
        let store = try await initialized(t)
        let certificates = texts.enumerated().map { i, row in
            certificate(kind: row.kind, issuedAt: 1_000 + Int64(i) * 10, searchText: row.text)
        }
        try await store.commit(batch(from: 0, certificates.map { TestEntry(effect: .issue($0, audit: nil)) }))
        return (store, certificates.enumerated().map { record($1, at: UInt64($0)) })
    }

    @Test("by serial, by substring, kind, time range and limit; newest first", arguments: Engine.allCases)
    func search(engine: Engine) async throws {
        let (store, r) = try await Self.issued(engine)
        func find(_ query: CertificateQuery) async throws -> [CertificateRecord] { try await store.certificates(matching: query) }

        for record in r { #expect(try await store.certificate(serial: record.serial) == record) }
        #expect(try await find(CertificateQuery()) == r.reversed())
        #expect(try await find(CertificateQuery(limit: 2)) == [r[6], r[5]])
        #expect(try await find(CertificateQuery(text: "やまだ")) == [r[1], r[0]])
        #expect(try await find(CertificateQuery(text: "飯塚", kind: "residence")) == [r[0]])
        #expect(try await find(CertificateQuery(text: "いちろう 直方")) == [r[2]])
        #expect(try await find(CertificateQuery(text: "nowhere")) == [])
        #expect(try await find(CertificateQuery(serial: r[2].serial)) == [r[2]])
        #expect(try await find(CertificateQuery(serial: r[2].serial, kind: "tax")) == [])
        #expect(try await find(CertificateQuery(serial: [])) == [], "an unparsable serial ([]) matches nothing")
        #expect(try await find(CertificateQuery(kind: "tax")) == [r[6], r[4], r[1]])
        #expect(try await find(CertificateQuery(kind: "nothing")) == [])
        #expect(try await find(CertificateQuery(issuedFrom: 1_020)) == [r[6], r[5], r[4], r[3], r[2]], "issuedFrom is inclusive")
        #expect(try await find(CertificateQuery(issuedFrom: 1_015, issuedUntil: 1_045)) == [r[4], r[3], r[2]])
        #expect(try await find(CertificateQuery(issuedUntil: 1_005)) == [r[0]])
        #expect(try await find(CertificateQuery(text: "a", kind: "tax", issuedFrom: 1_005, issuedUntil: 1_065, limit: 1)) == [r[6]])
    }

    @Test("LIKE wildcards and the escape character in the needle are literal", arguments: Engine.allCases)
    func wildcardsAreLiteral(engine: Engine) async throws {
        let (store, r) = try await Self.issued(engine)
        func find(_ text: String) async throws -> [CertificateRecord] { try await store.certificates(matching: CertificateQuery(text: text)) }
        #expect(try await find("%") == [r[3]])
        #expect(try await find("_") == [r[3]])
        #expect(try await find("a_c") == [r[3]], "'_' matched any character (r4 has 'abc')")
        #expect(try await find("0% o") == [r[3]])
        #expect(try await find("%off") == [], "'%' matched any text")
        #expect(try await find("off_") == [r[3]])
        #expect(try await find("\\") == [r[5]])
        #expect(try await find("k\\s") == [r[5]])
        #expect(try await find("\\%") == [])
    }

    @Test("the needle is a plain substring: an upper-case needle does not match lower-case search text", arguments: Engine.allCases)
    func substringIsExact(engine: Engine) async throws {
        let (store, r) = try await Self.issued(engine)
        #expect(try await store.certificates(matching: CertificateQuery(text: "abc")) == [r[4]])
        #expect(try await store.certificates(matching: CertificateQuery(text: "ABC")) == [], "the search text is already folded; the store must not fold again")
    }

    @Test("certificateCounts counts issues per kind in [from, until)", arguments: Engine.allCases)
    func counts(engine: Engine) async throws {
        let (store, _) = try await Self.issued(engine)
        #expect(try await store.certificateCounts(from: 1_000, until: 1_040) == ["residence": 3, "tax": 1])
        #expect(try await store.certificateCounts(from: 1_001, until: 1_041) == ["residence": 2, "tax": 2])
        #expect(try await store.certificateCounts(from: 0, until: 10_000) == ["residence": 4, "tax": 3])
        #expect(try await store.certificateCounts(from: 2_000, until: 3_000) == [:])
    }
}
