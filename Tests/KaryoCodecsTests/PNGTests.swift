import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

@Suite("PNG encoding")
struct PNGEncodeTests {
    @Test("round trip", arguments: [(1, 1), (1, 7), (7, 1), (3, 5), (17, 13), (255, 3), (101, 64)])
    func roundTrip(size: (Int, Int)) throws {
        let (w, h) = size
        let img = GrayImage(width: w, height: h, pixels: testPattern(width: w, height: h))
        let png = try ImageCodec.encodePNG(img)
        let back = try ImageCodec.decode(png, fileName: "rt.png")
        #expect(back.image == img)
        #expect(back.format == .png)
        #expect(back.sourceBitDepth == 8)
        #expect(back.sourceColorModel == "gray")
        #expect(back.warnings.isEmpty)
        #expect(!back.hadAlpha)
    }

    @Test func randomNoiseRoundTrip() throws {
        var rng = SeededGenerator(seed: 7)
        let pixels = (0..<(333 * 77)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let img = GrayImage(width: 333, height: 77, pixels: pixels)
        #expect(try ImageCodec.decode(ImageCodec.encodePNG(img)).image == img)
    }

    @Test func onlyIHDRIDATIEND() throws {
        let img = GrayImage(width: 640, height: 700, pixels: testPattern(width: 640, height: 700))
        let png = try ImageCodec.encodePNG(img)
        let chunks = try #require(pngChunkTypes(png))
        #expect(chunks.first == "IHDR")
        #expect(chunks.last == "IEND")
        #expect(Set(chunks) == ["IHDR", "IDAT", "IEND"])
        #expect(chunks.filter { $0 == "IDAT" }.count >= 1)
        // IHDR: 8-bit, colour type 0 (gray), no interlace.
        let b = [UInt8](png)
        #expect(Array(b[24..<29]) == [8, 0, 0, 0, 0])
    }

    @Test func deterministic() throws {
        let img = GrayImage(width: 123, height: 45, pixels: testPattern(width: 123, height: 45))
        let a = try ImageCodec.encodePNG(img)
        let b = try ImageCodec.encodePNG(GrayImage(width: 123, height: 45, pixels: img.pixels))
        #expect(a == b)
    }

    @Test func emptyImageIsRejected() {
        #expect(throws: ImageEncodeError.self) { try ImageCodec.encodePNG(GrayImage(width: 0, height: 3, fill: 0)) }
    }
}

@Suite("PNG decoding")
struct PNGDecodeTests {
    @Test func grayLowBitDepthsAreScaled() throws {
        for (bits, scale) in [(1, 255), (2, 85), (4, 17)] {
            let maxV = (1 << bits) - 1
            let w = 13, h = 3   // odd width: packed rows end mid-byte
            let samples = (0..<(w * h)).map { UInt16($0 % (maxV + 1)) }
            let png = try makePNG(width: w, height: h, bitDepth: bits, colorType: 0, samples: samples)
            let d = try ImageCodec.decode(png)
            #expect(d.sourceBitDepth == bits)
            #expect(d.sourceColorModel == "gray")
            #expect(d.image.pixels == samples.map { UInt8(Int($0) * scale) })
        }
    }

    @Test func sixteenBitGrayRampRounds() throws {
        let values: [UInt16] = [0, 1, 128, 129, 255, 256, 511, 0x7F80, 0x80FF, 0xFE00, 0xFF80, 65535]
        let png = try makePNG(width: values.count, height: 1, bitDepth: 16, colorType: 0, samples: values)
        let d = try ImageCodec.decode(png)
        #expect(d.sourceBitDepth == 16)
        #expect(d.image.pixels == values.map { PixelMapping.gray8(from16: $0) })
        // 255 -> 1 and 0xFE00 -> 253 differ from the high byte (0 and 254).
        #expect(d.image.pixels == [0, 0, 0, 1, 1, 1, 2, 127, 128, 253, 255, 255])
    }

    @Test func rgbToLuma() throws {
        let colors: [[UInt16]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [10, 20, 30], [200, 100, 50]]
        let png = try makePNG(width: colors.count, height: 1, bitDepth: 8, colorType: 2, samples: colors.flatMap { $0 })
        let d = try ImageCodec.decode(png)
        #expect(d.sourceColorModel == "rgb")
        #expect(d.image.pixels == [76, 150, 29, 255, 18, 124])
    }

    @Test func rgb16ToLuma() throws {
        let colors: [[UInt16]] = [[65535, 0, 0], [0, 65535, 0], [0x8080, 0x8080, 0x8080], [257 * 10, 257 * 20, 257 * 30]]
        let png = try makePNG(width: colors.count, height: 1, bitDepth: 16, colorType: 2, samples: colors.flatMap { $0 })
        let d = try ImageCodec.decode(png)
        #expect(d.sourceBitDepth == 16)
        #expect(d.image.pixels == [76, 150, 128, 18])
    }

    @Test func grayAlphaCompositedOverWhite() throws {
        // (gray, alpha) pairs
        let px: [[UInt16]] = [[0, 255], [0, 0], [0, 128], [100, 51], [200, 255]]
        let png = try makePNG(width: px.count, height: 1, bitDepth: 8, colorType: 4, samples: px.flatMap { $0 })
        let d = try ImageCodec.decode(png)
        #expect(d.sourceColorModel == "gray+alpha")
        #expect(d.hadAlpha && d.alphaWasUsed)
        #expect(d.image.pixels == [0, 255, 127, 224, 200])
    }

    @Test func opaqueRGBAReportsAlphaButNotUsed() throws {
        let px: [UInt16] = [255, 0, 0, 255, 0, 0, 0, 255]
        let d = try ImageCodec.decode(makePNG(width: 2, height: 1, bitDepth: 8, colorType: 6, samples: px))
        #expect(d.sourceColorModel == "rgba")
        #expect(d.hadAlpha)
        #expect(!d.alphaWasUsed)
        #expect(d.image.pixels == [76, 0])
    }

    @Test func rgba16() throws {
        let px: [UInt16] = [0, 0, 0, 0, 0, 0, 0, 65535, 65535, 0, 0, 65535]
        let d = try ImageCodec.decode(makePNG(width: 3, height: 1, bitDepth: 16, colorType: 6, samples: px))
        #expect(d.alphaWasUsed)
        #expect(d.image.pixels == [255, 0, 76])
    }

    @Test func paletteWithTRNS() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (255, 0, 0), (0, 0, 255), (90, 90, 90)]
        let png = try makePNG(width: 4, height: 2, bitDepth: 8, colorType: 3, samples: [0, 1, 2, 3, 3, 2, 1, 0],
                              palette: palette, paletteAlpha: [255, 255, 0])
        let d = try ImageCodec.decode(png)
        #expect(d.sourceColorModel == "palette")
        #expect(d.hadAlpha && d.alphaWasUsed)
        #expect(d.image.pixels == [0, 76, 255, 90, 90, 255, 76, 0])
    }

    @Test func lowBitPalette() throws {
        let palette: [(UInt8, UInt8, UInt8)] = (0..<16).map { (i: Int) -> (UInt8, UInt8, UInt8) in
            let v = UInt8(i * 16)
            return (v, v, v)
        }
        for bits in [1, 2, 4] {
            let n = 1 << bits
            let samples = (0..<21).map { UInt16($0 % n) }
            let d = try ImageCodec.decode(makePNG(width: 7, height: 3, bitDepth: bits, colorType: 3, samples: samples,
                                                  palette: Array(palette.prefix(n))))
            #expect(d.sourceBitDepth == bits)
            #expect(!d.hadAlpha)
            #expect(d.image.pixels == samples.map { UInt8($0 * 16) })
        }
    }

    @Test func grayTransparentColor() throws {
        let png = try makePNG(width: 3, height: 1, bitDepth: 8, colorType: 0, samples: [10, 20, 30], transparentColor: [20])
        let d = try ImageCodec.decode(png)
        #expect(d.hadAlpha && d.alphaWasUsed)
        #expect(d.image.pixels == [10, 255, 30])
    }

    @Test func interlacedMatchesPlain() throws {
        let w = 37, h = 23
        let gray = testPattern(width: w, height: h).map(UInt16.init)
        let a = try ImageCodec.decode(makePNG(width: w, height: h, bitDepth: 8, colorType: 0, samples: gray, interlace: true))
        #expect(a.image.pixels == testPattern(width: w, height: h))
        let rgb16 = gray.flatMap { [$0 * 257, $0 * 257, $0 * 257] }
        let b = try ImageCodec.decode(makePNG(width: w, height: h, bitDepth: 16, colorType: 2, samples: rgb16, interlace: true))
        #expect(b.image.pixels == testPattern(width: w, height: h))
    }

    @Test func textChunkIgnored() throws {
        let d = try ImageCodec.decode(makePNG(width: 2, height: 2, bitDepth: 8, colorType: 0, samples: [1, 2, 3, 4],
                                              textChunk: true))
        #expect(d.image.pixels == [1, 2, 3, 4])
    }
}
