import Foundation
import KaryoCore
import KaryoVision

/// How a chromosome was turned upright (the upright image itself is an ``OrientedChromosome``).
public struct ChromosomeOrientation: Sendable, Codable, Equatable {
    /// Rotation applied to the source crop, degrees, counter-clockwise as displayed.
    public var rotationDegrees: Double
    /// Turned by 180 degrees so that the centromere is in the upper half.
    public var flipped: Bool
    /// Resampled along a curved centre line (a bent chromosome).
    public var straightened: Bool
    /// The narrowest constriction, as a fraction of the length from the top (nil when none is clear).
    public var centromere: Double?
    /// Median width across the axis, in source pixels.
    public var width: Double
}

/// Turns an extracted chromosome upright: principal-axis rotation, straightening of a bent one
/// along its centre line, and the p-arm up by the centromere (the narrowest constriction away
/// from the ends; the p-arm is the shorter side).
public struct ChromosomeOrienter: Sendable {
    public init() {}

    /// - Parameter trustUpright: the source already stands p-arm up (a karyogram slot), so it is
    ///   only turned by the smallest angle and never flipped.
    public func orient(_ c: ExtractedChromosome, trustUpright: Bool) -> (OrientedChromosome, ChromosomeOrientation)? {
        let w = c.image.width, h = c.image.height
        guard w > 0, h > 0, c.mask.count == w * h else { return nil }
        // Principal axis of the mask.
        var n = 0.0, sx = 0.0, sy = 0.0
        for y in 0..<h { for x in 0..<w where c.mask[y * w + x] { n += 1; sx += Double(x); sy += Double(y) } }
        guard n >= 3 else { return nil }
        let mx = sx / n, my = sy / n
        var cxx = 0.0, cyy = 0.0, cxy = 0.0
        for y in 0..<h { for x in 0..<w where c.mask[y * w + x] {
            let dx = Double(x) - mx, dy = Double(y) - my
            cxx += dx * dx; cyy += dy * dy; cxy += dx * dy
        } }
        let theta = 0.5 * atan2(2 * cxy, cxx - cyy)  // major axis angle from +x, image coords (y down)
        // Rotate so the major axis is vertical, by the smallest angle.
        var rot = theta - Double.pi / 2
        while rot > Double.pi / 2 { rot -= Double.pi }
        while rot <= -Double.pi / 2 { rot += Double.pi }
        let elongation = cxx + cyy > 0 ? abs(cxx - cyy) / (cxx + cyy) : 0
        if elongation < 0.15 { rot = 0 }  // round blob: no reliable axis
        var (img, mask) = Self.rotate(c.image, c.mask, by: rot, background: c.background)
        var straightened = false
        if let s = Self.straighten(img, mask, background: c.background) {
            (img, mask) = s
            straightened = true
        }
        (img, mask) = Self.trim(img, mask)
        let profile = Self.widthProfile(mask, img.width, img.height)
        let widths = profile.filter { $0 > 0 }.sorted()
        let medianWidth = widths.isEmpty ? 0 : Double(widths[widths.count / 2])
        var centromere = Self.centromere(profile)
        var flipped = false
        if !trustUpright, let cen = centromere, cen > 0.5 {
            img = GrayImage(width: img.width, height: img.height, pixels: img.pixels.reversed())
            mask = mask.reversed()
            centromere = 1 - cen
            flipped = true
        }
        let cls = c.label == "X" ? 23 : c.label == "Y" ? 24 : Int(c.label) ?? 0
        return (OrientedChromosome(image: img, mask: mask, chromosomeClass: cls, length: Double(img.height)),
                ChromosomeOrientation(rotationDegrees: rot * 180 / Double.pi, flipped: flipped,
                                      straightened: straightened, centromere: centromere, width: medianWidth))
    }

    /// Mask pixels per row.
    static func widthProfile(_ mask: [Bool], _ w: Int, _ h: Int) -> [Int] {
        (0..<h).map { y in (0..<w).reduce(0) { $0 + (mask[y * w + $1] ? 1 : 0) } }
    }

    /// The narrowest smoothed row between 12% and 88% of the length, when it is clearly narrower
    /// than the arms on both sides.
    static func centromere(_ profile: [Int]) -> Double? {
        let h = profile.count
        guard h >= 12 else { return nil }
        let r = max(1, h / 30)
        let smooth: [Double] = (0..<h).map { y in
            let lo = max(0, y - r), hi = min(h - 1, y + r)
            return Double(profile[lo...hi].reduce(0, +)) / Double(hi - lo + 1)
        }
        let lo = Int(0.12 * Double(h)), hi = Int(0.88 * Double(h))
        guard hi > lo else { return nil }
        var best = lo
        for y in lo...hi where smooth[y] < smooth[best] { best = y }
        let above = smooth[0..<best].max() ?? 0, below = smooth[(best + 1)...].max() ?? 0
        guard smooth[best] < 0.85 * min(above, below) else { return nil }
        return (Double(best) + 0.5) / Double(h)
    }

    /// Rotates about the centre (bilinear gray, nearest mask) into a canvas that holds it all.
    static func rotate(_ img: GrayImage, _ mask: [Bool], by angle: Double, background: UInt8) -> (GrayImage, [Bool]) {
        guard abs(angle) > 0.01 else { return (img, mask) }
        let w = img.width, h = img.height
        let c = cos(angle), s = sin(angle)
        let nw = Int((abs(Double(w) * c) + abs(Double(h) * s)).rounded(.up)) + 2
        let nh = Int((abs(Double(w) * s) + abs(Double(h) * c)).rounded(.up)) + 2
        let cx = Double(w) / 2, cy = Double(h) / 2, ncx = Double(nw) / 2, ncy = Double(nh) / 2
        var out = [UInt8](repeating: background, count: nw * nh)
        var outMask = [Bool](repeating: false, count: nw * nh)
        for y in 0..<nh {
            for x in 0..<nw {
                // Inverse map: rotate the output point back by -angle (y axis points down).
                let dx = Double(x) + 0.5 - ncx, dy = Double(y) + 0.5 - ncy
                let srcX = c * dx - s * dy + cx - 0.5
                let srcY = s * dx + c * dy + cy - 0.5
                let ix = Int(srcX.rounded()), iy = Int(srcY.rounded())
                guard ix >= 0, iy >= 0, ix < w, iy < h, mask[iy * w + ix] else { continue }
                outMask[y * nw + x] = true
                out[y * nw + x] = bilinear(img, srcX, srcY)
            }
        }
        return (GrayImage(width: nw, height: nh, pixels: out), outMask)
    }

    static func bilinear(_ img: GrayImage, _ x: Double, _ y: Double) -> UInt8 {
        let w = img.width, h = img.height
        let x0 = max(0, min(w - 1, Int(x.rounded(.down)))), y0 = max(0, min(h - 1, Int(y.rounded(.down))))
        let x1 = min(w - 1, x0 + 1), y1 = min(h - 1, y0 + 1)
        let fx = max(0, min(1, x - Double(x0))), fy = max(0, min(1, y - Double(y0)))
        let p = img.pixels
        let top = Double(p[y0 * w + x0]) * (1 - fx) + Double(p[y0 * w + x1]) * fx
        let bottom = Double(p[y1 * w + x0]) * (1 - fx) + Double(p[y1 * w + x1]) * fx
        return UInt8(max(0, min(255, (top * (1 - fy) + bottom * fy).rounded())))
    }

    /// A bent upright chromosome resampled along its centre line: per row, the midpoint of the
    /// mask (smoothed); across each point of that line, a perpendicular profile. Nil when the
    /// chromosome is already straight or the centre line is unusable (a row with two parts).
    static func straighten(_ img: GrayImage, _ mask: [Bool], background: UInt8) -> (GrayImage, [Bool])? {
        let w = img.width, h = img.height
        var centers: [Double?] = []
        var widths: [Int] = []
        for y in 0..<h {
            var x0 = -1, x1 = -1, count = 0, parts = 0, prev = false
            for x in 0..<w {
                let m = mask[y * w + x]
                if m { if x0 < 0 { x0 = x }; x1 = x; count += 1; if !prev { parts += 1 } }
                prev = m
            }
            if count == 0 { centers.append(nil); continue }
            if parts > 1 { return nil }
            centers.append(Double(x0 + x1) / 2)
            widths.append(x1 - x0 + 1)
        }
        guard let first = centers.firstIndex(where: { $0 != nil }), let last = centers.lastIndex(where: { $0 != nil }),
              last - first >= 10, !widths.isEmpty else { return nil }
        let medianWidth = Double(widths.sorted()[widths.count / 2])
        let raw = (first...last).map { centers[$0] ?? centers[$0 - 1] ?? 0 }
        let r = max(2, raw.count / 12)
        let smooth: [Double] = raw.indices.map { i in
            let lo = max(0, i - r), hi = min(raw.count - 1, i + r)
            return raw[lo...hi].reduce(0, +) / Double(hi - lo + 1)
        }
        guard let lo = smooth.min(), let hi = smooth.max(), hi - lo > 0.5 * medianWidth else { return nil }
        // Arc-length parametrised centre line.
        var pts: [(Double, Double)] = smooth.enumerated().map { ($0.element, Double(first + $0.offset)) }
        var arc: [Double] = [0]
        for i in 1..<pts.count {
            arc.append(arc[i - 1] + hypot(pts[i].0 - pts[i - 1].0, pts[i].1 - pts[i - 1].1))
        }
        let length = Int(arc.last!.rounded())
        let half = Int((medianWidth * 0.9).rounded(.up)) + 2
        let nw = 2 * half + 1
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: background, count: nw * length)
        var outMask = [Bool](repeating: false, count: nw * length)
        var j = 0
        for t in 0..<length {
            let s = Double(t)
            while j + 1 < arc.count - 1, arc[j + 1] < s { j += 1 }
            let seg = max(1e-9, arc[j + 1] - arc[j])
            let f = max(0, min(1, (s - arc[j]) / seg))
            let px = pts[j].0 + (pts[j + 1].0 - pts[j].0) * f
            let py = pts[j].1 + (pts[j + 1].1 - pts[j].1) * f
            let tx = (pts[j + 1].0 - pts[j].0) / seg, ty = (pts[j + 1].1 - pts[j].1) / seg
            let nx = ty, ny = -tx  // normal, pointing right when the tangent points down
            for k in -half...half {
                let sx = px - nx * Double(k), sy = py - ny * Double(k)
                let ix = Int(sx.rounded()), iy = Int(sy.rounded())
                guard ix >= 0, iy >= 0, ix < w, iy < h, mask[iy * w + ix] else { continue }
                outMask[t * nw + k + half] = true
                out[t * nw + k + half] = bilinear(img, sx, sy)
            }
        }
        pts.removeAll()
        return (GrayImage(width: nw, height: length, pixels: out), outMask)
    }

    /// Cropped to the mask's bounding box.
    static func trim(_ img: GrayImage, _ mask: [Bool]) -> (GrayImage, [Bool]) {
        let w = img.width, h = img.height
        var x0 = w, y0 = h, x1 = -1, y1 = -1
        for y in 0..<h { for x in 0..<w where mask[y * w + x] { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) } }
        guard x1 >= x0 else { return (img, mask) }
        let box = PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1)
        let crop = ImageOps.crop(img, box)
        var m = [Bool](repeating: false, count: box.area)
        for y in 0..<box.height { for x in 0..<box.width { m[y * box.width + x] = mask[(y + y0) * w + x + x0] } }
        return (crop, m)
    }
}
