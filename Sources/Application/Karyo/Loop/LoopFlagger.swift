import Foundation
import KaryoCore
import KaryoLoop
import KaryoStore

/// How `karyo flag` scores a version.
public struct FlagOptions: Sendable, Codable, Equatable {
    /// Folds of the patient-grouped cross-validation for the label-error queue.
    public var folds: Int = 5
    /// MC-dropout passes for the uncertainty queue.
    public var mcPasses: Int = 10
    public var measure: UncertaintyMeasure = .bald
    /// Length of the uncertainty queue (the label-error queue holds every issue found).
    public var uncertaintyLimit: Int = 100

    public init() {}
}

/// The outcome of `karyo flag`.
public struct FlagOutcome: Sendable, Codable, Equatable {
    public var flagRun: FlagRunInfo
    /// The training run whose model scored the uncertainty queue.
    public var trainingRun: Int64
    /// Whether that model was trained by this flag (no earlier run of the version fit the spec).
    public var trainedNow: Bool
    public var scored: Int
    public var skipped: [String: Int]
    public var uncertainty: [QueueEntry]
    public var labelErrors: [QueueEntry]
    /// Out-of-fold metrics of the cross-validation on the given labels.
    public var crossValidation: BinaryMetrics
}

/// Fills the two review queues of a version: uncertainty (MC dropout) and probable label errors
/// (out-of-fold probabilities from a patient-grouped K-fold, then confident learning). Every
/// member with a model input is scored, whatever its split; the fold models are recorded as runs.
public struct LoopFlagger {
    public let store: DatasetStore
    public var spec: ModelSpec
    public var seed: UInt64
    public var author: String
    public var options: FlagOptions

    public init(store: DatasetStore, spec: ModelSpec, seed: UInt64, author: String, options: FlagOptions) {
        self.store = store
        self.spec = spec
        self.seed = seed
        self.author = author
        self.options = options
    }

    public func flag(version ref: String, progress: ((String) -> Void)? = nil) throws -> FlagOutcome {
        let data = try LoopData.load(store: store, version: ref, inputSize: spec.inputSize)
        let samples = data.samples
        guard !samples.isEmpty else {
            throw LoopError("version \(data.version.id) has no members with a \(LoopData.inputStep.rawValue) image to score")
        }
        // The model for the uncertainty queue: the newest run of this version with the same spec, else a new one.
        let previous = try store.trainingRuns(version: data.version.id).last {
            $0.purpose != .fold && $0.modelSpec == spec && $0.weightsBlob != nil
        }
        let model: LoopModel
        let runID: Int64
        var trainedNow = false
        if let previous, let blob = previous.weightsBlob {
            model = try LoopModel(spec: spec, checkpoint: store.readBlob(blob))
            runID = previous.id
        } else {
            progress?("training a model on \(data.train.count) samples")
            var trainer = LoopTrainer(store: store, spec: spec, seed: seed, author: author)
            trainer.replicates = 200
            let (outcome, trained) = try trainer.train(data, purpose: .train, activeLearning: nil, onEpoch: nil)
            model = trained
            runID = outcome.run
            trainedNow = true
        }
        progress?("scoring \(samples.count) samples with \(options.mcPasses) MC-dropout passes")
        let passes = try model.mcDropoutPasses(samples.map(\.image), count: options.mcPasses, seed: seed)
        let scores = UncertaintyScores.scores(passes: passes)
        let uncertainty = QueueBuilder.uncertainty(
            samples: samples, scores: scores, measure: options.measure, limit: options.uncertaintyLimit)

        progress?("\(options.folds)-fold patient-grouped cross-validation")
        let started = Date()
        let (folds, oof) = try CrossValidation.outOfFold(samples, folds: options.folds, spec: spec, seed: seed) {
            done, total in progress?("fold \(done)/\(total) done")
        }
        for k in 0..<options.folds {
            let held = samples.indices.filter { folds[$0] == k }
            let m = BinaryMetrics(probabilities: held.map { oof[$0] }, labels: held.map { samples[$0].positive })
            try store.recordTrainingRun(
                NewTrainingRun(
                    version: data.version.id, purpose: .fold, trainSplit: .train, evalSplit: .train,
                    modelConfig: spec.json, seed: Int(truncatingIfNeeded: seed), codeVersion: KaryoVersion.current,
                    weights: nil,
                    metrics: try LoopJSON.encode(
                        RunMetrics(
                            evaluation: nil, trainCount: samples.count - held.count, evaluationCount: held.count,
                            skipped: data.skipped, activeLearning: nil)),
                    curves: try LoopJSON.encode(RunCurves(epochs: [])),
                    details: try LoopJSON.encode(FoldDetails(fold: k, folds: options.folds, heldOut: m)),
                    author: author, startedAt: started, finishedAt: Date()))
        }
        let cl = ConfidentLearning(probabilities: oof, labels: samples.map(\.positive))
        let labelErrors = QueueBuilder.labelErrors(samples: samples, outOfFold: oof, result: cl)

        let members = Dictionary(uniqueKeysWithValues: samples.map { ($0.id, $0) })
        let items = (uncertainty.map { ($0, ReviewQueueKind.uncertainty) } + labelErrors.map { ($0, ReviewQueueKind.labelError) })
            .map { entry, kind in
                NewReviewQueueItem(
                    queue: kind, sampleToken: entry.sampleID, rank: entry.rank, score: entry.score, reason: entry.reason,
                    modelProbability: min(1, max(0, entry.probability)),
                    label: members[entry.sampleID]!.positive ? .positive : .negative,
                    split: Split(rawValue: entry.split.rawValue) ?? .train)
            }
        let method = FlagMethod(
            folds: options.folds, mcPasses: options.mcPasses, measure: options.measure,
            uncertaintyLimit: options.uncertaintyLimit, thresholds: cl.thresholds, confidentJoint: cl.confidentJoint,
            model: spec)
        let flagRun = try store.recordFlagRun(
            NewFlagRun(
                version: data.version.id, trainingRun: runID, method: try LoopJSON.encode(method),
                seed: Int(truncatingIfNeeded: seed), codeVersion: KaryoVersion.current, author: author,
                skipped: data.skippedTotal),
            items: items)
        return FlagOutcome(
            flagRun: flagRun, trainingRun: runID, trainedNow: trainedNow, scored: samples.count, skipped: data.skipped,
            uncertainty: uncertainty, labelErrors: labelErrors,
            crossValidation: BinaryMetrics(probabilities: oof, labels: samples.map(\.positive)))
    }
}

struct FoldDetails: Codable {
    var fold: Int
    var folds: Int
    var heldOut: BinaryMetrics
}

struct FlagMethod: Codable {
    var folds: Int
    var mcPasses: Int
    var measure: UncertaintyMeasure
    var uncertaintyLimit: Int
    var thresholds: [Double]
    var confidentJoint: [[Int]]
    var model: ModelSpec
}
