import Foundation
import KaryoCore

/// How an active-learning comparison runs.
public struct ActiveLearningOptions: Sendable, Codable, Equatable {
    /// Labels both arms start with (a seeded, class-stratified draw from the pool).
    public var initialLabels: Int
    /// Labels each round adds.
    public var labelsPerRound: Int
    /// Rounds after the initial one.
    public var rounds: Int
    /// The uncertainty arm's score.
    public var measure: UncertaintyMeasure
    /// MC-dropout passes for scoring the pool (1: a deterministic pass).
    public var mcPasses: Int
    public var spec: ModelSpec
    public var seed: UInt64

    public init(
        initialLabels: Int = 40, labelsPerRound: Int = 40, rounds: Int = 5, measure: UncertaintyMeasure = .entropy,
        mcPasses: Int = 1, spec: ModelSpec = ModelSpec(), seed: UInt64 = 1
    ) {
        self.initialLabels = initialLabels
        self.labelsPerRound = labelsPerRound
        self.rounds = rounds
        self.measure = measure
        self.mcPasses = mcPasses
        self.spec = spec
        self.seed = seed
    }
}

/// One arm's validation metrics after a round.
public struct ArmPoint: Sendable, Codable, Equatable {
    public var labels: Int
    public var accuracy: Double
    public var sensitivity: Double?
    public var specificity: Double?

    public init(labels: Int, accuracy: Double, sensitivity: Double? = nil, specificity: Double? = nil) {
        self.labels = labels
        self.accuracy = accuracy
        self.sensitivity = sensitivity
        self.specificity = specificity
    }
}

/// An arm of the comparison: "uncertainty" or "random".
public struct ArmResult: Sendable, Codable, Equatable {
    public var arm: String
    public var points: [ArmPoint]

    public init(arm: String, points: [ArmPoint]) {
        self.arm = arm
        self.points = points
    }
}

/// Uncertainty sampling against the random control arm on the same pool and validation set.
public struct ActiveLearningComparison: Sendable, Codable, Equatable {
    public var uncertainty: ArmResult
    public var random: ArmResult
    /// The random arm's accuracy after its last round.
    public var randomFinalAccuracy: Double
    public var randomFinalLabels: Int
    /// The fewest labels with which the uncertainty arm reached `randomFinalAccuracy` (nil: never).
    public var uncertaintyLabelsToMatch: Int?
    /// uncertaintyLabelsToMatch / randomFinalLabels.
    public init(
        uncertainty: ArmResult, random: ArmResult, randomFinalAccuracy: Double, randomFinalLabels: Int,
        uncertaintyLabelsToMatch: Int?
    ) {
        self.uncertainty = uncertainty
        self.random = random
        self.randomFinalAccuracy = randomFinalAccuracy
        self.randomFinalLabels = randomFinalLabels
        self.uncertaintyLabelsToMatch = uncertaintyLabelsToMatch
    }

    public var labelRatio: Double? {
        uncertaintyLabelsToMatch.map { Double($0) / Double(max(1, randomFinalLabels)) }
    }
}

/// Simulates the loop with the given labels as the oracle: both arms start from the same labelled
/// draw; each round trains a fresh model on the arm's labels, measures it on `validation`, and asks
/// for `labelsPerRound` more labels (most uncertain pool samples, or random ones).
public enum ActiveLearningSimulation {
    public static func run(
        pool: [LoopSample], validation: [LoopSample], options: ActiveLearningOptions,
        progress: ((String, Int, Int) -> Void)? = nil
    ) throws -> ActiveLearningComparison {
        guard !validation.isEmpty else { throw LoopError("the active-learning comparison needs validation samples") }
        let needed = options.initialLabels + options.labelsPerRound * options.rounds
        guard pool.count >= needed else {
            throw LoopError("the pool has \(pool.count) samples, the comparison needs \(needed)")
        }
        var generator = SeededGenerator(seed: options.seed)
        // Class-stratified initial draw.
        let positives = pool.indices.filter { pool[$0].positive }.shuffled(using: &generator)
        let negatives = pool.indices.filter { !pool[$0].positive }.shuffled(using: &generator)
        let wantPositive = min(
            positives.count,
            max(1, Int((Double(options.initialLabels) * Double(positives.count) / Double(pool.count)).rounded())))
        let initial = Array(positives.prefix(wantPositive)) + Array(negatives.prefix(options.initialLabels - wantPositive))
        let randomOrder = pool.indices.filter { !initial.contains($0) }.shuffled(using: &generator)

        func arm(_ name: String) throws -> ArmResult {
            var labelled = initial
            var unlabelled = Set(pool.indices).subtracting(initial)
            var randomCursor = 0
            var points: [ArmPoint] = []
            for round in 0...options.rounds {
                let model = LoopModel(spec: options.spec, seed: options.seed &+ UInt64(round))
                _ = try model.train(labelled.map { pool[$0] })
                let p = try model.probabilities(validation.map(\.image))
                let m = BinaryMetrics(probabilities: p, labels: validation.map(\.positive))
                points.append(
                    ArmPoint(
                        labels: labelled.count, accuracy: m.accuracy ?? 0, sensitivity: m.sensitivity,
                        specificity: m.specificity))
                progress?(name, round, options.rounds)
                guard round < options.rounds else { break }
                var picked: [Int] = []
                if name == "random" {
                    while picked.count < options.labelsPerRound, randomCursor < randomOrder.count {
                        let i = randomOrder[randomCursor]
                        randomCursor += 1
                        if unlabelled.contains(i) { picked.append(i) }
                    }
                } else {
                    let candidates = unlabelled.sorted()
                    let images = candidates.map { pool[$0].image }
                    let passes =
                        options.mcPasses > 1 && options.spec.dropout > 0
                        ? try model.mcDropoutPasses(images, count: options.mcPasses, seed: options.seed &+ UInt64(round))
                        : [try model.probabilities(images)]
                    let scores = UncertaintyScores.scores(passes: passes)
                    let order = candidates.indices.sorted {
                        let a = scores[$0].value(options.measure), b = scores[$1].value(options.measure)
                        return a != b ? a > b : candidates[$0] < candidates[$1]
                    }
                    picked = order.prefix(options.labelsPerRound).map { candidates[$0] }
                }
                labelled += picked
                unlabelled.subtract(picked)
            }
            return ArmResult(arm: name, points: points)
        }
        let random = try arm("random")
        let uncertainty = try arm("uncertainty")
        let final = random.points.last!
        let match = uncertainty.points.first { $0.accuracy >= final.accuracy }?.labels
        return ActiveLearningComparison(
            uncertainty: uncertainty, random: random, randomFinalAccuracy: final.accuracy,
            randomFinalLabels: final.labels, uncertaintyLabelsToMatch: match)
    }
}
