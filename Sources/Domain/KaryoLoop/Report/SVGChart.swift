import Foundation

/// A minimal line chart rendered as inline SVG (no scripts, no external assets).
struct SVGChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        var dashed = false
        var markers = true
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xRange: ClosedRange<Double>?
    var yRange: ClosedRange<Double>?
    /// Labels for integer x positions (categorical axes such as versions).
    var xTickLabels: [String]? = nil
    var series: [Series]
    var width = 520.0
    var height = 320.0

    func render() -> String {
        let left = 60.0, right = 16.0, top = 30.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        var xr = xRange ?? ((xs.min() ?? 0)...(xs.max() ?? 1))
        var yr = yRange ?? ((ys.min() ?? 0)...(ys.max() ?? 1))
        if xr.upperBound <= xr.lowerBound { xr = (xr.lowerBound - 0.5)...(xr.lowerBound + 0.5) }
        if yr.upperBound <= yr.lowerBound { yr = (yr.lowerBound - 0.5)...(yr.lowerBound + 0.5) }
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTMLReport.escape(title))">
            <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="#fff"/>
            <text x="\(f(width / 2))" y="18" text-anchor="middle" font-size="14" font-weight="bold">\(HTMLReport.escape(title))</text>

            """
        // Grid and ticks.
        for i in 0...4 {
            let yv = yr.lowerBound + Double(i) / 4 * (yr.upperBound - yr.lowerBound)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(yv)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(yv)))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\" font-size=\"11\">\(Self.tick(yv))</text>\n"
        }
        if let labels = xTickLabels {
            for (i, label) in labels.enumerated() {
                svg += "<text x=\"\(f(px(Double(i))))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" font-size=\"10\">\(HTMLReport.escape(label))</text>\n"
            }
        } else {
            for i in 0...4 {
                let xv = xr.lowerBound + Double(i) / 4 * (xr.upperBound - xr.lowerBound)
                svg += "<text x=\"\(f(px(xv)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" font-size=\"11\">\(Self.tick(xv))</text>\n"
            }
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-size=\"12\">\(HTMLReport.escape(xLabel))</text>\n"
        svg += "<text x=\"14\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 \(f(top + plotH / 2)))\">\(HTMLReport.escape(yLabel))</text>\n"
        // Series and legend.
        for (k, s) in series.enumerated() {
            let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            if s.points.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 4\"" : "") points=\"\(path)\"/>\n"
            }
            if s.markers {
                for p in s.points {
                    svg += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(s.color)\"/>"
                }
                svg += "\n"
            }
            let ly = top + 14 + Double(k) * 16
            svg += "<line x1=\"\(f(left + 10))\" y1=\"\(f(ly))\" x2=\"\(f(left + 30))\" y2=\"\(f(ly))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 4\"" : "")/>"
            svg += "<text x=\"\(f(left + 36))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(HTMLReport.escape(s.name))</text>\n"
        }
        svg += "</svg>"
        return svg
    }

    static func tick(_ v: Double) -> String {
        if abs(v - v.rounded()) < 1e-9, abs(v) >= 1 { return String(Int(v.rounded())) }
        return String(format: "%.2f", v)
    }
}
