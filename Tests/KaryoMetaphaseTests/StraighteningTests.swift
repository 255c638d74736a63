import Foundation
import KaryoCore
@testable import KaryoMetaphase
import Testing

/// Centre lines, straightening of bent chromosomes, and the cell width adaptation.
@Suite struct StraighteningTests {
    /// A dark band of half-width `radius` around a quarter circle of radius `bendRadius` (centred
    /// at (cx, cy), from angle 0 to π/2), on a light background: a bent chromosome whose centre
    /// line is π/2·bendRadius long, plus a cap of `radius` at each end.
    static func bentBar(bendRadius: Double = 30, radius: Double = 4) -> GrayImage {
        let w = 60, h = 60, cx = 10.0, cy = 10.0
        var px = [UInt8](repeating: 230, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let a = atan2(dy, dx)
                let dist: Double
                if a >= 0 && a <= .pi / 2 {
                    dist = abs((dx * dx + dy * dy).squareRoot() - bendRadius)
                } else {
                    // Round caps at the ends of the arc.
                    let e1 = ((Double(x) - cx - bendRadius) * (Double(x) - cx - bendRadius) + dy * dy).squareRoot()
                    let e2 = (dx * dx + (Double(y) - cy - bendRadius) * (Double(y) - cy - bendRadius)).squareRoot()
                    dist = min(e1, e2)
                }
                if dist <= radius { px[y * w + x] = 60 }
            }
        }
        return GrayImage(width: w, height: h, pixels: px)
    }

    /// A straight vertical bar `length` long and `2·radius + 1` wide.
    static func straightBar(length: Int = 40, radius: Int = 4) -> GrayImage {
        let w = 2 * radius + 11, h = length + 10
        var px = [UInt8](repeating: 230, count: w * h)
        for y in 5..<(5 + length) { for x in 5...(5 + 2 * radius) { px[y * w + x] = 60 } }
        return GrayImage(width: w, height: h, pixels: px)
    }

    @Test func centreLineOfAStraightBarHasItsLength() throws {
        let crop = ChromosomeCrop(image: Self.straightBar(length: 40))
        let line = try #require(CentreLine(mask: crop.mask, width: crop.width, height: crop.height))
        #expect(abs(line.length - 40) <= 2)
        #expect(line.bend < 1)
        #expect(line.sideBranches < 0.05)
        // Not bent: left as it is, principal-axis rendering and length.
        let s = crop.straightened()
        #expect(s.centreLine == nil)
        #expect(s.length == crop.length)
    }

    @Test func bentBarIsStraightenedToItsArcLength() throws {
        let crop = ChromosomeCrop(image: Self.bentBar(bendRadius: 30, radius: 4))
        let arc = Double.pi / 2 * 30 + 2 * 4 + 1  // centre arc, caps, one pixel
        let s = crop.straightened()
        let line = try #require(s.centreLine)
        #expect(abs(s.length - arc) <= 0.06 * arc)
        // The principal axis (about the chord, 30·√2 + caps) underestimates the length.
        #expect(crop.length < s.length - 4)
        #expect(line.bend > 5)
        // Drawn straightened: a vertical bar of even width, centred in every row.
        let size = 64, scale = 40 / s.length
        var canvas = [Float](repeating: 0, count: size * size)
        s.render(size: size, scale: scale, into: &canvas, offset: 0)
        var rows = 0, widths: [Int] = []
        for y in 0..<size {
            let xs = (0..<size).filter { canvas[y * size + $0] > 0.5 }
            guard !xs.isEmpty else { continue }
            rows += 1
            widths.append(xs.count)
            let centre = Double(xs.reduce(0, +)) / Double(xs.count)
            #expect(abs(centre - Double(size - 1) / 2) <= 1.5, "row \(y) centred at \(centre)")
        }
        #expect(abs(Double(rows) - s.length * scale) <= 3)
        // Away from the round caps every row is about the bar's width (9 px × scale).
        let middle = widths.dropFirst(6).dropLast(6)
        #expect(!middle.isEmpty)
        for w in middle { #expect(abs(Double(w) - 9 * scale) <= 2) }
    }

    @Test func crossingBarsAreNotStraightened() throws {
        // An X: two bars crossing at their middles (two chromatids splayed, or an overlap).
        let w = 50, h = 50
        var px = [UInt8](repeating: 230, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - 25, dy = Double(y) - 25
                let d1 = abs(dx - dy) / 2.0.squareRoot(), d2 = abs(dx + dy) / 2.0.squareRoot()
                if (dx * dx + dy * dy) < 20 * 20 && min(d1, d2) <= 3 { px[y * w + x] = 60 }
            }
        }
        let crop = ChromosomeCrop(image: GrayImage(width: w, height: h, pixels: px))
        let line = try #require(CentreLine(mask: crop.mask, width: crop.width, height: crop.height))
        #expect(line.sideBranches > 0.1)
        #expect(crop.straightened().centreLine == nil)
    }

    @Test func widthAdaptationThinsOnlyWideCells() {
        // Wide, short bars (width / length ≈ 0.4) versus thin ones (≈ 0.2).
        let wide = (0..<6).map { _ in ChromosomeCrop(image: Self.straightBar(length: 22, radius: 4)) }
        let thin = (0..<6).map { _ in ChromosomeCrop(image: Self.straightBar(length: 45, radius: 4)) }
        let a = CellAdaptation.metaphase
        let fw = a.acrossFactor(wide, medianLength: ChromosomeClassifier.medianLength(wide))
        #expect(fw < 0.75 && fw >= a.maximumCompression)
        #expect(a.acrossFactor(thin, medianLength: ChromosomeClassifier.medianLength(thin)) == 1)
        #expect(CellAdaptation.none.acrossFactor(wide, medianLength: 22) == 1)
        // Drawn thinner by that factor.
        let config = ClassifierConfiguration(canvasSize: 64)
        func drawnWidth(_ across: Double) -> Int {
            var out = [Float](repeating: 0, count: 2 * 64 * 64)
            InputBuilder.render(wide[0], medianLength: 22, configuration: config, transform: CropTransform(across: across), into: &out, offset: 0)
            return (0..<64).filter { x in out[32 * 64 + x] > 0.3 }.count
        }
        let plain = drawnWidth(1), thinner = drawnWidth(fw)
        #expect(abs(Double(thinner) - Double(plain) * fw) <= 2)
    }

    @Test func karyogramCropsAreDrawnAsInTraining() {
        // `.none` (what training and the karyogram evaluation use) leaves every crop unchanged.
        let crops = [ChromosomeCrop(image: Self.bentBar())]
        let same = crops.straightened(.none)
        #expect(same[0].centreLine == nil && same[0].length == crops[0].length)
        #expect(crops.straightened(.metaphase)[0].centreLine != nil)
    }
}
