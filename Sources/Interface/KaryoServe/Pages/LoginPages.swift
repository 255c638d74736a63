import Foundation
import HTTPTypes
import Hummingbird
import KaryoStore

extension ReviewApp {
    func cookie(_ name: String, _ value: String, maxAge: Int?) -> HTTPField {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if configuration.secureCookies { text += "; Secure" }
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        return HTTPField(name: .setCookie, value: text)
    }

    func loginPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let next = request.uri.queryParameters.get("next").flatMap { isLocalPath($0) ? $0 : nil } ?? "/queue"
        // Signed in already: the form still shows (to switch account); signing in ends this session.
        let note = context.session.map {
            "You are signed in as \($0.account.name); signing in again ends that session."
        }
        return renderLogin(request, next: next, name: "", error: nil, note: note, status: .ok)
    }

    /// The sign-in form with a fresh double-submit CSRF token (also set as a cookie).
    func renderLogin(
        _ request: Request, next: String, name: String, error: String?, note: String? = nil, status: HTTPResponse.Status
    ) -> Response {
        // One token per browser while its login cookie lives: several tabs (or a stray request
        // that lands here) must not invalidate each other's forms.
        let existing = request.cookies[configuration.loginCookieName]?.value
        let token = existing.flatMap { Secrets.isToken($0) ? $0 : nil } ?? Secrets.randomToken()
        let body = """
            <div class="login panel">
            <h1>Sign in</h1>
            <form method="post" action="/login">
            <input type="hidden" name="csrf" value="\(token)">
            <input type="hidden" name="next" value="\(esc(next))">
            <label for="name">Account</label>
            <input type="text" id="name" name="name" value="\(esc(name))" autocomplete="username" autofocus required>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit" id="sign-in">Sign in</button>
            </form>
            </div>
            """
        return HTMLResponse.page(
            layout("Sign in", session: nil, flash: note, error: error, body), status: status,
            headers: [cookie(configuration.loginCookieName, token, maxAge: 3600)])
    }

    func login(_ request: Request, _ context: ServeContext) async throws -> Response {
        let name = (context.form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = context.form["password"] ?? ""
        let next = context.form["next"].flatMap { isLocalPath($0) ? $0 : nil } ?? "/queue"
        let since = Date().addingTimeInterval(-configuration.loginWindow)
        let failures = try store.failedLoginAttempts(accountName: name, client: context.client, since: since)
        if failures.forName >= configuration.maxFailedLoginsPerAccount
            || failures.forClient >= configuration.maxFailedLoginsPerClient
        {
            let minutes = Int((configuration.loginWindow / 60).rounded(.up))
            return renderLogin(
                request, next: next, name: name,
                error: "Too many failed sign-ins. Wait \(minutes) minutes, or ask an administrator.",
                status: .tooManyRequests)
        }
        let credentials = Account.isValidName(name) ? try store.accountCredentials(named: name) : nil
        let matches = await Passwords.verify(password, hash: credentials?.passwordHash ?? decoyHash)
        guard let credentials, matches, !credentials.account.disabled else {
            try store.recordLoginAttempt(accountName: name, client: context.client, succeeded: false)
            return renderLogin(
                request, next: next, name: name, error: "Wrong account name or password.", status: .unauthorized)
        }
        try store.recordLoginAttempt(accountName: name, client: context.client, succeeded: true)
        // A new session id at every sign-in (no session fixation); a session the browser already
        // had ends here.
        if let old = request.cookies[configuration.sessionCookieName]?.value, Secrets.isToken(old) {
            try store.deleteWebSession(idHash: Secrets.sha256Hex(old))
        }
        let id = Secrets.randomToken()
        try store.createWebSession(
            idHash: Secrets.sha256Hex(id), accountID: credentials.account.id, csrfToken: Secrets.randomToken(),
            expiresAt: Date().addingTimeInterval(configuration.sessionIdleLifetime))
        return HTMLResponse.redirect(
            next,
            headers: [
                cookie(configuration.sessionCookieName, id, maxAge: nil),
                cookie(configuration.loginCookieName, "", maxAge: 0),
            ])
    }

    func logout(_ request: Request, _ context: ServeContext) async throws -> Response {
        if let session = context.session { try store.deleteWebSession(idHash: session.idHash) }
        return HTMLResponse.redirect(
            "/login", headers: [cookie(configuration.sessionCookieName, "", maxAge: 0)])
    }
}
