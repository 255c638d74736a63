/// Windows/OS2 bitmap decoder, written in Swift (no library).
///
/// Supports BITMAPCOREHEADER (12), BITMAPINFOHEADER (40), V2/V3 (52/56), OS/2 2.x (64),
/// V4 (108) and V5 (124) headers; 1/4/8-bit palettes; 16/24/32-bit BI_RGB; 16/32-bit
/// BI_BITFIELDS and BI_ALPHABITFIELDS; bottom-up and top-down (negative height) rows padded
/// to 4 bytes. RLE4/RLE8 and embedded JPEG/PNG are rejected as unsupported.
///
/// Every offset and size read from the header is checked against the file length with
/// overflow-checked arithmetic before any pixel is read, and the pixel limit is checked before
/// the output is allocated.
import KaryoCore

enum BMPDecoder {
    static let knownHeaderSizes: Set<UInt32> = [12, 40, 52, 56, 64, 108, 124]

    /// One channel of a BI_BITFIELDS mask.
    struct Field {
        let mask: UInt32
        let shift: UInt32
        let bits: UInt32
        let maxValue: UInt64

        /// nil when the mask's set bits are not contiguous.
        init?(mask: UInt32) {
            self.mask = mask
            if mask == 0 {
                shift = 0; bits = 0; maxValue = 0
                return
            }
            let s = UInt32(mask.trailingZeroBitCount)
            let shifted = mask >> s
            guard shifted & (shifted &+ 1) == 0 else { return nil }
            shift = s
            bits = UInt32(shifted.nonzeroBitCount)
            maxValue = UInt64(shifted)
        }

        @inline(__always)
        func value8(_ px: UInt32) -> UInt32 {
            if bits == 0 { return 0 }
            let v = UInt64((px & mask) >> shift)
            if bits == 8 { return UInt32(v) }
            return UInt32((v * 255 + maxValue / 2) / maxValue)
        }
    }

    static func decode(_ raw: UnsafeRawBufferPointer, fileName: String, maxPixels: UInt64,
                       warnings inherited: [String]) throws(ImageDecodeError) -> DecodedImage {
        var warnings = inherited
        let n = raw.count
        func error(_ kind: ImageDecodeError.Kind, _ detail: String) -> ImageDecodeError {
            ImageDecodeError(kind: kind, file: fileName, detail: "BMP: \(detail)")
        }
        // Callers check bounds before reading.
        func u16(_ o: Int) -> UInt32 { UInt32(raw[o]) | UInt32(raw[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { u16(o) | u16(o + 2) << 16 }

        guard n >= 18 else { throw error(.truncated, "the headers need at least 18 bytes, file has \(n)") }
        let declaredOffset = Int(u32(10))
        let headerSize = Int(u32(14))
        guard knownHeaderSizes.contains(UInt32(headerSize)) else {
            throw error(.unsupported, "DIB header of \(headerSize) bytes is not supported")
        }
        guard n >= 14 + headerSize else {
            throw error(.truncated, "the \(headerSize)-byte DIB header ends past the end of the file (\(n) bytes)")
        }

        let width: Int, height: Int, bpp: Int
        var compression: UInt32 = 0
        var colorsUsed = 0
        var entrySize = 4
        var topDown = false
        if headerSize == 12 {
            width = Int(u16(18))
            height = Int(u16(20))
            bpp = Int(u16(24))
            entrySize = 3
        } else {
            width = Int(Int32(bitPattern: u32(18)))
            let h = Int(Int32(bitPattern: u32(22)))
            topDown = h < 0
            height = h < 0 ? -h : h
            bpp = Int(u16(28))
            compression = u32(30)
            colorsUsed = Int(u32(46))
        }
        guard width > 0, height > 0 else { throw error(.corrupt, "invalid size \(width)x\(height)") }

        switch compression {
        case 0:
            guard [1, 4, 8, 16, 24, 32].contains(bpp) else { throw error(.corrupt, "\(bpp) bits per pixel is not valid") }
        case 1, 2:
            throw error(.unsupported, "\(compression == 1 ? "RLE8" : "RLE4")-compressed BMP is not supported")
        case 3 where headerSize == 64, 4 where headerSize == 64:
            throw error(.unsupported, "OS/2 \(compression == 3 ? "Huffman 1D" : "RLE24") compression is not supported")
        case 3, 6:
            guard bpp == 16 || bpp == 32 else {
                throw error(.corrupt, "BI_BITFIELDS with \(bpp) bits per pixel")
            }
        case 4, 5:
            throw error(.unsupported, "BMP with embedded \(compression == 4 ? "JPEG" : "PNG") data is not supported")
        default:
            throw error(.unsupported, "compression type \(compression) is not supported")
        }

        let (pixelCount, sizeOverflow) = width.multipliedReportingOverflow(by: height)
        if sizeOverflow || UInt64(pixelCount) > maxPixels {
            throw ImageCodec.tooLarge(width: width, height: height, maxPixels: maxPixels, fileName: fileName)
        }

        // Channel masks.
        var fields: (r: Field, g: Field, b: Field, a: Field)? = nil
        var maskBytes = 0
        if compression == 3 || compression == 6 {
            let count = (compression == 6 || headerSize >= 56) ? 4 : 3
            guard n >= 54 + 4 * count else { throw error(.truncated, "the colour masks end past the end of the file") }
            if headerSize == 40 { maskBytes = 4 * count }
            let masks = (0..<4).map { i in i < count ? u32(54 + 4 * i) : 0 }
            if bpp == 16, masks.contains(where: { $0 > 0xFFFF }) {
                throw error(.corrupt, "16-bit colour mask wider than 16 bits")
            }
            guard let r = Field(mask: masks[0]), let g = Field(mask: masks[1]), let b = Field(mask: masks[2]),
                  let a = Field(mask: masks[3]) else {
                throw error(.corrupt, "colour mask bits are not contiguous")
            }
            fields = (r, g, b, a)
        } else if bpp == 16 {
            fields = (Field(mask: 0x7C00)!, Field(mask: 0x03E0)!, Field(mask: 0x001F)!, Field(mask: 0)!)
        }

        // Palette.
        let paletteStart = 14 + headerSize + maskBytes
        var palette = [UInt8](repeating: 0, count: 256)  // luma per index; missing entries stay black
        var paletteCount = 0
        if bpp <= 8 {
            let maxEntries = 1 << bpp
            paletteCount = colorsUsed == 0 ? maxEntries : min(colorsUsed, maxEntries)
            if declaredOffset > paletteStart {
                paletteCount = min(paletteCount, (declaredOffset - paletteStart) / entrySize)
            }
            guard paletteCount > 0 else { throw error(.corrupt, "palette image without a palette") }
            guard paletteStart + paletteCount * entrySize <= n else {
                throw error(.truncated, "the \(paletteCount)-entry palette ends past the end of the file (\(n) bytes)")
            }
            for i in 0..<paletteCount {
                let o = paletteStart + i * entrySize
                palette[i] = PixelMapping.luma(red: raw[o + 2], green: raw[o + 1], blue: raw[o])
            }
        }

        // Pixel data bounds.
        let headersEnd = paletteStart + paletteCount * entrySize
        let dataOffset = declaredOffset == 0 ? headersEnd : declaredOffset
        guard dataOffset >= 14 + headerSize else {
            throw error(.corrupt, "pixel data offset \(dataOffset) lies inside the \(14 + headerSize)-byte headers")
        }
        let (bitsPerRow, o1) = width.multipliedReportingOverflow(by: bpp)
        guard !o1 else { throw error(.corrupt, "row size overflows") }
        let rowSize = (bitsPerRow + 31) / 32 * 4
        let lastRowBytes = (bitsPerRow + 7) / 8
        let (fullRows, o2) = rowSize.multipliedReportingOverflow(by: height - 1)
        let (needed, o3) = fullRows.addingReportingOverflow(lastRowBytes)
        guard !o2, !o3 else { throw error(.corrupt, "pixel data size overflows") }
        guard dataOffset <= n, needed <= n - dataOffset else {
            throw error(.truncated, "pixel data needs \(needed) bytes at offset \(dataOffset), file has \(n)")
        }

        // Decode.
        let fieldsAlpha = fields.map { $0.a.bits > 0 } ?? false
        var alphaIgnored = false
        if fieldsAlpha, let f = fields {
            alphaIgnored = allAlphaZero(raw, dataOffset: dataOffset, rowSize: rowSize, width: width, height: height,
                                        bytesPerPixel: bpp / 8, alpha: f.a)
            if alphaIgnored { warnings.append("BMP: alpha channel is 0 everywhere; treated as opaque") }
        }
        var badIndex = false
        var alphaUsed = false
        let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount) { out, initialized in
            let src = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + dataOffset
            let dstBase = out.baseAddress!
            for y in 0..<height {
                let row = src + (topDown ? y : height - 1 - y) * rowSize
                let dst = dstBase + y * width
                switch bpp {
                case 8:
                    for x in 0..<width {
                        let v = Int(row[x])
                        if v >= paletteCount { badIndex = true }
                        dst[x] = palette[v]
                    }
                case 4, 1:
                    let perByte = 8 / bpp
                    let mask = (1 << bpp) - 1
                    for x in 0..<width {
                        let byte = Int(row[x / perByte])
                        let shift = 8 - bpp * (x % perByte + 1)
                        let v = (byte >> shift) & mask
                        if v >= paletteCount { badIndex = true }
                        dst[x] = palette[v]
                    }
                case 24:
                    for x in 0..<width {
                        let p = row + 3 * x
                        dst[x] = PixelMapping.luma(red: p[2], green: p[1], blue: p[0])
                    }
                case 32 where fields == nil:
                    for x in 0..<width {
                        let p = row + 4 * x
                        dst[x] = PixelMapping.luma(red: p[2], green: p[1], blue: p[0])
                    }
                default:
                    let f = fields!
                    let useAlpha = fieldsAlpha && !alphaIgnored
                    let rawRow = UnsafeRawPointer(row)
                    for x in 0..<width {
                        let px: UInt32 = bpp == 16
                            ? UInt32(UInt16(littleEndian: rawRow.loadUnaligned(fromByteOffset: 2 * x, as: UInt16.self)))
                            : UInt32(littleEndian: rawRow.loadUnaligned(fromByteOffset: 4 * x, as: UInt32.self))
                        let r = f.r.value8(px), g = f.g.value8(px), b = f.b.value8(px)
                        if useAlpha {
                            let a = f.a.value8(px)
                            if a < 255 { alphaUsed = true }
                            dst[x] = PixelMapping.luma(red: UInt8(r), green: UInt8(g), blue: UInt8(b), alpha: UInt8(a))
                        } else {
                            dst[x] = PixelMapping.luma(red: UInt8(r), green: UInt8(g), blue: UInt8(b))
                        }
                    }
                }
            }
            initialized = pixelCount
        }
        if badIndex {
            warnings.append("BMP: some pixels use indexes beyond the \(paletteCount)-entry palette (shown black)")
        }

        let depth: Int
        let model: String
        if bpp <= 8 {
            depth = bpp
            model = "palette"
        } else if let f = fields {
            depth = Int(max(f.r.bits, f.g.bits, f.b.bits))
            model = fieldsAlpha ? "rgba" : "rgb"
        } else {
            depth = 8
            model = "rgb"
        }
        return DecodedImage(image: GrayImage(width: width, height: height, pixels: pixels), format: .bmp,
                            sourceBitDepth: depth, sourceColorModel: model, pageCount: 1,
                            hadAlpha: fieldsAlpha, alphaWasUsed: alphaUsed, warnings: warnings)
    }

    /// True when every pixel's alpha bits are 0 (many writers leave the alpha byte unset).
    private static func allAlphaZero(_ raw: UnsafeRawBufferPointer, dataOffset: Int, rowSize: Int, width: Int,
                                     height: Int, bytesPerPixel: Int, alpha: Field) -> Bool {
        let base = raw.baseAddress! + dataOffset
        for y in 0..<height {
            let row = base + y * rowSize
            for x in 0..<width {
                let px: UInt32 = bytesPerPixel == 2
                    ? UInt32(UInt16(littleEndian: row.loadUnaligned(fromByteOffset: 2 * x, as: UInt16.self)))
                    : UInt32(littleEndian: row.loadUnaligned(fromByteOffset: 4 * x, as: UInt32.self))
                if px & alpha.mask != 0 { return false }
            }
        }
        return true
    }
}
