import Accounts
import Authority
import Certificates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import Logging
import NIOCore

/// A real authority in a temporary directory (real SQLite file), the service's
/// router, and one account per role.
struct ServiceFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let password = "correct horse battery staple"

    let state: ServiceState
    let directory: URL

    init(configure: (URL, inout ServiceConfiguration) async throws -> Void = { _, _ in }) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-svc-\(UUID().uuidString)")
        _ = try await AuthorityDirectory.create(
            at: dir, origin: "iizuka.example/akashi/log", name: "飯塚市", code: "402052", verifierURL: "https://iizuka.example/v/")
        var configuration = ServiceConfiguration(dataDirectory: dir, certsDirectory: Self.root.appendingPathComponent("certs"))
        try await configure(dir, &configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        state = try await ServiceState(configuration: configuration, logger: logger, bcryptCost: 4)
        directory = dir
        for role in Role.allCases {
            _ = try await state.accounts.addUser(login: role.rawValue, displayName: "\(role.label.ja)テスト", role: role, password: Self.password)
        }
    }

    func app() -> some ApplicationProtocol {
        Application(router: IssuerApplication.router(state: state))
    }

    static func example(_ kind: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("certs/examples/\(kind).json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

/// A browser's cookie jar and CSRF token, for driving the clerk UI.
struct Browser {
    var cookies: [String: String] = [:]
    var csrf: String?

    var cookieHeader: HTTPFields {
        var h = HTTPFields()
        if !cookies.isEmpty { h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return h
    }

    mutating func absorb(_ response: TestResponse) {
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || value.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
        if let token = Self.csrf(in: String(buffer: response.body)) { csrf = token }
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func form(_ pairs: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        return ByteBuffer(string: body)
    }

    @discardableResult
    mutating func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: cookieHeader)
        absorb(response)
        return response
    }

    @discardableResult
    mutating func post(_ client: some TestClientProtocol, _ uri: String, _ pairs: [(String, String)], csrf: Bool = true, headers extra: HTTPFields = [:])
        async throws -> TestResponse
    {
        var headers = cookieHeader
        for field in extra { headers.append(field) }
        headers[.contentType] = "application/x-www-form-urlencoded"
        var all = pairs
        if csrf, let token = self.csrf { all.append(("_csrf", token)) }
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: Self.form(all))
        absorb(response)
        return response
    }

    /// Logs in through the form as a person would.
    mutating func login(_ client: some TestClientProtocol, _ login: String, password: String = ServiceFixture.password) async throws -> TestResponse {
        try await get(client, "/login")
        let response = try await post(client, "/login", [("login", login), ("password", password), ("next", "/")])
        if response.status == .seeOther { try await get(client, "/") }  // picks up the session's CSRF token
        return response
    }
}
