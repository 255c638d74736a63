import CKaryoCodecs
import CKaryoTestCodecs
import Foundation

// Test-only writers of unusual PNG, JPEG and TIFF variants (the C encoders in CKaryoTestCodecs)
// and BMP files written byte by byte, for the decoder tests.


/// A test encoder that could not write its file.
public struct TestEncodeFailure: Error, CustomStringConvertible {
    public let description: String
}

func takeBuffer(_ rc: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ size: Int, what: String) throws -> Data {
    guard rc == 0, let out else { throw TestEncodeFailure(description: "\(what) writer failed (\(rc))") }
    defer { ckc_free(out) }
    return Data(bytes: out, count: size)
}

/// PNG via libpng. `samples`: width*height*channels values (palette: indexes).
public func makePNG(width: Int, height: Int, bitDepth: Int, colorType: Int, samples: [UInt16], interlace: Bool = false,
             palette: [(UInt8, UInt8, UInt8)] = [], paletteAlpha: [UInt8] = [], transparentColor: [UInt16]? = nil,
             textChunk: Bool = false) throws -> Data {
    let paletteBytes = palette.flatMap { [$0.0, $0.1, $0.2] }
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    let rc: Int32 = samples.withUnsafeBufferPointer { s in
        paletteBytes.withUnsafeBufferPointer { p in
            paletteAlpha.withUnsafeBufferPointer { a in
                var spec = ckc_test_png_spec()
                spec.width = UInt32(width)
                spec.height = UInt32(height)
                spec.bit_depth = Int32(bitDepth)
                spec.color_type = Int32(colorType)
                spec.interlace = interlace ? 1 : 0
                spec.samples = s.baseAddress
                spec.palette_rgb = p.baseAddress
                spec.palette_size = Int32(palette.count)
                spec.palette_alpha = a.baseAddress
                spec.palette_alpha_count = Int32(paletteAlpha.count)
                if let t = transparentColor {
                    spec.has_trns_color = 1
                    spec.trns_color = (t[0], t.count > 1 ? t[1] : 0, t.count > 2 ? t[2] : 0)
                }
                spec.add_text_chunk = textChunk ? 1 : 0
                return ckc_test_write_png(&spec, &out, &size)
            }
        }
    }
    return try takeBuffer(rc, out, size, what: "PNG")
}

/// JPEG via libjpeg. `pixels`: width*height*components bytes.
/// JPEG via libjpeg.
public func makeJPEG(width: Int, height: Int, components: Int, pixels: [UInt8], quality: Int = 95, progressive: Bool = false,
              storeRGB: Bool = false, storeYCCK: Bool = false, adobeMarker: Bool = true,
              arithmetic: Bool = false) throws -> Data {
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    let rc: Int32 = pixels.withUnsafeBufferPointer { p in
        var spec = ckc_test_jpeg_spec()
        spec.width = UInt32(width)
        spec.height = UInt32(height)
        spec.components = Int32(components)
        spec.pixels = p.baseAddress
        spec.quality = Int32(quality)
        spec.progressive = progressive ? 1 : 0
        spec.store_rgb = storeRGB ? 1 : 0
        spec.store_ycck = storeYCCK ? 1 : 0
        spec.no_adobe_marker = adobeMarker ? 0 : 1
        spec.arithmetic = arithmetic ? 1 : 0
        return ckc_test_write_jpeg(&spec, &out, &size)
    }
    return try takeBuffer(rc, out, size, what: "JPEG")
}

/// TIFF parameters for the test writer (mirrors ckc_test_tiff_spec).
public struct TIFFSpec {
    public var width: Int
    public var height: Int
    public var bits: Int
    public var samplesPerPixel: Int
    public var photometric: Int // 0 MinIsWhite, 1 MinIsBlack, 2 RGB, 3 palette, 5 separated, 6 YCbCr
    public var planar: Int
    public var compression: Int // 1 none, 5 LZW, 8 Deflate, 32773 PackBits, 7 JPEG
    public var predictor: Int
    public var rowsPerStrip: Int
    public var tileWidth: Int
    public var tileLength: Int
    public var extraSampleType: Int // -1: no ExtraSamples tag
    public var orientation: Int
    public var pages: Int
    public var laterPagesReduced: Bool
    public var bigEndian: Bool
    public var bigTIFF: Bool
    public var jpegQuality: Int
    public var colormap: [UInt16]
    public var samples: [UInt16]

    public init(width: Int, height: Int, bits: Int = 8, samplesPerPixel: Int = 1, photometric: Int = 1, planar: Int = 1, compression: Int = 1, predictor: Int = 1, rowsPerStrip: Int = 0, tileWidth: Int = 0, tileLength: Int = 0, extraSampleType: Int = -1, orientation: Int = 0, pages: Int = 1, laterPagesReduced: Bool = false, bigEndian: Bool = false, bigTIFF: Bool = false, jpegQuality: Int = 90, colormap: [UInt16] = [], samples: [UInt16]) {
        self.width = width
        self.height = height
        self.bits = bits
        self.samplesPerPixel = samplesPerPixel
        self.photometric = photometric
        self.planar = planar
        self.compression = compression
        self.predictor = predictor
        self.rowsPerStrip = rowsPerStrip
        self.tileWidth = tileWidth
        self.tileLength = tileLength
        self.extraSampleType = extraSampleType
        self.orientation = orientation
        self.pages = pages
        self.laterPagesReduced = laterPagesReduced
        self.bigEndian = bigEndian
        self.bigTIFF = bigTIFF
        self.jpegQuality = jpegQuality
        self.colormap = colormap
        self.samples = samples
    }
}

/// TIFF via libtiff.
public func makeTIFF(_ t: TIFFSpec) throws -> Data {
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    let rc: Int32 = t.samples.withUnsafeBufferPointer { s in
        t.colormap.withUnsafeBufferPointer { cm in
            var spec = ckc_test_tiff_spec()
            spec.width = UInt32(t.width)
            spec.height = UInt32(t.height)
            spec.bits = UInt16(t.bits)
            spec.samples_per_pixel = UInt16(t.samplesPerPixel)
            spec.photometric = UInt16(t.photometric)
            spec.planar = UInt16(t.planar)
            spec.compression = UInt16(t.compression)
            spec.predictor = UInt16(t.predictor)
            spec.rows_per_strip = UInt32(t.rowsPerStrip)
            spec.tile_width = UInt32(t.tileWidth)
            spec.tile_length = UInt32(t.tileLength)
            spec.extra_sample_type = Int32(t.extraSampleType)
            spec.orientation = UInt16(t.orientation)
            spec.pages = UInt16(t.pages)
            spec.later_pages_reduced = t.laterPagesReduced ? 1 : 0
            spec.big_endian = t.bigEndian ? 1 : 0
            spec.big_tiff = t.bigTIFF ? 1 : 0
            spec.jpeg_quality = Int32(t.jpegQuality)
            spec.colormap = cm.baseAddress
            spec.samples = s.baseAddress
            return message.withUnsafeMutableBufferPointer { m in
                ckc_test_write_tiff(&spec, &out, &size, m.baseAddress, m.count)
            }
        }
    }
    if rc != 0 {
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw TestEncodeFailure(description: "TIFF writer failed (\(rc)): \(text)")
    }
    return try takeBuffer(rc, out, size, what: "TIFF")
}

/// Builds BMP files byte by byte.
public struct BMPBuilder {
    public var width: Int
    public var height: Int
    public var bitsPerPixel: Int
    public var topDown: Bool
    /// 12, 40, 108 or 124.
    public var headerSize: Int
    public var compression: UInt32
    /// (r, g, b) entries.
    public var palette: [(UInt8, UInt8, UInt8)]
    /// r, g, b[, a] for BI_BITFIELDS.
    public var masks: [UInt32]
    /// Row-major pixel values: palette indexes, or packed values for 16/32-bit,
    /// or 0xRRGGBB for 24-bit.
    public var values: [UInt32]

    public init(width: Int, height: Int, bitsPerPixel: Int, topDown: Bool = false, headerSize: Int = 40, compression: UInt32 = 0,
                palette: [(UInt8, UInt8, UInt8)] = [], masks: [UInt32] = [], values: [UInt32]) {
        self.width = width
        self.height = height
        self.bitsPerPixel = bitsPerPixel
        self.topDown = topDown
        self.headerSize = headerSize
        self.compression = compression
        self.palette = palette
        self.masks = masks
        self.values = values
    }

    public func build() -> Data {
        var d = Data()
        func le16(_ v: Int) { d.append(UInt8(v & 0xFF)); d.append(UInt8((v >> 8) & 0xFF)) }
        func le32(_ v: UInt32) { for i in 0..<4 { d.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
        let rowSize = (width * bitsPerPixel + 31) / 32 * 4
        let entry = headerSize == 12 ? 3 : 4
        let maskBytes = (headerSize == 40 && (compression == 3 || compression == 6)) ? 4 * masks.count : 0
        let offset = 14 + headerSize + maskBytes + palette.count * entry
        d.append(contentsOf: Array("BM".utf8))
        le32(UInt32(offset + rowSize * height))
        le32(0)
        le32(UInt32(offset))
        le32(UInt32(headerSize))
        if headerSize == 12 {
            le16(width); le16(height); le16(1); le16(bitsPerPixel)
        } else {
            le32(UInt32(width))
            le32(UInt32(bitPattern: Int32(topDown ? -height : height)))
            le16(1); le16(bitsPerPixel)
            le32(compression)
            le32(UInt32(rowSize * height))
            le32(2835); le32(2835)
            le32(UInt32(palette.count)); le32(0)
            if headerSize > 40 {
                // V4/V5: masks, colour space, endpoints, gamma (+ V5 intent/profile).
                for i in 0..<4 { le32(i < masks.count ? masks[i] : 0) }
                d.append(contentsOf: Array("BGRs".utf8.reversed()))
                d.append(contentsOf: [UInt8](repeating: 0, count: headerSize - 40 - 20))
            } else if maskBytes > 0 {
                for m in masks { le32(m) }
            }
        }
        for (r, g, b) in palette {
            d.append(b); d.append(g); d.append(r)
            if entry == 4 { d.append(0) }
        }
        for row in 0..<height {
            let y = topDown ? row : height - 1 - row
            var bytes = [UInt8](repeating: 0, count: rowSize)
            for x in 0..<width {
                let v = values[y * width + x]
                switch bitsPerPixel {
                case 1, 4:
                    let perByte = 8 / bitsPerPixel
                    let shift = 8 - bitsPerPixel * (x % perByte + 1)
                    bytes[x / perByte] |= UInt8(v) << UInt8(shift)
                case 8: bytes[x] = UInt8(v)
                case 16: bytes[2 * x] = UInt8(v & 0xFF); bytes[2 * x + 1] = UInt8(v >> 8)
                case 24: bytes[3 * x] = UInt8(v & 0xFF); bytes[3 * x + 1] = UInt8((v >> 8) & 0xFF); bytes[3 * x + 2] = UInt8(v >> 16)
                default: for i in 0..<4 { bytes[4 * x + i] = UInt8((v >> (8 * UInt32(i))) & 0xFF) }
                }
            }
            d.append(contentsOf: bytes)
        }
        return d
    }
}

/// A small 8-bit gray test pattern (gradient plus a dark block), deterministic.
public func testPattern(width: Int, height: Int) -> [UInt8] {
    var p = [UInt8](repeating: 0, count: width * height)
    for y in 0..<height {
        for x in 0..<width {
            var v = (x * 255 / max(width - 1, 1) + y * 3) & 0xFF
            if x > width / 3 && x < width / 2 && y > height / 4 && y < height / 2 { v = 20 }
            p[y * width + x] = UInt8(v)
        }
    }
    return p
}

/// Chunk types of a PNG, in order (nil if the signature or a length is wrong).
public func pngChunkTypes(_ data: Data) -> [String]? {
    let b = [UInt8](data)
    guard b.count >= 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A][...] else { return nil }
    var types: [String] = []
    var i = 8
    while i + 12 <= b.count {
        let len = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        guard i + 12 + len <= b.count else { return nil }
        types.append(String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self))
        i += 12 + len
    }
    return i == b.count ? types : nil
}
