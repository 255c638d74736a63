import Foundation
import KaryoCodecs
import KaryoCore
import KaryoStore

/// A temporary folder removed when the value is deinitialised.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ component: String) -> URL { url.appendingPathComponent(component) }
}

/// Builds a lab's delivery: image files with distinct pixels and a manifest.
struct LabDelivery {
    struct Patient {
        var id: String
        var karyotype: String
        var cells: Int
    }

    /// Writes one PNG per cell of every patient under `folder`, and `folder/manifest.csv`.
    @discardableResult
    static func write(_ patients: [Patient], to folder: URL, salt: Int = 0) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines = ["file,patient_id,case_id,cell_id,karyotype"]
        for (p, patient) in patients.enumerated() {
            for cell in 0..<patient.cells {
                let name = "\(patient.id)-cell\(cell).png"
                try ImageCodec.encodePNG(distinctImage(seed: salt * 1_000_003 + p * 1000 + cell))
                    .write(to: folder.appendingPathComponent(name))
                lines.append("\(name),\(patient.id),\(patient.id)-case,\(cell),\"\(patient.karyotype)\"")
            }
        }
        let manifest = folder.appendingPathComponent("manifest.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        return manifest
    }

    /// A small image whose pixels are unique to `seed`.
    static func distinctImage(seed: Int, width: Int = 24, height: Int = 20) -> GrayImage {
        var state = UInt64(truncatingIfNeeded: seed) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var pixels = [UInt8](repeating: 0, count: width * height)
        for i in pixels.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// `count` patients, every `positiveEvery`-th one t(9;22)-positive.
    static func patients(_ count: Int, prefix: String = "PT", positiveEvery: Int = 3, cells: Int = 2) -> [Patient] {
        (0..<count).map {
            Patient(
                id: "\(prefix)\(100_000 + $0)",
                karyotype: $0 % positiveEvery == 0 ? "46,XY,t(9;22)(q34;q11.2)[20]" : "46,XX[20]",
                cells: cells)
        }
    }
}

func newStore(in folder: TemporaryFolder, validationFraction: Double = 0.3, seed: UInt64 = 11) throws -> DatasetStore {
    try DatasetStore.create(
        at: folder.path("project"), splitPolicy: SplitPolicy(validationFraction: validationFraction, seed: seed))
}
