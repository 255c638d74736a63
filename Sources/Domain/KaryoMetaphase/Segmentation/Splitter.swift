import Foundation
import KaryoCore
import KaryoVision

/// Splits a cluster of touching chromosomes: marker-controlled watershed on the distance
/// transform, then regions merged back unless they meet at a narrow neck.
enum Splitter {
    /// The parts of `mask` (each a full-size mask of the same box); one part when no cut is kept.
    static func split(mask: [Bool], darkness: [Float], width w: Int, height h: Int, referenceArea a: Double,
                      hDepth: Double = 1.5) -> [[Bool]] {
        let dt = ImageOps.distanceTransform(mask, width: w, height: h)
        let markers = hMaximaMarkers(dt, mask: mask, width: w, height: h, depth: hDepth)
        guard markers.count > 1 else { return [mask] }
        var region = watershed(dt, mask: mask, markers: markers.labels, width: w, height: h)
        let n = markers.count
        // Region statistics.
        var area = [Int](repeating: 0, count: n + 1)
        var peak = [Double](repeating: 0, count: n + 1)
        var darkSum = [Double](repeating: 0, count: n + 1)
        for i in mask.indices where region[i] > 0 {
            area[Int(region[i])] += 1
            darkSum[Int(region[i])] += Double(darkness[i])
            peak[Int(region[i])] = max(peak[Int(region[i])], dt[i])
        }
        var parent = Array(0...n)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        // Merge rounds: contact pixels between groups versus the thinner group's width.
        for _ in 0..<8 {
            // Contact = watershed-line pixels (and direct neighbours) between two groups: the cut's length.
            var contact: [Int: Int] = [:]  // key a*(n+1)+b with a<b
            var cutDark: [Int: Double] = [:]
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    guard mask[i] else { continue }
                    var near: [Int] = []
                    if region[i] > 0 {
                        // Direct 4-neighbours in another group (cuts without a line pixel).
                        let ra = find(Int(region[i]))
                        for (dx, dy) in [(1, 0), (0, 1)] {
                            let xx = x + dx, yy = y + dy
                            if xx >= w || yy >= h { continue }
                            let s = region[yy * w + xx]
                            if s > 0 {
                                let rb = find(Int(s))
                                if rb != ra {
                                    contact[min(ra, rb) * (n + 1) + max(ra, rb), default: 0] += 1
                                    cutDark[min(ra, rb) * (n + 1) + max(ra, rb), default: 0] += Double(darkness[i])
                                }
                            }
                        }
                        continue
                    }
                    for dy in -1...1 {
                        for dx in -1...1 {
                            let xx = x + dx, yy = y + dy
                            if xx < 0 || yy < 0 || xx >= w || yy >= h { continue }
                            let s = region[yy * w + xx]
                            if s > 0 { let g = find(Int(s)); if !near.contains(g) { near.append(g) } }
                        }
                    }
                    for p in 0..<near.count {
                        for q in (p + 1)..<max(near.count, p + 1) where q < near.count {
                            let a = min(near[p], near[q]), b = max(near[p], near[q])
                            contact[a * (n + 1) + b, default: 0] += 1
                            cutDark[a * (n + 1) + b, default: 0] += Double(darkness[i])
                        }
                    }
                }
            }
            var gArea = [Int](repeating: 0, count: n + 1), gPeak = [Double](repeating: 0, count: n + 1)
            var gDark = [Double](repeating: 0, count: n + 1)
            for r in 1...n { let g = find(r); gArea[g] += area[r]; gPeak[g] = max(gPeak[g], peak[r]); gDark[g] += darkSum[r] }
            var merged = false
            // The worst-justified cut first (ties by key: dictionary order differs between runs).
            let candidates = contact.map { (key: $0.key, c: $0.value) }.sorted { $0.c != $1.c ? $0.c > $1.c : $0.key < $1.key }
            for (key, c) in candidates {
                let ra = find(key / (n + 1)), rb = find(key % (n + 1))
                if ra == rb { continue }
                let thinner = 2 * min(gPeak[ra], gPeak[rb])
                let small = Double(min(gArea[ra], gArea[rb])) < 0.3 * a
                // A cut through a pale gap between two chromosomes is kept even when it is long.
                let cutMean = (cutDark[key] ?? 0) / Double(max(c, 1))
                let partMean = min(gDark[ra] / Double(max(gArea[ra], 1)), gDark[rb] / Double(max(gArea[rb], 1)))
                let paleGap = cutMean < 0.7 * partMean
                if (Double(c) >= 0.6 * thinner && !paleGap) || small {
                    parent[rb] = ra
                    gArea[ra] += gArea[rb]; gPeak[ra] = max(gPeak[ra], gPeak[rb]); gDark[ra] += gDark[rb]
                    merged = true
                }
            }
            if !merged { break }
        }
        var groups: [Int: [Bool]] = [:]
        for i in mask.indices where region[i] > 0 {
            let g = find(Int(region[i]))
            if groups[g] == nil { groups[g] = [Bool](repeating: false, count: mask.count) }
            groups[g]![i] = true
        }
        // Watershed lines (label -1) go to the neighbouring group with most contact: keep area.
        for i in mask.indices where mask[i] && region[i] <= 0 {
            let x = i % w, y = i / w
            var best = -1
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let xx = x + dx, yy = y + dy
                if xx < 0 || yy < 0 || xx >= w || yy >= h { continue }
                let s = region[yy * w + xx]
                if s > 0 { best = find(Int(s)); break }
            }
            if best > 0 { groups[best]![i] = true }
        }
        region.removeAll()
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// Connected plateaus of the h-maxima of `dt` (maxima at least `depth` above their surroundings).
    static func hMaximaMarkers(_ dt: [Double], mask: [Bool], width w: Int, height h: Int, depth: Double)
        -> LabelMap {
        // Morphological reconstruction by dilation of (dt - depth) under dt.
        var rec = dt.map { max($0 - depth, 0) }
        var changed = true
        var iterations = 0
        while changed && iterations < 4 * (w + h) {
            changed = false
            iterations += 1
            for pass in 0..<2 {
                let ys = pass == 0 ? Array(0..<h) : Array((0..<h).reversed())
                let xs = pass == 0 ? Array(0..<w) : Array((0..<w).reversed())
                for y in ys {
                    for x in xs {
                        let i = y * w + x
                        guard mask[i] else { continue }
                        var m = rec[i]
                        ConnectedComponents.forEachNeighbour8(of: i, width: w, height: h) { m = max(m, rec[$0]) }
                        m = min(m, dt[i])
                        if m > rec[i] + 1e-9 { rec[i] = m; changed = true }
                    }
                }
            }
        }
        var top = [Bool](repeating: false, count: dt.count)
        for i in dt.indices where mask[i] && dt[i] - rec[i] >= depth - 1e-6 { top[i] = true }
        return ConnectedComponents.labelMap(of: BinaryMask(width: w, height: h, bits: top))
    }

    /// Marker-controlled watershed on `-dt` inside `mask` (priority flood). Labels > 0: regions.
    static func watershed(_ dt: [Double], mask: [Bool], markers: [Int32], width w: Int, height h: Int) -> [Int32] {
        var label = markers
        var heap = MaxHeap()
        var queued = [Bool](repeating: false, count: dt.count)
        for i in dt.indices where label[i] > 0 { queued[i] = true }
        for i in dt.indices where label[i] > 0 {
            let x = i % w, y = i / w
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let xx = x + dx, yy = y + dy
                if xx < 0 || yy < 0 || xx >= w || yy >= h { continue }
                let q = yy * w + xx
                if mask[q] && !queued[q] { queued[q] = true; heap.push(dt[q], q) }
            }
        }
        while let (_, p) = heap.pop() {
            let x = p % w, y = p / w
            var l: Int32 = 0
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let xx = x + dx, yy = y + dy
                if xx < 0 || yy < 0 || xx >= w || yy >= h { continue }
                let s = label[yy * w + xx]
                if s > 0 { if l == 0 { l = s } else if l != s { l = -1; break } }
            }
            label[p] = l == 0 ? -1 : l
            if l <= 0 { continue }
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let xx = x + dx, yy = y + dy
                if xx < 0 || yy < 0 || xx >= w || yy >= h { continue }
                let q = yy * w + xx
                if mask[q] && !queued[q] { queued[q] = true; heap.push(dt[q], q) }
            }
        }
        return label
    }
}

/// A binary max-heap of (priority, index).
struct MaxHeap {
    private var items: [(Double, Int)] = []
    var isEmpty: Bool { items.isEmpty }
    mutating func push(_ p: Double, _ v: Int) {
        items.append((p, v))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].0 >= items[i].0 { break }
            items.swapAt(parent, i); i = parent
        }
    }
    mutating func pop() -> (Double, Int)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l].0 > items[m].0 { m = l }
                if r < items.count && items[r].0 > items[m].0 { m = r }
                if m == i { break }
                items.swapAt(m, i); i = m
            }
        }
        return top
    }
}
