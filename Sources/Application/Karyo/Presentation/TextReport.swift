import Foundation
import KaryoCore
import KaryoStore

/// The human-readable output of each command (JSON output is the Codable value itself).
public enum TextReport {
    static func date(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }

    static func counts(_ c: LabelCounts) -> String {
        "\(c.positive) positive, \(c.negative) negative, \(c.unsure) unsure"
    }

    public static func status(_ s: StoreStatus) -> String {
        var text = """
            Samples:   \(s.samples) (\(counts(s.labelCounts)), \(s.unlabelled) unlabelled)
            Patients:  \(s.patients) in \(s.labs) lab(s); \(s.cases) cases, \(s.cells) cells
            Derived:   \(s.derivedImages) images; \(s.blobs) blobs
            Versions:  \(s.versions); HEAD \(s.head ?? "(none yet)"); \(s.tags) tag(s)

            """
        if s.uncommitted.total == 0 {
            text += "Nothing to commit.\n"
        } else {
            text += "Not committed: \(s.uncommitted.added) added, \(s.uncommitted.labelChanged) label changes, "
                + "\(s.uncommitted.removed) removed (run `karyo commit -m MESSAGE`).\n"
        }
        return text
    }

    public static func importReport(_ r: ImportReport, perFile: Bool) -> String {
        var text = ""
        for file in r.files {
            let name = file.path ?? "#\(file.index)"
            switch file.outcome {
            case .imported:
                if perFile {
                    let size = file.width.map { "\($0)x\(file.height ?? 0)" } ?? ""
                    text += "imported     \(name) -> \(file.sample ?? "") (\(file.format ?? "") \(size)\(file.label.map { ", " + $0 } ?? ""))\n"
                }
            case .duplicate:
                if perFile { text += "duplicate    \(name) (\(file.reason ?? ""))\n" }
            case .skipped:
                if perFile { text += "skipped      \(name): \(file.reason ?? "")\n" }
            case .failed:
                text += "FAILED       \(file.reason ?? name)\n"
            case .quarantined:
                text += "QUARANTINED  \(file.reason ?? name)\n"
            }
            if perFile || file.outcome == .failed {
                for warning in file.warnings { text += "  warning: \(warning)\n" }
            }
        }
        for path in r.missingPaths { text += "MISSING    \(path): no such file or folder\n" }
        for problem in r.manifestProblems { text += "manifest:  \(problem)\n" }
        text += "Lab \(r.lab): \(r.imported) imported, \(r.duplicates) duplicates, \(r.failed) failed, "
            + "\(r.quarantined) quarantined, \(r.skipped) skipped in \(String(format: "%.1f", r.seconds)) s\n"
        if r.files.contains(where: { $0.path == nil && ($0.outcome == .failed || $0.outcome == .quarantined) }) {
            text += "Files are named by their position in the walk; --show-paths prints their paths "
                + "(which may contain patient names: they are never stored).\n"
        }
        return text
    }

    public static func samples(_ samples: [SampleInfo]) -> String {
        var text = ""
        for s in samples {
            let label = s.label?.rawValue ?? "unlabelled"
            text += "\(s.token)  \(label.padding(toLength: 10, withPad: " ", startingAt: 0)) patient \(s.patientToken)  "
                + "\(s.kind) \(s.width)x\(s.height) \(s.sourceFormat)  lab \(s.lab)\n"
        }
        return text.isEmpty ? "No samples.\n" : text
    }

    public static func labelEvents(_ events: [LabelEvent]) -> String {
        events.map { e in
            var line = "#\(e.id) \(date(e.createdAt)) \(e.sampleToken) \(e.label?.rawValue ?? "(withdrawn)") "
                + "from \(e.source.rawValue) by \(e.author)"
            if let k = e.karyotype { line += " karyotype \(k)" }
            if let r = e.reason { line += " — \(r)" }
            return line + "\n"
        }.joined()
    }

    public static func committed(_ v: VersionInfo) -> String {
        "Committed \(v.id): \(v.memberCount) samples (\(counts(v.labelCounts))); "
            + "train \(v.splitCounts.train), validation \(v.splitCounts.validation), test \(v.splitCounts.test); "
            + "\(v.added) added, \(v.updated) changed, \(v.removed) removed since \(v.parent ?? "nothing")\n"
    }

    public static func log(_ versions: [VersionInfo], tags: [TagInfo]) -> String {
        guard !versions.isEmpty else { return "No versions yet (run `karyo commit -m MESSAGE`).\n" }
        return versions.map { v in
            let tagText = v.tags.isEmpty ? "" : " (tag: \(v.tags.joined(separator: ", ")))"
            return """
                version \(v.id)\(tagText)
                Author: \(v.author)   Date: \(date(v.createdAt))
                    \(v.message)
                    \(v.memberCount) samples: \(counts(v.labelCounts)); +\(v.added) ~\(v.updated) -\(v.removed)


                """
        }.joined()
    }

    public static func version(_ v: VersionInfo, members: [VersionMember]?) -> String {
        var text = """
            version \(v.id)\(v.tags.isEmpty ? "" : " (tag: \(v.tags.joined(separator: ", ")))")
            Parent:  \(v.parent ?? "(none)")
            Author:  \(v.author)
            Date:    \(date(v.createdAt))
            Message: \(v.message)
            Members: \(v.memberCount)
                          positive  negative  unsure

            """
        for split in Split.allCases {
            let c = v.counts[split]
            text += "  \(split.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  "
                + String(format: "%8d  %8d  %6d\n", c.positive, c.negative, c.unsure)
        }
        if let members {
            text += "\n"
            for m in members {
                text += "\(m.sampleToken)  \(m.label.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                    + "\(m.split.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) patient \(m.patientToken)  \(m.blobHash.prefix(12))\n"
            }
        }
        return text
    }

    public static func diff(_ d: VersionDiff) -> String {
        var text = "diff \(d.from ?? "(empty)") -> \(d.to)\n"
        for m in d.added { text += "+ \(m.sampleToken)  \(m.label.rawValue)  \(m.split.rawValue)\n" }
        for m in d.removed { text += "- \(m.sampleToken)  \(m.label.rawValue)  \(m.split.rawValue)\n" }
        for c in d.labelChanges { text += "~ \(c.sampleToken)  \(c.old.rawValue) -> \(c.new.rawValue)\n" }
        for c in d.splitChanges { text += "~ \(c.sampleToken)  split \(c.old.rawValue) -> \(c.new.rawValue)\n" }
        text += "\(d.added.count) added, \(d.removed.count) removed, \(d.labelChanges.count) label flips, "
            + "\(d.splitChanges.count) split changes\n"
        return text
    }

    public static func tags(_ tags: [TagInfo]) -> String {
        tags.isEmpty ? "No tags.\n" : tags.map { "\($0.name)  \($0.version)  \(date($0.createdAt))\n" }.joined()
    }

    public static func verify(_ r: VerifyReport) -> String {
        var text = "Checked \(r.blobsChecked) blobs and \(r.versionsChecked) versions.\n"
        text += r.integrityOK ? "Database integrity: ok\n" : "Database integrity: FAILED\n"
        for m in r.integrityMessages { text += "  \(m)\n" }
        if r.foreignKeyViolations > 0 { text += "Foreign key violations: \(r.foreignKeyViolations)\n" }
        for h in r.missingBlobs { text += "MISSING blob \(h)\n" }
        for h in r.changedBlobs { text += "CHANGED blob \(h) (its bytes no longer hash to its name)\n" }
        for v in r.versionsWithWrongID { text += "WRONG version id \(v) (its members no longer hash to it)\n" }
        if !r.orphanBlobs.isEmpty {
            text += "\(r.orphanBlobs.count) unreferenced blob(s): harmless leftovers of an interrupted import\n"
        }
        if r.leftoverTempFiles > 0 { text += "\(r.leftoverTempFiles) leftover temporary file(s) removed\n" }
        text += r.isHealthy ? "The store is healthy.\n" : "The store is DAMAGED.\n"
        return text
    }

    public static func exports(_ records: [ExportRecord]) -> String {
        records.isEmpty
            ? "No exports yet.\n"
            : records.map { "#\($0.id)  \(date($0.createdAt))  \($0.version)  \($0.parameters)  manifest \($0.manifestSHA256.prefix(16))\n" }.joined()
    }

    public static func export(_ r: Exporter.Result) -> String {
        var text = "Exported \(r.images) images of \(r.version) to \(r.directory) (export #\(r.exportID))\n"
        for split in r.counts.keys.sorted() {
            let perClass = r.counts[split]!.keys.sorted().map { "\($0) \(r.counts[split]![$0]!)" }
            text += "  \(split): \(perClass.joined(separator: ", "))\n"
        }
        for (reason, n) in r.excluded.sorted(by: { $0.key < $1.key }) { text += "  left out: \(n) \(reason)\n" }
        if r.classWeights.values.contains(where: { $0 != 1 }) {
            text += "  class weights: " + r.classWeights.keys.sorted().map { "\($0) \(String(format: "%.3f", r.classWeights[$0]!))" }.joined(separator: ", ") + "\n"
        }
        for w in r.warnings { text += "  warning: \(w)\n" }
        text += "  manifest sha256 \(r.manifestSHA256)\n"
        return text
    }
}
