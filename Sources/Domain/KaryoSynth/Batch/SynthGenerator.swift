import Dispatch
import Foundation
import KaryoCodecs
import KaryoCore
import KaryoISCN

/// Makes batches of synthetic (or semi-synthetic) karyograms and metaphases with ground truth and
/// a manifest that `karyo import --manifest` reads.
///
/// Every image is a pure function of the batch seed and its index, so the batch is made in
/// parallel and is still byte-for-byte deterministic.
public struct SynthGenerator: Sendable {
    /// Recorded in every ground-truth file.
    public static let version = "karyo-synth 1"

    public let options: SynthOptions

    public init(options: SynthOptions) {
        self.options = options
    }

    /// One image to make.
    struct Job: Sendable {
        let cell: CellPlan
        let isKaryogram: Bool
        let file: String
        let format: ImageWriter.FileFormat
    }

    func jobs(_ cells: [CellPlan]) -> [Job] {
        var jobs: [Job] = []
        let kinds = options.kind.kinds.map { $0 == .karyogram }
        for cell in cells {
            for k in kinds {
                let format: ImageWriter.FileFormat
                switch options.format {
                case .png: format = .png
                case .jpeg: format = .jpeg
                case .tiff: format = .tiff
                case .mixed: format = [.png, .jpeg, .tiff][jobs.count % 3]
                }
                let name = "\(cell.caseID).\(cell.cellID).\(k ? "K" : "A").\(format.fileExtension)"
                jobs.append(Job(cell: cell, isKaryogram: k, file: name, format: format))
            }
        }
        return jobs
    }

    /// Writes the batch into `folder` (created if needed; it must not already hold a manifest.csv):
    /// the images, `manifest.csv`, `README.txt`, and `truth/<image>.json` (+ `truth/<image>.mask.png`).
    /// `progress` is called with (done, total) from worker threads.
    public func generate(into folder: URL, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> SynthReport {
        let options = self.options
        if let problem = options.validationProblem() { throw SynthError(problem) }
        let start = Date()
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent("manifest.csv").path) {
            throw SynthError("\(folder.path) already holds a manifest.csv; choose an empty or new folder")
        }
        let truthFolder = folder.appendingPathComponent("truth")
        try fm.createDirectory(at: truthFolder, withIntermediateDirectories: true)
        let library = try options.realChromosomes.map {
            try RealChromosomeLibrary(folder: $0, keepQBandPolarity: options.keepQBandPolarity)
        }
        let cells = CellPlanner.plan(options)
        let jobs = self.jobs(cells)
        let results = ResultBox(count: jobs.count)
        let threads = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
        let chunk = max(1, (jobs.count + threads * 4 - 1) / (threads * 4))
        DispatchQueue.concurrentPerform(iterations: (jobs.count + chunk - 1) / chunk) { part in
            for i in (part * chunk)..<min(jobs.count, (part + 1) * chunk) {
                let job = jobs[i]
                do {
                    let made = try Self.make(job, options: options, library: library)
                    let data = try ImageWriter.encode(made.image, as: job.format, metadata: made.truth.metadataText)
                    try data.write(to: folder.appendingPathComponent(job.file))
                    if options.writeMasks {
                        let mask = try ImageCodec.encodePNG(made.labels)
                        try mask.write(to: truthFolder.appendingPathComponent(job.file + ".mask.png"))
                    }
                    let json = try Self.jsonEncoder.encode(made.truth)
                    try json.write(to: truthFolder.appendingPathComponent(job.file + ".json"))
                    let done = results.set(i, .success(made.truth))
                    progress?(done, jobs.count)
                } catch {
                    let done = results.set(i, .failure(error))
                    progress?(done, jobs.count)
                }
            }
        }
        var truths: [ImageTruth] = []
        for r in results.values {
            switch r {
            case .success(let t): truths.append(t)
            case .failure(let e): throw e
            case nil: throw SynthError("an image was not made")
            }
        }
        let manifest = Self.manifestCSV(truths)
        try Data(manifest.utf8).write(to: folder.appendingPathComponent("manifest.csv"))
        try Data(Self.readme(options).utf8).write(to: folder.appendingPathComponent("README.txt"))
        let positives = cells.filter { $0.abnormality.isT922 }.count
        return SynthReport(
            output: folder.path, images: truths.count, cells: cells.count,
            cases: Set(cells.map(\.caseID)).count, positiveCells: positives, negativeCells: cells.count - positives,
            positiveCases: Set(cells.filter { $0.abnormality.isT922 }.map(\.caseID)).count,
            manifest: folder.appendingPathComponent("manifest.csv").path, seed: options.seed,
            generator: Self.version, seconds: Date().timeIntervalSince(start), files: truths.map(\.file))
    }

    static let jsonEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }()

    /// What one job produced.
    struct Made {
        let image: GrayImage
        let labels: GrayImage
        let truth: ImageTruth
    }

    /// Renders one image and its ground truth (no file I/O).
    static func make(_ job: Job, options: SynthOptions, library: RealChromosomeLibrary?) throws -> Made {
        let cell = job.cell
        let table = BandTable.embedded(options.bandLevel)
        let specs = CellBuilder.chromosomes(sex: cell.sex, abnormality: cell.abnormality, table: table)
        let W = options.width, H = options.height
        var styleRng = SeededGenerator(seed: SeededGenerator.derive(options.seed, UInt64(cell.index), 1))
        var rng = SeededGenerator(seed: SeededGenerator.derive(options.seed, UInt64(cell.index), job.isKaryogram ? 2 : 3))
        let chr1 = Float(H) * (job.isKaryogram ? Proportions.karyogramChr1(options.bandLevel)
                                               : MetaphaseLayout.chr1Fraction(options.bandLevel))
        var style = Proportions.style(level: options.bandLevel, chr1Length: chr1, rng: &styleRng)
        if !job.isKaryogram {
            // Spreads are seen at lower magnification: softer edges and bands.
            style.edgeSoftness *= 1.3
            style.bandBlur *= 1.3
        }
        var chromosomes: [SceneChromosome]
        if let library {
            var pick = SeededGenerator(seed: SeededGenerator.derive(options.seed, UInt64(cell.index), 4))
            chromosomes = try library.chromosomes(for: specs, table: table, style: style, rng: &pick)
        } else {
            let source = ["ideogram:ncbi-iscn-\(options.bandLevel.rawValue)"]
            chromosomes = specs.map { spec in
                SceneChromosome(spec: spec, body: IdeogramBody(spec: spec, table: table, style: style, rng: &styleRng),
                                source: source)
            }
        }
        var scene = job.isKaryogram
            ? KaryogramLayout.compose(chromosomes, width: W, height: H, table: table, rng: &rng)
            : MetaphaseLayout.compose(chromosomes, width: W, height: H, table: table, rng: &rng)
        var burned: [TextTruth]? = nil
        if let identity = cell.identity { burned = identity.burn(into: &scene.canvas) }
        var image = scene.canvas.finish(rowLight: scene.rowLight, columnLight: scene.columnLight,
                                        backgroundNoise: scene.backgroundNoise, objectNoise: scene.objectNoise, rng: &rng)
        if library != nil && options.keepQBandPolarity {
            image.pixels = image.pixels.map { 255 - $0 }   // Q-band look: bright chromosomes on black
        }
        let labels = GrayImage(width: W, height: H, pixels: scene.canvas.labels)
        let truth = ImageTruth(
            synthetic: true, generator: version, file: job.file, kind: job.isKaryogram ? .karyogram : .metaphase,
            width: W, height: H, patientID: cell.patientID, caseID: cell.caseID, cellID: cell.cellID,
            karyotype: cell.karyotype, caseKaryotype: cell.caseKaryotype,
            label: cell.abnormality.isT922 ? "positive" : "negative", scenario: cell.abnormality.kindName,
            sex: cell.sex, bandLevel: options.bandLevel.rawValue,
            seed: SeededGenerator.derive(options.seed, UInt64(cell.index), job.isKaryogram ? 2 : 3),
            mask: options.writeMasks ? "truth/\(job.file).mask.png" : "", objects: scene.objects,
            burnedText: burned, metadataText: cell.identity?.metadata)
        return Made(image: image, labels: labels, truth: truth)
    }

    /// The manifest in the columns `karyo import --manifest` reads.
    static func manifestCSV(_ truths: [ImageTruth]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = "file,patient_id,case_id,cell_id,karyotype,label,label_source\n"
        for t in truths {
            out += [t.file, t.patientID, t.caseID, t.cellID, t.karyotype, t.label, "karyotype"].map(field)
                .joined(separator: ",") + "\n"
        }
        return out
    }

    static func readme(_ o: SynthOptions) -> String {
        """
        SYNTHETIC karyotype images made by Karyo's generator (\(version)); no image here shows a real patient.
        Chromosomes are drawn from the NCBI ISCN band tables (public domain)\(o.realChromosomes == nil ? "" : " and from real single-chromosome crops (see each truth file's source)").
        Seed \(o.seed), band level \(o.bandLevel.rawValue), \(o.width)x\(o.height).
        manifest.csv: file, patient_id, case_id, cell_id, karyotype, label, label_source (import with karyo import --manifest).
        truth/<file>.json: ISCN, label, sex, objects (class, role, box [x,y,w,h], composition, source); truth/<file>.mask.png: label map (value = object id).
        \(o.fakeIdentities ? "Names, record numbers and birth dates in these images and their metadata are FAKE, made for de-identification tests.\n" : "")
        """
    }

    /// Rendering throughput of karyograms (no files written): images per second.
    /// - Parameter encodePNG: include PNG encoding of each image.
    public static func benchmark(images: Int, width: Int = 1000, height: Int = 900, bandLevel: BandLevel = .bands400,
                                 encodePNG: Bool = false, threads: Int = 0, seed: UInt64 = 1) throws -> Double {
        var o = SynthOptions()
        o.count = images
        o.width = width
        o.height = height
        o.bandLevel = bandLevel
        o.seed = seed
        let options = o
        let jobs = SynthGenerator(options: options).jobs(CellPlanner.plan(options))
        let n = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let failures = ResultBox(count: n)
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: n) { t in
            do {
                for i in stride(from: t, to: jobs.count, by: n) {
                    let made = try make(jobs[i], options: options, library: nil)
                    if encodePNG { _ = try ImageCodec.encodePNG(made.image) }
                }
            } catch {
                _ = failures.set(t, .failure(error))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        for case .failure(let e)? in failures.values { throw e }
        return Double(jobs.count) / seconds
    }
}

/// Results of parallel jobs, filled from worker threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<ImageTruth, Error>?]
    private var done = 0

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    /// Stores a result; returns how many are done.
    func set(_ i: Int, _ r: Result<ImageTruth, Error>) -> Int {
        lock.lock(); defer { lock.unlock() }
        storage[i] = r
        done += 1
        return done
    }

    var values: [Result<ImageTruth, Error>?] {
        lock.lock(); defer { lock.unlock() }
        return storage
    }
}
