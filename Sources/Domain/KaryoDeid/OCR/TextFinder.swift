import KaryoCore
import KaryoVision

/// A candidate line of burned-in text found by ``TextFinder``, before any OCR.
struct TextLine: Sendable, Equatable {
    /// The union of the line's glyph boxes, in image pixels.
    var box: PixelBox
    /// True when the glyphs stack top-to-bottom (text rotated by 90 or 270 degrees).
    var vertical: Bool
    /// True when the glyphs are lighter than their surroundings (white-on-dark text).
    var lightOnDark: Bool
    /// Number of glyph-like connected components in the line.
    var glyphs: Int
    /// Median glyph size across the reading direction (the text height), in pixels.
    var glyphHeight: Int
    /// How many of the glyphs are blobs rather than letters (see ``TextFinder/isBlob(_:)``):
    /// chromosomes and chromosome bands.
    var blobGlyphs: Int = 0
    /// How many of the glyphs have another glyph of the line straight above or below them
    /// (beside them, for vertical lines): overlapping along the line by half the narrower one
    /// and apart across it. Pieces of chromosomes (bands, chromatids) stack so; text does not,
    /// beyond the dots of colons and accents. All glyphs of two lines that ``TextFinder/mergeCollinear(_:)``
    /// joined while lying on top of each other count as stacked.
    var stackedGlyphs: Int = 0

    /// True when at least 2 in 3 of the line's glyphs are blobs: a row of chromosomes (or their
    /// bands) in a karyogram layout, not text. Text needs hollow, branched or wide glyphs; a line
    /// made only of bars (such as "Ill|") is too rare to matter. Such a line is still read, and
    /// masked when it reads as an identifier; it only does not count as unreadable text.
    var isBlobRow: Bool { glyphs >= 2 && blobGlyphs * 3 >= glyphs * 2 }

    /// True for a row of chromosome pieces (separated chromatids, thin chromosomes) that the
    /// chainer took for a line: either glyphs that do not share a baseline (the line is more than
    /// 1.4 times as tall, across the reading direction, as its median glyph) with at least 3 in 10
    /// of them blobs, or tall glyphs (20 px or more) of which at least half are blobs, or glyphs
    /// of which at least half are stacked (``stackedGlyphs``; a time such as "12:30:45" in a
    /// large font, where the colon dots are glyphs, has fewer). Text in
    /// karyogram headers and labels has a common baseline (at most about 1.35 times the glyph
    /// height with descenders) and few blob-shaped glyphs (only bold I, l, 1). Like
    /// ``isBlobRow``, such a line is still read and masked when it reads as an identifier; it
    /// only does not count as unreadable text.
    var isRaggedRow: Bool {
        guard glyphs >= 4 else { return false }
        let across = vertical ? box.width : box.height
        if across * 10 > glyphHeight * 14 && blobGlyphs * 10 >= glyphs * 3 { return true }
        if stackedGlyphs * 2 >= glyphs { return true }
        return glyphHeight >= 20 && blobGlyphs * 2 >= glyphs
    }
}

/// Finds where burned-in text may be, cheaply, so that OCR runs on small crops only.
///
/// Method: local background levels from 32-pixel blocks (the 90th and 10th percentiles, spread
/// over a 5x5 block neighbourhood); "ink" is what is at least `contrast` darker than the bright
/// level (dark-on-light) or brighter than the dark level (light-on-dark); connected components
/// of ink (8-connected, by runs); components of glyph size and shape are kept (not large, not
/// solid blobs or bars: chromosomes are large, thick, filled shapes); glyphs of similar size on
/// a common baseline with small gaps are chained into lines, horizontally and vertically.
/// Nothing here decides what is masked: OCR reads every line (see ``LineReader``).
struct TextFinder {
    /// Minimum difference from the local background for a pixel to count as ink.
    var contrast = 28
    /// Largest glyph height (across the reading direction) considered text, in pixels.
    var maxGlyphHeight = 72
    /// Smallest glyph height considered text, in pixels.
    var minGlyphHeight = 5
    /// At most this many candidate lines per image; beyond it the image is treated as unreadable.
    var maxLines = 400

    /// Candidate text lines in both polarities; horizontal lines when `horizontal`, vertical
    /// ones when `vertical`.
    func lines(in image: GrayImage, horizontal: Bool = true, vertical: Bool = true) -> [TextLine] {
        guard image.width >= 8, image.height >= 8 else { return [] }
        let levels = BackgroundLevels(image)
        var result: [TextLine] = []
        for light in [false, true] {
            let comps = components(image, levels: levels, light: light)
            var usedInHorizontal = Set<Int>()
            if horizontal {
                let glyphs = comps.indices.filter { isGlyph(comps[$0], vertical: false) }
                var found: [TextLine] = []
                for group in chain(glyphs, comps, vertical: false) {
                    if let line = makeLine(group, comps, vertical: false, light: light) {
                        found.append(line)
                        if group.count >= 3 { usedInHorizontal.formUnion(group) }
                    }
                }
                result += Self.mergeCollinear(found)
            }
            if vertical {
                let glyphs = comps.indices.filter { !usedInHorizontal.contains($0) && isGlyph(comps[$0], vertical: true) }
                var found: [TextLine] = []
                for group in chain(glyphs, comps, vertical: true) {
                    if let line = makeLine(group, comps, vertical: true, light: light) { found.append(line) }
                }
                result += Self.mergeCollinear(found)
            }
        }
        return Self.droppingCounters(result)
    }

    /// Joins lines that continue each other (same band across the reading direction, gap of at
    /// most twice the text height): a glyph touching a chromosome is lost to the glyph filter
    /// and would otherwise split a word in two.
    static func mergeCollinear(_ lines: [TextLine]) -> [TextLine] {
        var lines = lines
        var merged = true
        while merged {
            merged = false
            outer: for i in lines.indices {
                for j in lines.indices where j > i && lines[i].vertical == lines[j].vertical {
                    let a = lines[i], b = lines[j]
                    let (aLo, aHi, bLo, bHi) = a.vertical
                        ? (a.box.x, a.box.x + a.box.width, b.box.x, b.box.x + b.box.width)
                        : (a.box.y, a.box.y + a.box.height, b.box.y, b.box.y + b.box.height)
                    let overlap = min(aHi, bHi) - max(aLo, bLo)
                    guard overlap * 2 >= min(aHi - aLo, bHi - bLo) else { continue }
                    let (aStart, aEnd, bStart, bEnd) = a.vertical
                        ? (a.box.y, a.box.y + a.box.height, b.box.y, b.box.y + b.box.height)
                        : (a.box.x, a.box.x + a.box.width, b.box.x, b.box.x + b.box.width)
                    let gap = max(aStart, bStart) - min(aEnd, bEnd)
                    guard gap <= 2 * max(a.glyphHeight, b.glyphHeight) else { continue }
                    // lines lying on top of each other (overlapping along the reading direction by
                    // half the shorter one) do not continue each other: rows of chromosome pieces
                    let stacked = -gap * 2 >= min(aEnd - aStart, bEnd - bStart)
                    lines[i] = TextLine(box: a.box.union(b.box), vertical: a.vertical, lightOnDark: a.lightOnDark,
                                        glyphs: a.glyphs + b.glyphs, glyphHeight: max(a.glyphHeight, b.glyphHeight),
                                        blobGlyphs: a.blobGlyphs + b.blobGlyphs,
                                        stackedGlyphs: stacked ? a.glyphs + b.glyphs : a.stackedGlyphs + b.stackedGlyphs)
                    lines.remove(at: j)
                    merged = true
                    break outer
                }
            }
        }
        return lines
    }

    /// Drops lines of one polarity lying inside a line of the other polarity: the counters of
    /// glyphs ("0", "8", "A") are components of the opposite polarity.
    static func droppingCounters(_ lines: [TextLine]) -> [TextLine] {
        lines.filter { line in
            !lines.contains { other in
                other.lightOnDark != line.lightOnDark && other.glyphHeight > line.glyphHeight
                    && line.box.intersection(other.box).area * 10 >= line.box.area * 7
            }
        }
    }

    // MARK: - Background and components

    /// Per-block bright and dark background levels.
    struct BackgroundLevels {
        static let block = 32
        let columns: Int, rows: Int
        var high: [UInt8], low: [UInt8]

        init(_ image: GrayImage) {
            let b = Self.block
            let columns = (image.width + b - 1) / b, rows = (image.height + b - 1) / b
            self.columns = columns
            self.rows = rows
            var p90 = [UInt8](repeating: 0, count: columns * rows)
            var p10 = [UInt8](repeating: 0, count: columns * rows)
            let w = image.width, h = image.height
            image.pixels.withUnsafeBufferPointer { px in
                var hist = [Int](repeating: 0, count: 256)
                for by in 0..<rows {
                    for bx in 0..<columns {
                        for i in 0..<256 { hist[i] = 0 }
                        let x0 = bx * b, y0 = by * b, x1 = min(w, x0 + b), y1 = min(h, y0 + b)
                        for y in y0..<y1 {
                            let row = y * w
                            for x in x0..<x1 { hist[Int(px[row + x])] += 1 }
                        }
                        let n = (x1 - x0) * (y1 - y0)
                        var seen = 0, lowValue = -1, highValue = 255
                        for v in 0..<256 {
                            seen += hist[v]
                            if lowValue < 0 && seen * 10 >= n { lowValue = v }
                            if seen * 10 >= n * 9 { highValue = v; break }
                        }
                        p10[by * columns + bx] = UInt8(max(0, lowValue))
                        p90[by * columns + bx] = UInt8(highValue)
                    }
                }
            }
            // spread over the 5x5 neighbourhood: the brightest bright level, the darkest dark level
            var high = p90, low = p10
            for by in 0..<rows {
                for bx in 0..<columns {
                    var hi: UInt8 = 0, lo: UInt8 = 255
                    for ny in max(0, by - 2)...min(rows - 1, by + 2) {
                        for nx in max(0, bx - 2)...min(columns - 1, bx + 2) {
                            hi = max(hi, p90[ny * columns + nx])
                            lo = min(lo, p10[ny * columns + nx])
                        }
                    }
                    high[by * columns + bx] = hi
                    low[by * columns + bx] = lo
                }
            }
            self.high = high
            self.low = low
        }
    }

    /// Connected components of ink (8-connected, by the shared labeller), with the number of
    /// horizontal runs each is made of.
    func components(_ image: GrayImage, levels: BackgroundLevels, light: Bool) -> [Component] {
        let w = image.width, h = image.height, b = BackgroundLevels.block
        // per block threshold: ink when v <= t (dark) or v >= t (light); no ink where contrast is lacking
        var thresholds = [Int](repeating: -1, count: levels.columns * levels.rows)
        for i in thresholds.indices {
            let hi = Int(levels.high[i]), lo = Int(levels.low[i])
            if light ? lo + contrast > 255 : hi - contrast < 0 { continue }
            thresholds[i] = light ? lo + contrast : hi - contrast
        }
        var ink = BinaryMask(width: w, height: h)
        image.pixels.withUnsafeBufferPointer { px in
            ink.bits.withUnsafeMutableBufferPointer { bits in
                for y in 0..<h {
                    let row = y * w, blockRow = (y / b) * levels.columns
                    for block in 0..<levels.columns {
                        let t = thresholds[blockRow + block]
                        if t < 0 { continue }
                        let t8 = UInt8(t)
                        for i in (row + block * b)..<(row + min(w, (block + 1) * b)) {
                            bits[i] = light ? px[i] >= t8 : px[i] <= t8
                        }
                    }
                }
            }
        }
        return ConnectedComponents.components(of: ink, pixels: false)
    }

    // MARK: - Glyphs and lines

    /// Whether a component has the size and shape of a glyph (or of a few touching glyphs) of
    /// text read in the given direction.
    func isGlyph(_ c: Component, vertical: Bool) -> Bool {
        let along = vertical ? c.box.height : c.box.width      // along the line
        let across = vertical ? c.box.width : c.box.height     // the text height
        guard across >= minGlyphHeight, across <= maxGlyphHeight, c.area >= 8 else { return false }
        guard along <= 14 * across + 4 else { return false }
        let small = min(c.box.width, c.box.height), big = max(c.box.width, c.box.height)
        let fill = Double(c.area) / Double(c.box.width * c.box.height)
        // solid bars and blobs: chromosomes, bands, filled boxes
        if fill > 0.85 && small > 7 { return false }
        if fill > 0.85 && small >= 4 && big < small * 5 / 2 { return false }
        if fill > 0.7 && small > 14 { return false }
        // stroke width: the mean horizontal run; glyph strokes are thin for their height,
        // chromosomes are thick everywhere
        let meanRun = Double(c.area) / Double(max(1, c.runs))
        if across > 24 && meanRun > 0.4 * Double(across) { return false }
        // thin frames (the boxes of a karyogram layout): 30 px or more both ways with a stroke
        // (area over twice the perimeter) of 1.6 px or less; letters that big have thicker strokes
        if small >= 30 && Double(c.area) <= 1.6 * Double(2 * (c.box.width + c.box.height)) { return false }
        return true
    }

    /// Groups glyph indices into chains: neighbours along the reading direction that overlap
    /// across it by half the smaller glyph, have similar heights and small gaps.
    func chain(_ glyphs: [Int], _ comps: [Component], vertical: Bool) -> [[Int]] {
        func start(_ c: Component) -> Int { vertical ? c.box.y : c.box.x }
        func end(_ c: Component) -> Int { vertical ? c.box.maxY : c.box.maxX }
        func crossLo(_ c: Component) -> Int { vertical ? c.box.x : c.box.y }
        func crossHi(_ c: Component) -> Int { vertical ? c.box.maxX : c.box.maxY }
        let order = glyphs.sorted { start(comps[$0]) < start(comps[$1]) }
        var parent = Array(0..<order.count)
        func find(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var j = i
            while parent[j] != r { let n = parent[j]; parent[j] = r; j = n }
            return r
        }
        for i in 0..<order.count {
            let a = comps[order[i]]
            let ha = crossHi(a) - crossLo(a) + 1
            var j = i + 1
            while j < order.count {
                let b = comps[order[j]]
                let hb = crossHi(b) - crossLo(b) + 1
                let maxGap = max(ha, hb) + 2
                if start(b) > end(a) + maxGap { break }
                j += 1
                let overlap = min(crossHi(a), crossHi(b)) - max(crossLo(a), crossLo(b)) + 1
                guard overlap * 2 >= min(ha, hb) else { continue }
                guard ha * 5 >= hb * 2, hb * 5 >= ha * 2 else { continue }
                let ra = find(i), rb = find(j - 1)
                if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in 0..<order.count { groups[find(i), default: []].append(order[i]) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    private func makeLine(_ group: [Int], _ comps: [Component], vertical: Bool, light: Bool) -> TextLine? {
        let members = group.map { comps[$0] }
        let heights = members.map { vertical ? $0.box.width : $0.box.height }.sorted()
        let height = heights[heights.count / 2]
        let box = members.dropFirst().reduce(members[0].box) { $0.union($1.box) }
        let length = vertical ? box.height : box.width
        // a line needs two glyphs (three when vertical), or one component as long as a short word
        let enough = vertical ? (members.count >= 3 || length >= 3 * height) : (members.count >= 2 || length >= 5 * height / 2)
        guard enough else { return nil }
        return TextLine(box: box, vertical: vertical, lightOnDark: light, glyphs: members.count, glyphHeight: height,
                        blobGlyphs: members.filter(Self.isBlob).count,
                        stackedGlyphs: Self.stackedCount(members, vertical: vertical))
    }

    /// How many of `members` have another member straight across the reading direction from
    /// them: overlapping along the line by at least half the narrower of the two, and not
    /// overlapping across it.
    static func stackedCount(_ members: [Component], vertical: Bool) -> Int {
        members.indices.filter { i in
            let a = members[i]
            return members.indices.contains { j in
                guard j != i else { return false }
                let b = members[j]
                let (aLo, aHi, bLo, bHi) = vertical ? (a.box.y, a.box.maxY, b.box.y, b.box.maxY) : (a.box.x, a.box.maxX, b.box.x, b.box.maxX)
                let (aC0, aC1, bC0, bC1) = vertical ? (a.box.x, a.box.maxX, b.box.x, b.box.maxX) : (a.box.y, a.box.maxY, b.box.y, b.box.maxY)
                let along = min(aHi, bHi) - max(aLo, bLo) + 1
                guard along * 2 >= min(aHi - aLo + 1, bHi - bLo + 1) else { return false }
                return aC1 < bC0 || bC1 < aC0
            }
        }.count
    }

    /// A filled blob, at least 4 pixels thick: mostly one run per row (at most half the rows
    /// with two: the chromatids of a chromosome may part), at least 40% of its box filled, and either elongated (twice
    /// as long as wide: a chromosome) or filled across most of its width row after row (the mean
    /// run at least 60% of the width: a chromosome piece between two pale bands). Letters of one
    /// run per row that are wide (E, F, L, T, S, Z, 7) have a mean run far below their width;
    /// only bars (I, l, (, |, bold 1) pass, and a line of nothing but bars is not a word.
    static func isBlob(_ c: Component) -> Bool {
        guard min(c.box.width, c.box.height) >= 4 else { return false }
        guard c.runs * 2 <= c.box.height * 3 else { return false }
        let fill = Double(c.area) / Double(c.box.width * c.box.height)
        guard fill >= 0.4 else { return false }
        let meanRun = Double(c.area) / Double(max(1, c.runs))
        return max(c.box.width, c.box.height) >= 2 * min(c.box.width, c.box.height) || meanRun >= 0.6 * Double(c.box.width)
    }
}
