import Foundation
import KaryoCodecs
import KaryoCore
import KaryoExtract

/// One image derived by extraction, ready to store or write: PNG bytes, the derivation step and
/// its parameters (JSON) for the provenance record.
public struct DerivedOutput: Sendable {
    /// "extract-chromosome" for an oriented chromosome, "normalize-t922" for the 90x90 composite.
    public var step: String
    /// A short file-name stem: `chr9-1`, `chr22-2`, `t922-composite`.
    public var name: String
    public var png: Data
    /// JSON object with what made it (box, orientation, scale, lengths...).
    public var parameters: String
}

/// What extraction made of one image.
public struct ExtractionOutcome: Sendable, Codable {
    public var kind: String
    public var kindReason: String
    public var polarity: String
    public var layout: String?
    /// How the karyogram's slots were named: "positions" or "printed-numbers" (OCR).
    public var slotNaming: String?
    /// Chromosomes found per class ("9": 2, "22": 2).
    public var found: [String: Int]
    /// Missing or extra chromosomes, irregular layouts, low confidence.
    public var issues: [String]
    /// Boxes of the extracted chromosomes in the image: `label`, `homolog`, `box` [x, y, w, h].
    public var chromosomes: [ChromosomeRecord]

    public struct ChromosomeRecord: Sendable, Codable {
        public var label: String
        public var homolog: Int
        public var box: [Int]
        public var confidence: Double
    }

    /// One line for reports.
    public var summary: String {
        var s = kind
        if kind != "neither" {
            s += ": chr9 x\(found["9"] ?? 0), chr22 x\(found["22"] ?? 0)"
            if let layout { s += " (\(layout)\(slotNaming == SlotNaming.printedNumbers.rawValue ? ", printed slot numbers" : ""))" }
        } else {
            s += " (\(kindReason))"
        }
        if !issues.isEmpty { s += "; " + issues.joined(separator: "; ") }
        return s
    }
}

/// The extraction step of Karyo: chromosomes 9 and 22 taken out of an image, turned upright, and
/// composed into the model's 90x90 input; every output is a ``DerivedOutput`` with its provenance.
public struct ChromosomeExtraction: Sendable {
    public static let chromosomeStep = "extract-chromosome"
    public static let compositeStep = "normalize-t922"

    public var extractor: ChromosomeExtractor
    public var composer: CellComposer

    /// - Parameters:
    ///   - metaphaseFinder: segmentation and classification for metaphases (see
    ///     ``ClassifierMetaphaseFinder/loadIfAvailable()``); without it metaphases are reported only.
    ///   - slotNumbers: OCR of the class numbers printed under karyogram slots (default: tesseract
    ///     when installed); without it slots are named by their place in the standard rows.
    public init(metaphaseFinder: (any MetaphaseChromosomeFinder)? = nil, mode: CompositionMode = .sharedScale,
                slotNumbers: (any PrintedLineReader)? = SlotNumberOCR.loadIfAvailable()) {
        extractor = ChromosomeExtractor(metaphaseFinder: metaphaseFinder, printedLabelReader: slotNumbers)
        composer = CellComposer(mode: mode)
    }

    /// Extracts from decoded pixels.
    public func run(_ image: GrayImage) -> (outcome: ExtractionOutcome, outputs: [DerivedOutput]) {
        let result = extractor.extract(image)
        var outputs: [DerivedOutput] = []
        for c in result.chromosomes {
            guard let o = c.oriented, let png = try? ImageCodec.encodePNG(o.image) else { continue }
            var p: [String: Any] = [
                "label": c.label, "homolog": c.homolog, "box": [c.box.x, c.box.y, c.box.width, c.box.height],
                "image_kind": result.kind.rawValue, "polarity": result.polarity.rawValue,
                "confidence": c.confidence, "length": o.length,
            ]
            if let layout = result.layout {
                p["layout"] = layout.style.rawValue
                p["slot_naming"] = layout.naming.rawValue
            }
            if let how = c.orientation {
                p["rotation_degrees"] = (how.rotationDegrees * 100).rounded() / 100
                p["flipped"] = how.flipped
                p["straightened"] = how.straightened
                p["width"] = how.width
                if let cen = how.centromere { p["centromere"] = (cen * 1000).rounded() / 1000 }
            }
            outputs.append(DerivedOutput(step: Self.chromosomeStep, name: "chr\(c.label)-\(c.homolog)", png: png,
                                         parameters: Self.json(p)))
        }
        let nines = result.chromosomes("9").compactMap(\.oriented)
        let twentyTwos = result.chromosomes("22").compactMap(\.oriented)
        if !nines.isEmpty || !twentyTwos.isEmpty {
            let cell = composer.compose(nines: nines, twentyTwos: twentyTwos)
            if let png = try? ImageCodec.encodePNG(cell.image) {
                let p: [String: Any] = [
                    "mode": cell.mode.rawValue, "size": composer.size, "scale_x": cell.scaleX, "scale_y": cell.scaleY,
                    "lengths": cell.lengths.map { $0 as Any? ?? NSNull() }, "missing_slots": cell.missingSlots,
                    "contrast_low": cell.contrastLow, "contrast_high": cell.contrastHigh, "slots": ["9", "9", "22", "22"],
                ]
                outputs.append(DerivedOutput(step: Self.compositeStep, name: "t922-composite", png: png, parameters: Self.json(p)))
            }
        }
        var found: [String: Int] = [:]
        for label in extractor.labels { found[label] = result.chromosomes(label).count }
        let outcome = ExtractionOutcome(
            kind: result.kind.rawValue, kindReason: result.kindReason, polarity: result.polarity.rawValue,
            layout: result.layout?.style.rawValue, slotNaming: result.layout?.naming.rawValue, found: found, issues: result.issues.map(\.message),
            chromosomes: result.chromosomes.map {
                .init(label: $0.label, homolog: $0.homolog, box: [$0.box.x, $0.box.y, $0.box.width, $0.box.height], confidence: $0.confidence)
            })
        return (outcome, outputs)
    }

    static func json(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
