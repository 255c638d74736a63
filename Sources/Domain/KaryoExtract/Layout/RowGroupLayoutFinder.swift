import KaryoCore
import KaryoVision

/// Finds the standard layout when nothing is printed but the chromosomes (NHGRI): objects fall
/// into four rows; in rows 1-3 the pairs are the 5, 7 and 6 groups split at the widest gaps, and
/// row 4 is split at gaps wider than the rows above show between homologs.
enum RowGroupLayoutFinder {
    static func find(_ w: WorkingImage) -> RawLayout? {
        let img = w.small
        let W = img.width, H = img.height
        guard W >= 100, H >= 100 else { return nil }
        let t = UnderlineLayoutFinder.foregroundThreshold(w)
        let on = w.mask(below: t)
        var comps = ConnectedComponents.components(of: on, minArea: max(6, W * H / 100_000))
        guard comps.count >= 30, comps.count <= 400 else { return nil }
        let top = comps.map(\.area).sorted(by: >).prefix(46)
        let medianArea = top[top.startIndex + top.count / 2]
        // Printed numbers and specks are far smaller than chromosomes.
        comps = comps.filter { Double($0.area) >= 0.08 * Double(medianArea) }
        // Anything wider than a quarter of the image is no chromosome (a frame, a header bar).
        guard !comps.contains(where: { $0.box.width > W / 4 }) else { return nil }
        // Rows: runs of the vertical coverage.
        var cover = [Bool](repeating: false, count: H)
        for c in comps { for y in c.box.y...c.box.maxY { cover[y] = true } }
        var bands = runs(of: cover, maxGap: Int(0.01 * Double(H)))
        while bands.count > 4 {
            var best = 0, bestGap = Int.max
            for i in 0..<(bands.count - 1) where bands[i + 1].lowerBound - bands[i].upperBound < bestGap {
                bestGap = bands[i + 1].lowerBound - bands[i].upperBound
                best = i
            }
            bands[best] = bands[best].lowerBound...bands[best + 1].upperBound
            bands.remove(at: best + 1)
        }
        guard bands.count == 4 else { return nil }
        let rowComps = bands.map { b in withoutPrintedNumbers(comps.filter { b.contains(Int($0.box.centerY)) }) }
        // Blobs: objects whose x ranges overlap are one column of the row.
        func blobs(_ cs: [Component]) -> [[Component]] {
            var out: [[Component]] = []
            var lastMax = Int.min
            for c in cs.sorted(by: { $0.box.x < $1.box.x }) {
                if !out.isEmpty, c.box.x <= lastMax {
                    out[out.count - 1].append(c)
                    lastMax = max(lastMax, c.box.maxX)
                } else {
                    out.append([c])
                    lastMax = c.box.maxX
                }
            }
            return out
        }
        func gaps(_ bs: [[Component]]) -> [Int] {
            (0..<max(0, bs.count - 1)).map { i in
                bs[i + 1].map(\.box.x).min()! - bs[i].map(\.box.maxX).max()!
            }
        }
        var rows: [[RawSlot]] = []
        var intra: [Int] = [], inter: [Int] = []
        for r in 0..<3 {
            let bs = blobs(rowComps[r])
            let k = RawLayout.standardRows[r].count
            guard bs.count >= k else { return nil }
            let g = gaps(bs)
            let cutSet = Set(g.indices.sorted { g[$0] > g[$1] }.prefix(k - 1))
            for i in g.indices { if cutSet.contains(i) { inter.append(g[i]) } else { intra.append(g[i]) } }
            rows.append(slots(bs, cuts: cutSet, threshold: t))
        }
        guard let minInter = inter.min() else { return nil }
        let maxIntra = intra.max() ?? 0
        let limit = minInter > maxIntra ? Double(minInter + maxIntra) / 2 : 0.7 * Double(minInter)
        let bs4 = blobs(rowComps[3])
        let g4 = gaps(bs4)
        rows.append(slots(bs4, cuts: Set(g4.indices.filter { Double(g4[$0]) > limit }), threshold: t))
        return RawLayout(style: .rowGroups, rows: rows)
    }

    /// The objects of one row without the class numbers printed under the pairs: an object lying
    /// wholly below every object of the row at least twice as tall as it.
    static func withoutPrintedNumbers(_ row: [Component]) -> [Component] {
        row.filter { c in
            let taller = row.filter { $0.box.height >= 2 * c.box.height }
            guard taller.count >= 2, let bottom = taller.map(\.box.maxY).max() else { return true }
            return c.box.y <= bottom
        }
    }

    static func slots(_ bs: [[Component]], cuts: Set<Int>, threshold: Int) -> [RawSlot] {
        var out: [RawSlot] = []
        var current: [Component] = []
        for (i, b) in bs.enumerated() {
            current += b
            if cuts.contains(i) || i == bs.count - 1 {
                let region = current.dropFirst().reduce(current[0].box) { $0.union($1.box) }
                // Nothing printed bounds a group: its chromosomes may reach a little past the
                // outline the threshold gave them.
                let interior = PixelBox(x: region.x - 4, y: region.y - 4, width: region.width + 8, height: region.height + 8)
                out.append(RawSlot(region: region, objects: current, threshold: threshold, interior: interior))
                current = []
            }
        }
        return out
    }
}
