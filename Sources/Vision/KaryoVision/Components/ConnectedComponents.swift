import KaryoCore

/// One 8-connected component of a mask: its box and its pixels.
package struct Component: Sendable {
    package var box: PixelBox
    /// Pixel indices (`y * width + x`) in the labelled mask, in the order the flood fill reached them.
    package var pixels: [Int]
    package var area: Int { pixels.count }

    package init(box: PixelBox, pixels: [Int]) {
        self.box = box
        self.pixels = pixels
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

/// The one connected-component labeller of Karyo: 8-connected, by a depth-first flood fill.
/// Components come in the raster order of their first pixel; every caller (karyogram layouts,
/// metaphase segmentation, text finding, truth maps) labels the same way.
package enum ConnectedComponents {
    /// The 8-connected components of `mask` inside `region` (the whole mask when nil; pixels
    /// outside it are never visited) with at least `minArea` pixels.
    package static func components(of mask: BinaryMask, in region: PixelBox? = nil, minArea: Int = 1) -> [Component] {
        var out: [Component] = []
        var pixels: [Int] = []
        var x0 = 0, x1 = 0, y0 = 0, y1 = 0
        let w = mask.width
        floodFill(mask, in: region, start: { start in
            pixels = []
            let y = start / w, x = start - y * w
            x0 = x; x1 = x; y0 = y; y1 = y
        }, visit: { p in
            pixels.append(p)
            let py = p / w, px = p - py * w
            x0 = min(x0, px); x1 = max(x1, px); y0 = min(y0, py); y1 = max(y1, py)
        }, end: {
            if pixels.count >= minArea {
                out.append(Component(box: PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1), pixels: pixels))
            }
        })
        return out
    }

    /// The label map of `mask`'s 8-connected components (labels from 1, in component order).
    package static func labelMap(of mask: BinaryMask) -> LabelMap {
        var labels = [Int32](repeating: 0, count: mask.bits.count)
        var next: Int32 = 0
        floodFill(mask, in: nil, start: { _ in next += 1 }, visit: { labels[$0] = next }, end: {})
        return LabelMap(labels: labels, count: Int(next))
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

    /// The flood fill behind every labelling: for each unvisited foreground pixel in raster order
    /// inside `region`, `start`, then `visit` for each pixel of its component (depth first,
    /// neighbours in row order), then `end`.
    private static func floodFill(_ mask: BinaryMask, in region: PixelBox?, start: (Int) -> Void, visit: (Int) -> Void,
                                  end: () -> Void) {
        let w = mask.width, h = mask.height
        guard w > 0, h > 0 else { return }
        let r = (region ?? PixelBox(x: 0, y: 0, width: w, height: h)).intersection(PixelBox(x: 0, y: 0, width: w, height: h))
        guard !r.isEmpty else { return }
        var seen = [Bool](repeating: false, count: w * h)
        var stack: [Int] = []
        mask.bits.withUnsafeBufferPointer { bits in
            for y in r.y...r.maxY {
                for x in r.x...r.maxX {
                    let s = y * w + x
                    if !bits[s] || seen[s] { continue }
                    seen[s] = true
                    stack.append(s)
                    start(s)
                    while let p = stack.popLast() {
                        visit(p)
                        let py = p / w, px = p - py * w
                        for ny in max(r.y, py - 1)...min(r.maxY, py + 1) {
                            for nx in max(r.x, px - 1)...min(r.maxX, px + 1) {
                                let q = ny * w + nx
                                if bits[q] && !seen[q] { seen[q] = true; stack.append(q) }
                            }
                        }
                    }
                    end()
                }
            }
        }
    }
}
