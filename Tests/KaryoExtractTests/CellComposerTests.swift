import KaryoCore
import KaryoExtract
import Testing

/// A dark bar `width` x `height` with a lighter band in the middle, value range `dark`...`light`.
private func bar(width: Int, height: Int, dark: UInt8, light: UInt8, cls: Int) -> OrientedChromosome {
    var image = GrayImage(width: width, height: height, fill: dark)
    for y in (height / 3)..<(height / 2) { for x in 0..<width { image[x: x, y: y] = light } }
    return OrientedChromosome(image: image, chromosomeClass: cls)
}

/// Rows that hold a chromosome pixel in columns `range`.
private func drawnHeight(_ image: GrayImage, columns range: Range<Int>) -> Int {
    let rows = (0..<image.height).filter { y in range.contains { image[x: $0, y: y] < 250 } }
    return rows.isEmpty ? 0 : rows.max()! - rows.min()! + 1
}

@Test func sharedScaleKeepsRelativeLengths() {
    // A long der(9)-like 9 (120 px), a normal 9 (100), a normal 22 (40) and a short Ph (24).
    let nines = [bar(width: 20, height: 100, dark: 30, light: 180, cls: 9),
                 bar(width: 20, height: 120, dark: 30, light: 180, cls: 9)]
    let twentyTwos = [bar(width: 14, height: 40, dark: 30, light: 180, cls: 22),
                      bar(width: 14, height: 24, dark: 30, light: 180, cls: 22)]
    let c = CellComposer().compose(nines: nines, twentyTwos: twentyTwos)
    #expect(c.image.width == 90 && c.image.height == 90)
    #expect(c.scaleX == c.scaleY)
    #expect(c.missingSlots.isEmpty)
    #expect(c.lengths == [100, 120, 40, 24])
    // The tallest chromosome sets the scale: 120 px -> at most 86 px.
    #expect(abs(c.scaleX - 86.0 / 120.0) < 1e-9)
    let heights = [0..<25, 25..<48, 48..<68, 68..<90].map { drawnHeight(c.image, columns: $0) }
    #expect(abs(Double(heights[1]) - 120 * c.scaleX) <= 2)
    #expect(abs(Double(heights[0]) - 100 * c.scaleX) <= 2)
    #expect(abs(Double(heights[3]) - 24 * c.scaleX) <= 2)
    #expect(Double(heights[3]) / Double(heights[2]) < 0.7)
}

@Test func paperResizeStretchesTheCompositeToFill() {
    let nines = [bar(width: 20, height: 60, dark: 30, light: 180, cls: 9)]
    let twentyTwos = [bar(width: 14, height: 30, dark: 30, light: 180, cls: 22)]
    let c = CellComposer(mode: .paperResize).compose(nines: nines, twentyTwos: twentyTwos)
    #expect(c.scaleY == 86.0 / 60.0)
    #expect(c.scaleX != c.scaleY)
    #expect(c.missingSlots == [1, 3])
    #expect(drawnHeight(c.image, columns: 0..<90) >= 85)
}

@Test func missingChromosomesStayEmptyAndBackgroundIsUniform() {
    let c = CellComposer().compose(nines: [bar(width: 20, height: 80, dark: 30, light: 180, cls: 9)], twentyTwos: [])
    #expect(c.missingSlots == [1, 2, 3])
    #expect(c.lengths[0] == 80 && c.lengths[1] == nil)
    // Nothing is drawn right of the first slot: every pixel there is the background.
    let right = (0..<90).flatMap { y in (45..<90).map { c.image[x: $0, y: y] } }
    #expect(right.allSatisfy { $0 == 255 })
    let empty = CellComposer().compose(nines: [], twentyTwos: [])
    #expect(empty.image.pixels.allSatisfy { $0 == 255 } && empty.missingSlots == [0, 1, 2, 3])
}

@Test func contrastIsNormalizedAcrossCells() {
    // The same cell imaged pale (values 120...200) and dark (10...90) composes to the same image.
    func cell(_ dark: UInt8, _ light: UInt8) -> CellComposite {
        CellComposer().compose(
            nines: [bar(width: 20, height: 100, dark: dark, light: light, cls: 9),
                    bar(width: 20, height: 100, dark: dark, light: light, cls: 9)],
            twentyTwos: [bar(width: 14, height: 40, dark: dark, light: light, cls: 22),
                         bar(width: 14, height: 40, dark: dark, light: light, cls: 22)])
    }
    let pale = cell(120, 200), dark = cell(10, 90)
    let maxDifference = zip(pale.image.pixels, dark.image.pixels).map { abs(Int($0) - Int($1)) }.max()!
    #expect(maxDifference <= 2)
    #expect(pale.image.pixels.min()! <= 5)
}

@Test func maskedPixelsAreNotDrawn() {
    // A 20x100 box whose right half is outside the chromosome mask.
    var chromosome = bar(width: 20, height: 100, dark: 30, light: 180, cls: 9)
    chromosome.mask = (0..<(20 * 100)).map { $0 % 20 < 10 }
    let c = CellComposer().compose(nines: [chromosome, chromosome], twentyTwos: [])
    let firstSlotColumns = (0..<90).filter { x in (0..<90).contains { c.image[x: x, y: $0] < 250 } }
    // Each drawn chromosome is about 10 source px wide (7 output px), not 20.
    #expect(firstSlotColumns.count < 2 * 10)
}
