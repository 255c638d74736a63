// KaryoMetaphase: segmentation of metaphase spreads and the 24-class chromosome classifier.
//
// Public API (stable; KaryoExtract codes against it):
//
//     // Segmentation only (no model needed):
//     let seg = MetaphaseSegmenter().segment(image)          // image: KaryoImage.GrayImage
//     seg.polarity                    // .darkOnLight (G-band) or .brightOnDark (Q-band, DAPI; inverted internally)
//     seg.objects                     // [SegmentedObject]: id, box (PixelBox), mask (ObjectMask, box-relative),
//                                     //   area, length (pixels along the long axis), angleDegrees,
//                                     //   isOverlap (kept whole, never split), wasSplit (cut from a touching cluster)
//     seg.rejected                    // [RejectedObject]: box + reason (.nucleus, .debris, .tooLarge)
//     seg.normalized                  // the dark-on-light image the objects were measured on
//
//     // Classification of one cell's chromosomes (24 classes: 1-22, X, Y):
//     let classifier = try ChromosomeClassifier.load()      // cached pki3 weights if present, else the shipped ones
//     let probs = try classifier.classify(seg)               // [[Float]] 24 probabilities per object, same order
//                                     //   (adaptation: .metaphase by default: wide cells drawn thinner, bent
//                                     //   chromosomes straightened along their centre line, CentreLine)
//
//     // Everything at once:
//     let analysis = try MetaphaseAnalyzer(classifier: classifier).analyze(image)
//     analysis.objects                // [AnalyzedObject]: object (box, mask, overlap flag), probabilities,
//                                     //   assigned (ChromosomeClass, after the 2-per-class assignment),
//                                     //   confidence, needsReview
//     analysis.pick(.chr9), analysis.pick(.chr22)           // up to two objects each, best first
//     analysis.needsReview, analysis.reviewReasons
//     analysis.looksLikeMetaphase     // false for a blank page or a photo (too few chromosome-like objects)
//
// `ChromosomeClass` indexes the 24 classes (index 0 = chromosome 1, 8 = 9, 21 = 22, 22 = X, 23 = Y).
//
// Training and evaluation (used by karyo classifier train, karyo-bench metaphase and the tests):
//     ChromosomeDataset.pki3 / .bioimlabQBand / .bioimlabKaryograms / .adir   -> [LabeledChromosome]
//     ChromosomeDataset.isHeldOut(patient:fraction:)                          patient-grouped split
//     ClassifierTraining.train(_:options:) / .evaluate(_:on:)                 accuracy, after 2-per-class assignment
//     MetaphaseTruth.fromLabelMap / .score, PairedTruth.derive(metaphase:karyogram:)   metaphase truth
//
// Weights: `ChromosomeClassifier.load()` takes `$KARYO_CLASSIFIER_WEIGHTS` or
// ~/.cache/karyo/chromosome-classifier-pki3.safetensors (trained on pki3-gband etc., never shipped),
// else Resources/chromosome-classifier.safetensors (CC BY BioImLab karyogram crops only).
import Foundation
import KaryoCore

/// One segmented object with its class probabilities and the class it was assigned.
public struct AnalyzedObject: Sendable {
    /// The segmented object (box, mask, overlap flag).
    public var object: SegmentedObject
    /// 24 class probabilities from the classifier (index = `ChromosomeClass.index`).
    public var probabilities: [Float]
    /// The class after the cell-level assignment (at most two of each autosome).
    public var assigned: ChromosomeClass
    /// Probability of the assigned class, lowered for overlaps.
    public var confidence: Float
    /// Low confidence or an overlap: a person should look.
    public var needsReview: Bool
}

/// The result of analysing one metaphase image.
public struct MetaphaseAnalysis: Sendable {
    public var segmentation: MetaphaseSegmentation
    /// Every accepted object, in segmentation order.
    public var objects: [AnalyzedObject]
    /// True when the image holds enough chromosome-like objects to be a metaphase.
    public var looksLikeMetaphase: Bool
    /// Why the cell (or some of its objects) needs review; empty when nothing does.
    public var reviewReasons: [String]
    /// True when any picked 9 or 22 needs review, one is missing, or the cell is not a metaphase.
    public var needsReview: Bool { !reviewReasons.isEmpty }

    /// Up to two objects assigned to `chromosome`, most confident first.
    public func pick(_ chromosome: ChromosomeClass) -> [AnalyzedObject] {
        objects.filter { $0.assigned == chromosome }.sorted { $0.confidence > $1.confidence }.prefix(2).map { $0 }
    }
}

/// Segments a metaphase, classifies every object and picks the two 9s and the two 22s.
///
/// Classes are assigned for the whole cell at once: each object gets a class so that no autosome
/// is used more than twice (and X plus Y at most twice together), maximising the summed log
/// probability greedily; an object whose assigned class has a probability below
/// `reviewThreshold`, or that is an overlap, is flagged for review.
public struct MetaphaseAnalyzer: Sendable {
    public let classifier: ChromosomeClassifier
    public let segmenter: MetaphaseSegmenter
    /// Confidence below which an object goes to review.
    public var reviewThreshold: Float
    /// How objects are adapted to the classifier's training crops (`.metaphase` unless set).
    public var adaptation: CellAdaptation = .metaphase

    public init(classifier: ChromosomeClassifier, segmenter: MetaphaseSegmenter = MetaphaseSegmenter(),
                reviewThreshold: Float = 0.6) {
        self.classifier = classifier; self.segmenter = segmenter; self.reviewThreshold = reviewThreshold
    }

    /// Segments and classifies `image`.
    /// - Throws: `ChromosomeClassifierError` if the model cannot run.
    public func analyze(_ image: GrayImage) throws -> MetaphaseAnalysis {
        let seg = segmenter.segment(image)
        return try analyze(seg)
    }

    /// Classifies the objects of an existing segmentation.
    public func analyze(_ seg: MetaphaseSegmentation) throws -> MetaphaseAnalysis {
        let looks = seg.objects.count >= 10
        guard !seg.objects.isEmpty else {
            return MetaphaseAnalysis(segmentation: seg, objects: [], looksLikeMetaphase: false,
                                     reviewReasons: ["no chromosome-like objects found"])
        }
        let probs = try classifier.classify(seg, adaptation: adaptation)
        let assignment = CellAssignment.assign(probabilities: probs)
        var objects: [AnalyzedObject] = []
        for (i, o) in seg.objects.enumerated() {
            let cls = ChromosomeClass(index: assignment[i])
            var conf = probs[i][cls.index]
            if o.isOverlap { conf *= 0.5 }
            objects.append(AnalyzedObject(object: o, probabilities: probs[i], assigned: cls, confidence: conf,
                                          needsReview: conf < reviewThreshold || o.isOverlap))
        }
        var analysis = MetaphaseAnalysis(segmentation: seg, objects: objects, looksLikeMetaphase: looks, reviewReasons: [])
        if !looks { analysis.reviewReasons.append("only \(seg.objects.count) chromosome-like objects: not a metaphase?") }
        for c in [ChromosomeClass.chr9, .chr22] {
            let picked = analysis.pick(c)
            if picked.count < 2 { analysis.reviewReasons.append("found \(picked.count) of 2 chromosome \(c.name)") }
            for p in picked where p.needsReview {
                analysis.reviewReasons.append(
                    "chromosome \(c.name) object \(p.object.id): confidence \(String(format: "%.2f", p.confidence))"
                        + (p.object.isOverlap ? " (overlap)" : ""))
            }
        }
        return analysis
    }
}
