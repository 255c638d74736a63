import Foundation
import KaryoCodecs
import KaryoCore
@testable import KaryoMetaphase
import KaryoTestSupport
import Testing

@Suite struct SegmenterTests {
    @Test func separateChromosomesAreFoundWithTheirLength() {
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        let seg = MetaphaseSegmenter().segment(spread.render())
        #expect(seg.polarity == .darkOnLight)
        #expect(seg.objects.count == 12)
        #expect(seg.objects.allSatisfy { !$0.isOverlap && !$0.wasSplit })
        // A rod of half-length 8 and radius 5 is about 26 px long.
        let shortest = seg.objects.map(\.length).min() ?? 0
        #expect(abs(shortest - 26) <= 3)
    }

    @Test func nucleusAndDebrisAreRejected() {
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        spread.discs = [(x: 330, y: 240, radius: 40, dark: 90), (x: 200, y: 280, radius: 1.5, dark: 120)]
        spread.height = 300
        let seg = MetaphaseSegmenter().segment(spread.render())
        #expect(seg.objects.count == 12)
        #expect(seg.rejected.contains { $0.reason == .nucleus })
    }

    @Test func chromosomesFarFainterThanTheRestAreFoundInASecondPass() {
        var spread = SyntheticSpread()
        spread.rods = separateRods().enumerated().map { i, r in
            var r = r
            if i % 3 == 0 { r.dark = 30 }  // 4 of 12 at a quarter of the others' contrast
            return r
        }
        let found = MetaphaseSegmenter().segment(spread.render())
        #expect(found.objects.count == 12)
        #expect(found.objects.allSatisfy { !$0.isOverlap && !$0.wasSplit })
        let firstPassOnly = MetaphaseSegmenter(options: SegmentationOptions(recoverFaint: false)).segment(spread.render())
        #expect(firstPassOnly.objects.count == 8)
        // Evenly stained spreads are not thresholded again: the same objects either way.
        var even = SyntheticSpread()
        even.rods = separateRods()
        #expect(MetaphaseSegmenter().segment(even.render()).objects.map(\.box)
                == MetaphaseSegmenter(options: SegmentationOptions(recoverFaint: false)).segment(even.render()).objects.map(\.box))
    }

    @Test func truthChromosomesTouchingAnotherDoNotStandFree() {
        // Label map: a 9 (90) touching a 1 (10) and a 22 (220) on its own.
        var map = GrayImage(width: 60, height: 40, fill: 0)
        for y in 5..<30 { for x in 5..<10 { map[x, y] = 90 } }
        for y in 5..<30 { for x in 10..<15 { map[x, y] = 10 } }
        for y in 10..<25 { for x in 40..<45 { map[x, y] = 220 } }
        let truth = MetaphaseTruth.fromLabelMap(map)
        let free = Dictionary(uniqueKeysWithValues: zip(truth.map(\.chromosome), MetaphaseTruth.standsFree(truth, in: map)))
        #expect(free == [ChromosomeClass(index: 0): false, .chr9: false, .chr22: true])
    }

    @Test func brightOnDarkIsInverted() {
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        var img = spread.render()
        for i in img.pixels.indices { img.pixels[i] = 255 - img.pixels[i] }
        let seg = MetaphaseSegmenter().segment(img)
        #expect(seg.polarity == .brightOnDark)
        #expect(seg.objects.count == 12)
    }

    @Test func touchingEndToEndChromosomesAreSplitAtTheNeck() {
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        // Two rods meeting tip to tip at a narrow neck (a radius-2 bridge).
        spread.rods.append((x: 150, y: 250, half: 14, radius: 6, angle: 0, dark: 120))
        spread.rods.append((x: 190, y: 250, half: 14, radius: 6, angle: 0, dark: 120))
        spread.rods.append((x: 170, y: 250, half: 3, radius: 2, angle: 0, dark: 120))
        let seg = MetaphaseSegmenter().segment(spread.render())
        let split = seg.objects.filter(\.wasSplit)
        #expect(split.count == 2)
    }

    @Test func crossingChromosomesAreFlaggedNotSplit() {
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        spread.rods.append((x: 300, y: 250, half: 22, radius: 5, angle: 0.3, dark: 100))
        spread.rods.append((x: 300, y: 250, half: 22, radius: 5, angle: 1.9, dark: 100))
        let seg = MetaphaseSegmenter().segment(spread.render())
        let near = seg.objects.filter { $0.box.x < 300 && $0.box.x + $0.box.width > 300 && $0.box.y < 250 && $0.box.y + $0.box.height > 250 }
        #expect(near.count == 1)
        #expect(near.first?.isOverlap == true, "\(near.map { ($0.area, $0.wasSplit, $0.box) }) median \(seg.medianArea)")
    }

    @Test func blankAndTinyImagesGiveNoObjects() {
        #expect(MetaphaseSegmenter().segment(GrayImage(width: 300, height: 200, fill: 240)).objects.isEmpty)
        #expect(MetaphaseSegmenter().segment(GrayImage(width: 3, height: 2, fill: 0)).objects.isEmpty)
        #expect(MetaphaseSegmenter().segment(GrayImage(width: 0, height: 0, fill: 0)).objects.isEmpty)
        var noise = GrayImage(width: 200, height: 150, fill: 0)
        var g = UInt64(7)
        for i in noise.pixels.indices { g = g &* 6364136223846793005 &+ 1; noise.pixels[i] = UInt8(truncatingIfNeeded: g >> 56) }
        _ = MetaphaseSegmenter().segment(noise)  // must not trap
    }

    @Test(.enabled(if: hasSharedData, "needs ../shared/data"))
    func realMetaphasesSegmentIntoAboutFortySixObjects() throws {
        let folder = sharedDataFolder.appendingPathComponent("metaphase-karyogram-pairs/cabinh-8129A/metaphase")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".A.") }.sorted()
        #expect(files.count == 10)
        for f in files.prefix(3) {
            let img = try ImageCodec.decode(contentsOf: folder.appendingPathComponent(f)).image
            let seg = MetaphaseSegmenter().segment(img)
            #expect((30...60).contains(seg.objects.count), "\(f): \(seg.objects.count) objects")
        }
    }
}
