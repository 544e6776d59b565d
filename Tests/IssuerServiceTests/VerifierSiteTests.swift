import Accounts
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import Logging
import Testing

@Suite struct VerifierSiteTests {
    /// `/verify/` serves the static verifier with its trust file beside it,
    /// under a CSP that lets it fetch and use the camera but run no inline code.
    @Test func servesTheWebVerifierWithItsTrustFile() async throws {
        let fixture = try await ServiceFixture { dir, configuration in
            let web = dir.appendingPathComponent("web")
            try FileManager.default.createDirectory(at: web.appendingPathComponent("js"), withIntermediateDirectories: true)
            try Data("<!doctype html><title>検証</title>".utf8).write(to: web.appendingPathComponent("index.html"))
            try Data("export const x = 1;".utf8).write(to: web.appendingPathComponent("js/app.js"))
            configuration.webDirectory = web
        }
        try await fixture.app().test(.router) { client in
            let page = try await client.execute(uri: "/verify/", method: .get)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("検証"))
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("connect-src 'self'"))
            #expect(!csp.contains("unsafe-inline"))
            let script = try await client.execute(uri: "/verify/js/app.js", method: .get)
            #expect(script.status == .ok)
            let trust = try await client.execute(uri: "/verify/trust.json", method: .get)
            #expect(try TrustFile.decode(Data(buffer: trust.body)).authorities.first?.issuer == "402052")
            #expect(try await client.execute(uri: "/verify", method: .get).status == .seeOther)
            #expect(try await client.execute(uri: "/verify/../config.json", method: .get).status != .ok)
        }
    }
}
