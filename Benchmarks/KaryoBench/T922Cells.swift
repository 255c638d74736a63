import ArgumentParser
import Foundation
import KaryoCore
import KaryoExtract
import KaryoTestSupport

/// `karyo-bench t922-cells OUT`: writes a (semi-)synthetic t(9;22) cell set (90x90 PNGs and
/// cells.csv) that the engine and loop benchmarks train on, in Karyo and in PyTorch alike.
struct T922CellsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "t922-cells",
        abstract: "Write a (semi-)synthetic t(9;22) cell set of 90x90 PNGs and cells.csv.",
        discussion: "The cell set the engine (karyo-bench engine accuracy) and loop (karyo-bench loop) benchmarks "
            + "train on, in Karyo and in PyTorch alike; patient-grouped train/validation splits.")

    @Argument(help: "Output folder.")
    var out: String

    @Option(help: "Synthetic patients (one case each).")
    var patients: Int = 40

    @Option(help: "Cells per patient.")
    var cellsPerPatient: Int = 4

    @Option(help: "Seed; the same seed and options give the same cells.")
    var seed: UInt64 = 1

    @Option(help: "Fraction of patients (per class) held out for validation.")
    var validationFraction: Double = 0.25

    @Option(help: "Folder of real chromosome crops with labels.csv (e.g. bioimlab-qband): semi-synthetic cells.")
    var realCrops: String?

    @Option(help: "Composition: shared-scale or paper-resize.")
    var mode: String = "shared-scale"

    func validate() throws {
        guard CompositionMode(rawValue: mode) != nil else { throw ValidationError("--mode must be shared-scale or paper-resize") }
        guard patients >= 1 else { throw ValidationError("--patients must be at least 1") }
        guard cellsPerPatient >= 1 else { throw ValidationError("--cells-per-patient must be at least 1") }
    }

    func run() throws {
        var options = T922CellSetOptions()
        options.patients = patients
        options.cellsPerPatient = cellsPerPatient
        options.seed = seed
        options.validationFraction = validationFraction
        if let crops = realCrops, !crops.isEmpty { options.realCrops = URL(fileURLWithPath: crops) }
        guard let mode = CompositionMode(rawValue: mode) else {
            throw CellSetError("--mode must be shared-scale or paper-resize")
        }
        options.mode = mode
        let start = Date()
        let cells = try T922CellSet.make(options)
        let folder = URL(fileURLWithPath: out)
        try T922CellSet.write(cells, to: folder)
        let positives = cells.filter { $0.label == "positive" }.count
        let validation = cells.filter { $0.split == "validation" }.count
        print(String(format: "t922-cells: %d cells (%d positive, %d validation) from %d patients in %.1f s -> %@",
                     cells.count, positives, validation, Set(cells.map(\.patient)).count,
                     Date().timeIntervalSince(start), folder.path))
    }
}
