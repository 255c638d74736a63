import Foundation
import KaryoCore
import KaryoServe
import Testing
@_spi(Testing) import KaryoStore

@Suite("Store: accounts, sessions, login attempts, double readings")
struct StoreReviewTests {
    static let hash = "$2b$04$" + String(repeating: "a", count: 53)

    @Test("account names are validated and unique; hashes must be bcrypt")
    func accounts() async throws {
        let fixture = try await Fixture(samples: 2, queue: 1)
        let store = fixture.store
        #expect(throws: StoreError.self) { try store.createAccount(name: "a b", role: .reviewer, passwordHash: Self.hash) }
        #expect(throws: StoreError.self) { try store.createAccount(name: "", role: .reviewer, passwordHash: Self.hash) }
        #expect(throws: StoreError.self) { try store.createAccount(name: "ok", role: .reviewer, passwordHash: "plain") }
        #expect(throws: StoreError(.alreadyExists, "an account named rex already exists")) {
            try store.createAccount(name: "rex", role: .reviewer, passwordHash: Self.hash)
        }
        // The password itself is never stored: only the bcrypt hash.
        let hashes = try store._queryStrings("SELECT password_hash FROM accounts")
        #expect(hashes.allSatisfy { $0?.hasPrefix("$2") == true })
        #expect(!hashes.contains { $0?.contains(Fixture.password("rex")) == true })
        #expect(throws: (any Error).self) { try store._executeRawSQL("DELETE FROM accounts") }
    }

    @Test("sessions expire, end with the account's disabling, and are stored as hashes")
    func sessions() async throws {
        let fixture = try await Fixture(samples: 2, queue: 1)
        let store = fixture.store
        let rex = try #require(try store.account(named: "rex"))
        let live = String(repeating: "1", count: 64), old = String(repeating: "2", count: 64)
        try store.createWebSession(idHash: live, accountID: rex.id, csrfToken: String(repeating: "c", count: 64), expiresAt: Date().addingTimeInterval(60))
        try store.createWebSession(idHash: old, accountID: rex.id, csrfToken: String(repeating: "c", count: 64), expiresAt: Date().addingTimeInterval(-1))
        #expect(try store.webSession(idHash: live)?.account.name == "rex")
        #expect(try store.webSession(idHash: old) == nil)
        try store.updateAccount(name: "rex", disabled: true)
        #expect(try store.webSession(idHash: live) == nil)
        #expect(try store._queryInt("SELECT COUNT(*) FROM web_sessions WHERE account_id = \(rex.id)") == 0)
    }

    @Test("a successful sign-in resets the per-account failure count; clients are counted apart")
    func loginAttempts() async throws {
        let fixture = try await Fixture(samples: 2, queue: 1)
        let store = fixture.store
        let since = Date().addingTimeInterval(-60)
        for _ in 0..<3 { try store.recordLoginAttempt(accountName: "rex", client: "10.0.0.1", succeeded: false) }
        let before = try store.failedLoginAttempts(accountName: "rex", client: "10.0.0.1", since: since)
        #expect(before.forName == 3 && before.forClient == 3)
        try await Task.sleep(for: .milliseconds(5))
        try store.recordLoginAttempt(accountName: "rex", client: "10.0.0.1", succeeded: true)
        try await Task.sleep(for: .milliseconds(5))
        try store.recordLoginAttempt(accountName: "rex", client: "10.0.0.2", succeeded: false)
        let counts = try store.failedLoginAttempts(accountName: "rex", client: "10.0.0.1", since: since)
        #expect(counts.forName == 1)
        #expect(counts.forClient == 3)
    }

    @Test("double readings: only the two readers read, once each; readers cannot adjudicate")
    func doubleReadingRules() async throws {
        let fixture = try await Fixture(samples: 3, queue: 2)
        let store = fixture.store
        let token = try store.reviewQueue(.uncertainty, limit: 1).items[0].sampleToken
        #expect(throws: StoreError.self) { try store.createDoubleReading(sample: token, reader1: "rex", reader2: "rex", createdBy: "cora") }
        #expect(throws: StoreError.self) { try store.createDoubleReading(sample: token, reader1: "rex", reader2: "ghost", createdBy: "cora") }
        let id = try store.createDoubleReading(sample: token, reader1: "rex", reader2: "rita", createdBy: "cora")
        #expect(throws: StoreError.self) { try store.createDoubleReading(sample: token, reader1: "rex", reader2: "ravi", createdBy: "cora") }
        #expect(throws: StoreError.self) { try store.recordBlindRead(reading: id, reader: "ravi", decision: .positive, comment: nil) }
        try store.recordBlindRead(reading: id, reader: "rex", decision: .positive, comment: "a")
        #expect(try store.pendingReads(reader: "rex").isEmpty)
        #expect(try store.pendingReads(reader: "rita").map(\.id) == [id])
        #expect(throws: StoreError.self) { try store.recordBlindRead(reading: id, reader: "rex", decision: .negative, comment: nil) }
        try store.recordBlindRead(reading: id, reader: "rita", decision: .negative, comment: "b")
        #expect(try store.readingsNeedingAdjudication().map(\.id) == [id])
        #expect(throws: StoreError.self) { try store.adjudicate(reading: id, adjudicator: "rex", decision: .positive, comment: nil) }
        let event = try store.adjudicate(reading: id, adjudicator: "cora", decision: .negative, comment: "c")
        #expect(try store.sample(token: token).labelEventID == event.id)
        #expect(throws: StoreError.self) { try store.adjudicate(reading: id, adjudicator: "ada", decision: .positive, comment: nil) }
        #expect(try store.completedReadPairs().map { "\($0.readerA)-\($0.readerB)" } == ["rex-rita"])
        // Reads and adjudications are append-only; a settled reading cannot be re-settled.
        #expect(throws: (any Error).self) { try store._executeRawSQL("UPDATE blind_reads SET decision = 'unsure'") }
        #expect(throws: (any Error).self) { try store._executeRawSQL("DELETE FROM adjudications") }
        #expect(throws: (any Error).self) { try store._executeRawSQL("UPDATE double_readings SET label_event_id = NULL") }
    }
}
