import CKaryoCodecs
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

@Suite("GrayImage and PixelMapping")
struct GrayImageTests {
    @Test func initAndSubscript() {
        var img = GrayImage(width: 3, height: 2, fill: 7)
        #expect(img.pixels == [7, 7, 7, 7, 7, 7])
        img[2, 1] = 200
        #expect(img[2, 1] == 200)
        img[x: 0, y: 1] = 9
        #expect(img[x: 0, y: 1] == 9 && img[0, 1] == 9)
        #expect(img.pixels[5] == 200)
        let same = GrayImage(width: 3, height: 2, pixels: [7, 7, 7, 9, 7, 200])
        #expect(img == same)
        #expect(GrayImage(width: 0, height: 5, fill: 0).pixels.isEmpty)
    }

    @Test func lumaWeights() {
        #expect(PixelMapping.luma(red: 255, green: 0, blue: 0) == 76)    // 76.245
        #expect(PixelMapping.luma(red: 0, green: 255, blue: 0) == 150)   // 149.685
        #expect(PixelMapping.luma(red: 0, green: 0, blue: 255) == 29)    // 29.07
        #expect(PixelMapping.luma(red: 255, green: 255, blue: 255) == 255)
        #expect(PixelMapping.luma(red: 10, green: 20, blue: 30) == 18)   // 18.15
        for v in 0...255 {
            let g = UInt8(v)
            #expect(PixelMapping.luma(red: g, green: g, blue: g) == g)
        }
    }

    @Test func sixteenBitRoundsInsteadOfTruncating() {
        #expect(PixelMapping.gray8(from16: 0) == 0)
        #expect(PixelMapping.gray8(from16: 65535) == 255)
        #expect(PixelMapping.gray8(from16: 0x01FF) == 2)   // 511/257 = 1.99; the high byte would give 1
        #expect(PixelMapping.gray8(from16: 0xFE00) == 253) // 65024/257 = 253.01; the high byte would give 254
        #expect(PixelMapping.gray8(from16: 255) == 1)      // 0.99; the high byte would give 0
        #expect(PixelMapping.gray8(from16: 128) == 0)      // 0.498
        #expect(PixelMapping.gray8(from16: 129) == 1)      // 0.502
        #expect(PixelMapping.gray8(1, bits: 1) == 255)
        #expect((0...3).map { PixelMapping.gray8(UInt32($0), bits: 2) } == [0, 85, 170, 255])
        #expect(PixelMapping.gray8(7, bits: 4) == 119)
    }

    @Test func alphaOverWhite() {
        #expect(PixelMapping.overWhite(gray: 0, alpha: 0) == 255)
        #expect(PixelMapping.overWhite(gray: 0, alpha: 255) == 0)
        #expect(PixelMapping.overWhite(gray: 0, alpha: 128) == 127)    // 255 * 127/255
        #expect(PixelMapping.overWhite(gray: 100, alpha: 51) == 224)   // 100*0.2 + 255*0.8 = 224
    }

    /// The Swift mapping (BMP) and the C mapping (PNG/JPEG/TIFF) must agree exactly.
    @Test func swiftAndCMappingsAgree() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<20_000 {
            let r = UInt8.random(in: 0...255, using: &rng)
            let g = UInt8.random(in: 0...255, using: &rng)
            let b = UInt8.random(in: 0...255, using: &rng)
            let a = UInt8.random(in: 0...255, using: &rng)
            #expect(PixelMapping.luma(red: r, green: g, blue: b) == ckc_luma8(r, g, b))
            // 8-bit RGBA widened to 16 bits (v * 257) maps to the same gray as 8-bit.
            let c16 = ckc_gray_from_rgba16(UInt16(r) * 257, UInt16(g) * 257, UInt16(b) * 257, UInt16(a) * 257)
            #expect(Int(PixelMapping.luma(red: r, green: g, blue: b, alpha: a)) - Int(c16) == 0)
        }
    }
}
