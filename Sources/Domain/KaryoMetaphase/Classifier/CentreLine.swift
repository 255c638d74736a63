import Foundation

/// A smooth centre line through a chromosome mask, for measuring and straightening bent chromosomes.
///
/// 1. The mask is thinned to a one-pixel skeleton (Zhang–Suen).
/// 2. The longest path through the skeleton (two breadth-first searches) is its spine; spurs drop out.
/// 3. The spine is smoothed (moving average over about half the chromosome's width), resampled at
///    one-pixel steps, and extended at both ends along its end direction to the mask's edge (thinning
///    eats about half a width at each end).
/// `points` then run from one tip to the other; `length` is their arc length.
public struct CentreLine: Sendable {
    /// Positions along the line at unit steps (mask coordinates, pixel centres), tip to tip.
    public let points: [(x: Double, y: Double)]
    /// Unit tangents at `points`.
    public let tangents: [(x: Double, y: Double)]
    /// Arc length, in pixels (points.count - 1, plus the fractional last step).
    public let length: Double
    /// Skeleton pixels further than 0.4 mean widths from the spine, over the line's length:
    /// near 0 for a single (bent or straight) chromosome, large for an X of splayed chromatids or
    /// two chromosomes crossing.
    public let sideBranches: Double

    /// The centre line of `mask` (`width × height`, row-major), or nil when the mask is empty or its
    /// skeleton has fewer than 3 pixels.
    /// - Parameter smoothing: half-window of the moving average, in pixels (default: a quarter of
    ///   the mean width, at least 1).
    public init?(mask: [Bool], width: Int, height: Int, smoothing: Int? = nil) {
        let area = mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard area >= 3, width >= 1, height >= 1 else { return nil }
        let skeleton = Self.thin(mask, width: width, height: height)
        guard let spine = Self.longestPath(skeleton, width: width, height: height), spine.count >= 3 else { return nil }
        var pts = spine.map { (x: Double($0 % width), y: Double($0 / width)) }
        // Moving average (the window shrinks at the ends so the tips stay put).
        let meanWidth = Double(area) / Double(max(spine.count, 1))
        let spinePoints = pts
        let half = max(1, smoothing ?? Int((meanWidth / 4).rounded()))
        for _ in 0..<2 {
            var out = pts
            for i in pts.indices {
                let r = min(half, i, pts.count - 1 - i)
                var sx = 0.0, sy = 0.0
                for j in (i - r)...(i + r) { sx += pts[j].x; sy += pts[j].y }
                out[i] = (sx / Double(2 * r + 1), sy / Double(2 * r + 1))
            }
            pts = out
        }
        func inside(_ x: Double, _ y: Double) -> Bool {
            let xi = Int(x.rounded()), yi = Int(y.rounded())
            return xi >= 0 && yi >= 0 && xi < width && yi < height && mask[yi * width + xi]
        }
        // Extend both tips along the direction of their last few pixels until leaving the mask.
        func extension_(from a: (x: Double, y: Double), toward b: (x: Double, y: Double)) -> [(x: Double, y: Double)] {
            var dx = a.x - b.x, dy = a.y - b.y
            let n = (dx * dx + dy * dy).squareRoot()
            guard n > 1e-9 else { return [] }
            dx /= n; dy /= n
            var out: [(x: Double, y: Double)] = []
            var step = 0.5
            while step < Double(width + height), inside(a.x + dx * step, a.y + dy * step) {
                out.append((a.x + dx * step, a.y + dy * step)); step += 0.5
            }
            return out
        }
        let look = min(pts.count - 1, max(2, half * 2))
        let head = extension_(from: pts[0], toward: pts[look]).reversed()
        let tail = extension_(from: pts[pts.count - 1], toward: pts[pts.count - 1 - look])
        let dense = Array(head) + pts + tail
        // Resample at unit arc-length steps.
        var cumulative = [0.0]
        for i in 1..<dense.count {
            let dx = dense[i].x - dense[i - 1].x, dy = dense[i].y - dense[i - 1].y
            cumulative.append(cumulative[i - 1] + (dx * dx + dy * dy).squareRoot())
        }
        let total = cumulative.last!
        guard total >= 2 else { return nil }
        var resampled: [(x: Double, y: Double)] = []
        var j = 0
        var s = 0.0
        while s <= total {
            while j < dense.count - 2 && cumulative[j + 1] < s { j += 1 }
            let seg = cumulative[j + 1] - cumulative[j]
            let f = seg > 1e-12 ? (s - cumulative[j]) / seg : 0
            resampled.append((dense[j].x + f * (dense[j + 1].x - dense[j].x), dense[j].y + f * (dense[j + 1].y - dense[j].y)))
            s += 1
        }
        // Tangents from a centred difference over about half the width.
        let t = max(1, half)
        var tangents: [(x: Double, y: Double)] = []
        for i in resampled.indices {
            let a = resampled[max(0, i - t)], b = resampled[min(resampled.count - 1, i + t)]
            let dx = b.x - a.x, dy = b.y - a.y, n = (dx * dx + dy * dy).squareRoot()
            tangents.append(n > 1e-9 ? (dx / n, dy / n) : (tangents.last ?? (0, 1)))
        }
        points = resampled
        self.tangents = tangents
        length = total + 1  // pixel extent: tip centre to tip centre plus one pixel
        let far = 0.4 * Double(area) / length
        var off = 0
        for i in skeleton.indices where skeleton[i] {
            let x = Double(i % width), y = Double(i / width)
            if !spinePoints.contains(where: { ($0.x - x) * ($0.x - x) + ($0.y - y) * ($0.y - y) <= far * far }) { off += 1 }
        }
        sideBranches = Double(off) / length
    }

    /// Largest distance of the line from the straight chord between its tips, in pixels.
    public var bend: Double {
        guard let a = points.first, let b = points.last else { return 0 }
        let dx = b.x - a.x, dy = b.y - a.y, n = (dx * dx + dy * dy).squareRoot()
        guard n > 1e-9 else { return length / 2 }
        return points.map { abs(($0.x - a.x) * dy - ($0.y - a.y) * dx) / n }.max() ?? 0
    }

    /// Position and unit tangent at arc length `s` (extrapolated straight beyond the tips).
    func frame(at s: Double) -> (x: Double, y: Double, tx: Double, ty: Double) {
        let last = points.count - 1
        if s <= 0 {
            let t = tangents[0]
            return (points[0].x + s * t.x, points[0].y + s * t.y, t.x, t.y)
        }
        if s >= Double(last) {
            let t = tangents[last]
            return (points[last].x + (s - Double(last)) * t.x, points[last].y + (s - Double(last)) * t.y, t.x, t.y)
        }
        let i = Int(s), f = s - Double(i)
        let p = points[i], q = points[i + 1], a = tangents[i], b = tangents[i + 1]
        var tx = a.x + f * (b.x - a.x), ty = a.y + f * (b.y - a.y)
        let n = (tx * tx + ty * ty).squareRoot()
        if n > 1e-9 { tx /= n; ty /= n } else { (tx, ty) = (a.x, a.y) }
        return (p.x + f * (q.x - p.x), p.y + f * (q.y - p.y), tx, ty)
    }

    /// Zhang–Suen thinning: a one-pixel-wide, 8-connected skeleton.
    static func thin(_ mask: [Bool], width w: Int, height h: Int) -> [Bool] {
        // Pad by one pixel so neighbours never fall outside.
        let pw = w + 2, ph = h + 2
        var img = [Bool](repeating: false, count: pw * ph)
        for y in 0..<h { for x in 0..<w where mask[y * w + x] { img[(y + 1) * pw + x + 1] = true } }
        var changed = true
        var remove: [Int] = []
        while changed {
            changed = false
            for pass in 0..<2 {
                remove.removeAll(keepingCapacity: true)
                for y in 1..<(ph - 1) {
                    for x in 1..<(pw - 1) where img[y * pw + x] {
                        let i = y * pw + x
                        // P2..P9 clockwise from north.
                        let n = [img[i - pw], img[i - pw + 1], img[i + 1], img[i + pw + 1],
                                 img[i + pw], img[i + pw - 1], img[i - 1], img[i - pw - 1]]
                        let b = n.reduce(0) { $0 + ($1 ? 1 : 0) }
                        guard b >= 2 && b <= 6 else { continue }
                        var a = 0
                        for k in 0..<8 where !n[k] && n[(k + 1) % 8] { a += 1 }
                        guard a == 1 else { continue }
                        if pass == 0 {
                            if n[0] && n[2] && n[4] { continue }
                            if n[2] && n[4] && n[6] { continue }
                        } else {
                            if n[0] && n[2] && n[6] { continue }
                            if n[0] && n[4] && n[6] { continue }
                        }
                        remove.append(i)
                    }
                }
                if !remove.isEmpty { changed = true }
                for i in remove { img[i] = false }
            }
        }
        var out = [Bool](repeating: false, count: w * h)
        for y in 0..<h { for x in 0..<w { out[y * w + x] = img[(y + 1) * pw + x + 1] } }
        return out
    }

    /// The longest shortest path (by Euclidean step length) between two skeleton pixels, as pixel
    /// indices from one end to the other; nil when the skeleton is empty. Only the largest
    /// 8-connected piece of the skeleton is used.
    static func longestPath(_ skeleton: [Bool], width w: Int, height h: Int) -> [Int]? {
        let pixels = skeleton.indices.filter { skeleton[$0] }
        guard !pixels.isEmpty else { return nil }
        let offsets = [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
        // Dijkstra from `start` (graphs are tiny; a simple O(n²) selection is fine).
        func distances(from start: Int) -> (dist: [Int: Double], previous: [Int: Int]) {
            var dist: [Int: Double] = [start: 0], previous: [Int: Int] = [:]
            var open: Set<Int> = [start], done = Set<Int>()
            while let u = open.min(by: { dist[$0]! < dist[$1]! || (dist[$0]! == dist[$1]! && $0 < $1) }) {
                open.remove(u); done.insert(u)
                let ux = u % w, uy = u / w
                for (dx, dy) in offsets {
                    let x = ux + dx, y = uy + dy
                    guard x >= 0, y >= 0, x < w, y < h else { continue }
                    let v = y * w + x
                    guard skeleton[v], !done.contains(v) else { continue }
                    let d = dist[u]! + ((dx != 0 && dy != 0) ? 2.0.squareRoot() : 1)
                    if d < dist[v] ?? .infinity { dist[v] = d; previous[v] = u; open.insert(v) }
                }
            }
            return (dist, previous)
        }
        // The largest piece: start from the pixel whose search reaches the most pixels.
        var seen = Set<Int>()
        var best: (start: Int, size: Int) = (pixels[0], 0)
        for p in pixels where !seen.contains(p) {
            let reach = distances(from: p).dist.keys
            seen.formUnion(reach)
            if reach.count > best.size { best = (p, reach.count) }
        }
        func farthest(_ d: [Int: Double]) -> Int {
            d.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
        }
        let a = farthest(distances(from: best.start).dist)
        let (dist, previous) = distances(from: a)
        var b = farthest(dist)
        var path = [b]
        while let p = previous[b] { path.append(p); b = p }
        return path
    }
}
