import Foundation
@testable import Karyo
import KaryoCodecs
import KaryoCore
import Testing


@Suite("Import pipeline")
struct ImportPipelineTests {
    @Test("a lab delivery with a manifest imports with labels, patients grouped, identifiers kept out")
    func importsDelivery() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let manifest = try LabDelivery.write(LabDelivery.patients(6), to: tmp.path("delivery"))
        let report = try await ImportPipeline(store: store).run(
            ImportRequest(paths: [tmp.path("delivery").path], lab: "lab-a", manifest: manifest, author: "tester"))
        #expect(report.imported == 12)
        #expect(report.failed == 0)
        #expect(report.files.count { $0.outcome == .skipped } == 1)  // manifest.csv itself
        let samples = try store.samples(limit: nil, offset: 0)
        #expect(samples.count == 12)
        #expect(samples.count { $0.label == .positive } == 4)
        #expect(Set(samples.map(\.patientToken)).count == 6)
        for sample in samples { #expect(!sample.patientToken.contains("PT1")) }
        // Each sample records how it was made, without file names.
        let provenance = try JSONSerialization.jsonObject(with: Data(samples[0].provenance.utf8)) as! [String: Any]
        #expect(provenance["step"] as? String == "import" && provenance["source_format"] as? String == "png")
        #expect(!samples[0].provenance.contains("cell0") && !samples[0].provenance.contains("PT1"))
    }

    @Test("re-importing the same files skips them as duplicates")
    func duplicates() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let manifest = try LabDelivery.write(LabDelivery.patients(2), to: tmp.path("d"))
        let request = ImportRequest(paths: [], lab: "lab-a", manifest: manifest, author: "t")
        _ = try await ImportPipeline(store: store).run(request)
        let again = try await ImportPipeline(store: store).run(request)
        #expect(again.imported == 0)
        #expect(again.duplicates == 4)
    }

    @Test("one bad file is reported by name and the rest of the batch is imported")
    func badFileInBatch() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let folder = tmp.path("mixed")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for i in 0..<3 {
            try ImageCodec.encodePNG(LabDelivery.distinctImage(seed: i)).write(to: folder.appendingPathComponent("good\(i).png"))
        }
        let good = try ImageCodec.encodePNG(LabDelivery.distinctImage(seed: 99))
        try good.prefix(good.count / 2).write(to: folder.appendingPathComponent("truncated.png"))
        try Data().write(to: folder.appendingPathComponent("empty.tif"))
        let report = try await ImportPipeline(store: store).run(
            ImportRequest(paths: [folder.path], lab: "lab-b", author: "t", showPaths: true))
        #expect(report.imported == 3)
        #expect(report.failed == 2)
        let failures = report.files.filter { $0.outcome == .failed }
        #expect(failures.contains { $0.reason?.contains("truncated.png") == true })
        #expect(failures.contains { $0.reason?.contains("empty.tif") == true })
        #expect(report.hasFailures)
    }

    @Test("without --show-paths no file or folder name reaches the report")
    func namesStayOut() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let folder = tmp.path("DOE_JANE_MRN8675309")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ImageCodec.encodePNG(LabDelivery.distinctImage(seed: 1)).write(to: folder.appendingPathComponent("SMITH_JOHN.png"))
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: folder.appendingPathComponent("ROE_RICHARD.png"))
        let report = try await ImportPipeline(store: store).run(ImportRequest(paths: [folder.path], lab: "l", author: "t"))
        #expect(report.imported == 1 && report.failed == 1)
        let json = try JSONOutput.string(report)
        let text = TextReport.importReport(report, perFile: true)
        for name in ["DOE_JANE", "8675309", "SMITH", "RICHARD"] {
            #expect(!json.contains(name) && !text.contains(name))
        }
        #expect(text.contains("#"))
    }

    @Test("files not listed in the manifest are skipped, missing paths reported")
    func notInManifest() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let folder = tmp.path("d")
        let manifest = try LabDelivery.write(LabDelivery.patients(1, cells: 1), to: folder)
        try ImageCodec.encodePNG(LabDelivery.distinctImage(seed: 4242)).write(to: folder.appendingPathComponent("stray.png"))
        let report = try await ImportPipeline(store: store).run(
            ImportRequest(
                paths: [folder.path, tmp.path("nope").path], lab: "l", manifest: manifest, author: "t", showPaths: true))
        #expect(report.imported == 1)
        #expect(report.files.contains { $0.path?.hasSuffix("stray.png") == true && $0.outcome == .skipped })
        #expect(report.missingPaths == [tmp.path("nope").path])
    }

    @Test("CytoVision .A/.K names give the image kind")
    func kindFromName() {
        #expect(ImportPipeline.guessKind(URL(fileURLWithPath: "/x/8129A.001.K.TIF")) == .karyogram)
        #expect(ImportPipeline.guessKind(URL(fileURLWithPath: "/x/8129A.001.A.TIF")) == .metaphase)
        #expect(ImportPipeline.guessKind(URL(fileURLWithPath: "/x/cell.png")) == .unknown)
    }
}

@Suite("Import with a faulty manifest")
struct FaultyManifestTests {
    @Test("rejected rows are reported without identifiers, their files are not imported, the rest are")
    func rejectedRows() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let folder = tmp.path("d")
        try LabDelivery.write(LabDelivery.patients(3, cells: 1), to: folder)
        // Rewrite the manifest: a conflicting explicit label, a duplicate row, a file that does not exist.
        let lines = [
            "file,patient_id,case_id,cell_id,karyotype,label,label_source",
            "PT100000-cell0.png,PT100000,PT100000-case,0,\"46,XY,t(9;22)(q34;q11.2)[20]\",negative,karyotype",
            "PT100001-cell0.png,PT100001,PT100001-case,0,\"46,XX[20]\",,",
            "PT100001-cell0.png,PT100001,PT100001-case,0,\"46,XX[20]\",,",
            "missing.png,PT100009,PT100009-case,0,\"46,XX\",,",
            "PT100002-cell0.png,PT100002,PT100002-case,0,\"46,XX,t(9;22;11)(q34;q11.2;q13)\",,",
        ]
        let manifest = folder.appendingPathComponent("manifest.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let report = try await ImportPipeline(store: store).run(
            ImportRequest(paths: [folder.path], lab: "lab", manifest: manifest, author: "t", showPaths: true))
        #expect(report.imported == 2)
        #expect(report.rejectedManifestRows >= 2)
        #expect(report.hasFailures)
        #expect(report.files.contains { $0.path?.hasSuffix("PT100000-cell0.png") == true && $0.outcome == .skipped })
        for problem in report.manifestProblems {
            #expect(!problem.contains("PT100000-case") && !problem.contains(",PT1000"))
        }
        // Without --show-paths the same problems name no file.
        let quiet = try await ImportPipeline(store: try newStore(in: try TemporaryFolder())).run(
            ImportRequest(paths: [folder.path], lab: "lab", manifest: manifest, author: "t"))
        #expect(quiet.manifestProblems.count == report.manifestProblems.count)
        #expect(quiet.manifestProblems.allSatisfy { !$0.contains("missing.png") && !$0.contains("cell0.png") })
        #expect(report.manifestProblems.contains { $0.contains("missing.png") })
        let labels = try store.samples(limit: nil, offset: 0).compactMap(\.label)
        #expect(labels.sorted() == [.positive, .negative])  // the variant three-way t(9;22;11) is positive
    }

    @Test("a manifest without its required columns stops the import before anything is stored")
    func missingColumns() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let folder = tmp.path("d")
        try LabDelivery.write(LabDelivery.patients(1, cells: 1), to: folder)
        let manifest = folder.appendingPathComponent("bad.csv")
        try "file,patient_id\nPT100000-cell0.png,PT100000\n".write(to: manifest, atomically: true, encoding: .utf8)
        await #expect(throws: ImportError.self) {
            try await ImportPipeline(store: store).run(ImportRequest(paths: [folder.path], lab: "l", manifest: manifest, author: "t"))
        }
        #expect(try store.status().samples == 0)
    }
}
