/// Assigns new patients to splits so that every class (stratum) is split in the policy's
/// proportions, given how many patients of each class each split already holds.
///
/// New patients are taken in the order of their keyed hash (``SplitPolicy/unitHash(_:)``); each
/// goes to the split furthest below its target share of the patient's class, ties going to the
/// split the plain hash threshold would pick. Patients assigned earlier are never moved: stability
/// comes from recording each patient's split, exactness of the proportions from the tallies.
import KaryoCore

public struct StratifiedAssigner: Sendable {
    /// The policy whose fractions are the targets and whose seed keys the hash order.
    public let policy: SplitPolicy
    /// Patients per stratum and split so far.
    public private(set) var tallies: [String: [Split: Int]]

    public init(policy: SplitPolicy, tallies: [String: [Split: Int]] = [:]) {
        self.policy = policy
        self.tallies = tallies
    }

    /// The target share of each split.
    var targets: [(Split, Double)] {
        [
            (.train, 1 - policy.validationFraction - policy.testFraction),
            (.validation, policy.validationFraction), (.test, policy.testFraction),
        ]
    }

    /// Assigns one patient of `stratum` and counts it.
    public mutating func assign(groupToken: String, stratum: String) -> Split {
        let counts = tallies[stratum] ?? [:]
        let total = Double(counts.values.reduce(0, +) + 1)
        let preferred = policy.assign(groupToken: groupToken)
        var best: (split: Split, deficit: Double)?
        for (split, share) in targets where share > 0 {
            let deficit = share * total - Double(counts[split] ?? 0)
            if let current = best {
                let better =
                    deficit > current.deficit + 1e-9
                    || (abs(deficit - current.deficit) <= 1e-9 && split == preferred && current.split != preferred)
                if better { best = (split, deficit) }
            } else {
                best = (split, deficit)
            }
        }
        let split = best?.split ?? .train
        tallies[stratum, default: [:]][split, default: 0] += 1
        return split
    }

    /// Assigns every group in keyed-hash order; returns token → split.
    public mutating func assignAll(_ groups: [(token: String, stratum: String)]) -> [String: Split] {
        let ordered = groups.map { ($0, policy.unitHash($0.token)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.token < $1.0.token }
        var result: [String: Split] = [:]
        for (group, _) in ordered { result[group.token] = assign(groupToken: group.token, stratum: group.stratum) }
        return result
    }
}
