import Foundation
import KaryoCodecs
import KaryoTestSupport
import Testing

@Suite("JPEG decoding")
struct JPEGDecodeTests {
    static func maxDiff(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    @Test func grayBaselineAndProgressive() throws {
        let w = 45, h = 31
        let src = testPattern(width: w, height: h)
        for progressive in [false, true] {
            let jpg = try makeJPEG(width: w, height: h, components: 1, pixels: src, quality: 98, progressive: progressive)
            let d = try ImageCodec.decode(jpg, fileName: "g.jpg")
            #expect(d.format == .jpeg)
            #expect(d.sourceColorModel == "gray")
            #expect(d.sourceBitDepth == 8)
            #expect(d.image.width == w && d.image.height == h)
            #expect(Self.maxDiff(d.image.pixels, src) <= 12)
            #expect(d.warnings.isEmpty)
        }
    }

    /// Solid colours survive JPEG almost exactly; their luma must be BT.601.
    @Test func colourToLuma() throws {
        let colours: [(UInt8, UInt8, UInt8, Int)] = [(200, 100, 50, 124), (255, 0, 0, 76), (0, 255, 0, 150),
                                                     (0, 0, 255, 29), (255, 255, 255, 255), (30, 30, 30, 30)]
        for (r, g, b, expected) in colours {
            let px = [UInt8]((0..<(32 * 16)).flatMap { _ in [r, g, b] })
            for (progressive, storeRGB) in [(false, false), (true, false), (false, true)] {
                let jpg = try makeJPEG(width: 32, height: 16, components: 3, pixels: px, quality: 100,
                                       progressive: progressive, storeRGB: storeRGB)
                let d = try ImageCodec.decode(jpg)
                #expect(d.sourceColorModel == "rgb")
                let mean = d.image.pixels.reduce(0) { $0 + Int($1) } / d.image.pixels.count
                #expect(abs(mean - expected) <= 2, "(\(r),\(g),\(b)) progressive=\(progressive) rgb=\(storeRGB): \(mean) vs \(expected)")
            }
        }
    }

    /// CMYK: Adobe (inverted, as Photoshop writes), plain, and YCCK.
    @Test func cmykVariants() throws {
        // Inks (c, m, y, k) in 0...255 where 255 = full ink, and the expected gray.
        let inks: [(UInt8, UInt8, UInt8, UInt8, Int)] = [
            (0, 0, 0, 0, 255),      // paper white
            (0, 0, 0, 255, 0),      // full black
            (255, 0, 0, 0, 179),    // cyan -> RGB (0,255,255) -> 178.8
            (0, 0, 0, 128, 127),    // half black -> 127
        ]
        for (c, m, y, k, expected) in inks {
            for variant in ["adobe", "plain", "ycck"] {
                let stored: [UInt8] = variant == "plain" ? [c, m, y, k] : [255 - c, 255 - m, 255 - y, 255 - k]
                let px = [UInt8]((0..<(16 * 16)).flatMap { _ in stored })
                let jpg = try makeJPEG(width: 16, height: 16, components: 4, pixels: px, quality: 100,
                                       storeYCCK: variant == "ycck", adobeMarker: variant != "plain")
                let d = try ImageCodec.decode(jpg)
                #expect(d.sourceColorModel == (variant == "ycck" ? "ycck" : "cmyk"))
                let mean = d.image.pixels.reduce(0) { $0 + Int($1) } / d.image.pixels.count
                #expect(abs(mean - expected) <= 3, "\(variant) ink (\(c),\(m),\(y),\(k)): \(mean) vs \(expected)")
            }
        }
    }

    @Test func arithmeticCoding() throws {
        let w = 40, h = 24
        let src = testPattern(width: w, height: h)
        for progressive in [false, true] {
            let jpg = try makeJPEG(width: w, height: h, components: 1, pixels: src, quality: 98, progressive: progressive,
                                   arithmetic: true)
            let d = try ImageCodec.decode(jpg)
            #expect(Self.maxDiff(d.image.pixels, src) <= 12)
        }
    }

    @Test func oddSizes() throws {
        for (w, h) in [(1, 1), (17, 3), (3, 17)] {
            let src = testPattern(width: w, height: h)
            let d = try ImageCodec.decode(makeJPEG(width: w, height: h, components: 1, pixels: src, quality: 100))
            #expect(d.image.width == w && d.image.height == h)
        }
    }
}
