import KaryoCore

/// A word read from a printed line, with its horizontal extent in the pixels of the line image.
public struct PrintedWord: Sendable, Equatable {
    public var text: String
    public var minX: Int
    public var maxX: Int

    public init(text: String, minX: Int, maxX: Int) {
        self.text = text; self.minX = minX; self.maxX = maxX
    }
}

/// Reads one line of printed text, such as the class numbers under a row of karyogram slots
/// (Karyo's implementation is tesseract OCR).
public protocol PrintedLineReader: Sendable {
    /// The words of a dark-on-light image holding one printed line, left to right.
    func printedWords(inLine image: GrayImage) -> [PrintedWord]
}

/// Slots named by the class numbers printed under them.
struct PrintedNaming {
    var named: [(label: String, slot: RawSlot)]
    /// Slots whose printed number was read (unique and a valid class).
    var read: Int
    /// Read slots whose number differs from the name their place in the standard rows gives.
    var differingFromPositions: Int
}

extension RawLayout {
    static let classLabels: Set<String> = Set((1...22).map(String.init) + ["X", "Y"])

    /// Names the slots by their printed numbers: each row's strip of numbers is read as one line
    /// and every word is given to the slot whose span holds it. Returns nil unless at least 3 in 4
    /// slots are read with distinct class names; a slot not read keeps its standard-position
    /// name when the layout has the standard rows, and is left out otherwise.
    func labelledByPrintedNumbers(_ w: WorkingImage, reader: any PrintedLineReader) -> PrintedNaming? {
        guard numberStrips.count == rows.count else { return nil }
        let slotCount = rows.reduce(0) { $0 + $1.count }
        guard slotCount >= 20 else { return nil }
        var printed: [[String?]] = rows.map { $0.map { _ in nil } }
        for (r, row) in rows.enumerated() {
            guard let strip = numberStrips[r] else { continue }
            let slack = max(2, strip.height / 3)
            let padded = PixelBox(minX: max(0, strip.x - slack), minY: max(0, strip.y - slack),
                                  maxX: min(w.small.width - 1, strip.maxX + slack), maxY: min(w.small.height - 1, strip.maxY + slack))
            let box = w.toFull(padded)
            guard !box.isEmpty else { continue }
            // Tesseract reads digits best about 30 px tall; printed numbers are often 10-15.
            let textHeight = Double(strip.height) / w.scale
            let factor = max(1, min(4, (30 / max(textHeight, 1)).rounded()))
            let line = Self.lineImage(w.full, box, factor: Int(factor))
            var counts: [Int: Int] = [:]
            var texts: [Int: String] = [:]
            for word in reader.printedWords(inLine: line) {
                let text = word.text.uppercased()
                guard Self.classLabels.contains(text) else { continue }
                let centreFull = Double(box.x) + (Double(word.minX + word.maxX) / 2 - Double(Self.linePadding)) / factor
                let centre = centreFull * w.scale
                let pad = Double(w.small.width) * 0.01
                guard let i = row.firstIndex(where: { centre >= Double($0.region.x) - pad && centre <= Double($0.region.maxX) + pad })
                else { continue }
                counts[i, default: 0] += 1
                texts[i] = text
            }
            for (i, n) in counts where n == 1 { printed[r][i] = texts[i] }
        }
        // A class read under two slots is a misreading somewhere: trust neither.
        var seen: [String: Int] = [:]
        for row in printed { for label in row.compactMap({ $0 }) { seen[label, default: 0] += 1 } }
        printed = printed.map { $0.map { l in l.flatMap { seen[$0] == 1 ? $0 : nil } } }
        let read = printed.reduce(0) { $0 + $1.compactMap { $0 }.count }
        guard read * 4 >= slotCount * 3 else { return nil }
        let positions = labelled()
        var named: [(label: String, slot: RawSlot)] = []
        var differing = 0
        var k = 0
        for (r, row) in rows.enumerated() {
            for (i, slot) in row.enumerated() {
                let positional = positions?[k].label
                k += 1
                if let p = printed[r][i] {
                    if let positional, positional != p { differing += 1 }
                    named.append((p, slot))
                } else if let positional {
                    named.append((positional, slot))
                }
            }
        }
        return PrintedNaming(named: named, read: read, differingFromPositions: differing)
    }

    static let linePadding = 12

    /// The box of `image` enlarged `factor` times (bilinear), on a white margin.
    static func lineImage(_ image: GrayImage, _ box: PixelBox, factor: Int) -> GrayImage {
        let pad = linePadding
        let W = box.width * factor + 2 * pad, H = box.height * factor + 2 * pad
        var pixels = [UInt8](repeating: 255, count: W * H)
        let f = Double(factor)
        for y in 0..<(box.height * factor) {
            for x in 0..<(box.width * factor) {
                let sx = Double(box.x) + (Double(x) + 0.5) / f - 0.5
                let sy = Double(box.y) + (Double(y) + 0.5) / f - 0.5
                pixels[(y + pad) * W + x + pad] = ChromosomeOrienter.bilinear(image, sx, sy)
            }
        }
        return GrayImage(width: W, height: H, pixels: pixels)
    }
}
