import Foundation
import KaryoCore
import KaryoExtract
import KaryoTestSupport

/// `karyo-bench t922-cells OUT`: writes a (semi-)synthetic t(9;22) cell set (90x90 PNGs and
/// cells.csv) that the engine and loop benchmarks train on, in Karyo and in PyTorch alike.
func makeT922Cells() throws {
    let args = CommandLine.arguments
    guard args.count > 2, !args[2].hasPrefix("--") else {
        print("usage: karyo-bench t922-cells OUT [--patients 40] [--cells-per-patient 4] [--seed 1] "
              + "[--real-crops DIR] [--validation-fraction 0.25] [--mode shared-scale|paper-resize]")
        return
    }
    var options = T922CellSetOptions()
    options.patients = Int(argument("--patients", default: "40")) ?? 40
    options.cellsPerPatient = Int(argument("--cells-per-patient", default: "4")) ?? 4
    options.seed = UInt64(argument("--seed", default: "1")) ?? 1
    options.validationFraction = Double(argument("--validation-fraction", default: "0.25")) ?? 0.25
    let crops = argument("--real-crops", default: "")
    if !crops.isEmpty { options.realCrops = URL(fileURLWithPath: crops) }
    guard let mode = CompositionMode(rawValue: argument("--mode", default: "shared-scale")) else {
        throw CellSetError("--mode must be shared-scale or paper-resize")
    }
    options.mode = mode
    let start = Date()
    let cells = try T922CellSet.make(options)
    let folder = URL(fileURLWithPath: args[2])
    try T922CellSet.write(cells, to: folder)
    let positives = cells.filter { $0.label == "positive" }.count
    let validation = cells.filter { $0.split == "validation" }.count
    print(String(format: "t922-cells: %d cells (%d positive, %d validation) from %d patients in %.1f s -> %@",
                 cells.count, positives, validation, Set(cells.map(\.patient)).count,
                 Date().timeIntervalSince(start), folder.path))
}
