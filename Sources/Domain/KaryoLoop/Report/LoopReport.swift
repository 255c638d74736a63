import Foundation

/// Everything `karyo report` shows, as data (also what `--json` prints).
public struct LoopReport: Sendable, Codable, Equatable {
    /// A dataset version's validation metrics from its newest training run.
    public struct VersionPoint: Sendable, Codable, Equatable {
        public var version: String
        public var createdAt: Date
        public var run: Int64
        public var accuracy: MetricEstimate
        public var sensitivity: MetricEstimate
        public var specificity: MetricEstimate
        public var trainCount: Int
        public var validationCount: Int

        public init(
            version: String, createdAt: Date, run: Int64, accuracy: MetricEstimate, sensitivity: MetricEstimate,
            specificity: MetricEstimate, trainCount: Int, validationCount: Int
        ) {
            self.version = version
            self.createdAt = createdAt
            self.run = run
            self.accuracy = accuracy
            self.sensitivity = sensitivity
            self.specificity = specificity
            self.trainCount = trainCount
            self.validationCount = validationCount
        }
    }

    /// The newest training run in detail.
    public struct RunDetail: Sendable, Codable, Equatable {
        public var run: Int64
        public var version: String
        public var seed: Int
        public var modelConfig: String
        public var codeVersion: String
        public var weightsBlob: String?
        public var curves: [EpochCurve]
        public var evaluation: Evaluation
        /// Members left out, by reason (no model input image, unsure label...).
        public var skipped: [String: Int]

        public init(
            run: Int64, version: String, seed: Int, modelConfig: String, codeVersion: String, weightsBlob: String?,
            curves: [EpochCurve], evaluation: Evaluation, skipped: [String: Int]
        ) {
            self.run = run
            self.version = version
            self.seed = seed
            self.modelConfig = modelConfig
            self.codeVersion = codeVersion
            self.weightsBlob = weightsBlob
            self.curves = curves
            self.evaluation = evaluation
            self.skipped = skipped
        }
    }

    /// A flagged sample with its image.
    public struct FlaggedSample: Sendable, Codable, Equatable {
        public var queue: String
        public var rank: Int
        public var sample: String
        public var score: Double
        public var reason: String
        public var probability: Double
        public var label: String
        public var split: String
        /// The reviewer's decision so far ("positive", "negative", "unsure", "withdrawn"), nil if none.
        public var decision: String?
        /// The model input image as PNG bytes (inlined as a data: URI), nil when there is none.
        public var png: Data?

        public init(
            queue: String, rank: Int, sample: String, score: Double, reason: String, probability: Double,
            label: String, split: String, decision: String?, png: Data?
        ) {
            self.queue = queue
            self.rank = rank
            self.sample = sample
            self.score = score
            self.reason = reason
            self.probability = probability
            self.label = label
            self.split = split
            self.decision = decision
            self.png = png
        }
    }

    public var title: String
    public var generatedAt: Date
    public var codeVersion: String
    public var versions: [VersionPoint]
    public var latestRun: RunDetail?
    /// The flag run the flagged samples come from.
    public var flagRun: Int64?
    public var flagged: [FlaggedSample]
    /// Total items per queue in that flag run (the report may show only the top of each).
    public var queueTotals: [String: Int]
    public var activeLearning: ActiveLearningComparison?
    public var notes: [String]

    public init(
        title: String, generatedAt: Date, codeVersion: String, versions: [VersionPoint], latestRun: RunDetail?,
        flagRun: Int64?, flagged: [FlaggedSample], queueTotals: [String: Int],
        activeLearning: ActiveLearningComparison?, notes: [String]
    ) {
        self.title = title
        self.generatedAt = generatedAt
        self.codeVersion = codeVersion
        self.versions = versions
        self.latestRun = latestRun
        self.flagRun = flagRun
        self.flagged = flagged
        self.queueTotals = queueTotals
        self.activeLearning = activeLearning
        self.notes = notes
    }
}
