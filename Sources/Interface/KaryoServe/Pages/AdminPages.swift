import Foundation
import Hummingbird
import KaryoStore

extension ReviewApp {
    /// GET /admin/accounts
    func accountsPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .admin)
        let flash = request.uri.queryParameters.get("done")
        return HTMLResponse.page(try renderAccounts(session: session, flash: flash))
    }

    func renderAccounts(session: WebSession, flash: String? = nil, error: String? = nil) throws -> String {
        func roleOptions(_ selected: AccountRole) -> String {
            AccountRole.allCases.map {
                "<option value=\"\($0.rawValue)\"\($0 == selected ? " selected" : "")>\($0.rawValue)</option>"
            }.joined()
        }
        var html = """
            <h1>Accounts</h1>
            <table id="accounts"><thead><tr><th>Name</th><th>Role</th><th>State</th><th>Created</th><th>Change</th></tr></thead><tbody>
            """
        for account in try store.accounts() {
            let name = esc(account.name)
            html += """
                <tr><td>\(name)</td><td>\(account.role.rawValue)</td><td>\(account.disabled ? "disabled" : "active")</td>\
                <td>\(formatDate(account.createdAt))</td><td>\
                <form method="post" action="/admin/accounts/\(urlComponent(account.name))" class="inline">\(csrfField(session))\
                <select name="role">\(roleOptions(account.role))</select> \
                <label><input type="checkbox" name="disabled" value="1"\(account.disabled ? " checked" : "")> disabled</label> \
                <input type="password" name="password" placeholder="new password (optional)" autocomplete="new-password"> \
                <button type="submit">Save</button></form></td></tr>
                """
        }
        html += """
            </tbody></table>
            <h2>New account</h2>
            <form method="post" action="/admin/accounts" class="panel" id="new-account">\(csrfField(session))
            <label>Name <input type="text" name="name" required pattern="[A-Za-z0-9._-]{1,64}"></label>
            <label>Role <select name="role">\(roleOptions(.reviewer))</select></label>
            <label>Password <input type="password" name="password" required minlength="\(Passwords.minimumLength)" autocomplete="new-password"></label>
            <button type="submit">Create</button>
            </form>
            """
        return layout("Accounts", session: session, active: "accounts", flash: flash, error: error, html)
    }

    /// POST /admin/accounts — creates an account.
    func createAccount(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .admin)
        let form = context.form
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let role = form["role"].flatMap(AccountRole.init(rawValue:)) else {
            throw ServeError(.badRequest, "unknown role")
        }
        let password = form["password"] ?? ""
        do {
            try Passwords.validateNew(password)
            let hash = await Passwords.hash(password, cost: configuration.bcryptCost)
            try store.createAccount(name: name, role: role, passwordHash: hash)
        } catch {
            let failure = ServeError.from(error)
            return HTMLResponse.page(try renderAccounts(session: session, error: failure.message), status: failure.status)
        }
        return HTMLResponse.redirect("/admin/accounts?done=" + urlComponent("Account \(name) created."))
    }

    /// POST /admin/accounts/:name — role, disabled flag, new password. An admin cannot demote or
    /// disable their own account (so there is always one admin left who can undo a mistake).
    func changeAccount(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .admin)
        let name = context.parameters.get("name") ?? ""
        guard Account.isValidName(name), let account = try store.account(named: name) else {
            throw ServeError(.notFound, "no such account")
        }
        let form = context.form
        guard let role = form["role"].flatMap(AccountRole.init(rawValue:)) else {
            throw ServeError(.badRequest, "unknown role")
        }
        let disabled = form["disabled"] == "1"
        if account.id == session.account.id, role != .admin || disabled {
            return HTMLResponse.page(
                try renderAccounts(session: session, error: "You cannot demote or disable your own account."),
                status: .badRequest)
        }
        var hash: String?
        if let password = form["password"], !password.isEmpty {
            do { try Passwords.validateNew(password) } catch {
                let failure = ServeError.from(error)
                return HTMLResponse.page(try renderAccounts(session: session, error: failure.message), status: failure.status)
            }
            hash = await Passwords.hash(password, cost: configuration.bcryptCost)
        }
        try store.updateAccount(
            name: name, role: role == account.role ? nil : role, disabled: disabled == account.disabled ? nil : disabled,
            passwordHash: hash)
        return HTMLResponse.redirect("/admin/accounts?done=" + urlComponent("Account \(name) saved."))
    }
}
