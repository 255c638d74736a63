import Foundation

/// One entry of a review queue, before it is stored.
public struct QueueEntry: Sendable, Codable, Equatable {
    /// "uncertainty" or "label-error" (the store's queue names).
    public var queue: String
    /// Index into the scored samples.
    public var index: Int
    public var sampleID: String
    /// 1 = review first.
    public var rank: Int
    public var score: Double
    public var reason: String
    /// The model's probability that the sample is positive.
    public var probability: Double
    public var givenPositive: Bool
    public var split: LoopSplit
}

/// Builds the two review queues. Every flagged sample is kept whatever its split (validation
/// items are flagged like the others, with their split shown), so nothing is dropped silently.
public enum QueueBuilder {
    public static let uncertaintyQueue = "uncertainty"
    public static let labelErrorQueue = "label-error"

    /// The uncertainty queue: the `limit` samples with the highest `measure`, ties by id.
    public static func uncertainty(
        samples: [LoopSample], scores: [UncertaintyScores], measure: UncertaintyMeasure, limit: Int
    ) -> [QueueEntry] {
        precondition(samples.count == scores.count, "one score per sample")
        let order = samples.indices.sorted {
            let a = scores[$0].value(measure), b = scores[$1].value(measure)
            return a != b ? a > b : samples[$0].id < samples[$1].id
        }
        return order.prefix(max(0, limit)).enumerated().map { rank, i in
            let s = scores[i]
            return QueueEntry(
                queue: uncertaintyQueue, index: i, sampleID: samples[i].id, rank: rank + 1, score: s.value(measure),
                reason: String(
                    format: "%@ %.3f (entropy %.3f, margin %.3f, BALD %.3f); p(positive) %.3f; labelled %@",
                    measure.rawValue, s.value(measure), s.entropy, s.margin, s.bald, s.probability,
                    samples[i].positive ? "positive" : "negative"),
                probability: s.probability, givenPositive: samples[i].positive, split: samples[i].split)
        }
    }

    /// The label-error queue: every issue confident learning found, lowest self-confidence first.
    /// - Parameter outOfFold: the out-of-fold probability of the positive class per sample.
    public static func labelErrors(samples: [LoopSample], outOfFold: [Double], result: ConfidentLearning) -> [QueueEntry] {
        result.issues.enumerated().map { rank, issue in
            let i = issue.index
            let given = samples[i].positive ? "positive" : "negative"
            let other = samples[i].positive ? "negative" : "positive"
            return QueueEntry(
                queue: labelErrorQueue, index: i, sampleID: samples[i].id, rank: rank + 1, score: issue.score,
                reason: String(
                    format: "labelled %@ but out-of-fold p(%@) is %.3f (threshold %.3f); probably %@",
                    given, other, samples[i].positive ? 1 - outOfFold[i] : outOfFold[i],
                    result.thresholds[samples[i].positive ? 0 : 1], other),
                probability: outOfFold[i], givenPositive: samples[i].positive, split: samples[i].split)
        }
    }
}
