import KaryoCodecs

/// The fail-closed rules applied before any pixel is looked at: what cannot be reduced to one
/// opaque 8-bit picture is quarantined, never passed through. Reasons name the rule, never the
/// file or its content.
public enum FailClosed {
    /// Why a decoded file must be quarantined, or nil when its pixels may be de-identified.
    public static func quarantineReason(for decoded: DecodedImage) -> String? {
        if decoded.pageCount > 1 {
            return "file has \(decoded.pageCount) pages or frames; only single-image files are accepted (a second page may be a slide label)"
        }
        if decoded.alphaWasUsed {
            return "pixels are hidden under transparency (alpha below opaque); dropping the alpha channel could reveal them"
        }
        if decoded.image.width == 0 || decoded.image.height == 0 {
            return "image has no pixels"
        }
        return nil
    }

    /// The quarantine reason for a file that did not decode. Only the kind of failure is used:
    /// the decoder's detail and the file name stay out.
    public static func quarantineReason(for error: ImageDecodeError) -> String {
        switch error.kind {
        case .unknownFormat, .unsupported:
            return "format not understood (\(error.kind.phrase)); only PNG, JPEG, TIFF and BMP are de-identified"
        case .empty, .truncated, .corrupt:
            return "file could not be decoded (\(error.kind.phrase))"
        case .tooLarge:
            return "image too large to decode"
        case .unreadable:
            return "file could not be read"
        }
    }
}
