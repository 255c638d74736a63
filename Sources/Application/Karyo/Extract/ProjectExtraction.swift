import Foundation
import KaryoCodecs
import KaryoCore
import KaryoStore

/// What `karyo extract` did to a project's samples.
public struct ProjectExtractionReport: Sendable, Codable {
    public struct Item: Sendable, Codable {
        public var sample: String
        /// nil when extraction could not run (the reason is in `error`).
        public var outcome: ExtractionOutcome?
        /// Derived images recorded (one per chromosome, one composite).
        public var derived: Int
        public var error: String?
    }
    /// Samples that already had an extraction and were left alone.
    public var alreadyExtracted: Int
    public var items: [Item]
    public var extracted: Int { items.filter { $0.derived > 0 }.count }
    public var failed: Int { items.filter { $0.error != nil }.count }
}

/// Runs ``ChromosomeExtraction`` on a project's stored samples and records every derived image
/// with its step, parameters and input (the sample's blob hash) as provenance.
public struct ProjectExtraction: Sendable {
    public let store: DatasetStore
    public var extraction: ChromosomeExtraction

    public init(store: DatasetStore, extraction: ChromosomeExtraction) {
        self.store = store
        self.extraction = extraction
    }

    /// Extracts from the samples without an extraction yet (all of them with `redo`).
    public func run(redo: Bool = false, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ProjectExtractionReport {
        let samples = try store.samples()
        let tokens = samples.map(\.token)
        let done = redo ? [:] : try store.derivedImageHashes(step: .extractChromosome, samples: tokens)
        let todo = samples.filter { done[$0.token] == nil }
        var report = ProjectExtractionReport(alreadyExtracted: samples.count - todo.count, items: [])
        for (i, sample) in todo.enumerated() {
            progress?(i, todo.count)
            var item = ProjectExtractionReport.Item(sample: sample.token, outcome: nil, derived: 0, error: nil)
            do {
                let png = try store.readBlob(sample.blobHash)
                let image = try ImageCodec.decode(png, fileName: "sample \(sample.token)").image
                let (outcome, outputs) = extraction.run(image)
                item.outcome = outcome
                item.derived = try Self.record(outputs, sample: sample.token, inputHash: sample.blobHash, in: store)
            } catch {
                item.error = "\(error)"
            }
            report.items.append(item)
        }
        progress?(todo.count, todo.count)
        return report
    }

    /// Stores derived images for a sample; returns how many were recorded.
    public static func record(_ outputs: [DerivedOutput], sample token: String, inputHash: String, in store: DatasetStore) throws -> Int {
        for o in outputs {
            try store.addDerivedImage(sample: token, png: o.png, step: o.step, parameters: o.parameters.json,
                                      inputHash: inputHash, codeVersion: KaryoVersion.current)
        }
        return outputs.count
    }
}

/// The `extraction.json` written beside the images of one file by ``FolderExtraction``.
struct FolderExtractionRecord: Encodable {
    struct Derived: Encodable {
        var file: String
        var step: DerivedStep
        var parameters: DerivationParameters
    }
    var outcome: ExtractionOutcome
    var derived: [Derived]
}

/// Extraction of loose image files into a folder: per image, the oriented chromosome crops, the
/// composite and a JSON record of what was found.
public enum FolderExtraction {
    public struct Item: Sendable, Codable {
        public var file: String
        public var outcome: ExtractionOutcome?
        /// Files written, relative to the output folder.
        public var written: [String]
        public var error: String?
    }

    /// Extracts `files` into `output` (created if needed): `<stem>/chr9-1.png` ..., `<stem>/t922-composite.png`,
    /// `<stem>/extraction.json`.
    public static func run(_ files: [URL], output: URL, extraction: ChromosomeExtraction,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Item] {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var items: [Item] = []
        for (i, url) in files.enumerated() {
            progress?(i, files.count)
            var item = Item(file: url.path, outcome: nil, written: [], error: nil)
            do {
                let image = try ImageCodec.decode(contentsOf: url).image
                let (outcome, outputs) = extraction.run(image)
                item.outcome = outcome
                let stem = url.deletingPathExtension().lastPathComponent
                let dir = output.appendingPathComponent(stem)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for o in outputs {
                    try o.png.write(to: dir.appendingPathComponent("\(o.name).png"))
                    item.written.append("\(stem)/\(o.name).png")
                }
                let record = FolderExtractionRecord(outcome: outcome, derived: outputs.map {
                    .init(file: "\($0.name).png", step: $0.step, parameters: $0.parameters)
                })
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                try enc.encode(record).write(to: dir.appendingPathComponent("extraction.json"))
                item.written.append("\(stem)/extraction.json")
            } catch {
                item.error = "\(error)"
            }
            items.append(item)
        }
        progress?(files.count, files.count)
        return items
    }
}
