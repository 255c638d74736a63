import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

@Suite("TIFF decoding")
struct TIFFDecodeTests {
    static let w = 37, h = 29   // odd on purpose: partial strips/tiles, row padding
    static let gray = testPattern(width: w, height: h)

    static func spec(_ configure: (inout TIFFSpec) -> Void) -> TIFFSpec {
        var s = TIFFSpec(width: w, height: h, samples: gray.map(UInt16.init))
        configure(&s)
        return s
    }

    struct Layout: CustomTestStringConvertible, Sendable {
        let compression: Int
        let predictor: Int
        let rowsPerStrip: Int
        let tile: Int
        let bigEndian: Bool
        var testDescription: String {
            "compression \(compression) predictor \(predictor) rps \(rowsPerStrip) tile \(tile)\(bigEndian ? " MM" : "")"
        }
    }

    static let layouts: [Layout] = [
        Layout(compression: 1, predictor: 1, rowsPerStrip: 0, tile: 0, bigEndian: false),
        Layout(compression: 1, predictor: 1, rowsPerStrip: 4, tile: 0, bigEndian: true),
        Layout(compression: 5, predictor: 1, rowsPerStrip: 7, tile: 0, bigEndian: false),
        Layout(compression: 5, predictor: 2, rowsPerStrip: 1, tile: 0, bigEndian: true),
        Layout(compression: 8, predictor: 2, rowsPerStrip: 29, tile: 0, bigEndian: false),
        Layout(compression: 32773, predictor: 1, rowsPerStrip: 5, tile: 0, bigEndian: false),
        Layout(compression: 1, predictor: 1, rowsPerStrip: 0, tile: 16, bigEndian: false),
        Layout(compression: 5, predictor: 2, rowsPerStrip: 0, tile: 16, bigEndian: true),
        Layout(compression: 8, predictor: 1, rowsPerStrip: 0, tile: 32, bigEndian: false),
        Layout(compression: 32773, predictor: 1, rowsPerStrip: 0, tile: 16, bigEndian: false),
    ]

    @Test("8-bit gray, strips and tiles", arguments: layouts)
    func gray8(_ l: Layout) throws {
        let tiff = try makeTIFF(Self.spec {
            $0.compression = l.compression; $0.predictor = l.predictor; $0.rowsPerStrip = l.rowsPerStrip
            $0.tileWidth = l.tile; $0.tileLength = l.tile; $0.bigEndian = l.bigEndian
        })
        let d = try ImageCodec.decode(tiff, fileName: "x.tif")
        #expect(d.format == .tiff)
        #expect(d.sourceColorModel == "gray")
        #expect(d.sourceBitDepth == 8)
        #expect(d.pageCount == 1)
        #expect(d.warnings.isEmpty)
        #expect(d.image == GrayImage(width: Self.w, height: Self.h, pixels: Self.gray))
    }

    @Test("16-bit gray ramp rounds", arguments: layouts)
    func gray16(_ l: Layout) throws {
        let values = (0..<(Self.w * Self.h)).map { UInt16(truncatingIfNeeded: $0 * 61 + ($0 % 7) * 1000) }
        let tiff = try makeTIFF(Self.spec {
            $0.bits = 16; $0.samples = values
            $0.compression = l.compression; $0.predictor = l.predictor; $0.rowsPerStrip = l.rowsPerStrip
            $0.tileWidth = l.tile; $0.tileLength = l.tile; $0.bigEndian = l.bigEndian
        })
        let d = try ImageCodec.decode(tiff)
        #expect(d.sourceBitDepth == 16)
        #expect(d.image.pixels == values.map { PixelMapping.gray8(from16: $0) })
    }

    @Test func minIsWhiteIsInverted() throws {
        let d8 = try ImageCodec.decode(makeTIFF(Self.spec { $0.photometric = 0 }))
        #expect(d8.image.pixels == Self.gray.map { 255 - $0 })
        let values: [UInt16] = [0, 255, 65535, 0xFE00]
        let d16 = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 4, height: 1, bits: 16, photometric: 0, samples: values)))
        #expect(d16.image.pixels == [255, 254, 0, 2])
    }

    @Test func bilevel() throws {
        let w = 13, h = 5
        let bits = (0..<(w * h)).map { UInt16(($0 * 7 + $0 / w) % 3 == 0 ? 1 : 0) }
        for (photometric, one, zero) in [(1, UInt8(255), UInt8(0)), (0, UInt8(0), UInt8(255))] {
            for compression in [1, 32773, 5] {
                let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: w, height: h, bits: 1, photometric: photometric,
                                                                compression: compression, samples: bits)))
                #expect(d.sourceBitDepth == 1)
                #expect(d.image.pixels == bits.map { $0 == 1 ? one : zero })
            }
        }
    }

    @Test func twoAndFourBitGray() throws {
        for (bits, scale) in [(2, 85), (4, 17)] {
            let vals = (0..<(Self.w * Self.h)).map { UInt16($0 % (1 << bits)) }
            let d = try ImageCodec.decode(makeTIFF(Self.spec { $0.bits = bits; $0.samples = vals; $0.tileWidth = 16; $0.tileLength = 16 }))
            #expect(d.image.pixels == vals.map { UInt8(Int($0) * scale) })
        }
    }

    static func rgbSamples(bits: Int) -> [UInt16] {
        let scale: UInt16 = bits == 16 ? 257 : 1
        return (0..<(w * h)).flatMap { i -> [UInt16] in
            let r = UInt16(i % 256), g = UInt16((i * 3) % 256), b = UInt16((i * 7) % 256)
            return [r * scale, g * scale, b * scale]
        }
    }

    static func expectedLuma(_ rgb: [UInt16], bits: Int, channels: Int = 3) -> [UInt8] {
        stride(from: 0, to: rgb.count, by: channels).map { i in
            let d = bits == 16 ? 257 : 1
            return PixelMapping.luma(red: UInt8(Int(rgb[i]) / d), green: UInt8(Int(rgb[i + 1]) / d), blue: UInt8(Int(rgb[i + 2]) / d))
        }
    }

    @Test func rgbChunkyPlanarTiled() throws {
        for bits in [8, 16] {
            let s = Self.rgbSamples(bits: bits)
            for (planar, tile, compression) in [(1, 0, 1), (2, 0, 5), (1, 16, 8), (2, 16, 32773)] {
                let tiff = try makeTIFF(Self.spec {
                    $0.bits = bits; $0.samplesPerPixel = 3; $0.photometric = 2; $0.samples = s
                    $0.planar = planar; $0.tileWidth = tile; $0.tileLength = tile; $0.compression = compression
                })
                let d = try ImageCodec.decode(tiff)
                #expect(d.sourceColorModel == "rgb")
                #expect(d.sourceBitDepth == bits)
                #expect(d.image.pixels == Self.expectedLuma(s, bits: bits), "bits \(bits) planar \(planar) tile \(tile)")
            }
        }
    }

    @Test func rgbaAlphaKinds() throws {
        // pixels: opaque red, transparent black, half-transparent black
        let straight: [UInt16] = [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128]
        for (extra, expectWarning) in [(2, false), (-1, true), (0, true)] {
            let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 3, height: 1, samplesPerPixel: 4, photometric: 2,
                                                            extraSampleType: extra, samples: straight)))
            #expect(d.sourceColorModel == "rgba")
            #expect(d.hadAlpha && d.alphaWasUsed)
            #expect(d.image.pixels == [76, 255, 127])
            #expect(d.warnings.contains { $0.contains("unspecified") } == expectWarning)
        }
        // Associated alpha: colour already multiplied; half-transparent mid-gray (64 of 128).
        let assoc: [UInt16] = [64, 64, 64, 128, 0, 0, 0, 0]
        let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 2, height: 1, samplesPerPixel: 4, photometric: 2,
                                                        extraSampleType: 1, samples: assoc)))
        #expect(d.image.pixels == [191, 255])   // 64 + (255 - 128)
        // Gray + unassociated alpha, 16-bit.
        let ga: [UInt16] = [0, 65535, 0, 0, 65535, 0]
        let g = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 3, height: 1, bits: 16, samplesPerPixel: 2, photometric: 1,
                                                        extraSampleType: 2, samples: ga)))
        #expect(g.sourceColorModel == "gray+alpha")
        #expect(g.image.pixels == [0, 255, 255])
    }

    @Test func palette() throws {
        for bits in [4, 8] {
            let n = 1 << bits
            var cmap = [UInt16](repeating: 0, count: 3 * n)
            cmap[1] = 65535                   // index 1: red
            cmap[n + 2] = 65535               // index 2: green
            cmap[2 * n + 3] = 65535           // index 3: blue
            cmap[4] = 0x8080; cmap[n + 4] = 0x8080; cmap[2 * n + 4] = 0x8080  // index 4: mid gray
            let idx: [UInt16] = [0, 1, 2, 3, 4, 1]
            let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 3, height: 2, bits: bits, photometric: 3, compression: 5,
                                                            colormap: cmap, samples: idx)))
            #expect(d.sourceColorModel == "palette")
            #expect(d.sourceBitDepth == bits)
            #expect(d.image.pixels == [0, 76, 150, 29, 128, 76])
        }
    }

    @Test func paletteWithEightBitColormapValues() throws {
        var cmap = [UInt16](repeating: 0, count: 3 * 256)
        for i in 0..<256 { cmap[i] = UInt16(i); cmap[256 + i] = UInt16(i); cmap[512 + i] = UInt16(i) }
        let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 3, height: 1, photometric: 3, colormap: cmap, samples: [0, 100, 255])))
        #expect(d.image.pixels == [0, 100, 255])
        #expect(d.warnings.contains { $0.contains("8-bit") })
    }

    @Test func cmyk() throws {
        let inks: [UInt16] = [0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0]
        let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 3, height: 1, samplesPerPixel: 4, photometric: 5, samples: inks)))
        #expect(d.sourceColorModel == "cmyk")
        #expect(d.image.pixels == [255, 0, 179])
    }

    @Test func multiPageReportsCount() throws {
        let d = try ImageCodec.decode(makeTIFF(Self.spec { $0.pages = 3; $0.compression = 5 }))
        #expect(d.pageCount == 3)
        #expect(d.warnings.contains("3 pages; only the first was decoded"))
        #expect(d.image.pixels == Self.gray)
        let r = try ImageCodec.decode(makeTIFF(Self.spec { $0.pages = 2; $0.laterPagesReduced = true }))
        #expect(r.pageCount == 2)
        #expect(r.warnings.contains("2 pages (1 reduced-resolution); only the first was decoded"))
    }

    @Test func orientationApplied() throws {
        // 3x2 stored image: a b c / d e f
        let stored: [UInt16] = [1, 2, 3, 4, 5, 6]
        let expected: [Int: (Int, Int, [UInt8])] = [
            1: (3, 2, [1, 2, 3, 4, 5, 6]),
            2: (3, 2, [3, 2, 1, 6, 5, 4]),
            3: (3, 2, [6, 5, 4, 3, 2, 1]),
            4: (3, 2, [4, 5, 6, 1, 2, 3]),
            5: (2, 3, [1, 4, 2, 5, 3, 6]),
            6: (2, 3, [4, 1, 5, 2, 6, 3]),
            7: (2, 3, [6, 3, 5, 2, 4, 1]),
            8: (2, 3, [3, 6, 2, 5, 1, 4]),
        ]
        for (o, (ew, eh, px)) in expected.sorted(by: { $0.key < $1.key }) {
            let d = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 3, height: 2, orientation: o, samples: stored)))
            #expect(d.image == GrayImage(width: ew, height: eh, pixels: px), "orientation \(o)")
        }
    }

    @Test func jpegCompressed() throws {
        // YCbCr JPEG-in-TIFF goes through libtiff's RGBA path; gray JPEG through the native path.
        let solid = [UInt16]((0..<(32 * 32)).flatMap { _ in [UInt16(200), 100, 50] })
        let y = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 32, height: 32, samplesPerPixel: 3, photometric: 6,
                                                        compression: 7, rowsPerStrip: 16, jpegQuality: 100, samples: solid)))
        #expect(y.sourceColorModel == "rgb")
        let mean = y.image.pixels.reduce(0) { $0 + Int($1) } / y.image.pixels.count
        #expect(abs(mean - 124) <= 3)
        let g = try ImageCodec.decode(makeTIFF(TIFFSpec(width: 32, height: 32, compression: 7, rowsPerStrip: 16, jpegQuality: 100,
                                                        samples: testPattern(width: 32, height: 32).map(UInt16.init))))
        #expect(g.sourceColorModel == "gray")
        #expect(zip(g.image.pixels, testPattern(width: 32, height: 32)).allSatisfy { abs(Int($0) - Int($1)) <= 12 })
    }

    @Test func bigTIFF() throws {
        let d = try ImageCodec.decode(makeTIFF(Self.spec { $0.bigTIFF = true; $0.compression = 8 }))
        #expect(d.image.pixels == Self.gray)
    }
}
