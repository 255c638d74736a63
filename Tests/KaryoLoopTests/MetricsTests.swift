import Foundation
import Testing

@testable import KaryoLoop

@Suite("Metrics against hand-computed values")
struct MetricsTests {
    // Positives score 0.95, 0.85, 0.35; negatives 0.65, 0.25, 0.05.
    let p = [0.95, 0.85, 0.65, 0.35, 0.25, 0.05]
    let y = [true, true, false, true, false, false]

    @Test func confusionAccuracySensitivitySpecificity() {
        let m = BinaryMetrics(probabilities: p, labels: y)
        #expect(m.confusion == ConfusionMatrix(truePositives: 2, falsePositives: 1, trueNegatives: 2, falseNegatives: 1))
        #expect(m.accuracy == 4.0 / 6)
        #expect(m.sensitivity == 2.0 / 3)
        #expect(m.specificity == 2.0 / 3)
    }

    @Test func rocAUCCountsPairs() {
        // Pairs (positive above negative): 3 + 3 + 2 of 9.
        #expect(abs(Metrics.rocAUC(scores: p, labels: y)! - 8.0 / 9) < 1e-12)
        #expect(Metrics.rocAUC(scores: [0.5, 0.5], labels: [true, false]) == 0.5)
        #expect(Metrics.rocAUC(scores: [0.1, 0.2], labels: [true, true]) == nil)
    }

    @Test func averagePrecisionAsScikitLearn() {
        // Ranks: +, +, -, +: 1/3*1 + 1/3*1 + 1/3*3/4.
        #expect(abs(Metrics.averagePrecision(scores: p, labels: y)! - 11.0 / 12) < 1e-12)
        #expect(Metrics.averagePrecision(scores: [0.3], labels: [false]) == nil)
    }

    @Test func expectedCalibrationError() {
        // Confidences 0.95 ok, 0.85 ok, 0.65 wrong, 0.65 wrong, 0.75 ok, 0.95 ok:
        // (2*0.05 + 0.15 + 2*0.65 + 0.25) / 6 = 0.3.
        #expect(abs(Metrics.expectedCalibrationError(probabilities: p, labels: y) - 0.3) < 1e-9)
        let bins = Metrics.reliability(probabilities: p, labels: y)
        #expect(bins.map(\.count) == [2, 1, 1, 2])
    }

    @Test func rocCurveEndsAtCorners() {
        let curve = Metrics.rocCurve(scores: p, labels: y)
        #expect(curve.first == ROCPoint(falsePositiveRate: 0, truePositiveRate: 0))
        #expect(curve.last == ROCPoint(falsePositiveRate: 1, truePositiveRate: 1))
        #expect(curve.count == 7)
    }

    @Test func temperatureScalingRecoversKnownTemperature() {
        // Logit 4 for everyone, 8 of 10 right: the best calibrated probability is 0.8, so
        // 4 / T = log(4), T = 4 / log(4) = 2.885.
        let p = [Double](repeating: 1 / (1 + exp(-4)), count: 10)
        let y = [true, true, true, true, true, true, true, true, false, false]
        let t = TemperatureScaling.fit(probabilities: p, labels: y)
        #expect(abs(t.temperature - 4 / log(4)) < 1e-3)
        #expect(abs(t.apply(p[0]) - 0.8) < 1e-4)
        #expect(Metrics.expectedCalibrationError(probabilities: t.apply(p), labels: y) < 1e-3)
    }

    @Test func caseIsPositiveWithTwoPositiveCells() {
        let cases = CaseAggregation.cases(
            caseIDs: ["a", "a", "a", "b", "b", "c"], patients: ["p1", "p1", "p1", "p2", "p2", "p3"],
            probabilities: [0.9, 0.2, 0.1, 0.7, 0.6, 0.8], labels: [true, false, false, true, true, true])
        #expect(cases.map(\.caseID) == ["a", "b", "c"])
        #expect(cases.map(\.positive) == [false, true, true])  // a: 1 of 3; b: 2 of 2; c: its single cell
        #expect(cases.map(\.predictedPositive) == [false, true, true])
        #expect(abs(cases[1].probability - 0.42) < 1e-12)  // 0.7 * 0.6
        #expect(abs(CaseAggregation.atLeast(2, of: [0.5, 0.5, 0.5]) - 0.5) < 1e-12)
        #expect(abs(CaseAggregation.atLeast(1, of: [0.5, 0.5]) - 0.75) < 1e-12)
    }

    @Test func percentilesInterpolateLikeNumpy() {
        #expect(PatientBootstrap.percentile([1, 2, 3, 4, 5], 0.5) == 3)
        #expect(abs(PatientBootstrap.percentile([1, 2, 3, 4, 5], 0.025) - 1.1) < 1e-12)
        #expect(abs(PatientBootstrap.percentile([1, 2, 3, 4, 5], 0.975) - 4.9) < 1e-12)
    }

    @Test func bootstrapResamplesWholePatients() {
        // Patient A's two cells are both right, patient B's both wrong: every replicate's accuracy
        // is 0, 0.5 or 1 (never 0.25 or 0.75, which resampling single cells would give).
        var seen = Set<Double>()
        let intervals = PatientBootstrap.intervals(patients: ["A", "A", "B", "B"], replicates: 200, seed: 3) { idx in
            let correct = idx.filter { $0 < 2 }.count
            let accuracy = Double(correct) / Double(idx.count)
            seen.insert(accuracy)
            return ["accuracy": accuracy]
        }
        #expect(seen.isSubset(of: [0, 0.5, 1]))
        #expect(intervals["accuracy"]!.lower == 0)
        #expect(intervals["accuracy"]!.upper == 1)
        #expect(intervals["accuracy"]!.replicates == 200)
    }

    @Test func evaluationHasIntervalsAroundTheValue() {
        var probabilities: [Double] = [], labels: [Bool] = [], patients: [String] = [], cases: [String] = []
        for patient in 0..<30 {
            for cell in 0..<3 {
                let positive = patient % 2 == 0
                labels.append(positive)
                probabilities.append(positive ? (cell == 0 && patient % 6 == 0 ? 0.4 : 0.9) : 0.2)
                patients.append("p\(patient)")
                cases.append("c\(patient)")
            }
        }
        let e = Evaluation(probabilities: probabilities, labels: labels, patients: patients, caseIDs: cases, replicates: 300)
        let accuracy = e.cell["accuracy"]!
        #expect(accuracy.value == 85.0 / 90)
        #expect(accuracy.interval!.lower <= accuracy.value! && accuracy.value! <= accuracy.interval!.upper)
        #expect(accuracy.interval!.lower < accuracy.interval!.upper)
        #expect(e.caseLevel["accuracy"]!.value == 1)  // every positive case keeps 2 positive cells
        #expect(e.caseCount == 30)
        #expect(e.cellConfusion.falseNegatives == 5)
    }
}
