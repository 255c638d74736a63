import Foundation
@testable import KaryoMetaphase
import Testing

@Suite struct ClassifierTests {
    @Test func classNamesRoundTrip() {
        #expect(ChromosomeClass.all.map(\.name).joined(separator: ",")
            == (1...22).map(String.init).joined(separator: ",") + ",X,Y")
        #expect(ChromosomeClass(name: "chr9") == .chr9)
        #expect(ChromosomeClass(name: "22") == .chr22)
        #expect(ChromosomeClass(name: "x") == .x)
        #expect(ChromosomeClass(name: "23") == nil)
    }

    @Test func cellAssignmentUsesEachAutosomeAtMostTwice() {
        // Four objects all most likely chromosome 9; the third and fourth prefer 10 as runner-up.
        func row(_ pairs: [(Int, Float)]) -> [Float] {
            var r = [Float](repeating: 0.001, count: 24)
            for (k, v) in pairs { r[k] = v }
            return r
        }
        let p = [row([(8, 0.9), (9, 0.05)]), row([(8, 0.8), (9, 0.1)]), row([(8, 0.6), (9, 0.3)]), row([(8, 0.5), (9, 0.4)])]
        let a = CellAssignment.assign(probabilities: p)
        #expect(a == [8, 8, 9, 9])
        // Optimal, not greedy: the most probable 9 gives way to the two that have no other class.
        let q = [row([(8, 0.50), (9, 0.45)]), row([(8, 0.49), (9, 0.01)]), row([(8, 0.48), (9, 0.01)])]
        #expect(CellAssignment.assign(probabilities: q) == [9, 8, 8])
        // More objects than capacity still get a class.
        let many = [[Float]](repeating: row([(23, 0.9)]), count: 3)
        #expect(CellAssignment.assign(probabilities: many).count == 3)
        // A cell of more objects than 46: every autosome still at most twice, the rest outside.
        var crowd: [[Float]] = []
        for i in 0..<60 { crowd.append(row([(i % 22, 0.6), ((i + 1) % 22, 0.3)])) }
        let crowded = CellAssignment.assign(probabilities: crowd)
        #expect(crowded.count == 60)
        // All 46 places are filled (two of each autosome, and the sex places with the least bad
        // objects), the 14 others keep their most probable class.
        #expect((0..<22).allSatisfy { k in crowded.filter { $0 == k }.count >= 2 })
        #expect(crowded.filter { $0 == 22 }.count >= 1)
        #expect(crowded.filter { $0 >= 22 }.count == 2)
        // Past the limit, only the most confident objects are assigned.
        let capped = CellAssignment.assign(probabilities: crowd, maximumObjects: 10)
        #expect(capped.count == 60)
    }

    @Test func renderingKeepsRelativeSizeWithinACell() {
        var spread = SyntheticSpread()
        spread.rods = [(x: 60, y: 60, half: 20, radius: 5, angle: 0.4, dark: 120), (x: 200, y: 60, half: 6, radius: 5, angle: 1.2, dark: 120)]
        let seg = MetaphaseSegmenter().segment(spread.render())
        #expect(seg.objects.count == 2)
        let crops = seg.objects.map { ChromosomeCrop(image: seg.normalized, box: $0.box, mask: $0.mask, background: 235) }
        let config = ClassifierConfiguration(canvasSize: 64)
        let x = InputBuilder.inputs(crops, medianLength: 30, configuration: config, transforms: [CropTransform(), CropTransform()])
        let s = x.scalars
        func rows(_ i: Int) -> Int {
            (0..<64).filter { y in (0..<64).contains { s[i * 2 * 4096 + y * 64 + $0] > 0.3 } }.count
        }
        // Long axis vertical, drawn at one scale: 50 px versus 22 px long at 30 px median → ×0.42·64/30.
        #expect(abs(Double(rows(0)) - 50 * 0.42 * 64 / 30) <= 3)
        #expect(abs(Double(rows(1)) - 22 * 0.42 * 64 / 30) <= 3)
        // Second channel: log relative length.
        #expect(abs(Double(s[4096]) - log(crops[0].length / 30)) < 1e-4)
    }

    @Test func saveLoadRoundTripGivesTheSameProbabilities() throws {
        let c = ChromosomeClassifier(configuration: ClassifierConfiguration(canvasSize: 32, width: 4), seed: 3)
        var spread = SyntheticSpread()
        spread.rods = separateRods()
        let seg = MetaphaseSegmenter().segment(spread.render())
        let p1 = try c.classify(seg)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-classifier-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try c.save(to: url)
        let loaded = try ChromosomeClassifier(contentsOf: url)
        #expect(loaded.configuration == c.configuration)
        let p2 = try loaded.classify(seg)
        #expect(p1.count == 12 && p2.count == 12)
        for (a, b) in zip(p1, p2) {
            #expect(abs(a.reduce(0, +) - 1) < 1e-3)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 })
        }
    }

    @Test func notAClassifierCheckpointIsAClearError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-bad-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("not safetensors".utf8).write(to: url)
        #expect(throws: ChromosomeClassifierError.self) { try ChromosomeClassifier(contentsOf: url) }
    }

    @Test func trainingLearnsTwoShapesApart() throws {
        // Long rods are class 1, short ones class 22: relative length alone separates them.
        var data: [LabeledChromosome] = []
        for cell in 0..<6 {
            var spread = SyntheticSpread()
            spread.rods = separateRods()
            for i in spread.rods.indices {
                spread.rods[i].half = i % 2 == 0 ? 20 : 5
                spread.rods[i].angle = Double(i + cell) * 0.7
            }
            let seg = MetaphaseSegmenter().segment(spread.render())
            for o in seg.objects {
                let crop = ChromosomeCrop(image: seg.normalized, box: o.box, mask: o.mask, background: 235)
                data.append(LabeledChromosome(crop: crop, chromosome: o.length > 30 ? ChromosomeClass(index: 0) : .chr22,
                                              cell: "c\(cell)", patient: "p\(cell)", cellMedianLength: 0))
            }
        }
        data = ChromosomeDataset.withCellMedians(data)
        let options = ClassifierTraining.Options(epochs: 6, batchSize: 12, learningRate: 0.05,
                                                 configuration: ClassifierConfiguration(canvasSize: 32, width: 4))
        let c = try ClassifierTraining.train(data, options: options)
        let e = try ClassifierTraining.evaluate(c, on: data)
        #expect(e.accuracy >= 0.95)
    }
}
