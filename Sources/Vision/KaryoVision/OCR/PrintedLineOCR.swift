import CTesseract
import KaryoCore

/// Reads one printed line of short words (for example the class numbers under a row of karyogram
/// slots) with tesseract in single-line mode. Safe to share between threads (engines are pooled).
public final class PrintedLineOCR: Sendable {
    private let pool: OCREnginePool

    /// Loads tesseract's English model.
    /// - Throws: ``OCRSetupError`` when libtesseract or eng.traineddata is missing.
    public init() throws(OCRSetupError) {
        guard let tessdata = TesseractEngine.locateTessdata() else {
            throw OCRSetupError(description: "no tesseract English model (eng.traineddata) found; install tesseract-ocr-eng or set TESSDATA_PREFIX")
        }
        pool = try OCREnginePool.shared(tessdataDirectory: tessdata)
    }

    /// The words of a dark-on-light image holding one line of text, left to right.
    public func words(inLine image: GrayImage) -> [OCRWord] {
        let words = try? pool.withEngine { engine in
            image.pixels.withUnsafeBufferPointer { engine.words(pixels: $0, width: image.width, height: image.height, mode: .singleLine) }
        }
        return (words ?? []).sorted { $0.box.x < $1.box.x }
    }
}
