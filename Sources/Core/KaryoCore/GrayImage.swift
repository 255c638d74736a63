/// An 8-bit grayscale image: the one pixel type every Karyo module works with.
///
/// Pixels are stored row-major, top row first, one byte per pixel; 0 is black and 255 is
/// white as displayed. Decoders produce it with ``ImageCodec/decode(_:fileName:options:)``
/// (see ``PixelMapping`` for how colour, alpha and other bit depths become gray).
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major pixels, `count == width * height`, 0 = black.
    public var pixels: [UInt8]

    /// Wraps existing pixels.
    /// - Precondition: `width >= 0`, `height >= 0` and `pixels.count == width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "GrayImage size must not be negative: \(width)x\(height)")
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        precondition(!overflow && pixels.count == count,
                     "GrayImage \(width)x\(height) needs \(width)*\(height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image of one uniform value.
    public init(width: Int, height: Int, fill: UInt8) {
        precondition(width >= 0 && height >= 0, "GrayImage size must not be negative: \(width)x\(height)")
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        precondition(!overflow, "GrayImage \(width)x\(height) is too large")
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: count))
    }

    /// The pixel at column `x`, row `y` (0-based, origin top left), with argument labels:
    /// `image[x: 3, y: 4]`. Same as the unlabelled `image[3, 4]`.
    /// - Precondition: `0 <= x < width` and `0 <= y < height`.
    @inlinable
    public subscript(x x: Int, y y: Int) -> UInt8 {
        get { self[x, y] }
        set { self[x, y] = newValue }
    }

    /// The pixel at column `x`, row `y` (0-based, origin top left): `image[3, 4]`.
    /// - Precondition: `0 <= x < width` and `0 <= y < height`.
    public subscript(x: Int, y: Int) -> UInt8 {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
            return pixels[y * width + x]
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
            pixels[y * width + x] = newValue
        }
    }
}
