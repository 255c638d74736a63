/// How every decoder maps file pixels to the 8-bit gray of ``GrayImage``.
///
/// The same rules hold for PNG, JPEG, TIFF and BMP (the C decoders in CKaryoCodecs and the
/// Swift BMP decoder implement the identical integer formulas; the tests check they agree):
///
/// - **Gray** is kept; 0 stays black. TIFF *MinIsWhite* is inverted first (v → max − v) so
///   that 0 is black as displayed.
/// - **Bit depth**: a sample v with maximum M = 2^bits − 1 becomes round(v × 255 / M).
///   16-bit → 8-bit is therefore round(v / 257) — rounding, not truncation to the high byte.
///   1/2/4-bit gray is scaled to 0...255 (1-bit: 0, 255; 2-bit: 0, 85, 170, 255; 4-bit: ×17).
/// - **Colour → luma** with ITU-R BT.601 weights: L = 0.299 R + 0.587 G + 0.114 B, computed
///   exactly as (299 R + 587 G + 114 B) / 1000 at the source precision and rounded once,
///   half up, to 8 bits. Gray colours (R = G = B) map to themselves.
///   For YCbCr JPEG the decoded Y plane is used directly: it *is* the BT.601 luma of the
///   encoded RGB (and skipping the chroma planes is faster).
/// - **Alpha** is composited over **white** (karyograms are dark chromosomes on a light
///   background): with straight (unassociated) alpha a, L' = L × a / M + M × (M − a) / M;
///   with premultiplied (associated) alpha, L' = min(L + (M − a), M). A fully transparent
///   pixel becomes white. ``DecodedImage/hadAlpha`` says the file has an alpha channel (or a
///   PNG tRNS chunk); ``DecodedImage/alphaWasUsed`` says some pixel had alpha below M, so
///   something may be hidden under transparency (the de-identification step quarantines these).
///   A TIFF extra sample of unspecified meaning next to gray or RGB is read as straight alpha.
///   A 32-bit BI_BITFIELDS BMP whose alpha is 0 everywhere is treated as opaque.
/// - **Palette** images are expanded through the palette (PNG tRNS gives per-entry alpha),
///   then mapped as colour. TIFF colormaps are 16-bit (8-bit colormaps written by broken
///   tools are detected and scaled); BMP palettes are 8-bit.
/// - **CMYK** → RGB as R = (M − C)(M − K) / M (likewise G with M(agenta), B with Y), then
///   luma. JPEG files with an Adobe APP14 marker (Photoshop) store CMYK inverted, so there
///   R = C × K / 255; YCCK is converted to CMYK by libjpeg first.
/// - **Other TIFF colour spaces** (YCbCr with subsampling, CIE Lab, old-style JPEG, ...) go
///   through libtiff's RGBA conversion (8 bits per channel), then luma.
/// - No colour management: gamma, ICC profiles, sRGB chunks and EXIF orientation are ignored.
///   TIFF Orientation (1-8) is applied, so the result is top-left as displayed.
public enum PixelMapping {
    /// BT.601 luma of an 8-bit RGB triple, rounded half up: (299 R + 587 G + 114 B + 500) / 1000.
    @inlinable
    public static func luma(red: UInt8, green: UInt8, blue: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (299 &* UInt32(red) &+ 587 &* UInt32(green) &+ 114 &* UInt32(blue) &+ 500) / 1000)
    }

    /// A 16-bit sample to 8 bits, rounded: round(v × 255 / 65535) = (v + 128) / 257.
    @inlinable
    public static func gray8(from16 v: UInt16) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt32(v) &+ 128) / 257)
    }

    /// A sample of `bits` bits (1...16) to 8 bits: round(v × 255 / (2^bits − 1)).
    @inlinable
    public static func gray8(_ v: UInt32, bits: Int) -> UInt8 {
        precondition(bits >= 1 && bits <= 16)
        let maxValue = UInt64(1) << UInt64(bits) - 1
        let clamped = min(UInt64(v), maxValue)
        return UInt8(truncatingIfNeeded: (clamped * 255 + maxValue / 2) / maxValue)
    }

    /// An 8-bit gray value with straight alpha composited over white, rounded.
    @inlinable
    public static func overWhite(gray: UInt8, alpha: UInt8) -> UInt8 {
        overWhite(weightedSum: 1000 * UInt32(gray), alpha: alpha)
    }

    /// 8-bit RGB with straight alpha composited over white, then luma (one rounding).
    @inlinable
    public static func luma(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8) -> UInt8 {
        overWhite(weightedSum: 299 * UInt32(red) + 587 * UInt32(green) + 114 * UInt32(blue), alpha: alpha)
    }

    /// `s` = 299 R + 587 G + 114 B (or 1000 × gray), all 8-bit; straight alpha over white:
    /// round((s × a + 1000 × 255 × (255 − a)) / (1000 × 255)).
    @inlinable
    static func overWhite(weightedSum s: UInt32, alpha a: UInt8) -> UInt8 {
        if a == 255 { return UInt8(truncatingIfNeeded: (s + 500) / 1000) }
        let num = UInt64(s) * UInt64(a) + 255_000 * UInt64(255 - a)
        return UInt8(truncatingIfNeeded: min((num + 127_500) / 255_000, 255))
    }
}
