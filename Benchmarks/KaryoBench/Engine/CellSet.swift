import Foundation
import KaryoNet
import KaryoTestSupport

/// A t(9;22) cell set as `karyo-bench t922-cells` writes it: `cells.csv` (columns found by name:
/// `file`, `label` = positive|negative, `split` = train|validation; others ignored) and one 8-bit
/// gray PNG per row, all of one size. tools/torch/cellset.py reads the same files the same way.
struct CellSet {
    var train: ImageDataset
    var validation: ImageDataset

    /// Pixel value fed to the network: dark chromosome on white background → x = (255 − v) / 255,
    /// so the background is 0 (as the convolutions' zero padding).
    static func input(_ v: UInt8) -> Float { Float(255 - Int(v)) / 255 }

    /// Reads `folder/cells.csv` and its images (`T922CellSet.read`).
    /// - Throws: `CellSetError` naming the file (and row) and the problem.
    init(folder: URL) throws {
        // Class index: positive (t(9;22)) = 1, negative = 0.
        let cells = try T922CellSet.read(from: folder)
        func dataset(_ split: String) throws -> ImageDataset {
            let part = cells.filter { $0.split == split }
            guard let first = part.first?.image else {
                throw CellSetError("\(folder.appendingPathComponent("cells.csv").path): no \(split) cells")
            }
            return try ImageDataset(pixels: part.flatMap { $0.image.pixels.map(Self.input) },
                                    labels: part.map { $0.positive ? 1 : 0 }, channels: 1,
                                    height: first.height, width: first.width)
        }
        train = try dataset("train")
        validation = try dataset("validation")
    }
}
