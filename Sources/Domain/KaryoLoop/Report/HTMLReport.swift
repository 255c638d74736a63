import Foundation

/// Renders a `LoopReport` as one self-contained HTML file: inline CSS, inline SVG plots (accuracy
/// per dataset version, training curves like the paper's Figure 7, ROC, calibration, uncertainty
/// vs random sampling), the confusion matrices, and the flagged samples with their images inlined
/// as data: URIs. No scripts and no external references.
public enum HTMLReport {
    public static func render(_ report: LoopReport) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>\(escape(report.title))</title>
            <style>
            body{font-family:sans-serif;margin:24px;color:#222;max-width:1150px}
            h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}
            .plots svg{margin:4px;border:1px solid #eee}.flag img{width:90px;height:90px;image-rendering:pixelated}
            .muted{color:#777;font-size:12px}
            </style></head><body>
            <h1>\(escape(report.title))</h1>
            <p class="muted">Generated \(escape(iso(report.generatedAt))) by karyo \(escape(report.codeVersion)).</p>

            """
        for note in report.notes { html += "<p class=\"muted\">\(escape(note))</p>\n" }
        html += versionsSection(report)
        if let run = report.latestRun { html += runSection(run) }
        if let al = report.activeLearning { html += activeLearningSection(al) }
        html += flaggedSection(report)
        html += "</body></html>\n"
        return html
    }

    static func versionsSection(_ report: LoopReport) -> String {
        var html = "<h2>Accuracy per dataset version</h2>\n"
        guard !report.versions.isEmpty else { return html + "<p>No training runs yet (run <code>karyo train VERSION</code>).</p>\n" }
        let labels = report.versions.map { String($0.version.prefix(8)) }
        func series(_ name: String, _ color: String, _ key: KeyPath<LoopReport.VersionPoint, MetricEstimate>) -> SVGChart.Series {
            SVGChart.Series(
                name: name, color: color,
                points: report.versions.enumerated().compactMap { i, v in v[keyPath: key].value.map { (Double(i), $0) } })
        }
        let chart = SVGChart(
            title: "Validation metrics per version", xLabel: "dataset version (oldest to newest)", yLabel: "metric",
            xRange: -0.5...(Double(report.versions.count) - 0.5), yRange: nil, xTickLabels: labels,
            series: [
                series("accuracy", "#1f77b4", \.accuracy), series("sensitivity", "#d62728", \.sensitivity),
                series("specificity", "#2ca02c", \.specificity),
            ])
        html += "<div class=\"plots\">\(chart.render())</div>\n<table><tr><th>version</th><th>run</th><th>train</th><th>validation</th><th>accuracy (95% CI)</th><th>sensitivity (95% CI)</th><th>specificity (95% CI)</th></tr>\n"
        for v in report.versions {
            html += "<tr><td>\(escape(v.version))</td><td>\(v.run)</td><td>\(v.trainCount)</td><td>\(v.validationCount)</td><td>\(estimate(v.accuracy))</td><td>\(estimate(v.sensitivity))</td><td>\(estimate(v.specificity))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func runSection(_ run: LoopReport.RunDetail) -> String {
        var html = "<h2>Training run \(run.run) on \(escape(run.version))</h2>\n"
        html += "<p class=\"muted\">seed \(run.seed); code \(escape(run.codeVersion)); model \(escape(run.modelConfig))"
        if let blob = run.weightsBlob { html += "; weights blob \(escape(blob))" }
        html += "</p>\n"
        if !run.skipped.isEmpty {
            html += "<p>Left out of this run: "
                + run.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \(escape($0.key))" }.joined(separator: ", ")
                + ".</p>\n"
        }
        let epochs = run.curves.map { Double($0.epoch) }
        let accuracy = SVGChart(
            title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy", xRange: nil, yRange: nil,
            series: [
                .init(name: "training", color: "#1f77b4", points: zip(epochs, run.curves.map(\.trainAccuracy)).map { ($0, $1) }),
                .init(
                    name: "validation", color: "#ff7f0e",
                    points: run.curves.compactMap { c in c.validationAccuracy.map { (Double(c.epoch), $0) } }),
            ])
        let loss = SVGChart(
            title: "Loss per epoch", xLabel: "epoch", yLabel: "cross-entropy loss", xRange: nil, yRange: nil,
            series: [
                .init(name: "training", color: "#1f77b4", points: zip(epochs, run.curves.map(\.trainLoss)).map { ($0, $1) }),
                .init(
                    name: "validation", color: "#ff7f0e",
                    points: run.curves.compactMap { c in c.validationLoss.map { (Double(c.epoch), $0) } }),
            ])
        let e = run.evaluation
        let roc = SVGChart(
            title: "ROC (validation cells)", xLabel: "false-positive rate", yLabel: "true-positive rate",
            xRange: 0...1, yRange: 0...1,
            series: [
                .init(name: "model", color: "#1f77b4", points: e.roc.map { ($0.falsePositiveRate, $0.truePositiveRate) }, markers: false),
                .init(name: "chance", color: "#999", points: [(0, 0), (1, 1)], dashed: true, markers: false),
            ])
        let calibration = SVGChart(
            title: "Calibration (validation cells)", xLabel: "confidence", yLabel: "accuracy", xRange: 0...1, yRange: 0...1,
            series: [
                .init(name: "before scaling", color: "#d62728", points: e.reliability.map { ($0.confidence, $0.accuracy) }),
                .init(
                    name: String(format: "after scaling (T = %.2f)", e.temperature), color: "#2ca02c",
                    points: e.calibratedReliability.map { ($0.confidence, $0.accuracy) }),
                .init(name: "perfect", color: "#999", points: [(0, 0), (1, 1)], dashed: true, markers: false),
            ])
        html += "<div class=\"plots\">\(accuracy.render())\(loss.render())\(roc.render())\(calibration.render())</div>\n"
        html += "<h2>Validation metrics (95% patient-bootstrap intervals, \(e.bootstrapReplicates) replicates)</h2>\n"
        html += "<table><tr><th>metric</th><th>per cell (n = \(e.cellCount))</th><th>per case (n = \(e.caseCount))</th></tr>\n"
        let names = [
            ("accuracy", "accuracy"), ("sensitivity", "sensitivity"), ("specificity", "specificity"),
            ("rocAUC", "ROC-AUC"), ("prAUC", "PR-AUC"), ("ece", "ECE (before temperature scaling)"),
        ]
        for (key, name) in names {
            html += "<tr><td>\(name)</td><td>\(estimate(e.cell[key]))</td><td>\(estimate(e.caseLevel[key]))</td></tr>\n"
        }
        html += "<tr><td>ECE after temperature scaling</td><td>\(estimate(e.calibratedECE))</td><td></td></tr></table>\n"
        html += "<p class=\"muted\">A case is positive when at least 2 of its cells are (ISCN's clone rule).</p>\n"
        html += "<h2>Confusion matrices</h2>\n<div class=\"plots\">"
        html += confusionTable("cells", e.cellConfusion) + confusionTable("cases", e.caseConfusion) + "</div>\n"
        return html
    }

    static func confusionTable(_ what: String, _ m: ConfusionMatrix) -> String {
        """
        <table style="display:inline-table;margin-right:24px"><tr><th>\(what)</th><th>predicted positive</th><th>predicted negative</th></tr>
        <tr><th>labelled positive</th><td>\(m.truePositives)</td><td>\(m.falseNegatives)</td></tr>
        <tr><th>labelled negative</th><td>\(m.falsePositives)</td><td>\(m.trueNegatives)</td></tr></table>
        """
    }

    static func activeLearningSection(_ al: ActiveLearningComparison) -> String {
        func points(_ arm: ArmResult) -> [(x: Double, y: Double)] { arm.points.map { (Double($0.labels), $0.accuracy) } }
        let chart = SVGChart(
            title: "Uncertainty sampling vs random sampling", xLabel: "labelled samples", yLabel: "validation accuracy",
            xRange: nil, yRange: nil,
            series: [
                .init(name: "uncertainty", color: "#1f77b4", points: points(al.uncertainty)),
                .init(name: "random (control)", color: "#ff7f0e", points: points(al.random)),
            ])
        var html = "<h2>Active learning: uncertainty vs random</h2>\n<div class=\"plots\">\(chart.render())</div>\n<p>"
        html += String(format: "The random arm reached %.2f%% accuracy with %d labels; ", al.randomFinalAccuracy * 100, al.randomFinalLabels)
        if let n = al.uncertaintyLabelsToMatch, let ratio = al.labelRatio {
            html += String(format: "uncertainty sampling reached it with %d labels (%.0f%% of them).", n, ratio * 100)
        } else {
            html += "uncertainty sampling did not reach it."
        }
        return html + "</p>\n"
    }

    static func flaggedSection(_ report: LoopReport) -> String {
        var html = "<h2>Flagged samples</h2>\n"
        guard let run = report.flagRun else { return html + "<p>No flag run yet (run <code>karyo flag VERSION</code>).</p>\n" }
        html += "<p>Flag run \(run): "
            + report.queueTotals.sorted { $0.key < $1.key }.map { "\($0.value) in the \(escape($0.key)) queue" }
            .joined(separator: ", ") + " (shown: \(report.flagged.count)).</p>\n"
        html += "<table class=\"flag\"><tr><th>queue</th><th>rank</th><th>image</th><th>sample</th><th>split</th><th>label</th><th>p(positive)</th><th>score</th><th>reason</th><th>decision</th></tr>\n"
        for f in report.flagged {
            let image = f.png.map { "<img alt=\"sample \(escape(f.sample))\" src=\"data:image/png;base64,\($0.base64EncodedString())\">" } ?? "no image"
            html += "<tr><td>\(escape(f.queue))</td><td>\(f.rank)</td><td>\(image)</td><td>\(escape(f.sample))</td><td>\(escape(f.split))</td><td>\(escape(f.label))</td>"
                + String(format: "<td>%.3f</td><td>%.3f</td>", f.probability, f.score)
                + "<td>\(escape(f.reason))</td><td>\(escape(f.decision ?? "pending"))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func estimate(_ e: MetricEstimate?) -> String {
        guard let e, let value = e.value else { return "n/a" }
        var text = String(format: "%.4f", value)
        if let i = e.interval { text += String(format: " (%.4f to %.4f)", i.lower, i.upper) }
        return text
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: date)
    }

    /// Escapes text for HTML element content and quoted attribute values. Works on Unicode scalars,
    /// not characters, so a `<` followed by a combining mark is escaped too.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
