/// A binary mask over an image (row-major, `true` = foreground), internal to the finders.
struct BinaryMask: Sendable {
    let width: Int
    let height: Int
    var bits: [Bool]

    init(width: Int, height: Int, bits: [Bool]) {
        self.width = width
        self.height = height
        self.bits = bits
    }

    init(width: Int, height: Int) {
        self.init(width: width, height: height, bits: [Bool](repeating: false, count: width * height))
    }

    subscript(x: Int, y: Int) -> Bool {
        get { bits[y * width + x] }
        set { bits[y * width + x] = newValue }
    }
}

/// One 8-connected component of a mask.
struct Component: Sendable {
    var box: PixelBox
    /// Pixel indices (`y * width + x`) in the labelled image.
    var pixels: [Int]
    var area: Int { pixels.count }

    /// The component made of both pixel sets.
    func merged(with other: Component) -> Component {
        Component(box: box.union(other.box), pixels: pixels + other.pixels)
    }
}

enum Components {
    /// The 8-connected components of `mask` inside `region` (whole mask when nil) with at least
    /// `minArea` pixels.
    static func label(_ mask: BinaryMask, in region: PixelBox? = nil, minArea: Int = 1) -> [Component] {
        let w = mask.width, h = mask.height
        guard w > 0, h > 0 else { return [] }
        let r = (region ?? PixelBox(x: 0, y: 0, width: w, height: h))
            .intersection(PixelBox(x: 0, y: 0, width: w, height: h))
        guard !r.isEmpty else { return [] }
        var seen = [Bool](repeating: false, count: w * h)
        var out: [Component] = []
        var stack: [Int] = []
        mask.bits.withUnsafeBufferPointer { bits in
            for y in r.y...r.maxY {
                for x in r.x...r.maxX {
                    let start = y * w + x
                    if !bits[start] || seen[start] { continue }
                    seen[start] = true
                    stack.append(start)
                    var pix: [Int] = []
                    var x0 = x, x1 = x, y0 = y, y1 = y
                    while let i = stack.popLast() {
                        pix.append(i)
                        let py = i / w, px = i - py * w
                        x0 = min(x0, px); x1 = max(x1, px); y0 = min(y0, py); y1 = max(y1, py)
                        for dy in -1...1 {
                            let ny = py + dy
                            if ny < r.y || ny > r.maxY { continue }
                            for dx in -1...1 {
                                let nx = px + dx
                                if nx < r.x || nx > r.maxX { continue }
                                let j = ny * w + nx
                                if bits[j] && !seen[j] { seen[j] = true; stack.append(j) }
                            }
                        }
                    }
                    if pix.count >= minArea {
                        out.append(Component(box: PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1), pixels: pix))
                    }
                }
            }
        }
        return out
    }
}
