import Foundation
import KaryoCore
import KaryoMetaphase

/// How well a `MetaphaseAnalysis` found the true 9s and 22s of one image.
public struct MetaphaseScore: Sendable {
    /// True chromosomes 9 and 22 in the image.
    public var truth9: Int = 0, truth22: Int = 0
    /// Of those, found as one object (covering at least half of it, and at least half of the
    /// object on it) and assigned the right class.
    public var correct9: Int = 0, correct22: Int = 0
    /// Of those, found as one object whatever its class (segmentation only).
    public var segmented9: Int = 0, segmented22: Int = 0
    /// Objects assigned 9 or 22 that match no true chromosome of that class.
    public var falsePicks: Int = 0
    /// All true chromosomes, and those matched by one object (segmentation quality).
    public var truthAll: Int = 0, segmentedAll: Int = 0
    /// Of `segmentedAll`, those assigned the right class (any class: classification quality).
    public var correctAll: Int = 0

    public init() {}

    public static func + (a: MetaphaseScore, b: MetaphaseScore) -> MetaphaseScore {
        var s = MetaphaseScore()
        s.truth9 = a.truth9 + b.truth9; s.truth22 = a.truth22 + b.truth22
        s.correct9 = a.correct9 + b.correct9; s.correct22 = a.correct22 + b.correct22
        s.segmented9 = a.segmented9 + b.segmented9; s.segmented22 = a.segmented22 + b.segmented22
        s.falsePicks = a.falsePicks + b.falsePicks
        s.truthAll = a.truthAll + b.truthAll; s.segmentedAll = a.segmentedAll + b.segmentedAll
        s.correctAll = a.correctAll + b.correctAll
        return s
    }
}

extension MetaphaseTruth {
    /// For each of `truth` (regions of `map`), whether it stands free: no pixel of another
    /// chromosome among its 8 neighbours. A chromosome that touches or crosses another is one
    /// object to any threshold; only shape cues (a narrow neck) can part them.
    public static func standsFree(_ truth: [TruthChromosome], in map: GrayImage) -> [Bool] {
        let w = map.width, h = map.height
        return truth.map { t in
            for p in t.pixels {
                let y = p / w, x = p - y * w
                for ny in max(0, y - 1)...min(h - 1, y + 1) {
                    for nx in max(0, x - 1)...min(w - 1, x + 1) {
                        let q = ny * w + nx
                        if map.pixels[q] != 0, !t.pixels.contains(q) { return false }
                    }
                }
            }
            return true
        }
    }

    /// Scores `analysis` against `truth` (see `MetaphaseScore` for the matching rule).
    public static func score(_ analysis: MetaphaseAnalysis, truth: [TruthChromosome], imageWidth w: Int) -> MetaphaseScore {
        var s = MetaphaseScore()
        let objectPixels: [Set<Int>] = analysis.objects.map { a in
            var set = Set<Int>()
            let o = a.object
            for y in 0..<o.box.height { for x in 0..<o.box.width where o.mask[x, y] { set.insert((o.box.y + y) * w + o.box.x + x) } }
            return set
        }
        var matchedObjects = Set<Int>()
        for t in truth {
            s.truthAll += 1
            let match = objectPixels.indices.first { i in
                let inter = objectPixels[i].intersection(t.pixels).count
                return Double(inter) >= 0.5 * Double(t.pixels.count) && Double(inter) >= 0.5 * Double(objectPixels[i].count)
            }
            if let m = match {
                s.segmentedAll += 1
                if analysis.objects[m].assigned == t.chromosome { s.correctAll += 1 }
            }
            guard t.chromosome == .chr9 || t.chromosome == .chr22 else { continue }
            let is9 = t.chromosome == .chr9
            if is9 { s.truth9 += 1 } else { s.truth22 += 1 }
            guard let m = match else { continue }
            if is9 { s.segmented9 += 1 } else { s.segmented22 += 1 }
            if analysis.objects[m].assigned == t.chromosome {
                matchedObjects.insert(m)
                if is9 { s.correct9 += 1 } else { s.correct22 += 1 }
            }
        }
        s.falsePicks = analysis.objects.indices.filter { i in
            (analysis.objects[i].assigned == .chr9 || analysis.objects[i].assigned == .chr22) && !matchedObjects.contains(i)
        }.count
        return s
    }
}

extension PairedTruth {
    /// Scores `analysis` of the metaphase against this truth; the karyogram's 9s and 22s that
    /// matched no metaphase object count as not found.
    public func score(_ analysis: MetaphaseAnalysis) -> MetaphaseScore {
        var s = MetaphaseTruth.score(analysis, truth: truth, imageWidth: analysis.segmentation.normalized.width)
        s.truth9 += max(0, expected9 - truth.filter { $0.chromosome == .chr9 }.count)
        s.truth22 += max(0, expected22 - truth.filter { $0.chromosome == .chr22 }.count)
        return s
    }
}
