import Foundation

/// Assigns classes to all objects of one cell under karyotype constraints.
public enum CellAssignment {
    /// The assignment of largest summed log probability in which each autosome is used at most
    /// twice and the sex chromosomes at most twice together, with at most one Y (optimal, by the
    /// Hungarian method; a greedy most-probable-first assignment is worse: held-out pki3 cells
    /// 98.8% against 99.1% with the same network). In a cell of more than 46 objects (fragments,
    /// debris) the objects left outside the 46 places are those whose forced class costs the most
    /// against their own most probable class, which they take.
    /// Beyond `maximumObjects` objects (an image that is no metaphase), only the most confident
    /// ones are assigned and the rest take their most probable class.
    /// - Returns: a class index per object.
    public static func assign(probabilities p: [[Float]], maximumObjects: Int = 160) -> [Int] {
        guard !p.isEmpty else { return [] }
        guard p.count <= maximumObjects else {
            let top = p.map { $0.max() ?? 0 }
            let kept = p.indices.sorted { top[$0] > top[$1] }.prefix(maximumObjects).sorted()
            var result = p.map(mostProbable)
            for (i, k) in zip(kept, assign(probabilities: kept.map { p[$0] }, maximumObjects: maximumObjects)) { result[i] = k }
            return result
        }
        let n = p.count
        let classes = ChromosomeClass.count
        // Places: two per autosome, then one for X or Y and one for X only.
        var places: [[Int]] = []
        for k in 0..<(classes - 2) { places.append([k]); places.append([k]) }
        places.append([classes - 2, classes - 1])
        places.append([classes - 2])
        let m = places.count + max(0, n - places.count)  // places outside for the objects beyond 46
        let outsideCost = 1000.0
        func logp(_ i: Int, _ k: Int) -> Double { log(max(Double(p[i][k]), 1e-12)) }
        var cost = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        var choice = [[Int]](repeating: [Int](repeating: 0, count: m), count: n)
        for i in 0..<n {
            let best = mostProbable(p[i])
            for (j, allowed) in places.enumerated() {
                let k = allowed.max { logp(i, $0) < logp(i, $1) }!
                cost[i][j] = -logp(i, k); choice[i][j] = k
            }
            // Outside the places: dearer than any place, so only objects beyond 46 go there.
            for j in places.count..<m { cost[i][j] = -logp(i, best) + outsideCost; choice[i][j] = best }
        }
        let column = minimumCostAssignment(cost)
        return (0..<n).map { choice[$0][column[$0]] }
    }

    /// The index of the largest probability (0 for an empty row).
    static func mostProbable(_ row: [Float]) -> Int { row.indices.max { row[$0] < row[$1] } ?? 0 }

    /// Rows to distinct columns (rows ≤ columns) at the least total cost: the Hungarian method
    /// with potentials, O(rows² · columns). Returns each row's column.
    static func minimumCostAssignment(_ a: [[Double]]) -> [Int] {
        let n = a.count, m = a.first?.count ?? 0
        precondition(n <= m, "more rows than columns")
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: m + 1)
        var owner = [Int](repeating: 0, count: m + 1)  // row (1-based) holding each column; 0: free
        var way = [Int](repeating: 0, count: m + 1)
        for row in 1...n {
            owner[0] = row
            var j0 = 0
            var minv = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[j0] = true
                let i0 = owner[j0]
                var delta = Double.infinity, j1 = 0
                for j in 1...m where !used[j] {
                    let cur = a[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[owner[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while owner[j0] != 0
            repeat {
                let j1 = way[j0]
                owner[j0] = owner[j1]
                j0 = j1
            } while j0 != 0
        }
        var result = [Int](repeating: 0, count: n)
        for j in 1...m where owner[j] > 0 { result[owner[j] - 1] = j - 1 }
        return result
    }
}
