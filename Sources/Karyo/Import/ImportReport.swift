import Foundation

/// What happened to one file in an import.
public struct ImportedFile: Sendable, Codable, Equatable {
    /// What became of the file.
    public enum Outcome: String, Sendable, Codable {
        /// Stored as a new sample.
        case imported
        /// Its pixels are already in the store; nothing was added.
        case duplicate
        /// Not imported: the file could not be read or decoded, or its manifest row was unusable.
        case failed
        /// Passed over on purpose (not an image, not listed in the manifest).
        case skipped
        /// Held back by de-identification for a person to decide (several pages, hidden pixels
        /// under transparency, burned-in text the OCR is unsure of); nothing was stored.
        case quarantined
    }

    /// The file's position in the walk (1-based); files are named `#index` in reports.
    public var index: Int
    /// The path, only when asked for with `--show-paths` (never stored).
    public var path: String?
    public var outcome: Outcome
    /// The sample's token when imported, or the existing sample's token for a duplicate.
    public var sample: String?
    /// The reason for a failure or a skip.
    public var reason: String?
    /// Decoder and manifest notes, e.g. "3 pages; only the first was decoded".
    public var warnings: [String]
    /// Source format, size and label when imported.
    public var format: String?
    public var width: Int?
    public var height: Int?
    public var label: String?
}

/// The result of `karyo import`: one entry per file, counts, and manifest problems.
public struct ImportReport: Sendable, Codable {
    public var lab: String
    public var batch: Int64?
    public var files: [ImportedFile]
    /// Problems found in the manifest (by line; never with patient identifiers).
    public var manifestProblems: [String]
    /// Manifest rows that could not be used (fatal problems): their files were not imported.
    public var rejectedManifestRows: Int
    /// Paths given on the command line that do not exist.
    public var missingPaths: [String]
    public var seconds: Double

    public var imported: Int { files.count { $0.outcome == .imported } }
    public var duplicates: Int { files.count { $0.outcome == .duplicate } }
    public var failed: Int { files.count { $0.outcome == .failed } }
    public var skipped: Int { files.count { $0.outcome == .skipped } }
    public var quarantined: Int { files.count { $0.outcome == .quarantined } }

    /// Whether anything went wrong that the user must look at.
    public var hasFailures: Bool {
        failed > 0 || quarantined > 0 || rejectedManifestRows > 0 || !missingPaths.isEmpty
    }

    enum CodingKeys: String, CodingKey {
        case lab, batch, files, manifestProblems, rejectedManifestRows, missingPaths, seconds, summary
    }

    struct Summary: Codable { var imported, duplicates, failed, skipped, quarantined: Int }

    public init(
        lab: String, batch: Int64?, files: [ImportedFile], manifestProblems: [String], rejectedManifestRows: Int,
        missingPaths: [String], seconds: Double
    ) {
        self.lab = lab
        self.batch = batch
        self.files = files
        self.manifestProblems = manifestProblems
        self.rejectedManifestRows = rejectedManifestRows
        self.missingPaths = missingPaths
        self.seconds = seconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lab = try c.decode(String.self, forKey: .lab)
        batch = try c.decodeIfPresent(Int64.self, forKey: .batch)
        files = try c.decode([ImportedFile].self, forKey: .files)
        manifestProblems = try c.decode([String].self, forKey: .manifestProblems)
        rejectedManifestRows = try c.decode(Int.self, forKey: .rejectedManifestRows)
        missingPaths = try c.decode([String].self, forKey: .missingPaths)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lab, forKey: .lab)
        try c.encodeIfPresent(batch, forKey: .batch)
        try c.encode(files, forKey: .files)
        try c.encode(manifestProblems, forKey: .manifestProblems)
        try c.encode(rejectedManifestRows, forKey: .rejectedManifestRows)
        try c.encode(missingPaths, forKey: .missingPaths)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(Summary(imported: imported, duplicates: duplicates, failed: failed, skipped: skipped, quarantined: quarantined), forKey: .summary)
    }
}
