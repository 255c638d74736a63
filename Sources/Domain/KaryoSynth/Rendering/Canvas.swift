import KaryoCore

/// Accumulates a bounding box of pixels.
struct BoxAccumulator {
    var minX = Int.max, minY = Int.max, maxX = Int.min, maxY = Int.min
    var isEmpty: Bool { minX > maxX }
    mutating func add(_ x: Int, _ y: Int) {
        if x < minX { minX = x }
        if x > maxX { maxX = x }
        if y < minY { minY = y }
        if y > maxY { maxY = y }
    }
    mutating func add(_ other: BoxAccumulator) {
        guard !other.isEmpty else { return }
        add(other.minX, other.minY); add(other.maxX, other.maxY)
    }
    var box: PixelBox {
        isEmpty ? PixelBox(x: 0, y: 0, width: 0, height: 0)
            : PixelBox(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }
}

/// The drawing surface: a transmittance per pixel (1 = nothing drawn, 0 = opaque black), composed
/// multiplicatively so that overlapping chromosomes darken as in a real micrograph, and an object
/// label map (0 = background, else the object id of the topmost object covering at least half the pixel).
struct Canvas {
    let width: Int
    let height: Int
    var transmittance: [Float]
    var labels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        transmittance = [Float](repeating: 1, count: width * height)
        labels = [UInt8](repeating: 0, count: width * height)
    }

    /// Multiplies the transmittance of the pixels of a box by `factor` (a dark strip).
    mutating func darken(x: Int, y: Int, width w: Int, height h: Int, factor: Float) {
        for yy in max(0, y)..<min(height, y + h) {
            for xx in max(0, x)..<min(width, x + w) { transmittance[yy * width + xx] *= factor }
        }
    }

    /// Final 8-bit image: `(rowLight[y] + columnLight[x]) * transmittance + noise` (a separable
    /// uneven illumination). The noise amplitude (gray levels) is `backgroundNoise` on empty pixels
    /// and grows to `objectNoise` on opaque ones.
    func finish(rowLight: [Float], columnLight: [Float], backgroundNoise: Float, objectNoise: Float,
                rng: inout SeededGenerator) -> GrayImage {
        var pixels = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeMutableBufferPointer { out in
            transmittance.withUnsafeBufferPointer { tr in
                var bits: UInt64 = 0
                var left = 0
                for y in 0..<height {
                    for x in 0..<width {
                        let i = y * width + x
                        if left == 0 { bits = rng.next(); left = 4 }
                        let n = Float(Int(bits & 0xFF) + Int((bits >> 8) & 0xFF) - 255) / 255
                        bits >>= 16; left -= 1
                        let t = tr[i]
                        let amp = backgroundNoise + (objectNoise - backgroundNoise) * (1 - t)
                        let v = (rowLight[y] + columnLight[x]) * t + n * amp
                        out[i] = UInt8(max(0, min(255, v.rounded())))
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}
