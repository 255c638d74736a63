// karyo-loop-bench: the active-learning loop's benchmark on a folder of 90x90 cells.
//
//   karyo-loop-bench DIR [--flip 0.1] [--filter prune-by-noise-rate|confident-learning] [--folds 5] [--seed 1] [--width 8] [--epochs 12]
//                        [--al-initial 40] [--al-step 40] [--al-rounds 5] [--al-min-steps 100] [--mc 1] [--skip-al] [--skip-cl]
//
// DIR holds cells.csv (columns file, patient, label, split; case optional) and the PNGs, as
// `karyo-bench t922-cells DIR` writes them. Prints, with patient-grouped splits:
// 1. t(9;22) validation accuracy, sensitivity, specificity (cells and cases, 95% patient-bootstrap CIs);
// 2. with a fraction of labels flipped on purpose, how many the label-error queue recovers in its top-k;
// 3. uncertainty sampling against the random arm: labels needed to reach the random arm's final accuracy.
import Foundation
import KaryoCore
import KaryoLoop
import KaryoTestSupport

func argument(_ name: String, default value: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return value
}
/// Prints a line and flushes it, so progress shows when the output goes to a file.
func print(_ line: String) {
    Swift.print(line)
    fflush(nil)
}
func flag(_ name: String) -> Bool { CommandLine.arguments.contains(name) }
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("karyo-loop-bench: \(message)\n".utf8))
    exit(1)
}
func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "n/a" }
func ci(_ e: MetricEstimate?) -> String {
    guard let e else { return "n/a" }
    return pct(e.value) + (e.interval.map { " [\(pct($0.lower)), \(pct($0.upper))]" } ?? "")
}
func elapsed(_ start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }

guard CommandLine.arguments.count >= 2, !CommandLine.arguments[1].hasPrefix("-") else {
    print("usage: karyo-loop-bench DIR [--flip 0.1] [--folds 5] [--seed 1] [--width 8] [--epochs 12] "
        + "[--al-initial 40] [--al-step 40] [--al-rounds 5] [--al-min-steps 100] [--mc 1] [--skip-al] [--skip-cl]")
    exit(CommandLine.arguments.count >= 2 ? 0 : 64)
}
let folder = URL(fileURLWithPath: CommandLine.arguments[1])
let seed = UInt64(argument("--seed", default: "1")) ?? 1
var spec = ModelSpec()
spec.width = Int(argument("--width", default: "8")) ?? 8
spec.epochs = Int(argument("--epochs", default: "12")) ?? 12
spec.threads = Int(argument("--threads", default: "2")) ?? 2

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
if !flag("--skip-cl") {
    start = Date()
    let fraction = Double(argument("--flip", default: "0.1")) ?? 0.1
    let folds = Int(argument("--folds", default: "5")) ?? 5
    var generator = SeededGenerator(seed: seed &+ 1000)
    let flipCount = Int((Double(samples.count) * fraction).rounded())
    let flipped = Set(samples.indices.shuffled(using: &generator).prefix(flipCount))
    var noisy = samples
    for i in flipped { noisy[i].positive.toggle() }
    let (_, oof) = try CrossValidation.outOfFold(noisy, folds: folds, spec: spec, seed: seed)
    let filter = ConfidentLearning.Filter(rawValue: argument("--filter", default: "prune-by-noise-rate")) ?? .pruneByNoiseRate
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
if !flag("--skip-al") {
    start = Date()
    var options = ActiveLearningOptions()
    options.initialLabels = Int(argument("--al-initial", default: "40")) ?? 40
    options.labelsPerRound = Int(argument("--al-step", default: "40")) ?? 40
    options.rounds = Int(argument("--al-rounds", default: "5")) ?? 5
    options.mcPasses = Int(argument("--mc", default: "1")) ?? 1
    options.measure = UncertaintyMeasure(rawValue: argument("--measure", default: "entropy")) ?? .entropy
    options.spec = spec
    options.spec.minimumSteps = Int(argument("--al-min-steps", default: "100")) ?? 100
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
