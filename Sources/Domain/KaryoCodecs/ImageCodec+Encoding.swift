import CKaryoCodecs
import Foundation
import KaryoCore

extension ImageCodec {
    /// TIFF compression schemes ``encodeTIFF(_:compression:description:artist:)`` can write.
    public enum TIFFCompression: Int32, Sendable, CaseIterable {
        case none = 1
        /// LZW with the horizontal predictor.
        case lzw = 5
        /// Deflate (zlib) with the horizontal predictor.
        case deflate = 8
        case packBits = 32773
    }

    /// Encodes 8-bit grayscale baseline JPEG (one component, optimized Huffman tables), deterministic
    /// for given pixels and quality.
    /// - Parameters:
    ///   - quality: libjpeg quality, 1...100.
    ///   - comment: written as a COM segment when given (metadata for de-identification tests).
    ///   - app1: raw APP1 payload (e.g. `"Exif\0\0"` + a TIFF structure) when given.
    /// - Throws: ``ImageEncodeError`` for an empty image, a side over 65,500 pixels, or a libjpeg error.
    public static func encodeJPEG(_ image: GrayImage, quality: Int = 90, comment: String? = nil,
                                  app1: Data? = nil) throws -> Data {
        guard image.width > 0, image.height > 0, image.width <= 65500, image.height <= 65500 else {
            throw ImageEncodeError(detail: "a JPEG needs 1...65500 pixels a side, image is \(image.width)x\(image.height)")
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let app1Bytes = [UInt8](app1 ?? Data())
        let rc = image.pixels.withUnsafeBufferPointer { px in
            app1Bytes.withUnsafeBufferPointer { a in
                ckc_encode_jpeg_gray8(px.baseAddress, UInt32(image.width), UInt32(image.height), Int32(quality),
                                      comment, a.isEmpty ? nil : a.baseAddress, a.count, &out, &size,
                                      &message, message.count)
            }
        }
        guard rc == 0, let bytes = out else {
            throw ImageEncodeError(detail: "JPEG encoder error \(rc): \(cText(message))")
        }
        defer { ckc_free(bytes) }
        return Data(bytes: bytes, count: size)
    }

    /// Encodes a single-page 8-bit grayscale TIFF (BlackIsZero, strips of 64 rows), deterministic
    /// for given pixels and options.
    /// - Parameters:
    ///   - description: the ImageDescription tag, when given.
    ///   - artist: the Artist tag, when given.
    /// - Throws: ``ImageEncodeError`` for an empty image or a libtiff error.
    public static func encodeTIFF(_ image: GrayImage, compression: TIFFCompression = .lzw,
                                  description: String? = nil, artist: String? = nil) throws -> Data {
        guard image.width > 0, image.height > 0, image.width <= Int(UInt32.max), image.height <= Int(UInt32.max) else {
            throw ImageEncodeError(detail: "a TIFF needs at least 1x1 pixels, image is \(image.width)x\(image.height)")
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeBufferPointer { px in
            ckc_encode_tiff_gray8(px.baseAddress, UInt32(image.width), UInt32(image.height), compression.rawValue,
                                  description, artist, &out, &size, &message, message.count)
        }
        guard rc == 0, let bytes = out else {
            throw ImageEncodeError(detail: "TIFF encoder error \(rc): \(cText(message))")
        }
        defer { ckc_free(bytes) }
        return Data(bytes: bytes, count: size)
    }

    /// The NUL-terminated text in a C buffer.
    private static func cText(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
