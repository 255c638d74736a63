import Foundation
@testable import Karyo
import KaryoStore
import Testing


@Suite("Export of splits")
struct ExporterTests {
    /// A store with `patients` imported, labelled from their karyotypes, and committed.
    func committedStore(_ tmp: TemporaryFolder, patients: Int = 30) async throws -> DatasetStore {
        let store = try newStore(in: tmp)
        let manifest = try LabDelivery.write(LabDelivery.patients(patients), to: tmp.path("delivery"))
        _ = try await ImportPipeline(store: store).run(ImportRequest(paths: [], lab: "lab", manifest: manifest, author: "t"))
        _ = try store.commit(message: "first", author: "t")
        return store
    }

    func files(in folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard !url.hasDirectoryPath else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
            result[relative] = try Data(contentsOf: url)
        }
        return result
    }

    @Test("no patient appears in two splits")
    func patientGrouping() async throws {
        let tmp = try TemporaryFolder()
        let store = try await committedStore(tmp)
        let manifest = try Exporter(store: store).plan(ExportRequest(version: "HEAD", seed: 3))
        var splitOfPatient: [String: Set<String>] = [:]
        for entry in manifest.entries { splitOfPatient[entry.patient, default: []].insert(entry.split) }
        #expect(splitOfPatient.count == 30)
        #expect(splitOfPatient.values.allSatisfy { $0.count == 1 })
        #expect(Set(manifest.entries.map(\.split)) == ["train", "validation"])
    }

    @Test("class balance as asked", arguments: [BalanceStrategy.undersample, .oversample, .classWeights, BalanceStrategy.none])
    func balancing(strategy: BalanceStrategy) async throws {
        let tmp = try TemporaryFolder()
        let store = try await committedStore(tmp)
        let manifest = try Exporter(store: store).plan(ExportRequest(version: "HEAD", seed: 1, balance: strategy))
        let train = manifest.counts["train"]!
        switch strategy {
        case .undersample, .oversample:
            #expect(train["positive"] == train["negative"])
        case .classWeights:
            #expect(train["positive"]! < train["negative"]!)
            let total = Double(train.values.reduce(0, +))
            #expect(abs(manifest.classWeights["positive"]! - total / (2 * Double(train["positive"]!))) < 1e-9)
        case .none:
            #expect(train["positive"]! < train["negative"]!)
        }
        // Validation is never resampled.
        let plain = try Exporter(store: store).plan(ExportRequest(version: "HEAD", seed: 1))
        #expect(manifest.counts["validation"] == plain.counts["validation"])
    }

    @Test("the same seed gives byte-identical files; the export is recorded and reproducible")
    func reproducible() async throws {
        let tmp = try TemporaryFolder()
        let store = try await committedStore(tmp, patients: 12)
        let exporter = Exporter(store: store)
        let request = ExportRequest(version: "HEAD", seed: 9, balance: .oversample)
        let a = try exporter.export(request, to: tmp.path("a"))
        let b = try exporter.export(request, to: tmp.path("b"))
        #expect(a.manifestSHA256 == b.manifestSHA256)
        let filesA = try files(in: tmp.path("a"))
        #expect(filesA == (try files(in: tmp.path("b"))))
        #expect(filesA.keys.contains("manifest.csv") && filesA.keys.contains("manifest.json"))
        let other = try exporter.plan(ExportRequest(version: "HEAD", seed: 10, balance: .oversample))
        #expect(try Exporter.manifestDigest(other) != a.manifestSHA256)
        let again = try exporter.reproduce(exportID: a.exportID, to: tmp.path("c"))
        #expect(again.manifestSHA256 == a.manifestSHA256)
        #expect(try store.exports().count == 3)
    }

    @Test("a patient's split stays put when new patients are added")
    func stableSplits() async throws {
        let tmp = try TemporaryFolder()
        let store = try await committedStore(tmp, patients: 20)
        let before = try Exporter(store: store).plan(ExportRequest(version: "HEAD"))
        let more = try LabDelivery.write(LabDelivery.patients(20, prefix: "NEW"), to: tmp.path("more"), salt: 7)
        _ = try await ImportPipeline(store: store).run(ImportRequest(paths: [], lab: "lab", manifest: more, author: "t"))
        _ = try store.commit(message: "more patients", author: "t")
        let after = try Exporter(store: store).plan(ExportRequest(version: "HEAD"))
        #expect(after.entries.count == before.entries.count * 2)
        let splitAfter = Dictionary(uniqueKeysWithValues: after.entries.map { ($0.sample, $0.split) })
        for entry in before.entries { #expect(splitAfter[entry.sample] == entry.split) }
    }

    @Test("the output folder must be new or empty, and an export writes ImageFolder classes")
    func layout() async throws {
        let tmp = try TemporaryFolder()
        let store = try await committedStore(tmp, patients: 6)
        let out = tmp.path("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: out.appendingPathComponent("keep.txt"))
        #expect(throws: ExportError.self) { try Exporter(store: store).export(ExportRequest(version: "HEAD"), to: out) }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("keep.txt").path))
        let result = try Exporter(store: store).export(ExportRequest(version: "HEAD"), to: tmp.path("fresh"))
        let all = try files(in: tmp.path("fresh"))
        #expect(all.keys.filter { $0.hasSuffix(".png") }.count == result.images)
        #expect(all.keys.allSatisfy { $0.hasPrefix("train/") || $0.hasPrefix("validation/") || !$0.contains("/") })
        let csv = String(decoding: all["manifest.csv"]!, as: UTF8.self)
        #expect(csv.hasPrefix("file,sample,patient,case,cell,label,label_index,split,copy,sha256"))
        #expect(!csv.contains("PT10"))  // no lab identifiers in an export
    }
}
