import Foundation
import KaryoCodecs
import KaryoCore
import KaryoVision

/// A chromosome found in a metaphase spread by a segmenter and classifier.
public struct MetaphaseCandidate: Sendable {
    /// "1"..."22", "X", "Y".
    public var label: String
    /// Probability of `label`, 0...1.
    public var confidence: Double
    /// Box in the image's pixels.
    public var box: PixelBox
    /// `true` where the object is, `box.width * box.height`, row-major.
    public var mask: [Bool]
    /// The object overlaps another one (its pixels may be mixed).
    public var overlapping: Bool

    public init(label: String, confidence: Double, box: PixelBox, mask: [Bool], overlapping: Bool) {
        self.label = label
        self.confidence = confidence
        self.box = box
        self.mask = mask
        self.overlapping = overlapping
    }
}

/// Segments and classifies the chromosomes of a metaphase spread (the KaryoMetaphase module
/// provides one; the application layer passes it in).
public protocol MetaphaseChromosomeFinder: Sendable {
    /// Chromosome objects of a dark-on-light metaphase image, with their classes.
    func chromosomes(in image: GrayImage) throws -> [MetaphaseCandidate]
}

/// Takes chromosomes 9 and 22 (or other classes) out of a karyogram or a metaphase image.
///
/// Karyograms are read by their layout (box grid, slot underlines, or the four standard rows),
/// so no classifier is needed. Metaphases go to a ``MetaphaseChromosomeFinder`` when one is
/// given. Anything else is reported as ``ImageKind/neither``. The extractor never invents a
/// chromosome: a missing or extra one is an ``ExtractionIssue``.
public struct ChromosomeExtractor: Sendable {
    /// The classes taken out, in output order.
    public var labels: [String]
    /// Turn each chromosome upright (``ChromosomeOrienter``).
    public var orient: Bool
    /// Metaphase segmentation and classification; without it metaphases are reported only.
    public var metaphaseFinder: (any MetaphaseChromosomeFinder)?
    /// Metaphase calls below this confidence are flagged for review.
    public var reviewBelow: Double
    /// Reads the class numbers printed under a karyogram's slots (OCR); with it, slots are named by
    /// what is printed, so layouts other than the standard rows work. Without it, or when too few
    /// numbers are read, slots are named by their place in the standard rows.
    public var printedLabelReader: (any PrintedLineReader)?

    public init(labels: [String] = ["9", "22"], orient: Bool = true,
                metaphaseFinder: (any MetaphaseChromosomeFinder)? = nil, reviewBelow: Double = 0.8,
                printedLabelReader: (any PrintedLineReader)? = nil) {
        self.labels = labels
        self.orient = orient
        self.metaphaseFinder = metaphaseFinder
        self.reviewBelow = reviewBelow
        self.printedLabelReader = printedLabelReader
    }

    /// Extracts from a decoded image.
    public func extract(_ image: GrayImage) -> ExtractionResult {
        let w = WorkingImage(image)
        var result = ExtractionResult(kind: .neither, kindReason: "", polarity: w.polarity, imageWidth: image.width,
                                      imageHeight: image.height, layout: nil, chromosomes: [], issues: [])
        let stats = ImageKindDetector.stats(w)
        if w.small.width < 64 || w.small.height < 64 || stats.contrast < 30 {
            result.kindReason = ImageKindDetector.notChromosomes(w, stats) ?? "not analysable"
            return result
        }
        if let out = KaryogramExtractor(labels: labels, printedLabelReader: printedLabelReader).extract(w) {
            result.kind = .karyogram
            result.kindReason = "\(out.layout.style.rawValue) layout with \(out.layout.slots.count) slots"
                + (out.layout.naming == .printedNumbers ? " named by their printed numbers" : "")
            result.layout = out.layout
            result.chromosomes = out.chromosomes
            result.issues = out.issues
        } else if let why = ImageKindDetector.notChromosomes(w, stats) {
            result.kindReason = why
            return result
        } else {
            result.kind = .metaphase
            result.kindReason = "\(stats.objectCount) scattered objects on a uniform background, no karyogram layout"
            extractMetaphase(w, into: &result)
        }
        if orient {
            for i in result.chromosomes.indices {
                if let (o, how) = ChromosomeOrienter().orient(result.chromosomes[i], trustUpright: result.kind == .karyogram) {
                    result.chromosomes[i].oriented = o
                    result.chromosomes[i].orientation = how
                }
            }
        }
        return result
    }

    /// Reads, decodes and extracts a file.
    /// - Throws: ``ImageDecodeError`` when the file cannot be read or decoded.
    public func extract(contentsOf url: URL) throws -> ExtractionResult {
        let decoded = try ImageCodec.decode(contentsOf: url)
        return extract(decoded.image)
    }

    func extractMetaphase(_ w: WorkingImage, into result: inout ExtractionResult) {
        guard let finder = metaphaseFinder else {
            result.issues.append(ExtractionIssue(.metaphaseUnsupported, "a metaphase: no chromosome classifier is available to pick the 9s and 22s"))
            return
        }
        let found: [MetaphaseCandidate]
        do {
            found = try finder.chromosomes(in: w.full)
        } catch {
            result.issues.append(ExtractionIssue(.notAnalysable, "metaphase analysis failed: \(error)"))
            return
        }
        let bg = UInt8(clamping: w.background)
        for label in labels {
            let mine = found.filter { $0.label == label }.sorted { $0.confidence > $1.confidence }
            if mine.count < 2 {
                result.issues.append(ExtractionIssue(.missing, label: label, "\(mine.count) chromosome\(mine.count == 1 ? "" : "s") \(label) found, 2 expected"))
            } else if mine.count > 2 {
                result.issues.append(ExtractionIssue(.extra, label: label, "\(mine.count) chromosomes \(label) found, 2 expected"))
            }
            for (i, c) in mine.sorted(by: { $0.box.centerX < $1.box.centerX }).enumerated() {
                let crop = ImageOps.crop(w.full, c.box)
                var pix = crop.pixels
                for j in pix.indices where j >= c.mask.count || !c.mask[j] { pix[j] = bg }
                result.chromosomes.append(ExtractedChromosome(
                    label: label, homolog: i + 1, box: c.box, image: GrayImage(width: crop.width, height: crop.height, pixels: pix),
                    mask: c.mask.count == pix.count ? c.mask : [Bool](repeating: true, count: pix.count), background: bg,
                    confidence: c.confidence))
                if c.confidence < reviewBelow || c.overlapping {
                    result.issues.append(ExtractionIssue(.lowConfidence, label: label, String(format: "chromosome %@ (%d) called with confidence %.2f%@: review", label, i + 1, c.confidence, c.overlapping ? ", overlapping another" : "")))
                }
            }
        }
    }
}
