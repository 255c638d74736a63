import KaryoCore
import KaryoVision

/// Turns the foreground components of one slot into chromosomes: pieces of one chromosome
/// (broken at pale bands) are joined, specks are dropped, and two touching homologs are cut apart
/// at the deepest valley of their column profile.
enum SlotChromosomes {
    /// - Parameter typicalWidth: the median chromosome width in the image (0 when unknown); a
    ///   lone object much wider than that where two are expected is two touching homologs.
    /// - Parameter image: the working image the components were found in; when given, touching
    ///   homologs may also be cut at a deep valley of the column sums of darkness (the gap
    ///   between two chromosomes is pale even where a low threshold bridges it).
    static func group(_ comps: [Component], imageWidth: Int, expected: Int, typicalWidth: Double = 0,
                      image: GrayImage? = nil, background: Int = 255) -> [Component] {
        guard let largest = comps.map(\.area).max() else { return [] }
        var majors = comps.filter { Double($0.area) >= 0.12 * Double(largest) }.sorted { $0.area > $1.area }
        let minors = comps.filter { Double($0.area) < 0.12 * Double(largest) }
        // Stacked pieces (x ranges overlapping) are one chromosome: a slot holds its homologs side by side.
        var merged = true
        while merged {
            merged = false
            outer: for i in majors.indices {
                for j in majors.indices where j > i {
                    let a = majors[i].box, b = majors[j].box
                    let ox = min(a.maxX, b.maxX) - max(a.x, b.x) + 1
                    let gapY = max(a.y, b.y) - min(a.maxY, b.maxY) - 1
                    let narrow = min(a.width, b.width)
                    if Double(ox) >= 0.5 * Double(narrow), Double(gapY) <= max(3, 1.5 * Double(max(a.height, b.height))) {
                        majors[i] = majors[i].merged(with: majors[j])
                        majors.remove(at: j)
                        merged = true
                        break outer
                    }
                }
            }
        }
        // Specks close to a chromosome belong to it; others are noise.
        for m in minors {
            var best = -1, bestD = Int.max
            for (i, c) in majors.enumerated() {
                let dx = max(0, max(c.box.x - m.box.maxX, m.box.x - c.box.maxX))
                let dy = max(0, max(c.box.y - m.box.maxY, m.box.y - c.box.maxY))
                if dx + dy < bestD { bestD = dx + dy; best = i }
            }
            if best >= 0, Double(bestD) <= 0.15 * Double(majors[best].box.height) + 1,
               Double(m.area) >= 0.02 * Double(majors[best].area) {
                majors[best] = majors[best].merged(with: m)
            }
        }
        // Drop what is much smaller than the chromosomes (stray marks).
        if let big = majors.map(\.area).max() {
            majors = majors.filter { Double($0.area) >= 0.25 * Double(big) }
        }
        if majors.count == 1, expected >= 2,
           let parts = splitPair(majors[0], imageWidth: imageWidth, wide: typicalWidth > 0 && Double(majors[0].box.width) > 1.3 * typicalWidth)
            ?? image.flatMap({ splitPairByDarkness(majors[0], image: $0, background: background) }) {
            majors = parts
        }
        return majors.sorted { $0.box.centerX < $1.box.centerX }
    }

    /// Two side-by-side touching chromosomes: cut at the column with the fewest pixels when it is
    /// much thinner than both sides.
    /// - Parameter wide: the object is known to be about two chromosomes wide: cut at the thinnest
    ///   column of its middle half whatever the valley's depth.
    static func splitPair(_ c: Component, imageWidth: Int, wide: Bool = false) -> [Component]? {
        let b = c.box
        guard b.width >= 6, wide || Double(b.width) >= 0.55 * Double(b.height) else { return nil }
        var cols = [Int](repeating: 0, count: b.width)
        for p in c.pixels { cols[p % imageWidth - b.x] += 1 }
        let lo = b.width / 4, hi = b.width - 1 - b.width / 4
        guard hi > lo else { return nil }
        var cut = lo
        for x in lo...hi where cols[x] < cols[cut] { cut = x }
        let leftPeak = cols[0..<cut].max() ?? 0
        let rightPeak = cols[(cut + 1)...].max() ?? 0
        guard wide || Double(cols[cut]) < 0.45 * Double(min(leftPeak, rightPeak)) else { return nil }
        var left: [Int] = [], right: [Int] = []
        for p in c.pixels { if p % imageWidth - b.x < cut { left.append(p) } else { right.append(p) } }
        guard !left.isEmpty, !right.isEmpty else { return nil }
        return [Component(pixels: left, imageWidth: imageWidth), Component(pixels: right, imageWidth: imageWidth)]
    }

    /// Two side-by-side touching chromosomes told apart by darkness: cut at the column (of the
    /// middle half) whose summed darkness is under a quarter of the darkest column on each side,
    /// when both parts are at least three pixels wide.
    static func splitPairByDarkness(_ c: Component, image: GrayImage, background: Int) -> [Component]? {
        let b = c.box, W = image.width
        guard b.width >= 6, Double(b.width) >= 0.55 * Double(b.height) else { return nil }
        var cols = [Int](repeating: 0, count: b.width)
        for p in c.pixels { cols[p % W - b.x] += max(0, background - Int(image.pixels[p])) }
        let lo = max(3, b.width / 4), hi = min(b.width - 4, b.width - 1 - b.width / 4)
        guard hi >= lo else { return nil }
        var cut = lo
        for x in lo...hi where cols[x] < cols[cut] { cut = x }
        let leftPeak = cols[0..<cut].max() ?? 0
        let rightPeak = cols[(cut + 1)...].max() ?? 0
        guard 4 * cols[cut] < min(leftPeak, rightPeak) else { return nil }
        var left: [Int] = [], right: [Int] = []
        for p in c.pixels {
            let x = p % W - b.x
            if x < cut { left.append(p) } else if x > cut { right.append(p) }
        }
        guard !left.isEmpty, !right.isEmpty else { return nil }
        return [Component(pixels: left, imageWidth: W), Component(pixels: right, imageWidth: W)]
    }
}
