import Foundation
import Hummingbird
import Logging

/// Builds the issuer service: public endpoints, the JSON API and the clerk UI
/// on one router, with security headers and language selection on all of it.
public enum IssuerApplication {
    /// The router alone (what HummingbirdTesting drives in tests).
    public static func router(state: ServiceState) -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        let routeMethods = RouteMethods()
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestMethodMiddleware(routes: routeMethods))
        router.add(middleware: RequestTextMiddleware())
        router.add(middleware: OriginCheckMiddleware())
        router.add(middleware: LanguageMiddleware(secureCookies: state.configuration.secureCookies))
        router.add(middleware: WitnessPolicyMiddleware())
        PublicRoutes(state: state).register(on: router)
        if let web = state.configuration.webDirectory, FileManager.default.fileExists(atPath: web.path) {
            // The static web verifier, with this authority's trust file beside it.
            router.add(middleware: VerifierSiteMiddleware(root: web))
            router.add(
                middleware: FileMiddleware(
                    web.path, urlBasePath: "/verify", cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true))
        }
        APIRoutes(state: state).register(on: router)
        SessionRoutes(state: state).register(on: router)
        // The clerk pages: a session first, then each controller's groups
        // check the role (``RouterGroup/allowing(_:)``). The witness-policy
        // page again inside the session, so it keeps the navigation.
        let staff = router.group()
            .add(middleware: SessionMiddleware(accounts: state.accounts))
            .add(middleware: WitnessPolicyMiddleware())
            .add(middleware: RefusalMiddleware())
            .group(context: StaffContext.self)
        CertificateRoutes(state: state).register(on: staff)
        IssueRoutes(state: state).register(on: staff)
        BatchRoutes(state: state).register(on: staff)
        AdminRoutes(state: state).register(on: staff)
        routeMethods.load(router.routes)
        return router
    }

    /// The whole application, listening on the configured host and port.
    public static func make(state: ServiceState, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(state: state),
            configuration: .init(address: .hostname(state.configuration.host, port: state.configuration.port), serverName: "akashi"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? state.configuration.port) },
            logger: state.logger)
    }
}

/// What the server publishes of the web verifier's folder under `/verify/`,
/// and nothing else: the page, its scripts, styles, icons and kind files.
/// `web/README.md`, the conformance test page and anything a deployment
/// leaves in the folder stay unpublished, and a directory is never redirected
/// (FileMiddleware's redirect would drop the `/verify` prefix).
/// `/verify` → `/verify/`, so the page's relative URLs (trust.json, js/) resolve.
struct VerifierSiteMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let root: URL

    static let topFiles: Set<String> = ["index.html", "record.html", "sw.js", "manifest.webmanifest"]
    static let folders: Set<String> = ["css", "js", "icons", "kinds"]
    static let extensions: Set<String> = ["html", "js", "css", "png", "svg", "json", "webmanifest"]
    /// Served by routes, not from the folder.
    static let routed: Set<String> = ["trust.json", "status.cose"]

    /// Whether `relative` (the path after `/verify/`, still percent-encoded) is a published file name.
    static func isPublished(_ relative: Substring) -> Bool {
        if relative.isEmpty || topFiles.contains(String(relative)) || routed.contains(String(relative)) { return true }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, folders.contains(String(parts[0])) else { return false }
        for part in parts {
            guard !part.isEmpty, part.first != ".",
                part.utf8.allSatisfy({
                    ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d || $0 == 0x2e || $0 == 0x5f
                })
            else { return false }
        }
        guard let ext = parts.last?.split(separator: ".").last, parts.last!.contains("."), extensions.contains(String(ext)) else { return false }
        return true
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/verify" { return Layout.redirect("/verify/" + (request.uri.query.map { "?" + $0 } ?? "")) }
        guard path.hasPrefix("/verify/") else { return try await next(request, context) }
        let relative = path.dropFirst("/verify/".count)
        var isDirectory: ObjCBool = false
        guard Self.isPublished(relative),
            relative.isEmpty || Self.routed.contains(String(relative))
                || (FileManager.default.fileExists(atPath: root.appendingPathComponent(String(relative)).path, isDirectory: &isDirectory)
                    && !isDirectory.boolValue)
        else {
            return Layout.errorPage(context, status: .notFound, ja: "そのページはありません。", en: "No such page.")
        }
        return try await next(request, context)
    }
}
