import Foundation
import KaryoCore
import KaryoLoop
import KaryoStore

/// One whole round of the loop for scripts (`karyo loop`): train on a version, flag, take the
/// decisions of a CSV file, commit them as a new version, retrain on it, compare uncertainty
/// sampling with the random control arm on it, and write the report.
public struct LoopRound {
    public let store: DatasetStore
    public var spec: ModelSpec
    public var seed: UInt64
    public var author: String
    public var flagOptions: FlagOptions
    /// nil: chosen from the pool size (10% of it per round, 4 rounds at most).
    public var activeLearning: ActiveLearningOptions?
    /// Minimum optimizer steps of each model of the comparison (when `activeLearning` is nil).
    public var activeLearningMinimumSteps = 100

    public init(store: DatasetStore, spec: ModelSpec, seed: UInt64, author: String, flagOptions: FlagOptions) {
        self.store = store
        self.spec = spec
        self.seed = seed
        self.author = author
        self.flagOptions = flagOptions
    }

    /// What a round did.
    public struct Outcome: Sendable, Codable, Equatable {
        public var firstRun: TrainOutcome
        public var flagRun: Int64
        public var uncertaintyQueue: Int
        public var labelErrorQueue: Int
        public var decisionsRecorded: Int
        /// The version committed from the decisions (nil when they changed nothing).
        public var committedVersion: String?
        public var finalRun: TrainOutcome
        public var activeLearning: ActiveLearningComparison?
        public var notes: [String]
    }

    /// Runs the round on `version`.
    /// - Parameters:
    ///   - decisions: a CSV file `sample,decision,reason` (decision: confirm, unsure, positive,
    ///     negative), applied as reviewer label events; nil: no decisions.
    public func run(version ref: String, decisions: URL?, progress: ((String) -> Void)? = nil) throws -> Outcome {
        var notes: [String] = []
        let parsed = try decisions.map(Self.readDecisions) ?? []
        progress?("training on \(ref)")
        let trainer = LoopTrainer(store: store, spec: spec, seed: seed, author: author)
        let (first, _) = try trainer.train(version: ref, purpose: .loop)
        progress?("flagging")
        let flagger = LoopFlagger(store: store, spec: spec, seed: seed, author: author, options: flagOptions)
        let flag = try flagger.flag(version: first.version, progress: progress)

        var recorded = 0
        for d in parsed {
            try store.recordReviewDecision(sample: d.sample, decision: d.decision, reviewer: author, reason: d.reason)
            recorded += 1
        }
        var committed: String?
        if try store.status().uncommitted.total > 0 {
            committed = try store.commit(message: "karyo loop: \(recorded) review decisions", author: author).id
        } else {
            notes.append("The decisions changed no label, so no version was committed; the round retrains on \(first.version).")
        }
        let target = committed ?? first.version
        let data = try LoopData.load(store: store, version: target, inputSize: spec.inputSize)
        var comparison: ActiveLearningComparison?
        if let options = activeLearning
            ?? Self.defaultActiveLearning(
                pool: data.train.count, spec: spec, seed: seed, minimumSteps: activeLearningMinimumSteps),
            !data.validation.isEmpty
        {
            progress?("uncertainty sampling vs the random arm")
            comparison = try ActiveLearningSimulation.run(pool: data.train, validation: data.validation, options: options)
        } else {
            notes.append("Too few samples for the uncertainty-vs-random comparison (at least 8 training and 1 validation sample).")
        }
        progress?("retraining on \(target)")
        let (final, _) = try trainer.train(data, purpose: .loop, activeLearning: comparison, onEpoch: nil)
        return Outcome(
            firstRun: first, flagRun: flag.flagRun.id, uncertaintyQueue: flag.uncertainty.count,
            labelErrorQueue: flag.labelErrors.count, decisionsRecorded: recorded, committedVersion: committed,
            finalRun: final, activeLearning: comparison, notes: notes)
    }

    /// 10% of the pool to start and per round, up to 4 rounds, each model trained for at least
    /// `minimumSteps` steps; nil for pools under 8.
    public static func defaultActiveLearning(pool: Int, spec: ModelSpec, seed: UInt64, minimumSteps: Int = 100)
        -> ActiveLearningOptions?
    {
        guard pool >= 8 else { return nil }
        let step = max(2, pool / 10)
        let rounds = min(4, (pool - step) / step)
        var spec = spec
        spec.minimumSteps = spec.minimumSteps ?? minimumSteps
        return ActiveLearningOptions(
            initialLabels: step, labelsPerRound: step, rounds: rounds, measure: .entropy, mcPasses: 1, spec: spec,
            seed: seed)
    }

    struct Decision {
        var sample: String
        var decision: ReviewDecision
        var reason: String?
    }

    /// Reads `sample,decision[,reason]` lines (a header line starting with `sample` is skipped).
    /// - Throws: `StoreError(.invalidInput)` naming the file and line.
    static func readDecisions(_ url: URL) throws -> [Decision] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw StoreError(.io, "cannot read the decisions file \(url.path): \(error.localizedDescription)")
        }
        var result: [Decision] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || (n == 0 && line.lowercased().hasPrefix("sample")) { continue }
            let fields = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard fields.count >= 2, !fields[0].isEmpty else {
                throw StoreError(.invalidInput, "\(url.path) line \(n + 1): expected sample,decision[,reason]")
            }
            guard let decision = LoopReview.parseDecision(fields[1]) else {
                throw StoreError(
                    .invalidInput,
                    "\(url.path) line \(n + 1): unknown decision '\(fields[1])' (use confirm, unsure, positive or negative)")
            }
            result.append(Decision(sample: fields[0], decision: decision, reason: fields.count > 2 ? fields[2] : nil))
        }
        return result
    }
}
