import Foundation
import Hummingbird
import HummingbirdTesting
import KaryoServe
import KaryoStore
import Testing

@Suite("Security of the review web app (router, no sockets)")
struct SecurityTests {
    @Test("no page and no image without a session")
    func everythingNeedsASession() async throws {
        let fixture = try await Fixture()
        let item = try fixture.store.reviewQueue(.uncertainty, limit: 1).items[0]
        let sample = try fixture.store.sample(token: item.sampleToken)
        try await fixture.withClient { client in
            let browser = Browser(client)
            for path in [
                "/", "/queue", "/items/\(item.id)", "/reads", "/reads/1", "/double-reading", "/adjudication", "/stats",
                "/dataset", "/admin/accounts", "/images/\(sample.token)/\(sample.blobHash)",
            ] {
                let response = try await browser.get(path)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location]?.hasPrefix("/login?next=") == true, "\(path)")
                #expect(response.headers[.contentType] != "image/png")
                #expect(response.body.readableBytes == 0, "\(path) leaked a body")
            }
            let post = try await browser.post("/items/\(item.id)", ["decision": "confirm", "expected": "none"])
            #expect(post.status == .unauthorized)
            // A made-up session cookie is no session.
            browser.cookies["__Host-karyo-session"] = String(repeating: "a", count: 64)
            #expect(try await browser.get("/queue").status == .seeOther)
            // The login page and the assets are public, and every response has the security headers.
            let login = try await browser.get("/login")
            #expect(login.status == .ok)
            #expect(login.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(login.headers[.xContentTypeOptions] == "nosniff")
            #expect(try await browser.get("/static/app.js").status == .ok)
        }
        #expect(try fixture.reviewerEvents(item.sampleToken).isEmpty)
    }

    @Test("the session id changes at login, and a session held before login is ended")
    func sessionIDChangesAtLogin() async throws {
        let fixture = try await Fixture()
        try await fixture.withClient { client in
            let browser = Browser(client)
            let first = try await browser.login("rex")
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/queue")
            let cookie = try #require(first.headers[values: .setCookie].first { $0.hasPrefix("__Host-karyo-session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("Secure"))
            #expect(cookie.contains("SameSite=Strict"))
            let before = try #require(browser.sessionID)
            #expect(try await browser.get("/queue").status == .ok)
            // Sign in again from the same browser: a new id, and the old one no longer works.
            let second = try await browser.login("rex")
            #expect(second.status == .seeOther)
            let after = try #require(browser.sessionID)
            #expect(after != before)
            let old = Browser(client)
            old.cookies["__Host-karyo-session"] = before
            #expect(try await old.get("/queue").status == .seeOther)
            // A session id planted before login (fixation) is replaced.
            let victim = Browser(client)
            victim.cookies["__Host-karyo-session"] = after
            try await victim.login("rita")
            #expect(victim.sessionID != after)
            #expect(try await browser.get("/queue").status == .seeOther)
        }
        // Only hashes of session ids are stored.
        let stored = try fixture.store.accounts()
        #expect(stored.count == Fixture.accounts.count)
    }

    @Test("a form without its CSRF token is refused")
    func csrfIsRequired() async throws {
        let fixture = try await Fixture()
        let item = try fixture.store.reviewQueue(.uncertainty, limit: 1).items[0]
        try await fixture.withClient { client in
            let browser = Browser(client)
            // Sign-in form without its token, or with a token not matching the login cookie.
            _ = try await browser.get("/login")
            let noToken = try await browser.post("/login", ["name": "rex", "password": Fixture.password("rex")])
            #expect(noToken.status == .forbidden)
            let wrong = try await browser.post(
                "/login", ["csrf": String(repeating: "b", count: 64), "name": "rex", "password": Fixture.password("rex")])
            #expect(wrong.status == .forbidden)
            #expect(browser.sessionID == nil)

            try await browser.login("rex")
            let page = try await browser.get("/items/\(item.id)")
            let token = try #require(Browser.csrf(in: page))
            let expected = try #require(Browser.field("expected", in: Browser.html(page)))
            let missing = try await browser.post("/items/\(item.id)", ["decision": "confirm", "expected": expected])
            #expect(missing.status == .forbidden)
            let forged = try await browser.post(
                "/items/\(item.id)",
                ["decision": "confirm", "expected": expected, "csrf": String(repeating: "c", count: 64)])
            #expect(forged.status == .forbidden)
            // Another session's token does not work either.
            let other = Browser(client)
            try await other.login("rita")
            let otherToken = try #require(Browser.csrf(in: try await other.get("/queue")))
            #expect(otherToken != token)
            let crossed = try await browser.post(
                "/items/\(item.id)", ["decision": "confirm", "expected": expected, "csrf": otherToken])
            #expect(crossed.status == .forbidden)
            // A cross-site Origin is refused even with the right token.
            let crossSite = try await browser.post(
                "/items/\(item.id)", ["decision": "confirm", "expected": expected, "csrf": token],
                headers: [.origin: "http://evil.example"])
            #expect(crossSite.status == .forbidden)
            let logout = try await browser.post("/logout", [:])
            #expect(logout.status == .forbidden)
            #expect(try await browser.get("/queue").status == .ok)
            #expect(try fixture.reviewerEvents(item.sampleToken).isEmpty)
            // With the token it works.
            let ok = try await browser.post(
                "/items/\(item.id)", ["decision": "confirm", "expected": expected, "csrf": token])
            #expect(ok.status == .seeOther)
        }
        #expect(try fixture.reviewerEvents(item.sampleToken).count == 1)
    }

    @Test("path traversal and foreign blobs in image URLs are refused")
    func imageURLsAreChecked() async throws {
        let fixture = try await Fixture()
        let items = try fixture.store.reviewQueue(.uncertainty, limit: 2).items
        let mine = try fixture.store.sample(token: items[0].sampleToken)
        let other = try fixture.store.sample(token: items[1].sampleToken)
        let derived = try fixture.store.derivedImages(sample: mine.token)
        let secret = try Data(contentsOf: fixture.store.storeDirectory.appendingPathComponent("secret.key"))
        try await fixture.withClient { client in
            let browser = Browser(client)
            try await browser.login("rex")
            let good = try await browser.get("/images/\(mine.token)/\(mine.blobHash)")
            #expect(good.status == .ok)
            #expect(good.headers[.contentType] == "image/png")
            #expect(Data(buffer: good.body) == (try fixture.store.readBlob(mine.blobHash)))
            for image in derived {
                #expect(try await browser.get("/images/\(mine.token)/\(image.blobHash)").status == .ok)
            }
            let bad = [
                "/images/../../etc/passwd",
                "/images/\(mine.token)/..%2F..%2Fsecret.key",
                "/images/\(mine.token)/../../secret.key",
                "/images/..%2F..%2F.karyo/secret.key",
                "/images/%2e%2e/%2e%2e%2fstore.sqlite",
                "/images/\(mine.token)/\(mine.blobHash)%00.png",
                "/images/\(mine.token)/\(mine.blobHash.uppercased())",
                "/images/\(mine.token)/\(String(mine.blobHash.prefix(2)))%2F\(String(mine.blobHash.dropFirst(2)))",
                "/images/\(mine.token)/\(other.blobHash)",  // a blob of another sample
                "/images/s-nosuchsample/\(mine.blobHash)",
                "/images/\(mine.token)/\(String(repeating: "0", count: 64))",
            ]
            for path in bad {
                let response = try await browser.get(path)
                #expect(response.status == .notFound || response.status == .badRequest, "\(path): \(response.status)")
                #expect(response.headers[.contentType] != "image/png", "\(path)")
                let body = Data(buffer: response.body)
                #expect(body.range(of: secret) == nil)
                #expect(!String(buffer: response.body).contains("root:x:0:0"))
            }
        }
    }

    @Test("a reviewer cannot reach admin or curator pages; an admin can")
    func rolesAreEnforced() async throws {
        let fixture = try await Fixture()
        try await fixture.withClient { client in
            let reviewer = Browser(client)
            try await reviewer.login("rex")
            let token = try #require(Browser.csrf(in: try await reviewer.get("/queue")))
            #expect(try await reviewer.get("/admin/accounts").status == .forbidden)
            for path in ["/double-reading", "/adjudication", "/stats", "/dataset"] {
                #expect(try await reviewer.get(path).status == .forbidden, "\(path)")
            }
            let create = try await reviewer.post(
                "/admin/accounts", ["csrf": token, "name": "mallory", "role": "admin", "password": "long enough pw"])
            #expect(create.status == .forbidden)
            let promote = try await reviewer.post(
                "/admin/accounts/rex", ["csrf": token, "role": "admin"])
            #expect(promote.status == .forbidden)
            let assign = try await reviewer.post(
                "/double-reading", ["csrf": token, "count": "1", "queue": "uncertainty", "reader1": "rex", "reader2": "rita"])
            #expect(assign.status == .forbidden)

            let curator = Browser(client)
            try await curator.login("cora")
            #expect(try await curator.get("/admin/accounts").status == .forbidden)
            #expect(try await curator.get("/stats").status == .ok)

            let admin = Browser(client)
            try await admin.login("ada")
            let page = try await admin.get("/admin/accounts")
            #expect(page.status == .ok)
            let adminToken = try #require(Browser.csrf(in: page))
            let made = try await admin.post(
                "/admin/accounts", ["csrf": adminToken, "name": "newbie", "role": "reviewer", "password": "a good long password"])
            #expect(made.status == .seeOther)
            // Disabling an account ends its sessions at once.
            let disable = try await admin.post("/admin/accounts/rex", ["csrf": adminToken, "role": "reviewer", "disabled": "1"])
            #expect(disable.status == .seeOther)
            #expect(try await reviewer.get("/queue").status == .seeOther)
            let again = try await reviewer.login("rex")
            #expect(again.status == .unauthorized)
        }
        #expect(try fixture.store.account(named: "mallory") == nil)
        #expect(try fixture.store.account(named: "rex")?.role == .reviewer)
        #expect(try fixture.store.account(named: "newbie")?.role == .reviewer)
    }

    @Test("failed sign-ins are rate limited per account")
    func loginIsRateLimited() async throws {
        let fixture = try await Fixture()
        try await fixture.withClient { client in
            let browser = Browser(client)
            for _ in 0..<5 {
                #expect(try await browser.login("rita", password: "wrong password").status == .unauthorized)
            }
            // Even the right password is refused now, for this account only.
            let blocked = try await browser.login("rita")
            #expect(blocked.status == .tooManyRequests)
            #expect(Browser.html(blocked).contains("Too many failed sign-ins"))
            #expect(browser.sessionID == nil)
            #expect(try await Browser(client).login("rex").status == .seeOther)
            // Unknown accounts fail the same way as wrong passwords.
            let unknown = try await Browser(client).login("nobody", password: "whatever")
            #expect(unknown.status == .unauthorized)
            #expect(Browser.html(unknown).contains("Wrong account name or password"))
        }
    }

    @Test("logout ends the session")
    func logout() async throws {
        let fixture = try await Fixture()
        try await fixture.withClient { client in
            let browser = Browser(client)
            try await browser.login("rex")
            let id = try #require(browser.sessionID)
            let token = try #require(Browser.csrf(in: try await browser.get("/queue")))
            let out = try await browser.post("/logout", ["csrf": token])
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/login")
            #expect(browser.sessionID == nil)
            let replay = Browser(client)
            replay.cookies["__Host-karyo-session"] = id
            #expect(try await replay.get("/queue").status == .seeOther)
        }
    }
}
