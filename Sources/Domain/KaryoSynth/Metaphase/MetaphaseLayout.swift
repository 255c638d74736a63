import Foundation
import KaryoCore

/// Metaphase spreads: chromosomes scattered over an elliptical area at random angles, some touching
/// or overlapping, on an unevenly lit background, with optional interphase nuclei.
enum MetaphaseLayout {
    /// Length of chromosome 1 as a fraction of the image height in a metaphase.
    static func chr1Fraction(_ level: BandLevel) -> Float {
        switch level {
        case .bands300: return 0.12
        case .bands400: return 0.135
        case .bands550: return 0.15
        case .bands850: return 0.16
        }
    }

    static func compose(_ chromosomes: [SceneChromosome], width: Int, height: Int, table: BandTable,
                        touchingFraction: Double = 0.15, nuclei: Bool = true, rng: inout SeededGenerator) -> Scene {
        let W = Float(width), H = Float(height)
        // Uneven illumination: a tilted plane plus a separable vignette.
        let base = rng.uniform(222, 245)
        let gx = rng.uniform(-18, 18), gy = rng.uniform(-18, 18)
        let vig = rng.uniform(5, 25)
        let cx0 = rng.uniform(0.3, 0.7), cy0 = rng.uniform(0.3, 0.7)
        let rowLight = (0..<height).map { y -> Float in
            let f = Float(y) / H
            return base / 2 + gy * (f - 0.5) - vig * (f - cy0) * (f - cy0) * 2
        }
        let columnLight = (0..<width).map { x -> Float in
            let f = Float(x) / W
            return base / 2 + gx * (f - 0.5) - vig * (f - cx0) * (f - cx0) * 2
        }
        var scene = Scene(canvas: Canvas(width: width, height: height), rowLight: rowLight, columnLight: columnLight,
                          backgroundNoise: rng.uniform(1.2, 3), objectNoise: rng.uniform(5, 10))
        // Interphase nuclei under the spread (not objects of the ground truth).
        if nuclei {
            let count = rng.int(0...2)
            for _ in 0..<count {
                drawNucleus(into: &scene.canvas, cx: rng.uniform(0.1, 0.9) * W, cy: rng.uniform(0.1, 0.9) * H,
                            rx: rng.uniform(0.07, 0.12) * H, ry: rng.uniform(0.07, 0.12) * H,
                            darkness: rng.uniform(0.45, 0.75), rng: &rng)
            }
        }
        // Scatter in random order.
        let ecx = W / 2 + rng.uniform(-0.05, 0.05) * W, ecy = H / 2 + rng.uniform(-0.05, 0.05) * H
        let rx = 0.4 * W, ry = 0.4 * H
        var order = Array(chromosomes.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(0...i)) }
        var placed: [(Float, Float, Float, Float)] = []
        var plan: [(Int, Placement)] = []
        for index in order {
            let body = chromosomes[index].body
            let allowOverlap = rng.chance(touchingFraction)
            var best: (Placement, (Float, Float, Float, Float), Float)? = nil
            for _ in 0..<(allowOverlap ? 1 : 30) {
                let a = rng.uniform(0, 2 * Float.pi)
                let r = rng.uniform(0, 1).squareRoot()
                let p = Placement(centerX: ecx + cos(a) * r * rx, centerY: ecy + sin(a) * r * ry,
                                  angle: rng.uniform(-Float.pi, Float.pi),
                                  curvature: rng.chance(0.4) ? rng.approximateNormal(0.7) / max(20, body.length) : 0)
                let b = approximateBox(body, p)
                let overlap = placed.reduce(Float(0)) { $0 + intersection(b, $1) }
                if best == nil || overlap < best!.2 { best = (p, b, overlap) }
                if overlap == 0 { break }
            }
            let (p, b, _) = best!
            placed.append(b)
            plan.append((index, p))
        }
        for (index, p) in plan { scene.add(chromosomes[index], at: p, table: table) }
        return scene
    }

    /// The world box of a placed body (ignoring bending), with a 2-pixel margin.
    static func approximateBox(_ body: any ChromosomeBody, _ p: Placement) -> (Float, Float, Float, Float) {
        let c = abs(cos(p.angle)), s = abs(sin(p.angle))
        let hw = (body.width * c + body.length * s) / 2 + 2
        let hh = (body.width * s + body.length * c) / 2 + 2
        return (p.centerX - hw, p.centerY - hh, p.centerX + hw, p.centerY + hh)
    }

    static func intersection(_ a: (Float, Float, Float, Float), _ b: (Float, Float, Float, Float)) -> Float {
        let w = min(a.2, b.2) - max(a.0, b.0), h = min(a.3, b.3) - max(a.1, b.1)
        return w > 0 && h > 0 ? w * h : 0
    }

    static func drawNucleus(into canvas: inout Canvas, cx: Float, cy: Float, rx: Float, ry: Float, darkness: Float,
                            rng: inout SeededGenerator) {
        let x0 = max(0, Int(cx - rx * 1.25 - 2)), x1 = min(canvas.width - 1, Int(cx + rx * 1.25 + 2))
        let y0 = max(0, Int(cy - ry * 1.25 - 2)), y1 = min(canvas.height - 1, Int(cy + ry * 1.25 + 2))
        guard x0 <= x1, y0 <= y1 else { return }
        let f1 = rng.uniform(0.03, 0.08), f2 = rng.uniform(0.03, 0.08), ph = rng.uniform(0, 6)
        let lobes = Float(rng.int(2...5)), lobeAmp = rng.uniform(0.03, 0.1), lobePh = rng.uniform(0, 6)
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = (Float(x) - cx) / rx, dy = (Float(y) - cy) / ry
                let r = (dx * dx + dy * dy).squareRoot() * (1 + lobeAmp * sin(lobes * atan2(dy, dx) + lobePh))
                let edge = min(1, max(0, (1 - r) * min(rx, ry) / 4))
                if edge <= 0 { continue }
                let tex = 0.85 + 0.15 * sin(Float(x) * f1 + ph) * cos(Float(y) * f2)
                canvas.transmittance[y * canvas.width + x] *= 1 - darkness * edge * tex
            }
        }
    }
}
