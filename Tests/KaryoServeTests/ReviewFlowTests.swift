import Foundation
import Hummingbird
import HummingbirdTesting
import KaryoCore
import KaryoServe
import KaryoStore
import Testing

@Suite("Review pages (router, no sockets)")
struct ReviewFlowTests {
    @Test("queue and item pages show the queue, the images with outlines and the decision form")
    func pagesRender() async throws {
        let fixture = try await Fixture()
        let page = try fixture.store.reviewQueue(.uncertainty, limit: 10)
        let item = page.items[0]
        let sample = try fixture.store.sample(token: item.sampleToken)
        try await fixture.withClient { client in
            let browser = Browser(client)
            try await browser.login("rex")
            let queue = Browser.html(try await browser.get("/queue"))
            for queued in page.items { #expect(queue.contains(queued.sampleToken)) }
            #expect(queue.contains("href=\"/items/\(item.id)\""))
            let labelErrors = Browser.html(try await browser.get("/queue?queue=label-error"))
            #expect(labelErrors.contains("out-of-fold"))
            let html = Browser.html(try await browser.get("/items/\(item.id)"))
            #expect(html.contains(item.reason))
            #expect(html.contains("id=\"normalized\""))
            #expect(html.contains("/images/\(sample.token)/\(sample.blobHash)"))
            #expect(html.contains("<rect class=\"c9\""))
            #expect(html.contains("<rect class=\"c22\""))
            #expect(html.contains("class=\"chromosome\""))
            #expect(html.contains("data-key=\"c\""))
            #expect(html.contains("id=\"history\""))
            #expect(html.contains("<script src=\"/static/app.js\"></script>"))
            #expect(!html.contains("http://") && !html.contains("https://"), "no external assets")
            #expect(Browser.field("expected", in: html) == sample.labelEventID.map(String.init))
        }
    }

    @Test("confirm, relabel and unsure become reviewer label events and move to the next item")
    func decisionsAreLabelEvents() async throws {
        let fixture = try await Fixture()
        let items = try fixture.store.reviewQueue(.uncertainty, limit: 3).items
        try await fixture.withClient { client in
            let browser = Browser(client)
            try await browser.login("rex")
            // The queue page (cached) before the decisions...
            let before = Browser.html(try await browser.get("/queue"))
            #expect(items.allSatisfy { before.contains($0.sampleToken) })
            for (item, decision) in zip(items, ["confirm", "relabel", "unsure"]) {
                let page = try await browser.get("/items/\(item.id)")
                let html = Browser.html(page)
                let current = try fixture.store.sample(token: item.sampleToken).label!
                let value = decision == "relabel" ? (current == .positive ? "negative" : "positive") : decision
                let response = try await browser.post(
                    "/items/\(item.id)",
                    [
                        "csrf": try #require(Browser.csrf(in: page)), "expected": try #require(Browser.field("expected", in: html)),
                        "decision": value, "comment": "checked \(decision)",
                    ])
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/items/") == true)
                #expect(response.headers[.location]?.hasPrefix("/items/\(item.id)?") == false)
            }
            // ... and after: the decided items left the pending list, with their reviewer shown.
            let pending = Browser.html(try await browser.get("/queue"))
            #expect(items.allSatisfy { !pending.contains($0.sampleToken) })
            let decided = Browser.html(try await browser.get("/queue?filter=decided"))
            #expect(items.allSatisfy { decided.contains($0.sampleToken) })
            #expect(decided.contains("unsure by rex"))
        }
        for (item, decision) in zip(items, ["confirm", "relabel", "unsure"]) {
            let event = try #require(try fixture.reviewerEvents(item.sampleToken).last)
            #expect(event.author == "rex")
            #expect(event.reason?.contains("checked \(decision)") == true)
            switch decision {
            case "confirm": #expect(event.label == item.label)
            case "relabel": #expect(event.label != item.label && event.label != .unsure)
            default: #expect(event.label == .unsure)
            }
        }
        let pending = try fixture.store.reviewQueue(.uncertainty, filter: .pending).total
        #expect(pending == 2)
        // The next commit records the relabel.
        #expect(try fixture.store.uncommittedChanges().labelChanges.count == 2)
    }

    @Test("two reviewers deciding the same item at once: the second is told, nothing is lost")
    func concurrentDecisionsConflict() async throws {
        let fixture = try await Fixture()
        let item = try fixture.store.reviewQueue(.uncertainty, limit: 1).items[0]
        try await fixture.withClient { client in
            let rex = Browser(client), rita = Browser(client)
            try await rex.login("rex")
            try await rita.login("rita")
            let rexPage = try await rex.get("/items/\(item.id)")
            let ritaPage = try await rita.get("/items/\(item.id)")
            let expected = try #require(Browser.field("expected", in: Browser.html(rexPage)))
            #expect(Browser.field("expected", in: Browser.html(ritaPage)) == expected)
            let first = try await rex.post(
                "/items/\(item.id)",
                ["csrf": Browser.csrf(in: rexPage)!, "expected": expected, "decision": "positive", "comment": "rex says pos"])
            #expect(first.status == .seeOther)
            let second = try await rita.post(
                "/items/\(item.id)",
                ["csrf": Browser.csrf(in: ritaPage)!, "expected": expected, "decision": "negative", "comment": "rita says neg"])
            #expect(second.status == .conflict)
            let html = Browser.html(second)
            #expect(html.contains("Conflict: rex recorded positive"))
            #expect(html.contains("rita says neg"), "the second reviewer's comment is kept in the form")
            #expect(html.contains("class=\"chosen\""))
            // Submitting again from the conflict page (now knowing rex's call) works.
            let newExpected = try #require(Browser.field("expected", in: html))
            #expect(newExpected != expected)
            let retry = try await rita.post(
                "/items/\(item.id)",
                ["csrf": Browser.csrf(in: second)!, "expected": newExpected, "decision": "negative", "comment": "rita says neg"])
            #expect(retry.status == .seeOther)
        }
        let events = try fixture.reviewerEvents(item.sampleToken)
        #expect(events.map(\.author) == ["rex", "rita"])
        #expect(events.map(\.label) == [.positive, .negative])
    }

    @Test("the store refuses a stale decision atomically under real concurrency")
    func storeCompareAndSwap() async throws {
        let fixture = try await Fixture()
        let token = try fixture.store.reviewQueue(.uncertainty, limit: 1).items[0].sampleToken
        let expected = try fixture.store.sample(token: token).labelEventID
        let store = fixture.store
        let outcomes = try await withThrowingTaskGroup(of: ReviewOutcome.self) { group in
            for n in 0..<8 {
                group.addTask {
                    try store.recordReview(
                        sample: token, label: n % 2 == 0 ? .positive : .negative, expectedLabelEventID: expected,
                        author: "r\(n)", reason: nil)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let recorded = outcomes.filter { if case .recorded = $0 { true } else { false } }
        #expect(recorded.count == 1)
        #expect(try fixture.reviewerEvents(token).count == 1)
    }

    @Test("blind double reading: hidden calls, agreement becomes a label, disagreement is adjudicated, kappa shown")
    func doubleReading() async throws {
        let fixture = try await Fixture(samples: 10, queue: 6)
        let items = try fixture.store.reviewQueue(.uncertainty, limit: 6).items
        try await fixture.withClient { client in
            let cora = Browser(client)
            try await cora.login("cora")
            let assignPage = try await cora.get("/double-reading")
            let assigned = try await cora.post(
                "/double-reading",
                ["csrf": Browser.csrf(in: assignPage)!, "count": "4", "queue": "uncertainty", "reader1": "rex", "reader2": "rita"])
            #expect(assigned.status == .seeOther)
            #expect(assigned.headers[.location] == "/double-reading?assigned=4")

            let rex = Browser(client), rita = Browser(client)
            try await rex.login("rex")
            try await rita.login("rita")
            // rex: pos, pos, neg, neg; rita: pos, neg, neg, unsure -> agree on readings 1 and 3.
            let calls: [(String, String)] = [("positive", "positive"), ("positive", "negative"), ("negative", "negative"), ("negative", "unsure")]
            let readings = try fixture.store.doubleReadings()
            #expect(readings.count == 4)
            for (reading, call) in zip(readings, calls) {
                for (browser, decision) in [(rex, call.0), (rita, call.1)] {
                    let page = try await browser.get("/reads/\(reading.id)")
                    let html = Browser.html(page)
                    #expect(page.status == .ok)
                    #expect(!html.contains("id=\"history\""), "blind: no label history")
                    #expect(!html.contains("current-label"), "blind: no current label")
                    #expect(!html.contains("rex: ") && !html.contains("rita: "), "blind: no other call")
                    let response = try await browser.post(
                        "/reads/\(reading.id)", ["csrf": Browser.csrf(in: page)!, "decision": decision, "comment": ""])
                    #expect(response.status == .seeOther)
                }
            }
            // A third reviewer cannot open the reads.
            let ravi = Browser(client)
            try await ravi.login("ravi")
            #expect(try await ravi.get("/reads/\(readings[0].id)").status == .forbidden)

            let list = Browser.html(try await cora.get("/adjudication"))
            #expect(list.contains("#\(readings[1].id)") && list.contains("#\(readings[3].id)"))
            #expect(!list.contains("#\(readings[0].id)<"))
            // A reader cannot adjudicate their own item (rex is a reviewer: not even the page).
            #expect(try await rex.get("/adjudication/\(readings[1].id)").status == .forbidden)
            let adjudicate = try await cora.get("/adjudication/\(readings[1].id)")
            #expect(Browser.html(adjudicate).contains("rex</strong>: positive"))
            let done = try await cora.post(
                "/adjudication/\(readings[1].id)",
                ["csrf": Browser.csrf(in: adjudicate)!, "decision": "positive", "comment": "band 22q11 visible"])
            #expect(done.status == .seeOther)

            let stats = Browser.html(try await cora.get("/stats"))
            #expect(stats.contains("<td>rex</td><td>rita</td><td>4</td>"))
            #expect(stats.contains("<td>0.500</td>"), "observed agreement 2/4")
        }
        // Agreements and the adjudication are label events; the open disagreement is not.
        let readings = try fixture.store.doubleReadings()
        #expect(readings[0].labelEventID != nil && readings[2].labelEventID != nil && readings[1].labelEventID != nil)
        #expect(readings[3].labelEventID == nil && readings[3].needsAdjudication)
        let agreed = try #require(try fixture.reviewerEvents(items[0].sampleToken).last)
        #expect(agreed.label == .positive && agreed.reason?.contains("agree") == true)
        let adjudicated = try #require(try fixture.reviewerEvents(readings[1].sampleToken).last)
        #expect(adjudicated.author == "cora" && adjudicated.label == .positive)
        #expect(adjudicated.reason?.contains("band 22q11 visible") == true)
        #expect(try fixture.reviewerEvents(readings[3].sampleToken).isEmpty)
    }

    @Test("dataset page lists versions and diffs two of them")
    func datasetPage() async throws {
        let fixture = try await Fixture()
        let token = try fixture.store.reviewQueue(.uncertainty, limit: 1).items[0].sampleToken
        try fixture.store.addLabel(sample: token, label: .unsure, source: .reviewer, author: "rex", reason: "x", karyotype: nil)
        let second = try fixture.store.commit(message: "after review", author: "cora")
        try await fixture.withClient { client in
            let cora = Browser(client)
            try await cora.login("cora")
            let html = Browser.html(try await cora.get("/dataset?from=\(fixture.summary.version)&to=\(second.id)"))
            #expect(html.contains(second.id) && html.contains(fixture.summary.version))
            #expect(html.contains("id=\"version-plot\""))
            #expect(html.contains("1 label changes"))
            #expect(html.contains(token))
        }
    }

    @Test("the model report is served to curators with a script-free policy")
    func modelReport() async throws {
        let fixture = try await Fixture()
        try await fixture.withClient { client in
            let cora = Browser(client)
            try await cora.login("cora")
            let response = try await cora.get("/dataset/report")
            #expect(response.status == .ok)
            let html = Browser.html(response)
            #expect(html.contains("Accuracy per dataset version"))
            #expect(!html.contains("<script"))
            let policy = try #require(response.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && !policy.contains("script-src"))
            let rex = Browser(client)
            try await rex.login("rex")
            #expect(try await rex.get("/dataset/report").status == .forbidden)
            #expect(try await Browser(client).get("/dataset/report").status == .seeOther)
        }
    }
}
