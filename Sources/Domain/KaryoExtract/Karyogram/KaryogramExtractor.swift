import KaryoCore
import KaryoVision

/// Takes chosen classes (by default 9 and 22) out of a karyogram by its layout: the slot gives
/// the class, no classifier is needed.
struct KaryogramExtractor: Sendable {
    var labels: [String]
    /// Re-threshold each 9/22 slot's chromosomes on their own (``SlotRefiner``).
    var refine = true
    var refinerSettings = SlotRefiner.Settings()
    /// Reads the class numbers printed under underline slots; without it slots are named by position.
    var printedLabelReader: (any PrintedLineReader)? = nil

    struct Output: Sendable {
        var layout: KaryogramLayout
        var chromosomes: [ExtractedChromosome]
        var issues: [ExtractionIssue]
    }

    /// The layout finders, most specific first. Slots are named by their printed numbers when
    /// `reader` reads them, else by their place in the standard rows.
    static func findLayout(_ w: WorkingImage, reader: (any PrintedLineReader)? = nil)
        -> (raw: RawLayout, named: [(label: String, slot: RawSlot)], printed: PrintedNaming?)? {
        let finders: [(WorkingImage) -> RawLayout?] = [GridLayoutFinder.find, UnderlineLayoutFinder.find, RowGroupLayoutFinder.find]
        for f in finders {
            guard let raw = f(w) else { continue }
            if let reader, let printed = raw.labelledByPrintedNumbers(w, reader: reader) { return (raw, printed.named, printed) }
            if let named = raw.labelled() { return (raw, named, nil) }
        }
        return nil
    }

    func extract(_ w: WorkingImage) -> Output? {
        guard let (raw, named, printed) = Self.findLayout(w, reader: printedLabelReader) else { return nil }
        var slots: [LayoutSlot] = []
        var chromosomes: [ExtractedChromosome] = []
        var issues: [ExtractionIssue] = []
        if let printed, printed.differingFromPositions > 0 {
            issues.append(ExtractionIssue(.layoutIrregular,
                "\(printed.differingFromPositions) printed slot number\(printed.differingFromPositions == 1 ? "" : "s") differ from the standard positions; the printed numbers were used"))
        }
        // The usual chromosome width in this image, from all slots.
        // Slots showing two or more objects show single chromosomes, not touching pairs.
        let allWidths = named.map { SlotChromosomes.group($0.slot.objects, imageWidth: w.small.width, expected: 1) }
            .filter { $0.count >= 2 }.flatMap { $0.map(\.box.width) }.sorted()
        let typicalWidth = allWidths.isEmpty ? 0 : Double(allWidths[allWidths.count / 2])
        for (label, slot) in named {
            let expected = ["X", "Y", "XY"].contains(label) ? 1 : 2
            var objs = SlotChromosomes.group(slot.objects, imageWidth: w.small.width, expected: expected, typicalWidth: typicalWidth,
                                             image: w.small, background: w.background)
            var thresholds = objs.map { _ in slot.threshold }
            if labels.contains(label), refine,
               let r = SlotRefiner.refine(objs, interior: slot.interior ?? slot.region, threshold: slot.threshold, image: w.small,
                                          expected: expected, settings: refinerSettings) {
                objs = r.objects
                thresholds = r.thresholds
            }
            slots.append(LayoutSlot(label: label, region: w.toFull(slot.region), objectCount: objs.count))
            guard labels.contains(label) else { continue }
            if objs.count < 2 {
                issues.append(ExtractionIssue(.missing, label: label,
                    "slot \(label) holds \(objs.count) chromosome\(objs.count == 1 ? "" : "s"), 2 expected"))
            } else if objs.count > 2 {
                issues.append(ExtractionIssue(.extra, label: label, "slot \(label) holds \(objs.count) chromosomes, 2 expected"))
            }
            for (i, c) in objs.enumerated() {
                chromosomes.append(Self.chromosome(c, label: label, homolog: i + 1, threshold: thresholds[i], in: w))
            }
        }
        for label in labels where !named.contains(where: { $0.label == label }) {
            issues.append(ExtractionIssue(.missing, label: label, "no slot for class \(label) was found"))
        }
        let counts = raw.rows.map(\.count)
        // A row-grouped layout may show X and Y as one group: 5 in row 4 is regular there.
        if counts != [5, 7, 6, 6], !(raw.style == .rowGroups && counts == [5, 7, 6, 5]) {
            issues.append(ExtractionIssue(.layoutIrregular, "rows hold \(counts.map(String.init).joined(separator: "/")) slots, 5/7/6/6 expected"))
        }
        var layout = KaryogramLayout(style: raw.style, rowSlotCounts: counts, slots: slots)
        if let printed {
            layout.naming = .printedNumbers
            layout.printedNumbersRead = printed.read
        }
        let order = labels
        chromosomes.sort { (order.firstIndex(of: $0.label) ?? 0, $0.homolog) < (order.firstIndex(of: $1.label) ?? 0, $1.homolog) }
        return Output(layout: layout, chromosomes: chromosomes, issues: issues)
    }

    /// The chromosome of a component found in `w.small`, cut from the full-resolution image.
    static func chromosome(_ c: Component, label: String, homolog: Int, threshold: Int, in w: WorkingImage) -> ExtractedChromosome {
        let sw = w.small.width, sh = w.small.height
        var inSmall = Set(c.pixels)
        if w.scale < 0.999 {
            // Dilate by one small pixel so the full-resolution edge is not cut.
            var grown = inSmall
            for p in inSmall {
                let y = p / sw, x = p - y * sw
                for dy in -1...1 { for dx in -1...1 {
                    let nx = x + dx, ny = y + dy
                    if nx >= 0, ny >= 0, nx < sw, ny < sh { grown.insert(ny * sw + nx) }
                } }
            }
            inSmall = grown
        }
        let full = w.full
        let region = w.toFull(c.box).padded(Int((1 / w.scale).rounded(.up)), within: full.width, full.height)
        var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
        var hits: [(Int, Int)] = []
        let s = w.scale
        for y in region.y...region.maxY {
            let sy = min(sh - 1, Int(Double(y) * s))
            for x in region.x...region.maxX {
                let sx = min(sw - 1, Int(Double(x) * s))
                guard inSmall.contains(sy * sw + sx) else { continue }
                if w.scale >= 0.999 || Int(full.pixels[y * full.width + x]) < threshold {
                    hits.append((x, y))
                    x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
                }
            }
        }
        let box = hits.isEmpty ? region : PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1)
        let bg = UInt8(clamping: w.background)
        var pix = [UInt8](repeating: bg, count: box.area)
        var mask = [Bool](repeating: false, count: box.area)
        for (x, y) in hits {
            let i = (y - box.y) * box.width + (x - box.x)
            pix[i] = full.pixels[y * full.width + x]
            mask[i] = true
        }
        return ExtractedChromosome(label: label, homolog: homolog, box: box,
                                   image: GrayImage(width: box.width, height: box.height, pixels: pix),
                                   mask: mask, background: bg, confidence: 1)
    }
}
