import KaryoCore

/// One 8-connected component of a mask: its box and its pixels.
package struct Component: Sendable {
    package var box: PixelBox
    /// Pixel indices (`y * width + x`) in the labelled mask, in raster order for a labelled
    /// component (empty when the labeller was asked for statistics only).
    package var pixels: [Int]
    /// Number of pixels.
    package var area: Int
    /// Horizontal runs of the component (maximal rows of adjacent pixels), when it came from the
    /// labeller; 0 otherwise.
    package var runs: Int = 0

    package init(box: PixelBox, pixels: [Int]) {
        self.box = box
        self.pixels = pixels
        self.area = pixels.count
    }

    init(box: PixelBox, pixels: [Int], area: Int, runs: Int) {
        self.box = box
        self.pixels = pixels
        self.area = area
        self.runs = runs
    }

    /// The component made of both pixel sets.
    package func merged(with other: Component) -> Component {
        Component(box: box.union(other.box), pixels: pixels + other.pixels)
    }

    /// The component of a pixel set (`y * width + x` indices in an image `width` wide).
    package init(pixels: [Int], imageWidth w: Int) {
        var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
        for p in pixels {
            let y = p / w, x = p - y * w
            x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
        }
        self.init(box: PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1), pixels: pixels)
    }
}

/// A labelled region of a label map: its label, pixel count and box.
package struct LabelledRegion: Sendable {
    package var label: Int32
    package var area: Int
    package var box: PixelBox

    package init(label: Int32, area: Int, box: PixelBox) {
        self.label = label
        self.area = area
        self.box = box
    }
}

/// A label map: `labels[i]` is the component of pixel `i` (1...count), 0 for background.
package struct LabelMap: Sendable {
    package var labels: [Int32]
    package var count: Int

    package init(labels: [Int32], count: Int) {
        self.labels = labels
        self.count = count
    }
}

/// The one connected-component labeller of Karyo: 8-connected, on horizontal runs joined by
/// union-find. Components come in the raster order of their first pixel; every caller (karyogram
/// layouts, metaphase segmentation, text finding, truth maps) labels the same way.
package enum ConnectedComponents {
    /// The 8-connected components of `mask` inside `region` (the whole mask when nil; pixels
    /// outside it never join a component) with at least `minArea` pixels, each with its pixels in
    /// raster order (unless `pixels` is false) and the number of runs it is made of.
    package static func components(of mask: BinaryMask, in region: PixelBox? = nil, minArea: Int = 1,
                                   pixels withPixels: Bool = true) -> [Component] {
        let runs = Runs(mask, in: region)
        var out: [Component] = []
        out.reserveCapacity(runs.componentCount)
        var x0 = [Int](repeating: Int.max, count: runs.componentCount), x1 = [Int](repeating: Int.min, count: runs.componentCount)
        var y0 = x0, y1 = x1, area = [Int](repeating: 0, count: runs.componentCount)
        var count = [Int](repeating: 0, count: runs.componentCount)
        for r in runs.start.indices {
            let c = Int(runs.component[r])
            let s = Int(runs.start[r]), e = Int(runs.end[r]) - 1, y = Int(runs.row[r])
            if s < x0[c] { x0[c] = s }
            if e > x1[c] { x1[c] = e }
            if y < y0[c] { y0[c] = y }
            if y > y1[c] { y1[c] = y }
            area[c] += e - s + 1
            count[c] += 1
        }
        var slot = [Int](repeating: -1, count: runs.componentCount)
        for c in 0..<runs.componentCount where area[c] >= minArea {
            slot[c] = out.count
            var pixels: [Int] = []
            if withPixels { pixels.reserveCapacity(area[c]) }
            out.append(Component(box: PixelBox(minX: x0[c], minY: y0[c], maxX: x1[c], maxY: y1[c]), pixels: pixels,
                                 area: area[c], runs: count[c]))
        }
        guard withPixels else { return out }
        let w = mask.width
        for r in runs.start.indices {
            let k = slot[Int(runs.component[r])]
            if k < 0 { continue }
            let base = Int(runs.row[r]) * w
            out[k].pixels.append(contentsOf: (base + Int(runs.start[r]))..<(base + Int(runs.end[r])))
        }
        return out
    }

    /// The label map of `mask`'s 8-connected components (labels from 1, in component order).
    package static func labelMap(of mask: BinaryMask) -> LabelMap {
        let runs = Runs(mask, in: nil)
        var labels = [Int32](repeating: 0, count: mask.bits.count)
        let w = mask.width
        labels.withUnsafeMutableBufferPointer { labels in
            for r in runs.start.indices {
                let base = Int(runs.row[r]) * w, label = runs.component[r] + 1
                for i in (base + Int(runs.start[r]))..<(base + Int(runs.end[r])) { labels[i] = label }
            }
        }
        return LabelMap(labels: labels, count: runs.componentCount)
    }

    /// The horizontal runs of a mask and the component each belongs to.
    private struct Runs {
        var start: [Int32] = [], end: [Int32] = [], row: [Int32] = []
        /// 0-based component of each run, components numbered in raster order of their first run.
        var component: [Int32] = []
        var componentCount = 0

        init(_ mask: BinaryMask, in region: PixelBox?) {
            let w = mask.width, h = mask.height
            guard w > 0, h > 0 else { return }
            let r = (region ?? PixelBox(x: 0, y: 0, width: w, height: h)).intersection(PixelBox(x: 0, y: 0, width: w, height: h))
            guard !r.isEmpty else { return }
            var parent: [Int32] = []
            func find(_ i: Int32) -> Int32 {
                var root = i
                while parent[Int(root)] != root { root = parent[Int(root)] }
                var j = i
                while parent[Int(j)] != root { let n = parent[Int(j)]; parent[Int(j)] = root; j = n }
                return root
            }
            var previousFirst = 0, previousEnd = 0
            mask.bits.withUnsafeBufferPointer { bits in
                for y in r.y...r.maxY {
                    let rowBase = y * w, first = start.count
                    var x = r.x
                    while x <= r.maxX {
                        if !bits[rowBase + x] { x += 1; continue }
                        var e = x + 1
                        while e <= r.maxX && bits[rowBase + e] { e += 1 }
                        let index = Int32(start.count)
                        start.append(Int32(x)); end.append(Int32(e)); row.append(Int32(y)); parent.append(index)
                        // 8-connected: join the runs of the row above that overlap [x - 1, e].
                        var p = previousFirst
                        while p < previousEnd && Int(end[p]) < x { p += 1 }
                        var q = p
                        while q < previousEnd && Int(start[q]) <= e {
                            let a = find(index), b = find(Int32(q))
                            if a != b { parent[Int(max(a, b))] = min(a, b) }
                            q += 1
                        }
                        x = e
                    }
                    previousFirst = first
                    previousEnd = start.count
                }
            }
            component = [Int32](repeating: -1, count: start.count)
            var number = [Int32](repeating: -1, count: start.count)
            for i in start.indices {
                let root = Int(find(Int32(i)))
                if number[root] < 0 { number[root] = Int32(componentCount); componentCount += 1 }
                component[i] = number[root]
            }
        }
    }

    /// Area and box of every label 1...count of `map` (labels without pixels are left out).
    package static func regions(of map: LabelMap, width w: Int, height h: Int) -> [LabelledRegion] {
        let count = map.count
        var area = [Int](repeating: 0, count: count + 1)
        var x0 = [Int](repeating: Int.max, count: count + 1), y0 = x0
        var x1 = [Int](repeating: -1, count: count + 1), y1 = x1
        for y in 0..<h {
            for x in 0..<w {
                let l = Int(map.labels[y * w + x])
                if l == 0 { continue }
                area[l] += 1
                x0[l] = min(x0[l], x); x1[l] = max(x1[l], x); y0[l] = min(y0[l], y); y1[l] = max(y1[l], y)
            }
        }
        return (1...max(count, 1)).compactMap { l in
            guard l <= count, area[l] > 0 else { return nil }
            return LabelledRegion(label: Int32(l), area: area[l],
                                  box: PixelBox(x: x0[l], y: y0[l], width: x1[l] - x0[l] + 1, height: y1[l] - y0[l] + 1))
        }
    }

    /// The mask of `label` inside `box` (box-relative, row-major) of the labels of a label map
    /// `imageWidth` wide.
    package static func mask(of label: Int32, in labels: [Int32], box: PixelBox, imageWidth w: Int) -> [Bool] {
        var m = [Bool](repeating: false, count: box.width * box.height)
        for y in 0..<box.height {
            for x in 0..<box.width where labels[(box.y + y) * w + box.x + x] == label { m[y * box.width + x] = true }
        }
        return m
    }

    /// Calls `body` with the index of every in-image pixel of the 3x3 block around pixel `p`
    /// (`p` itself included), in row order: the 8-neighbourhood every traversal walks.
    @inline(__always)
    package static func forEachNeighbour8(of p: Int, width w: Int, height h: Int, _ body: (Int) -> Void) {
        let x = p % w, y = p / w
        for yy in max(0, y - 1)...min(h - 1, y + 1) {
            for xx in max(0, x - 1)...min(w - 1, x + 1) { body(yy * w + xx) }
        }
    }
}
