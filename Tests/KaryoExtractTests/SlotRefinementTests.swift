import Foundation
import KaryoCore
@testable import KaryoExtract
import KaryoTestSupport
import KaryoVision
import Testing

/// A dark-on-light test canvas with rectangles painted in.
struct Canvas {
    var image: GrayImage

    init(width: Int, height: Int, background: UInt8) {
        image = GrayImage(width: width, height: height, fill: background)
    }

    mutating func fill(_ box: PixelBox, _ value: UInt8) {
        for y in box.y...box.maxY { for x in box.x...box.maxX { image[x, y] = value } }
    }

    /// The component of the pixels inside `box` darker than `threshold`.
    func component(in box: PixelBox, below threshold: Int) -> Component {
        var pixels: [Int] = []
        for y in box.y...box.maxY {
            for x in box.x...box.maxX where Int(image[x, y]) < threshold { pixels.append(y * image.width + x) }
        }
        return Component(pixels: pixels, imageWidth: image.width)
    }
}

@Suite struct SlotRefinerTests {
    let slot = PixelBox(x: 0, y: 0, width: 80, height: 70)

    @Test func jpegHaloAroundABrightChromosomeIsLeftOut() throws {
        // Core at 100 on a 250 background, a one-pixel halo at 244 that passes the slot's threshold.
        var c = Canvas(width: 80, height: 70, background: 250)
        c.fill(PixelBox(x: 19, y: 14, width: 10, height: 34), 244)
        let core = PixelBox(x: 20, y: 15, width: 8, height: 32)
        c.fill(core, 100)
        let seed = c.component(in: slot, below: 247)
        #expect(seed.box == PixelBox(x: 19, y: 14, width: 10, height: 34))
        let r = try #require(SlotRefiner.refine([seed], interior: slot, threshold: 247, image: c.image, expected: 1))
        #expect(r.objects.count == 1)
        #expect(r.objects[0].box == core)
        // 5% of the way from 250 to 100 is 7.5 gray levels: below 243 belongs to the chromosome.
        #expect(r.thresholds == [243])
    }

    @Test func pixelsTheDenoisedSeedLostAreTakenBack() throws {
        // A one-pixel-wide pale tip (passing the slot's threshold) that a 3x3 median removes.
        var c = Canvas(width: 80, height: 70, background: 250)
        let body = PixelBox(x: 30, y: 20, width: 6, height: 24)
        c.fill(body, 200)
        c.fill(PixelBox(x: 33, y: 44, width: 1, height: 3), 230)
        let seed = c.component(in: body, below: 240)
        let r = try #require(SlotRefiner.refine([seed], interior: slot, threshold: 240, image: c.image, expected: 1))
        #expect(r.objects[0].box == PixelBox(x: 30, y: 20, width: 6, height: 24 + SlotRefiner.Settings().reach))
        // With a longer reach the whole tip comes back.
        var far = SlotRefiner.Settings()
        far.reach = 3
        let r3 = try #require(SlotRefiner.refine([seed], interior: slot, threshold: 240, image: c.image, expected: 1, settings: far))
        #expect(r3.objects[0].box == PixelBox(x: 30, y: 20, width: 6, height: 27))
    }

    @Test func anObjectReachingOutOfTheInteriorIsNotClipped() throws {
        // Underline slots: an object is assigned by its centre and may stick out of the line's span.
        var c = Canvas(width: 80, height: 70, background: 250)
        let body = PixelBox(x: 30, y: 20, width: 20, height: 24)
        c.fill(body, 120)
        let r = try #require(SlotRefiner.refine([c.component(in: body, below: 240)], interior: PixelBox(x: 0, y: 0, width: 40, height: 70),
                                                threshold: 240, image: c.image, expected: 1))
        #expect(r.objects.map(\.box) == [body])
    }

    @Test func growthStopsAtTheReach() throws {
        // A long pale streak off the chromosome is followed only `reach` pixels.
        var c = Canvas(width: 80, height: 70, background: 250)
        let body = PixelBox(x: 30, y: 20, width: 6, height: 24)
        c.fill(body, 200)
        c.fill(PixelBox(x: 36, y: 30, width: 30, height: 1), 230)
        let r = try #require(SlotRefiner.refine([c.component(in: body, below: 240)], interior: slot, threshold: 240,
                                                image: c.image, expected: 1))
        #expect(r.objects[0].box.maxX == body.maxX + SlotRefiner.Settings().reach)
    }

    @Test func touchingHomologsShareTheBridgeWithoutOverlap() throws {
        var c = Canvas(width: 80, height: 70, background: 250)
        let left = PixelBox(x: 20, y: 15, width: 8, height: 30), right = PixelBox(x: 31, y: 15, width: 8, height: 30)
        c.fill(left, 150)
        c.fill(right, 150)
        c.fill(PixelBox(x: 28, y: 15, width: 3, height: 30), 235)  // a pale bridge both could take
        let seeds = [c.component(in: left, below: 240), c.component(in: right, below: 240)]
        let r = try #require(SlotRefiner.refine(seeds, interior: slot, threshold: 240, image: c.image, expected: 2))
        #expect(r.objects.count == 2)
        let a = r.objects[0].box, b = r.objects[1].box
        #expect(a.maxX < b.x)
        #expect(a.x == 20 && b.maxX == 38)
        #expect(Set(r.objects[0].pixels).isDisjoint(with: r.objects[1].pixels))
    }

    @Test func aFaintHomologIsAddedButNotALineOrAStrayMark() throws {
        var c = Canvas(width: 80, height: 70, background: 250)
        let found = PixelBox(x: 20, y: 20, width: 7, height: 24)
        c.fill(found, 150)
        let faint = PixelBox(x: 34, y: 22, width: 6, height: 20)
        c.fill(faint, 245)  // only 5 levels below the background: under the slot's threshold
        c.fill(PixelBox(x: 74, y: 4, width: 2, height: 60), 240)  // a line remnant along the edge
        c.fill(PixelBox(x: 50, y: 52, width: 8, height: 8), 240)  // a mark below, beside nothing
        let seed = c.component(in: found, below: 240)
        let r = try #require(SlotRefiner.refine([seed], interior: slot, threshold: 240, image: c.image, expected: 2))
        #expect(r.objects.count == 2)
        #expect(r.objects.map(\.box).contains(faint))
        #expect(r.objects.map(\.box).contains(found))
        // Nothing at all is added to a slot whose objects were all found, or where nothing is seen.
        let none = try #require(SlotRefiner.refine([seed], interior: slot, threshold: 240,
                                                   image: Canvas(width: 80, height: 70, background: 250).image, expected: 2))
        #expect(none.objects.count == 1)
    }

    @Test func aFaintHomologIsNotAddedWhenNoneIsThere() throws {
        var c = Canvas(width: 80, height: 70, background: 250)
        let found = PixelBox(x: 20, y: 20, width: 7, height: 24)
        c.fill(found, 150)
        c.fill(PixelBox(x: 74, y: 4, width: 2, height: 60), 240)
        c.fill(PixelBox(x: 50, y: 52, width: 8, height: 8), 240)
        let r = try #require(SlotRefiner.refine([c.component(in: found, below: 240)], interior: slot, threshold: 240,
                                                image: c.image, expected: 2))
        #expect(r.objects.map(\.box) == [found])
    }
}

@Suite struct SlotChromosomesTests {
    @Test func touchingPairIsCutAtItsPaleGap() throws {
        // Two dark chromosomes bridged by pale pixels over their whole height: the pixel count has
        // no valley, the darkness has a deep one.
        var c = Canvas(width: 60, height: 60, background: 250)
        c.fill(PixelBox(x: 10, y: 10, width: 7, height: 18), 90)
        c.fill(PixelBox(x: 17, y: 10, width: 2, height: 18), 225)
        c.fill(PixelBox(x: 19, y: 10, width: 7, height: 18), 90)
        let pair = c.component(in: PixelBox(x: 0, y: 0, width: 60, height: 60), below: 240)
        #expect(SlotChromosomes.splitPair(pair, imageWidth: 60) == nil)
        let parts = try #require(SlotChromosomes.splitPairByDarkness(pair, image: c.image, background: 250))
        #expect(parts.count == 2)
        #expect(parts[0].box.maxX <= 17 && parts[0].box.x == 10)
        #expect(parts[1].box.x >= 18 && parts[1].box.maxX == 25)
        let grouped = SlotChromosomes.group([pair], imageWidth: 60, expected: 2, image: c.image, background: 250)
        #expect(grouped.count == 2)
    }

    @Test func aSingleEvenChromosomeIsNotCut() {
        var c = Canvas(width: 60, height: 60, background: 250)
        c.fill(PixelBox(x: 10, y: 10, width: 16, height: 20), 90)
        let one = c.component(in: PixelBox(x: 0, y: 0, width: 60, height: 60), below: 240)
        #expect(SlotChromosomes.splitPairByDarkness(one, image: c.image, background: 250) == nil)
        #expect(SlotChromosomes.group([one], imageWidth: 60, expected: 2, image: c.image, background: 250).count == 1)
    }
}

@Suite struct GridFrameTests {
    /// A framed box (dark-on-light, frame at 0) with a tick from the left side at mid-height.
    func framedBox(chromosomeTouchingTick: Bool) -> (GrayImage, PixelBox, PixelBox) {
        var c = Canvas(width: 90, height: 130, background: 250)
        let frame = PixelBox(x: 5, y: 5, width: 70, height: 110)
        for x in frame.x...frame.maxX { c.image[x, frame.y] = 0; c.image[x, frame.maxY] = 0 }
        for y in frame.y...frame.maxY { c.image[frame.x, y] = 0; c.image[frame.maxX, y] = 0 }
        c.fill(PixelBox(x: 6, y: 58, width: 12, height: 3), 40)  // the tick
        let chromosome = PixelBox(x: chromosomeTouchingTick ? 18 : 30, y: 35, width: 9, height: 45)
        c.fill(chromosome, 80)
        return (c.image, frame, chromosome)
    }

    @Test func chromosomeTouchingASideTickIsKept() {
        let (img, frame, chromosome) = framedBox(chromosomeTouchingTick: true)
        let (objects, _) = GridLayoutFinder.objects(in: frame, of: img)
        #expect(objects.map(\.box) == [chromosome])
    }

    @Test func ringingAroundATickIsNoObject() {
        // Noisy copies: the frame's JPEG ringing lights the first inner columns in patches, with a
        // short dark tick among them; what is left of that after peeling is faint, no chromosome.
        var (img, frame, chromosome) = framedBox(chromosomeTouchingTick: false)
        var c = Canvas(width: img.width, height: img.height, background: 250)
        c.image = img
        c.fill(PixelBox(x: 6, y: 58, width: 12, height: 3), 250)  // no clean tick this time
        for y in [40, 41, 42, 43, 44, 47, 48, 51, 52, 53, 54, 55] { c.image[7, y] = 240 }
        c.fill(PixelBox(x: 8, y: 44, width: 4, height: 12), 238)
        c.fill(PixelBox(x: 8, y: 53, width: 2, height: 3), 40)
        img = c.image
        let (objects, _) = GridLayoutFinder.objects(in: frame, of: img)
        #expect(objects.map(\.box) == [chromosome])
    }

    @Test func aTickAloneIsNoObject() {
        let (img, frame, chromosome) = framedBox(chromosomeTouchingTick: false)
        let (objects, _) = GridLayoutFinder.objects(in: frame, of: img)
        #expect(objects.map(\.box) == [chromosome])
    }
}

@Suite struct RowGroupTests {
    @Test func printedNumbersUnderARowAreDropped() {
        func comp(_ b: PixelBox) -> Component { Component(box: b, pixels: Array(0..<(b.width * b.height))) }
        let chromosomes = [PixelBox(x: 10, y: 10, width: 6, height: 30), PixelBox(x: 20, y: 12, width: 6, height: 28),
                           PixelBox(x: 60, y: 20, width: 5, height: 16)]
        let numbers = [PixelBox(x: 12, y: 48, width: 5, height: 8), PixelBox(x: 60, y: 48, width: 9, height: 8)]
        let smallBeside = PixelBox(x: 80, y: 25, width: 4, height: 9)  // a small chromosome in the row
        let kept = RowGroupLayoutFinder.withoutPrintedNumbers((chromosomes + numbers + [smallBeside]).map(comp)).map(\.box)
        #expect(kept == chromosomes + [smallBeside])
    }
}

@Suite struct SyntheticGridTests {
    /// A BioImLab-like Q-band grid (bright on black, 416x416): four bands of framed boxes whose
    /// facing edges merge into one line, 5/7/6/6 boxes, two bars per box; slot 2 holds long straight
    /// chromosomes standing nearly as tall as the band. Returns the image and the 9 and 22 bars.
    func grid() -> (GrayImage, [LabelledBox]) {
        var img = GrayImage(width: 416, height: 416, fill: 0)
        func fill(_ b: PixelBox, _ v: UInt8) { for y in b.y...b.maxY { for x in b.x...b.maxX { img[x, y] = v } } }
        let edges = [6, 137, 241, 316, 410]
        let counts = [5, 7, 6, 6]
        var truth: [LabelledBox] = []
        for e in edges { fill(PixelBox(x: 5, y: e, width: 405, height: 2), 230) }
        for r in 0..<4 {
            let top = edges[r] + 2, bottom = edges[r + 1] - 1
            let band = bottom - top + 1
            let w = 405 / counts[r]
            for i in 0...counts[r] { fill(PixelBox(x: min(408, 5 + i * w), y: top, width: 2, height: band), 230) }
            for i in 0..<counts[r] {
                let cx = 5 + i * w + w / 2
                let label = RawLayout.standardRows[r][i]
                let h = label == "2" ? band * 8 / 10 : max(14, band * (55 - 8 * r) / 100)
                let y = top + (band - h) / 2
                for (k, x) in [cx - 10, cx + 3].enumerated() {
                    let bar = PixelBox(x: x, y: y + k, width: 7, height: h - 2 * k)
                    fill(bar, 170)
                    if label == "9" || label == "22" { truth.append(LabelledBox(label: label, box: bar)) }
                }
            }
        }
        return (img, truth)
    }

    @Test func gridWithMergedEdgesAndTallChromosomesIsRead() throws {
        let (img, truth) = grid()
        let r = ChromosomeExtractor().extract(img)
        #expect(r.kind == .karyogram, "\(r.kindReason)")
        #expect(r.polarity == .brightOnDark)
        #expect(r.layout?.style == .boxGrid)
        #expect(r.layout?.rowSlotCounts == [5, 7, 6, 6])
        #expect(truth.count == 4)
        let s = ExtractionTruth.score(r, truth: truth, minIoU: 0.8)
        #expect(s.complete, "\(r.chromosomes.map { "\($0.label):\($0.box)" })")
        #expect(r.issues.filter { $0.code == .missing || $0.code == .extra }.isEmpty)
    }
}
