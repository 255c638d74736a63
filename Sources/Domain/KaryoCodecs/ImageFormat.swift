/// The file formats Karyo decodes. Detected from the content (magic bytes), never from the name.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png, jpeg, tiff, bmp

    /// Upper-case name for messages ("PNG", "JPEG", ...).
    public var displayName: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        case .tiff: "TIFF"
        case .bmp: "BMP"
        }
    }

    /// File name extensions (lower case, without the dot) conventionally used for the format.
    public var fileExtensions: [String] {
        switch self {
        case .png: ["png"]
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .tiff: ["tif", "tiff"]
        case .bmp: ["bmp", "dib"]
        }
    }

    /// The format a file name's extension suggests (case-insensitive), or nil.
    public init?(fileExtension ext: String) {
        let e = ext.lowercased()
        guard let match = ImageFormat.allCases.first(where: { $0.fileExtensions.contains(e) }) else { return nil }
        self = match
    }
}

extension ImageFormat {
    /// Format by magic bytes. BMP needs "BM" plus a known info-header size (when present).
    static func sniff(_ b: UnsafeRawBufferPointer) -> ImageFormat? {
        let n = b.count
        func at(_ i: Int) -> UInt8 { b[i] }
        if n >= 8, at(0) == 0x89, at(1) == 0x50, at(2) == 0x4E, at(3) == 0x47,
           at(4) == 0x0D, at(5) == 0x0A, at(6) == 0x1A, at(7) == 0x0A {
            return .png
        }
        if n >= 3, at(0) == 0xFF, at(1) == 0xD8, at(2) == 0xFF { return .jpeg }
        if n >= 4 {
            // Classic TIFF (42) and BigTIFF (43), both byte orders.
            if at(0) == 0x49, at(1) == 0x49, at(2) == 42 || at(2) == 43, at(3) == 0 { return .tiff }
            if at(0) == 0x4D, at(1) == 0x4D, at(2) == 0, at(3) == 42 || at(3) == 43 { return .tiff }
        }
        if n >= 2, at(0) == 0x42, at(1) == 0x4D {
            if n < 18 { return .bmp }  // too short to tell; the decoder reports the truncation
            let headerSize = UInt32(at(14)) | UInt32(at(15)) << 8 | UInt32(at(16)) << 16 | UInt32(at(17)) << 24
            if BMPDecoder.knownHeaderSizes.contains(headerSize) { return .bmp }
        }
        return nil
    }

    /// Names formats we recognise but do not decode, for a clearer error.
    static func recogniseUnsupported(_ b: UnsafeRawBufferPointer) -> String? {
        let n = b.count
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            guard n >= offset + bytes.count else { return false }
            for (i, v) in bytes.enumerated() where b[offset + i] != v { return false }
            return true
        }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "GIF" }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "WebP" }
        if starts([0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) { return "JPEG 2000" }
        if starts(Array("DICM".utf8), at: 128) { return "DICOM" }
        if starts(Array("ftyp".utf8), at: 4) { return "HEIF/AVIF (ISO media)" }
        if starts([0xFF, 0x0A]) || starts([0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return "JPEG XL" }
        if starts(Array("%PDF".utf8)) { return "PDF" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "ZIP archive" }
        if starts([0x1F, 0x8B]) { return "gzip archive" }
        if starts(Array("BM".utf8)) { return "BMP with an unknown header size" }
        return nil
    }
}
