import Foundation
import KaryoCore
import KaryoManifest
import Testing

/// A temporary folder with image files and a manifest.
final class LabFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("karyo-manifest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Creates empty image files (with sub-folders as needed).
    func images(_ names: String...) throws { try images(names) }

    func images(_ names: [String]) throws {
        var folders: Set<String> = []
        for name in names {
            let file = url.appendingPathComponent(name)
            let folder = file.deletingLastPathComponent()
            if folders.insert(folder.path).inserted {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            // Plain open/close: FileManager's atomic writes are slow on some file systems.
            let fd = open(file.path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            close(fd)
        }
    }

    @discardableResult
    func manifest(_ text: String, name: String = "manifest.csv") throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    func manifest(bytes: [UInt8], name: String = "manifest.csv") throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }
}

let header = "file,patient_id,case_id,cell_id,karyotype,label,label_source\n"

func problems(_ m: Manifest, _ kind: ManifestProblem.Kind) -> [ManifestProblem] {
    m.problems.filter { $0.kind == kind }
}

@Suite("Manifest")
struct ManifestTests {
    @Test func happyPath() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "img/b.png", "c.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,1,\"46,XY,t(9;22)(q34;q11.2)[20]\",,\n"
            + "./img/b.png,P1,C1,2,\"46,XY[20]\",,\n"
            + "c.png,P2,C2,1,,unsure,reviewer\n")
        let m = try ManifestReader.read(url)
        #expect(m.problems.isEmpty, "\(m.problems)")
        #expect(m.rows.count == 3)
        let a = m.rows[0]
        #expect(a.line == 2)
        #expect(a.file == "a.png")
        #expect(a.fileURL.path == lab.url.appendingPathComponent("a.png").standardizedFileURL.path)
        #expect(a.patientID == "P1" && a.caseID == "C1" && a.cellID == "1")
        #expect(a.karyotypeText == "46,XY,t(9;22)(q34;q11.2)[20]")
        #expect(a.karyotype?.hasT922 == true)
        #expect(a.label == .positive && a.labelSource == .karyotypeReport)
        #expect(m.rows[1].file == "./img/b.png")
        #expect(m.rows[1].fileURL.path.hasSuffix("/img/b.png") && !m.rows[1].fileURL.path.contains("/./"))
        #expect(m.rows[1].label == .negative && m.rows[1].labelSource == .karyotypeReport)
        #expect(m.rows[2].karyotypeText == nil && m.rows[2].karyotype == nil)
        #expect(m.rows[2].label == .unsure && m.rows[2].labelSource == .reviewer)
    }

    @Test func lookupByResolvedPath() throws {
        let lab = try LabFolder()
        try lab.images("img/b.png")
        let url = try lab.manifest(header + "img/../img/b.png,P1,C1,1,\"46,XY\",,\n")
        let link = lab.url.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: lab.url.appendingPathComponent("img"))
        let m = try ManifestReader.read(url)
        #expect(m.rows.count == 1)
        #expect(m.row(for: lab.url.appendingPathComponent("img/b.png"))?.line == 2)
        #expect(m.row(for: lab.url.appendingPathComponent("img/./b.png"))?.line == 2)
        #expect(m.row(for: link.appendingPathComponent("b.png"))?.line == 2)
        #expect(m.row(for: lab.url.appendingPathComponent("img/c.png")) == nil)
    }

    @Test func windowsPathsAndAbsolutePaths() throws {
        let lab = try LabFolder()
        try lab.images("img/b.png", "abs.png")
        let absolute = lab.url.appendingPathComponent("abs.png").path
        let url = try lab.manifest(header + "img\\b.png,P1,C1,1,,,\n\(absolute),P1,C1,2,,,\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.count == 2, "\(m.problems)")
        #expect(m.rows[0].fileURL.path.hasSuffix("/img/b.png"))
        #expect(m.rows[1].fileURL.path == URL(fileURLWithPath: absolute).standardizedFileURL.path)
    }

    @Test func headerNamesAreNormalized() throws {
        let lab = try LabFolder()
        try lab.images("a.png")
        let url = try lab.manifest(" File ,Patient ID,case-id,CELL_ID,Karyotype,LABEL,Label-Source\na.png,P1,C1,1,\"46,XX\",neg,FISH\n")
        let m = try ManifestReader.read(url)
        #expect(m.problems.isEmpty, "\(m.problems)")
        #expect(m.rows.first?.label == .negative && m.rows.first?.labelSource == .fish)
    }

    @Test func europeanExcel() throws {
        // UTF-8 BOM, semicolons, CRLF, a quoted karyotype (it contains ';'), trailing empty lines.
        let lab = try LabFolder()
        try lab.images("zelle_1.png", "zelle_2.png")
        let text = "file;patient_id;case_id;cell_id;karyotype;label;label_source\r\n"
            + "zelle_1.png;P1;C1;1;\"46,XY,t(9;22)(q34;q11.2)[20]\";;\r\n"
            + "zelle_2.png;P1;C1;2;\"46,XY[20]\";;\r\n"
            + ";;;;;;\r\n\r\n"
        let url = try lab.manifest(bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        let m = try ManifestReader.read(url)
        #expect(m.problems.isEmpty, "\(m.problems)")
        #expect(m.rows.map(\.label) == [.positive, .negative])
        #expect(m.rows.map(\.line) == [2, 3])
    }

    @Test func multilineQuotedFieldKeepsLineNumbers() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png")
        let url = try lab.manifest(
            "file,patient_id,case_id,cell_id,karyotype,comment\n"
                + "a.png,P1,C1,1,\"46,XY\",\"first line\nsecond line\"\n"
                + "b.png,P1,C1,2,\"46,XY\",\"\"\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [2, 4])
        #expect(problems(m, .unknownColumn).count == 1)
        #expect(problems(m, .unknownColumn)[0].message.contains("'comment'"))
        #expect(problems(m, .unknownColumn)[0].line == nil)
        #expect(!problems(m, .unknownColumn)[0].isFatal)
    }

    @Test func missingColumnsThrow() throws {
        let lab = try LabFolder()
        let url = try lab.manifest("file,patient_id,cell_id\na.png,P1,1\n")
        do {
            _ = try ManifestReader.read(url, checkFilesExist: false)
            Issue.record("expected an error")
        } catch {
            let missing = error.problems.filter { $0.kind == .missingColumn }
            #expect(missing.count == 2)
            #expect(missing.contains { $0.message.contains("'case_id'") })
            #expect(missing.contains { $0.message.contains("'karyotype'") })
            #expect(error.problems.allSatisfy { $0.isFatal })
            #expect(error.description.contains("case_id") && error.description.contains("karyotype"))
            #expect(error.url == url)
        }
    }

    @Test func unusableFilesThrow() throws {
        let lab = try LabFolder()
        let cases: [(URL, String)] = [
            (try lab.manifest("", name: "empty.csv"), "no header"),
            (try lab.manifest("\n\n  \n", name: "blank.csv"), "no header"),
            (try lab.manifest(bytes: [0xFF, 0xFE, 0x66, 0x00], name: "utf16.csv"), "UTF-16"),
            (try lab.manifest(bytes: Array("file,patient_id\n".utf8) + [0xC3, 0x28], name: "latin.csv"), "UTF-8"),
            (try lab.manifest(bytes: [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00], name: "image.csv"), "not a text file"),
            (try lab.manifest("file,file,patient_id,case_id,cell_id,karyotype\n", name: "dup.csv"), "appears twice"),
            (try lab.manifest("\"file,patient_id\n", name: "quote.csv"), "never closed"),
            (lab.url.appendingPathComponent("missing.csv"), "does not exist"),
            (lab.url, "folder"),
        ]
        for (url, expected) in cases {
            do {
                _ = try ManifestReader.read(url)
                Issue.record("expected an error for \(url.lastPathComponent)")
            } catch {
                #expect(error.description.contains(expected), "\(error.description)")
                #expect(!error.problems.isEmpty)
            }
        }
    }

    @Test func emptyFieldsDropTheRow() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png")
        let url = try lab.manifest(header + "a.png,,C1,1,\"46,XY\",,\nb.png,P1,C1,2,\"46,XY\",,\n,P1,C1,3,,,\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [3])
        let empty = problems(m, .emptyField)
        #expect(empty.map(\.line) == [2, 4])
        #expect(empty.allSatisfy { $0.isFatal })
        #expect(empty[0].message.contains("patient_id"))
        #expect(empty[1].message.contains("file"))
    }

    @Test func emptyKaryotypeIsAllowed() throws {
        let lab = try LabFolder()
        try lab.images("a.png")
        let m = try ManifestReader.read(try lab.manifest(header + "a.png,P1,C1,1,,,\n"))
        #expect(m.problems.isEmpty)
        #expect(m.rows.first?.label == nil && m.rows.first?.labelSource == nil && m.rows.first?.karyotypeText == nil)
    }

    @Test func duplicateRows() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,1,\"46,XY\",,\n"
            + "./a.png,P1,C1,1,\"46,XY\",,\n"
            + "b.png,P1,C1,2,\"46,XY\",,\n"
            + "b.png,P1,C1,3,\"46,XY,t(9;22)(q34;q11.2)\",,\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [2, 4])
        let dups = problems(m, .duplicateRow)
        #expect(dups.map(\.line) == [3, 5])
        #expect(dups.allSatisfy { $0.isFatal })
        #expect(dups[0].message.contains("line 2") && !dups[0].message.contains("disagree"))
        #expect(dups[1].message.contains("line 4") && dups[1].message.contains("disagree"))
        #expect(dups[1].message.contains("cell_id") && dups[1].message.contains("karyotype"))
        #expect(!dups[1].message.contains("patient_id"))
    }

    @Test func unknownFiles() throws {
        let lab = try LabFolder()
        try lab.images("a.png")
        try FileManager.default.createDirectory(at: lab.url.appendingPathComponent("dir"), withIntermediateDirectories: true)
        let url = try lab.manifest(header + "a.png,P1,C1,1,,,\nmissing.png,P1,C1,2,,,\ndir,P1,C1,3,,,\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [2])
        let unknown = problems(m, .unknownFile)
        #expect(unknown.map(\.line) == [3, 4])
        #expect(unknown[0].message.contains("missing.png"))
        #expect(unknown[1].message.contains("folder"))
        let unchecked = try ManifestReader.read(url, checkFilesExist: false)
        #expect(unchecked.rows.count == 3)
        #expect(unchecked.problems.isEmpty)
    }

    @Test func explicitLabelContradictingTheKaryotypeReport() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png", "c.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,1,\"46,XY,t(9;22)(q34;q11.2)\",negative,karyotype\n"
            + "b.png,P1,C1,2,\"46,XY\",positive,\n"  // no source: assumed karyotype report
            + "c.png,P1,C1,3,\"46,XY,t(9;22)(q34;q11.2)\",positive,karyotype_report\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [4])
        let conflicts = problems(m, .conflictingLabel)
        #expect(conflicts.map(\.line) == [2, 3])
        #expect(conflicts.allSatisfy { $0.isFatal })
        let assumed = problems(m, .emptyField)
        #expect(assumed.map(\.line) == [3])
        #expect(!assumed[0].isFatal && assumed[0].message.contains("label_source"))
    }

    @Test func maskedPhByFISHIsKept() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png", "c.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,1,\"46,XY[20]\",positive,fish\n"
            + "b.png,P1,C1,2,\"46,XY[20]\",pos,RT-PCR\n"
            + "c.png,P2,C2,1,\"46,XY,t(9;22)(q34;q11.2)\",negative,reviewer\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.label) == [.positive, .positive, .negative])
        #expect(m.rows.map(\.labelSource) == [.fish, .pcr, .reviewer])
        let notes = problems(m, .conflictingLabel)
        #expect(notes.map(\.line) == [2, 3, 4])
        #expect(notes.allSatisfy { !$0.isFatal })
    }

    @Test func sameCellWithDifferentLabels() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png", "c.png", "d.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,7,\"46,XY,t(9;22)(q34;q11.2)\",,\n"
            + "b.png,P1,C1,8,\"46,XY\",,\n"
            + "c.png,P1,C1,7,\"46,XY\",,\n"
            + "d.png,P1,C1,8,\"46,XY\",negative,reviewer\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [3, 5])
        let conflicts = problems(m, .conflictingLabel)
        #expect(conflicts.map(\.line) == [2, 4])
        #expect(conflicts.allSatisfy { $0.isFatal })
        #expect(conflicts[0].message.contains("line(s) 4"))
        #expect(conflicts[1].message.contains("line(s) 2"))
    }

    @Test func unparsableKaryotypes() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,1,\"46,XY,t(9;22)(q34\",,\n"
            + "b.png,P1,C1,2,\"46,XY,Ph+\",positive,pcr\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.count == 2)
        #expect(m.rows[0].label == nil && m.rows[0].labelSource == nil && m.rows[0].karyotype == nil)
        #expect(m.rows[0].karyotypeText == "46,XY,t(9;22)(q34")
        #expect(m.rows[1].label == .positive && m.rows[1].labelSource == .pcr)
        let notes = problems(m, .unparsableKaryotype)
        #expect(notes.map(\.line) == [2, 3])
        #expect(notes.allSatisfy { !$0.isFatal })
        #expect(notes[0].message.contains("never closed"))
        #expect(notes[0].message.contains("character 18"))
        #expect(notes[1].message.contains("unknown abnormality 'Ph'"))
    }

    @Test func badLabelsAndSources() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png", "c.png", "d.png")
        let url = try lab.manifest(header
            + "a.png,P1,C1,1,\"46,XY\",maybe,\n"
            + "b.png,P1,C1,2,\"46,XY\",negative,telepathy\n"
            + "c.png,P1,C1,3,\"46,XY\",,fish\n"
            + "d.png,P1,C1,4,\"46,XY\",negative,karyotype report\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [4, 5])
        #expect(problems(m, .badLabel).map(\.line) == [2])
        #expect(problems(m, .badLabel)[0].message.contains("'maybe'"))
        let sources = problems(m, .badLabelSource)
        #expect(sources.map(\.line) == [3, 4])
        #expect(sources.map(\.isFatal) == [true, false])
        #expect(m.rows[0].label == .negative && m.rows[0].labelSource == .karyotypeReport)
        #expect(m.rows[1].labelSource == .karyotypeReport)
    }

    @Test func malformedRows() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png", "c.png", "d.png")
        let url = try lab.manifest("file,patient_id,case_id,cell_id,karyotype\n"
            + "a.png,P1,C1,1,46,XY\n"  // unquoted karyotype
            + "b.png,P1,C1,2\n"
            + "c.png,P1,C1,3,\"46,XX\",,\n"  // extra fields, even empty ones, could hide a shifted row
            + "d.png,P1,C1,4,\"46,XX\"x\n"
            + "a.png,P1,C1,1,\"46,XY\"\n")
        let m = try ManifestReader.read(url)
        #expect(m.rows.map(\.line) == [6])
        let bad = problems(m, .malformedCSV)
        #expect(bad.map(\.line) == [2, 3, 4, 5])
        #expect(bad.allSatisfy { $0.isFatal })
        #expect(bad[0].message.contains("double quotes"))
        #expect(bad[1].message.contains("4 fields"))
    }

    @Test func problemsAreInLineOrder() throws {
        let lab = try LabFolder()
        try lab.images("a.png", "b.png")
        let url = try lab.manifest(header.dropLast() + ",extra\n"
            + "a.png,P1,C1,1,\"46,XY,t(9;22)(q34;q11.2)\",,,\n"
            + "x.png,P1,C1,2,,,,\n"
            + "b.png,P1,C1,1,\"46,XY\",,,\n"
            + "b.png,P1,C1,3,bad,,,\n")
        let m = try ManifestReader.read(url)
        let lines = m.problems.map { $0.line ?? 0 }
        #expect(lines == lines.sorted())
        #expect(m.problems.first?.kind == .unknownColumn)
        #expect(m.problems.map(\.kind) == [.unknownColumn, .conflictingLabel, .unknownFile, .conflictingLabel, .duplicateRow])
        #expect(m.errors.count == 4 && m.warnings.count == 1)
    }

    @Test func descriptions() {
        let p = ManifestProblem(kind: .emptyField, line: 12, isFatal: true, message: "empty cell_id; row dropped")
        #expect(p.description == "line 12: error (emptyField): empty cell_id; row dropped")
        let q = ManifestProblem(kind: .unknownColumn, line: nil, isFatal: false, message: "ignored column(s)")
        #expect(q.description == "warning (unknownColumn): ignored column(s)")
    }

    @Test func thousandRowsParseQuickly() throws {
        let lab = try LabFolder()
        var text = header
        var names: [String] = []
        for i in 0..<1000 {
            let name = "case\(i / 50)/cell_\(i).png"
            names.append(name)
            let karyotype = i % 3 == 0
                ? "46,XY,t(9;22)(q34;q11.2)[20]"
                : "46,XX,t(9;22)(q34;q11.2)[10]/47,idem,+8[5]/48,idem,+8,+19[5]"
            text += "\(name),P\(i / 50),C\(i / 25),\(i),\"\(i % 2 == 0 ? karyotype : "46,XY[20]")\",,\n"
        }
        try lab.images(names)
        let url = try lab.manifest(text)
        let clock = ContinuousClock()
        var m: Manifest? = nil
        let elapsed = try clock.measure { m = try ManifestReader.read(url) }
        #expect(m?.rows.count == 1000)
        #expect(m?.problems.isEmpty == true)
        print("1000-row manifest read in \(elapsed)")
        #expect(m?.row(for: lab.url.appendingPathComponent("case3/cell_170.png"))?.cellID == "170")
    }
}

@Suite("Manifest privacy")
struct ManifestPrivacyTests {
    static let patient = "PT-SECRET-90210"
    static let caseID = "CASE-SECRET-4471"
    static let cell = "CELL-SECRET-0815"

    /// Every problem kind that can concern a row, with identifiers planted wherever a value could leak.
    @Test func noMessageContainsAnIdentifier() throws {
        let lab = try LabFolder()
        let p = Self.patient, c = Self.caseID, x = Self.cell
        try lab.images("ok.png", "dup.png", "kt.png", "fish.png", "same1.png", "same2.png", "\(p)_\(x).png", "lbl.png", "src.png")
        let url = try lab.manifest("file,patient_id,case_id,cell_id,karyotype,label,label_source,notes\n"
            + "ok.png,\(p),\(c),\(x),\"46,XY\",,,\n"
            + "dup.png,\(p),\(c),\(x)-2,\"46,XY\",,,\n"
            + "dup.png,\(p)-other,\(c),\(x)-3,\"46,XY\",,,\n"  // duplicate that disagrees
            + "missing_\(p).png,\(p),\(c),\(x)-4,,,,\n"  // unknown file whose name holds the identifier
            + "\(p)_\(x).png,\(p),\(c),\(x)-5,\"46,XY,\(p)\",,,\n"  // unparsable karyotype holding the identifier
            + "kt.png,\(p),\(c),\(x)-6,\"46,XY,t(9;22)(q34;q11.2)\",negative,karyotype,\n"
            + "fish.png,\(p),\(c),\(x)-7,\"46,XY\",positive,fish,\n"
            + "same1.png,\(p),\(c),\(x)-8,\"46,XY\",,,\n"
            + "same2.png,\(p),\(c),\(x)-8,\"46,XY,t(9;22)(q34;q11.2)\",,,\n"
            + "lbl.png,\(p),\(c),\(x)-9,\"46,XY\",\(p),,\n"  // bad label holding the identifier
            + "src.png,\(p),\(c),\(x)-10,\"46,XY\",negative,\(c),\n"  // bad source holding the identifier
            + "ok.png,,\(c),\(x)-11,,,,\n"  // empty field
            + "ok.png,\(p),\(c),\(x)-12,46,XY,,,\n"  // malformed (too many fields)
            + "ok.png,\(p),\(c),\(x)-13,\"46,XY\"junk,,,\n")  // malformed (text after quote)
        let m = try ManifestReader.read(url)
        let kinds = Set(m.problems.map(\.kind))
        for kind in [ManifestProblem.Kind.duplicateRow, .unknownFile, .unparsableKaryotype, .conflictingLabel,
                     .badLabel, .badLabelSource, .emptyField, .malformedCSV] {
            #expect(kinds.contains(kind), "no \(kind) problem was produced")
        }
        for problem in m.problems {
            for secret in [p, c, x] {
                #expect(!problem.message.contains(secret), "\(problem.description)")
                #expect(!problem.description.contains(secret), "\(problem.description)")
            }
        }
        // The placeholder names the column instead.
        #expect(m.problems.contains { $0.kind == .unknownFile && $0.message.contains("missing_<patient_id>.png") })
        #expect(m.problems.contains { $0.kind == .badLabel && $0.message.contains("<patient_id>") })
    }

    @Test func shortIdentifiersAreRedactedOnlyAsWholeTokens() throws {
        let lab = try LabFolder()
        let url = try lab.manifest(header + "cell_2.png,P1,C1,2,\"46,XY,t(9;22)(q34;q22.2)x\",,\n")
        let m = try ManifestReader.read(url)
        let messages = m.problems.map(\.message).joined(separator: "\n")
        #expect(messages.contains("cell_<cell_id>.png"), "\(messages)")
        let parse = try ManifestReader.read(url, checkFilesExist: false)
        #expect(parse.problems.count == 1)
        #expect(parse.problems[0].kind == .unparsableKaryotype)
    }

    @Test func manifestErrorsDoNotEchoDataRows() throws {
        // A manifest without its header row: the first data row is taken as the header.
        let lab = try LabFolder()
        let url = try lab.manifest("a.png,\(Self.patient),\(Self.caseID),\(Self.cell),\"46,XY\"\n")
        do {
            _ = try ManifestReader.read(url)
            Issue.record("expected an error")
        } catch {
            for secret in [Self.patient, Self.caseID, Self.cell] {
                #expect(!error.description.contains(secret))
            }
            #expect(error.problems.allSatisfy { $0.kind == .missingColumn })
        }
    }
}
