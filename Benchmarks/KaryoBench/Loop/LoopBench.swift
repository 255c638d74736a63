// karyo-bench loop: the active-learning loop's benchmark on a folder of 90x90 cells.
//
//   karyo-bench loop DIR [--flip 0.1] [--filter prune-by-noise-rate|confident-learning] [--folds 5] [--seed 1] [--width 8] [--epochs 12]
//                        [--threads 2] [--al-initial 40] [--al-step 40] [--al-rounds 5] [--al-min-steps 100] [--mc 1]
//                        [--measure entropy|margin|bald] [--skip-al] [--skip-cl]
//
// DIR holds cells.csv (columns file, patient, label, split; case optional) and the PNGs, as
// `karyo-bench t922-cells DIR` writes them. Prints, with patient-grouped splits:
// 1. t(9;22) validation accuracy, sensitivity, specificity (cells and cases, 95% patient-bootstrap CIs);
// 2. with a fraction of labels flipped on purpose, how many the label-error queue recovers in its top-k;
// 3. uncertainty sampling against the random arm: labels needed to reach the random arm's final accuracy.
import ArgumentParser
import Foundation
import KaryoCore
import KaryoLoop
import KaryoTestSupport

/// Prints a line and flushes it, so progress shows when the output goes to a file.
private func print(_ line: String) {
    Swift.print(line)
    fflush(nil)
}
private func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("karyo-bench loop: \(message)\n".utf8))
    exit(1)
}
private func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "n/a" }
private func ci(_ e: MetricEstimate?) -> String {
    guard let e else { return "n/a" }
    return pct(e.value) + (e.interval.map { " [\(pct($0.lower)), \(pct($0.upper))]" } ?? "")
}
private func elapsed(_ start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }

struct LoopBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "The active-learning loop's benchmark: accuracy, label-error recovery, uncertainty sampling vs random.",
        discussion: """
            On a folder of 90x90 cells with patient-grouped splits (cells.csv with the columns file, patient, \
            label, split, case optional, and the PNGs, as `karyo-bench t922-cells DIR` writes them), prints: \
            [1] t(9;22) validation accuracy, sensitivity and specificity (cells and cases, 95% patient-bootstrap \
            CIs); [2] with a fraction of labels flipped on purpose, how many the label-error queue recovers in \
            its top-k; [3] uncertainty sampling against the random arm: labels needed to reach the random \
            arm's final accuracy. tools/bench-loop makes the cell set and runs this.
            """)

    @Argument(help: "The cell set folder (cells.csv and PNGs).")
    var folder: String

    @Option(help: "Fraction of labels flipped on purpose for [2].")
    var flip: Double = 0.1

    @Option(help: "Confident-learning filter of [2]: prune-by-noise-rate or confident-learning.")
    var filter: String = "prune-by-noise-rate"

    @Option(help: "Folds of the patient-grouped cross-validation of [2].")
    var folds: Int = 5

    @Option(help: "Seed of initialisation, shuffling, flips and folds.")
    var seed: UInt64 = 1

    @Option(help: "Stem channels of the small ResNet.")
    var width: Int = 8

    @Option(help: "Training epochs.")
    var epochs: Int = 12

    @Option(help: "oneDNN threads.")
    var threads: Int = 2

    @Option(help: "Labels of the first active-learning round [3].")
    var alInitial: Int = 40

    @Option(help: "Labels added per active-learning round.")
    var alStep: Int = 40

    @Option(help: "Active-learning rounds.")
    var alRounds: Int = 5

    @Option(help: "Each active-learning round trains for at least this many steps.")
    var alMinSteps: Int = 100

    @Option(help: "MC-dropout passes of the uncertainty scores.")
    var mc: Int = 1

    @Option(help: "Uncertainty score of [3]: entropy, margin or bald.")
    var measure: String = "entropy"

    @Flag(help: "Skip [3], active learning.")
    var skipAl = false

    @Flag(help: "Skip [2], the label-error queue.")
    var skipCl = false

    func validate() throws {
        guard ConfidentLearning.Filter(rawValue: filter) != nil else {
            throw ValidationError("--filter must be " + ConfidentLearning.Filter.allCases.map(\.rawValue).joined(separator: " or "))
        }
        guard UncertaintyMeasure(rawValue: measure) != nil else { throw ValidationError("--measure must be entropy, margin or bald") }
        guard (0...1).contains(flip) else { throw ValidationError("--flip must be in [0, 1]") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard width >= 1, epochs >= 1, threads >= 1, mc >= 1 else {
            throw ValidationError("--width, --epochs, --threads and --mc must be at least 1")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: self.folder)
        let seed = self.seed
        var spec = ModelSpec()
        spec.width = width
        spec.epochs = epochs
        spec.threads = threads

        // Load the cells.
        let loadStart = Date()
        let samples: [LoopSample]
        do {
            samples = try T922CellSet.read(from: folder).map {
                LoopSample(id: $0.file, patient: $0.patient, caseID: $0.caseID, image: $0.image, positive: $0.positive,
                           split: $0.split == "train" ? .train : .validation)
            }
        } catch { fail("\(error)") }
        let train = samples.filter { $0.split == .train }
        let validation = samples.filter { $0.split == .validation }
        let patients = Set(samples.map(\.patient))
        let trainPatients = Set(train.map(\.patient)), validationPatients = Set(validation.map(\.patient))
        print("data: \(samples.count) cells of \(patients.count) patients (train \(train.count) cells / \(trainPatients.count) patients, "
            + "validation \(validation.count) / \(validationPatients.count)); patients in both splits: "
            + "\(trainPatients.intersection(validationPatients).count); loaded in \(elapsed(loadStart))")
        print("model: \(spec.architecture), \(spec.epochs) epochs, batch \(spec.batchSize), dropout \(spec.dropout), \(spec.threads) threads")

        // 1. Clean labels: train, evaluate on validation.
        var start = Date()
        let model = LoopModel(spec: spec, seed: seed)
        let curves = try model.train(train, validation: validation)
        let trainTime = elapsed(start)
        let p = try model.probabilities(validation.map(\.image))
        let evaluation = Evaluation(
            probabilities: p, labels: validation.map(\.positive), patients: validation.map(\.patient),
            caseIDs: validation.map(\.caseID), replicates: 1000, seed: seed)
        print("\n[1] t(9;22) on the validation split (trained in \(trainTime); last epoch train loss "
            + String(format: "%.4f", curves.last?.trainLoss ?? .nan) + ")")
        for (level, metrics, n) in [("cells", evaluation.cell, evaluation.cellCount), ("cases", evaluation.caseLevel, evaluation.caseCount)] {
            print("  \(level) (n = \(n)): accuracy \(ci(metrics["accuracy"])), sensitivity \(ci(metrics["sensitivity"])), "
                + "specificity \(ci(metrics["specificity"])), ROC-AUC \(ci(metrics["rocAUC"])), PR-AUC \(ci(metrics["prAUC"]))")
        }
        print("  ECE \(ci(evaluation.cell["ece"])) before, \(ci(evaluation.calibratedECE)) after temperature scaling (T = "
            + String(format: "%.3f", evaluation.temperature) + ")")
        let c = evaluation.cellConfusion
        print("  confusion (cells): TP \(c.truePositives) FN \(c.falseNegatives) FP \(c.falsePositives) TN \(c.trueNegatives)")
        let target1 = ["accuracy", "sensitivity", "specificity"].allSatisfy { (evaluation.cell[$0]?.value ?? 0) >= 0.99 }
        print("  target (cell accuracy, sensitivity, specificity each >= 99%): \(target1 ? "MET" : "NOT MET")")

        // 2. Label errors.
        if !skipCl {
            start = Date()
            let fraction = flip
            let folds = self.folds
            var generator = SeededGenerator(seed: seed &+ 1000)
            let flipCount = Int((Double(samples.count) * fraction).rounded())
            let flipped = Set(samples.indices.shuffled(using: &generator).prefix(flipCount))
            var noisy = samples
            for i in flipped { noisy[i].positive.toggle() }
            let (_, oof) = try CrossValidation.outOfFold(noisy, folds: folds, spec: spec, seed: seed)
            let filter = ConfidentLearning.Filter(rawValue: self.filter) ?? .pruneByNoiseRate
            let cl = ConfidentLearning(probabilities: oof, labels: noisy.map(\.positive), filter: filter)
            let queue = QueueBuilder.labelErrors(samples: noisy, outOfFold: oof, result: cl)
            let k = queue.count
            let found = queue.filter { flipped.contains($0.index) }.count
            let recall = Double(found) / Double(max(1, flipCount))
            let precision = Double(found) / Double(max(1, k))
            let atFlipCount = queue.prefix(flipCount).filter { flipped.contains($0.index) }.count
            let validationFlagged = queue.filter { $0.split == .validation }.count
            print("\n[2] label-error queue: \(flipCount) of \(samples.count) labels flipped (\(pct(fraction))), "
                + "\(folds)-fold patient-grouped cross-validation + confident learning, \(filter.rawValue) (\(elapsed(start)))")
            print("  thresholds: negative " + String(format: "%.3f", cl.thresholds[0]) + ", positive "
                + String(format: "%.3f", cl.thresholds[1]) + "; confident joint \(cl.confidentJoint); estimated errors \(cl.estimatedErrors)")
            print("  queue top-k, k = \(k) (every issue found; \(validationFlagged) of them validation items): "
                + "recovered \(found)/\(flipCount) = \(pct(recall)), precision \(pct(precision))")
            print("  at k = \(flipCount) (the number flipped): recovered \(atFlipCount) = \(pct(Double(atFlipCount) / Double(max(1, flipCount))))")
            print("  target (recall >= 90% at precision >= 80%): \(recall >= 0.9 && precision >= 0.8 ? "MET" : "NOT MET")")
            for other in ConfidentLearning.Filter.allCases where other != filter {
                let alt = ConfidentLearning(probabilities: oof, labels: noisy.map(\.positive), filter: other)
                let hits = alt.issues.filter { flipped.contains($0.index) }.count
                print("  (filter \(other.rawValue) on the same probabilities: k = \(alt.issues.count), recovered \(hits), "
                    + "precision \(pct(Double(hits) / Double(max(1, alt.issues.count)))))")
            }
        }

        // 3. Active learning vs random.
        if !skipAl {
            start = Date()
            var options = ActiveLearningOptions()
            options.initialLabels = alInitial
            options.labelsPerRound = alStep
            options.rounds = alRounds
            options.mcPasses = mc
            options.measure = UncertaintyMeasure(rawValue: measure) ?? .entropy
            options.spec = spec
            options.spec.minimumSteps = alMinSteps
            options.seed = seed
            let result = try ActiveLearningSimulation.run(pool: train, validation: validation, options: options)
            print("\n[3] uncertainty sampling (\(options.measure.rawValue)) vs random, pool \(train.count), validation "
                + "\(validation.count), each round a fresh model trained for max(\(spec.epochs) epochs, "
                + "\(options.spec.minimumSteps ?? 0) steps) (\(elapsed(start)))")
            for arm in [result.uncertainty, result.random] {
                print("  \(arm.arm):".padding(toLength: 16, withPad: " ", startingAt: 0)
                    + arm.points.map { "\($0.labels): \(pct($0.accuracy))" }.joined(separator: ", "))
            }
            let match = result.uncertaintyLabelsToMatch
            print("  random arm final: \(pct(result.randomFinalAccuracy)) with \(result.randomFinalLabels) labels; uncertainty "
                + "reached it with \(match.map(String.init) ?? "never") labels"
                + (result.labelRatio.map { " (" + String(format: "%.0f%%", $0 * 100) + " of the random arm's)" } ?? ""))
            let randomOwn = result.random.points.first { $0.accuracy >= result.randomFinalAccuracy }?.labels
            print("  (the random arm itself first reached that accuracy with \(randomOwn.map(String.init) ?? "?") labels)")
            print("  target (at most half the labels): \((result.labelRatio ?? 2) <= 0.5 ? "MET" : "NOT MET")")
        }
    }
}
