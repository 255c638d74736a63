import KaryoCore
import KaryoVision

/// The orientations text is searched in. Degrees of clockwise image rotation before OCR:
/// 90 reads text running bottom-to-top, 270 text running top-to-bottom.
public enum TextOrientation: Int, Sendable, Codable, CaseIterable {
    case upright = 0
    case rotated90 = 90
    case rotated270 = 270
}

/// Finds words by OCR on overlapping horizontal strips of the whole image, in each orientation
/// asked for, and maps every box back to the coordinates of the original image. Used by the
/// verifier's OCR check (``DeidVerifier``), which must not depend on the text finder that the
/// de-identification itself uses (``TextFinder``, ``LineReader``); slower, but independent.
///
/// Whole-image OCR misses isolated header lines on a busy metaphase; strips of 256 rows that
/// overlap by 64 find them (see shared/notes/deid.md). A word cut by one strip's edge lies
/// whole inside the next one, because no text line is taller than the overlap.
struct TextScanner {
    var stripHeight = 256
    var overlap = 64

    func scan(_ image: GrayImage, orientations: [TextOrientation], engine: TesseractEngine) -> [OCRWord] {
        var found: [OCRWord] = []
        for orientation in orientations {
            let rotated = Self.rotate(image, orientation)
            let words = scanStrips(rotated, engine: engine)
            for word in words {
                let box = Self.unrotate(word.box, orientation, originalWidth: image.width, originalHeight: image.height)
                found.append(OCRWord(text: word.text, confidence: word.confidence, box: box))
            }
        }
        return found
    }

    private func scanStrips(_ image: GrayImage, engine: TesseractEngine) -> [OCRWord] {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return [] }
        var tops: [Int] = []
        if h <= stripHeight {
            tops = [0]
        } else {
            var y = 0
            while y + stripHeight < h {
                tops.append(y)
                y += stripHeight - overlap
            }
            tops.append(h - stripHeight)
        }
        var words: [OCRWord] = []
        image.pixels.withUnsafeBufferPointer { all in
            for top in tops {
                let rows = min(stripHeight, h - top)
                let strip = UnsafeBufferPointer(rebasing: all[(top * w)..<((top + rows) * w)])
                if Self.isNearlyUniform(strip) { continue }
                for word in engine.words(pixels: strip, width: w, height: rows) {
                    var box = word.box
                    box.y += top
                    words.append(OCRWord(text: word.text, confidence: word.confidence, box: box))
                }
            }
        }
        return words
    }

    /// A strip with (almost) one value holds no text; skipping it saves an OCR call.
    static func isNearlyUniform(_ pixels: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = pixels.first else { return true }
        var lo = first, hi = first
        for v in pixels {
            if v < lo { lo = v }
            if v > hi { hi = v }
            if Int(hi) - Int(lo) > 8 { return false }
        }
        return true
    }

    /// The image turned clockwise by the orientation's angle.
    static func rotate(_ image: GrayImage, _ orientation: TextOrientation) -> GrayImage {
        let w = image.width, h = image.height
        switch orientation {
        case .upright:
            return image
        case .rotated90:
            // new(x', y') = old(x: y', y: h - 1 - x'), new size h x w
            var out = [UInt8](repeating: 0, count: w * h)
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        let nx = h - 1 - y
                        for x in 0..<w { dst[x * h + nx] = src[y * w + x] }
                    }
                }
            }
            return GrayImage(width: h, height: w, pixels: out)
        case .rotated270:
            // new(x', y') = old(x: w - 1 - y', y: x'), new size h x w
            var out = [UInt8](repeating: 0, count: w * h)
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        for x in 0..<w { dst[(w - 1 - x) * h + y] = src[y * w + x] }
                    }
                }
            }
            return GrayImage(width: h, height: w, pixels: out)
        }
    }

    /// A box found on the rotated image, in the original image's coordinates.
    static func unrotate(_ r: PixelBox, _ orientation: TextOrientation, originalWidth w: Int, originalHeight h: Int) -> PixelBox {
        switch orientation {
        case .upright:
            return r
        case .rotated90:
            return PixelBox(x: r.y, y: h - (r.x + r.width), width: r.height, height: r.width)
        case .rotated270:
            return PixelBox(x: w - (r.y + r.height), y: r.x, width: r.height, height: r.width)
        }
    }
}
