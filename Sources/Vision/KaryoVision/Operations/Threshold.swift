/// Global thresholds of a gray-level histogram.
package enum Threshold {
    /// Otsu's threshold: the gray level `t` that maximises the between-class variance of the
    /// classes `<= t` and `> t`. Nil when the histogram holds fewer than two distinct levels.
    package static func otsu(_ hist: [Int]) -> Int? {
        let total = hist.reduce(0, +)
        guard total > 0 else { return nil }
        var sumAll = 0.0
        for v in hist.indices { sumAll += Double(v) * Double(hist[v]) }
        var wB = 0, sumB = 0.0, best = -1.0, bestT: Int?
        for t in hist.indices {
            wB += hist[t]
            if wB == 0 { continue }
            let wF = total - wB
            if wF == 0 { break }
            sumB += Double(t) * Double(hist[t])
            let mB = sumB / Double(wB), mF = (sumAll - sumB) / Double(wF)
            let between = Double(wB) * Double(wF) * (mB - mF) * (mB - mF)
            if between > best { best = between; bestT = t }
        }
        return bestT
    }
}
