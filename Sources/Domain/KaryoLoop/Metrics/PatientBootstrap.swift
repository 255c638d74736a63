import Foundation
import KaryoCore

/// A 95% confidence interval.
public struct ConfidenceInterval: Sendable, Codable, Equatable {
    public var lower: Double
    public var upper: Double
    /// Bootstrap replicates in which the metric was defined.
    public var replicates: Int

    public init(lower: Double, upper: Double, replicates: Int) {
        self.lower = lower
        self.upper = upper
        self.replicates = replicates
    }
}

/// A metric with its patient-bootstrap interval.
public struct MetricEstimate: Sendable, Codable, Equatable {
    public var value: Double?
    public var interval: ConfidenceInterval?

    public init(value: Double?, interval: ConfidenceInterval?) {
        self.value = value
        self.interval = interval
    }
}

/// The patient bootstrap: resample patients with replacement (all samples of a drawn patient come
/// along, as often as the patient is drawn), recompute the metric, take the 2.5th and 97.5th
/// percentiles. Resampling patients, not samples, keeps the correlation of one patient's cells.
public enum PatientBootstrap {
    /// Intervals for several metrics at once.
    /// - Parameters:
    ///   - patients: the patient of each item.
    ///   - replicates: bootstrap replicates (1000 for reports).
    ///   - seed: the replicates are reproducible for a seed.
    ///   - metrics: computes named metric values from the items at the given indices (with repeats).
    /// - Returns: an interval per metric name; absent where the metric was never defined.
    public static func intervals(
        patients: [String], replicates: Int = 1000, seed: UInt64,
        metrics: ([Int]) -> [String: Double?]
    ) -> [String: ConfidenceInterval] {
        var byPatient: [String: [Int]] = [:]
        for (i, p) in patients.enumerated() { byPatient[p, default: []].append(i) }
        let groups = byPatient.keys.sorted().map { byPatient[$0]! }
        guard !groups.isEmpty, replicates > 0 else { return [:] }
        var generator = SeededGenerator(seed: seed)
        var values: [String: [Double]] = [:]
        for _ in 0..<replicates {
            var indices: [Int] = []
            indices.reserveCapacity(patients.count)
            for _ in 0..<groups.count {
                indices += groups[Int(generator.next() % UInt64(groups.count))]
            }
            for (name, value) in metrics(indices) {
                if let value, value.isFinite { values[name, default: []].append(value) }
            }
        }
        var result: [String: ConfidenceInterval] = [:]
        for (name, list) in values where !list.isEmpty {
            let sorted = list.sorted()
            result[name] = ConfidenceInterval(
                lower: percentile(sorted, 0.025), upper: percentile(sorted, 0.975), replicates: sorted.count)
        }
        return result
    }

    /// Linear-interpolated percentile of sorted values (numpy's default).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? .nan }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(sorted.count - 1, lower + 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
