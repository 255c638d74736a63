import Foundation

/// A connected component's summary.
struct Component {
    var label: Int32
    var area: Int
    var box: PixelBox
}

/// Low-level image operations used by the segmenter (plain arrays, row-major).
enum ImageOps {
    /// 3×3 box blur with edge replication.
    static func boxBlur3(_ p: [UInt8], width w: Int, height h: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: p.count)
        for y in 0..<h {
            for x in 0..<w {
                var s = 0
                for dy in -1...1 {
                    let yy = min(max(y + dy, 0), h - 1)
                    for dx in -1...1 { s += Int(p[yy * w + min(max(x + dx, 0), w - 1)]) }
                }
                out[y * w + x] = UInt8((s + 4) / 9)
            }
        }
        return out
    }

    /// Local background of a dark-on-light image: the 90th percentile of blocks, interpolated.
    static func background(_ p: [UInt8], width w: Int, height h: Int) -> [UInt8] {
        let block = max(16, min(w, h) / 12)
        let bx = (w + block - 1) / block, by = (h + block - 1) / block
        var grid = [Double](repeating: 255, count: bx * by)
        var hist = [Int](repeating: 0, count: 256)
        for j in 0..<by {
            for i in 0..<bx {
                for k in 0..<256 { hist[k] = 0 }
                var n = 0
                for y in (j * block)..<min(h, (j + 1) * block) {
                    for x in (i * block)..<min(w, (i + 1) * block) { hist[Int(p[y * w + x])] += 1; n += 1 }
                }
                var acc = 0, v = 255
                for k in 0..<256 { acc += hist[k]; if acc * 10 >= n * 9 { v = k; break } }
                grid[j * bx + i] = Double(v)
            }
        }
        // Blocks far darker than their neighbours' median are covered by objects: take the median.
        var fixed = grid
        for j in 0..<by {
            for i in 0..<bx {
                var ns: [Double] = []
                for dj in -1...1 { for di in -1...1 {
                    let ii = i + di, jj = j + dj
                    if ii >= 0, jj >= 0, ii < bx, jj < by { ns.append(grid[jj * bx + ii]) }
                } }
                ns.sort()
                let med = ns[ns.count / 2]
                if grid[j * bx + i] < med - 20 { fixed[j * bx + i] = med }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            let gy = min(max((Double(y) + 0.5) / Double(block) - 0.5, 0), Double(by - 1))
            let j0 = Int(gy), j1 = min(j0 + 1, by - 1), fy = gy - Double(j0)
            for x in 0..<w {
                let gx = min(max((Double(x) + 0.5) / Double(block) - 0.5, 0), Double(bx - 1))
                let i0 = Int(gx), i1 = min(i0 + 1, bx - 1), fx = gx - Double(i0)
                let v = (1 - fy) * ((1 - fx) * fixed[j0 * bx + i0] + fx * fixed[j0 * bx + i1])
                    + fy * ((1 - fx) * fixed[j1 * bx + i0] + fx * fixed[j1 * bx + i1])
                out[y * w + x] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        return out
    }

    /// Otsu's threshold of a histogram (values above it are foreground).
    static func otsu(_ hist: [Int]) -> Int {
        let total = hist.reduce(0, +)
        guard total > 0 else { return 0 }
        var sum = 0.0
        for i in 0..<hist.count { sum += Double(i * hist[i]) }
        var sumB = 0.0, wB = 0, best = 0.0, threshold = 0
        for t in 0..<hist.count {
            wB += hist[t]
            if wB == 0 { continue }
            let wF = total - wB
            if wF == 0 { break }
            sumB += Double(t * hist[t])
            let mB = sumB / Double(wB), mF = (sum - sumB) / Double(wF)
            let between = Double(wB) * Double(wF) * (mB - mF) * (mB - mF)
            if between > best { best = between; threshold = t + 1 }
        }
        return threshold
    }

    /// Calls `body` with the index of every in-image pixel of the 3x3 block around pixel `p`
    /// (`p` itself included), in row order: the 8-neighbourhood every traversal here walks.
    @inline(__always)
    static func forEachNeighbour8(of p: Int, width w: Int, height h: Int, _ body: (Int) -> Void) {
        let x = p % w, y = p / w
        for yy in max(0, y - 1)...min(h - 1, y + 1) {
            for xx in max(0, x - 1)...min(w - 1, x + 1) { body(yy * w + xx) }
        }
    }

    /// Pixels ≥ `low` that are 8-connected to a pixel ≥ `high`.
    static func hysteresis(_ v: [UInt8], width w: Int, height h: Int, low: Int, high: Int) -> [Bool] {
        var mask = [Bool](repeating: false, count: v.count)
        var stack: [Int] = []
        for i in v.indices where Int(v[i]) >= high && !mask[i] {
            mask[i] = true
            stack.append(i)
            while let p = stack.popLast() {
                forEachNeighbour8(of: p, width: w, height: h) { q in
                    if !mask[q] && Int(v[q]) >= low { mask[q] = true; stack.append(q) }
                }
            }
        }
        return mask
    }

    /// Fills 4-connected background regions not touching the border with at most `maxHole` pixels.
    static func fillHoles(_ mask: inout [Bool], width w: Int, height h: Int, maxHole: Int) {
        var seen = [Bool](repeating: false, count: mask.count)
        var stack: [Int] = [], region: [Int] = []
        for s in mask.indices where !mask[s] && !seen[s] {
            seen[s] = true
            stack.append(s)
            region.removeAll(keepingCapacity: true)
            var border = false
            while let p = stack.popLast() {
                region.append(p)
                let x = p % w, y = p / w
                if x == 0 || y == 0 || x == w - 1 || y == h - 1 { border = true }
                for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    let xx = x + dx, yy = y + dy
                    if xx < 0 || yy < 0 || xx >= w || yy >= h { continue }
                    let q = yy * w + xx
                    if !mask[q] && !seen[q] { seen[q] = true; stack.append(q) }
                }
            }
            if !border && region.count <= maxHole { for p in region { mask[p] = true } }
        }
    }

    /// 8-connected labelling; labels start at 1, 0 is background.
    static func label(_ mask: [Bool], width w: Int, height h: Int) -> (labels: [Int32], count: Int) {
        var labels = [Int32](repeating: 0, count: mask.count)
        var next: Int32 = 0
        var stack: [Int] = []
        for s in mask.indices where mask[s] && labels[s] == 0 {
            next += 1
            labels[s] = next
            stack.append(s)
            while let p = stack.popLast() {
                forEachNeighbour8(of: p, width: w, height: h) { q in
                    if mask[q] && labels[q] == 0 { labels[q] = next; stack.append(q) }
                }
            }
        }
        return (labels, Int(next))
    }

    /// Area and box of every label 1…count.
    static func components(_ labels: [Int32], count: Int, width w: Int, height h: Int) -> [Component] {
        var area = [Int](repeating: 0, count: count + 1)
        var x0 = [Int](repeating: Int.max, count: count + 1), y0 = x0
        var x1 = [Int](repeating: -1, count: count + 1), y1 = x1
        for y in 0..<h {
            for x in 0..<w {
                let l = Int(labels[y * w + x])
                if l == 0 { continue }
                area[l] += 1
                x0[l] = min(x0[l], x); x1[l] = max(x1[l], x); y0[l] = min(y0[l], y); y1[l] = max(y1[l], y)
            }
        }
        return (1...max(count, 1)).compactMap { l in
            guard l <= count, area[l] > 0 else { return nil }
            return Component(label: Int32(l), area: area[l],
                             box: PixelBox(x: x0[l], y: y0[l], width: x1[l] - x0[l] + 1, height: y1[l] - y0[l] + 1))
        }
    }

    /// The mask of `label` inside `box`.
    static func extract(_ labels: [Int32], label: Int32, box: PixelBox, imageWidth w: Int) -> [Bool] {
        var m = [Bool](repeating: false, count: box.width * box.height)
        for y in 0..<box.height {
            for x in 0..<box.width where labels[(box.y + y) * w + box.x + x] == label { m[y * box.width + x] = true }
        }
        return m
    }

    /// Crops a mask to the bounding box of its set pixels.
    static func crop(_ m: [Bool], width w: Int, height h: Int) -> ([Bool], PixelBox) {
        var x0 = w, y0 = h, x1 = -1, y1 = -1
        for y in 0..<h { for x in 0..<w where m[y * w + x] { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) } }
        guard x1 >= 0 else { return ([], PixelBox(x: 0, y: 0, width: 0, height: 0)) }
        let bw = x1 - x0 + 1, bh = y1 - y0 + 1
        var out = [Bool](repeating: false, count: bw * bh)
        for y in 0..<bh { for x in 0..<bw { out[y * bw + x] = m[(y0 + y) * w + x0 + x] } }
        return (out, PixelBox(x: x0, y: y0, width: bw, height: bh))
    }

    /// Chamfer (3-4) distance to the nearest unset pixel, in pixels (pixels outside the array count as unset).
    static func distanceTransform(_ m: [Bool], width w: Int, height h: Int) -> [Double] {
        let inf = 1 << 28
        var d = [Int](repeating: 0, count: m.count)
        for i in m.indices { d[i] = m[i] ? inf : 0 }
        func at(_ x: Int, _ y: Int) -> Int { (x < 0 || y < 0 || x >= w || y >= h) ? 0 : d[y * w + x] }
        for y in 0..<h {
            for x in 0..<w where d[y * w + x] > 0 {
                d[y * w + x] = min(d[y * w + x], at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4)
            }
        }
        for y in stride(from: h - 1, through: 0, by: -1) {
            for x in stride(from: w - 1, through: 0, by: -1) where d[y * w + x] > 0 {
                d[y * w + x] = min(d[y * w + x], at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4)
            }
        }
        return d.map { Double($0) / 3 }
    }
}
