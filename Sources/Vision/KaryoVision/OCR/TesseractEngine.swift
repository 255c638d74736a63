import CTesseract
import Foundation
import KaryoCore

/// A word tesseract found, in the coordinates of the image it was given.
public struct OCRWord: Sendable, Equatable {
    package init(text: String, confidence: Float, box: PixelBox) {
        self.text = text
        self.confidence = confidence
        self.box = box
    }

    /// The recognised text (UTF-8). Identifying by nature: never log or store it.
    public let text: String
    /// Tesseract's word confidence, 0...100.
    public let confidence: Float
    /// The word's box: left, top, width, height in pixels.
    public let box: PixelBox
}

/// Errors raised while preparing OCR. Messages carry no image content.
public struct OCRSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    package init(description: String) { self.description = description }
}

/// How tesseract segments the image it is given.
package enum OCRMode: Sendable {
    /// Sparse text: find as much text as possible in no particular order.
    case sparseText
    /// The image holds a single line of text.
    case singleLine

    var tesseractMode: TessPageSegMode {
        switch self {
        case .sparseText: PSM_SPARSE_TEXT
        case .singleLine: PSM_SINGLE_LINE
        }
    }
}

/// One libtesseract instance (`TessBaseAPI`) configured for sparse text.
///
/// Not thread-safe: a `TessBaseAPI` must be used by one thread at a time. ``OCREnginePool``
/// hands engines out to concurrent callers; use that rather than sharing one engine.
package final class TesseractEngine {
    private let handle: OpaquePointer

    /// Loads the English model from `tessdataDirectory`.
    package init(tessdataDirectory: String, mode: OCRMode = .sparseText) throws(OCRSetupError) {
        guard let api = TessBaseAPICreate() else { throw OCRSetupError(description: "libtesseract: could not create an engine") }
        // Tesseract prints diagnostics through tprintf to stderr unless debug_file is set;
        // set it before Init so the model-loading chatter is silenced too.
        _ = TessBaseAPISetVariable(api, "debug_file", "/dev/null")
        if TessBaseAPIInit3(api, tessdataDirectory, "eng") != 0 {
            TessBaseAPIDelete(api)
            throw OCRSetupError(description: "libtesseract: could not load the English model (eng.traineddata) from \(tessdataDirectory); install tesseract-ocr-eng or set TESSDATA_PREFIX")
        }
        _ = TessBaseAPISetVariable(api, "debug_file", "/dev/null")
        TessBaseAPISetPageSegMode(api, mode.tesseractMode)
        handle = api
    }

    /// Sets a tesseract parameter; false when the name or value is not accepted.
    @discardableResult
    package func setVariable(_ name: String, _ value: String) -> Bool {
        TessBaseAPISetVariable(handle, name, value) != 0
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// Recognises the words of an 8-bit gray image (row-major, `width` bytes a row).
    /// `mode`: the page segmentation mode for this call (default: sparse text).
    package func words(pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       mode: OCRMode = .sparseText) -> [OCRWord] {
        guard width >= 8, height >= 8, let base = pixels.baseAddress else { return [] }
        TessBaseAPISetPageSegMode(handle, mode.tesseractMode)
        TessBaseAPISetImage(handle, base, Int32(width), Int32(height), 1, Int32(width))
        TessBaseAPISetSourceResolution(handle, 300)
        defer { TessBaseAPIClear(handle) }
        guard TessBaseAPIRecognize(handle, nil) == 0, let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        let page = TessResultIteratorGetPageIterator(iterator)
        var result: [OCRWord] = []
        repeat {
            guard let cText = TessResultIteratorGetUTF8Text(iterator, RIL_WORD) else { continue }
            let text = String(cString: cText)
            TessDeleteText(cText)
            var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
            guard TessPageIteratorBoundingBox(page, RIL_WORD, &left, &top, &right, &bottom) != 0 else { continue }
            let confidence = TessResultIteratorConfidence(iterator, RIL_WORD)
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            result.append(OCRWord(text: trimmed, confidence: confidence,
                                  box: PixelBox(x: Int(left), y: Int(top), width: Int(right - left), height: Int(bottom - top))))
        } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        return result
    }

    /// The tessdata folder: `$TESSDATA_PREFIX` (the folder itself or its parent) when it holds
    /// eng.traineddata, else the first Debian location that does.
    package static func locateTessdata(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var candidates: [String] = []
        if let prefix = environment["TESSDATA_PREFIX"], !prefix.isEmpty {
            candidates += [prefix, (prefix as NSString).appendingPathComponent("tessdata")]
        }
        candidates += ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                       "/usr/share/tessdata", "/usr/local/share/tessdata"]
        return candidates.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("eng.traineddata")) }
    }
}
