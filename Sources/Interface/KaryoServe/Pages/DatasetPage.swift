import Foundation
import HTTPTypes
import Hummingbird
import Karyo
import KaryoLoop
import KaryoStore

extension ReviewApp {
    /// GET /dataset?from=V&to=V — versions, their training runs' metrics, a plot, and a diff.
    func datasetPage(_ request: Request, _ context: ServeContext) async throws -> Response {
        let session = try require(context, .curator)
        let versions = try store.log()
        var html = "<h1>Dataset versions</h1>"
        if versions.isEmpty {
            html += "<p class=\"panel\">No version committed yet (<code>karyo commit</code>).</p>"
            return HTMLResponse.page(layout("Dataset", session: session, active: "dataset", html))
        }
        let runs = try store.trainingRuns()
        var accuracy: [String: Double] = [:]
        for run in runs.reversed() where run.purpose != .fold {
            if let value = Self.metric(run.metrics, named: "accuracy") { accuracy[run.version] = value }
        }
        html += Self.versionPlot(versions.reversed(), accuracy: accuracy)
        if !runs.isEmpty {
            html += """
                <p class="panel"><a href="/dataset/report" id="model-report">Model report</a>: accuracy per version, \
                training curves, ROC, calibration, confusion matrices and flagged samples (the same page as \
                <code>karyo report</code>).</p>
                """
        }
        html += """
            <table id="versions"><thead><tr><th>Version</th><th>Committed</th><th>Message</th><th>Members</th>\
            <th>pos / neg / unsure</th><th>train / val / test</th><th>+ / − / ~</th><th>Tags</th><th>Validation accuracy</th></tr></thead><tbody>
            """
        for v in versions {
            html += """
                <tr><td><code>\(esc(v.id))</code></td><td>\(formatDate(v.createdAt))</td><td>\(esc(v.message))</td>\
                <td>\(v.memberCount)</td><td>\(v.labelCounts.positive) / \(v.labelCounts.negative) / \(v.labelCounts.unsure)</td>\
                <td>\(v.splitCounts.train) / \(v.splitCounts.validation) / \(v.splitCounts.test)</td>\
                <td>\(v.added) / \(v.removed) / \(v.updated)</td><td>\(esc(v.tags.joined(separator: ", ")))</td>\
                <td>\(accuracy[v.id].map { formatNumber($0) } ?? "—")</td></tr>
                """
        }
        html += "</tbody></table>"
        if !runs.isEmpty {
            html += "<h2>Training runs</h2><table id=\"runs\"><thead><tr><th>#</th><th>Version</th><th>Purpose</th><th>Evaluated on</th><th>Metrics</th></tr></thead><tbody>"
            for run in runs.prefix(50) {
                let metrics = Self.numericLeaves(run.metrics).prefix(12).map { "\(esc($0.0)) \(formatNumber($0.1))" }
                    .joined(separator: " · ")
                html += "<tr><td>\(run.id)</td><td><code>\(esc(run.version))</code></td><td>\(run.purpose.rawValue)</td><td>\(run.evalSplit.rawValue)</td><td>\(metrics)</td></tr>"
            }
            html += "</tbody></table>"
        }
        func options(_ selected: String?) -> String {
            versions.map { "<option value=\"\(esc($0.id))\"\($0.id == selected ? " selected" : "")>\(esc($0.id)) \(esc(String($0.message.prefix(40))))</option>" }.joined()
        }
        let query = request.uri.queryParameters
        let from = query.get("from"), to = query.get("to")
        html += """
            <h2>Compare two versions</h2>
            <form method="get" action="/dataset" class="panel">
            from <select name="from">\(options(from ?? (versions.count > 1 ? versions[1].id : versions[0].id)))</select>
            to <select name="to">\(options(to ?? versions[0].id))</select> <button type="submit">Diff</button></form>
            """
        if let from, let to {
            let diff = try store.diff(from: from, to: to)
            html += """
                <div class="panel" id="diff"><strong>\(esc(from)) → \(esc(to))</strong>: \(diff.added.count) added, \
                \(diff.removed.count) removed, \(diff.labelChanges.count) label changes, \(diff.splitChanges.count) split changes</div>
                """
            if !diff.labelChanges.isEmpty {
                html += "<table><thead><tr><th>Sample</th><th>Old</th><th>New</th></tr></thead><tbody>"
                for change in diff.labelChanges.prefix(200) {
                    html += "<tr><td>\(esc(change.sampleToken))</td><td>\(change.old.rawValue)</td><td>\(change.new.rawValue)</td></tr>"
                }
                html += "</tbody></table>"
            }
        }
        return HTMLResponse.page(layout("Dataset", session: session, active: "dataset", html))
    }

    /// GET /dataset/report — the model-in-the-loop report (`karyo report`'s HTML), built from the
    /// store on request. It is one self-contained page with inline styles and data: images and no
    /// script, so it gets its own policy that allows exactly that.
    func modelReport(_ request: Request, _ context: ServeContext) async throws -> Response {
        _ = try require(context, .curator)
        let report = try LoopReportBuilder(store: store).build()
        let policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
            + "frame-ancestors 'none'; base-uri 'none'"
        return HTMLResponse.page(HTMLReport.render(report), headers: [HTTPField(name: .contentSecurityPolicy, value: policy)])
    }

    /// Numeric values of a metrics JSON object, as dotted paths (two levels deep).
    static func numericLeaves(_ json: String) -> [(String, Double)] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return [] }
        var out: [(String, Double)] = []
        for key in object.keys.sorted() {
            if let n = object[key] as? NSNumber, !(object[key] is Bool) {
                out.append((key, n.doubleValue))
            } else if let inner = object[key] as? [String: Any] {
                for k in inner.keys.sorted() {
                    if let n = inner[k] as? NSNumber { out.append((key + "." + k, n.doubleValue)) }
                }
            }
        }
        return out
    }

    /// A metric by name: a top-level number, or the `value`/`estimate`/`point` of an object, looked
    /// up also under `cell` or `perCell`/`validation` objects.
    static func metric(_ json: String, named name: String) -> Double? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return nil }
        func value(_ any: Any?) -> Double? {
            if let n = any as? NSNumber { return n.doubleValue }
            if let o = any as? [String: Any] {
                for key in ["value", "estimate", "point", "mean"] { if let n = o[key] as? NSNumber { return n.doubleValue } }
            }
            return nil
        }
        if let v = value(object[name]) { return v }
        for scope in ["cell", "perCell", "validation", "metrics"] {
            if let inner = object[scope] as? [String: Any], let v = value(inner[name]) { return v }
        }
        return nil
    }

    /// Members per version as bars, validation accuracy as a line (inline SVG, no script).
    static func versionPlot(_ versions: [VersionInfo], accuracy: [String: Double]) -> String {
        guard !versions.isEmpty else { return "" }
        let width = 640.0, height = 180.0, left = 40.0, bottom = 24.0
        let maxMembers = Double(max(1, versions.map(\.memberCount).max() ?? 1))
        let step = (width - left) / Double(versions.count)
        var svg = "<svg id=\"version-plot\" class=\"panel\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"members and validation accuracy per version\">"
        svg += "<text x=\"4\" y=\"12\" font-size=\"10\">members (bars) · validation accuracy (line, 0–1)</text>"
        var points: [String] = []
        for (i, v) in versions.enumerated() {
            let h = (height - bottom - 20) * Double(v.memberCount) / maxMembers
            let x = left + Double(i) * step
            svg += "<rect x=\"\(x + 2)\" y=\"\(height - bottom - h)\" width=\"\(max(1, step - 4))\" height=\"\(h)\" fill=\"#b7c9dd\"><title>\(esc(v.id)): \(v.memberCount) members</title></rect>"
            if let a = accuracy[v.id] {
                points.append("\(x + step / 2),\(height - bottom - (height - bottom - 20) * a)")
            }
        }
        if points.count > 1 {
            svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#1f5f99\" stroke-width=\"2\"/>"
        }
        for p in points {
            let xy = p.split(separator: ",")
            svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"#1f5f99\"/>"
        }
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"#888\"/></svg>"
        return svg
    }
}
