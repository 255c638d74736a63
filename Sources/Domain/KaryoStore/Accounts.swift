import Foundation
import GRDB

/// What an account may do in the review web app.
public enum AccountRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reviews queue items and does blind reads.
    case reviewer
    /// A reviewer who also assigns double readings, adjudicates and sees statistics and datasets.
    case curator
    /// A curator who also manages accounts.
    case admin

    private var rank: Int {
        switch self {
        case .reviewer: 0
        case .curator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: AccountRole, rhs: AccountRole) -> Bool { lhs.rank < rhs.rank }
}

/// An account of the review web app (never its password hash).
public struct Account: Sendable, Codable, Equatable {
    public var id: Int64
    /// 1 to 64 characters of A-Z a-z 0-9 . _ -; also the author of its label events.
    public var name: String
    public var role: AccountRole
    public var disabled: Bool
    public var createdAt: Date

    /// Whether `name` is a valid account name.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { b in
                (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 46 || b == 95 || b == 45
            }
    }
}

/// A signed-in browser session: its account and its CSRF token.
public struct WebSession: Sendable, Equatable {
    public var idHash: String
    public var account: Account
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
}

extension DatasetStore {
    static let accountSelect = "SELECT id, name, role, disabled, created_at FROM accounts"

    static func decodeAccount(_ row: Row, offset: Int = 0) -> Account {
        Account(
            id: row[offset], name: row[offset + 1], role: AccountRole(rawValue: row[offset + 2]) ?? .reviewer,
            disabled: (row[offset + 3] as Int) != 0, createdAt: Timestamp.date(row[offset + 4]))
    }

    // MARK: - Accounts

    /// Creates an account. `passwordHash` is a bcrypt hash made by the caller (never a password).
    /// - Throws: `.invalidInput` for a bad name, `.alreadyExists` when the name is taken.
    @discardableResult
    public func createAccount(name: String, role: AccountRole, passwordHash: String) throws -> Account {
        guard Account.isValidName(name) else {
            throw StoreError(
                .invalidInput, "account name \(name.debugDescription) is not 1-64 characters of A-Z a-z 0-9 . _ -")
        }
        guard passwordHash.hasPrefix("$2"), passwordHash.count >= 50 else {
            throw StoreError(.invalidInput, "the password hash is not a bcrypt hash")
        }
        let now = self.now
        return try storeGuarded("creating account \(name)") {
            try pool.write { db in
                if try Int.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE name = ?", arguments: [name]) != nil {
                    throw StoreError(.alreadyExists, "an account named \(name) already exists")
                }
                try db.execute(
                    sql: "INSERT INTO accounts(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [name, role.rawValue, passwordHash, now])
                return Account(
                    id: db.lastInsertedRowID, name: name, role: role, disabled: false, createdAt: Timestamp.date(now))
            }
        }
    }

    /// All accounts, by name.
    public func accounts() throws -> [Account] {
        try storeGuarded("listing accounts") {
            try pool.read { db in
                try Row.fetchAll(db, sql: Self.accountSelect + " ORDER BY name").map { Self.decodeAccount($0) }
            }
        }
    }

    /// The account with this name, or nil.
    public func account(named name: String) throws -> Account? {
        try storeGuarded("reading account \(name)") {
            try pool.read { db in
                try Row.fetchOne(db, sql: Self.accountSelect + " WHERE name = ?", arguments: [name]).map {
                    Self.decodeAccount($0)
                }
            }
        }
    }

    /// The account with this name and its password hash, or nil (for signing in).
    public func accountCredentials(named name: String) throws -> (account: Account, passwordHash: String)? {
        try storeGuarded("reading account \(name)") {
            try pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT id, name, role, disabled, created_at, password_hash FROM accounts WHERE name = ?",
                    arguments: [name]
                ).map { (Self.decodeAccount($0), $0[5] as String) }
            }
        }
    }

    /// Changes an account's role, disabled flag or password hash (nil leaves it as it is).
    /// Disabling an account or changing its password ends its sessions.
    public func updateAccount(
        name: String, role: AccountRole? = nil, disabled: Bool? = nil, passwordHash: String? = nil
    ) throws {
        if let passwordHash, !passwordHash.hasPrefix("$2") || passwordHash.count < 50 {
            throw StoreError(.invalidInput, "the password hash is not a bcrypt hash")
        }
        try storeGuarded("updating account \(name)") {
            try pool.write { db in
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM accounts WHERE name = ?", arguments: [name])
                else {
                    throw StoreError(.notFound, "no account named \(name)")
                }
                if let role {
                    try db.execute(sql: "UPDATE accounts SET role = ? WHERE id = ?", arguments: [role.rawValue, id])
                }
                if let disabled {
                    try db.execute(sql: "UPDATE accounts SET disabled = ? WHERE id = ?", arguments: [disabled ? 1 : 0, id])
                }
                if let passwordHash {
                    try db.execute(sql: "UPDATE accounts SET password_hash = ? WHERE id = ?", arguments: [passwordHash, id])
                }
                if disabled == true || passwordHash != nil || role != nil {
                    try db.execute(sql: "DELETE FROM web_sessions WHERE account_id = ?", arguments: [id])
                }
            }
        }
    }

    // MARK: - Sessions

    /// Records a new session. `idHash` is the hex SHA-256 of the random id the browser holds.
    public func createWebSession(idHash: String, accountID: Int64, csrfToken: String, expiresAt: Date) throws {
        let now = self.now
        try storeGuarded("creating a session") {
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO web_sessions(id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [idHash, accountID, csrfToken, now, now, Timestamp.format(expiresAt)])
                // Expired sessions are removed as new ones are made.
                try db.execute(sql: "DELETE FROM web_sessions WHERE expires_at < ?", arguments: [now])
            }
        }
    }

    /// The live session with this id hash: nil when unknown, expired, or its account is disabled.
    public func webSession(idHash: String) throws -> WebSession? {
        let now = self.now
        return try storeGuarded("reading a session") {
            try pool.read { db in
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT a.id, a.name, a.role, a.disabled, a.created_at,
                                    s.csrf_token, s.created_at, s.last_seen_at, s.expires_at
                                FROM web_sessions s JOIN accounts a ON a.id = s.account_id
                                WHERE s.id_hash = ? AND s.expires_at > ? AND a.disabled = 0
                                """), arguments: [idHash, now])
                else { return nil }
                return WebSession(
                    idHash: idHash, account: Self.decodeAccount(row), csrfToken: row[5],
                    createdAt: Timestamp.date(row[6]), lastSeenAt: Timestamp.date(row[7]),
                    expiresAt: Timestamp.date(row[8]))
            }
        }
    }

    /// Marks a session as used now and moves its expiry (sliding expiry).
    public func touchWebSession(idHash: String, expiresAt: Date) throws {
        let now = self.now
        try storeGuarded("updating a session") {
            try pool.write { db in
                try db.execute(
                    sql: "UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?",
                    arguments: [now, Timestamp.format(expiresAt), idHash])
            }
        }
    }

    /// Ends a session (logout). Unknown ids are ignored.
    public func deleteWebSession(idHash: String) throws {
        try storeGuarded("ending a session") {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM web_sessions WHERE id_hash = ?", arguments: [idHash])
            }
        }
    }

    // MARK: - Login attempts

    /// Records a sign-in attempt for rate limiting.
    public func recordLoginAttempt(accountName: String, client: String, succeeded: Bool) throws {
        let now = self.now
        try storeGuarded("recording a login attempt") {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO login_attempts(account_name, client, succeeded, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [String(accountName.prefix(128)), client, succeeded ? 1 : 0, now])
            }
        }
    }

    /// Failed sign-in attempts since `date`, for this account name and for this client.
    public func failedLoginAttempts(accountName: String, client: String, since date: Date) throws
        -> (forName: Int, forClient: Int)
    {
        let since = Timestamp.format(date)
        return try storeGuarded("counting login attempts") {
            try pool.read { db in
                let byName =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM login_attempts WHERE account_name = ? AND created_at >= ? AND succeeded = 0
                              AND created_at > COALESCE((SELECT MAX(created_at) FROM login_attempts
                                  WHERE account_name = ? AND succeeded = 1), '')
                            """,
                        arguments: [String(accountName.prefix(128)), since, String(accountName.prefix(128))]) ?? 0
                let byClient =
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM login_attempts WHERE client = ? AND created_at >= ? AND succeeded = 0",
                        arguments: [client, since]) ?? 0
                return (byName, byClient)
            }
        }
    }
}
