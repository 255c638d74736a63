import Foundation
import KaryoCodecs
import KaryoCore
import KaryoDeid
import KaryoExtract
import KaryoISCN
import KaryoManifest
import KaryoStore

/// What `karyo import` is asked to do.
public struct ImportRequest: Sendable {
    /// Files and folders to import (folders are walked recursively).
    public var paths: [String]
    /// The lab that sent the images.
    public var lab: String
    /// The lab's CSV manifest (patient, case, cell, karyotype, label per file), if any.
    public var manifest: URL?
    /// Recorded as the author of the initial label events.
    public var author: String
    /// Limits for decoding untrusted files.
    public var decodeOptions: DecodeOptions
    /// Largest file read, in bytes.
    public var maxFileBytes: Int
    /// Image kind for every file; nil means guess from the CytoVision `.A.`/`.K.` naming.
    public var kind: ImageKind?
    /// The de-identification profile (OCR options, per-lab templates).
    public var deidProfile: DeidProfile
    /// Chromosome 9/22 extraction run on the de-identified pixels of each imported file (nil: off).
    /// Its derived images are recorded with the sample; a failure is reported, never fatal.
    public var extraction: ChromosomeExtraction?
    /// Put file paths in the report. Off by default: file and folder names can identify patients,
    /// so files are named by their position in the walk (`#17`) unless the user asks.
    public var showPaths: Bool

    public init(
        paths: [String], lab: String, manifest: URL? = nil, author: String,
        decodeOptions: DecodeOptions = .init(), maxFileBytes: Int = 1 << 30, kind: ImageKind? = nil,
        deidProfile: DeidProfile = DeidProfile(), showPaths: Bool = false, extraction: ChromosomeExtraction? = nil
    ) {
        self.paths = paths
        self.lab = lab
        self.manifest = manifest
        self.author = author
        self.decodeOptions = decodeOptions
        self.maxFileBytes = maxFileBytes
        self.kind = kind
        self.deidProfile = deidProfile
        self.showPaths = showPaths
        self.extraction = extraction
    }
}

/// Imports image files into a store: decodes each untrusted file into 8-bit grayscale pixels,
/// de-identifies them (KaryoDeid: multi-page files and hidden alpha quarantined, burned-in
/// identifiers masked by OCR and per-lab templates, text the OCR is unsure of quarantined), writes a
/// fresh PNG (no metadata from the original survives), and records the sample with its pseudonymous
/// patient, case and cell, its initial label and its provenance. File names are never stored.
///
/// Each file is its own transaction: a bad file is reported and the batch goes on, and an
/// interrupted import keeps every file stored before the interruption. Files are decoded in
/// parallel; store writes are serial.
public struct ImportPipeline: Sendable {
    public let store: DatasetStore

    public init(store: DatasetStore) {
        self.store = store
    }

    /// Runs the import; `progress` is called with (files done, files in total).
    public func run(_ request: ImportRequest, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ImportReport {
        let started = Date()
        let manifest: Manifest? = try request.manifest.map { url in
            do { return try ManifestReader.read(url) } catch { throw ImportError.manifest(String(describing: error)) }
        }
        var paths = request.paths
        if paths.isEmpty, let manifest { paths = manifest.rows.map { $0.fileURL.path } }
        guard !paths.isEmpty else { throw ImportError.nothingToImport }

        let deidentifier: Deidentifier
        do {
            deidentifier = try Deidentifier(profile: request.deidProfile)
        } catch {
            throw ImportError.deidentification("\(error)")
        }
        let listing = ImageFileWalker.list(paths)
        let skipped: [ImportedFile] = listing.skipped.enumerated().map {
            ImportedFile(
                index: listing.images.count + $0.offset + 1, path: request.showPaths ? $0.element.url.path : nil,
                outcome: .skipped, reason: $0.element.reason, warnings: [])
        }
        var results: [ImportedFile] = []
        let batch = try store.beginImportBatch(lab: request.lab)
        let total = listing.images.count
        // Files decoded and de-identified ahead of the (serial) store writes.
        let window = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        var pending: [Task<PreparedFile, Never>] = []
        var next = 0
        var done = 0

        func startNext() {
            guard next < listing.images.count else { return }
            let url = listing.images[next]
            next += 1
            let index = next
            let row = manifest?.row(for: url)
            let skip: String? =
                manifest == nil || row != nil
                ? nil
                : manifest!.errors.isEmpty
                    ? "not listed in the manifest"
                    : "not listed in the manifest, or its row was rejected (see the manifest problems)"
            pending.append(
                Task.detached {
                    Self.prepare(url, index: index, row: row, skip: skip, request: request, deidentifier: deidentifier)
                })
        }
        for _ in 0..<window { startNext() }
        while !pending.isEmpty {
            let prepared = await pending.removeFirst().value
            startNext()
            results.append(store(prepared, request: request, batch: batch))
            done += 1
            progress?(done, total)
        }
        let report = ImportReport(
            lab: request.lab, batch: batch, files: results + skipped,
            manifestProblems: manifest?.problems.map {
                request.showPaths ? $0.description : Self.withoutFileNames($0.description)
            } ?? [],
            rejectedManifestRows: manifest?.errors.count ?? 0,
            missingPaths: listing.missing, seconds: Date().timeIntervalSince(started))
        try store.finishImportBatch(
            batch, imported: report.imported, duplicates: report.duplicates,
            failed: report.failed + report.quarantined)
        return report
    }

    /// A file read, decoded and re-encoded, ready to store; or the reason it cannot be.
    struct PreparedFile: Sendable {
        var url: URL
        /// Position in the walk (1-based): how the file is named in reports.
        var index: Int
        var row: ManifestRow?
        var decoded: DecodedImage?
        var png: Data?
        var provenance: ImportProvenance?
        var kind: ImageKind
        var failure: String?
        var quarantine: String?
        var skip: String?
        /// Extraction of chromosomes 9 and 22 from the de-identified pixels, when asked for.
        var extraction: (outcome: ExtractionOutcome, outputs: [DerivedOutput])?
    }

    static func prepare(
        _ url: URL, index: Int, row: ManifestRow?, skip: String?, request: ImportRequest, deidentifier: Deidentifier
    ) -> PreparedFile {
        let kind = request.kind ?? guessKind(url)
        var file = PreparedFile(url: url, index: index, row: row, kind: kind)
        let name = request.showPaths ? url.path : "#\(index)"
        if let skip {
            file.skip = skip
            return file
        }
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            guard size <= request.maxFileBytes else {
                file.failure = "\(name): file is \(size) bytes, larger than the limit of \(request.maxFileBytes) bytes"
                return file
            }
            data = try Data(contentsOf: url)
        } catch {
            file.failure = "\(name): cannot read the file"
            return file
        }
        let decoded: DecodedImage
        do {
            decoded = try ImageCodec.decode(data, fileName: name, options: request.decodeOptions)
        } catch {
            file.failure = error.description
            return file
        }
        file.decoded = decoded
        let known = [row?.patientID, row?.caseID, row?.cellID].compactMap { $0 }
        switch deidentifier.deidentify(decoded, lab: request.lab, knownIdentifiers: known) {
        case .clean(let result):
            file.png = result.png
            var provenance = ImportProvenance(decoded)
            provenance.deid = result.provenance
            file.provenance = provenance
            // After de-identification, on the pixels that are stored.
            if let extraction = request.extraction { file.extraction = extraction.run(result.image) }
        case .quarantined(let quarantine):
            file.quarantine = quarantine.reason
        }
        return file
    }

    /// A manifest message with the quoted file names replaced (they can contain patient names):
    /// the line number it carries is enough to find the row.
    static func withoutFileNames(_ message: String) -> String {
        message.replacingOccurrences(of: #"file '[^']*'"#, with: "the file", options: .regularExpression)
    }

    /// CytoVision-style exports name a metaphase `….A.TIF` and its karyogram `….K.TIF`.
    static func guessKind(_ url: URL) -> ImageKind {
        let name = url.lastPathComponent.uppercased()
        if name.contains(".K.") { return .karyogram }
        if name.contains(".A.") { return .metaphase }
        return .unknown
    }

    func store(_ prepared: PreparedFile, request: ImportRequest, batch: Int64) -> ImportedFile {
        let name = request.showPaths ? prepared.url.path : "#\(prepared.index)"
        var result = ImportedFile(
            index: prepared.index, path: request.showPaths ? prepared.url.path : nil, outcome: .failed,
            // Decoder warnings may quote the file name; without --show-paths only their number is kept.
            warnings: request.showPaths
                ? prepared.decoded?.warnings ?? [] : (prepared.decoded?.warnings.isEmpty ?? true)
                    ? [] : ["\(prepared.decoded!.warnings.count) decoder warning(s)"])
        if let skip = prepared.skip {
            result.outcome = .skipped
            result.reason = skip
            return result
        }
        if let quarantine = prepared.quarantine {
            result.outcome = .quarantined
            result.reason = "\(name): quarantined for a person to decide: \(quarantine)"
            return result
        }
        guard let decoded = prepared.decoded, let png = prepared.png, let provenance = prepared.provenance else {
            result.reason = prepared.failure ?? "\(name): unknown failure"
            return result
        }
        let row = prepared.row
        var initialLabel: InitialLabel?
        if let row, let label = row.label {
            initialLabel = InitialLabel(label: label, source: row.labelSource ?? .karyotypeReport, karyotype: row.karyotypeText)
        }
        let sample = NewSample(
            lab: request.lab, patientIdentifier: row?.patientID, caseIdentifier: row?.caseID,
            cellIdentifier: row?.cellID, png: png, width: decoded.image.width, height: decoded.image.height,
            sourceFormat: decoded.format.rawValue, sourceBitDepth: decoded.sourceBitDepth,
            sourceColorModel: decoded.sourceColorModel, kind: prepared.kind, importBatch: batch,
            initialLabel: initialLabel, author: request.author, provenance: provenance.json)
        result.format = decoded.format.rawValue
        result.width = decoded.image.width
        result.height = decoded.image.height
        result.label = initialLabel?.label.rawValue
        do {
            switch try store.addSample(sample) {
            case .added(let info):
                result.outcome = .imported
                result.sample = info.token
                if let (outcome, outputs) = prepared.extraction {
                    do {
                        _ = try ProjectExtraction.record(outputs, sample: info.token, inputHash: info.blobHash, in: store)
                        result.extraction = outcome.summary
                    } catch {
                        result.extraction = "extraction not recorded: \(error)"
                    }
                }
            case .duplicate(let existing):
                result.outcome = .duplicate
                result.sample = existing
                result.reason = "same pixels as sample \(existing)"
            }
        } catch {
            result.outcome = .failed
            result.reason = "\(name): not stored: \(error)"
        }
        return result
    }
}

/// Why an import could not start.
public enum ImportError: Error, Sendable, CustomStringConvertible {
    case manifest(String)
    case deidentification(String)
    case nothingToImport

    public var description: String {
        switch self {
        case .manifest(let message): return "the manifest cannot be used: \(message)"
        case .deidentification(let message): return "de-identification cannot run, so nothing is imported: \(message)"
        case .nothingToImport: return "nothing to import: give files or folders, or a manifest"
        }
    }
}
