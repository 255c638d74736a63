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
    /// What chromosome extraction found (one line), or why it failed; nil when it did not run.
    /// A failure of extraction never fails the import.
    public var extraction: String? = nil
}

/// The result of `karyo import`: one entry per file, counts, and manifest problems.
public struct ImportReport: Sendable, Codable {
    /// Files per outcome.
    public struct Summary: Sendable, Codable, Equatable {
        public var imported = 0, duplicates = 0, failed = 0, skipped = 0, quarantined = 0
    }

    public let lab: String
    public let batch: Int64?
    public let files: [ImportedFile]
    /// Problems found in the manifest (by line; never with patient identifiers).
    public let manifestProblems: [String]
    /// Manifest rows that could not be used (fatal problems): their files were not imported.
    public let rejectedManifestRows: Int
    /// Paths given on the command line that do not exist.
    public let missingPaths: [String]
    public let seconds: Double
    /// Counted from `files` when the report is made.
    public let summary: Summary

    public var imported: Int { summary.imported }
    public var duplicates: Int { summary.duplicates }
    public var failed: Int { summary.failed }
    public var skipped: Int { summary.skipped }
    public var quarantined: Int { summary.quarantined }

    /// Whether anything went wrong that the user must look at.
    public var hasFailures: Bool {
        failed > 0 || quarantined > 0 || rejectedManifestRows > 0 || !missingPaths.isEmpty
    }

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
        var summary = Summary()
        for file in files {
            switch file.outcome {
            case .imported: summary.imported += 1
            case .duplicate: summary.duplicates += 1
            case .failed: summary.failed += 1
            case .skipped: summary.skipped += 1
            case .quarantined: summary.quarantined += 1
            }
        }
        self.summary = summary
    }
}
