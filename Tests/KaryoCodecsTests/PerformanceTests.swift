import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

/// Karyogram-sized images through the codecs. The time is printed for a reader; it is not asserted
/// (speed is checked by the benchmarks, tools/bench-*, where a loaded machine cannot fail a build).
@Suite("Karyogram-sized images")
struct PerformanceTests {
    static func best(of runs: Int, _ body: () throws -> Void) rethrows -> Duration {
        var best = Duration.seconds(1000)
        for _ in 0..<runs {
            let t0 = ContinuousClock.now
            try body()
            best = min(best, ContinuousClock.now - t0)
        }
        return best
    }

    /// A metaphase-like 1000x900 image: smooth background, dark blobs, sensor noise.
    static func metaphaseLike() -> GrayImage {
        var rng = SeededGenerator(seed: 99)
        var px = [UInt8](repeating: 0, count: 1000 * 900)
        for y in 0..<900 {
            for x in 0..<1000 {
                var v = 200 + (x + y) / 60
                if (x / 40 + y / 70) % 5 == 0 && x % 40 > 12 && y % 70 > 8 { v = 60 + (y % 70) }
                v += Int(rng.next() % 7) - 3
                px[y * 1000 + x] = UInt8(clamping: v)
            }
        }
        return GrayImage(width: 1000, height: 900, pixels: px)
    }

    @Test func encode1000x900() throws {
        let img = Self.metaphaseLike()
        var png = Data()
        let t = try Self.best(of: 3) { png = try ImageCodec.encodePNG(img) }
        print("[Performance] encodePNG 1000x900: \(t), \(png.count) bytes")
        #expect(try ImageCodec.decode(png).image == img)
    }

    @Test func decodeKaryogramTIFF() throws {
        let rel = "metaphase-karyogram-pairs/cabinh-8129A/karyogram/8129A.001.K.TIF"
        let data: Data
        if SharedData.exists(rel) {
            data = try Data(contentsOf: SharedData.url(rel))
        } else {
            let img = Self.metaphaseLike()
            data = try makeTIFF(TIFFSpec(width: 1000, height: 900, compression: 5, rowsPerStrip: 32,
                                         samples: img.pixels.map(UInt16.init)))
        }
        var decoded: DecodedImage?
        let t = try Self.best(of: 3) { decoded = try ImageCodec.decode(data) }
        print("[Performance] decode \(data.count)-byte LZW TIFF: \(t)")
        #expect(decoded.map { $0.image.width * $0.image.height } ?? 0 >= 1000 * 550)
    }
}
