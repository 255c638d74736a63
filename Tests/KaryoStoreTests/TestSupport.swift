import Foundation
import KaryoCore
import KaryoStore
@_spi(Testing) import KaryoStore

/// A temporary project folder, removed when the test ends (call `cleanup()` in a defer).
struct TempProject {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("karyo-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    var storeDirectory: URL { root.appendingPathComponent(DatasetStore.folderName, isDirectory: true) }

    func cleanup() {
        try? FileManager.default.removeItem(at: root)
    }

    /// Every regular file under `.karyo`.
    func allStoreFiles() -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: storeDirectory, includingPropertiesForKeys: nil)
        else { return [] }
        var files: [URL] = []
        for case let url as URL in enumerator {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(url)
            }
        }
        return files
    }
}

let testPolicy = SplitPolicy(validationFraction: 0.3, testFraction: 0.1, seed: 42)

/// PNG-looking bytes (the store treats them as opaque); `seed` makes them unique.
func fakePNG(_ seed: String) -> Data {
    Data([137, 80, 78, 71, 13, 10, 26, 10]) + Data("fake image \(seed)".utf8)
}

func newSample(
    _ seed: String, lab: String = "Lab A", patient: String? = nil, caseID: String? = nil, cell: String? = nil,
    label: SampleLabel? = nil, karyotype: String? = nil, batch: Int64? = nil
) -> NewSample {
    NewSample(
        lab: lab, patientIdentifier: patient, caseIdentifier: caseID, cellIdentifier: cell, png: fakePNG(seed),
        width: 640, height: 480, sourceFormat: "tiff", sourceBitDepth: 16, sourceColorModel: "gray",
        kind: .karyogram, importBatch: batch,
        initialLabel: label.map { InitialLabel(label: $0, source: .karyotypeReport, karyotype: karyotype) },
        author: "importer")
}

extension DatasetStore {
    /// Adds a sample that must be new; returns its token.
    @discardableResult
    func addNew(_ sample: NewSample) throws -> String {
        switch try addSample(sample) {
        case .added(let info): return info.token
        case .duplicate(let token): throw StoreError(.conflict, "unexpected duplicate of \(token)")
        }
    }

    func relabel(_ token: String, _ label: SampleLabel) throws {
        try addLabel(sample: token, label: label, source: .reviewer, author: "reviewer", reason: "test", karyotype: nil)
    }

    /// The number of version_changes rows of a version.
    func changeRowCount(_ version: String) throws -> Int {
        try _queryInt(
            "SELECT COUNT(*) FROM version_changes vc JOIN versions v ON v.seq = vc.version_seq WHERE v.id = '\(version)'")
    }
}
