import Foundation

/// A chromosome drawn from a raster: darkness and coverage per pixel, upright (pter at row 0).
struct SpriteBody: ChromosomeBody {
    let spriteWidth: Int
    let spriteHeight: Int
    /// Darkness 0...1 per pixel (0 outside the chromosome).
    var darkness: [Float]
    /// Coverage 0...1 per pixel (the segmentation mask, softened).
    var coverage: [Float]

    var length: Float { Float(spriteHeight) }
    var width: Float { Float(spriteWidth) }

    func sample(_ a: [Float], _ x: Float, _ y: Float) -> Float {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        func at(_ xx: Int, _ yy: Int) -> Float {
            xx < 0 || yy < 0 || xx >= spriteWidth || yy >= spriteHeight ? 0 : a[yy * spriteWidth + xx]
        }
        return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy
    }

    /// Resampled copy scaled by `factor`.
    func scaled(_ factor: Float) -> SpriteBody {
        let w = max(1, Int((Float(spriteWidth) * factor).rounded())), h = max(1, Int((Float(spriteHeight) * factor).rounded()))
        var d = [Float](repeating: 0, count: w * h), c = d
        for y in 0..<h {
            for x in 0..<w {
                let sx = (Float(x) + 0.5) / factor - 0.5, sy = (Float(y) + 0.5) / factor - 0.5
                d[y * w + x] = sample(darkness, sx, sy)
                c[y * w + x] = sample(coverage, sx, sy)
            }
        }
        return SpriteBody(spriteWidth: w, spriteHeight: h, darkness: d, coverage: c)
    }

    /// Rows `from..<to` (fractions of the height) of the sprite.
    func rows(from: Double, to: Double) -> SpriteBody {
        let a = max(0, min(spriteHeight, Int((from * Double(spriteHeight)).rounded())))
        let b = max(a + 1, min(spriteHeight, Int((to * Double(spriteHeight)).rounded())))
        return SpriteBody(spriteWidth: spriteWidth, spriteHeight: b - a,
                          darkness: Array(darkness[(a * spriteWidth)..<(b * spriteWidth)]),
                          coverage: Array(coverage[(a * spriteWidth)..<(b * spriteWidth)]))
    }

    /// Pieces stacked top to bottom, centred horizontally.
    static func stack(_ parts: [SpriteBody]) -> SpriteBody {
        let w = parts.map(\.spriteWidth).max() ?? 1
        let h = parts.reduce(0) { $0 + $1.spriteHeight }
        var d = [Float](repeating: 0, count: w * max(1, h)), c = d
        var y0 = 0
        for p in parts {
            let dx = (w - p.spriteWidth) / 2
            for y in 0..<p.spriteHeight {
                for x in 0..<p.spriteWidth {
                    d[(y0 + y) * w + x + dx] = p.darkness[y * p.spriteWidth + x]
                    c[(y0 + y) * w + x + dx] = p.coverage[y * p.spriteWidth + x]
                }
            }
            y0 += p.spriteHeight
        }
        return SpriteBody(spriteWidth: w, spriteHeight: max(1, h), darkness: d, coverage: c)
    }

    func draw(into canvas: inout Canvas, at p: Placement, id: UInt8) -> BoxAccumulator {
        let cosA = cos(p.angle), sinA = sin(p.angle)
        let hw = Float(spriteWidth) / 2, hh = Float(spriteHeight) / 2
        let r = (hw * hw + hh * hh).squareRoot() + 2
        let x0 = max(0, Int(p.centerX - r)), x1 = min(canvas.width - 1, Int(p.centerX + r))
        let y0 = max(0, Int(p.centerY - r)), y1 = min(canvas.height - 1, Int(p.centerY + r))
        var box = BoxAccumulator()
        guard x0 <= x1, y0 <= y1 else { return box }
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Float(x) + 0.5 - p.centerX, dy = Float(y) + 0.5 - p.centerY
                let u = dx * cosA + dy * sinA + hw - 0.5
                let v = -dx * sinA + dy * cosA + hh - 0.5
                if u < -1 || v < -1 || u > Float(spriteWidth) || v > Float(spriteHeight) { continue }
                let d = sample(darkness, u, v)
                if d <= 0.004 { continue }
                let k = y * canvas.width + x
                canvas.transmittance[k] *= 1 - min(0.98, d)
                if sample(coverage, u, v) >= 0.5 { canvas.labels[k] = id }
                box.add(x, y)
            }
        }
        return box
    }
}
