import Foundation
import HTTPTypes
import Hummingbird
import KaryoStore
import Logging

/// The review web app over one store: `buildRouter()` for tests, `run()` to serve.
public struct ReviewApp: Sendable {
    public let store: DatasetStore
    public let configuration: ServeConfiguration
    /// A bcrypt hash of a random password at the configured cost: verified against when an
    /// account does not exist, so sign-in takes as long for unknown names as for known ones.
    let decoyHash: String
    /// Rendered queue tables, valid while the store's review state is unchanged.
    let queueCache = PageCache()

    public init(store: DatasetStore, configuration: ServeConfiguration = .init()) async {
        self.store = store
        self.configuration = configuration
        decoyHash = await Passwords.hash(Secrets.randomToken(), cost: configuration.bcryptCost)
    }

    /// The router with every page. Public paths: `/login` and `/static/*`; everything else needs
    /// a session, and every POST a CSRF token.
    public func buildRouter() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: ErrorPageMiddleware(app: self))
        router.add(middleware: SessionMiddleware(app: self))
        router.add(middleware: FormMiddleware(app: self))

        router.get("/static/app.css") { _, _ in Self.asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("/static/app.js") { _, _ in Self.asset(Assets.js, type: "text/javascript; charset=utf-8") }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/login") { request, context in try await self.loginPage(request, context) }
        router.post("/login") { request, context in try await self.login(request, context) }
        router.post("/logout") { request, context in try await self.logout(request, context) }
        router.get("/") { _, _ in HTMLResponse.redirect("/queue") }

        // Reviewers and above.
        router.get("/queue") { request, context in try await self.queuePage(request, context) }
        router.get("/items/:id") { request, context in try await self.itemPage(request, context) }
        router.post("/items/:id") { request, context in try await self.decideItem(request, context) }
        router.get("/images/:token/:hash") { request, context in try await self.image(request, context) }
        router.get("/reads") { request, context in try await self.readsPage(request, context) }
        router.get("/reads/:id") { request, context in try await self.readPage(request, context) }
        router.post("/reads/:id") { request, context in try await self.submitRead(request, context) }

        // Curators and admins.
        router.get("/double-reading") { request, context in try await self.doubleReadingPage(request, context) }
        router.post("/double-reading") { request, context in try await self.assignDoubleReading(request, context) }
        router.get("/adjudication") { request, context in try await self.adjudicationList(request, context) }
        router.get("/adjudication/:id") { request, context in try await self.adjudicationPage(request, context) }
        router.post("/adjudication/:id") { request, context in try await self.submitAdjudication(request, context) }
        router.get("/stats") { request, context in try await self.statsPage(request, context) }
        router.get("/dataset") { request, context in try await self.datasetPage(request, context) }
        router.get("/dataset/report") { request, context in try await self.modelReport(request, context) }

        // Admins.
        router.get("/admin/accounts") { request, context in try await self.accountsPage(request, context) }
        router.post("/admin/accounts") { request, context in try await self.createAccount(request, context) }
        router.post("/admin/accounts/:name") { request, context in try await self.changeAccount(request, context) }
        return router
    }

    /// The application around `buildRouter()`, bound as configured.
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func buildApplication(logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in })
        -> some ApplicationProtocol
    {
        Application(
            router: buildRouter(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, logging warnings and errors only (never request data).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "karyo.serve")
        logger.logLevel = .warning
        try await buildApplication(logger: logger, onListening: onListening).runService()
    }

    static func asset(_ text: String, type: String) -> Response {
        let buffer = ByteBuffer(string: text)
        return Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "private, max-age=300", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }

    /// The session of a request whose role is at least `role`; 403 otherwise.
    func require(_ context: ServeContext, _ role: AccountRole) throws -> WebSession {
        guard let session = context.session else {
            throw ServeError(.unauthorized, "sign in first")
        }
        guard session.account.role >= role else {
            throw ServeError(.forbidden, "this page is for \(role.rawValue)s\(role == .admin ? "" : " and above")")
        }
        return session
    }
}

/// Turns thrown errors into an HTML error page with the right status; adds security headers.
struct ErrorPageMiddleware: RouterMiddleware {
    let app: ReviewApp

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let failure = ServeError.from(error)
            if failure.status == .unauthorized, request.method == .get {
                let target = request.uri.path == "/" ? "/queue" : request.uri.string
                response = HTMLResponse.redirect("/login?next=" + urlComponent(target))
            } else {
                if failure.status.code >= 500 {
                    context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
                }
                response = HTMLResponse.page(
                    app.errorPage(failure, session: context.session), status: failure.status)
            }
        }
        securityHeaders(&response.headers)
        return response
    }
}

/// Finds the session named by the session cookie. Every path but the login page and the static
/// assets needs one: GET requests without one are sent to /login, others get 401.
struct SessionMiddleware: RouterMiddleware {
    let app: ReviewApp

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if let id = request.cookies[app.configuration.sessionCookieName]?.value, Secrets.isToken(id) {
            let hash = Secrets.sha256Hex(id)
            if let session = try app.store.webSession(idHash: hash) {
                context.session = session
                // Sliding expiry, written at most once a minute per session.
                if Date().timeIntervalSince(session.lastSeenAt) > 60 {
                    try app.store.touchWebSession(
                        idHash: hash, expiresAt: Date().addingTimeInterval(app.configuration.sessionIdleLifetime))
                }
            }
        }
        let path = request.uri.path
        let isPublic = path == "/login" || path == "/favicon.ico" || path.hasPrefix("/static/")
        if !isPublic, context.session == nil {
            throw ServeError(.unauthorized, "sign in first")
        }
        return try await next(request, context)
    }
}

/// Reads the form of every POST and checks its CSRF token: the session's token, or for the
/// sign-in form the token of the login cookie (double submit). Also refuses cross-site POSTs by
/// their Origin header.
struct FormMiddleware: RouterMiddleware {
    let app: ReviewApp

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post else { return try await next(request, context) }
        var request = request
        var context = context
        let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!]
        if let origin = request.headers[.origin], let host {
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            guard originHost == host else {
                throw ServeError(.forbidden, "the form was sent from another site (Origin \(origin), this site \(host))")
            }
        }
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        context.form = parseForm(String(buffer: body))
        let sent = context.form["csrf"] ?? ""
        let expected: String?
        if request.uri.path == "/login" {
            expected = request.cookies[app.configuration.loginCookieName]?.value
        } else {
            expected = context.session?.csrfToken
        }
        guard let expected, Secrets.isToken(expected), Secrets.constantTimeEqual(sent, expected) else {
            throw ServeError(.forbidden, "the form has expired or did not come from this site (no valid CSRF token); reload the page and try again")
        }
        return try await next(request, context)
    }
}
