import KaryoCore

/// Decides, line by line, what OCR found: which lines to mask, which to keep, and which make
/// the image "unsure" (quarantine).
///
/// - A line whose words are all karyogram labels (chromosome numbers 1-22, X, Y; ISCN) is kept.
/// - A line is masked whole (its glyph box, padded) when any word in it looks like an
///   identifier: a known identifier, a long number or a date read with at
///   least `uncertainConfidence`; an identifier label or a capitalised word (possible name)
///   read with at least `maskConfidence`, or with at least `uncertainConfidence` in a line of
///   3 or more glyphs that are not chromosome-like blobs (a 2-glyph line is often a chromosome
///   number read as letters, a row of blobs a row of chromosomes);
///   with `maskAllText`, any confident word that is not a karyogram label.
/// - A line not masked that looks like text (4 or more glyphs no taller than 40 pixels) but was not read confidently
///   (no word, or mean confidence below `maskConfidence`) is counted as uncertain, unless its
///   glyphs are chromosome-like blobs (``TextLine/isBlobRow``): rows of chromosomes and bands,
///   or a ragged row of chromosome pieces (``TextLine/isRaggedRow``).
struct LineMasking {
    let profile: DeidProfile
    let rules: IdentifierRules

    struct Decision {
        var masks: [PixelBox] = []
        var uncertain = 0
        var wordsSeen = 0
        var keptLabels = 0
    }

    func decide(_ readings: [LineReading]) -> Decision {
        var d = Decision()
        for reading in readings {
            let words = reading.words
            d.wordsSeen += words.count
            let kinds = words.map { rules.classify($0.text) }
            if !words.isEmpty && kinds.allSatisfy({ $0 == .karyogramLabel }) {
                d.keptLabels += 1
                continue
            }
            var mask = false
            for (word, kind) in zip(words, kinds) {
                switch kind {
                case .knownIdentifier, .longNumber, .date:
                    if word.confidence >= profile.uncertainConfidence { mask = true }
                case .identifierLabel, .possibleName:
                    if word.confidence >= profile.maskConfidence
                        || (word.confidence >= profile.uncertainConfidence && reading.line.glyphs >= 3
                            && !reading.line.isBlobRow) { mask = true }
                case .otherText:
                    if profile.maskAllText && word.confidence >= profile.maskConfidence { mask = true }
                case .karyogramLabel:
                    break
                }
            }
            if mask {
                let pad = profile.maskPadding + reading.line.glyphHeight / 6
                d.masks.append(reading.line.box.padded(by: pad))
                continue
            }
            if reading.line.glyphs >= 4 && reading.line.glyphHeight <= 40 && !reading.line.isBlobRow
                && !reading.line.isRaggedRow {
                let mean = words.isEmpty ? 0 : words.map(\.confidence).reduce(0, +) / Float(words.count)
                if mean < profile.maskConfidence { d.uncertain += 1 }
            }
        }
        return d
    }
}

/// Blanks rectangles of an image.
enum Masking {
    /// Fills each rectangle (clipped to the image) with the median of the pixels on its border
    /// ring, i.e. the local background, so that white-on-dark labels become dark and dark-on-light
    /// labels light. Returns the number of non-empty rectangles blanked.
    @discardableResult
    static func blank(_ image: inout GrayImage, regions: [PixelBox]) -> Int {
        let w = image.width, h = image.height
        var count = 0
        for region in regions {
            let r = region.clipped(width: w, height: h)
            if r.isEmpty { continue }
            count += 1
            let fill = ringMedian(image, around: r)
            image.pixels.withUnsafeMutableBufferPointer { p in
                for y in r.y..<(r.y + r.height) {
                    let row = y * w
                    for x in r.x..<(r.x + r.width) { p[row + x] = fill }
                }
            }
        }
        return count
    }

    private static func ringMedian(_ image: GrayImage, around r: PixelBox) -> UInt8 {
        let w = image.width, h = image.height
        var histogram = [Int](repeating: 0, count: 256)
        var total = 0
        let ring = r.padded(by: 2).clipped(width: w, height: h)
        image.pixels.withUnsafeBufferPointer { p in
            func add(_ x: Int, _ y: Int) {
                if !r.contains(x: x, y: y) {
                    histogram[Int(p[y * w + x])] += 1
                    total += 1
                }
            }
            for x in ring.x..<(ring.x + ring.width) {
                add(x, ring.y)
                add(x, ring.y + ring.height - 1)
            }
            for y in ring.y..<(ring.y + ring.height) {
                add(ring.x, y)
                add(ring.x + ring.width - 1, y)
            }
        }
        guard total > 0 else { return 255 }
        var seen = 0
        for v in 0..<256 {
            seen += histogram[v]
            if seen * 2 >= total { return UInt8(v) }
        }
        return 255
    }
}
