import KaryoCore

/// A binary mask over an image: row-major, `true` = foreground.
package struct BinaryMask: Sendable, Hashable {
    package let width: Int
    package let height: Int
    package var bits: [Bool]

    package init(width: Int, height: Int, bits: [Bool]) {
        precondition(bits.count == width * height, "mask \(width)x\(height) needs \(width * height) bits, got \(bits.count)")
        self.width = width
        self.height = height
        self.bits = bits
    }

    /// An empty (all-background) mask.
    package init(width: Int, height: Int) {
        self.init(width: width, height: height, bits: [Bool](repeating: false, count: width * height))
    }

    package subscript(x: Int, y: Int) -> Bool {
        get { bits[y * width + x] }
        set { bits[y * width + x] = newValue }
    }

    /// Number of foreground pixels.
    package var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
