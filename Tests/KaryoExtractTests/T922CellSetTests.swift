import Foundation
import KaryoCodecs
import KaryoCore
import KaryoExtract
@testable import KaryoTestSupport
import Testing

/// Dark pixels per column band of a composite: how tall each slot's chromosome is drawn.
private func slotHeights(_ image: GrayImage) -> [Int] {
    // Columns that hold any chromosome pixel, grouped into runs (one run per slot).
    var runs: [[Int]] = []
    var current: [Int] = []
    for x in 0..<image.width {
        let dark = (0..<image.height).contains { image[x: x, y: $0] < 240 }
        if dark { current.append(x) } else if !current.isEmpty { runs.append(current); current = [] }
    }
    if !current.isEmpty { runs.append(current) }
    return runs.map { columns in
        let rows = (0..<image.height).filter { y in columns.contains { image[x: $0, y: y] < 240 } }
        return (rows.max() ?? 0) - (rows.min() ?? 0) + 1
    }
}

@Test func positiveCellsKeepThePhiladelphiaChromosomeShort() throws {
    var options = T922CellSetOptions()
    options.patients = 4
    options.cellsPerPatient = 1
    options.positiveFraction = 0.5
    options.seed = 3
    options.width = 600
    options.height = 540
    let cells = try T922CellSet.make(options)
    #expect(cells.count == 4)
    #expect(cells.allSatisfy { $0.composite.image.width == 90 && $0.composite.image.height == 90 })
    #expect(cells.allSatisfy { $0.composite.missingSlots.isEmpty })
    let positive = try #require(cells.first { $0.label == "positive" && $0.scenario == "t(9;22)" })
    let negative = try #require(cells.first { $0.label == "negative" })
    // Slot order 9, 9, 22, 22. In a t(9;22) cell one 22 is the short Ph and one 9 the long der(9).
    let p = slotHeights(positive.composite.image), n = slotHeights(negative.composite.image)
    #expect(p.count == 4 && n.count == 4)
    let pLengths = positive.composite.lengths.compactMap { $0 }
    #expect(pLengths.count == 4)
    #expect(min(pLengths[2], pLengths[3]) < 0.8 * max(pLengths[2], pLengths[3]))
    #expect(Double(min(p[2], p[3])) < 0.8 * Double(max(p[2], p[3])))
    // Shared scale: the drawn heights keep the source length ratios (within resampling error).
    let ratioDrawn = Double(max(p[0], p[1])) / Double(max(p[2], p[3]))
    let ratioSource = max(pLengths[0], pLengths[1]) / max(pLengths[2], pLengths[3])
    #expect(abs(ratioDrawn - ratioSource) / ratioSource < 0.2)
}

@Test func splitsArePatientGroupedAndStratified() {
    var cells: [(patient: String, positive: Bool)] = []
    for p in 0..<20 { for _ in 0..<3 { cells.append(("P\(p)", p % 2 == 0)) } }
    let splits = T922CellSet.patientSplits(cells, validationFraction: 0.25, seed: 9)
    #expect(splits.count == 20)
    let validation = splits.filter { $0.value == "validation" }.map(\.key)
    #expect(validation.count == 6)   // round(10 * 0.25) = 3 per class
    #expect(validation.filter { Int($0.dropFirst())! % 2 == 0 }.count == 3)
    #expect(T922CellSet.patientSplits(cells, validationFraction: 0.25, seed: 9) == splits)
}

@Test func writesPNGsAndACSV() throws {
    var options = T922CellSetOptions()
    options.patients = 2
    options.cellsPerPatient = 1
    options.width = 500
    options.height = 450
    let cells = try T922CellSet.make(options)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellset-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try T922CellSet.write(cells, to: folder)
    let csv = try String(contentsOf: folder.appendingPathComponent("cells.csv"), encoding: .utf8)
    let lines = csv.split(separator: "\n")
    #expect(lines.first == "file,patient,case,cell,label,split,scenario,scale")
    #expect(lines.count == 3)
    for c in cells {
        let decoded = try ImageCodec.decode(contentsOf: folder.appendingPathComponent(c.file)).image
        #expect(decoded == c.composite.image)
    }
    let read = try T922CellSet.read(from: folder)
    #expect(read.map(\.file) == cells.map(\.file))
    #expect(read.map(\.image) == cells.map(\.composite.image))
    #expect(read.map(\.positive) == cells.map { $0.label == "positive" })
    #expect(read.map(\.caseID) == cells.map(\.caseID))
    // A row with an unknown split is refused with the file and line.
    try Data((csv + "x.png,P,C,1,negative,test,normal,1\n").utf8).write(to: folder.appendingPathComponent("cells.csv"))
    #expect(throws: CellSetError.self) { try T922CellSet.read(from: folder) }
}

@Test func tooFewPatientsIsAClearError() {
    var options = T922CellSetOptions()
    options.patients = 1
    #expect(throws: CellSetError.self) { try T922CellSet.make(options) }
}
