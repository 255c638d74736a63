import KaryoStore

/// Account management outside the web pages (the `karyo user` commands).
public enum AccountSetup {
    /// Creates an account with a bcrypt hash of `password`.
    /// - Throws: `ServeError` (400) for a password that breaks the policy; `StoreError` for a bad
    ///   or taken name.
    @discardableResult
    public static func addAccount(
        to store: DatasetStore, name: String, role: AccountRole, password: String, cost: UInt8 = Passwords.defaultCost
    ) async throws -> Account {
        guard Account.isValidName(name) else {
            throw StoreError(.invalidInput, "account name \(name.debugDescription) is not 1-64 characters of A-Z a-z 0-9 . _ -")
        }
        try Passwords.validateNew(password)
        return try store.createAccount(name: name, role: role, passwordHash: await Passwords.hash(password, cost: cost))
    }

    /// Sets a new password (ending the account's sessions).
    public static func setPassword(
        in store: DatasetStore, name: String, password: String, cost: UInt8 = Passwords.defaultCost
    ) async throws {
        try Passwords.validateNew(password)
        try store.updateAccount(name: name, passwordHash: await Passwords.hash(password, cost: cost))
    }
}
