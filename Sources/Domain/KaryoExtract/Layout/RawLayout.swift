/// A slot as a finder sees it, in `WorkingImage.small` pixels, with the objects in it.
import KaryoCore
import KaryoVision

struct RawSlot: Sendable {
    var region: PixelBox
    var objects: [Component]
    /// Gray below which a pixel of this slot is chromosome (in the working image).
    var threshold: Int
    /// Where this slot's chromosomes may lie, guides (frame, underline) excluded; nil: `region`.
    var interior: PixelBox? = nil
}

/// Slots found by a finder, row by row, top to bottom, each row left to right.
struct RawLayout: Sendable {
    var style: LayoutStyle
    var rows: [[RawSlot]]
    /// Per row, the box of the class numbers printed under its slots (underline layouts), if any.
    var numberStrips: [PixelBox?] = []

    /// The standard class labels of the four rows.
    static let standardRows: [[String]] = [
        ["1", "2", "3", "4", "5"],
        ["6", "7", "8", "9", "10", "11", "12"],
        ["13", "14", "15", "16", "17", "18"],
        ["19", "20", "21", "22", "X", "Y"],
    ]

    /// Labels the slots by the standard layout. Rows 1-3 must have their exact slot counts; in
    /// row 4 the first four slots are 19-22 and the rest sex chromosomes. Returns nil when the
    /// rows do not match (then the image is not read as a standard karyogram).
    func labelled() -> [(label: String, slot: RawSlot)]? {
        guard rows.count == 4 else { return nil }
        var out: [(String, RawSlot)] = []
        for (r, row) in rows.enumerated() {
            let names = Self.standardRows[r]
            if r < 3 {
                guard row.count == names.count else { return nil }
                for (i, s) in row.enumerated() { out.append((names[i], s)) }
            } else {
                guard row.count >= 4, row.count <= 6 else { return nil }
                for (i, s) in row.enumerated() {
                    let name = i < 4 ? names[i] : (row.count == 5 ? "XY" : names[i])
                    out.append((name, s))
                }
            }
        }
        return out
    }
}

/// Groups of 1-D positions: sorted values split where the gap exceeds `gap`.
func splitByGaps(_ values: [Double], gap: Double) -> [[Int]] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var groups: [[Int]] = []
    for i in order {
        if let last = groups.last?.last, values[i] - values[last] <= gap {
            groups[groups.count - 1].append(i)
        } else {
            groups.append([i])
        }
    }
    return groups
}
