/// An axis-aligned rectangle in the pixels of an image: `x`, `y` is the top-left pixel (origin top
/// left), `width` and `height` count pixels. The one box type of every Karyo module: extraction,
/// segmentation, de-identification masks, synthetic truth, the stored records and the web app.
///
/// It encodes with named fields (`{"x": 1, "y": 2, "width": 3, "height": 4}`) and also decodes the
/// `[x, y, width, height]` arrays that earlier versions wrote into truth files and stores.
public struct PixelBox: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    /// A box; a negative `width` or `height` becomes 0 (an empty box).
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

    /// The last column inside the box.
    public var maxX: Int { x + width - 1 }
    /// The last row inside the box.
    public var maxY: Int { y + height - 1 }
    /// Number of pixels (0 when empty).
    public var area: Int { width * height }
    public var centerX: Double { Double(x) + Double(width) / 2 }
    public var centerY: Double { Double(y) + Double(height) / 2 }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// Whether the pixel (`px`, `py`) lies inside.
    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }

    /// Whether the two boxes share at least one pixel.
    public func intersects(_ other: PixelBox) -> Bool {
        x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height
    }

    /// The smallest box holding both (an empty box adds nothing).
    public func union(_ other: PixelBox) -> PixelBox {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return PixelBox(minX: min(x, other.x), minY: min(y, other.y), maxX: max(maxX, other.maxX), maxY: max(maxY, other.maxY))
    }

    /// The overlap; empty (at the overlap's corner) when the boxes do not meet.
    public func intersection(_ other: PixelBox) -> PixelBox {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        if x1 < x0 || y1 < y0 { return PixelBox(x: x0, y: y0, width: 0, height: 0) }
        return PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1)
    }

    /// Intersection over union, 0...1 (0 when both are empty).
    public func iou(_ other: PixelBox) -> Double {
        let inter = intersection(other).area
        let union = area + other.area - inter
        return union > 0 ? Double(inter) / Double(union) : 0
    }

    /// This box in an image scaled by `factor` (coordinates multiplied, rounded outward).
    public func scaled(by factor: Double) -> PixelBox {
        let x0 = Int((Double(x) * factor).rounded(.down))
        let y0 = Int((Double(y) * factor).rounded(.down))
        let x1 = Int((Double(x + width) * factor).rounded(.up))
        let y1 = Int((Double(y + height) * factor).rounded(.up))
        return PixelBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Grown by `margin` pixels on every side (not clipped to any image).
    public func padded(by margin: Int) -> PixelBox {
        PixelBox(x: x - margin, y: y - margin, width: width + 2 * margin, height: height + 2 * margin)
    }

    /// Grown by `margin` on every side and clipped to a `width` x `height` image.
    public func padded(_ margin: Int, within width: Int, _ height: Int) -> PixelBox {
        PixelBox(minX: max(0, x - margin), minY: max(0, y - margin),
                 maxX: min(width - 1, maxX + margin), maxY: min(height - 1, maxY + margin))
    }

    /// The part of the box inside a `width` x `height` image (possibly empty).
    public func clipped(width w: Int, height h: Int) -> PixelBox {
        let x0 = max(0, min(x, w)), y0 = max(0, min(y, h))
        let x1 = max(x0, min(x + width, w)), y1 = max(y0, min(y + height, h))
        return PixelBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// `[x, y, width, height]`.
    public var description: String { "[\(x), \(y), \(width), \(height)]" }

    private enum CodingKeys: String, CodingKey { case x, y, width, height }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(x, forKey: .x)
        try c.encode(y, forKey: .y)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
    }

    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            guard array.count == 4 else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "a box array needs 4 numbers: [x, y, width, height]"))
            }
            self.init(x: try array.decode(Int.self), y: try array.decode(Int.self),
                      width: try array.decode(Int.self), height: try array.decode(Int.self))
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(x: try c.decode(Int.self, forKey: .x), y: try c.decode(Int.self, forKey: .y),
                  width: try c.decode(Int.self, forKey: .width), height: try c.decode(Int.self, forKey: .height))
    }
}
