import Dispatch
import Foundation
import KaryoCodecs
import KaryoCore
import KaryoExtract
import KaryoSynth

/// What cell set to make.
public struct T922CellSetOptions: Sendable {
    /// Synthetic patients (one case each).
    public var patients: Int = 40
    public var cellsPerPatient: Int = 4
    /// Fraction of patients whose case carries t(9;22).
    public var positiveFraction: Double = 0.5
    /// Fraction of patients (per class) held out for validation.
    public var validationFraction: Double = 0.25
    public var seed: UInt64 = 1
    /// A folder of real single-chromosome crops (`labels.csv` + images, e.g. BioImLab Q-band):
    /// semi-synthetic cells. `nil`: chromosomes drawn from the ISCN ideograms.
    public var realCrops: URL?
    public var mode: CompositionMode = .sharedScale
    /// Karyogram size to render before cutting (pixels).
    public var width: Int = 1000
    public var height: Int = 900
    public var threads: Int = 0

    public init() {}
}

/// One 90x90 model input with its provenance in the synthetic batch.
public struct T922Cell: Sendable {
    /// File name inside the set's folder, e.g. `SYN-000003-C1.002.png`.
    public let file: String
    public let patient: String
    public let caseID: String
    public let cellID: String
    /// `positive` or `negative` (the cell's truth).
    public let label: String
    /// `train` or `validation` (patient-grouped).
    public let split: String
    /// The scenario KaryoSynth drew (`t(9;22)`, `normal`, ...).
    public let scenario: String
    public let composite: CellComposite
}

/// A t(9;22) cell set made from (semi-)synthetic karyograms: each cell's two 9s and two 22s cut
/// out by their ground-truth object masks (no extraction errors), then composed by `CellComposer`.
/// It measures the model and the loop without the extractor's own errors in the way.
public enum T922CellSet {
    /// Renders the karyograms and cuts the cells. `progress` gets (done, total) from worker threads.
    public static func make(_ options: T922CellSetOptions,
                            progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [T922Cell] {
        guard options.patients >= 2 else { throw CellSetError("at least 2 patients are needed") }
        guard (0...1).contains(options.validationFraction) else {
            throw CellSetError("the validation fraction must be between 0 and 1")
        }
        var synth = SynthOptions()
        synth.count = options.patients * options.cellsPerPatient
        synth.cellsPerCase = options.cellsPerPatient
        synth.positiveFraction = options.positiveFraction
        synth.seed = options.seed
        synth.kind = .karyogram
        synth.realChromosomes = options.realCrops
        synth.width = options.width
        synth.height = options.height
        synth.writeMasks = false
        let renderer = try SynthRenderer(options: synth)
        let composer = CellComposer(mode: options.mode)
        let results = Results(count: renderer.count)
        DispatchQueue.concurrentPerform(iterations: renderer.count) { i in
            do {
                let rendered = try renderer.render(i)
                results.set(i, .success((rendered.truth, cut(rendered, composer: composer))))
            } catch {
                results.set(i, .failure(error))
            }
            progress?(results.done, renderer.count)
        }
        var made: [(ImageTruth, CellComposite)] = []
        for r in results.values {
            switch r {
            case .success(let v): made.append(v)
            case .failure(let e): throw e
            case nil: throw CellSetError("a cell was not made")
            }
        }
        let splits = patientSplits(made.map { ($0.0.patientID, $0.0.label == "positive") },
                                   validationFraction: options.validationFraction, seed: options.seed)
        return made.map { truth, composite in
            T922Cell(file: "\(truth.caseID).\(truth.cellID).png", patient: truth.patientID, caseID: truth.caseID,
                     cellID: truth.cellID, label: truth.label, split: splits[truth.patientID]!,
                     scenario: truth.scenario, composite: composite)
        }
    }

    /// Cuts the 9s and 22s of one karyogram by their object masks and composes them.
    static func cut(_ rendered: RenderedImage, composer: CellComposer) -> CellComposite {
        func chromosomes(_ cls: String) -> [OrientedChromosome] {
            rendered.truth.objects.filter { $0.chromosomeClass == cls }.sorted { $0.box.x < $1.box.x }.map { o in
                let b = o.box
                var pixels = [UInt8](), mask = [Bool]()
                pixels.reserveCapacity(b.width * b.height)
                mask.reserveCapacity(b.width * b.height)
                for y in b.y..<(b.y + b.height) {
                    for x in b.x..<(b.x + b.width) {
                        pixels.append(rendered.image[x: x, y: y])
                        mask.append(Int(rendered.objectMap[x: x, y: y]) == o.id)
                    }
                }
                return OrientedChromosome(image: GrayImage(width: b.width, height: b.height, pixels: pixels),
                                          mask: mask, chromosomeClass: Int(cls)!, length: o.axisLength)
            }
        }
        return composer.compose(nines: chromosomes("9"), twentyTwos: chromosomes("22"))
    }

    /// Patient-grouped, class-stratified split: within each class (a patient is positive when any
    /// of its cells is), patients in a seeded order, the first `fraction` of them to validation.
    static func patientSplits(_ cells: [(patient: String, positive: Bool)], validationFraction: Double,
                              seed: UInt64) -> [String: String] {
        var positive: [String: Bool] = [:]
        for c in cells { positive[c.patient] = (positive[c.patient] ?? false) || c.positive }
        var splits: [String: String] = [:]
        for cls in [true, false] {
            let patients = positive.filter { $0.value == cls }.map(\.key).sorted {
                (mix(seed, $0), $0) < (mix(seed, $1), $1)
            }
            let validation = Int((Double(patients.count) * validationFraction).rounded())
            for (i, p) in patients.enumerated() { splits[p] = i < validation ? "validation" : "train" }
        }
        return splits
    }

    static func mix(_ seed: UInt64, _ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Writes the cells as PNGs and `cells.csv` (`file,patient,case,cell,label,split,scenario,scale`)
    /// into `folder` (created if needed).
    public static func write(_ cells: [T922Cell], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var csv = "file,patient,case,cell,label,split,scenario,scale\n"
        for c in cells {
            try ImageCodec.encodePNG(c.composite.image).write(to: folder.appendingPathComponent(c.file))
            csv += "\(c.file),\(c.patient),\(c.caseID),\(c.cellID),\(c.label),\(c.split),\(c.scenario),"
                + String(format: "%.5f", c.composite.scaleX) + "\n"
        }
        try Data(csv.utf8).write(to: folder.appendingPathComponent("cells.csv"))
    }
}

/// A cell set could not be made.
public struct CellSetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Per-index results filled from worker threads.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<(ImageTruth, CellComposite), Error>?]
    private var finished = 0
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<(ImageTruth, CellComposite), Error>) {
        lock.lock(); defer { lock.unlock() }
        storage[i] = r
        finished += 1
    }
    var done: Int { lock.lock(); defer { lock.unlock() }; return finished }
    var values: [Result<(ImageTruth, CellComposite), Error>?] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// One cell of a set read back from its folder.
public struct StoredT922Cell: Sendable {
    public let file: String
    public let patient: String
    /// The case; the patient when the set has no `case` column.
    public let caseID: String
    /// `true` for t(9;22)-positive.
    public let positive: Bool
    /// `train` or `validation`.
    public let split: String
    public let image: GrayImage
}

extension T922CellSet {
    /// Reads a set as `write` leaves it (also one made elsewhere with the same columns): `cells.csv`
    /// with at least `file`, `patient`, `label` (positive|negative) and `split` (train|validation),
    /// found by name, and the images it lists, all of one size.
    /// - Throws: `CellSetError` naming the file (and line) and the problem.
    public static func read(from folder: URL) throws -> [StoredT922Cell] {
        let csvURL = folder.appendingPathComponent("cells.csv")
        guard let text = try? String(contentsOf: csvURL, encoding: .utf8) else {
            throw CellSetError("\(csvURL.path): cannot read the file (is this a t922-cells folder?)")
        }
        let rows = text.split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        guard let header = rows.first else { throw CellSetError("\(csvURL.path): empty file") }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw CellSetError("\(csvURL.path): no '\(name)' column (header: \(header.joined(separator: ",")))")
            }
            return i
        }
        let (file, patient, label, split) = (try column("file"), try column("patient"), try column("label"),
                                             try column("split"))
        let caseColumn = header.firstIndex(of: "case")
        var cells: [StoredT922Cell] = []
        for (r, row) in rows.enumerated().dropFirst() {
            let line = "\(csvURL.path) line \(r + 1)"
            guard row.count == header.count else {
                throw CellSetError("\(line): \(row.count) fields, the header has \(header.count)")
            }
            guard row[label] == "positive" || row[label] == "negative" else {
                throw CellSetError("\(line): label '\(row[label])' is not positive or negative")
            }
            guard row[split] == "train" || row[split] == "validation" else {
                throw CellSetError("\(line): split '\(row[split])' is not train or validation")
            }
            let url = folder.appendingPathComponent(row[file])
            let image: GrayImage
            do { image = try ImageCodec.decode(contentsOf: url).image } catch { throw CellSetError("\(url.path): \(error)") }
            if let first = cells.first?.image, (first.width, first.height) != (image.width, image.height) {
                throw CellSetError(
                    "\(url.path): \(image.width)x\(image.height) pixels, the set's first image has \(first.width)x\(first.height)")
            }
            cells.append(StoredT922Cell(file: row[file], patient: row[patient], caseID: caseColumn.map { row[$0] } ?? row[patient],
                                        positive: row[label] == "positive", split: row[split], image: image))
        }
        guard !cells.isEmpty else { throw CellSetError("\(csvURL.path): no cells") }
        return cells
    }
}
