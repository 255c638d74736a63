import Foundation
import Hummingbird
import KaryoCore
import KaryoStore

extension ReviewApp {
    // MARK: - Blind reads (readers)

    /// GET /reads — the double readings assigned to me that I have not read.
    func readsPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .reviewer)
        let pending = try store.pendingReads(reader: session.account.name)
        var html = "<h1>My blind reads</h1>"
        if pending.isEmpty {
            html += "<p class=\"panel\">Nothing to read. A curator assigns double readings.</p>"
        } else {
            html += "<p><a href=\"/reads/\(pending[0].id)\" data-key=\"s\" id=\"start\">Start reading</a> <kbd>s</kbd> · \(pending.count) to read</p>"
            html += "<table id=\"reads\"><thead><tr><th>Reading</th><th>Sample</th><th>Assigned</th></tr></thead><tbody>"
            for reading in pending {
                html += "<tr><td><a href=\"/reads/\(reading.id)\">#\(reading.id)</a></td><td>\(esc(reading.sampleToken))</td><td>\(formatDate(reading.createdAt))</td></tr>"
            }
            html += "</tbody></table>"
        }
        let flash = request.uri.queryParameters.get("recorded").map { "Read #\($0) recorded." }
        return HTMLResponse.page(layout("My blind reads", session: session, active: "reads", flash: flash, html))
    }

    func reading(_ context: ServeContext) throws -> DoubleReading {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0, let reading = try store.doubleReading(id: id)
        else {
            throw ServeError(.notFound, "no such double reading")
        }
        return reading
    }

    /// GET /reads/:id — the images only: no label, no history, no other reader's call.
    func readPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .reviewer)
        let reading = try reading(context)
        let me = session.account.name
        guard reading.reader1 == me || reading.reader2 == me else {
            throw ServeError(.forbidden, "this double reading is assigned to other readers")
        }
        if reading.reads.contains(where: { $0.reader == me }) {
            return HTMLResponse.page(
                layout("Read #\(reading.id)", session: session, active: "reads",
                       flash: "You have read #\(reading.id).", "<p><a href=\"/reads\">Back to my reads</a></p>"))
        }
        let images = try sampleImages(reading.sampleToken)
        var html = """
            <h1>Blind read #\(reading.id) <span class="muted">· \(esc(reading.sampleToken))</span></h1>
            <p class="muted">Blind: the current label, the history and the other reader's call are hidden until both reads are in.</p>
            """
        html += imagePanels(images)
        html += decisionForm(
            action: "/reads/\(reading.id)", session: session, current: nil, expected: nil, decision: nil, comment: "",
            confirm: false)
        return HTMLResponse.page(layout("Blind read", session: session, active: "reads", html))
    }

    func decidedLabel(_ form: [String: String]) throws -> SampleLabel {
        guard let text = form["decision"], let label = SampleLabel(rawValue: text) else {
            throw ServeError(.badRequest, "choose positive, negative or unsure")
        }
        return label
    }

    /// POST /reads/:id
    func submitRead(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .reviewer)
        let reading = try reading(context)
        let me = session.account.name
        guard reading.reader1 == me || reading.reader2 == me else {
            throw ServeError(.forbidden, "this double reading is assigned to other readers")
        }
        let label = try decidedLabel(context.form)
        try store.recordBlindRead(
            reading: reading.id, reader: me, decision: label, comment: String((context.form["comment"] ?? "").prefix(2000)))
        let next = try store.pendingReads(reader: me).first
        return HTMLResponse.redirect((next.map { "/reads/\($0.id)" } ?? "/reads") + "?recorded=\(reading.id)")
    }

    // MARK: - Assigning double readings (curators)

    /// GET /double-reading — the assignment form and every double reading's state.
    func doubleReadingPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let flash = request.uri.queryParameters.get("assigned").map { "\($0) double reading(s) assigned." }
        return HTMLResponse.page(try renderDoubleReading(session: session, flash: flash))
    }

    func renderDoubleReading(session: WebSession, flash: String? = nil, error: String? = nil) throws -> String {
        let readers = try store.accounts().filter { !$0.disabled }
        let options = readers.map { "<option value=\"\(esc($0.name))\">\(esc($0.name)) (\($0.role.rawValue))</option>" }
            .joined()
        var html = """
            <h1>Blind double reading</h1>
            <form method="post" action="/double-reading" class="panel" id="assign">
            \(csrfField(session))
            Send the top <input type="text" name="count" value="10" size="4"> pending items of the
            <select name="queue"><option value="uncertainty">uncertainty</option><option value="label-error">label-error</option></select>
            queue to <select name="reader1">\(options)</select> and <select name="reader2">\(options)</select>
            <button type="submit">Assign</button>
            <p class="muted">Each reader sees only the images. Agreeing calls become a label event; disagreements go to adjudication.</p>
            </form>
            <h2>All double readings</h2>
            <table id="readings"><thead><tr><th>#</th><th>Sample</th><th>Readers</th><th>Reads in</th><th>State</th></tr></thead><tbody>
            """
        for reading in try store.doubleReadings().reversed() {
            let state: String
            if let adjudication = reading.adjudication {
                state = "adjudicated \(adjudication.decision.rawValue) by \(esc(adjudication.adjudicator))"
            } else if reading.labelEventID != nil {
                state = "agreed \(reading.reads.first?.decision.rawValue ?? "")"
            } else if reading.needsAdjudication {
                state = "<a href=\"/adjudication/\(reading.id)\">needs adjudication</a>"
            } else {
                state = "open"
            }
            html += "<tr><td>\(reading.id)</td><td>\(esc(reading.sampleToken))</td><td>\(esc(reading.reader1)), \(esc(reading.reader2))</td><td>\(reading.reads.count)/2</td><td>\(state)</td></tr>"
        }
        html += "</tbody></table>"
        return layout("Double reading", session: session, active: "double-reading", flash: flash, error: error, html)
    }

    /// POST /double-reading — assigns the top N pending items of a queue (skipping samples that
    /// already have an open double reading).
    func assignDoubleReading(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let form = context.form
        guard let count = form["count"].flatMap({ Int($0) }), (1...500).contains(count) else {
            throw ServeError(.badRequest, "the number of items must be 1 to 500")
        }
        guard let queue = form["queue"].flatMap(ReviewQueueKind.init(rawValue:)) else {
            throw ServeError(.badRequest, "unknown queue")
        }
        let reader1 = form["reader1"] ?? "", reader2 = form["reader2"] ?? ""
        guard reader1 != reader2 else {
            return HTMLResponse.page(
                try renderDoubleReading(session: session, error: "Choose two different readers."), status: .badRequest)
        }
        var assigned = 0
        var offset = 0
        while assigned < count {
            let page = try store.reviewQueue(queue, filter: .pending, limit: 100, offset: offset)
            if page.items.isEmpty { break }
            offset += page.items.count
            for item in page.items where assigned < count {
                if try store.doubleReadings(sample: item.sampleToken).contains(where: { $0.labelEventID == nil }) { continue }
                try store.createDoubleReading(
                    sample: item.sampleToken, reader1: reader1, reader2: reader2, createdBy: session.account.name)
                assigned += 1
            }
        }
        return HTMLResponse.redirect("/double-reading?assigned=\(assigned)")
    }

    // MARK: - Adjudication (curators)

    /// GET /adjudication — disagreements waiting for an adjudicator.
    func adjudicationList(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let waiting = try store.readingsNeedingAdjudication()
        var html = "<h1>Adjudication</h1>"
        if waiting.isEmpty {
            html += "<p class=\"panel\">No disagreements waiting.</p>"
        } else {
            html += "<table id=\"adjudication\"><thead><tr><th>#</th><th>Sample</th><th>Calls</th></tr></thead><tbody>"
            for reading in waiting {
                let calls = reading.reads.map { "\(esc($0.reader)): \($0.decision.rawValue)" }.joined(separator: ", ")
                html += "<tr><td><a href=\"/adjudication/\(reading.id)\">#\(reading.id)</a></td><td>\(esc(reading.sampleToken))</td><td>\(calls)</td></tr>"
            }
            html += "</tbody></table>"
        }
        let flash = request.uri.queryParameters.get("recorded").map { "Adjudication of #\($0) recorded." }
        return HTMLResponse.page(layout("Adjudication", session: session, active: "adjudication", flash: flash, html))
    }

    /// GET /adjudication/:id — both calls, the images, the history, the decision form.
    func adjudicationPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let reading = try reading(context)
        let images = try sampleImages(reading.sampleToken)
        var html = "<h1>Adjudicate #\(reading.id) <span class=\"muted\">· \(esc(reading.sampleToken))</span></h1><div class=\"panel\" id=\"calls\">"
        for read in reading.reads {
            html += "<strong>\(esc(read.reader))</strong>: \(read.decision.rawValue)\(read.comment.map { " — \(esc($0))" } ?? "")<br>"
        }
        html += "</div>"
        if !reading.needsAdjudication {
            html += "<p class=\"panel\">This double reading does not need adjudication.</p>"
        } else if reading.reader1 == session.account.name || reading.reader2 == session.account.name {
            html += "<p class=\"panel\">You read this item; another curator adjudicates it.</p>"
        } else {
            html += decisionForm(
                action: "/adjudication/\(reading.id)", session: session, current: nil, expected: nil, decision: nil,
                comment: "", confirm: false)
        }
        html += imagePanels(images)
        html += historyTable(try store.labelHistory(sample: reading.sampleToken))
        return HTMLResponse.page(layout("Adjudicate", session: session, active: "adjudication", html))
    }

    /// POST /adjudication/:id
    func submitAdjudication(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let reading = try reading(context)
        let label = try decidedLabel(context.form)
        try store.adjudicate(
            reading: reading.id, adjudicator: session.account.name, decision: label,
            comment: String((context.form["comment"] ?? "").prefix(2000)))
        return HTMLResponse.redirect("/adjudication?recorded=\(reading.id)")
    }

    // MARK: - Statistics (curators)

    /// GET /stats — Cohen's kappa per pair of readers, and each reviewer's decisions.
    func statsPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let pairs = Agreement.perPair(try store.completedReadPairs())
        var html = "<h1>Reader agreement</h1>"
        if pairs.isEmpty {
            html += "<p class=\"panel\">No double reading has both reads yet.</p>"
        } else {
            html += """
                <table id="kappa"><thead><tr><th>Reader A</th><th>Reader B</th><th>Items</th><th>Observed agreement</th>\
                <th>Chance agreement</th><th>Cohen's κ</th><th>A × B (pos/neg/unsure)</th></tr></thead><tbody>
                """
            for pair in pairs {
                let table = pair.table.map { $0.map(String.init).joined(separator: " ") }.joined(separator: " | ")
                html += """
                    <tr><td>\(esc(pair.readerA))</td><td>\(esc(pair.readerB))</td><td>\(pair.count)</td>\
                    <td>\(formatNumber(pair.observed))</td><td>\(formatNumber(pair.expected))</td>\
                    <td>\(pair.kappa.map { formatNumber($0) } ?? "undefined")</td><td>\(table)</td></tr>
                    """
            }
            html += "</tbody></table><p class=\"muted\">κ = (observed − chance) / (1 − chance); undefined when both readers only ever gave one and the same call.</p>"
        }
        return HTMLResponse.page(layout("Agreement", session: session, active: "stats", html))
    }
}
