/// One of the partitions a dataset is exported into.
public enum Split: String, Sendable, Codable, CaseIterable, Comparable {
    case train
    case validation
    case test

    public static func < (lhs: Split, rhs: Split) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
