import KaryoCore
import KaryoVision

/// Finds CytoVision-style layouts: a thin horizontal line under each pair, the class number
/// printed below it. Lines are long one-to-few-pixel runs with background just below them.
enum UnderlineLayoutFinder {
    struct Line { var y0: Int; var y1: Int; var x0: Int; var x1: Int }

    static func foregroundThreshold(_ w: WorkingImage) -> Int {
        w.background - max(15, (w.background - w.dark) / 5)
    }

    static func find(_ w: WorkingImage) -> RawLayout? {
        let img = w.small
        let W = img.width, H = img.height
        guard W >= 100, H >= 100 else { return nil }
        let t = foregroundThreshold(w)
        var on = w.mask(below: t)
        let minRun = Int(0.05 * Double(W))
        let k = max(3, H / 200)
        var pieces: [Line] = []
        for y in 0..<H {
            var x = 0
            while x < W {
                guard on.bits[y * W + x] else { x += 1; continue }
                var e = x
                while e + 1 < W, on.bits[y * W + e + 1] { e += 1 }
                if e - x + 1 >= minRun {
                    var clearBelow = 0
                    for xx in x...e where y + k >= H || !on.bits[(y + k) * W + xx] { clearBelow += 1 }
                    if Double(clearBelow) >= 0.85 * Double(e - x + 1) { pieces.append(Line(y0: y, y1: y, x0: x, x1: e)) }
                }
                x = e + 1
            }
        }
        // Join the rows of one line.
        var lines: [Line] = []
        for p in pieces {
            if let i = lines.firstIndex(where: { abs($0.y1 - p.y0) <= 2 && min($0.x1, p.x1) - max($0.x0, p.x0) > (p.x1 - p.x0) / 2 }) {
                lines[i].y1 = max(lines[i].y1, p.y1)
                lines[i].x0 = min(lines[i].x0, p.x0)
                lines[i].x1 = max(lines[i].x1, p.x1)
            } else {
                lines.append(p)
            }
        }
        // The run test also accepts a thin line's upper rows; keep thin lines of plausible length.
        lines = lines.filter { $0.y1 - $0.y0 <= max(4, H / 150) && $0.x1 - $0.x0 < W / 4 }
        guard lines.count >= 20 else { return nil }
        let rowGroups = splitByGaps(lines.map { Double($0.y0) }, gap: 0.04 * Double(H))
        // The standard layout has 4 rows; other row counts are named only by their printed numbers.
        guard rowGroups.count >= 2, rowGroups.count <= 8 else { return nil }
        let rowsOfLines = rowGroups.map { $0.map { lines[$0] }.sorted { $0.x0 < $1.x0 } }
        let rowYs = rowsOfLines.map { Double($0.map(\.y1).reduce(0, +)) / Double($0.count) }
        let rowGap = (rowYs[rowYs.count - 1] - rowYs[0]) / Double(rowYs.count - 1)
        // Erase the lines, then label objects.
        for l in lines {
            for y in max(0, l.y0 - 1)...min(H - 1, l.y1 + 1) { for x in l.x0...l.x1 { on.bits[y * W + x] = false } }
        }
        let minArea = max(6, W * H / 100_000)
        let comps = ConnectedComponents.components(of: on, minArea: minArea)
        let slack = Int(0.02 * Double(W))
        var rows: [[RawSlot]] = rowsOfLines.map { $0.map { l in
            let top = max(0, l.y0 - Int(rowGap * 0.9))
            return RawSlot(region: PixelBox(minX: l.x0, minY: top, maxX: l.x1, maxY: l.y1), objects: [], threshold: t,
                           interior: PixelBox(minX: max(0, l.x0 - slack), minY: top, maxX: min(W - 1, l.x1 + slack), maxY: max(top, l.y0 - 2)))
        } }
        var numberStrips: [PixelBox?] = rowsOfLines.map { _ in nil }
        for c in comps {
            // Printed class numbers: short objects just under a line.
            let numberRow = rowsOfLines.firstIndex { row in
                row.contains { l in
                    c.box.y >= l.y0 && Double(c.box.y - l.y1) < 0.15 * rowGap && Double(c.box.height) < 0.12 * rowGap
                        && c.box.centerX >= Double(l.x0) && c.box.centerX <= Double(l.x1)
                }
            }
            if let r = numberRow {
                numberStrips[r] = numberStrips[r].map { $0.union(c.box) } ?? c.box
                continue
            }
            // The slot: the nearest line below the object's centre whose span holds its centre.
            var best: (Int, Int)? = nil
            var bestDy = Double.infinity
            for (r, row) in rowsOfLines.enumerated() {
                for (i, l) in row.enumerated() {
                    guard c.box.centerX >= Double(l.x0 - slack), c.box.centerX <= Double(l.x1 + slack) else { continue }
                    let dy = Double(l.y0) - c.box.centerY
                    if dy > 0, dy < rowGap, dy < bestDy { bestDy = dy; best = (r, i) }
                }
            }
            if let (r, i) = best { rows[r][i].objects.append(c) }
        }
        return RawLayout(style: .underlines, rows: rows, numberStrips: numberStrips)
    }
}
