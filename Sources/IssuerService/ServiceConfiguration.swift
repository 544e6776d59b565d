import Authority
import Foundation

/// How `akashi serve` runs: from flags, with environment fallbacks
/// (`AKASHI_HOST`, `AKASHI_PORT`, `AKASHI_DATA`, `AKASHI_CERTS`).
public struct ServiceConfiguration: Sendable {
    /// The authority's data directory; with a PostgreSQL ``store``, its folder
    /// (config.json, keys/) under `--keys DIR`.
    public var dataDirectory: URL
    /// Where the authority's store is (default: `akashi.sqlite` in ``dataDirectory``).
    public var store: StoreLocation = .file
    public var certsDirectory: URL
    public var host: String
    public var port: Int
    /// Directory of the static web verifier, served at `/verify/` when present.
    public var webDirectory: URL?
    /// Set when the service runs behind TLS: session cookies get `Secure`.
    public var secureCookies: Bool

    public init(dataDirectory: URL, certsDirectory: URL, host: String = "127.0.0.1", port: Int = 8080, webDirectory: URL? = nil, secureCookies: Bool = false) {
        self.dataDirectory = dataDirectory
        self.certsDirectory = certsDirectory
        self.host = host
        self.port = port
        self.webDirectory = webDirectory
        self.secureCookies = secureCookies
    }
}
