import Foundation
import KaryoCore
import KaryoExtract
import KaryoMetaphase

/// Metaphase chromosomes from KaryoMetaphase's segmenter and 24-class classifier, for
/// ``ChromosomeExtractor``'s metaphase branch.
public struct ClassifierMetaphaseFinder: MetaphaseChromosomeFinder {
    let analyzer: MetaphaseAnalyzer

    public init(analyzer: MetaphaseAnalyzer) {
        self.analyzer = analyzer
    }

    /// The finder with the classifier's weights, or nil when no weights can be loaded.
    public static func loadIfAvailable() -> ClassifierMetaphaseFinder? {
        guard let classifier = try? ChromosomeClassifier.load() else { return nil }
        return ClassifierMetaphaseFinder(analyzer: MetaphaseAnalyzer(classifier: classifier))
    }

    public func chromosomes(in image: GrayImage) throws -> [MetaphaseCandidate] {
        let analysis = try analyzer.analyze(image)
        return analysis.objects.map { o in
            let b = o.object.box
            return MetaphaseCandidate(
                label: o.assigned.name, confidence: Double(o.confidence),
                box: PixelBox(x: b.x, y: b.y, width: b.width, height: b.height),
                mask: o.object.mask.bits, overlapping: o.object.isOverlap)
        }
    }
}
