/// One of the 24 chromosome classes: 1-22, X, Y (`index` 0…23).
public struct ChromosomeClass: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 0 = chromosome 1 … 21 = chromosome 22, 22 = X, 23 = Y.
    public let index: Int

    /// - Precondition: `0 <= index < 24`.
    public init(index: Int) {
        precondition((0..<24).contains(index), "chromosome class index \(index) outside 0..<24")
        self.index = index
    }

    /// "1"…"22", "X" or "Y" (case-insensitive; a leading "chr" is accepted).
    public init?(name: String) {
        var n = name.uppercased()
        if n.hasPrefix("CHR") { n.removeFirst(3) }
        switch n {
        case "X": index = 22
        case "Y": index = 23
        default:
            guard let v = Int(n), (1...22).contains(v) else { return nil }
            index = v - 1
        }
    }

    /// "1"…"22", "X" or "Y".
    public var name: String { index < 22 ? String(index + 1) : (index == 22 ? "X" : "Y") }
    public var description: String { name }

    public static let count = 24
    public static let all = (0..<24).map { ChromosomeClass(index: $0) }
    public static let chr9 = ChromosomeClass(index: 8)
    public static let chr22 = ChromosomeClass(index: 21)
    public static let x = ChromosomeClass(index: 22)
    public static let y = ChromosomeClass(index: 23)
}
