import Foundation
import KaryoCodecs
import KaryoCore
import KaryoDeid

/// Throughput measurement for `karyo-bench deid` and tools/bench-deid.
enum DeidBench {
    /// De-identifies `images` synthetic karyogram-like images of `width` x `height` (banded bars
    /// on a light background, different per image) on `threads` threads and returns images per
    /// second (wall clock; image synthesis excluded; the OCR engines are created before timing).
    static func imagesPerSecond(images: Int = 16, width: Int = 1600, height: Int = 1200, ocr: Bool,
                                       threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Double {
        let inputs = (0..<images).map { synthetic(width: width, height: height, seed: $0) }
        return try imagesPerSecond(inputs: inputs, ocr: ocr, threads: threads)
    }

    /// De-identifies the given images (each once) on `threads` threads and returns images per
    /// second (wall clock; the OCR engines are created and warmed before timing).
    static func imagesPerSecond(inputs: [DecodedImage], ocr: Bool,
                                       threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Double {
        var profile = DeidProfile()
        profile.ocr = ocr
        let deidentifier = try Deidentifier(profile: profile)
        let images = inputs.count
        // warm one engine per thread
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            _ = deidentifier.deidentify(synthetic(width: 320, height: 240, seed: 1000 + i), lab: "bench", knownIdentifiers: [])
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let i = next.take(below: images) {
                _ = deidentifier.deidentify(inputs[i], lab: "bench", knownIdentifiers: [])
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(images) / seconds
    }

    /// The image scaled (bilinear, aspect kept) to fit `width` x `height` and centred on a
    /// background of its border's median value: lab images brought to the benchmark size.
    static func fitted(_ image: GrayImage, width: Int, height: Int) -> DecodedImage {
        let scale = min(Double(width) / Double(image.width), Double(height) / Double(image.height))
        let sw = max(1, min(width, Int(Double(image.width) * scale))), sh = max(1, min(height, Int(Double(image.height) * scale)))
        var border = (0..<image.width).map { image[$0, 0] } + (0..<image.width).map { image[$0, image.height - 1] }
        border.sort()
        var out = GrayImage(width: width, height: height, fill: border[border.count / 2])
        let ox = (width - sw) / 2, oy = (height - sh) / 2
        for y in 0..<sh {
            let fy = min(Double(image.height - 1), max(0, (Double(y) + 0.5) / scale - 0.5))
            let y0 = Int(fy), y1 = min(image.height - 1, y0 + 1), wy = fy - Double(y0)
            for x in 0..<sw {
                let fx = min(Double(image.width - 1), max(0, (Double(x) + 0.5) / scale - 0.5))
                let x0 = Int(fx), x1 = min(image.width - 1, x0 + 1), wx = fx - Double(x0)
                let top = Double(image[x0, y0]) * (1 - wx) + Double(image[x1, y0]) * wx
                let bottom = Double(image[x0, y1]) * (1 - wx) + Double(image[x1, y1]) * wx
                out[ox + x, oy + y] = UInt8(max(0, min(255, (top * (1 - wy) + bottom * wy).rounded())))
            }
        }
        return DecodedImage(image: out, format: .png, sourceBitDepth: 8, sourceColorModel: "gray")
    }

    /// A text-free synthetic karyogram-like image (banded bars on a light background).
    static func syntheticImage(width: Int, height: Int, seed: Int) -> DecodedImage {
        synthetic(width: width, height: height, seed: seed)
    }

    static func synthetic(width: Int, height: Int, seed: Int) -> DecodedImage {
        var image = GrayImage(width: width, height: height, fill: 236)
        var generator = SeededGenerator(seed: UInt64(seed))
        func next(_ n: Int) -> Int { Int.random(in: 0..<n, using: &generator) }
        let cellW = max(1, (width - 120) / 12), cellH = max(1, (height - 140) / 4)
        for row in 0..<4 {
            for slot in 0..<12 {
                let cx = 60 + slot * cellW + cellW / 2
                let length = cellH * 35 / 100 + next(max(1, cellH * 45 / 100))
                let bottom = 70 + row * cellH + cellH * 85 / 100
                let barW = max(8, width / 70)
                for pair in [-1, 1] {
                    let x0 = cx + pair * (barW / 2 + 3) - barW / 2
                    var y = bottom - length
                    while y < bottom {
                        let band = UInt8([50, 90, 130, 185][next(4)])
                        let h = 3 + next(7)
                        for yy in y..<min(bottom, y + h) where yy >= 0 && yy < height {
                            for x in max(0, x0)..<min(width, x0 + barW) { image[x, yy] = band }
                        }
                        y += h
                    }
                }
            }
        }
        return DecodedImage(image: image, format: .png, sourceBitDepth: 8, sourceColorModel: "gray")
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
