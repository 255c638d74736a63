import Foundation
import KaryoCore
@testable import KaryoMetaphase
import Testing

@Suite struct AnalyzerTests {
    let classifier = ChromosomeClassifier(configuration: ClassifierConfiguration(canvasSize: 32, width: 4), seed: 5)

    @Test func blankPageIsNotAMetaphase() throws {
        let a = try MetaphaseAnalyzer(classifier: classifier).analyze(GrayImage(width: 320, height: 240, fill: 250))
        #expect(!a.looksLikeMetaphase)
        #expect(a.objects.isEmpty)
        #expect(a.needsReview)
    }

    @Test func everyObjectGetsProbabilitiesAClassAndAtMostTwoPicks() throws {
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        let a = try MetaphaseAnalyzer(classifier: classifier, reviewThreshold: 0.6).analyze(spread.render())
        #expect(a.looksLikeMetaphase)
        #expect(a.objects.count == 12)
        for o in a.objects {
            #expect(o.probabilities.count == 24)
            #expect(abs(o.probabilities.reduce(0, +) - 1) < 1e-3)
            #expect(o.confidence == o.probabilities[o.assigned.index])
            #expect(o.needsReview == (o.confidence < 0.6))
        }
        for c in ChromosomeClass.all { #expect(a.objects.filter { $0.assigned == c }.count <= 2) }
        #expect(a.pick(.chr9).count <= 2)
        // An untrained model is unsure: the picks go to review.
        #expect(a.needsReview)
    }
}
