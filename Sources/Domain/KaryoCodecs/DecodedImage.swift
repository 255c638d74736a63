/// A decoded file: the gray pixels plus what the file said about itself.
import KaryoCore

public struct DecodedImage: Sendable {
    /// The pixels mapped to 8-bit gray (see ``PixelMapping``).
    public let image: GrayImage
    /// The format detected from the content.
    public let format: ImageFormat
    /// Bits per sample in the file (1, 2, 4, 8, 16; for palette images the index size;
    /// for BI_BITFIELDS BMPs the widest channel mask).
    public let sourceBitDepth: Int
    /// "gray", "gray+alpha", "rgb", "rgba", "palette", "cmyk", "ycck"; rarely "lab" or
    /// "other" (TIFF colour spaces converted by libtiff). YCbCr JPEG/TIFF report "rgb".
    public let sourceColorModel: String
    /// Frames/pages in the file (TIFF directories); 1 for the other formats.
    public let pageCount: Int
    /// The file carries an alpha channel (for PNG, also a tRNS chunk).
    public let hadAlpha: Bool
    /// Some pixel had alpha below the maximum, i.e. something may be hidden under
    /// transparency; such pixels were composited over white.
    public let alphaWasUsed: Bool
    /// Things worth knowing that did not stop the decode, e.g.
    /// "3 pages; only the first was decoded", "extension .png but content is JPEG".
    public let warnings: [String]

    public init(image: GrayImage, format: ImageFormat, sourceBitDepth: Int, sourceColorModel: String,
                pageCount: Int = 1, hadAlpha: Bool = false, alphaWasUsed: Bool = false, warnings: [String] = []) {
        self.image = image
        self.format = format
        self.sourceBitDepth = sourceBitDepth
        self.sourceColorModel = sourceColorModel
        self.pageCount = pageCount
        self.hadAlpha = hadAlpha
        self.alphaWasUsed = alphaWasUsed
        self.warnings = warnings
    }
}
