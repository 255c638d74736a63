/// Limits applied while decoding untrusted files.
public struct DecodeOptions: Sendable {
    /// 200 million pixels (about a 14142 x 14142 image; 200 MB of gray output).
    public static let defaultMaxPixels = 200_000_000

    /// An image whose header claims more than `maxPixels` pixels (width * height) is rejected
    /// with ``ImageDecodeError/Kind/tooLarge`` right after the header is read, before any
    /// pixel memory is allocated (decompression-bomb guard).
    ///
    /// Peak memory while decoding is about 1 byte per pixel for the result plus, at worst,
    /// about 8 bytes per pixel of working buffers (interlaced 16-bit RGBA PNG, single-strip or
    /// planar 16-bit RGBA TIFF; 4 bytes per pixel for TIFFs converted through libtiff's RGBA
    /// path). Size the limit for the memory you can spare.
    public var maxPixels: Int

    public init(maxPixels: Int = DecodeOptions.defaultMaxPixels) {
        self.maxPixels = maxPixels
    }
}
