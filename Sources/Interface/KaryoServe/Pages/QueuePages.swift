import Foundation
import Hummingbird
import KaryoCore
import KaryoStore

extension ReviewApp {
    /// GET /queue?queue=uncertainty|label-error&filter=pending|decided|all&page=N
    func queuePage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .reviewer)
        let query = request.uri.queryParameters
        let queue = query.get("queue").flatMap(ReviewQueueKind.init(rawValue:)) ?? .uncertainty
        let filter = query.get("filter").flatMap(ReviewQueueFilter.init(rawValue:)) ?? .pending
        let pageNumber = max(1, query.get("page").flatMap { Int($0) } ?? 1)
        let stamp = try store.reviewStateStamp()
        let html = try queueCache.value("\(queue.rawValue)|\(filter.rawValue)|\(pageNumber)", stamp: stamp) {
            try queueBody(queue: queue, filter: filter, pageNumber: pageNumber)
        }
        return HTMLResponse.page(layout("Queue", session: session, active: "queue", html))
    }

    /// The queue page's content (the same for every account, so it is cached).
    func queueBody(queue: ReviewQueueKind, filter: ReviewQueueFilter, pageNumber: Int) throws -> String {
        let size = configuration.queuePageSize
        let page = try store.reviewQueue(queue, filter: filter, limit: size, offset: (pageNumber - 1) * size)
        let thumbs = try store.derivedImageHashes(
            step: .normalizeT922, samples: page.items.map(\.sampleToken))

        var html = "<h1>Review queue</h1>"
        guard let run = page.flagRun else {
            html += "<p class=\"panel\">No flag run yet: a curator runs <code>karyo flag VERSION</code> to fill the queues.</p>"
            return html
        }
        html += """
            <p class="muted">Flag run #\(run.id) of version \(esc(run.version)), \(formatDate(run.createdAt)): \
            \(run.uncertaintyCount) uncertain, \(run.labelErrorCount) probable label errors\
            \(run.skipped > 0 ? ", \(run.skipped) members could not be scored" : "").</p>
            """
        func link(_ q: ReviewQueueKind, _ f: ReviewQueueFilter, _ text: String, key: String? = nil) -> String {
            let current = q == queue && f == filter
            return "<a href=\"/queue?queue=\(q.rawValue)&amp;filter=\(f.rawValue)\"\(key.map { " data-key=\"\($0)\"" } ?? "")\(current ? " class=\"active\"" : "")>\(current ? "<strong>\(text)</strong>" : text)</a>"
        }
        html += "<p class=\"pager\">"
            + link(.uncertainty, filter, "Uncertainty queue", key: "1") + " "
            + link(.labelError, filter, "Probable label errors", key: "2") + " · show "
            + link(queue, .pending, "pending") + " " + link(queue, .decided, "decided") + " " + link(queue, .all, "all")
            + "</p>"
        let pending = filter == .pending ? page.items.first : nil
        if let first = pending {
            html += "<p><a id=\"start\" data-key=\"s\" href=\"/items/\(first.id)\">Start reviewing</a> <kbd>s</kbd> · \(page.total) pending</p>"
        } else {
            html += "<p class=\"muted\">\(page.total) item\(page.total == 1 ? "" : "s")</p>"
        }
        html += """
            <table id="queue"><thead><tr><th>Rank</th><th>Image</th><th>Sample</th><th>Score</th><th>p(t(9;22))</th>\
            <th>Why flagged</th><th>Label when flagged</th><th>Current label</th><th>Split</th><th>Review</th></tr></thead><tbody>
            """
        for item in page.items {
            let thumb = thumbs[item.sampleToken].map {
                "<img class=\"thumb\" src=\"\(imageURL(item.sampleToken, $0))\" alt=\"\" loading=\"lazy\">"
            } ?? ""
            let review = item.review.map {
                "\(esc($0.label?.rawValue ?? "withdrawn")) by \(esc($0.reviewer))"
            } ?? "<span class=\"muted\">pending</span>"
            html += """
                <tr\(item.review == nil ? "" : " class=\"decided\"")><td>\(item.rank)</td><td>\(thumb)</td>\
                <td><a href="/items/\(item.id)">\(esc(item.sampleToken))</a></td><td>\(formatNumber(item.score))</td>\
                <td>\(formatNumber(item.modelProbability))</td><td>\(esc(item.reason))</td><td>\(item.label.rawValue)</td>\
                <td>\(item.currentLabel?.rawValue ?? "none")</td><td>\(item.split.rawValue)</td><td>\(review)</td></tr>
                """
        }
        html += "</tbody></table>"
        let pages = max(1, (page.total + size - 1) / size)
        if pages > 1 {
            let base = "/queue?queue=\(queue.rawValue)&amp;filter=\(filter.rawValue)&amp;page="
            html += "<p class=\"pager\">"
            if pageNumber > 1 { html += "<a href=\"\(base)\(pageNumber - 1)\" data-key=\"k\">← previous</a>" }
            html += "<span>page \(pageNumber) of \(pages)</span>"
            if pageNumber < pages { html += "<a href=\"\(base)\(pageNumber + 1)\" data-key=\"j\">next →</a>" }
            html += "</p>"
        }
        return html
    }

    /// GET /items/:id — one queue item with its images, the model's view, the history and the
    /// decision form.
    func itemPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .reviewer)
        let item = try queueItem(context)
        let flash = request.uri.queryParameters.get("recorded").map { "Decision recorded on \($0)." }
        return HTMLResponse.page(try renderItem(item, session: session, flash: flash))
    }

    func queueItem(_ context: ServeContext) throws -> ReviewQueueItem {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw ServeError(.notFound, "no such queue item")
        }
        return try store.reviewQueueItem(id: id)
    }

    /// The item page; `error`, `decision` and `comment` refill the form after a conflict.
    func renderItem(
        _ item: ReviewQueueItem, session: WebSession, flash: String? = nil, error: String? = nil,
        decision: String? = nil, comment: String = ""
    ) throws -> String {
        let images = try sampleImages(item.sampleToken)
        let history = try store.labelHistory(sample: item.sampleToken)
        let sample = images.sample
        let openReadings = try store.doubleReadings(sample: item.sampleToken).filter { $0.labelEventID == nil }
        let next = try store.reviewQueue(item.queue, flagRun: item.flagRun, filter: .pending, limit: 2).items
            .first { $0.id != item.id }

        var html = """
            <h1>\(esc(item.sampleToken)) <span class="muted">· \(item.queue == .uncertainty ? "uncertainty" : "probable label error") queue, rank \(item.rank)</span></h1>
            <p class="pager"><a href="/queue?queue=\(item.queue.rawValue)" data-key="q">← queue</a> <kbd>q</kbd>\
            \(next.map { " <a id=\"next\" href=\"/items/\($0.id)\" data-key=\"j\">next pending →</a> <kbd>j</kbd>" } ?? "")</p>
            <div class="panel" id="model">
            <strong>Model:</strong> p(t(9;22)) = <span id="probability">\(formatNumber(item.modelProbability))</span> · \
            score \(formatNumber(item.score)) · <strong>why flagged:</strong> <span id="reason">\(esc(item.reason))</span><br>
            Label when flagged: \(item.label.rawValue) · current label: <strong id="current-label">\(sample.label?.rawValue ?? "none")</strong>\
            \(sample.labelSource.map { " (\($0.rawValue))" } ?? "") · split \(item.split.rawValue) · \(sample.kind.rawValue) · lab \(esc(sample.lab))
            \(openReadings.isEmpty ? "" : "<br><em>This sample is in a blind double reading; its result will be recorded as a label event too.</em>")
            </div>
            """
        html += imagePanels(images)
        html += decisionForm(
            action: "/items/\(item.id)", session: session, current: sample.label, expected: sample.labelEventID,
            decision: decision, comment: comment, confirm: true)
        html += historyTable(history)
        let title = "Review \(item.sampleToken)"
        return layout(title, session: session, active: "queue", flash: flash, error: error, html)
    }

    /// The decision buttons (each with its shortcut) and the comment field.
    func decisionForm(
        action: String, session: WebSession, current: SampleLabel?, expected: Int64?, decision: String?,
        comment: String, confirm: Bool
    ) -> String {
        func button(_ value: String, _ text: String, _ key: String) -> String {
            let chosen = decision == value ? " class=\"chosen\" autofocus" : ""
            return "<button type=\"submit\" name=\"decision\" value=\"\(value)\" data-key=\"\(key)\" id=\"decide-\(value)\"\(chosen)>\(text) <kbd>\(key)</kbd></button>"
        }
        var buttons = ""
        if confirm, let current, current != .unsure {
            buttons += button("confirm", "Confirm \(current.rawValue)", "c")
        }
        for label in [SampleLabel.positive, .negative] where !(confirm && label == current) {
            buttons += button(label.rawValue, confirm ? "Relabel \(label.rawValue)" : label.rawValue.capitalized, label == .positive ? "p" : "n")
        }
        buttons += button("unsure", "Unsure", "u")
        return """
            <form method="post" action="\(action)" class="decide panel" id="decision">
            \(csrfField(session))
            <input type="hidden" name="expected" value="\(expected.map(String.init) ?? "none")">
            <div>\(buttons)</div>
            <label for="comment">Comment / reason <kbd>/</kbd></label><br>
            <textarea id="comment" name="comment" data-key="/" maxlength="2000">\(esc(comment))</textarea>
            </form>
            """
    }

    func historyTable(_ history: [LabelEvent]) -> String {
        var html = "<h2>Label history</h2><table id=\"history\"><thead><tr><th>#</th><th>When</th><th>Label</th><th>Source</th><th>By</th><th>Reason</th></tr></thead><tbody>"
        for event in history.reversed() {
            html += "<tr><td>\(event.id)</td><td>\(formatDate(event.createdAt))</td><td>\(event.label?.rawValue ?? "withdrawn")</td><td>\(event.source.rawValue)</td><td>\(esc(event.author))</td><td>\(esc(event.reason ?? ""))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// POST /items/:id — confirm, relabel or unsure, as a label event; refused with 409 when
    /// another decision came in since the page was shown.
    func decideItem(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .reviewer)
        let item = try queueItem(context)
        let form = context.form
        let comment = String((form["comment"] ?? "").prefix(2000))
        let expected: Int64?
        switch form["expected"] {
        case "none": expected = nil
        case let text?: guard let id = Int64(text) else { throw ServeError(.badRequest, "bad form field: expected") }; expected = id
        case nil: throw ServeError(.badRequest, "the form lacks the label state it was made for")
        }
        let sample = try store.sample(token: item.sampleToken)
        let decisionText = form["decision"] ?? ""
        let decision: ReviewDecision
        switch decisionText {
        case "confirm": decision = .confirm
        case "positive": decision = .relabel(.positive)
        case "negative": decision = .relabel(.negative)
        case "unsure": decision = .unsure
        default: throw ServeError(.badRequest, "choose confirm, positive, negative or unsure")
        }
        guard let label = sample.label.map(decision.label(current:)) ?? {
            if case .relabel(let l) = decision { return l }
            if case .unsure = decision { return .unsure }
            return nil
        }() else {
            throw ServeError(.badRequest, "this sample has no label to confirm")
        }
        let what: String
        switch decision {
        case .confirm: what = "confirmed \(label.rawValue)"
        case .relabel: what = label == sample.label ? "confirmed \(label.rawValue)" : "relabelled \(label.rawValue)"
        case .unsure: what = "unsure"
        }
        let reason = "web review (\(item.queue.rawValue) queue, flag run \(item.flagRun)): \(what)"
            + (comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "" : ": \(comment)")
        switch try store.recordReview(
            sample: item.sampleToken, label: label, expectedLabelEventID: expected, author: session.account.name,
            reason: reason)
        {
        case .recorded:
            let next = try store.reviewQueue(item.queue, flagRun: item.flagRun, filter: .pending, limit: 1).items.first
            let target = next.map { "/items/\($0.id)" } ?? "/queue?queue=\(item.queue.rawValue)"
            return HTMLResponse.redirect(target + (target.contains("?") ? "&" : "?") + "recorded=" + urlComponent(item.sampleToken))
        case .conflict(let current):
            let message: String
            if let current {
                message = "Conflict: \(current.author) recorded \(current.label?.rawValue ?? "a withdrawal") (\(current.source.rawValue)) on this sample at \(formatDate(current.createdAt)) after this page was shown. Your decision (\(decisionText)) was NOT recorded; it is kept below — check the new state and submit again."
            } else {
                message = "Conflict: the sample's label changed after this page was shown. Your decision was NOT recorded; submit again."
            }
            return HTMLResponse.page(
                try renderItem(item, session: session, error: message, decision: decisionText, comment: comment),
                status: .conflict)
        }
    }
}
