import Foundation
import KaryoCodecs
import KaryoCore
import KaryoExtract

/// One image derived by extraction, ready to store or write: PNG bytes, the derivation step and
/// its parameters for the provenance record.
public struct DerivedOutput: Sendable {
    public var step: DerivedStep
    /// A short file-name stem: `chr9-1`, `chr22-2`, `t922-composite`.
    public var name: String
    public var png: Data
    /// What made it (box, orientation, scale, lengths...).
    public var parameters: DerivationParameters
}

/// The extraction step of Karyo: chromosomes 9 and 22 taken out of an image, turned upright, and
/// composed into the model's 90x90 input; every output is a ``DerivedOutput`` with its provenance.
public struct ChromosomeExtraction: Sendable {
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
            var p = ChromosomeDerivation(
                label: c.label, homolog: c.homolog, box: c.box, imageKind: result.kind, polarity: result.polarity,
                confidence: c.confidence, length: o.length, layout: result.layout?.style, slotNaming: result.layout?.naming)
            if let how = c.orientation {
                p.rotationDegrees = (how.rotationDegrees * 100).rounded() / 100
                p.flipped = how.flipped
                p.straightened = how.straightened
                p.width = how.width
                p.centromere = how.centromere.map { ($0 * 1000).rounded() / 1000 }
            }
            outputs.append(DerivedOutput(step: .extractChromosome, name: "chr\(c.label)-\(c.homolog)", png: png,
                                         parameters: .chromosome(p)))
        }
        let nines = result.chromosomes("9").compactMap(\.oriented)
        let twentyTwos = result.chromosomes("22").compactMap(\.oriented)
        if !nines.isEmpty || !twentyTwos.isEmpty {
            let cell = composer.compose(nines: nines, twentyTwos: twentyTwos)
            if let png = try? ImageCodec.encodePNG(cell.image) {
                outputs.append(DerivedOutput(step: .normalizeT922, name: "t922-composite", png: png,
                                             parameters: .composite(cell.derivation)))
            }
        }
        var found: [String: Int] = [:]
        for label in extractor.labels { found[label] = result.chromosomes(label).count }
        let outcome = ExtractionOutcome(
            kind: result.kind, kindReason: result.kindReason, polarity: result.polarity,
            layout: result.layout?.style, slotNaming: result.layout?.naming, found: found, issues: result.issues.map(\.message),
            chromosomes: result.chromosomes.map {
                .init(label: $0.label, homolog: $0.homolog, box: $0.box, confidence: $0.confidence)
            })
        return (outcome, outputs)
    }
}
