import Foundation

/// Confident learning (Northcutt et al. 2021, as cleanlab's `find_label_issues`): from out-of-sample
/// probabilities, per-class thresholds t_j = mean p_j over samples labelled j; a sample labelled i
/// is counted as truly j when p_j >= t_j (the largest such p_j when several classes pass). This
/// confident joint gives the probable label errors in one of two ways (`Filter`).
public struct ConfidentLearning: Sendable, Codable, Equatable {
    /// How the issues are chosen from the confident joint (cleanlab's `filter_by`).
    public enum Filter: String, Sendable, Codable, CaseIterable {
        /// The off-diagonal samples of the confident joint (`confident_learning`).
        case confidentLearning = "confident-learning"
        /// cleanlab's default (`prune_by_noise_rate`): calibrate the joint to the label counts,
        /// estimate the number of errors n_ij per off-diagonal cell, and take, among samples
        /// labelled i, the n_ij with the largest margin p_j - p_i; samples whose given label is the
        /// model's most probable class are never issues.
        case pruneByNoiseRate = "prune-by-noise-rate"
    }

    public var filter: Filter
    /// Estimated label errors per (given, true) cell after calibration (pruneByNoiseRate).
    public var estimatedErrors: [[Int]]
    /// t_negative, t_positive.
    public var thresholds: [Double]
    /// confidentJoint[given][estimated truth], 0 = negative, 1 = positive.
    public var confidentJoint: [[Int]]
    /// Probable label errors, most probable first (lowest self-confidence).
    public var issues: [LabelIssue]

    /// One probable label error.
    public struct LabelIssue: Sendable, Codable, Equatable {
        /// Index into the input arrays.
        public var index: Int
        public var givenPositive: Bool
        /// The model's probability of the given label (lower: more likely wrong).
        public var selfConfidence: Double
        /// 1 - selfConfidence: the queue's score.
        public var score: Double { 1 - selfConfidence }
    }

    /// Finds probable label errors.
    /// - Parameters:
    ///   - probabilities: out-of-sample probability of the positive class, per sample.
    ///   - labels: the given labels.
    ///   - filter: how issues are chosen (default: cleanlab's default).
    public init(probabilities: [Double], labels: [Bool], filter: Filter = .pruneByNoiseRate) {
        precondition(probabilities.count == labels.count, "one label per probability")
        func p(_ i: Int, _ cls: Int) -> Double { cls == 1 ? probabilities[i] : 1 - probabilities[i] }
        var thresholds = [0.5, 0.5]
        for cls in 0...1 {
            let members = labels.indices.filter { (labels[$0] ? 1 : 0) == cls }
            if !members.isEmpty { thresholds[cls] = members.reduce(0) { $0 + p($1, cls) } / Double(members.count) }
        }
        var joint = [[0, 0], [0, 0]]
        var issues: [LabelIssue] = []
        for i in labels.indices {
            let given = labels[i] ? 1 : 0
            let passing = (0...1).filter { p(i, $0) >= thresholds[$0] }
            guard let estimated = passing.max(by: { p(i, $0) < p(i, $1) }) else { continue }
            joint[given][estimated] += 1
            if estimated != given {
                issues.append(LabelIssue(index: i, givenPositive: labels[i], selfConfidence: p(i, given)))
            }
        }
        // Calibrate: rows scaled to the number of samples given each label.
        var estimated = [[0, 0], [0, 0]]
        for given in 0...1 {
            let rowSum = joint[given].reduce(0, +)
            let count = labels.filter { ($0 ? 1 : 0) == given }.count
            for truth in 0...1 where rowSum > 0 {
                estimated[given][truth] = Int((Double(joint[given][truth]) * Double(count) / Double(rowSum)).rounded())
            }
        }
        if filter == .pruneByNoiseRate {
            issues = []
            for given in 0...1 {
                let truth = 1 - given
                let candidates = labels.indices.filter {
                    (labels[$0] ? 1 : 0) == given && p($0, truth) > p($0, given)  // argmax differs from the label
                }.sorted {
                    let a = p($0, truth) - p($0, given), b = p($1, truth) - p($1, given)
                    return a != b ? a > b : $0 < $1
                }
                for i in candidates.prefix(estimated[given][truth]) {
                    issues.append(LabelIssue(index: i, givenPositive: labels[i], selfConfidence: p(i, given)))
                }
            }
        }
        issues.sort { ($0.selfConfidence, $0.index) < ($1.selfConfidence, $1.index) }
        self.filter = filter
        estimatedErrors = estimated
        self.thresholds = thresholds
        confidentJoint = joint
        self.issues = issues
    }
}
