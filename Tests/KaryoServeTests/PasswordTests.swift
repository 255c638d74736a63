import KaryoServe
import Testing

@Suite("Passwords")
struct PasswordTests {
    @Test("bcrypt hashes verify, differ per salt and never contain the password")
    func bcrypt() async throws {
        let hash = await Passwords.hash("a long enough password", cost: 4)
        #expect(hash.hasPrefix("$2"))
        #expect(!hash.contains("a long enough password"))
        #expect(await Passwords.verify("a long enough password", hash: hash))
        #expect(!(await Passwords.verify("a long enough passwore", hash: hash)))
        #expect(await Passwords.hash("a long enough password", cost: 4) != hash)
    }

    @Test("the policy refuses short and over-long passwords")
    func policy() {
        #expect(throws: ServeError.self) { try Passwords.validateNew("short") }
        #expect(throws: ServeError.self) { try Passwords.validateNew(String(repeating: "x", count: 73)) }
        #expect(throws: Never.self) { try Passwords.validateNew("ten chars!") }
    }
}
