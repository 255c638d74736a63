import Foundation

/// Patient-grouped, stratified K-fold assignment: every patient's samples land in one fold, and
/// positive patients (any positive sample) and negative patients are spread evenly over folds.
public enum GroupedKFold {
    /// The fold (0..<folds) of each sample.
    /// - Parameters:
    ///   - patients: the patient of each sample.
    ///   - positive: the label of each sample (a patient's stratum is positive when any is).
    ///   - folds: K >= 2.
    ///   - seed: the patients' order within a stratum.
    /// - Throws: `LoopError` when K < 2 or there are fewer patients than folds.
    public static func assign(patients: [String], positive: [Bool], folds: Int, seed: UInt64) throws -> [Int] {
        precondition(patients.count == positive.count, "one label per patient entry")
        guard folds >= 2 else { throw LoopError("cross-validation needs at least 2 folds, got \(folds)") }
        var sizes: [String: Int] = [:]
        var stratum: [String: Bool] = [:]
        for (p, y) in zip(patients, positive) {
            sizes[p, default: 0] += 1
            stratum[p] = (stratum[p] ?? false) || y
        }
        guard sizes.count >= folds else {
            throw LoopError("\(folds)-fold cross-validation needs at least \(folds) patients, found \(sizes.count)")
        }
        var foldOf: [String: Int] = [:]
        var load = [Int](repeating: 0, count: folds)
        var patientsPerFold = [Int](repeating: 0, count: folds)
        for cls in [true, false] {
            // Largest patients first (greedy balancing), ties in a seeded order.
            let members = stratum.filter { $0.value == cls }.map(\.key).sorted {
                let a = (sizes[$0]!, mix(seed, $0)), b = (sizes[$1]!, mix(seed, $1))
                return a.0 != b.0 ? a.0 > b.0 : (a.1, $0) < (b.1, $1)
            }
            var stratumLoad = [Int](repeating: 0, count: folds)
            for p in members {
                let fold = (0..<folds).min {
                    (stratumLoad[$0], load[$0], patientsPerFold[$0], $0) < (stratumLoad[$1], load[$1], patientsPerFold[$1], $1)
                }!
                foldOf[p] = fold
                stratumLoad[fold] += sizes[p]!
                load[fold] += sizes[p]!
                patientsPerFold[fold] += 1
            }
        }
        return patients.map { foldOf[$0]! }
    }

    static func mix(_ seed: UInt64, _ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
