import Foundation
import KaryoCore

/// Where and how a chromosome is drawn: the midpoint of its axis, the angle of the axis from
/// vertical (radians; 0 = pter up), and the curvature of the axis (1/radius, 0 = straight).
struct Placement: Sendable {
    var centerX: Float
    var centerY: Float
    var angle: Float = 0
    var curvature: Float = 0
}

/// Something drawable as a chromosome: an ideogram-rendered one or a real crop.
protocol ChromosomeBody: Sendable {
    /// Axis length in pixels.
    var length: Float { get }
    /// Widest extent across the axis, in pixels.
    var width: Float { get }
    /// Draws into the canvas; returns the box of the pixels it darkened.
    func draw(into canvas: inout Canvas, at placement: Placement, id: UInt8) -> BoxAccumulator
}

/// Visual style of ideogram-rendered chromosomes of one image.
struct IdeogramStyle: Sendable {
    /// Pixels per ISCN unit.
    var scale: Float
    /// Full width of a chromosome (both chromatids), pixels.
    var width: Float
    /// Darkness of the palest (gneg) bands and of the darkest (gpos100), 0...1.
    var lightBand: Float = 0.3
    var darkBand: Float = 0.88
    /// Band-edge blur along the axis (box radius, pixels) and edge softness across (pixels).
    var bandBlur: Float = 1.5
    var edgeSoftness: Float = 1.2
    /// Depth of the groove between the sister chromatids (0...1).
    var groove: Float = 0.25
    /// Centromere constriction (fraction of the width removed).
    var constriction: Float = 0.3
    /// Amplitude of the mottled texture along the axis.
    var texture: Float = 0.08
    /// Random relative variation of each chromosome's length and darkness (homologs differ a little).
    var lengthJitter: Float = 0.03
    var darknessJitter: Float = 0.06
}

/// A chromosome drawn from its band table: darkness and half-width sampled along the axis.
struct IdeogramBody: ChromosomeBody {
    static let step: Float = 0.5
    let length: Float
    let width: Float
    let darkness: [Float]
    let halfWidth: [Float]
    let softness: Float
    let groove: Float

    init(spec: ChromosomeSpec, table: BandTable, style: IdeogramStyle, rng: inout SeededGenerator) {
        let scale = style.scale * (1 + rng.uniform(-style.lengthJitter, style.lengthJitter))
        let total = Float(spec.length) * scale
        let gain = 1 + rng.uniform(-style.darknessJitter, style.darknessJitter)
        length = total
        width = style.width
        softness = style.edgeSoftness
        groove = style.groove
        let n = Int(total / Self.step) + 2
        var dark = [Float](repeating: 0, count: n)
        var half = [Float](repeating: 0, count: n)
        let hw0 = style.width / 2
        // Walk the segments and their bands.
        var segIndex = 0
        var segStart: Float = 0
        for i in 0..<n {
            let s = min(Float(i) * Self.step, total - 0.001)
            while segIndex < spec.segments.count - 1 && s >= segStart + Float(spec.segments[segIndex].length) * scale {
                segStart += Float(spec.segments[segIndex].length) * scale
                segIndex += 1
            }
            let seg = spec.segments[segIndex]
            let iscn = seg.from + Double((s - segStart) / scale)
            let band = table[seg.chromosome].band(at: iscn)
            dark[i] = band.stain.density
            half[i] = band.stain == .stalk ? hw0 * 0.6 : hw0
        }
        // Texture and band blur (two box passes, about Gaussian).
        var phase = rng.uniform(0, 6.28)
        let freq = rng.uniform(0.25, 0.5)
        for i in 0..<n {
            phase += freq * Self.step
            dark[i] = (style.lightBand + (style.darkBand - style.lightBand) * dark[i]) * gain
            dark[i] *= 1 + style.texture * (sin(phase) * 0.6 + rng.uniform(-0.4, 0.4))
        }
        let r = max(1, Int(style.bandBlur / Self.step))
        dark = Self.boxBlur(Self.boxBlur(dark, radius: r), radius: r)
        // Centromere constriction, then round caps at both ends.
        let c = Float(spec.centromere) * scale
        let sigma = max(2, hw0 * 0.7)
        for i in 0..<n {
            let s = Float(i) * Self.step
            let z = (s - c) / sigma
            half[i] *= 1 - style.constriction * exp(-z * z)
        }
        half = Self.boxBlur(half, radius: max(1, Int(hw0 * 0.3 / Self.step)))
        for i in 0..<n {
            let s = Float(i) * Self.step
            let d = min(s, total - s)
            if d < hw0 {
                let k = max(0, d) / hw0
                half[i] *= (1 - (1 - k) * (1 - k)).squareRoot()
            }
        }
        darkness = dark.map { min(0.97, max(0, $0)) }
        halfWidth = half
    }

    static func boxBlur(_ a: [Float], radius: Int) -> [Float] {
        let n = a.count
        guard n > 1, radius > 0 else { return a }
        var prefix = [Float](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + a[i] }
        var out = a
        for i in 0..<n {
            let lo = max(0, i - radius), hi = min(n - 1, i + radius)
            out[i] = (prefix[hi + 1] - prefix[lo]) / Float(hi - lo + 1)
        }
        return out
    }

    func draw(into canvas: inout Canvas, at p: Placement, id: UInt8) -> BoxAccumulator {
        let cosA = cos(p.angle), sinA = sin(p.angle)
        let half = length / 2
        let maxHW = width / 2 + softness
        let curved = abs(p.curvature) > 1e-5
        let radius: Float = curved ? 1 / p.curvature : 0
        let sagitta: Float = curved ? radius - radius * cos(half / radius) : 0
        // Local bounding box (u across, v along), then world.
        let u0 = min(0, sagitta) - maxHW - 1, u1 = max(0, sagitta) + maxHW + 1
        let v0 = -half - maxHW - 1, v1 = half + maxHW + 1
        var minX = Float.infinity, maxX = -Float.infinity, minY = Float.infinity, maxY = -Float.infinity
        for (u, v) in [(u0, v0), (u1, v0), (u0, v1), (u1, v1)] {
            let x = p.centerX + u * cosA - v * sinA, y = p.centerY + u * sinA + v * cosA
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        }
        let x0 = max(0, Int(minX.rounded(.down))), x1 = min(canvas.width - 1, Int(maxX.rounded(.up)))
        let y0 = max(0, Int(minY.rounded(.down))), y1 = min(canvas.height - 1, Int(maxY.rounded(.up)))
        var box = BoxAccumulator()
        guard x0 <= x1, y0 <= y1 else { return box }
        let n = darkness.count
        let inv = 1 / IdeogramBody.step
        let soft = softness
        let sign: Float = radius < 0 ? -1 : 1
        let absR = abs(radius)
        let w = canvas.width
        darkness.withUnsafeBufferPointer { dk in
            halfWidth.withUnsafeBufferPointer { hwp in
                canvas.transmittance.withUnsafeMutableBufferPointer { tr in
                    canvas.labels.withUnsafeMutableBufferPointer { lab in
                        for y in y0...y1 {
                            let dy = Float(y) + 0.5 - p.centerY
                            var dx = Float(x0) + 0.5 - p.centerX
                            for x in x0...x1 {
                                let u = dx * cosA + dy * sinA
                                let v = -dx * sinA + dy * cosA
                                dx += 1
                                var s: Float, t: Float
                                if curved {
                                    let du = u - radius
                                    let d = (du * du + v * v).squareRoot()
                                    t = (absR - d) * sign
                                    s = radius * atan2(v * sign, (radius - u) * sign) + half
                                } else {
                                    s = v + half
                                    t = u
                                }
                                let at = abs(t)
                                if at > maxHW || s < -maxHW || s > length + maxHW { continue }
                                var dist: Float
                                var i: Int
                                if s < 0 {
                                    dist = -(s * s + t * t).squareRoot()
                                    i = 0
                                } else if s > length {
                                    let e = s - length
                                    dist = -(e * e + t * t).squareRoot()
                                    i = n - 1
                                } else {
                                    i = min(n - 1, Int(s * inv))
                                    dist = hwp[i] - at
                                }
                                let cov = min(1, max(0, dist / soft + 0.5))
                                if cov <= 0 { continue }
                                let hw = max(hwp[i], 0.5)
                                let xr = min(1, at / hw)
                                let cr = 2 * xr - 1
                                var cross: Float = 0.88 + 0.12 * (1 - cr * cr)
                                let g = max(0, 1 - xr * xr * 16)
                                cross *= 1 - groove * g * g
                                let d = dk[i] * cross * cov
                                let k = y * w + x
                                tr[k] *= 1 - d
                                if cov >= 0.5 { lab[k] = id }
                                box.add(x, y)
                            }
                        }
                    }
                }
            }
        }
        return box
    }
}
