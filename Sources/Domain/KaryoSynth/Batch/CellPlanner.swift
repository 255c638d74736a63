import Foundation
import KaryoCore

/// One cell of a batch: who it belongs to and what it carries.
struct CellPlan: Sendable {
    let index: Int
    let patientID: String
    let caseID: String
    let cellID: String
    let sex: Sex
    let abnormality: CellAbnormality
    let caseKaryotype: String
    let identity: FakeIdentity?
    var karyotype: String { CellBuilder.karyotype(sex: sex, abnormality: abnormality) }
}

/// Decides the cases and cells of a batch from its seed (sequential and cheap; the pixels are made later).
enum CellPlanner {
    static func plan(_ o: SynthOptions) -> [CellPlan] {
        var rng = SeededGenerator(seed: SeededGenerator.derive(o.seed, 0xCA5E))
        let perCase = max(1, o.cellsPerCase)
        let caseCount = (o.count + perCase - 1) / perCase
        let sizes = (0..<caseCount).map { min(perCase, o.count - $0 * perCase) }
        // Exactly round(F * cases) positive cases, chosen among cases with at least 2 cells.
        let eligible = (0..<caseCount).filter { sizes[$0] >= 2 || perCase == 1 }
        var shuffled = eligible
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.int(0...i)) }
        let positives = Set(shuffled.prefix(Int((o.positiveFraction * Double(caseCount)).rounded())))
        var cells: [CellPlan] = []
        for c in 0..<caseCount {
            let sex: Sex = rng.chance(0.5) ? .male : .female
            let identity = o.fakeIdentities ? FakeIdentity.make(index: c, rng: &rng) : nil
            let patient = identity?.mrn ?? String(format: "SYN-%06d", c + 1)
            let caseID = (o.fakeIdentities ? "FAKECASE-" : "SYN-") + String(format: "%06d", c + 1) + "-C1"
            var clone: CellAbnormality = .none
            if positives.contains(c) {
                let r = Double(rng.uniform(0, 1))
                if r < o.variantFraction {
                    clone = .variant(Breakpoint.variantPartners[rng.int(0...Breakpoint.variantPartners.count - 1)])
                } else if r < o.variantFraction + o.maskedPhFraction {
                    clone = .maskedPh
                } else {
                    clone = .t922
                }
            } else if rng.chance(o.hardNegativeFraction) {
                let pair = Breakpoint.hardNegatives[rng.int(0...Breakpoint.hardNegatives.count - 1)]
                clone = .other(pair.0, pair.1)
            }
            // A case with 3 or more cells may hold one normal cell beside the clone (mosaic).
            var abnormalities = [CellAbnormality](repeating: clone, count: sizes[c])
            if clone != .none && sizes[c] >= 3 && rng.chance(0.3) { abnormalities[sizes[c] - 1] = .none }
            let caseKaryotype = Self.caseKaryotype(sex: sex, cells: abnormalities)
            for (k, a) in abnormalities.enumerated() {
                cells.append(CellPlan(index: cells.count, patientID: patient, caseID: caseID,
                                      cellID: String(format: "%03d", k + 1), sex: sex, abnormality: a,
                                      caseKaryotype: caseKaryotype, identity: identity))
            }
        }
        return cells
    }

    /// The case karyotype with cell counts, e.g. `46,XY,t(9;22)(q34;q11.2)[2]/46,XY[1]`.
    static func caseKaryotype(sex: Sex, cells: [CellAbnormality]) -> String {
        var order: [CellAbnormality] = []
        var counts: [String: Int] = [:]
        for a in cells {
            let k = CellBuilder.karyotype(sex: sex, abnormality: a)
            if counts[k] == nil { order.append(a) }
            counts[k, default: 0] += 1
        }
        // Abnormal clone first, normal cells last, as ISCN writes them.
        order.sort { ($0 == .none ? 1 : 0) < ($1 == .none ? 1 : 0) }
        return order.map { a in
            let k = CellBuilder.karyotype(sex: sex, abnormality: a)
            return "\(k)[\(counts[k]!)]"
        }.joined(separator: "/")
    }
}
