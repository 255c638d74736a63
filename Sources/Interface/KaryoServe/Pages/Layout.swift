import Foundation
import Hummingbird
import KaryoStore

extension ReviewApp {
    /// The page frame: navigation for the account's role, a sign-out button, the script.
    func layout(_ title: String, session: WebSession?, active: String = "", flash: String? = nil, error: String? = nil,
                _ body: String) -> String
    {
        var nav = ""
        if let session {
            var links: [(String, String, String)] = [("queue", "/queue", "Queue"), ("reads", "/reads", "My blind reads")]
            if session.account.role >= .curator {
                links += [
                    ("double-reading", "/double-reading", "Double reading"), ("adjudication", "/adjudication", "Adjudication"),
                    ("stats", "/stats", "Agreement"), ("dataset", "/dataset", "Dataset"),
                ]
            }
            if session.account.role >= .admin { links.append(("accounts", "/admin/accounts", "Accounts")) }
            nav = "<nav>" + links.map { key, href, text in
                "<a href=\"\(href)\"\(key == active ? " class=\"active\"" : "")>\(text)</a>"
            }.joined() + "</nav>"
            nav += """
                <span class="who">\(esc(session.account.name)) (\(session.account.role.rawValue))</span>
                <form method="post" action="/logout">\(csrfField(session))<button type="submit" id="logout">Sign out</button></form>
                """
        }
        var notices = ""
        if let flash { notices += "<div class=\"flash ok\">\(esc(flash))</div>" }
        if let error { notices += "<div class=\"flash error\" role=\"alert\">\(esc(error))</div>" }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(title)) · Karyo review</title>
            <link rel="stylesheet" href="/static/app.css">
            </head><body>
            <header class="top"><span class="brand">Karyo review</span>\(nav)</header>
            <main>\(notices)
            \(body)
            </main>
            <script src="/static/app.js"></script>
            </body></html>
            """
    }

    func csrfField(_ session: WebSession) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(esc(session.csrfToken))\">"
    }

    func errorPage(_ error: ServeError, session: WebSession?) -> String {
        layout(
            "\(error.status.code) \(error.status.reasonPhrase)", session: session, error: error.message,
            "<h1>\(error.status.code) \(esc(error.status.reasonPhrase))</h1><p><a href=\"/queue\">Back to the queue</a></p>")
    }
}
