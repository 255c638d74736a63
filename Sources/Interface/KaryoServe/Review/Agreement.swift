import KaryoCore
import KaryoStore

/// Agreement between two readers over the items both read.
public struct PairAgreement: Sendable, Equatable {
    public var readerA: String
    public var readerB: String
    /// Items both read.
    public var count: Int
    /// Fraction of items with the same call.
    public var observed: Double
    /// Agreement expected by chance from each reader's own call frequencies.
    public var expected: Double
    /// Cohen's kappa, (observed − expected) / (1 − expected); nil when expected agreement is 1
    /// (both readers always gave the same single call), where kappa is undefined.
    public var kappa: Double?
    /// counts[a][b]: items reader A called `a` and reader B called `b`, in `Agreement.categories` order.
    public var table: [[Int]]
}

/// Cohen's kappa for pairs of readers.
public enum Agreement {
    public static let categories: [SampleLabel] = [.positive, .negative, .unsure]

    /// Cohen's kappa of paired calls.
    /// - Returns: nil for no pairs or when chance agreement is 1.
    public static func cohensKappa(_ pairs: [(SampleLabel, SampleLabel)]) -> (observed: Double, expected: Double, kappa: Double?)? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        var agree = 0.0
        var rowTotals: [SampleLabel: Double] = [:]
        var columnTotals: [SampleLabel: Double] = [:]
        for (a, b) in pairs {
            if a == b { agree += 1 }
            rowTotals[a, default: 0] += 1
            columnTotals[b, default: 0] += 1
        }
        let observed = agree / n
        var expected = 0.0
        for category in categories {
            expected += (rowTotals[category] ?? 0) / n * ((columnTotals[category] ?? 0) / n)
        }
        let kappa: Double? = expected >= 1 - 1e-12 ? nil : (observed - expected) / (1 - expected)
        return (observed, expected, kappa)
    }

    /// Agreement per pair of readers (pairs sorted by name), from completed double readings.
    public static func perPair(_ reads: [ReadPair]) -> [PairAgreement] {
        var groups: [String: [ReadPair]] = [:]
        for read in reads { groups[read.readerA + "\u{0}" + read.readerB, default: []].append(read) }
        return groups.keys.sorted().compactMap { key in
            let group = groups[key]!
            guard let k = cohensKappa(group.map { ($0.decisionA, $0.decisionB) }) else { return nil }
            var table = Array(repeating: Array(repeating: 0, count: categories.count), count: categories.count)
            for read in group {
                table[categories.firstIndex(of: read.decisionA)!][categories.firstIndex(of: read.decisionB)!] += 1
            }
            return PairAgreement(
                readerA: group[0].readerA, readerB: group[0].readerB, count: group.count, observed: k.observed,
                expected: k.expected, kappa: k.kappa, table: table)
        }
    }
}
