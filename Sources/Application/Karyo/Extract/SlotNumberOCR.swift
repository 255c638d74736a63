import KaryoCore
import KaryoExtract
import KaryoVision

/// Reads the class numbers printed under karyogram slots with tesseract, for ``ChromosomeExtractor``.
public struct SlotNumberOCR: PrintedLineReader {
    let ocr: PrintedLineOCR

    /// The reader, or nil when tesseract's English model is not installed (slots are then named
    /// by their place in the standard rows).
    public static func loadIfAvailable() -> SlotNumberOCR? {
        (try? PrintedLineOCR()).map(SlotNumberOCR.init)
    }

    public func printedWords(inLine image: GrayImage) -> [PrintedWord] {
        ocr.words(inLine: image).map { PrintedWord(text: $0.text, minX: $0.box.x, maxX: $0.box.x + $0.box.width - 1) }
    }
}
