import Foundation
import KaryoImage
import KaryoNet

/// A t(9;22) cell set as `karyo-bench t922-cells` writes it: `cells.csv` (columns found by name:
/// `file`, `label` = positive|negative, `split` = train|validation; others ignored) and one 8-bit
/// gray PNG per row, all of one size. tools/torch/cellset.py reads the same files the same way.
struct CellSet {
    var train: ImageDataset
    var validation: ImageDataset

    /// Pixel value fed to the network: dark chromosome on white background → x = (255 − v) / 255,
    /// so the background is 0 (as the convolutions' zero padding).
    static func input(_ v: UInt8) -> Float { Float(255 - Int(v)) / 255 }

    /// Class index: positive (t(9;22)) = 1, negative = 0.
    static func labelIndex(_ label: String) -> Int? { ["negative": 0, "positive": 1][label] }

    /// Reads `folder/cells.csv` and its images.
    /// - Throws: `CellSetReadError` naming the file (and row) and the problem.
    init(folder: URL) throws {
        let csvURL = folder.appendingPathComponent("cells.csv")
        guard let text = try? String(contentsOf: csvURL, encoding: .utf8) else {
            throw CellSetReadError("\(csvURL.path): cannot read the file (is this a t922-cells folder?)")
        }
        let rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = rows.first else { throw CellSetReadError("\(csvURL.path): empty file") }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw CellSetReadError("\(csvURL.path): no '\(name)' column (header: \(header.joined(separator: ",")))")
            }
            return i
        }
        let (fileColumn, labelColumn, splitColumn) = (try column("file"), try column("label"), try column("split"))
        var pixels: [String: [Float]] = ["train": [], "validation": []]
        var labels: [String: [Int]] = ["train": [], "validation": []]
        var size: (width: Int, height: Int)?
        for (r, row) in rows.enumerated().dropFirst() {
            let line = r + 1
            guard row.count == header.count else {
                throw CellSetReadError("\(csvURL.path) line \(line): \(row.count) fields, the header has \(header.count)")
            }
            let file = row[fileColumn]
            guard let label = Self.labelIndex(row[labelColumn]) else {
                throw CellSetReadError("\(csvURL.path) line \(line): label '\(row[labelColumn])' is not positive or negative")
            }
            let split = row[splitColumn]
            guard pixels[split] != nil else {
                throw CellSetReadError("\(csvURL.path) line \(line): split '\(split)' is not train or validation")
            }
            let url = folder.appendingPathComponent(file)
            let image: GrayImage
            do { image = try ImageCodec.decode(contentsOf: url).image } catch {
                throw CellSetReadError("\(url.path): \(error)")
            }
            if let size, size != (image.width, image.height) {
                throw CellSetReadError("\(url.path): \(image.width)x\(image.height) pixels, the set's first image has \(size.width)x\(size.height)")
            }
            size = (image.width, image.height)
            pixels[split]!.append(contentsOf: image.pixels.map(Self.input))
            labels[split]!.append(label)
        }
        guard let size else { throw CellSetReadError("\(csvURL.path): no cells") }
        for split in ["train", "validation"] where labels[split]!.isEmpty {
            throw CellSetReadError("\(csvURL.path): no \(split) cells")
        }
        func dataset(_ split: String) throws -> ImageDataset {
            try ImageDataset(pixels: pixels[split]!, labels: labels[split]!, channels: 1, height: size.height, width: size.width)
        }
        train = try dataset("train")
        validation = try dataset("validation")
    }
}

struct CellSetReadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
