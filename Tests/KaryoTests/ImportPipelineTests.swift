import Foundation
import KaryoImage
import KaryoLabels
import Testing

@testable import Karyo

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
        let report = try await ImportPipeline(store: store).run(ImportRequest(paths: [folder.path], lab: "lab-b", author: "t"))
        #expect(report.imported == 3)
        #expect(report.failed == 2)
        let failures = report.files.filter { $0.outcome == .failed }
        #expect(failures.contains { $0.reason?.contains("truncated.png") == true })
        #expect(failures.contains { $0.reason?.contains("empty.tif") == true })
        #expect(report.hasFailures)
    }

    @Test("files not listed in the manifest are skipped, missing paths reported")
    func notInManifest() async throws {
        let tmp = try TemporaryFolder()
        let store = try newStore(in: tmp)
        let folder = tmp.path("d")
        let manifest = try LabDelivery.write(LabDelivery.patients(1, cells: 1), to: folder)
        try ImageCodec.encodePNG(LabDelivery.distinctImage(seed: 4242)).write(to: folder.appendingPathComponent("stray.png"))
        let report = try await ImportPipeline(store: store).run(
            ImportRequest(paths: [folder.path, tmp.path("nope").path], lab: "l", manifest: manifest, author: "t"))
        #expect(report.imported == 1)
        #expect(report.files.contains { $0.path.hasSuffix("stray.png") && $0.outcome == .skipped })
        #expect(report.missingPaths == [tmp.path("nope").path])
    }

    @Test("CytoVision .A/.K names give the image kind")
    func kindFromName() {
        #expect(ImportPipeline.guessKind(URL(fileURLWithPath: "/x/8129A.001.K.TIF")) == "karyogram")
        #expect(ImportPipeline.guessKind(URL(fileURLWithPath: "/x/8129A.001.A.TIF")) == "metaphase")
        #expect(ImportPipeline.guessKind(URL(fileURLWithPath: "/x/cell.png")) == "unknown")
    }
}
