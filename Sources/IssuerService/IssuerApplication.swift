import Foundation
import Hummingbird
import Logging

/// Builds the issuer service: public endpoints, the JSON API and the clerk UI
/// on one router, with security headers and language selection on all of it.
public enum IssuerApplication {
    /// The router alone (what HummingbirdTesting drives in tests).
    public static func router(state: ServiceState) -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestTextMiddleware())
        router.add(middleware: LanguageMiddleware(secureCookies: state.configuration.secureCookies))
        router.add(middleware: WitnessPolicyMiddleware())
        PublicRoutes(state: state).register(on: router)
        if let web = state.configuration.webDirectory, FileManager.default.fileExists(atPath: web.path) {
            // The static web verifier, with this authority's trust file beside it.
            router.add(middleware: VerifierRedirectMiddleware())
            router.add(middleware: FileMiddleware(web.path, urlBasePath: "/verify", cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true))
        }
        APIRoutes(state: state).register(on: router)
        SessionRoutes(state: state).register(on: router)
        // The witness-policy page again inside the session, so it keeps the navigation.
        let ui = router.group().add(middleware: SessionMiddleware(accounts: state.accounts)).add(middleware: WitnessPolicyMiddleware())
        CertificateRoutes(state: state).register(on: ui)
        IssueRoutes(state: state).register(on: ui)
        BatchRoutes(state: state).register(on: ui)
        AdminRoutes(state: state).register(on: ui)
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

/// `/verify` → `/verify/`, so the page's relative URLs (trust.json, js/) resolve.
struct VerifierRedirectMiddleware: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        if request.uri.path == "/verify" { return Layout.redirect("/verify/" + (request.uri.query.map { "?" + $0 } ?? "")) }
        return try await next(request, context)
    }
}
