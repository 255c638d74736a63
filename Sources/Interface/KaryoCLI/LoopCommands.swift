import ArgumentParser
import Foundation
import Karyo
import KaryoLoop
import KaryoStore

/// Model and seed options shared by train, flag and loop.
struct ModelOptions: ParsableArguments {
    @Option(help: "Seed of initialisation, shuffling, augmentation, dropout and folds.")
    var seed: UInt64 = 1

    @Option(help: "Training epochs.")
    var epochs: Int = 12

    @Option(help: "Stem channels of the small ResNet (basic blocks 1-1-1-1).")
    var width: Int = 8

    @Option(help: "Dropout before the classifier (MC dropout needs > 0).")
    var dropout: Double = 0.25

    @Option(name: .customLong("batch-size"), help: "Mini-batch size.")
    var batchSize: Int = 32

    @Option(name: .customLong("learning-rate"), help: "Base learning rate (SGD, momentum 0.9, cosine decay).")
    var learningRate: Double = 0.05

    @Flag(name: .customLong("no-augment"), help: "Train without random rotation, shift, contrast and brightness.")
    var noAugment = false

    @Option(help: "oneDNN threads.")
    var threads: Int = 2

    @Option(help: "Who runs it (default: $KARYO_AUTHOR or $USER).")
    var author: String?

    var spec: ModelSpec {
        ModelSpec(
            width: width, dropout: dropout, epochs: epochs, batchSize: batchSize, learningRate: learningRate,
            augment: !noAugment, threads: threads)
    }

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard width >= 1 else { throw ValidationError("--width must be at least 1") }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1)") }
        guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }
}

/// Options of the two queues.
struct FlagQueueOptions: ParsableArguments {
    @Option(help: "Folds of the patient-grouped cross-validation (label-error queue).")
    var folds: Int = 5

    @Option(name: .customLong("mc-passes"), help: "MC-dropout passes (uncertainty queue).")
    var mcPasses: Int = 10

    @Option(help: "Score of the uncertainty queue: entropy, margin or bald.")
    var measure: String = "bald"

    @Option(name: .customLong("uncertainty-limit"), help: "Length of the uncertainty queue.")
    var uncertaintyLimit: Int = 100

    var flagOptions: FlagOptions {
        var o = FlagOptions()
        o.folds = folds
        o.mcPasses = mcPasses
        o.measure = UncertaintyMeasure(rawValue: measure) ?? .bald
        o.uncertaintyLimit = uncertaintyLimit
        return o
    }

    func validate() throws {
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard mcPasses >= 1 else { throw ValidationError("--mc-passes must be at least 1") }
        guard UncertaintyMeasure(rawValue: measure) != nil else {
            throw ValidationError("unknown --measure '\(measure)': use entropy, margin or bald")
        }
        guard uncertaintyLimit >= 0 else { throw ValidationError("--uncertainty-limit must not be negative") }
    }
}

func loopPercent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "n/a" }

func loopDescribe(_ e: MetricEstimate?) -> String {
    guard let e else { return "n/a" }
    return loopPercent(e.value) + (e.interval.map { " (95% CI \(loopPercent($0.lower)) to \(loopPercent($0.upper)))" } ?? "")
}

func printTrainOutcome(_ o: TrainOutcome) {
    print("run \(o.run) on \(o.version): trained on \(o.trainCount), validated on \(o.validationCount), seed \(o.seed)")
    if !o.skipped.isEmpty {
        print("left out: " + o.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }
    if let w = o.weightsBlob { print("weights: blob \(w)") }
    guard let e = o.evaluation else {
        print("no validation samples: no metrics")
        return
    }
    for (level, m) in [("cells", e.cell), ("cases", e.caseLevel)] {
        print("\(level): accuracy \(loopDescribe(m["accuracy"])), sensitivity \(loopDescribe(m["sensitivity"])), specificity \(loopDescribe(m["specificity"]))")
        print("       ROC-AUC \(loopDescribe(m["rocAUC"])), PR-AUC \(loopDescribe(m["prAUC"])), ECE \(loopDescribe(m["ece"]))")
    }
    print("ECE after temperature scaling (T = \(String(format: "%.3f", e.temperature))): \(loopDescribe(e.calibratedECE))")
    let c = e.cellConfusion
    print("confusion (cells): TP \(c.truePositives), FN \(c.falseNegatives), FP \(c.falsePositives), TN \(c.trueNegatives)")
}

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the t(9;22) model on a version's training split and evaluate it on its validation split.",
        discussion: """
            The model sees each member's normalize-t922 image (90x90); members without one are counted \
            and reported as left out. The run is recorded with its version, splits, model configuration, \
            seed, code version, weights (a blob) and metrics: accuracy, sensitivity, specificity, ROC-AUC, \
            PR-AUC, confusion matrix and ECE (with temperature scaling), per cell and per case, with \
            patient-bootstrap 95% confidence intervals.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var model: ModelOptions

    @Argument(help: "The version: id, prefix, tag or HEAD.")
    var version: String

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let progress = ProgressLine(label: "train")
            let trainer = LoopTrainer(
                store: store, spec: model.spec, seed: model.seed, author: model.author ?? Project.defaultAuthor)
            let epochs = model.epochs
            let (outcome, _) = try trainer.train(version: version) { curve in
                progress.update(curve.epoch, of: epochs, detail: String(format: "loss %.4f", curve.trainLoss))
            }
            progress.finish()
            if options.json { try printJSON(outcome) } else { printTrainOutcome(outcome) }
        }
    }
}

struct FlagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flag",
        abstract: "Fill the review queues of a version: uncertainty and probable label errors.",
        discussion: """
            Uncertainty: entropy, margin and BALD from MC-dropout passes of the version's newest model \
            with the same configuration (trained now if there is none). Label errors: out-of-fold \
            probabilities from a patient-grouped, stratified K-fold cross-validation, then confident \
            learning (per-class thresholds, as cleanlab). Every member is scored, validation members too.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var model: ModelOptions
    @OptionGroup var queues: FlagQueueOptions

    @Argument(help: "The version: id, prefix, tag or HEAD.")
    var version: String

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let progress = ProgressLine(label: "flag")
            let flagger = LoopFlagger(
                store: store, spec: model.spec, seed: model.seed, author: model.author ?? Project.defaultAuthor,
                options: queues.flagOptions)
            let outcome = try flagger.flag(version: version) { step in progress.update(0, of: 1, detail: step) }
            progress.finish()
            if options.json { try printJSON(outcome); return }
            print("flag run \(outcome.flagRun.id) on \(outcome.flagRun.version): scored \(outcome.scored) members with run \(outcome.trainingRun)"
                + (outcome.trainedNow ? " (trained now)" : ""))
            if !outcome.skipped.isEmpty {
                print("left out: " + outcome.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            }
            print("cross-validation (out of fold, given labels): accuracy \(loopPercent(outcome.crossValidation.accuracy))")
            print("uncertainty queue: \(outcome.uncertainty.count) items; label-error queue: \(outcome.labelErrors.count) items")
            for e in outcome.labelErrors.prefix(10) {
                print("  label-error #\(e.rank) \(e.sampleID) [\(e.split.rawValue)] \(e.reason)")
            }
            print("next: karyo review --queue label-error")
        }
    }
}

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "List a review queue with its images, or record a decision on an item.",
        discussion: """
            Without --decide: lists the queue (newest flag run unless --flag-run), writes each \
            sample's stored image and model input to files under --images and prints their paths. \
            With --decide ITEM --as DECISION: records confirm, relabel (positive/negative) or unsure \
            as a reviewer label event with --reviewer and --reason; the next `karyo commit` makes a \
            new version.
            """)

    @OptionGroup var options: ProjectOptions

    @Option(help: "The queue: label-error or uncertainty.")
    var queue: String = "label-error"

    @Option(name: .customLong("flag-run"), help: "The flag run (default: the newest).")
    var flagRun: Int64?

    @Flag(help: "List every item, decided ones too (default: only pending ones).")
    var all = false

    @Option(help: "Show at most this many items.")
    var limit: Int = 10

    @Option(help: "Skip this many items first.")
    var offset: Int = 0

    @Option(help: "Folder to write the images to (default: a karyo-review folder in the temporary directory).")
    var images: String?

    @Option(help: "Record a decision on this queue item (its id, as listed).")
    var decide: Int64?

    @Option(name: .customLong("as"), help: "The decision: confirm, unsure, positive or negative.")
    var decision: String?

    @Option(help: "Who decides (default: $KARYO_AUTHOR or $USER).")
    var reviewer: String?

    @Option(help: "Why (kept in the label history).")
    var reason: String?

    func validate() throws {
        guard ReviewQueueKind(rawValue: queue) != nil else {
            throw ValidationError("unknown --queue '\(queue)': use label-error or uncertainty")
        }
        if decide != nil {
            guard let decision else { throw ValidationError("--decide needs --as confirm|unsure|positive|negative") }
            guard LoopReview.parseDecision(decision) != nil else {
                throw ValidationError("unknown decision '\(decision)': use confirm, unsure, positive or negative")
            }
        } else if decision != nil {
            throw ValidationError("--as needs --decide ITEM")
        }
        guard limit >= 0, offset >= 0 else { throw ValidationError("--limit and --offset must not be negative") }
    }

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let review = LoopReview(store: store)
            if let item = decide, let decision = decision.flatMap(LoopReview.parseDecision) {
                let event = try review.decide(
                    item: item, decision: decision, reviewer: reviewer ?? Project.defaultAuthor, reason: reason)
                if options.json { try printJSON(event); return }
                print("recorded: \(event.sampleToken) is \(event.label?.rawValue ?? "unlabelled") (reviewer \(event.author))")
                return
            }
            let folder = images.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("karyo-review", isDirectory: true)
            let (page, listings) = try review.list(
                queue: ReviewQueueKind(rawValue: queue)!, flagRun: flagRun, filter: all ? .all : .pending, limit: limit,
                offset: offset, imageFolder: folder)
            if options.json { try printJSON(ReviewListingPage(page: page, listings: listings)); return }
            guard let run = page.flagRun else {
                print("no flag run yet: run karyo flag VERSION first")
                return
            }
            print("\(queue) queue of flag run \(run.id) (\(run.version)): \(page.total) \(all ? "items" : "pending")")
            for l in listings {
                let i = l.item
                print("item \(i.id): #\(i.rank) \(i.sampleToken) [\(i.split.rawValue)] labelled \(i.label.rawValue), "
                    + String(format: "p(positive) %.3f, score %.3f", i.modelProbability, i.score)
                    + (i.review.map { ", decided \($0.label?.rawValue ?? "withdrawn") by \($0.reviewer)" } ?? ""))
                print("  \(i.reason)")
                for f in l.imageFiles { print("  image: \(f)") }
            }
            if page.offset + listings.count < page.total {
                print("more: karyo review --queue \(queue) --offset \(page.offset + listings.count)")
            }
            print("decide: karyo review --decide ITEM --as confirm|unsure|positive|negative --reason TEXT")
        }
    }
}

/// `karyo review --json` output.
struct ReviewListingPage: Encodable {
    var page: ReviewQueuePage
    var listings: [ReviewListing]
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the loop's report: one self-contained HTML file (or --json).",
        discussion: """
            Accuracy per dataset version, training curves, ROC and calibration plots, confusion matrices, \
            uncertainty vs random sampling, and the flagged samples with their images, all inline.
            """)

    @OptionGroup var options: ProjectOptions

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output: String = "karyo-report.html"

    @Option(help: "Flagged samples shown per queue.")
    var flagged: Int = 25

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            var builder = LoopReportBuilder(store: store)
            builder.flaggedPerQueue = flagged
            let report = try builder.build()
            if options.json { try printJSON(report); return }
            let url = URL(fileURLWithPath: output)
            do {
                try Data(HTMLReport.render(report).utf8).write(to: url, options: .atomic)
            } catch {
                throw StoreError(.io, "cannot write \(url.path): \(error.localizedDescription)")
            }
            print("wrote \(url.path) (\(report.versions.count) versions, \(report.flagged.count) flagged samples)")
        }
    }
}

struct LoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "Run one whole round: train, flag, take decisions, commit, retrain, compare with random, report.",
        discussion: """
            For scripts. Decisions come from --decisions FILE (CSV: sample,decision,reason with decision \
            confirm, unsure, positive or negative) and are recorded as reviewer label events, then \
            committed as a new version. The round compares uncertainty sampling with a random-sampling \
            control arm on the new version (its labels as the oracle) and writes the report.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var model: ModelOptions
    @OptionGroup var queues: FlagQueueOptions

    @Argument(help: "The version to start from: id, prefix, tag or HEAD.")
    var version: String = "HEAD"

    @Option(help: "Review decisions to apply (CSV sample,decision,reason).")
    var decisions: String?

    @Option(help: "The HTML report to write.")
    var report: String = "karyo-report.html"

    @Option(name: .customLong("al-min-steps"), help: "Minimum training steps of each model of the uncertainty-vs-random comparison.")
    var alMinimumSteps: Int = 100

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let progress = ProgressLine(label: "loop")
            var round = LoopRound(
                store: store, spec: model.spec, seed: model.seed, author: model.author ?? Project.defaultAuthor,
                flagOptions: queues.flagOptions)
            round.activeLearningMinimumSteps = max(0, alMinimumSteps)
            let outcome = try round.run(version: version, decisions: decisions.map { URL(fileURLWithPath: $0) }) { step in
                progress.update(0, of: 1, detail: step)
            }
            progress.finish()
            let url = URL(fileURLWithPath: report)
            do {
                try Data(HTMLReport.render(LoopReportBuilder(store: store).build()).utf8).write(to: url, options: .atomic)
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.io, "cannot write \(url.path): \(error.localizedDescription)")
            }
            if options.json { try printJSON(outcome); return }
            print("round on \(outcome.firstRun.version): run \(outcome.firstRun.run), accuracy \(loopDescribe(outcome.firstRun.evaluation?.cell["accuracy"]))")
            print("flag run \(outcome.flagRun): \(outcome.uncertaintyQueue) uncertain, \(outcome.labelErrorQueue) probable label errors")
            print("decisions recorded: \(outcome.decisionsRecorded)" + (outcome.committedVersion.map { "; committed \($0)" } ?? ""))
            print("retrained: run \(outcome.finalRun.run) on \(outcome.finalRun.version), accuracy \(loopDescribe(outcome.finalRun.evaluation?.cell["accuracy"]))")
            if let al = outcome.activeLearning {
                print("random arm: \(loopPercent(al.randomFinalAccuracy)) with \(al.randomFinalLabels) labels; uncertainty reached it with "
                    + "\(al.uncertaintyLabelsToMatch.map(String.init) ?? "never")")
            }
            for note in outcome.notes { print("note: \(note)") }
            print("report: \(url.path)")
        }
    }
}
