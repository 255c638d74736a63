import Foundation
import KaryoCore

/// One chromosome's pixels, dark on light, with its mask and the measures the classifier needs.
public struct ChromosomeCrop: Sendable {
    public let width: Int, height: Int
    /// Dark-on-light pixels, row-major.
    public let pixels: [UInt8]
    /// Chromosome pixels.
    public let mask: [Bool]
    /// The background gray value around the chromosome.
    public let background: Double
    /// Extent along the long axis, in source pixels (along the centre line once straightened).
    public private(set) var length: Double
    /// Mask pixel count.
    public let area: Int
    let centroid: (x: Double, y: Double)
    let axis: (x: Double, y: Double)
    /// Gray value of the darkest 5% of the chromosome (for contrast normalization).
    let darkLevel: Double
    /// Set by `straightened(...)` when the chromosome is bent: rendering then follows it.
    public private(set) var centreLine: CentreLine?
    /// Half the largest distance from the centre line drawn when straightened (keeps a tight bend's
    /// other arm out of the profile).
    private var halfWidthLimit = Double.infinity

    /// A crop from a single-chromosome image (a karyogram cut-out): the mask is every pixel
    /// darker than the background (the border's 90th percentile) by a margin.
    /// - Parameter invert: true for bright-on-dark images (Q-band, DAPI).
    public init(image: GrayImage, invert: Bool = false) {
        var px = image.pixels
        if invert { for i in px.indices { px[i] = 255 - px[i] } }
        let w = image.width, h = image.height
        var border: [UInt8] = []
        for x in 0..<w { border.append(px[x]); border.append(px[(h - 1) * w + x]) }
        for y in 0..<h { border.append(px[y * w]); border.append(px[y * w + w - 1]) }
        border.sort()
        let bg = border.isEmpty ? 255 : Double(border[min(border.count - 1, border.count * 9 / 10)])
        let sorted = px.sorted()
        let lo = sorted.isEmpty ? 0 : Double(sorted[sorted.count / 20])
        let cut = bg - max(6, 0.12 * (bg - lo))
        let mask = px.map { Double($0) < cut }
        self.init(width: w, height: h, pixels: px, mask: mask.contains(true) ? mask : [Bool](repeating: true, count: px.count),
                  background: bg)
    }

    /// A crop of a segmented object: `image` is dark on light, `mask` relative to `box`.
    public init(image: GrayImage, box: PixelBox, mask: ObjectMask, background: Double) {
        var px = [UInt8](repeating: 255, count: box.width * box.height)
        for y in 0..<box.height {
            for x in 0..<box.width {
                let ix = box.x + x, iy = box.y + y
                if ix >= 0, iy >= 0, ix < image.width, iy < image.height { px[y * box.width + x] = image.pixels[iy * image.width + ix] }
            }
        }
        self.init(width: box.width, height: box.height, pixels: px, mask: mask.bits, background: background)
    }

    init(width: Int, height: Int, pixels: [UInt8], mask: [Bool], background: Double) {
        self.width = width; self.height = height; self.pixels = pixels; self.mask = mask; self.background = background
        let s = Shape(mask: mask, width: width, height: height)
        length = max(s.length, 1)
        area = s.area
        centroid = s.centroid
        axis = s.axis
        var inside = [UInt8]()
        for i in pixels.indices where mask[i] { inside.append(pixels[i]) }
        inside.sort()
        darkLevel = inside.isEmpty ? 0 : Double(inside[inside.count / 20])
    }

    /// This crop, straightened along its centre line (`CentreLine`) when that line bends away from
    /// its chord by more than `minimumBend` times the chromosome's mean width; `length` is then the
    /// centre line's length. Straight chromosomes are returned unchanged (principal-axis rendering,
    /// as for the karyogram crops the classifier was trained on).
    /// - Parameters:
    ///   - minimumWidth: the smallest mean width (area over centre-line length) of a crop that is
    ///     straightened: in a cell of chromatid-separated chromosomes, a bend in a line half as wide
    ///     as the cell's chromosomes is one chromatid of a splayed pair, not a bent chromosome.
    ///   - maximumSideBranches: more skeleton off the centre line (`CentreLine.sideBranches`) means
    ///     an X of chromatids or a cluster, left as it is.
    ///   - maximumFitRatio: the mask's mean distance from the centre line must be below this times
    ///     its mean distance from the principal axis.
    public func straightened(minimumBend: Double = 0.5, minimumWidth: Double = 0, maximumSideBranches: Double = 0.1,
                             maximumFitRatio: Double = 0.7) -> ChromosomeCrop {
        guard let line = CentreLine(mask: mask, width: width, height: height) else { return self }
        let meanWidth = Double(area) / line.length
        guard line.bend > minimumBend * meanWidth, line.length > length, meanWidth >= minimumWidth,
              line.sideBranches <= maximumSideBranches else { return self }
        // The centre line must explain the shape far better than the principal axis: an X of two
        // separated chromatids gives a zig-zag line through one chromatid, which does not.
        var axisDistance = 0.0, lineDistance = 0.0
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] {
                let dx = Double(x) - centroid.x, dy = Double(y) - centroid.y
                axisDistance += abs(-dx * axis.y + dy * axis.x)
                var best = Double.infinity
                for p in line.points {
                    let ex = Double(x) - p.x, ey = Double(y) - p.y
                    best = min(best, ex * ex + ey * ey)
                }
                lineDistance += best.squareRoot()
            }
        }
        guard lineDistance < maximumFitRatio * axisDistance else { return self }
        var c = self
        c.centreLine = line
        c.length = line.length
        c.halfWidthLimit = 0.75 * meanWidth + 2
        return c
    }

    /// Renders the crop into a `size × size` canvas: long axis vertical, centred, `scale` canvas
    /// pixels per source pixel, darkness (background 0, the darkest 5% ≈ 1) as values.
    /// - Parameters:
    ///   - flip: rotate by 180° (p-arm orientation is unknown in metaphases).
    ///   - mirror: mirror left-right.
    ///   - rotation: extra rotation in radians.
    ///   - across: extra factor on the scale across the long axis (below 1 draws the chromosome thinner).
    func render(size: Int, scale: Double, flip: Bool = false, mirror: Bool = false, rotation: Double = 0,
                shift: (Double, Double) = (0, 0), across: Double = 1, into out: inout [Float], offset: Int) {
        // Long axis direction u, across direction v. Canvas y follows u, canvas x follows v.
        var ux = axis.x, uy = axis.y
        if rotation != 0 {
            let c = cos(rotation), s = sin(rotation)
            (ux, uy) = (c * ux - s * uy, s * ux + c * uy)
        }
        if flip { ux = -ux; uy = -uy }
        var vx = -uy, vy = ux
        if mirror { vx = -vx; vy = -vy }
        let half = Double(size - 1) / 2
        let range = max(background - darkLevel, 12)
        if let line = centreLine {
            // Canvas y runs along the centre line, canvas x along its normal.
            let c = cos(rotation), sn = sin(rotation)
            let mid = Double(line.points.count - 1) / 2
            for cy in 0..<size {
                for cx in 0..<size {
                    let a0 = (Double(cy) - half - shift.1) / scale, b0 = (Double(cx) - half - shift.0) / (scale * across)
                    var a = c * a0 - sn * b0, b = sn * a0 + c * b0
                    if flip { a = -a; b = -b }
                    if mirror { b = -b }
                    var v = 0.0
                    if abs(b) <= halfWidthLimit {
                        let f = line.frame(at: mid + a)
                        v = sample(f.x - b * f.ty, f.y + b * f.tx)
                    }
                    out[offset + cy * size + cx] = Float(v / range)
                }
            }
            return
        }
        for cy in 0..<size {
            for cx in 0..<size {
                let a = (Double(cy) - half - shift.1) / scale, b = (Double(cx) - half - shift.0) / (scale * across)
                let sx = centroid.x + a * ux + b * vx, sy = centroid.y + a * uy + b * vy
                out[offset + cy * size + cx] = Float(sample(sx, sy) / range)
            }
        }
    }

    /// Bilinear darkness at a source position (0 outside the mask).
    private func sample(_ x: Double, _ y: Double) -> Double {
        let x0 = Int(floor(x)), y0 = Int(floor(y))
        let fx = x - Double(x0), fy = y - Double(y0)
        func d(_ xx: Int, _ yy: Int) -> Double {
            guard xx >= 0, yy >= 0, xx < width, yy < height, mask[yy * width + xx] else { return 0 }
            return min(max(background - Double(pixels[yy * width + xx]), 0), 1.5 * max(background - darkLevel, 12))
        }
        return (1 - fy) * ((1 - fx) * d(x0, y0) + fx * d(x0 + 1, y0)) + fy * ((1 - fx) * d(x0, y0 + 1) + fx * d(x0 + 1, y0 + 1))
    }
}
