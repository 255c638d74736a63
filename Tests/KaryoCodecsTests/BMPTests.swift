import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

@Suite("BMP decoding")
struct BMPDecodeTests {
    static let grayPalette: [(UInt8, UInt8, UInt8)] = (0..<256).map { (i: Int) -> (UInt8, UInt8, UInt8) in
        let v = UInt8(i)
        return (v, v, v)
    }

    @Test("8-bit gray palette, row padding and both row orders", arguments: [1, 2, 3, 5, 8, 37])
    func gray8(width: Int) throws {
        let h = 4
        let px = testPattern(width: width, height: h)
        for topDown in [false, true] {
            let bmp = BMPBuilder(width: width, height: h, bitsPerPixel: 8, topDown: topDown, palette: Self.grayPalette,
                                 values: px.map(UInt32.init)).build()
            let d = try ImageCodec.decode(bmp, fileName: "c.bmp")
            #expect(d.format == .bmp)
            #expect(d.sourceColorModel == "palette")
            #expect(d.sourceBitDepth == 8)
            #expect(d.image == GrayImage(width: width, height: h, pixels: px))
            #expect(d.warnings.isEmpty)
        }
    }

    @Test func lowBitPalettes() throws {
        let pal: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 0, 255)] +
            (4..<16).map { (i: Int) -> (UInt8, UInt8, UInt8) in (UInt8(i * 10), UInt8(i * 10), UInt8(i * 10)) }
        for bpp in [1, 4] {
            let n = 1 << bpp
            let values = (0..<(11 * 3)).map { UInt32(($0 * 5) % n) }
            let bmp = BMPBuilder(width: 11, height: 3, bitsPerPixel: bpp, palette: Array(pal.prefix(n)), values: values).build()
            let d = try ImageCodec.decode(bmp)
            let lut: [UInt8] = pal.prefix(n).map { PixelMapping.luma(red: $0.0, green: $0.1, blue: $0.2) }
            #expect(d.image.pixels == values.map { lut[Int($0)] })
            #expect(d.sourceBitDepth == bpp)
        }
    }

    @Test func trueColour() throws {
        let rgb: [UInt32] = [0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF, 0x0A141E, 0xC86432, 0x000000]
        let expected: [UInt8] = [76, 150, 29, 255, 18, 124, 0]
        // 24-bit, with info, V4, V5 and core headers.
        for header in [12, 40, 108, 124] {
            let d = try ImageCodec.decode(BMPBuilder(width: 7, height: 1, bitsPerPixel: 24, headerSize: header, values: rgb).build())
            #expect(d.sourceColorModel == "rgb")
            #expect(d.image.pixels == expected, "header \(header)")
        }
        // 32-bit BI_RGB: the 4th byte is not alpha.
        let d32 = try ImageCodec.decode(BMPBuilder(width: 7, height: 1, bitsPerPixel: 32, values: rgb.map { $0 | 0x1200_0000 }).build())
        #expect(d32.image.pixels == expected)
        #expect(!d32.hadAlpha)
        // 16-bit BI_RGB is 5-5-5.
        let v555: [UInt32] = [0x7C00, 0x03E0, 0x001F, 0x7FFF, 0]
        let d16 = try ImageCodec.decode(BMPBuilder(width: 5, height: 1, bitsPerPixel: 16, values: v555).build())
        #expect(d16.image.pixels == [76, 150, 29, 255, 0])
        #expect(d16.sourceBitDepth == 5)
    }

    @Test func bitfields() throws {
        // 16-bit 5-6-5 with a BITMAPINFOHEADER (masks after the header).
        let v565: [UInt32] = [0xF800, 0x07E0, 0x001F, 0xFFFF]
        let d = try ImageCodec.decode(BMPBuilder(width: 4, height: 1, bitsPerPixel: 16, compression: 3,
                                                 masks: [0xF800, 0x07E0, 0x001F], values: v565).build())
        #expect(d.image.pixels == [76, 150, 29, 255])
        #expect(d.sourceBitDepth == 6)
        // 32-bit with alpha in a V5 header: alpha composited over white.
        let argb: [UInt32] = [0xFFFF_0000, 0x0000_0000, 0x8000_0000, 0xFF00_00FF]
        let a = try ImageCodec.decode(BMPBuilder(width: 4, height: 1, bitsPerPixel: 32, headerSize: 124, compression: 3,
                                                 masks: [0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0xFF00_0000], values: argb).build())
        #expect(a.sourceColorModel == "rgba")
        #expect(a.hadAlpha && a.alphaWasUsed)
        #expect(a.image.pixels == [76, 255, 127, 29])
        // Alpha mask present but 0 everywhere: opaque.
        let z = try ImageCodec.decode(BMPBuilder(width: 2, height: 1, bitsPerPixel: 32, headerSize: 108, compression: 3,
                                                 masks: [0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0xFF00_0000],
                                                 values: [0x00FF_0000, 0x0000_0000]).build())
        #expect(z.image.pixels == [76, 0])
        #expect(!z.alphaWasUsed)
        #expect(z.warnings.contains { $0.contains("alpha channel is 0 everywhere") })
    }

    @Test func rleIsUnsupported() {
        var b = BMPBuilder(width: 4, height: 2, bitsPerPixel: 8, palette: Self.grayPalette, values: [UInt32](repeating: 0, count: 8))
        b.compression = 1
        let e = decodeError(b.build(), fileName: "rle.bmp")
        #expect(e?.kind == .unsupported)
        #expect(e?.detail.contains("RLE8") == true)
    }

    @Test func headerFieldsAreValidated() {
        let good = [UInt8](BMPBuilder(width: 5, height: 3, bitsPerPixel: 8, palette: Self.grayPalette,
                                      values: [UInt32](repeating: 9, count: 15)).build())
        func patched(_ offset: Int, _ value: UInt32) -> Data {
            var b = good
            for i in 0..<4 { b[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xFF) }
            return Data(b)
        }
        #expect(decodeError(patched(10, 0xFFFF_FF00))?.kind == .truncated)     // pixel offset past the end
        #expect(decodeError(patched(10, 20))?.kind == .corrupt)                // offset inside the header
        #expect(decodeError(patched(18, 0xFFFF_FFFB))?.kind == .corrupt)       // width -5
        #expect(decodeError(patched(18, 0))?.kind == .corrupt)                 // width 0
        #expect(decodeError(patched(22, 0x8000_0000))?.kind == .tooLarge)      // height Int32.min -> 2^31 rows
        #expect(decodeError(patched(18, 0x7FFF_FFFF))?.kind == .tooLarge)
        #expect(decodeError(patched(46, 0xFFFF_FFFF)) == nil)                  // colours-used clamped to 256
        var sevenBits = good
        sevenBits[28] = 7
        #expect(decodeError(Data(sevenBits))?.kind == .corrupt)                 // 7 bits per pixel
        #expect(decodeError(patched(14, 77))?.kind == .unsupported)            // "BM" with an unknown header size
    }

    @Test func paletteIndexBeyondPalette() throws {
        let pal: [(UInt8, UInt8, UInt8)] = [(10, 10, 10), (20, 20, 20)]
        let d = try ImageCodec.decode(BMPBuilder(width: 3, height: 1, bitsPerPixel: 8, palette: pal, values: [0, 1, 200]).build())
        #expect(d.image.pixels == [10, 20, 0])
        #expect(d.warnings.contains { $0.contains("beyond the 2-entry palette") })
    }
}
