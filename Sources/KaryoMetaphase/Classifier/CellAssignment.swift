/// Assigns classes to all objects of one cell under karyotype constraints.
public enum CellAssignment {
    /// Greedy maximum-probability assignment: at most two objects per autosome, at most two
    /// sex chromosomes (at most one Y). Objects left over (more than 46, or split fragments) take
    /// their most probable class.
    /// - Returns: a class index per object.
    public static func assign(probabilities p: [[Float]]) -> [Int] {
        let n = p.count
        guard n > 0 else { return [] }
        var pairs: [(p: Float, object: Int, cls: Int)] = []
        pairs.reserveCapacity(n * ChromosomeClass.count)
        for i in 0..<n { for k in 0..<p[i].count { pairs.append((p[i][k], i, k)) } }
        pairs.sort { $0.p > $1.p }
        var used = [Int](repeating: 0, count: ChromosomeClass.count)
        var sex = 0
        var result = [Int](repeating: -1, count: n)
        var left = n
        for (_, i, k) in pairs where result[i] < 0 {
            let capacity = k == 23 ? 1 : 2
            if used[k] >= capacity { continue }
            if k >= 22 && sex >= 2 { continue }
            result[i] = k; used[k] += 1
            if k >= 22 { sex += 1 }
            left -= 1
            if left == 0 { break }
        }
        for i in 0..<n where result[i] < 0 {
            result[i] = p[i].indices.max { p[i][$0] < p[i][$1] } ?? 0
        }
        return result
    }
}
