import Foundation
import KaryoCore

/// Label-preserving augmentation for chromosome images: small rotations and shifts, contrast and
/// brightness. It never scales, so chromosome size (which carries the t(9;22) signal) is kept.
public struct Augmentation: Sendable, Hashable {
    /// Maximum rotation in degrees (uniform in ±).
    public var maxRotationDegrees: Float
    /// Maximum shift in pixels along each axis (uniform in ±).
    public var maxShift: Float
    /// Contrast factor drawn from [1 − c, 1 + c], applied around the image mean.
    public var contrast: Float
    /// Brightness offset drawn from ±b (in pixel units).
    public var brightness: Float

    public init(maxRotationDegrees: Float = 10, maxShift: Float = 4, contrast: Float = 0.1, brightness: Float = 0.1) {
        self.maxRotationDegrees = maxRotationDegrees; self.maxShift = maxShift
        self.contrast = contrast; self.brightness = brightness
    }

    /// Transforms one image [C, H, W] in place. Uncovered pixels take the mean of the image border
    /// (the background), sampled bilinearly.
    public func apply(_ image: inout [Float], channels: Int, height: Int, width: Int, generator: inout SeededGenerator) {
        let angle = (generator.nextUniform() * 2 - 1) * maxRotationDegrees * .pi / 180
        let dx = (generator.nextUniform() * 2 - 1) * maxShift, dy = (generator.nextUniform() * 2 - 1) * maxShift
        let cf = 1 + (generator.nextUniform() * 2 - 1) * contrast
        let bo = (generator.nextUniform() * 2 - 1) * brightness
        let (cosA, sinA) = (cos(angle), sin(angle))
        let cy = Float(height - 1) / 2, cx = Float(width - 1) / 2
        let plane = height * width
        for c in 0..<channels {
            let src = Array(image[(c * plane)..<((c + 1) * plane)])
            var border = 0.0, n = 0.0
            for x in 0..<width { border += Double(src[x]) + Double(src[(height - 1) * width + x]); n += 2 }
            for y in 0..<height { border += Double(src[y * width]) + Double(src[y * width + width - 1]); n += 2 }
            let fill = Float(border / n)
            var mean = 0.0
            var out = [Float](repeating: 0, count: plane)
            for y in 0..<height {
                for x in 0..<width {
                    // Inverse map: output pixel → source position.
                    let ox = Float(x) - cx - dx, oy = Float(y) - cy - dy
                    let sx = cosA * ox + sinA * oy + cx, sy = -sinA * ox + cosA * oy + cy
                    let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                    let fx = sx - Float(x0), fy = sy - Float(y0)
                    func at(_ yy: Int, _ xx: Int) -> Float {
                        (yy >= 0 && yy < height && xx >= 0 && xx < width) ? src[yy * width + xx] : fill
                    }
                    let v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1))
                        + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1))
                    out[y * width + x] = v
                    mean += Double(v)
                }
            }
            let m = Float(mean / Double(plane))
            for i in 0..<plane { image[c * plane + i] = (out[i] - m) * cf + m + bo }
        }
    }
}
