import Foundation
import KaryoCodecs
import KaryoCore

/// Encodes an image in the batch's format, optionally with text metadata (fake-identity set).
enum ImageWriter {
    enum FileFormat: String {
        case png, jpeg, tiff
        var fileExtension: String {
            switch self {
            case .png: return "png"
            case .jpeg: return "jpg"
            case .tiff: return "tif"
            }
        }
    }

    static func encode(_ image: GrayImage, as format: FileFormat, metadata: [String: String]?) throws -> Data {
        switch format {
        case .png:
            let png = try ImageCodec.encodePNG(image)
            guard let metadata else { return png }
            return insertPNGText(png, metadata)
        case .jpeg:
            return try ImageCodec.encodeJPEG(image, quality: 90, comment: metadata?["Comment"],
                                             app1: metadata.map { exif(description: $0["Description"] ?? "", artist: $0["Artist"] ?? "") })
        case .tiff:
            return try ImageCodec.encodeTIFF(image, compression: .lzw, description: metadata?["Description"],
                                             artist: metadata?["Artist"])
        }
    }

    /// Adds tEXt chunks (Latin-1 keywords) and one iTXt chunk after IHDR.
    static func insertPNGText(_ png: Data, _ metadata: [String: String]) -> Data {
        var bytes = [UInt8](png)
        let ihdrEnd = 8 + 4 + 4 + 13 + 4
        var chunks: [UInt8] = []
        for key in metadata.keys.sorted() {
            chunks += chunk("tEXt", Array(key.utf8) + [0] + Array(metadata[key]!.utf8))
        }
        if let d = metadata["Description"] {
            chunks += chunk("iTXt", Array("Description".utf8) + [0, 0, 0] + [0] + [0] + Array(d.utf8))
        }
        bytes.insert(contentsOf: chunks, at: ihdrEnd)
        return Data(bytes)
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let t = Array(type.utf8)
        let n = UInt32(data.count)
        let crc = crc32(t + data)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + t + data
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// An EXIF APP1 payload (`Exif\0\0` + little-endian TIFF with IFD0 holding ImageDescription and Artist).
    static func exif(description: String, artist: String) -> Data {
        let d = Array(description.utf8) + [0], a = Array(artist.utf8) + [0]
        var out: [UInt8] = Array("Exif".utf8) + [0, 0]
        var tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        let ifdSize = 2 + 2 * 12 + 4
        let dataStart = 8 + ifdSize
        tiff += u16(2)
        tiff += u16(0x010E) + u16(2) + u32(d.count) + u32(dataStart)            // ImageDescription
        tiff += u16(0x013B) + u16(2) + u32(a.count) + u32(dataStart + d.count)  // Artist
        tiff += u32(0)
        tiff += d + a
        out += tiff
        return Data(out)
    }
}
