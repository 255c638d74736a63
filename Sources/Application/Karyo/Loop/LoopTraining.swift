import Foundation
import KaryoLoop
import KaryoStore

/// The outcome of `karyo train`.
public struct TrainOutcome: Sendable, Codable, Equatable {
    public var run: Int64
    public var version: String
    public var seed: Int
    public var weightsBlob: String?
    public var trainCount: Int
    public var validationCount: Int
    public var skipped: [String: Int]
    public var curves: [EpochCurve]
    public var evaluation: Evaluation?
}

/// Trains a model on a version's training split, evaluates it on the validation split and records
/// the run (version, splits, model configuration, seed, code version, weights blob, metrics, curves).
public struct LoopTrainer {
    public let store: DatasetStore
    public var spec: ModelSpec
    public var seed: UInt64
    public var author: String
    /// Patient-bootstrap replicates for the confidence intervals.
    public var replicates: Int = 1000

    public init(store: DatasetStore, spec: ModelSpec, seed: UInt64, author: String) {
        self.store = store
        self.spec = spec
        self.seed = seed
        self.author = author
    }

    /// Trains and records a run.
    /// - Parameters:
    ///   - onEpoch: progress after every epoch.
    /// - Throws: `LoopError` when the training split has no usable samples; store errors.
    public func train(
        version ref: String, purpose: TrainingRunPurpose = .train, activeLearning: ActiveLearningComparison? = nil,
        onEpoch: ((EpochCurve) -> Void)? = nil
    ) throws -> (TrainOutcome, LoopModel) {
        let data = try LoopData.load(store: store, version: ref, inputSize: spec.inputSize)
        return try train(data, purpose: purpose, activeLearning: activeLearning, onEpoch: onEpoch)
    }

    func train(
        _ data: LoopDataset, purpose: TrainingRunPurpose, activeLearning: ActiveLearningComparison?,
        onEpoch: ((EpochCurve) -> Void)?
    ) throws -> (TrainOutcome, LoopModel) {
        let train = data.train, validation = data.validation
        guard !train.isEmpty else {
            throw LoopError(
                "version \(data.version.id) has no training samples with a \(LoopData.inputStep.rawValue) image"
                    + (data.skippedTotal > 0 ? " (\(data.skippedTotal) members left out: \(Self.describe(data.skipped)))" : ""))
        }
        let started = Date()
        let model = LoopModel(spec: spec, seed: seed)
        let curves = try model.train(train, validation: validation, onEpoch: onEpoch)
        var evaluation: Evaluation?
        if !validation.isEmpty {
            let p = try model.probabilities(validation.map(\.image))
            evaluation = Evaluation(
                probabilities: p, labels: validation.map(\.positive), patients: validation.map(\.patient),
                caseIDs: validation.map(\.caseID), replicates: replicates, seed: seed)
        }
        let metrics = RunMetrics(
            evaluation: evaluation, trainCount: train.count, evaluationCount: validation.count, skipped: data.skipped,
            activeLearning: activeLearning)
        let run = try store.recordTrainingRun(
            NewTrainingRun(
                version: data.version.id, purpose: purpose, trainSplit: .train, evalSplit: .validation,
                modelConfig: spec.json, seed: Int(truncatingIfNeeded: seed), codeVersion: KaryoVersion.current,
                weights: model.checkpoint(), metrics: try LoopJSON.encode(metrics),
                curves: try LoopJSON.encode(RunCurves(epochs: curves)),
                details: try LoopJSON.encode(["skipped": data.skipped]), author: author, startedAt: started,
                finishedAt: Date()))
        return (
            TrainOutcome(
                run: run.id, version: data.version.id, seed: run.seed, weightsBlob: run.weightsBlob,
                trainCount: train.count, validationCount: validation.count, skipped: data.skipped, curves: curves,
                evaluation: evaluation),
            model
        )
    }

    static func describe(_ skipped: [String: Int]) -> String {
        skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}
