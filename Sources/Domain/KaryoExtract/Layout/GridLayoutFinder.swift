import KaryoCore
import KaryoVision

/// Finds a grid of framed boxes (BioImLab karyograms): frame edges are long straight runs of
/// foreground; horizontal ones show as rows with many foreground pixels, vertical ones as columns
/// nearly full inside a band of boxes. Salt noise does not disturb these projections.
enum GridLayoutFinder {
    static func find(_ w: WorkingImage) -> RawLayout? {
        let img = w.small
        let W = img.width, H = img.height
        guard W >= 100, H >= 100 else { return nil }
        let delta = max(10, (w.background - w.dark) * 8 / 100)
        let on = w.mask(below: w.background - delta)
        // Horizontal frame edges: rows where long horizontal runs cover much of the width.
        let minRun = max(8, W * 6 / 100)
        var hl = BinaryMask(width: W, height: H)
        for y in 0..<H {
            for r in runs(of: (0..<W).map { on.bits[y * W + $0] }, maxGap: 2) where r.count >= minRun {
                for x in r { hl.bits[y * W + x] = true }
            }
        }
        let rowCount = (0..<H).map { y in (0..<W).reduce(0) { $0 + (hl.bits[y * W + $1] ? 1 : 0) } }
        let hEdges = runs(of: rowCount.map { Double($0) > 0.4 * Double(W) }, maxGap: 0)
        // Four bands of boxes need five edges (the facing edges of two rows of boxes often merge into one).
        guard hEdges.count >= 5 else { return nil }
        var rows: [[RawSlot]] = []
        for i in 0..<(hEdges.count - 1) {
            let top = hEdges[i], bottom = hEdges[i + 1]
            let y0 = top.upperBound + 1, y1 = bottom.lowerBound - 1
            guard y1 > y0, Double(y1 - y0 + 1) > 0.08 * Double(H) else { continue }
            // Vertical frame edges: columns with a run nearly as tall as the band (a long straight
            // chromosome standing in a box covers at most about four fifths of it).
            let minV = (y1 - y0 + 1) * 85 / 100
            let vFlags = (0..<W).map { x in
                runs(of: (y0...y1).map { on.bits[$0 * W + x] }, maxGap: 2).contains { $0.count >= minV }
            }
            let vEdges = runs(of: vFlags, maxGap: 1)
            var row: [RawSlot] = []
            if vEdges.count >= 2 {
                for j in 0..<(vEdges.count - 1) {
                    let left = vEdges[j], right = vEdges[j + 1]
                    let x0 = left.upperBound + 1, x1 = right.lowerBound - 1
                    guard x1 > x0, Double(x1 - x0) > 0.04 * Double(W) else { continue }
                    // A box has a top frame edge over its width; an empty gap between boxes has not.
                    let covered = (x0...x1).reduce(0) { $0 + (hl.bits[top.upperBound * W + $1] ? 1 : 0) }
                    guard Double(covered) > 0.6 * Double(x1 - x0 + 1) else { continue }
                    let region = PixelBox(minX: left.lowerBound, minY: top.lowerBound, maxX: right.upperBound, maxY: bottom.upperBound)
                    row.append(RawSlot(region: region, objects: [], threshold: 0))
                }
            }
            // A box whose shared edge with a neighbour was too faint to see spans two boxes and the
            // gap between them: split it into a box at each end, of the row's usual width.
            if row.count >= 3 {
                let widths = row.map(\.region.width).sorted()
                let typical = widths[widths.count / 2]
                row = row.flatMap { s -> [RawSlot] in
                    guard Double(s.region.width) > 1.6 * Double(typical) else { return [s] }
                    let r = s.region
                    return [RawSlot(region: PixelBox(x: r.x, y: r.y, width: typical, height: r.height), objects: [], threshold: 0),
                            RawSlot(region: PixelBox(x: r.maxX - typical + 1, y: r.y, width: typical, height: r.height), objects: [], threshold: 0)]
                }
            }
            if !row.isEmpty { rows.append(row) }
        }
        guard rows.count == 4, rows.reduce(0, { $0 + $1.count }) >= 20 else { return nil }
        // Objects inside each box, with a threshold local to the box, on a denoised copy.
        let clean = ImageOps.median3(img)
        for r in rows.indices {
            for s in rows[r].indices {
                (rows[r][s].objects, rows[r][s].threshold) = objects(in: rows[r][s].region, of: clean)
                rows[r][s].interior = interior(of: rows[r][s].region)
            }
        }
        return RawLayout(style: .boxGrid, rows: rows)
    }

    /// The inside of a frame, its edges left out.
    static func interior(of frame: PixelBox) -> PixelBox {
        let inset = max(2, frame.width / 30)
        return PixelBox(minX: frame.x + inset, minY: frame.y + inset, maxX: frame.maxX - inset, maxY: frame.maxY - inset)
    }

    /// The chromosome objects inside a frame: the frame, its side ticks and the class number in
    /// the lower-left corner are left out.
    static func objects(in frame: PixelBox, of img: GrayImage) -> ([Component], Int) {
        let inner = interior(of: frame)
        guard inner.width > 4, inner.height > 4 else { return ([], 0) }
        // Gray levels from the middle of the box, away from the number and the ticks.
        let middle = PixelBox(minX: inner.x + inner.width / 6, minY: inner.y, maxX: inner.maxX - inner.width / 6,
                              maxY: inner.maxY - inner.height / 6)
        let hist = ImageOps.histogram(img, in: middle)
        let bg = ImageOps.percentile(hist, 0.5)
        let dark = ImageOps.percentile(hist, 0.003)
        // Noise: mean distance from the background of the pixels near it.
        var noiseSum = 0, noiseN = 0
        for v in max(0, bg - 10)...min(255, bg + 10) { noiseSum += abs(v - bg) * hist[v]; noiseN += hist[v] }
        let noise = noiseN > 0 ? Double(noiseSum) / Double(noiseN) : 0
        let t = bg - max(2, Int((3 * noise).rounded(.up)), (bg - dark) / 20)
        var mask = BinaryMask(width: img.width, height: img.height)
        for y in inner.y...inner.maxY {
            for x in inner.x...inner.maxX where Int(img.pixels[y * img.width + x]) < t { mask.bits[y * img.width + x] = true }
        }
        let minArea = max(4, inner.area / 2000)
        // A component touching the left or right side may be a chromosome touching a side tick:
        // the tick is peeled off, and what is left kept when it is mostly as dark as a chromosome
        // (not the JPEG ringing of the frame that surrounds a tick in noisy copies).
        let strong = (bg + dark) / 2
        var candidates: [Component] = []
        for c in ConnectedComponents.components(of: mask, in: inner, minArea: minArea) {
            guard c.box.x <= inner.x || c.box.maxX >= inner.maxX else { candidates.append(c); continue }
            var own = BinaryMask(width: img.width, height: img.height)
            for p in c.pixels { own.bits[p] = true }
            eraseSideTicks(&own, inner: inner)
            candidates += ConnectedComponents.components(of: own, in: c.box.intersection(inner), minArea: minArea).filter { piece in
                let dark = piece.pixels.reduce(0) { $0 + (Int(img.pixels[$1]) < strong ? 1 : 0) }
                return 10 * dark >= 3 * piece.area
            }
        }
        let found = candidates.filter { c in
            let b = c.box
            let touchesSide = b.x <= inner.x || b.maxX >= inner.maxX || b.y <= inner.y || b.maxY >= inner.maxY
            let nearSide = b.x - inner.x < inner.width / 5 || inner.maxX - b.maxX < inner.width / 5
            let tick = nearSide && b.width <= inner.width / 5 && b.height <= max(6, inner.height / 12)
            // A frame line, or a faint thin streak hugging the frame (JPEG ringing of its edge).
            let hugsSide = b.x - inner.x <= 3 || inner.maxX - b.maxX <= 3
            let frameLine = (b.width <= 2 || (hugsSide && b.width <= inner.width / 8)) && b.height >= 4 * b.width
            let cornerNumber = b.y > inner.y + inner.height * 4 / 5 && b.maxX < inner.x + inner.width * 3 / 10
            return !touchesSide && !tick && !frameLine && !cornerNumber
        }
        return (found, t)
    }
}

extension GridLayoutFinder {
    /// Erases the short horizontal ticks that stick into a frame from its sides (they mark the
    /// centromere line), so that a chromosome touching one is not taken for part of the frame.
    /// A tick is a short run of rows lit at the side (behind any frame-line column the inset did
    /// not clear); its rows, one more above and below, are erased inward from the side up to
    /// where something taller than the tick begins (the chromosome it touches) or the tick ends.
    static func eraseSideTicks(_ mask: inout BinaryMask, inner: PixelBox) {
        let W = mask.width
        let tickMax = max(8, inner.height / 10)
        let maxLen = inner.width / 3
        let original = mask
        func on(_ x: Int, _ y: Int) -> Bool { original.bits[y * W + x] }
        func longestRun(_ x: Int) -> Int {
            var best = 0, n = 0
            for y in inner.y...inner.maxY {
                if on(x, y) { n += 1; best = max(best, n) } else { n = 0 }
            }
            return best
        }
        for (start, step) in [(inner.x, 1), (inner.maxX, -1)] {
            // Frame-line columns next to the side stay (they are no chromosome and are dropped
            // later); the ticks start behind them.
            var first = start
            while abs(first - start) < 3, first >= inner.x, first <= inner.maxX, longestRun(first) >= inner.height * 7 / 10 {
                first += step
            }
            guard first >= inner.x, first <= inner.maxX else { continue }
            for r in runs(of: (inner.y...inner.maxY).map { on(first, $0) }, maxGap: 0) where r.count <= tickMax {
                let y0 = max(inner.y, inner.y + r.lowerBound - 1), y1 = min(inner.maxY, inner.y + r.upperBound + 1)
                var x = first, n = 0
                while n < maxLen, x >= inner.x, x <= inner.maxX, (y0...y1).contains(where: { on(x, $0) }) {
                    // Something taller than the tick starts here (two more rows lit above or below).
                    let above = y0 - 2 >= inner.y && on(x, y0 - 1) && on(x, y0 - 2)
                    let below = y1 + 2 <= inner.maxY && on(x, y1 + 1) && on(x, y1 + 2)
                    if above || below { break }
                    for y in y0...y1 { mask.bits[y * W + x] = false }
                    x += step
                    n += 1
                }
            }
        }
    }
}

/// Maximal runs of `true` (gaps of up to `maxGap` falses bridged), as index ranges.
func runs(of flags: [Bool], maxGap: Int) -> [ClosedRange<Int>] {
    var out: [ClosedRange<Int>] = []
    var start: Int? = nil, last = -10
    for (i, f) in flags.enumerated() where f {
        if let s = start, i - last <= maxGap + 1 {
            _ = s
        } else {
            if let s = start { out.append(s...last) }
            start = i
        }
        last = i
    }
    if let s = start { out.append(s...last) }
    return out
}
