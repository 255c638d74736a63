import KaryoCore
import KaryoVision

/// An image prepared for analysis: dark-on-light at full resolution, plus a reduced copy (at most
/// `analysisWidth` wide) on which layouts and objects are found.
struct WorkingImage: Sendable {
    static let analysisWidth = 1100

    /// Full resolution, dark on light.
    let full: GrayImage
    let polarity: StainPolarity
    /// `small` pixels per `full` pixel (<= 1).
    let scale: Double
    let small: GrayImage
    /// The background gray (histogram mode of `small`).
    let background: Int
    /// A dark reference gray (0.5th percentile of `small`).
    let dark: Int

    init(_ image: GrayImage) {
        let hist = ImageOps.histogram(image)
        let median = ImageOps.percentile(hist, 0.5)
        polarity = median < 128 ? .brightOnDark : .darkOnLight
        full = polarity == .brightOnDark ? ImageOps.inverted(image) : image
        scale = min(1, Double(Self.analysisWidth) / Double(max(1, image.width)))
        small = ImageOps.downscaled(full, scale: scale)
        let h = ImageOps.histogram(small)
        // Background: the most common gray among the lighter half (JPEG noise spreads it a little).
        var best = 0, bestV = 255
        for v in 0..<256 {
            let c = h[max(0, v - 1)] + h[v] + h[min(255, v + 1)]
            if c > best { best = c; bestV = v }
        }
        background = bestV
        dark = ImageOps.percentile(h, 0.005)
    }

    /// Pixels of `small` darker than `threshold` (foreground).
    func mask(below threshold: Int, in region: PixelBox? = nil) -> BinaryMask {
        var m = BinaryMask(width: small.width, height: small.height)
        let r = region ?? PixelBox(x: 0, y: 0, width: small.width, height: small.height)
        small.pixels.withUnsafeBufferPointer { p in
            for y in max(0, r.y)...min(small.height - 1, r.maxY) {
                for x in max(0, r.x)...min(small.width - 1, r.maxX) where Int(p[y * small.width + x]) < threshold {
                    m.bits[y * small.width + x] = true
                }
            }
        }
        return m
    }

    /// A box of `small` in `full` pixels.
    func toFull(_ box: PixelBox) -> PixelBox {
        box.scaled(by: 1 / scale).intersection(PixelBox(x: 0, y: 0, width: full.width, height: full.height))
    }
}
