/// An axis-aligned rectangle in pixel coordinates of an image (origin top left, `x`/`y` inclusive,
/// `width`/`height` in pixels), the box format of the synthetic truth files (`[x, y, w, h]`).
public struct PixelBox: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The box spanning the inclusive pixel ranges `minX...maxX`, `minY...maxY`.
    public init(minX: Int, minY: Int, maxX: Int, maxY: Int) {
        self.init(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    public var maxX: Int { x + width - 1 }
    public var maxY: Int { y + height - 1 }
    public var area: Int { width * height }
    public var centerX: Double { Double(x) + Double(width) / 2 }
    public var centerY: Double { Double(y) + Double(height) / 2 }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// The smallest box holding both.
    public func union(_ other: PixelBox) -> PixelBox {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return PixelBox(minX: min(x, other.x), minY: min(y, other.y), maxX: max(maxX, other.maxX), maxY: max(maxY, other.maxY))
    }

    /// The overlap, empty when the boxes do not meet.
    public func intersection(_ other: PixelBox) -> PixelBox {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        if x1 < x0 || y1 < y0 { return PixelBox(x: x0, y: y0, width: 0, height: 0) }
        return PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1)
    }

    /// Intersection over union, 0...1.
    public func iou(_ other: PixelBox) -> Double {
        let inter = intersection(other).area
        let uni = area + other.area - inter
        return uni > 0 ? Double(inter) / Double(uni) : 0
    }

    /// This box in an image scaled by `factor` (coordinates multiplied, rounded outward).
    public func scaled(by factor: Double) -> PixelBox {
        let x0 = Int((Double(x) * factor).rounded(.down))
        let y0 = Int((Double(y) * factor).rounded(.down))
        let x1 = Int((Double(x + width) * factor).rounded(.up))
        let y1 = Int((Double(y + height) * factor).rounded(.up))
        return PixelBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Grown by `margin` on every side and clipped to a `width` x `height` image.
    public func padded(_ margin: Int, within width: Int, _ height: Int) -> PixelBox {
        PixelBox(minX: max(0, x - margin), minY: max(0, y - margin),
                 maxX: min(width - 1, maxX + margin), maxY: min(height - 1, maxY + margin))
    }

    public var description: String { "[\(x), \(y), \(width), \(height)]" }
}
