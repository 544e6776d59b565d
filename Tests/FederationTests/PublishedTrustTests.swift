import Certificates
import Federation
import Foundation
import Testing
import TransparencyLog

/// `PublishedTrust` and `TrustedLogs`: the one place the mirror and the
/// monitor turn a trust file — fetched on first use or given by hand — into
/// log policies.
@Suite("Trust published beside a log, and trusted logs from a file")
struct PublishedTrustTests {
    @Test(arguments: [
        ("http://host:8080/log/", "http://host:8080/trust.json"),
        ("http://host:8080/log", "http://host:8080/trust.json"),
        ("https://kaga.example/akashi/log/", "https://kaga.example/akashi/trust.json"),
        ("http://mirror.example/abc/", "http://mirror.example/abc/trust.json"),
    ])
    func urlBesideTheLog(prefix: String, expected: String) {
        #expect(PublishedTrust.url(besideLog: prefix).absoluteString == expected)
    }

    @Test("a 200 trust file gives each log's policy by origin; another status is notPublished; a bad body is malformed")
    func answers() throws {
        let iizuka = try TestAuthority.iizuka(), kaga = try TestAuthority.kaga()
        let url = URL(string: "http://iizuka.example/trust.json")!
        let body = Array(try TrustFile(authorities: [iizuka.authority, kaga.authority]).encoded())
        let published = try PublishedTrust(url: url, status: 200, body: body)
        #expect(published.url == url)
        #expect(published.policies.keys.sorted() == [iizuka.origin, kaga.origin])
        #expect(published.policies[kaga.origin]?.witnesses.count == 2)
        #expect(published.policies[iizuka.origin]?.logs.map(\.key) == [iizuka.logSigner.verifierKey])

        #expect(federationErrorCode { () throws(FederationError) in try PublishedTrust(url: url, status: 404, body: body) } == .notPublished)
        #expect(federationErrorCode { () throws(FederationError) in try PublishedTrust(url: url, status: 200, body: Array("<html>".utf8)) } == .malformed)
        #expect(
            federationErrorCode { () throws(FederationError) in try PublishedTrust(url: url, status: 200, body: Array("{\"format\":\"akashi-trust/v1\"}".utf8))
            } == .malformed)
    }

    @Test("nothing listening: unreachable, saying which URL")
    func unreachable() async {
        do {
            _ = try await PublishedTrust.fetch(besideLog: "http://127.0.0.1:1/log/", timeout: .seconds(5))
            Issue.record("fetched from a closed port")
        } catch {
            #expect(error.code == .unreachable)
            #expect(error.reason.contains("http://127.0.0.1:1/trust.json"), "\(error.reason)")
        }
    }

    @Test("a trust file or a tlog-policy text, by origin")
    func trustedLogsFromAFile() throws {
        let kaga = try TestAuthority.kaga()
        let fromTrust = try TrustedLogs.policies(parsing: Data("\n  ".utf8) + kaga.trustFile.encoded())
        #expect(fromTrust.keys.sorted() == [kaga.origin])
        #expect(fromTrust[kaga.origin] == (try kaga.authority.log.tlogPolicy()))
        let text = try kaga.authority.log.tlogPolicy().text
        let fromPolicy = try TrustedLogs.policies(parsing: Data(text.utf8))
        #expect(fromPolicy == fromTrust)
        #expect(throws: (any Error).self) { try TrustedLogs.policies(parsing: Data("{}".utf8)) }
        #expect(throws: (any Error).self) { try TrustedLogs.policies(parsing: Data("not a policy".utf8)) }
    }
}
