import Foundation
import KaryoCore
@testable import KaryoLoop
import Testing


@Suite("Grouped K-fold, uncertainty, confident learning, queues")
struct FoldsAndQueuesTests {
    @Test(arguments: [2, 3, 5])
    func noPatientInTwoFolds(folds: Int) throws {
        var patients: [String] = [], labels: [Bool] = []
        for p in 0..<23 {
            for _ in 0..<(1 + p % 4) {
                patients.append("p\(p)")
                labels.append(p % 3 == 0)
            }
        }
        let assignment = try GroupedKFold.assign(patients: patients, positive: labels, folds: folds, seed: 9)
        var foldOf: [String: Set<Int>] = [:]
        for (p, f) in zip(patients, assignment) { foldOf[p, default: []].insert(f) }
        #expect(foldOf.values.allSatisfy { $0.count == 1 })
        #expect(Set(assignment) == Set(0..<folds))
        // Each fold has positive patients (8 positive patients, at most 5 folds).
        for f in 0..<folds {
            #expect(zip(assignment, labels).contains { $0 == f && $1 })
        }
        // Same seed, same folds.
        #expect(try GroupedKFold.assign(patients: patients, positive: labels, folds: folds, seed: 9) == assignment)
    }

    @Test func foldsNeedEnoughPatients() {
        #expect(throws: LoopError.self) {
            try GroupedKFold.assign(patients: ["a", "a", "b"], positive: [true, true, false], folds: 3, seed: 1)
        }
        #expect(throws: LoopError.self) {
            try GroupedKFold.assign(patients: ["a", "b"], positive: [true, false], folds: 1, seed: 1)
        }
    }

    @Test func uncertaintyScores() {
        let flat = UncertaintyScores(passes: [0.5, 0.5])
        #expect(flat.entropy == 1 && flat.margin == 1 && flat.bald == 0)
        let disagreeing = UncertaintyScores(passes: [0, 1])
        #expect(disagreeing.entropy == 1 && disagreeing.bald == 1)
        let sure = UncertaintyScores(passes: [0.9])
        #expect(abs(sure.entropy - 0.4689955935892812) < 1e-12)
        #expect(abs(sure.margin - 0.2) < 1e-12)
        #expect(sure.bald == 0)
        let many = UncertaintyScores.scores(passes: [[0.9, 0.5], [0.7, 0.5]])
        #expect(abs(many[0].probability - 0.8) < 1e-12)
        #expect(many[0].bald > 0 && many[1].bald == 0)
    }

    @Test func confidentLearningByHand() {
        // t_positive = (0.9 + 0.8 + 0.1) / 3 = 0.6; t_negative = (0.8 + 0.85 + 0.05) / 3 = 0.5667.
        let p = [0.9, 0.8, 0.1, 0.2, 0.15, 0.95]
        let y = [true, true, true, false, false, false]
        let cl = ConfidentLearning(probabilities: p, labels: y)
        #expect(abs(cl.thresholds[1] - 0.6) < 1e-12)
        #expect(abs(cl.thresholds[0] - 1.7 / 3) < 1e-12)
        #expect(cl.confidentJoint == [[2, 1], [1, 2]])
        #expect(cl.issues.map(\.index) == [5, 2])
        #expect(abs(cl.issues[0].score - 0.95) < 1e-12)
    }

    @Test func pruneByNoiseRateTakesTheEstimatedNumberOfErrors() {
        // Negatives (indices 0-5), positives (6-11). t_negative = 3.52 / 6, t_positive = 5.86 / 6.
        // Counted: negatives [0 -> 0, 1 -> 0, 2 -> 1, 5 -> 0], 3 and 4 pass no threshold; positives
        // all but 11 -> 1. Calibrated row of the negatives: [3, 1] * 6 / 4 = [4.5, 1.5] -> [5, 2],
        // so 2 errors: 2 (margin 0.98), then 3 (0.4, tied with 4, lower index first).
        let p = [0.02, 0.03, 0.99, 0.7, 0.7, 0.04, 0.98, 0.98, 0.98, 0.98, 0.98, 0.96]
        let y = [false, false, false, false, false, false, true, true, true, true, true, true]
        let pruned = ConfidentLearning(probabilities: p, labels: y)
        #expect(pruned.confidentJoint == [[3, 1], [0, 5]])
        #expect(pruned.estimatedErrors == [[5, 2], [0, 6]])
        #expect(pruned.issues.map(\.index) == [2, 3])
        let offDiagonal = ConfidentLearning(probabilities: p, labels: y, filter: .confidentLearning)
        #expect(offDiagonal.issues.map(\.index) == [2])
    }

    func sample(_ i: Int, positive: Bool, split: LoopSplit) -> LoopSample {
        LoopSample(
            id: "s\(i)", patient: "p\(i)", caseID: "c\(i)", image: GrayImage(width: 2, height: 2, fill: 0),
            positive: positive, split: split)
    }

    @Test func labelErrorQueueKeepsValidationItems() {
        let samples = [
            sample(0, positive: true, split: .train), sample(1, positive: true, split: .train),
            sample(2, positive: true, split: .validation), sample(3, positive: false, split: .train),
            sample(4, positive: false, split: .train), sample(5, positive: false, split: .validation),
        ]
        let p = [0.9, 0.8, 0.1, 0.2, 0.15, 0.95]
        let cl = ConfidentLearning(probabilities: p, labels: samples.map(\.positive))
        let queue = QueueBuilder.labelErrors(samples: samples, outOfFold: p, result: cl)
        #expect(queue.map(\.sampleID) == ["s5", "s2"])
        #expect(queue.map(\.rank) == [1, 2])
        #expect(queue.allSatisfy { $0.split == .validation && $0.queue == "label-error" })
        #expect(queue[0].reason.contains("labelled negative"))
        #expect(queue[0].probability == 0.95)
    }

    @Test func uncertaintyQueueRanksByTheMeasure() {
        let samples = (0..<4).map { sample($0, positive: $0 % 2 == 0, split: $0 == 3 ? .validation : .train) }
        let scores = UncertaintyScores.scores(passes: [[0.99, 0.6, 0.02, 0.5], [0.97, 0.2, 0.04, 0.5]])
        let byEntropy = QueueBuilder.uncertainty(samples: samples, scores: scores, measure: .entropy, limit: 3)
        #expect(byEntropy.map(\.sampleID) == ["s3", "s1", "s2"])
        let byBALD = QueueBuilder.uncertainty(samples: samples, scores: scores, measure: .bald, limit: 1)
        #expect(byBALD.map(\.sampleID) == ["s1"])
        #expect(byEntropy[0].split == .validation)
        #expect(byEntropy[0].reason.hasPrefix("entropy 1.000"))
    }
}
