/// Reading and validating a lab manifest.
import Foundation
import KaryoCore
import KaryoISCN

public enum ManifestReader {
    /// Columns every manifest must have (after normalization: lowercase, spaces and hyphens as `_`).
    public static let requiredColumns = ["file", "patient_id", "case_id", "cell_id", "karyotype"]
    /// Columns a manifest may have.
    public static let optionalColumns = ["label", "label_source"]

    /// Reads the manifest at `url`. Relative `file` entries are resolved against the manifest's folder.
    ///
    /// Throws only when the manifest as a whole is unusable: unreadable, not UTF-8 text, no header
    /// row, a malformed or ambiguous header, or missing required columns. Everything else is
    /// reported in ``Manifest/problems``; rows with fatal problems are left out of ``Manifest/rows``.
    public static func read(_ url: URL, checkFilesExist: Bool = true) throws(ManifestError) -> Manifest {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw fileError(url, .malformedCSV, "the manifest file does not exist")
        }
        guard !isDirectory.boolValue else {
            throw fileError(url, .malformedCSV, "the manifest path is a folder, not a CSV file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw fileError(url, .malformedCSV, "the manifest file cannot be read (check its permissions)")
        }
        return try read(data: data, url: url, checkFilesExist: checkFilesExist)
    }

    /// Reads manifest contents as if they were the file at `url` (relative `file` entries resolve
    /// against `url`'s folder).
    public static func read(data: Data, url: URL, checkFilesExist: Bool = true) throws(ManifestError) -> Manifest {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw fileError(url, .malformedCSV, "the manifest is UTF-16 text; save it as \"CSV UTF-8\"")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.contains(0) {
            throw fileError(url, .malformedCSV, "the manifest is not a text file (it contains NUL bytes)")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw fileError(url, .malformedCSV, "the manifest is not valid UTF-8 text; save it as \"CSV UTF-8\"")
        }
        let records = CSV.parse(bytes: bytes)
        var builder = Builder(url: url, checkFilesExist: checkFilesExist)
        try builder.run(records)
        return builder.manifest()
    }

    static func fileError(_ url: URL, _ kind: ManifestProblem.Kind, _ message: String) -> ManifestError {
        ManifestError(url: url, problems: [ManifestProblem(kind: kind, line: nil, isFatal: true, message: message)])
    }

    /// Normalizes a header name: trimmed, lowercase, spaces and hyphens as underscores.
    public static func normalizeColumnName(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
    }
}

/// Builds a manifest from CSV records.
private struct Builder {
    let url: URL
    let folder: URL
    let checkFilesExist: Bool
    var problems: [(order: Int, problem: ManifestProblem)] = []
    var candidates: [Candidate] = []

    struct Candidate {
        var row: ManifestRow
        var key: String
        var identifiers: [(column: String, value: String)]
        var rawLabel: String
        var rawSource: String
        var dropped = false
    }

    init(url: URL, checkFilesExist: Bool) {
        self.url = url
        self.folder = url.absoluteURL.deletingLastPathComponent().standardizedFileURL
        self.checkFilesExist = checkFilesExist
    }

    mutating func note(_ kind: ManifestProblem.Kind, _ line: Int?, fatal: Bool, _ message: String) {
        problems.append((problems.count, ManifestProblem(kind: kind, line: line, isFatal: fatal, message: message)))
    }

    func manifest() -> Manifest {
        let sorted = problems.sorted { a, b in
            let la = a.problem.line ?? 0
            let lb = b.problem.line ?? 0
            return la != lb ? la < lb : a.order < b.order
        }
        return Manifest(url: url, rows: candidates.filter { !$0.dropped }.map(\.row), problems: sorted.map(\.problem))
    }

    mutating func run(_ records: [CSVRecord]) throws(ManifestError) {
        guard let headerIndex = records.firstIndex(where: { !$0.isBlank }) else {
            throw ManifestReader.fileError(url, .malformedCSV, "the manifest is empty: it has no header row")
        }
        let header = records[headerIndex]
        if let problem = header.problem {
            throw ManifestError(url: url, problems: [ManifestProblem(kind: .malformedCSV, line: header.line, isFatal: true, message: "the header row is malformed: \(problem)")])
        }

        // Columns.
        let names = header.fields.map(ManifestReader.normalizeColumnName)
        var columns: [String: Int] = [:]
        var fatal: [ManifestProblem] = []
        for (i, name) in names.enumerated() where !name.isEmpty {
            if let first = columns[name] {
                fatal.append(ManifestProblem(
                    kind: .malformedCSV, line: header.line, isFatal: true,
                    message: "column '\(Self.clip(name, 40))' appears twice in the header (columns \(first + 1) and \(i + 1))"))
            } else {
                columns[name] = i
            }
        }
        for name in ManifestReader.requiredColumns where columns[name] == nil {
            fatal.append(ManifestProblem(
                kind: .missingColumn, line: nil, isFatal: true,
                message: "required column '\(name)' is missing; the first line must be a header naming the columns "
                    + (ManifestReader.requiredColumns + ManifestReader.optionalColumns).joined(separator: ", ")))
        }
        guard fatal.isEmpty else { throw ManifestError(url: url, problems: fatal) }

        let known = Set(ManifestReader.requiredColumns + ManifestReader.optionalColumns)
        let unknown = names.filter { !$0.isEmpty && !known.contains($0) }
        let unnamed = names.enumerated().filter { $0.element.isEmpty }.map { $0.offset + 1 }
        if !unknown.isEmpty || !unnamed.isEmpty {
            var parts: [String] = []
            if !unknown.isEmpty { parts.append(unknown.map { "'\(Self.clip($0, 40))'" }.joined(separator: ", ")) }
            if !unnamed.isEmpty { parts.append("unnamed column(s) \(unnamed.map(String.init).joined(separator: ", "))") }
            note(.unknownColumn, nil, fatal: false, "ignored column(s) the manifest reader does not use: " + parts.joined(separator: "; "))
        }

        let layout = Layout(
            file: columns["file"]!, patient: columns["patient_id"]!, caseID: columns["case_id"]!,
            cell: columns["cell_id"]!, karyotype: columns["karyotype"]!, label: columns["label"],
            source: columns["label_source"], count: header.fields.count)

        var firstByKey: [String: Int] = [:]  // resolved file -> index into candidates
        for record in records[(headerIndex + 1)...] where !record.isBlank {
            addRow(record, layout, &firstByKey)
        }
        resolveIdentityConflicts()
    }

    struct Layout {
        let file, patient, caseID, cell, karyotype: Int
        let label, source: Int?
        let count: Int
    }

    mutating func addRow(_ record: CSVRecord, _ layout: Layout, _ firstByKey: inout [String: Int]) {
        let line = record.line
        if let problem = record.problem {
            note(.malformedCSV, line, fatal: true, problem + "; row dropped")
            return
        }
        let fields = record.fields
        guard fields.count == layout.count else {
            var message = "the row has \(fields.count) fields but the header has \(layout.count); row dropped"
            if fields.count > layout.count {
                message += " (a value containing the delimiter, such as a karyotype like 46,XY, must be in double quotes)"
            }
            note(.malformedCSV, line, fatal: true, message)
            return
        }
        func value(_ index: Int?) -> String {
            guard let index else { return "" }
            return fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let file = value(layout.file)
        let patient = value(layout.patient)
        let caseID = value(layout.caseID)
        let cell = value(layout.cell)
        let karyotypeText = value(layout.karyotype)
        let labelText = value(layout.label)
        let sourceText = value(layout.source)
        let identifiers: [(column: String, value: String)] = [
            (column: "patient_id", value: patient), (column: "case_id", value: caseID), (column: "cell_id", value: cell),
        ].filter { !$0.value.isEmpty }

        let empty = [("file", file), ("patient_id", patient), ("case_id", caseID), ("cell_id", cell)]
            .filter { $0.1.isEmpty }.map(\.0)
        guard empty.isEmpty else {
            note(.emptyField, line, fatal: true, "empty \(empty.joined(separator: ", ")); row dropped")
            return
        }
        let shownFile = "'" + Self.redact(Self.clip(file, 200), identifiers) + "'"

        // The file.
        let path = file.replacingOccurrences(of: "\\", with: "/")
        let fileURL = (path.hasPrefix("/")
            ? URL(fileURLWithPath: path, isDirectory: false)
            : URL(fileURLWithPath: path, isDirectory: false, relativeTo: folder)).absoluteURL.standardizedFileURL
        let key = Manifest.key(fileURL)

        // Label and source.
        var explicitLabel: SampleLabel? = nil
        if !labelText.isEmpty {
            guard let label = SampleLabel(userInput: labelText) else {
                note(.badLabel, line, fatal: true,
                     "label \(Self.shown(labelText, identifiers)) is not recognized (use positive, negative or unsure); row dropped")
                return
            }
            explicitLabel = label
        }
        var explicitSource: LabelSource? = nil
        if !sourceText.isEmpty {
            guard let source = LabelSource(userInput: sourceText.replacingOccurrences(of: " ", with: "_")) else {
                note(.badLabelSource, line, fatal: true,
                     "label_source \(Self.shown(sourceText, identifiers)) is not recognized (use karyotype, fish, pcr, reviewer or model); row dropped")
                return
            }
            explicitSource = source
        }

        // Duplicates (the first listing wins).
        if let first = firstByKey[key] {
            let other = candidates[first]
            var differing: [String] = []
            if other.row.patientID != patient { differing.append("patient_id") }
            if other.row.caseID != caseID { differing.append("case_id") }
            if other.row.cellID != cell { differing.append("cell_id") }
            if (other.row.karyotypeText ?? "") != karyotypeText { differing.append("karyotype") }
            if other.rawLabel != labelText { differing.append("label") }
            if other.rawSource != sourceText { differing.append("label_source") }
            let both = identifiers + other.identifiers
            var message = "file '\(Self.redact(Self.clip(file, 200), both))' is already listed on line \(other.row.line); this row is dropped"
            if !differing.isEmpty {
                message += "; the two rows disagree in \(differing.joined(separator: ", "))"
            }
            note(.duplicateRow, line, fatal: true, message)
            return
        }

        if checkFilesExist {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: fileURL.path, isDirectory: &isDirectory) {
                note(.unknownFile, line, fatal: true, "file \(shownFile) does not exist in the manifest's folder; row dropped")
                return
            }
            if isDirectory.boolValue {
                note(.unknownFile, line, fatal: true, "file \(shownFile) is a folder, not an image; row dropped")
                return
            }
        }

        // The karyotype.
        var karyotype: Karyotype? = nil
        var parseMessage: String? = nil
        if !karyotypeText.isEmpty {
            do {
                karyotype = try ISCN.parse(karyotypeText)
            } catch {
                parseMessage = "the karyotype is not valid ISCN at character \(error.position + 1): "
                    + Self.redact(error.message, identifiers)
            }
        }

        // The effective label.
        var label: SampleLabel? = nil
        var source: LabelSource? = nil
        if let explicitLabel {
            label = explicitLabel
            if let explicitSource {
                source = explicitSource
            } else {
                source = .karyotypeReport
                note(.emptyField, line, fatal: false,
                     "label is given without label_source; assuming it comes from the karyotype report")
            }
            if let karyotype, explicitLabel != .unsure, explicitLabel != karyotype.t922Label {
                let derived = karyotype.t922Label.rawValue
                if source == .karyotypeReport {
                    note(.conflictingLabel, line, fatal: true,
                         "label \(explicitLabel.rawValue) from the karyotype report contradicts the karyotype, which is \(derived) for t(9;22); row dropped")
                    return
                }
                note(.conflictingLabel, line, fatal: false,
                     "label \(explicitLabel.rawValue) from \(source!.rawValue) differs from the karyotype, which is \(derived) for t(9;22) (e.g. a masked Ph); the \(source!.rawValue) label is kept")
            }
            if let parseMessage {
                note(.unparsableKaryotype, line, fatal: false, parseMessage + "; the explicit label is used")
            }
        } else {
            if explicitSource != nil {
                note(.badLabelSource, line, fatal: false,
                     "label_source is given without a label and is ignored")
            }
            if let karyotype {
                label = karyotype.t922Label
                source = .karyotypeReport
            } else if let parseMessage {
                note(.unparsableKaryotype, line, fatal: false, parseMessage + "; the row is kept without a label")
            }
        }

        let row = ManifestRow(
            line: line, file: file, fileURL: fileURL, patientID: patient, caseID: caseID, cellID: cell,
            karyotypeText: karyotypeText.isEmpty ? nil : karyotypeText, karyotype: karyotype, label: label,
            labelSource: source)
        firstByKey[key] = candidates.count
        candidates.append(Candidate(row: row, key: key, identifiers: identifiers, rawLabel: labelText, rawSource: sourceText))
    }

    /// Rows for one cell (same patient_id, case_id and cell_id) with different labels are all dropped.
    mutating func resolveIdentityConflicts() {
        struct Identity: Hashable {
            let patient, caseID, cell: String
        }
        var groups: [Identity: [Int]] = [:]
        var order: [Identity] = []
        for (i, c) in candidates.enumerated() where c.row.label != nil {
            let id = Identity(patient: c.row.patientID, caseID: c.row.caseID, cell: c.row.cellID)
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append(i)
        }
        for id in order {
            let members = groups[id]!
            let labels = Set(members.compactMap { candidates[$0].row.label })
            guard labels.count > 1 else { continue }
            let lines = members.map { candidates[$0].row.line }
            let labelList = labels.sorted().map(\.rawValue).joined(separator: ", ")
            for i in members {
                candidates[i].dropped = true
                let others = lines.filter { $0 != candidates[i].row.line }.map(String.init).joined(separator: ", ")
                note(.conflictingLabel, candidates[i].row.line, fatal: true,
                     "this row and line(s) \(others) describe the same cell (same patient_id, case_id and cell_id) but their labels differ (\(labelList)); all are dropped")
            }
        }
    }

    // MARK: - Messages

    static func clip(_ s: String, _ limit: Int) -> String {
        s.count > limit ? String(s.prefix(limit)) + "…" : s
    }

    /// A value for a message, quoted and clipped, with the row's identifiers replaced by their column names.
    static func shown(_ value: String, _ identifiers: [(column: String, value: String)]) -> String {
        "'" + redact(clip(value, 40), identifiers) + "'"
    }

    /// Replaces identifier values in `text` with `<column>`. Values of three or more characters are
    /// replaced wherever they occur; shorter ones only as a whole token (not inside a longer word or
    /// number), so that a cell_id `2` does not mangle `q22`.
    static func redact(_ text: String, _ identifiers: [(column: String, value: String)]) -> String {
        var result = text
        for (column, value) in identifiers.sorted(by: { $0.value.count > $1.value.count }) where !value.isEmpty {
            if value.count >= 3 {
                result = result.replacingOccurrences(of: value, with: "<\(column)>")
            } else {
                result = replaceTokens(of: value, in: result, with: "<\(column)>")
            }
        }
        return result
    }

    static func replaceTokens(of value: String, in text: String, with replacement: String) -> String {
        var result = ""
        var rest = text[...]
        while let range = rest.range(of: value) {
            let before = range.lowerBound > rest.startIndex ? rest[rest.index(before: range.lowerBound)] : result.last
            let after = range.upperBound < rest.endIndex ? rest[range.upperBound] : nil
            let bounded = !(before.map { $0.isLetter || $0.isNumber } ?? false)
                && !(after.map { $0.isLetter || $0.isNumber } ?? false)
            result += rest[..<range.lowerBound]
            result += bounded ? replacement : String(rest[range])
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
