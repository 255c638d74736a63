import Crypto
import Foundation
import KaryoCore
import KaryoStore

/// Writes a dataset version as train/validation(/test) folders that PyTorch's `ImageFolder` and
/// Keras' `image_dataset_from_directory` read directly (`SPLIT/CLASS/SAMPLE.png`), plus
/// `manifest.csv` and `manifest.json` with tokens, labels, splits, content hashes, version and seed.
///
/// Patients never straddle splits (assignment is by patient token); only the training split is
/// balanced. The same version, seed and options always give byte-identical files, and every export
/// is recorded in the store so it can be reproduced.
public struct Exporter: Sendable {
    public let store: DatasetStore

    public init(store: DatasetStore) {
        self.store = store
    }

    /// The outcome of an export.
    public struct Result: Sendable, Codable {
        public var exportID: Int64
        public var directory: String
        public var version: String
        public var manifestSHA256: String
        public var images: Int
        public var counts: [String: [String: Int]]
        public var excluded: [String: Int]
        public var classWeights: [String: Double]
        public var warnings: [String]
    }

    /// Builds the manifest of an export without writing anything.
    public func plan(_ request: ExportRequest) throws -> ExportManifest {
        let version = try store.resolveVersion(request.version)
        let members = try store.members(of: version.id)
        let resplitPolicy: SplitPolicy? = try request.resplit.map {
            let policy = SplitPolicy(validationFraction: $0.validationFraction, testFraction: $0.testFraction, seed: request.seed)
            try policy.validate()
            return policy
        }
        var excluded: [String: Int] = [:]
        let kept = members.filter { member in
            if !member.label.isTrainable { excluded[member.label.rawValue, default: 0] += 1 }
            return member.label.isTrainable
        }
        var splitOf = Dictionary(uniqueKeysWithValues: kept.map { ($0.sampleToken, $0.split) })
        if let resplitPolicy {
            // Re-split every patient afresh, stratified by class (positive when any sample is).
            var stratum: [String: String] = [:]
            for member in kept where stratum[member.patientToken] != "positive" {
                stratum[member.patientToken] = member.label == .positive ? "positive" : "negative"
            }
            var assigner = StratifiedAssigner(policy: resplitPolicy)
            let patientSplit = assigner.assignAll(stratum.map { ($0.key, $0.value) })
            for member in kept { splitOf[member.sampleToken] = patientSplit[member.patientToken] }
        }
        let classes = SampleLabel.trainable.map(\.rawValue).sorted()
        let balanced = balance(
            kept.map { BalanceInput(id: $0.sampleToken, label: $0.label.rawValue, split: splitOf[$0.sampleToken]!) },
            strategy: request.balance, seed: request.seed)
        let copiesOf = Dictionary(uniqueKeysWithValues: balanced.entries.map { ($0.id, $0.copies) })
        if request.balance == .undersample {
            let dropped = kept.count { splitOf[$0.sampleToken] == .train && copiesOf[$0.sampleToken] == nil }
            if dropped > 0 { excluded["undersampled"] = dropped }
        }

        var entries: [ExportEntry] = []
        var counts: [String: [String: Int]] = [:]
        for member in kept {
            guard let copies = copiesOf[member.sampleToken], copies > 0 else { continue }
            let split = splitOf[member.sampleToken]!
            let label = member.label.rawValue
            for copy in 1...copies {
                let name = copy == 1 ? "\(member.sampleToken).png" : "\(member.sampleToken)_copy\(copy).png"
                entries.append(
                    ExportEntry(
                        file: "\(split.rawValue)/\(label)/\(name)", sample: member.sampleToken,
                        patient: member.patientToken, caseToken: member.caseToken, cell: member.cellToken,
                        label: label, labelIndex: classes.firstIndex(of: label)!, split: split.rawValue, copy: copy,
                        sha256: member.blobHash, width: member.width, height: member.height))
                counts[split.rawValue, default: [:]][label, default: 0] += 1
            }
        }
        entries.sort { ($0.split, $0.label, $0.sample, $0.copy) < ($1.split, $1.label, $1.sample, $1.copy) }

        var warnings: [String] = []
        let splitsPresent = Set(entries.map(\.split)).sorted()
        for split in splitsPresent {
            for label in classes where (counts[split]?[label] ?? 0) == 0 {
                warnings.append("the \(split) split has no \(label) samples")
            }
        }
        if entries.isEmpty { warnings.append("no labelled samples to export in version \(version.id)") }
        if !splitsPresent.contains(Split.validation.rawValue), !entries.isEmpty {
            warnings.append("the validation split is empty (too few patients for the validation fraction?)")
        }
        return ExportManifest(
            version: version.id, seed: request.seed, request: request, classes: classes,
            classWeights: balanced.classWeights, counts: counts, excluded: excluded, warnings: warnings,
            entries: entries)
    }

    /// Writes the export into `directory`, which must not exist or be empty. The files are written
    /// into a temporary sibling folder first and moved into place at the end, so an interrupted
    /// export leaves no half-written folder under the requested name.
    public func export(_ request: ExportRequest, to directory: URL, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Result {
        // Record the resolved version id, never a moving reference such as HEAD or a tag.
        var request = request
        request.version = try store.resolveVersion(request.version).id
        return try write(try plan(request), request: request, to: directory, progress: progress)
    }

    /// Writes a planned export and records it.
    private func write(
        _ manifest: ExportManifest, request: ExportRequest, to directory: URL,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> Result {
        let files = try Self.manifestFiles(manifest)
        let fm = FileManager.default
        let target = directory.standardizedFileURL
        if fm.fileExists(atPath: target.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: target.path)) ?? ["?"]
            guard contents.isEmpty else { throw ExportError.notEmpty(target.path) }
            try fm.removeItem(at: target)
        }
        let staging = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            for (index, entry) in manifest.entries.enumerated() {
                let destination = staging.appendingPathComponent(entry.file)
                try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: store.blobURL(entry.sha256), to: destination)
                progress?(index + 1, manifest.entries.count)
            }
            try files.csv.write(to: staging.appendingPathComponent("manifest.csv"))
            try files.json.write(to: staging.appendingPathComponent("manifest.json"))
            try Data(Self.readme(manifest).utf8).write(to: staging.appendingPathComponent("README.txt"))
            try fm.moveItem(at: staging, to: target)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
        let digest = Self.digest(files)
        let parameters = try JSONOutput.string(request, pretty: false).trimmingCharacters(in: .newlines)
        let id = try store.recordExport(version: manifest.version, parameters: parameters, manifestSHA256: digest)
        return Result(
            exportID: id, directory: target.path, version: manifest.version, manifestSHA256: digest,
            images: manifest.entries.count, counts: manifest.counts, excluded: manifest.excluded,
            classWeights: manifest.classWeights, warnings: manifest.warnings)
    }

    /// Re-runs a recorded export into `directory` and checks that its manifest is byte-identical.
    public func reproduce(exportID: Int64, to directory: URL) throws -> Result {
        guard let record = try store.exports().first(where: { $0.id == exportID }) else {
            throw ExportError.unknownExport(exportID)
        }
        let request = try JSONDecoder().decode(ExportRequest.self, from: Data(record.parameters.utf8))
        // Check before writing anything: a store that no longer gives the same manifest writes nothing.
        let manifest = try plan(request)
        let digest = try Self.manifestDigest(manifest)
        guard digest == record.manifestSHA256 else {
            throw ExportError.notReproduced(exportID, expected: record.manifestSHA256, got: digest)
        }
        return try write(manifest, request: request, to: directory)
    }

    /// The bytes of `manifest.csv` and `manifest.json`.
    static func manifestFiles(_ manifest: ExportManifest) throws -> (csv: Data, json: Data) {
        (Data(csv(manifest).utf8), try JSONOutput.encoder().encode(manifest))
    }

    /// SHA-256 of `manifest.csv` followed by `manifest.json`: identical exports have identical digests.
    static func manifestDigest(_ manifest: ExportManifest) throws -> String {
        digest(try manifestFiles(manifest))
    }

    static func digest(_ files: (csv: Data, json: Data)) -> String {
        var hasher = SHA256()
        hasher.update(data: files.csv)
        hasher.update(data: files.json)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func csv(_ manifest: ExportManifest) -> String {
        var lines = [ExportEntry.csvHeader]
        lines += manifest.entries.map { $0.csvLine(version: manifest.version, seed: manifest.seed) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func readme(_ manifest: ExportManifest) -> String {
        var text = """
            Karyo export of dataset version \(manifest.version) (seed \(manifest.seed), balance \(manifest.request.balance.rawValue)).

            Layout: SPLIT/CLASS/SAMPLE.png (8-bit grayscale PNG). Classes, in label-index order: \(manifest.classes.joined(separator: ", ")).
            positive = t(9;22) present; negative = no t(9;22).
            Every patient's samples are in one split only. manifest.csv / manifest.json list every file with
            its pseudonymous sample, patient, case and cell tokens, label, split and SHA-256.

            PyTorch:  torchvision.datasets.ImageFolder("train"), ImageFolder("validation")
            Keras:    keras.utils.image_dataset_from_directory("train", color_mode="grayscale")

            """
        for split in manifest.counts.keys.sorted() {
            let perClass = manifest.counts[split]!.keys.sorted().map { "\($0) \(manifest.counts[split]![$0]!)" }
            text += "\(split): \(perClass.joined(separator: ", "))\n"
        }
        return text
    }
}

/// Why an export could not be written.
public enum ExportError: Error, Sendable, CustomStringConvertible {
    case notEmpty(String)
    case unknownExport(Int64)
    case notReproduced(Int64, expected: String, got: String)

    public var description: String {
        switch self {
        case .notEmpty(let path): return "\(path): the export folder exists and is not empty; choose a new folder"
        case .unknownExport(let id): return "no export with id \(id) is recorded (see `karyo export --list`)"
        case .notReproduced(let id, let expected, let got):
            return "export \(id) was not reproduced: manifest digest \(got), recorded \(expected)"
        }
    }
}
