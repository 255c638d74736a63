import Foundation

/// Counts of a binary decision against the truth.
public struct ConfusionMatrix: Sendable, Codable, Equatable {
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int

    public init(truePositives: Int = 0, falsePositives: Int = 0, trueNegatives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    public var accuracy: Double? { total == 0 ? nil : Double(truePositives + trueNegatives) / Double(total) }
    /// True-positive rate; nil without positives.
    public var sensitivity: Double? {
        let p = truePositives + falseNegatives
        return p == 0 ? nil : Double(truePositives) / Double(p)
    }
    /// True-negative rate; nil without negatives.
    public var specificity: Double? {
        let n = trueNegatives + falsePositives
        return n == 0 ? nil : Double(trueNegatives) / Double(n)
    }
}

/// The metrics of one set of scored samples. Optional values are nil where undefined (no
/// positives, no negatives, empty set).
public struct BinaryMetrics: Sendable, Codable, Equatable {
    public var count: Int
    public var accuracy: Double?
    public var sensitivity: Double?
    public var specificity: Double?
    /// Area under the ROC curve (ties count one half).
    public var rocAUC: Double?
    /// Area under the precision-recall curve as average precision (scikit-learn's definition).
    public var prAUC: Double?
    /// Expected calibration error of the top-label confidence, 10 equal-width bins.
    public var ece: Double?
    public var confusion: ConfusionMatrix

    /// Computes every metric. `probabilities[i]` is the probability that sample i is positive;
    /// a sample is predicted positive when it is at least `threshold`.
    public init(probabilities: [Double], labels: [Bool], threshold: Double = 0.5) {
        precondition(probabilities.count == labels.count, "one label per probability")
        let confusion = Metrics.confusion(probabilities: probabilities, labels: labels, threshold: threshold)
        self.count = labels.count
        self.confusion = confusion
        accuracy = confusion.accuracy
        sensitivity = confusion.sensitivity
        specificity = confusion.specificity
        rocAUC = Metrics.rocAUC(scores: probabilities, labels: labels)
        prAUC = Metrics.averagePrecision(scores: probabilities, labels: labels)
        ece = labels.isEmpty ? nil : Metrics.expectedCalibrationError(probabilities: probabilities, labels: labels)
    }

    /// The metric called `name` (`accuracy`, `sensitivity`, `specificity`, `rocAUC`, `prAUC`, `ece`).
    public func value(_ name: String) -> Double? {
        switch name {
        case "accuracy": accuracy
        case "sensitivity": sensitivity
        case "specificity": specificity
        case "rocAUC": rocAUC
        case "prAUC": prAUC
        case "ece": ece
        default: nil
        }
    }

    public static let names = ["accuracy", "sensitivity", "specificity", "rocAUC", "prAUC", "ece"]
}

/// One point of a ROC curve.
public struct ROCPoint: Sendable, Codable, Equatable {
    public var falsePositiveRate: Double
    public var truePositiveRate: Double
}

/// One bin of a reliability diagram.
public struct ReliabilityBin: Sendable, Codable, Equatable {
    public var lower: Double
    public var upper: Double
    public var count: Int
    /// Mean top-label confidence in the bin.
    public var confidence: Double
    /// Fraction of the bin's samples whose predicted class is right.
    public var accuracy: Double
}

/// Metric functions on probabilities of the positive class.
public enum Metrics {
    /// The confusion matrix at `threshold` (predicted positive when p >= threshold).
    public static func confusion(probabilities: [Double], labels: [Bool], threshold: Double = 0.5) -> ConfusionMatrix {
        var m = ConfusionMatrix()
        for (p, y) in zip(probabilities, labels) {
            switch (p >= threshold, y) {
            case (true, true): m.truePositives += 1
            case (true, false): m.falsePositives += 1
            case (false, false): m.trueNegatives += 1
            case (false, true): m.falseNegatives += 1
            }
        }
        return m
    }

    /// ROC-AUC as the Mann-Whitney statistic: the chance that a random positive scores above a
    /// random negative, ties counting one half. nil when either class is missing.
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Average ranks (1-based) with ties.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] { rankSumPositive += averageRank }
            i = j + 1
        }
        let u = rankSumPositive - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// Average precision: sum over thresholds (distinct scores, high to low) of
    /// (recall_n - recall_{n-1}) * precision_n. nil without positives.
    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0, ap = 0.0, lastRecall = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for k in i...j { if labels[order[k]] { tp += 1 } else { fp += 1 } }
            let recall = Double(tp) / Double(positives)
            let precision = Double(tp) / Double(tp + fp)
            ap += (recall - lastRecall) * precision
            lastRecall = recall
            i = j + 1
        }
        return ap
    }

    /// The ROC curve from (0,0) to (1,1), one point per distinct score. Empty when a class is missing.
    public static func rocCurve(scores: [Double], labels: [Bool]) -> [ROCPoint] {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return [] }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [ROCPoint(falsePositiveRate: 0, truePositiveRate: 0)]
        var tp = 0, fp = 0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for k in i...j { if labels[order[k]] { tp += 1 } else { fp += 1 } }
            points.append(
                ROCPoint(
                    falsePositiveRate: Double(fp) / Double(negatives), truePositiveRate: Double(tp) / Double(positives)))
            i = j + 1
        }
        return points
    }

    /// Thins a curve to at most `maximum` points (keeping the first and last).
    public static func thinned(_ points: [ROCPoint], maximum: Int = 200) -> [ROCPoint] {
        guard points.count > maximum, maximum >= 2 else { return points }
        let step = Double(points.count - 1) / Double(maximum - 1)
        return (0..<maximum).map { points[Int((Double($0) * step).rounded())] }
    }

    /// The reliability bins of the top-label confidence max(p, 1 - p): `bins` equal-width bins over
    /// [0, 1] as Guo et al. (2017) (for two classes only the upper half is used); empty bins are left out.
    public static func reliability(probabilities: [Double], labels: [Bool], bins: Int = 10) -> [ReliabilityBin] {
        var count = [Int](repeating: 0, count: bins)
        var confidence = [Double](repeating: 0, count: bins)
        var correct = [Double](repeating: 0, count: bins)
        for (p, y) in zip(probabilities, labels) {
            let predicted = p >= 0.5
            let c = predicted ? p : 1 - p
            let b = min(bins - 1, max(0, Int(c * Double(bins))))
            count[b] += 1
            confidence[b] += c
            correct[b] += predicted == y ? 1 : 0
        }
        return (0..<bins).compactMap { b in
            guard count[b] > 0 else { return nil }
            return ReliabilityBin(
                lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), count: count[b],
                confidence: confidence[b] / Double(count[b]), accuracy: correct[b] / Double(count[b]))
        }
    }

    /// Expected calibration error: sum over bins of (n_b / n) * |accuracy_b - confidence_b|.
    public static func expectedCalibrationError(probabilities: [Double], labels: [Bool], bins: Int = 10) -> Double {
        let n = Double(labels.count)
        guard n > 0 else { return 0 }
        return reliability(probabilities: probabilities, labels: labels, bins: bins).reduce(0) {
            $0 + Double($1.count) / n * abs($1.accuracy - $1.confidence)
        }
    }
}
