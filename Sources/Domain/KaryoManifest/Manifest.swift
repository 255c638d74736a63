/// The lab's CSV manifest: one row per image file, with patient, case and cell identifiers, the
/// karyotype (ISCN) and optionally an explicit label and its source.
///
/// Privacy: patient_id, case_id and cell_id are patient identity. No problem message, description or
/// error of this module contains their values; messages refer to line numbers and column names.
import Foundation
import KaryoCore
import KaryoISCN

/// One usable row of a manifest.
public struct ManifestRow: Sendable, Equatable {
    /// 1-based line number of the row in the file.
    public let line: Int
    /// The file as written in the manifest.
    public let file: String
    /// The file resolved against the manifest's folder, standardized.
    public let fileURL: URL
    public let patientID: String
    public let caseID: String
    public let cellID: String
    /// The karyotype as written; nil when empty.
    public let karyotypeText: String?
    /// The parsed karyotype; nil when empty or unparsable.
    public let karyotype: Karyotype?
    /// The effective label: explicit, else derived from the karyotype, else nil.
    public let label: SampleLabel?
    /// The source of the effective label.
    public let labelSource: LabelSource?

    public init(
        line: Int, file: String, fileURL: URL, patientID: String, caseID: String, cellID: String,
        karyotypeText: String?, karyotype: Karyotype?, label: SampleLabel?, labelSource: LabelSource?
    ) {
        self.line = line
        self.file = file
        self.fileURL = fileURL
        self.patientID = patientID
        self.caseID = caseID
        self.cellID = cellID
        self.karyotypeText = karyotypeText
        self.karyotype = karyotype
        self.label = label
        self.labelSource = labelSource
    }
}

/// Something noticed while reading a manifest.
public struct ManifestProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case missingColumn, emptyField, duplicateRow, unknownFile, conflictingLabel, unparsableKaryotype,
            badLabel, badLabelSource, malformedCSV, unknownColumn
    }

    public let kind: Kind
    /// The 1-based line of the row; nil for problems of the whole file.
    public let line: Int?
    /// Fatal: the row (or, with `line` nil, the whole manifest) cannot be used.
    public let isFatal: Bool
    /// What is wrong. Never contains a patient, case or cell identifier.
    public let message: String

    public init(kind: Kind, line: Int?, isFatal: Bool, message: String) {
        self.kind = kind
        self.line = line
        self.isFatal = isFatal
        self.message = message
    }

    /// `line 12: error (emptyField): ...` or `warning (unknownColumn): ...`.
    public var description: String {
        (line.map { "line \($0): " } ?? "") + (isFatal ? "error" : "warning") + " (\(kind.rawValue)): " + message
    }
}

/// A manifest that could be read. Rows with fatal problems are left out of ``rows``.
public struct Manifest: Sendable {
    /// The manifest file.
    public let url: URL
    /// Usable rows, in file order.
    public let rows: [ManifestRow]
    /// Everything noticed, in line order (problems of the whole file first).
    public let problems: [ManifestProblem]
    private let index: [String: Int]

    public init(url: URL, rows: [ManifestRow], problems: [ManifestProblem]) {
        self.url = url
        self.rows = rows
        self.problems = problems
        var index: [String: Int] = [:]
        for (i, row) in rows.enumerated() where index[Manifest.key(row.fileURL)] == nil {
            index[Manifest.key(row.fileURL)] = i
        }
        self.index = index
    }

    /// The row for a file, matched by resolved, standardized path (symlinks resolved on both sides).
    public func row(for fileURL: URL) -> ManifestRow? {
        index[Manifest.key(fileURL)].map { rows[$0] }
    }

    /// Fatal problems (each dropped a row).
    public var errors: [ManifestProblem] { problems.filter(\.isFatal) }
    /// Non-fatal problems.
    public var warnings: [ManifestProblem] { problems.filter { !$0.isFatal } }

    /// The lookup key of a file: absolute, symlinks resolved, standardized path.
    static func key(_ url: URL) -> String {
        url.absoluteURL.standardizedFileURL.resolvingSymlinksInPath().standardizedFileURL.path
    }
}

/// The manifest as a whole cannot be used: unreadable, not UTF-8 text, no header row, or required
/// columns missing.
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    public let url: URL
    public let problems: [ManifestProblem]

    public init(url: URL, problems: [ManifestProblem]) {
        self.url = url
        self.problems = problems
    }

    public var description: String {
        "cannot use manifest \(url.path): " + problems.map(\.description).joined(separator: "; ")
    }
}
