import KaryoCore

/// One extracted chromosome, already oriented (long axis vertical, p-arm up), dark on light.
public struct OrientedChromosome: Sendable, Equatable {
    /// The chromosome's pixels in a tight box; pixels outside `mask` are ignored.
    public var image: GrayImage
    /// `true` where the pixel belongs to the chromosome; `nil` means every pixel does.
    public var mask: [Bool]?
    /// The chromosome class, 1-22, 23 = X, 24 = Y (here 9 or 22).
    public var chromosomeClass: Int
    /// Length along the (straightened) medial axis in source pixels; the box height when unknown.
    public var length: Double

    public init(image: GrayImage, mask: [Bool]? = nil, chromosomeClass: Int, length: Double? = nil) {
        precondition(mask == nil || mask!.count == image.pixels.count, "mask must cover the image")
        self.image = image
        self.mask = mask
        self.chromosomeClass = chromosomeClass
        self.length = length ?? Double(image.height)
    }

    func isChromosome(_ index: Int) -> Bool { mask?[index] ?? true }
}

/// The model input made from one cell, with what is needed to trace it back (`derivation`, stored
/// with the derived image; its fields read directly, e.g. `composite.scaleX`).
@dynamicMemberLookup
public struct CellComposite: Sendable, Equatable {
    /// `size` x `size`, chromosomes dark on a background of `CellComposer.background`.
    public var image: GrayImage
    public var derivation: CompositeDerivation

    public subscript<T>(dynamicMember keyPath: KeyPath<CompositeDerivation, T>) -> T { derivation[keyPath: keyPath] }
}

/// Composes the two 9s and the two 22s of one cell side by side into one square image.
///
/// Slots run left to right 9, 9, 22, 22, bottom-aligned (as on a karyogram's underline), with
/// a gap between homologs and a wider one between the pairs. Contrast is normalized per cell from
/// the chromosome pixels themselves, so cells imaged darker or lighter look alike, and every
/// pixel outside a chromosome is the background value.
public struct CellComposer: Sendable {
    public var size: Int
    public var mode: CompositionMode
    /// The padding value (white: chromosomes are dark on light after polarity normalization).
    public var background: UInt8
    /// Margin around the composite, in output pixels.
    public var margin: Int

    public init(size: Int = 90, mode: CompositionMode = .sharedScale, background: UInt8 = 255, margin: Int = 2) {
        precondition(size >= 16, "composite size must be at least 16")
        self.size = size
        self.mode = mode
        self.background = background
        self.margin = margin
    }

    /// Composes a cell. `nines` and `twentyTwos` hold at most two chromosomes each (extra ones are
    /// the caller's to report; only the first two are used). Missing slots stay empty, never invented.
    public func compose(nines: [OrientedChromosome], twentyTwos: [OrientedChromosome]) -> CellComposite {
        let slots: [OrientedChromosome?] = [
            nines.count > 0 ? nines[0] : nil, nines.count > 1 ? nines[1] : nil,
            twentyTwos.count > 0 ? twentyTwos[0] : nil, twentyTwos.count > 1 ? twentyTwos[1] : nil,
        ]
        let present = slots.compactMap { $0 }
        let missing = slots.indices.filter { slots[$0] == nil }
        let (low, high) = Self.contrastRange(present)
        guard !present.isEmpty else {
            return CellComposite(image: GrayImage(width: size, height: size, fill: background),
                                 derivation: derivation(scaleX: 0, scaleY: 0, slots: slots, missing: missing, low: low, high: high))
        }
        // Natural-size layout in source pixels. An empty slot takes the width of its homolog (or
        // the median width) so the pairs stay where a reader expects them.
        let widths = present.map { Double($0.image.width) }.sorted()
        let medianWidth = widths[widths.count / 2]
        let slotWidths: [Double] = slots.enumerated().map { i, c in
            if let c { return Double(c.image.width) }
            let partner = slots[i ^ 1]
            return partner.map { Double($0.image.width) } ?? medianWidth
        }
        let homologGap = medianWidth * 0.25, pairGap = medianWidth * 0.6
        let naturalWidth = slotWidths.reduce(0, +) + 2 * homologGap + pairGap
        let naturalHeight = Double(present.map(\.image.height).max()!)
        let inner = Double(size - 2 * margin)
        let sx: Double, sy: Double
        switch mode {
        case .sharedScale:
            let s = min(inner / naturalWidth, inner / naturalHeight)
            (sx, sy) = (s, s)
        case .paperResize:
            (sx, sy) = (inner / naturalWidth, inner / naturalHeight)
        }
        var out = GrayImage(width: size, height: size, fill: background)
        let usedWidth = naturalWidth * sx
        var x = Double(margin) + (inner - usedWidth) / 2
        let baseline = Double(margin) + (inner + naturalHeight * sy) / 2   // bottom of the tallest, centred
        for (i, slot) in slots.enumerated() {
            if let c = slot {
                let h = Double(c.image.height) * sy
                draw(c, into: &out, left: x, top: baseline - h, sx: sx, sy: sy, low: low, high: high)
            }
            x += slotWidths[i] * sx
            if i == 0 || i == 2 { x += homologGap * sx } else if i == 1 { x += pairGap * sx }
        }
        return CellComposite(image: out, derivation: derivation(scaleX: sx, scaleY: sy, slots: slots, missing: missing, low: low, high: high))
    }

    private func derivation(scaleX: Double, scaleY: Double, slots: [OrientedChromosome?], missing: [Int],
                            low: Int, high: Int) -> CompositeDerivation {
        CompositeDerivation(mode: mode, size: size, scaleX: scaleX, scaleY: scaleY, lengths: slots.map { $0?.length },
                            missingSlots: missing, contrastLow: low, contrastHigh: high, slots: ["9", "9", "22", "22"])
    }

    /// What the lightest chromosome pixels become: light, but still visibly not background.
    public static let lightestChromosome = 225.0

    /// The intensity range of the cell's chromosome pixels: the 1st percentile (darkest bands) and
    /// the lightest chromosome level (99th percentile).
    static func contrastRange(_ chromosomes: [OrientedChromosome]) -> (Int, Int) {
        var histogram = [Int](repeating: 0, count: 256)
        var total = 0
        for c in chromosomes {
            for (i, v) in c.image.pixels.enumerated() where c.isChromosome(i) {
                histogram[Int(v)] += 1
                total += 1
            }
        }
        guard total > 0 else { return (0, 255) }
        func percentile(_ p: Double) -> Int {
            let target = Int(Double(total) * p)
            var sum = 0
            for v in 0..<256 {
                sum += histogram[v]
                if sum > target { return v }
            }
            return 255
        }
        let low = percentile(0.01)
        let high = max(low + 16, percentile(0.99))
        return (low, high)
    }

    /// Resamples one chromosome into the output by area averaging (each output pixel integrates its
    /// footprint in the source with 4x4 bilinear samples), blending with the background by coverage.
    func draw(_ c: OrientedChromosome, into out: inout GrayImage, left: Double, top: Double, sx: Double, sy: Double,
              low: Int, high: Int) {
        let w = c.image.width, h = c.image.height
        let x0 = max(0, Int(left.rounded(.down))), x1 = min(size, Int((left + Double(w) * sx).rounded(.up)))
        let y0 = max(0, Int(top.rounded(.down))), y1 = min(size, Int((top + Double(h) * sy).rounded(.up)))
        guard x0 < x1, y0 < y1 else { return }
        let span = Double(max(1, high - low))
        let n = 4
        for oy in y0..<y1 {
            for ox in x0..<x1 {
                var sum = 0.0, covered = 0
                for j in 0..<n {
                    for i in 0..<n {
                        let srcX = (Double(ox) + (Double(i) + 0.5) / Double(n) - left) / sx - 0.5
                        let srcY = (Double(oy) + (Double(j) + 0.5) / Double(n) - top) / sy - 0.5
                        let px = Int(srcX.rounded()), py = Int(srcY.rounded())
                        guard px >= 0, py >= 0, px < w, py < h, c.isChromosome(py * w + px) else { continue }
                        sum += Self.bilinear(c, srcX, srcY)
                        covered += 1
                    }
                }
                guard covered > 0 else { continue }
                let mean = sum / Double(covered)
                let normalized = min(Self.lightestChromosome, max(0, (mean - Double(low)) / span * Self.lightestChromosome))
                let coverage = Double(covered) / Double(n * n)
                let value = normalized * coverage + Double(background) * (1 - coverage)
                let index = oy * size + ox
                // Overlapping footprints (never for well-separated slots) keep the darker value.
                out.pixels[index] = min(out.pixels[index], UInt8(value.rounded()))
            }
        }
    }

    static func bilinear(_ c: OrientedChromosome, _ x: Double, _ y: Double) -> Double {
        let w = c.image.width, h = c.image.height
        let cx = min(max(x, 0), Double(w - 1)), cy = min(max(y, 0), Double(h - 1))
        let xa = Int(cx), ya = Int(cy)
        let xb = min(xa + 1, w - 1), yb = min(ya + 1, h - 1)
        let fx = cx - Double(xa), fy = cy - Double(ya)
        func v(_ x: Int, _ y: Int) -> Double {
            let i = y * w + x
            // Outside the chromosome, use the nearest inside sample (the one being drawn) so edges do
            // not bleed towards background before coverage blending.
            return c.isChromosome(i) ? Double(c.image.pixels[i]) : Double(c.image.pixels[ya * w + xa])
        }
        let top = v(xa, ya) * (1 - fx) + v(xb, ya) * fx
        let bottom = v(xa, yb) * (1 - fx) + v(xb, yb) * fx
        return top * (1 - fy) + bottom * fy
    }
}
