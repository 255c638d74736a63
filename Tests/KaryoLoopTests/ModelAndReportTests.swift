import Foundation
import KaryoCodecs
import KaryoCore
@testable import KaryoLoop
import Testing


/// Easy synthetic 90x90 cells: positives carry a dark bar, negatives do not.
func syntheticSamples(count: Int, seed: UInt64, split: LoopSplit, cellsPerPatient: Int = 2) -> [LoopSample] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { i in
        let patient = i / cellsPerPatient
        let positive = patient % 2 == 0
        var pixels = (0..<(90 * 90)).map { _ in UInt8(180 + Int(g.next() % 40)) }
        let x0 = 30 + Int(g.next() % 8), y0 = 20 + Int(g.next() % 8)
        if positive {
            for y in y0..<(y0 + 40) { for x in x0..<(x0 + 12) { pixels[y * 90 + x] = 30 } }
        }
        return LoopSample(
            id: "\(split.rawValue)-\(i)", patient: "\(split.rawValue)-p\(patient)", caseID: "\(split.rawValue)-c\(patient)",
            image: GrayImage(width: 90, height: 90, pixels: pixels), positive: positive, split: split)
    }
}

let tinySpec = ModelSpec(width: 4, dropout: 0.2, epochs: 4, batchSize: 16, learningRate: 0.05, augment: false, threads: 2)

@Suite("Model and report")
struct ModelAndReportTests {
    @Test func tinyModelLearnsAndRoundTrips() throws {
        let train = syntheticSamples(count: 64, seed: 1, split: .train)
        let validation = syntheticSamples(count: 24, seed: 2, split: .validation)
        let model = LoopModel(spec: tinySpec, seed: 5)
        let curves = try model.train(train, validation: validation)
        #expect(curves.count == tinySpec.epochs)
        #expect(curves.last!.validationAccuracy != nil)
        let p = try model.probabilities(validation.map(\.image))
        let m = BinaryMetrics(probabilities: p, labels: validation.map(\.positive))
        #expect(m.accuracy! >= 0.9)
        // The checkpoint reproduces the probabilities.
        let restored = try LoopModel(spec: tinySpec, checkpoint: model.checkpoint())
        let q = try restored.probabilities(validation.map(\.image))
        #expect(zip(p, q).allSatisfy { abs($0 - $1) < 1e-5 })
        // MC dropout gives differing passes.
        let passes = try model.mcDropoutPasses(validation.map(\.image), count: 3, seed: 1)
        #expect(passes.count == 3 && passes[0].count == validation.count)
        #expect(passes[0] != passes[1])
        #expect(throws: LoopError.self) { try LoopModel(spec: ModelSpec(width: 8), checkpoint: model.checkpoint()) }
    }

    @Test func minimumStepsLengthenTrainingOfSmallSets() throws {
        var spec = tinySpec
        spec.epochs = 2
        spec.minimumSteps = 5
        // 8 images, batch 16: one step per epoch, so 5 epochs.
        let curves = try LoopModel(spec: spec, seed: 1).train(syntheticSamples(count: 8, seed: 4, split: .train))
        #expect(curves.count == 5)
        spec.minimumSteps = nil
        #expect(try LoopModel(spec: spec, seed: 1).train(syntheticSamples(count: 8, seed: 4, split: .train)).count == 2)
    }

    @Test func wrongImageSizeIsAClearError() {
        let model = LoopModel(spec: tinySpec, seed: 1)
        let bad = LoopSample(
            id: "x", patient: "p", caseID: "c", image: GrayImage(width: 40, height: 40, fill: 0), positive: true, split: .train)
        #expect(throws: LoopError("the model takes 90x90 images, got 40x40")) { try model.train([bad]) }
    }

    func sampleReport() -> LoopReport {
        let p = [0.95, 0.85, 0.65, 0.35, 0.25, 0.05]
        let y = [true, true, false, true, false, false]
        let evaluation = Evaluation(
            probabilities: p, labels: y, patients: ["a", "a", "b", "b", "c", "c"], caseIDs: ["a", "a", "b", "b", "c", "c"],
            replicates: 50)
        let estimate = MetricEstimate(value: 0.75, interval: ConfidenceInterval(lower: 0.5, upper: 0.9, replicates: 50))
        let png = try! ImageCodec.encodePNG(GrayImage(width: 90, height: 90, fill: 128))
        return LoopReport(
            title: "Karyo loop report <test>", generatedAt: Date(timeIntervalSince1970: 0), codeVersion: "0.1.0",
            versions: [
                .init(
                    version: "v-aaaaaaaaaaaaaaaaaaaa", createdAt: Date(), run: 1, accuracy: estimate, sensitivity: estimate,
                    specificity: estimate, trainCount: 10, validationCount: 6),
                .init(
                    version: "v-bbbbbbbbbbbbbbbbbbbb", createdAt: Date(), run: 2, accuracy: estimate, sensitivity: estimate,
                    specificity: estimate, trainCount: 12, validationCount: 6),
            ],
            latestRun: .init(
                run: 2, version: "v-bbbbbbbbbbbbbbbbbbbb", seed: 1, modelConfig: #"{"width":4}"#, codeVersion: "0.1.0",
                weightsBlob: String(repeating: "a", count: 64),
                curves: [
                    EpochCurve(epoch: 1, trainLoss: 0.7, trainAccuracy: 0.5, validationLoss: 0.6, validationAccuracy: 0.6, learningRate: 0.1),
                    EpochCurve(epoch: 2, trainLoss: 0.3, trainAccuracy: 0.9, validationLoss: 0.4, validationAccuracy: 0.8, learningRate: 0.05),
                ],
                evaluation: evaluation, skipped: ["without a normalize-t922 image": 3]),
            flagRun: 4,
            flagged: [
                .init(
                    queue: "label-error", rank: 1, sample: "s-123", score: 0.97, reason: "labelled negative but p 0.97",
                    probability: 0.97, label: "negative", split: "validation", decision: nil, png: png)
            ],
            queueTotals: ["label-error": 1, "uncertainty": 0],
            activeLearning: ActiveLearningComparison(
                uncertainty: ArmResult(arm: "uncertainty", points: [.init(labels: 10, accuracy: 0.8), .init(labels: 20, accuracy: 0.95)]),
                random: ArmResult(arm: "random", points: [.init(labels: 10, accuracy: 0.8), .init(labels: 40, accuracy: 0.9)]),
                randomFinalAccuracy: 0.9, randomFinalLabels: 40, uncertaintyLabelsToMatch: 20),
            notes: [])
    }

    @Test func reportIsOneSelfContainedFile() throws {
        let html = HTMLReport.render(sampleReport())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Karyo loop report &lt;test&gt;"))
        // Plots: per version, training curves, ROC, calibration, active learning.
        for title in [
            "Validation metrics per version", "Accuracy per epoch", "Loss per epoch", "ROC (validation cells)",
            "Calibration (validation cells)", "Uncertainty sampling vs random sampling",
        ] {
            #expect(html.contains(">\(title)</text>"), "missing plot \(title)")
        }
        #expect(html.components(separatedBy: "<svg ").count - 1 == 6)
        #expect(html.contains("v-bbbbbbbbbbbbbbbbbbbb"))
        // Confusion matrix of the cells: TP 2, FN 1 / FP 1, TN 2.
        #expect(html.contains("<tr><th>labelled positive</th><td>2</td><td>1</td></tr>"))
        #expect(html.contains("<tr><th>labelled negative</th><td>1</td><td>2</td></tr>"))
        #expect(html.contains("ECE after temperature scaling"))
        #expect(html.contains("3 without a normalize-t922 image"))
        // The flagged sample's image is inlined.
        #expect(html.contains("src=\"data:image/png;base64,iVBORw0KGgo"))
        #expect(html.contains("s-123") && html.contains("pending"))
        #expect(html.contains("uncertainty sampling reached it with 20 labels (50% of them)"))
        // Nothing external: no scripts, links or remote sources.
        #expect(!html.contains("<script") && !html.contains("href=") && !html.contains("src=\"http"))
        #expect(!html.contains("<link"))
    }

    @Test func reportJSONRoundTrips() throws {
        let report = sampleReport()
        let data = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(LoopReport.self, from: data)
        #expect(back.flagged == report.flagged)
        #expect(back.activeLearning?.labelRatio == 0.5)
    }
}
