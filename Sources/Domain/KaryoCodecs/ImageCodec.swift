import CKaryoCodecs
import Foundation
import KaryoCore

/// Decoding of untrusted PNG, JPEG, TIFF and BMP files into ``GrayImage``, and PNG encoding.
///
/// The format is detected from the content (magic bytes), never from the file name. Every
/// failure is an ``ImageDecodeError`` naming the file and the problem: the decoders never
/// crash, abort, hang or print (the C libraries' message handlers are replaced).
public enum ImageCodec {
    /// Format by magic bytes, or nil.
    ///
    /// PNG: the 8-byte signature. JPEG: FF D8 FF. TIFF: "II*\0" / "MM\0*" (and BigTIFF).
    /// BMP: "BM" followed by a known DIB header size (12, 40, 52, 56, 64, 108, 124).
    public static func sniff(_ data: Data) -> ImageFormat? {
        data.withUnsafeBytes { ImageFormat.sniff($0) }
    }

    /// Decodes an image file's bytes to 8-bit gray.
    ///
    /// Supported: PNG (1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA, palette with tRNS,
    /// interlaced), JPEG (baseline, progressive, arithmetic; gray, YCbCr, RGB, CMYK, YCCK incl.
    /// Adobe inverted CMYK; 8-bit), TIFF (first directory of 1/2/4/8/16-bit gray MinIsBlack /
    /// MinIsWhite, RGB, RGBA, palette, CMYK; strips or tiles; chunky or planar; any compression
    /// libtiff supports, e.g. none, LZW, Deflate, PackBits, JPEG; other colour spaces through
    /// libtiff's RGBA conversion; the number of directories is reported) and BMP (core, info,
    /// V2-V5 headers; 1/4/8-bit palette, 16/24/32-bit BI_RGB and BI_BITFIELDS; bottom-up and
    /// top-down; RLE is rejected as unsupported).
    ///
    /// Mapping to 8-bit gray (details in ``PixelMapping``):
    /// - colour → luma with ITU-R BT.601 weights, (299 R + 587 G + 114 B) / 1000, rounded;
    /// - 16-bit → 8-bit by rounding v × 255 / 65535 (not truncation to the high byte);
    /// - 1/2/4-bit gray → scaled to 0...255; TIFF MinIsWhite inverted so 0 is black;
    /// - alpha → composited over white; ``DecodedImage/hadAlpha`` and
    ///   ``DecodedImage/alphaWasUsed`` (some pixel not fully opaque) are reported;
    /// - palette → expanded, then luma; CMYK → RGB (Adobe inverted CMYK handled) → luma.
    ///
    /// Damaged JPEG entropy data (libjpeg "Corrupt JPEG data" / "Premature end" warnings) is an
    /// error, not a silently grey-filled image.
    ///
    /// - Parameters:
    ///   - data: the file content.
    ///   - fileName: used in errors and for the extension check (a mismatch, e.g. a JPEG
    ///     named `.png`, decodes with a warning).
    ///   - options: the pixel limit, checked after the header and before allocating pixels.
    /// - Returns: the gray image and what the file said about itself.
    /// - Throws: ``ImageDecodeError`` (`.empty`, `.unknownFormat`, `.truncated`, `.corrupt`,
    ///   `.tooLarge`, `.unsupported`).
    public static func decode(_ data: Data, fileName: String = "<memory>",
                              options: DecodeOptions = .init()) throws(ImageDecodeError) -> DecodedImage {
        let result: Result<DecodedImage, ImageDecodeError> = data.withUnsafeBytes { raw in
            do throws(ImageDecodeError) {
                return .success(try decode(bytes: raw, fileName: fileName, options: options))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Reads and decodes a file. `fileName` in errors is `url.path`.
    ///
    /// - Throws: ``ImageDecodeError``: `.unreadable` when the file cannot be read (missing,
    ///   a directory, permissions), `.empty` for 0 bytes, otherwise as
    ///   ``decode(_:fileName:options:)``.
    public static func decode(contentsOf url: URL, options: DecodeOptions = .init()) throws(ImageDecodeError) -> DecodedImage {
        let path = url.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ImageDecodeError(kind: .unreadable, file: path, detail: "is a directory")
        }
        // 0-byte regular files are answered without reading them (Foundation's reader leaks a
        // buffer on empty files).
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           attributes[.type] as? FileAttributeType == .typeRegular,
           (attributes[.size] as? NSNumber)?.int64Value == 0 {
            throw ImageDecodeError(kind: .empty, file: path, detail: "the file has 0 bytes")
        }
        let data: Data
        do {
            // Read, not mapped: a mapped file that shrinks while we decode would crash (SIGBUS).
            data = try Data(contentsOf: url)
        } catch {
            let reason: String
            if !FileManager.default.fileExists(atPath: path) {
                reason = "no such file"
            } else if !FileManager.default.isReadableFile(atPath: path) {
                reason = "permission denied"
            } else {
                reason = (error as NSError).localizedDescription
            }
            throw ImageDecodeError(kind: .unreadable, file: path, detail: reason)
        }
        return try decode(data, fileName: path, options: options)
    }

    // MARK: - Dispatch

    static func decode(bytes raw: UnsafeRawBufferPointer, fileName: String,
                       options: DecodeOptions) throws(ImageDecodeError) -> DecodedImage {
        guard raw.count > 0, let base = raw.baseAddress else {
            throw ImageDecodeError(kind: .empty, file: fileName, detail: "the file has 0 bytes")
        }
        guard let format = ImageFormat.sniff(raw) else {
            if let other = ImageFormat.recogniseUnsupported(raw) {
                throw ImageDecodeError(kind: .unsupported, file: fileName,
                                       detail: "content is \(other); only PNG, JPEG, TIFF and BMP are supported")
            }
            throw ImageDecodeError(kind: .unknownFormat, file: fileName,
                                   detail: "not PNG, JPEG, TIFF or BMP (first bytes: \(hexPrefix(raw)))")
        }
        var warnings: [String] = []
        if let ext = fileExtension(of: fileName), let named = ImageFormat(fileExtension: ext), named != format {
            warnings.append("extension .\(ext) but content is \(format.displayName)")
        }
        let maxPixels = UInt64(clamping: max(options.maxPixels, 0))
        switch format {
        case .bmp:
            return try BMPDecoder.decode(raw, fileName: fileName, maxPixels: maxPixels, warnings: warnings)
        case .png, .jpeg, .tiff:
            var img = ckc_image()
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            switch format {
            case .png: ckc_decode_png(bytes, raw.count, maxPixels, &img)
            case .jpeg: ckc_decode_jpeg(bytes, raw.count, maxPixels, &img)
            default: ckc_decode_tiff(bytes, raw.count, maxPixels, &img)
            }
            defer { ckc_image_release(&img) }
            return try finish(&img, format: format, fileName: fileName, maxPixels: maxPixels, warnings: warnings)
        }
    }

    /// Turns a C decoder's result into a ``DecodedImage`` or an error.
    private static func finish(_ img: inout ckc_image, format: ImageFormat, fileName: String, maxPixels: UInt64,
                               warnings: [String]) throws(ImageDecodeError) -> DecodedImage {
        let message = cString(img.message)
        switch Int32(img.status) {
        case Int32(CKC_OK):
            break
        case Int32(CKC_ERR_TOO_LARGE):
            throw tooLarge(width: Int(img.width), height: Int(img.height), maxPixels: maxPixels, fileName: fileName)
        case Int32(CKC_ERR_TRUNCATED):
            throw ImageDecodeError(kind: .truncated, file: fileName, detail: "\(format.displayName): \(message)")
        case Int32(CKC_ERR_UNSUPPORTED):
            throw ImageDecodeError(kind: .unsupported, file: fileName, detail: "\(format.displayName): \(message)")
        case Int32(CKC_ERR_NOMEM):
            throw ImageDecodeError(kind: .tooLarge, file: fileName,
                                   detail: "\(format.displayName): out of memory (\(message))")
        default:
            throw ImageDecodeError(kind: .corrupt, file: fileName, detail: "\(format.displayName): \(message)")
        }
        let width = Int(img.width), height = Int(img.height)
        guard let src = img.pixels, width > 0, height > 0 else {
            throw ImageDecodeError(kind: .corrupt, file: fileName, detail: "\(format.displayName): decoder returned no pixels")
        }
        let count = width * height
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.initialize(from: src, count: count)
            initialized = count
        }
        var allWarnings = warnings
        let libraryWarnings = cString(img.warnings)
        if !libraryWarnings.isEmpty {
            allWarnings += libraryWarnings.split(separator: "\n").map { "\(format.displayName): \($0)" }
        }
        let pages = max(Int(img.page_count), 1)
        if pages > 1 {
            let reduced = Int(img.reduced_pages)
            let what = reduced > 0 ? "\(pages) pages (\(reduced) reduced-resolution)" : "\(pages) pages"
            allWarnings.append("\(what); only the first was decoded")
        }
        return DecodedImage(
            image: GrayImage(width: width, height: height, pixels: pixels),
            format: format,
            sourceBitDepth: Int(img.bit_depth),
            sourceColorModel: colorModelName(Int32(img.color_model)),
            pageCount: pages,
            hadAlpha: img.had_alpha != 0,
            alphaWasUsed: img.alpha_used != 0,
            warnings: allWarnings)
    }

    static func tooLarge(width: Int, height: Int, maxPixels: UInt64, fileName: String) -> ImageDecodeError {
        let total = UInt64(width) * UInt64(height)
        return ImageDecodeError(kind: .tooLarge, file: fileName,
                                detail: "image is \(width)x\(height) = \(total) pixels, limit \(maxPixels)")
    }

    static func colorModelName(_ model: Int32) -> String {
        switch model {
        case Int32(CKC_MODEL_GRAY): "gray"
        case Int32(CKC_MODEL_GRAY_ALPHA): "gray+alpha"
        case Int32(CKC_MODEL_RGB): "rgb"
        case Int32(CKC_MODEL_RGBA): "rgba"
        case Int32(CKC_MODEL_PALETTE): "palette"
        case Int32(CKC_MODEL_CMYK): "cmyk"
        case Int32(CKC_MODEL_YCCK): "ycck"
        case Int32(CKC_MODEL_LAB): "lab"
        default: "other"
        }
    }

    /// A NUL-terminated C char array imported as a tuple.
    static func cString<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func hexPrefix(_ raw: UnsafeRawBufferPointer) -> String {
        raw.prefix(8).map { byte in
            let s = String(byte, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
    }

    static func fileExtension(of name: String) -> String? {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        let ext = String(last[last.index(after: dot)...])
        return ext.isEmpty ? nil : ext
    }
}
