import Foundation

/// Temperature scaling (Guo et al. 2017) for a binary classifier: p' = sigmoid(logit(p) / T), with
/// T fitted on validation by minimising the negative log-likelihood.
public struct TemperatureScaling: Sendable, Codable, Equatable {
    public var temperature: Double

    public init(temperature: Double) { self.temperature = temperature }

    /// Fits T in [0.05, 20] by golden-section search on log T (the NLL is unimodal in log T for
    /// fixed logits). With no samples T is 1.
    public static func fit(probabilities: [Double], labels: [Bool]) -> TemperatureScaling {
        guard !labels.isEmpty else { return TemperatureScaling(temperature: 1) }
        let logits = probabilities.map(logit)
        func nll(_ logT: Double) -> Double {
            let t = exp(logT)
            var sum = 0.0
            for (z, y) in zip(logits, labels) {
                let s = z / t
                // -log sigmoid(s) for y, -log sigmoid(-s) otherwise, computed stably.
                let m = y ? -s : s
                sum += m > 0 ? m + log1p(exp(-m)) : log1p(exp(m))
            }
            return sum / Double(labels.count)
        }
        var a = log(0.05), b = log(20.0)
        let ratio = (sqrt(5.0) - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = nll(c), fd = nll(d)
        for _ in 0..<80 {
            if fc < fd {
                b = d; d = c; fd = fc
                c = b - ratio * (b - a); fc = nll(c)
            } else {
                a = c; c = d; fc = fd
                d = a + ratio * (b - a); fd = nll(d)
            }
        }
        return TemperatureScaling(temperature: exp((a + b) / 2))
    }

    /// The calibrated probability.
    public func apply(_ p: Double) -> Double {
        1 / (1 + exp(-Self.logit(p) / temperature))
    }

    public func apply(_ probabilities: [Double]) -> [Double] { probabilities.map(apply) }

    /// log(p / (1 - p)) with p clamped to [1e-7, 1 - 1e-7].
    public static func logit(_ p: Double) -> Double {
        let q = min(1 - 1e-7, max(1e-7, p))
        return log(q / (1 - q))
    }
}
