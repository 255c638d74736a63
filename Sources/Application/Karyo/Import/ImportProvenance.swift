import Foundation
import KaryoCodecs
import KaryoDeid

/// How a stored sample image was made from the lab's file, recorded with the sample.
/// It holds no file name and no identifier: only what the decoder found and what was done.
struct ImportProvenance: Codable, Sendable {
    var step = "import"
    var codeVersion = KaryoVersion.current
    var sourceFormat: String
    var sourceBitDepth: Int
    var sourceColorModel: String
    var pages: Int
    var hadAlpha: Bool
    var alphaUsed: Bool
    /// The mapping to 8-bit gray, as README documents it.
    var pixelMapping = "gray8: BT.601 luma, 16-bit rounded, alpha over white, MinIsWhite inverted"
    /// The encoding of the stored image: a fresh PNG with only IHDR, IDAT and IEND.
    var output = "png gray8, structural chunks only"
    /// What de-identification did: profile, DICOM CID 7050 method codes, masked regions, verifier.
    var deid: DeidProvenance?

    enum CodingKeys: String, CodingKey {
        case step, codeVersion = "code_version", sourceFormat = "source_format", sourceBitDepth = "source_bit_depth"
        case sourceColorModel = "source_color_model", pages, hadAlpha = "had_alpha", alphaUsed = "alpha_used"
        case pixelMapping = "pixel_mapping", output, deid
    }

    init(_ decoded: DecodedImage) {
        sourceFormat = decoded.format.rawValue
        sourceBitDepth = decoded.sourceBitDepth
        sourceColorModel = decoded.sourceColorModel
        pages = decoded.pageCount
        hadAlpha = decoded.hadAlpha
        alphaUsed = decoded.alphaWasUsed
    }

    /// Compact, key-sorted JSON.
    var json: String {
        (try? JSONOutput.string(self, pretty: false).trimmingCharacters(in: .newlines)) ?? "{}"
    }
}
