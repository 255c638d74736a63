import KaryoCore
import KaryoVision

/// What OCR read on one candidate line.
struct LineReading: Sendable {
    let line: TextLine
    /// The words read, boxes in image coordinates. Identifying by nature: never log them.
    let words: [OCRWord]
    /// The orientation the words were read in (upright for horizontal lines).
    let orientation: TextOrientation
}

/// Reads candidate lines: crops each line with a margin, makes the text dark on white with
/// full contrast, enlarges small text, and runs tesseract on the crop as a single line.
/// Vertical lines are read turned both ways (as the profile's orientations allow) and the more
/// confident reading is kept.
struct LineReader {
    /// Text is enlarged (by an integer factor, at most 4) until its glyphs are this tall.
    var targetGlyphHeight = 30
    /// White border added around each crop, in pixels of the enlarged crop.
    var border = 12

    func read(_ lines: [TextLine], in image: GrayImage, orientations: [TextOrientation],
              engine: TesseractEngine) -> [LineReading] {
        var out: [LineReading] = []
        for line in lines {
            let turns: [TextOrientation] = line.vertical
                ? orientations.filter { $0 != .upright }
                : (orientations.contains(.upright) ? [.upright] : [])
            guard !turns.isEmpty else { continue }
            let margin = max(4, line.glyphHeight / 2)
            let crop = line.box.padded(by: margin).clipped(width: image.width, height: image.height)
            guard !crop.isEmpty else { continue }
            let scale = min(4, max(1, (targetGlyphHeight + line.glyphHeight - 1) / max(1, line.glyphHeight)))
            let prepared = Self.prepare(image, crop: crop, invert: line.lightOnDark, scale: scale)
            var best: LineReading?
            var bestScore: Float = -1
            for turn in turns {
                let turned = TextScanner.rotate(prepared, turn)
                let framed = Self.framed(turned, border: border)
                let words = framed.pixels.withUnsafeBufferPointer {
                    engine.words(pixels: $0, width: framed.width, height: framed.height, mode: .singleLine)
                }
                let mapped = words.map { word -> OCRWord in
                    var r = word.box
                    r.x -= border
                    r.y -= border
                    r = TextScanner.unrotate(r, turn, originalWidth: prepared.width, originalHeight: prepared.height)
                    let box = PixelBox(x: crop.x + r.x / scale, y: crop.y + r.y / scale,
                                        width: (r.width + scale - 1) / scale, height: (r.height + scale - 1) / scale)
                    return OCRWord(text: word.text, confidence: word.confidence, box: box)
                }
                let score = mapped.isEmpty ? 0 : mapped.map(\.confidence).reduce(0, +) / Float(mapped.count)
                if score > bestScore {
                    bestScore = score
                    best = LineReading(line: line, words: mapped, orientation: turn)
                }
            }
            if let best { out.append(best) }
        }
        return out
    }

    /// The crop, inverted when the text is light, stretched to the full 0...255 range (2nd to
    /// 98th percentile), enlarged `scale` times by bilinear interpolation.
    static func prepare(_ image: GrayImage, crop: PixelBox, invert: Bool, scale: Int) -> GrayImage {
        let cw = crop.width, ch = crop.height
        var pixels = [UInt8](repeating: 255, count: cw * ch)
        var hist = [Int](repeating: 0, count: 256)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<ch {
                let row = (crop.y + y) * image.width + crop.x
                for x in 0..<cw {
                    let v = invert ? 255 - src[row + x] : src[row + x]
                    pixels[y * cw + x] = v
                    hist[Int(v)] += 1
                }
            }
        }
        let n = cw * ch
        var lo = 0, hi = 255, seen = 0
        var foundLo = false
        for v in 0..<256 {
            seen += hist[v]
            if !foundLo && seen * 50 >= n { lo = v; foundLo = true }
            if seen * 50 >= n * 49 { hi = v; break }
        }
        if hi - lo < 16 { lo = max(0, hi - 16) }
        var lut = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 { lut[v] = UInt8(max(0, min(255, (v - lo) * 255 / max(1, hi - lo)))) }
        for i in 0..<n { pixels[i] = lut[Int(pixels[i])] }
        guard scale > 1 else { return GrayImage(width: cw, height: ch, pixels: pixels) }
        let ow = cw * scale, oh = ch * scale
        var out = [UInt8](repeating: 255, count: ow * oh)
        pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<oh {
                    let fy = (Double(y) + 0.5) / Double(scale) - 0.5
                    let y0 = max(0, min(ch - 1, Int(fy.rounded(.down))))
                    let y1 = min(ch - 1, y0 + 1)
                    let wy = max(0, min(1, fy - Double(y0)))
                    for x in 0..<ow {
                        let fx = (Double(x) + 0.5) / Double(scale) - 0.5
                        let x0 = max(0, min(cw - 1, Int(fx.rounded(.down))))
                        let x1 = min(cw - 1, x0 + 1)
                        let wx = max(0, min(1, fx - Double(x0)))
                        let top = Double(p[y0 * cw + x0]) * (1 - wx) + Double(p[y0 * cw + x1]) * wx
                        let bottom = Double(p[y1 * cw + x0]) * (1 - wx) + Double(p[y1 * cw + x1]) * wx
                        o[y * ow + x] = UInt8(max(0, min(255, (top * (1 - wy) + bottom * wy).rounded())))
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }

    /// The image on a white frame `border` pixels wide.
    static func framed(_ image: GrayImage, border: Int) -> GrayImage {
        let w = image.width + 2 * border, h = image.height + 2 * border
        var out = [UInt8](repeating: 255, count: w * h)
        for y in 0..<image.height {
            let src = y * image.width, dst = (y + border) * w + border
            for x in 0..<image.width { out[dst + x] = image.pixels[src + x] }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
