import Foundation

/// How uncertain the model is about one sample, from several stochastic passes (MC dropout) or
/// ensemble members. Entropies are in bits (at most 1 for two classes).
public struct UncertaintyScores: Sendable, Codable, Equatable {
    /// Mean probability of the positive class over the passes.
    public var probability: Double
    /// Entropy of the mean prediction.
    public var entropy: Double
    /// 1 - |p(positive) - p(negative)|: 1 at p = 0.5, 0 when certain.
    public var margin: Double
    /// BALD: entropy of the mean minus the mean entropy of the passes (the mutual information
    /// between the prediction and the weights); 0 for a single deterministic pass.
    public var bald: Double

    /// Scores from per-pass probabilities of the positive class.
    public init(passes: [Double]) {
        precondition(!passes.isEmpty, "at least one pass")
        let mean = passes.reduce(0, +) / Double(passes.count)
        probability = mean
        entropy = Self.binaryEntropy(mean)
        margin = 1 - abs(2 * mean - 1)
        let meanEntropy = passes.reduce(0) { $0 + Self.binaryEntropy($1) } / Double(passes.count)
        bald = max(0, entropy - meanEntropy)
    }

    /// Scores of every sample from `passes[t][i]`, the probability of pass t for sample i.
    public static func scores(passes: [[Double]]) -> [UncertaintyScores] {
        guard let first = passes.first else { return [] }
        return first.indices.map { i in UncertaintyScores(passes: passes.map { $0[i] }) }
    }

    /// H(p) in bits.
    public static func binaryEntropy(_ p: Double) -> Double {
        func term(_ q: Double) -> Double { q <= 0 ? 0 : -q * log2(q) }
        return term(p) + term(1 - p)
    }

    /// The value of `measure`.
    public func value(_ measure: UncertaintyMeasure) -> Double {
        switch measure {
        case .entropy: entropy
        case .margin: margin
        case .bald: bald
        }
    }
}

/// Which score ranks the uncertainty queue.
public enum UncertaintyMeasure: String, Sendable, Codable, CaseIterable {
    case entropy
    case margin
    case bald
}
