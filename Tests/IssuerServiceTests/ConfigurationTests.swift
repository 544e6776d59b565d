import Foundation
import IssuerService
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsAreLoopbackAnd8080() {
        let c = ServiceConfiguration(dataDirectory: URL(fileURLWithPath: "/tmp/x"), certsDirectory: URL(fileURLWithPath: "certs"))
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 8080)
        #expect(!c.secureCookies)
    }
}
