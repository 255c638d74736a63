import Crypto
import Foundation
import KaryoCore

/// How the training split is balanced between classes. Validation and test splits are never
/// resampled: they must reflect the data as it is.
public enum BalanceStrategy: String, Sendable, Codable, CaseIterable {
    /// Keep every sample.
    case none
    /// Drop samples of larger classes until every class has as many as the smallest.
    case undersample
    /// Repeat samples of smaller classes until every class has as many as the largest.
    case oversample
    /// Keep every sample and report per-class loss weights (n / (k * n_class)).
    case classWeights = "class-weights"
}

/// One sample to balance: its identity, class and split.
public struct BalanceInput: Sendable, Equatable {
    public var id: String
    public var label: String
    public var split: Split

    public init(id: String, label: String, split: Split) {
        self.id = id
        self.label = label
        self.split = split
    }
}

/// The result of balancing: how many times each sample appears, and per-class weights.
public struct BalancedSet: Sendable, Equatable {
    /// Every kept sample with its number of copies (1 unless oversampled), in input order.
    public var entries: [(id: String, copies: Int)]
    /// Loss weight per class for the training split (all 1 unless the strategy is class weights).
    public var classWeights: [String: Double]
    /// Number of training samples per class after balancing, copies included.
    public var trainCounts: [String: Int]

    public static func == (lhs: BalancedSet, rhs: BalancedSet) -> Bool {
        lhs.entries.elementsEqual(rhs.entries, by: { $0.id == $1.id && $0.copies == $1.copies })
            && lhs.classWeights == rhs.classWeights && lhs.trainCounts == rhs.trainCounts
    }
}

/// Balances the training split of `items` by `strategy`.
///
/// Which samples are dropped (undersampling) or repeated an extra time (oversampling) is decided by
/// a keyed hash of the sample id with `seed`, so the same inputs and seed always give the same set,
/// independent of input order.
public func balance(_ items: [BalanceInput], strategy: BalanceStrategy, seed: UInt64) -> BalancedSet {
    let key = SymmetricKey(data: Data("karyo-balance-v1:\(seed)".utf8))
    let train = items.filter { $0.split == .train }
    var byClass: [String: [BalanceInput]] = [:]
    for item in train { byClass[item.label, default: []].append(item) }
    let counts = byClass.mapValues(\.count)
    let classes = counts.keys.sorted()
    var copies: [String: Int] = [:]  // id -> copies, for train items; absent = dropped
    var weights: [String: Double] = Dictionary(uniqueKeysWithValues: classes.map { ($0, 1.0) })

    func rankedByHash(_ members: [BalanceInput]) -> [BalanceInput] {
        members
            .map { ($0, SplitPolicy.unitHash($0.id, key: key)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.id < $1.0.id }
            .map(\.0)
    }

    switch strategy {
    case .none, .classWeights:
        for item in train { copies[item.id] = 1 }
        if strategy == .classWeights, !classes.isEmpty {
            let total = Double(train.count)
            for c in classes { weights[c] = total / (Double(classes.count) * Double(counts[c]!)) }
        }
    case .undersample:
        let target = counts.values.min() ?? 0
        for c in classes {
            for item in rankedByHash(byClass[c]!).prefix(target) { copies[item.id] = 1 }
        }
    case .oversample:
        let target = counts.values.max() ?? 0
        for c in classes {
            let members = rankedByHash(byClass[c]!)
            let base = target / members.count
            let extra = target % members.count
            for (rank, item) in members.enumerated() { copies[item.id] = base + (rank < extra ? 1 : 0) }
        }
    }

    var entries: [(id: String, copies: Int)] = []
    var trainCounts: [String: Int] = [:]
    for item in items {
        if item.split != .train {
            entries.append((item.id, 1))
        } else if let n = copies[item.id] {
            entries.append((item.id, n))
            trainCounts[item.label, default: 0] += n
        }
    }
    return BalancedSet(entries: entries, classWeights: weights, trainCounts: trainCounts)
}
