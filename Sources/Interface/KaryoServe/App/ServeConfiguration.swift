import Foundation

/// How `karyo serve` listens and guards its pages.
public struct ServeConfiguration: Sendable {
    /// The address to bind; loopback by default, so the app is reachable from this machine only.
    public var host: String
    /// The TCP port; 0 picks a free one (the bound port is reported by `onListening`).
    public var port: Int
    /// Marks cookies `Secure` and gives them the `__Host-` prefix. Browsers accept such cookies
    /// from http://127.0.0.1 and http://localhost; behind a TLS proxy keep it on. Turn it off only
    /// to serve plain HTTP on another host name.
    public var secureCookies: Bool
    /// A session ends after this long without a request.
    public var sessionIdleLifetime: TimeInterval
    /// Failed sign-ins per account name within `loginWindow` before sign-in is refused.
    public var maxFailedLoginsPerAccount: Int
    /// Failed sign-ins per client address within `loginWindow` before sign-in is refused.
    public var maxFailedLoginsPerClient: Int
    public var loginWindow: TimeInterval
    /// Items per queue page.
    public var queuePageSize: Int
    /// The bcrypt cost of passwords set through the web pages (tests use 4, the minimum).
    public var bcryptCost: UInt8

    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = true,
        sessionIdleLifetime: TimeInterval = 8 * 3600, maxFailedLoginsPerAccount: Int = 5,
        maxFailedLoginsPerClient: Int = 20, loginWindow: TimeInterval = 15 * 60, queuePageSize: Int = 50,
        bcryptCost: UInt8 = Passwords.defaultCost
    ) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionIdleLifetime = sessionIdleLifetime
        self.maxFailedLoginsPerAccount = maxFailedLoginsPerAccount
        self.maxFailedLoginsPerClient = maxFailedLoginsPerClient
        self.loginWindow = loginWindow
        self.queuePageSize = queuePageSize
        self.bcryptCost = bcryptCost
    }

    var sessionCookieName: String { secureCookies ? "__Host-karyo-session" : "karyo-session" }
    var loginCookieName: String { secureCookies ? "__Host-karyo-login" : "karyo-login" }
}
