import Foundation

/// Case-level truth and scores from cell-level ones. ISCN defines a clone by at least two cells
/// with the same structural abnormality, so a case is positive when at least 2 of its cells are
/// (a case with a single cell: when that cell is).
public enum CaseAggregation {
    /// Cells needed for a positive case of `cellCount` cells.
    public static func required(cellCount: Int) -> Int { min(2, max(1, cellCount)) }

    /// One case: its id, patient, truth, the ISCN-rule prediction and a score.
    public struct Case: Sendable, Codable, Equatable {
        public var caseID: String
        public var patient: String
        public var cells: Int
        /// At least `required` cells labelled positive.
        public var positive: Bool
        /// At least `required` cells predicted positive (p >= threshold).
        public var predictedPositive: Bool
        /// The probability that at least `required` cells are positive, treating the cells'
        /// probabilities as independent (used for ROC, PR and calibration).
        public var probability: Double
    }

    /// Aggregates cells into cases (sorted by case id).
    public static func cases(
        caseIDs: [String], patients: [String], probabilities: [Double], labels: [Bool], threshold: Double = 0.5
    ) -> [Case] {
        var index: [String: [Int]] = [:]
        for (i, c) in caseIDs.enumerated() { index[c, default: []].append(i) }
        return index.keys.sorted().map { id in
            let members = index[id]!
            let need = required(cellCount: members.count)
            let positives = members.filter { labels[$0] }.count
            let predicted = members.filter { probabilities[$0] >= threshold }.count
            return Case(
                caseID: id, patient: patients[members[0]], cells: members.count, positive: positives >= need,
                predictedPositive: predicted >= need,
                probability: atLeast(need, of: members.map { probabilities[$0] }))
        }
    }

    /// P(at least k successes) for independent Bernoulli trials with probabilities `p`
    /// (Poisson-binomial, by dynamic programming).
    public static func atLeast(_ k: Int, of p: [Double]) -> Double {
        var dist = [Double](repeating: 0, count: p.count + 1)
        dist[0] = 1
        for (n, q) in p.enumerated() {
            for j in stride(from: n + 1, through: 1, by: -1) { dist[j] = dist[j] * (1 - q) + dist[j - 1] * q }
            dist[0] *= 1 - q
        }
        return min(1, max(0, dist[min(k, p.count)...].reduce(0, +)))
    }

    /// Metrics of cases: the confusion from the ISCN rule, ROC/PR/ECE from the case probability.
    public static func metrics(_ cases: [Case]) -> BinaryMetrics {
        var m = BinaryMetrics(probabilities: cases.map(\.probability), labels: cases.map(\.positive))
        var confusion = ConfusionMatrix()
        for c in cases {
            switch (c.predictedPositive, c.positive) {
            case (true, true): confusion.truePositives += 1
            case (true, false): confusion.falsePositives += 1
            case (false, false): confusion.trueNegatives += 1
            case (false, true): confusion.falseNegatives += 1
            }
        }
        m.confusion = confusion
        m.accuracy = confusion.accuracy
        m.sensitivity = confusion.sensitivity
        m.specificity = confusion.specificity
        return m
    }
}
