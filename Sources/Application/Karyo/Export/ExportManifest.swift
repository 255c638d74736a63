import Foundation

/// One row of an export manifest: one image file in the export.
public struct ExportEntry: Sendable, Codable, Equatable {
    /// Path of the image inside the export folder, e.g. `train/positive/s-ab12cd34ef56.png`.
    public var file: String
    public var sample: String
    public var patient: String
    public var caseToken: String
    public var cell: String
    public var label: String
    /// Index of the label in `classes` (the order PyTorch's ImageFolder and Keras use).
    public var labelIndex: Int
    public var split: String
    /// 1 for the original; 2, 3, ... for oversampled copies.
    public var copy: Int
    public var sha256: String
    public var width: Int
    public var height: Int

    enum CodingKeys: String, CodingKey {
        case file, sample, patient, caseToken = "case", cell, label, labelIndex = "label_index", split, copy, sha256, width, height
    }

    static let csvHeader = "file,sample,patient,case,cell,label,label_index,split,copy,sha256,width,height,version,seed"

    func csvLine(version: String, seed: UInt64) -> String {
        // Every field is a token, a hash, a number or a fixed word: none needs quoting.
        [file, sample, patient, caseToken, cell, label, String(labelIndex), split, String(copy), sha256,
         String(width), String(height), version, String(seed)].joined(separator: ",")
    }
}

/// The JSON manifest of an export (`manifest.json`); `manifest.csv` holds the same rows.
public struct ExportManifest: Sendable, Codable, Equatable {
    public var format = "karyo-export-v1"
    public var version: String
    public var seed: UInt64
    public var request: ExportRequest
    /// Class names in index order.
    public var classes: [String]
    /// Loss weight per class for training (1 unless class weights were asked for).
    public var classWeights: [String: Double]
    /// Images per split and class, copies included.
    public var counts: [String: [String: Int]]
    /// Samples left out and why (e.g. "unsure": 3).
    public var excluded: [String: Int]
    public var warnings: [String]
    public var entries: [ExportEntry]

    enum CodingKeys: String, CodingKey {
        case format, version, seed, request, classes, classWeights = "class_weights", counts, excluded, warnings, entries
    }
}
