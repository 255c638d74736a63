import Foundation
import KaryoCodecs
import KaryoCore
import KaryoVision

/// The result of de-identifying one file: a clean image to keep, or a quarantine decision.
public enum DeidOutcome: Sendable {
    case clean(DeidResult)
    case quarantined(DeidQuarantine)
}

/// A de-identified image: the pixels, the PNG to store (IHDR, IDAT, IEND only) and what was done.
public struct DeidResult: Sendable {
    public let image: GrayImage
    public let png: Data
    public let provenance: DeidProvenance
}

/// A file that must not be written, with the reason for a person to review. The reason names
/// the rule that fired, never a file name, an identifier or recognised text.
public struct DeidQuarantine: Sendable, Codable, Equatable {
    public let reason: String
    public let provenance: DeidProvenance
}

/// De-identifies decoded images: fail-closed checks, template regions, OCR masking of burned-in
/// text, a fresh PNG, and the verifier on the result.
///
/// Burned-in text is found first and read second: ``TextFinder`` locates candidate text lines
/// (dark-on-light and light-on-dark, horizontal and vertical) from connected components of
/// glyph size and shape, ``LineReader`` crops, normalises and enlarges each line and reads it
/// with tesseract (vertical lines turned 90 and 270 degrees), and ``LineMasking`` masks whole
/// lines holding an identifier-like word, keeps lines of chromosome numbers and ISCN, and
/// quarantines the image when a text-like line cannot be read with confidence.
///
/// Thread-safety: a `Deidentifier` is `Sendable` and may be shared by any number of threads.
/// It owns a pool of libtesseract engines (one `TessBaseAPI` per concurrent call, at most one per
/// core, created on demand and reused); a call borrows one engine for its OCR passes.
public struct Deidentifier: Sendable {
    public let profile: DeidProfile
    private let pool: OCREnginePool?

    /// Loads tesseract once (when the profile asks for OCR).
    /// - Throws: ``OCRSetupError`` when OCR is on and libtesseract or eng.traineddata is missing
    ///   (fail closed: no silent fallback to no OCR).
    public init(profile: DeidProfile) throws {
        try profile.validate()
        self.profile = profile
        if profile.ocr || profile.verifyWithOCR {
            let dir = profile.tessdataDirectory ?? TesseractEngine.locateTessdata()
            guard let dir else {
                throw OCRSetupError(description: "OCR is on but eng.traineddata was not found; install tesseract-ocr-eng or set TESSDATA_PREFIX")
            }
            pool = try OCREnginePool.shared(tessdataDirectory: dir)
        } else {
            pool = nil
        }
    }

    /// Takes the raw bytes of one file; decodes them (the format from the content only) and
    /// de-identifies. A file that does not decode is quarantined with the kind of failure.
    public func deidentify(fileData: Data, lab: String, knownIdentifiers: [String],
                           decodeOptions: DecodeOptions = .init()) -> DeidOutcome {
        do {
            let decoded = try ImageCodec.decode(fileData, fileName: "input", options: decodeOptions)
            return deidentify(decoded, lab: lab, knownIdentifiers: knownIdentifiers)
        } catch {
            return .quarantined(DeidQuarantine(reason: FailClosed.quarantineReason(for: error), provenance: quarantineProvenance()))
        }
    }

    /// Takes the decoded pixels of one file and returns the de-identified image, or a quarantine decision.
    ///
    /// - Parameters:
    ///   - lab: selects the profile's region templates.
    ///   - knownIdentifiers: the case's own identifiers (patient, case, cell ids, names) from the
    ///     manifest; matched as ``IdentifierRules`` describes, masked wherever OCR finds them and
    ///     searched for in the output bytes by the verifier.
    public func deidentify(_ decoded: DecodedImage, lab: String, knownIdentifiers: [String]) -> DeidOutcome {
        if let reason = FailClosed.quarantineReason(for: decoded) {
            return .quarantined(DeidQuarantine(reason: reason, provenance: quarantineProvenance()))
        }
        var image = decoded.image
        var options = [DeidOption.freshPixelsOnly, DeidOption.metadataDropped, DeidOption.datesDropped, DeidOption.namesDropped]
        var masks: [PixelBox] = []

        let templates = profile.templates(forLab: lab, width: image.width, height: image.height)
        if !templates.isEmpty {
            options.append(DeidOption.templateRegions)
            masks += templates.flatMap(\.regions)
        }

        var wordsSeen = 0
        if profile.ocr, let pool {
            let readings: [LineReading]?
            do {
                let current = image
                let orientations = profile.orientations
                readings = try pool.withEngine { engine in
                    Self.readText(current, orientations: orientations, engine: engine)
                }
            } catch {
                return .quarantined(DeidQuarantine(reason: "OCR could not run", provenance: quarantineProvenance()))
            }
            options += profile.orientations.map(DeidOption.ocrMask)
            if profile.maskAllText { options.append(DeidOption.maskAllText) }
            guard let readings else {
                let provenance = DeidProvenance(methodCodes: [], optionsApplied: options, maskedRegions: 0,
                                                ocrWordsSeen: 0, verifier: .notRun)
                return .quarantined(DeidQuarantine(
                    reason: "too many text-like regions to read; a person must review the image", provenance: provenance))
            }
            let decision = LineMasking(profile: profile, rules: IdentifierRules(knownIdentifiers: knownIdentifiers)).decide(readings)
            wordsSeen = decision.wordsSeen
            masks += decision.masks
            if decision.uncertain > 0 && profile.quarantineOnUncertainOCR {
                let provenance = DeidProvenance(methodCodes: [], optionsApplied: options, maskedRegions: 0,
                                                ocrWordsSeen: wordsSeen, verifier: .notRun)
                return .quarantined(DeidQuarantine(
                    reason: "OCR could not read \(decision.uncertain) text line(s) with confidence \(Int(profile.maskConfidence)) or more; a person must review the image",
                    provenance: provenance))
            }
        }

        let applied = Masking.blank(&image, regions: masks)
        let png: Data
        do { png = try ImageCodec.encodePNG(image) } catch {
            return .quarantined(DeidQuarantine(reason: "PNG encoding failed", provenance: quarantineProvenance()))
        }
        options.append(DeidOption.verified)
        if profile.verifyWithOCR { options.append(DeidOption.verifiedOCR) }
        let verdict = DeidVerifier.verify(png: png, image: image, forbidden: knownIdentifiers,
                                          ocrPool: profile.verifyWithOCR ? pool : nil,
                                          orientations: profile.orientations, confidence: profile.maskConfidence)
        var codes = [DeidMethodCode.basicProfile]
        if profile.ocr || !templates.isEmpty { codes.append(DeidMethodCode.cleanPixelData) }
        let provenance = DeidProvenance(methodCodes: codes, optionsApplied: options, maskedRegions: applied,
                                        ocrWordsSeen: wordsSeen, verifier: verdict)
        guard verdict.passed else {
            return .quarantined(DeidQuarantine(reason: "the verifier rejected the output: " + verdict.problems.joined(separator: "; "),
                                               provenance: provenance))
        }
        return .clean(DeidResult(image: image, png: png, provenance: provenance))
    }

    /// Finds candidate text lines (``TextFinder``) and reads each with OCR (``LineReader``).
    /// Nil when the image holds more candidate lines than ``TextFinder/maxLines``.
    static func readText(_ image: GrayImage, orientations: [TextOrientation], engine: TesseractEngine) -> [LineReading]? {
        let finder = TextFinder()
        let vertical = orientations.contains(.rotated90) || orientations.contains(.rotated270)
        let lines = finder.lines(in: image, horizontal: orientations.contains(.upright), vertical: vertical)
        if lines.count > finder.maxLines { return nil }
        return LineReader().read(lines, in: image, orientations: orientations, engine: engine)
    }

    private func quarantineProvenance() -> DeidProvenance {
        DeidProvenance(methodCodes: [], optionsApplied: [], maskedRegions: 0, ocrWordsSeen: 0, verifier: .notRun)
    }
}
