import Foundation

/// Out-of-fold probabilities from a patient-grouped, stratified K-fold cross-validation: each
/// sample is scored by a model that never saw its patient.
public enum CrossValidation {
    /// - Parameters:
    ///   - samples: every sample to score (all splits).
    ///   - progress: called with (fold finished, folds).
    /// - Returns: the fold of each sample and its out-of-fold probability of the positive class.
    public static func outOfFold(
        _ samples: [LoopSample], folds: Int, spec: ModelSpec, seed: UInt64, progress: ((Int, Int) -> Void)? = nil
    ) throws -> (folds: [Int], probabilities: [Double]) {
        let assignment = try GroupedKFold.assign(
            patients: samples.map(\.patient), positive: samples.map(\.positive), folds: folds, seed: seed)
        var probabilities = [Double](repeating: .nan, count: samples.count)
        for k in 0..<folds {
            let heldOut = samples.indices.filter { assignment[$0] == k }
            let training = samples.indices.filter { assignment[$0] != k }.map { samples[$0] }
            let model = LoopModel(spec: spec, seed: seed &+ UInt64(k) &* 7919)
            _ = try model.train(training)
            let p = try model.probabilities(heldOut.map { samples[$0].image })
            for (i, value) in zip(heldOut, p) { probabilities[i] = value }
            progress?(k + 1, folds)
        }
        return (assignment, probabilities)
    }
}
