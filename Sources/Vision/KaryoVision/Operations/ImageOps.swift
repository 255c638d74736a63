import Foundation
import KaryoCore

/// Image operations shared by extraction, metaphase segmentation, de-identification and the
/// truth readers: histograms and percentiles, crops and scaling, filters, background estimation,
/// hysteresis, hole filling and distance transforms. Images are `GrayImage`s, or plain row-major
/// arrays with their width and height.
package enum ImageOps {
    /// 256-bin histogram of the pixels inside `box` (whole image when nil).
    package static func histogram(_ image: GrayImage, in box: PixelBox? = nil) -> [Int] {
        var hist = [Int](repeating: 0, count: 256)
        let b = box ?? PixelBox(x: 0, y: 0, width: image.width, height: image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for y in max(0, b.y)...min(image.height - 1, b.maxY) {
                let row = y * image.width
                for x in max(0, b.x)...min(image.width - 1, b.maxX) { hist[Int(p[row + x])] += 1 }
            }
        }
        return hist
    }

    /// The value below which `fraction` of the histogram lies.
    package static func percentile(_ hist: [Int], _ fraction: Double) -> Int {
        let total = hist.reduce(0, +)
        guard total > 0 else { return 0 }
        let target = Double(total) * fraction
        var acc = 0
        for v in 0..<256 {
            acc += hist[v]
            if Double(acc) >= target { return v }
        }
        return 255
    }

    /// `255 - v` for every pixel.
    package static func inverted(_ image: GrayImage) -> GrayImage {
        GrayImage(width: image.width, height: image.height, pixels: image.pixels.map { 255 &- $0 })
    }

    /// Area-averaged reduction by an integer-free factor `scale` (0 < scale <= 1).
    package static func downscaled(_ image: GrayImage, scale: Double) -> GrayImage {
        guard scale < 0.999 else { return image }
        let w = max(1, Int((Double(image.width) * scale).rounded()))
        let h = max(1, Int((Double(image.height) * scale).rounded()))
        var out = [UInt8](repeating: 0, count: w * h)
        let sx = Double(image.width) / Double(w), sy = Double(image.height) / Double(h)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(image.height, Int(Double(y + 1) * sy)))
                for x in 0..<w {
                    let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(image.width, Int(Double(x + 1) * sx)))
                    var sum = 0
                    for yy in y0..<y1 {
                        let row = yy * image.width
                        for xx in x0..<x1 { sum += Int(p[row + xx]) }
                    }
                    out[y * w + x] = UInt8(sum / ((y1 - y0) * (x1 - x0)))
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// The pixels inside `box` (clipped to the image).
    package static func crop(_ image: GrayImage, _ box: PixelBox) -> GrayImage {
        let b = box.intersection(PixelBox(x: 0, y: 0, width: image.width, height: image.height))
        guard !b.isEmpty else { return GrayImage(width: 0, height: 0, pixels: []) }
        var out = [UInt8](repeating: 0, count: b.width * b.height)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<b.height {
                let src = (b.y + y) * image.width + b.x
                for x in 0..<b.width { out[y * b.width + x] = p[src + x] }
            }
        }
        return GrayImage(width: b.width, height: b.height, pixels: out)
    }

    /// 3x3 median filter (edges replicate); removes salt-and-pepper noise.
    package static func median3(_ image: GrayImage) -> GrayImage {
        let w = image.width, h = image.height
        guard w >= 3, h >= 3 else { return image }
        var out = image.pixels
        image.pixels.withUnsafeBufferPointer { p in
            var win = [UInt8](repeating: 0, count: 9)
            for y in 0..<h {
                for x in 0..<w {
                    var k = 0
                    for dy in -1...1 {
                        let yy = min(h - 1, max(0, y + dy)) * w
                        for dx in -1...1 { win[k] = p[yy + min(w - 1, max(0, x + dx))]; k += 1 }
                    }
                    // partial selection sort to the 5th smallest
                    for i in 0..<5 {
                        var m = i
                        for j in (i + 1)..<9 where win[j] < win[m] { m = j }
                        win.swapAt(i, m)
                    }
                    out[y * w + x] = win[4]
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// 3×3 box blur with edge replication.
    package static func boxBlur3(_ p: [UInt8], width w: Int, height h: Int) -> [UInt8] {
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
    package static func background(_ p: [UInt8], width w: Int, height h: Int) -> [UInt8] {
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

    /// Pixels ≥ `low` that are 8-connected to a pixel ≥ `high`.
    package static func hysteresis(_ v: [UInt8], width w: Int, height h: Int, low: Int, high: Int) -> [Bool] {
        var mask = [Bool](repeating: false, count: v.count)
        var stack: [Int] = []
        for i in v.indices where Int(v[i]) >= high && !mask[i] {
            mask[i] = true
            stack.append(i)
            while let p = stack.popLast() {
                ConnectedComponents.forEachNeighbour8(of: p, width: w, height: h) { q in
                    if !mask[q] && Int(v[q]) >= low { mask[q] = true; stack.append(q) }
                }
            }
        }
        return mask
    }

    /// Fills 4-connected background regions not touching the border with at most `maxHole` pixels.
    package static func fillHoles(_ mask: inout [Bool], width w: Int, height h: Int, maxHole: Int) {
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

    /// Crops a mask to the bounding box of its set pixels.
    package static func croppedToContent(_ m: [Bool], width w: Int, height h: Int) -> ([Bool], PixelBox) {
        var x0 = w, y0 = h, x1 = -1, y1 = -1
        for y in 0..<h { for x in 0..<w where m[y * w + x] { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) } }
        guard x1 >= 0 else { return ([], PixelBox(x: 0, y: 0, width: 0, height: 0)) }
        let bw = x1 - x0 + 1, bh = y1 - y0 + 1
        var out = [Bool](repeating: false, count: bw * bh)
        for y in 0..<bh { for x in 0..<bw { out[y * bw + x] = m[(y0 + y) * w + x0 + x] } }
        return (out, PixelBox(x: x0, y: y0, width: bw, height: bh))
    }

    /// Chamfer (3-4) distance to the nearest unset pixel, in pixels (pixels outside the array count as unset).
    package static func distanceTransform(_ m: [Bool], width w: Int, height h: Int) -> [Double] {
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
