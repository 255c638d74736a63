// karyo-bench import, commit and deid: benchmarks of the store, the import pipeline and
// de-identification. Prints figures; asserts nothing.
//
//   karyo-bench import  [--images N] [--work DIR] [--ocr on|off]
//                                                   import throughput for karyogram-sized images
//   karyo-bench commit  [--sizes 10000,100000] [--repeats 5]
//                                                   commit and diff time with 10 label changes
//   karyo-bench deid    [--images N] [--samples DIR] [--corpus DIR]
//                                                   de-identification images/s at 1600x1200, OCR on/off
//
// tools/bench-store runs import and commit, and the Python peer pipeline for comparison;
// tools/bench-deid runs deid.
import ArgumentParser
import Foundation
import Karyo
import KaryoCodecs
import KaryoCore
import KaryoDeid
import KaryoStore

private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// A karyogram-sized (1000x900) grayscale image: light background, dark banded bars in rows,
/// different for every `seed`.
private func karyogramLikeImage(seed: Int) -> GrayImage {
    var image = GrayImage(width: 1000, height: 900, fill: 235)
    var generator = SeededGenerator(seed: UInt64(seed))
    func next() -> Int { Int.random(in: 0..<1000, using: &generator) }
    for row in 0..<4 {
        for slot in 0..<12 {
            let x0 = 30 + slot * 80 + next() % 10
            let height = 60 + next() % 120
            let y0 = 40 + row * 220 + (180 - height)
            for y in y0..<(y0 + height) {
                let band = UInt8(40 + ((y - y0) / 6 + slot + seed) % 5 * 35)
                for x in x0..<(x0 + 18) { image[x: x, y: y] = band }
            }
        }
    }
    return image
}

struct ImportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import throughput (images/s) for karyogram-sized (1000x900 PNG) images.",
        discussion: "Writes the images to WORK/input, imports them into a fresh project in WORK and prints "
            + "the rate, then IMPORT_IMAGES_PER_SECOND=<rate> for tools/bench-store.")

    @Option(help: "Number of images.")
    var images: Int = 1000

    @Option(help: "Work folder (removed first; default: $TMPDIR/karyo-bench-import).")
    var work: String?

    @Option(help: "OCR of burned-in text during de-identification: on or off.")
    var ocr: String = "on"

    func validate() throws {
        guard images >= 1 else { throw ValidationError("--images must be at least 1") }
        guard ocr == "on" || ocr == "off" else { throw ValidationError("--ocr must be on or off") }
    }

    func run() async throws {
        let count = images
        let ocr = self.ocr == "on"
        let work = URL(fileURLWithPath: self.work ?? NSTemporaryDirectory() + "karyo-bench-import")
        let fm = FileManager.default
        try? fm.removeItem(at: work)
        let input = work.appendingPathComponent("input")
        try fm.createDirectory(at: input, withIntermediateDirectories: true)
        FileHandle.standardError.write(Data("writing \(count) 1000x900 PNG files to \(input.path)...\n".utf8))
        for i in 0..<count {
            try ImageCodec.encodePNG(karyogramLikeImage(seed: i)).write(to: input.appendingPathComponent(String(format: "cell%05d.png", i)))
        }
        let project = work.appendingPathComponent("project-ocr-\(ocr ? "on" : "off")")
        try? fm.removeItem(at: project)
        let store = try DatasetStore.create(at: project, splitPolicy: SplitPolicy(seed: 1))
        var profile = DeidProfile()
        profile.ocr = ocr
        let start = DispatchTime.now().uptimeNanoseconds
        let report = try await ImportPipeline(store: store).run(
            ImportRequest(paths: [input.path], lab: "bench", author: "bench", deidProfile: profile))
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rate = Double(report.imported) / elapsed
        print("import, OCR \(ocr ? "on" : "off"): \(report.imported) images (1000x900 PNG, \(ProcessInfo.processInfo.activeProcessorCount) cores) in \(String(format: "%.2f", elapsed)) s = \(String(format: "%.1f", rate)) images/s (failed \(report.failed), quarantined \(report.quarantined))")
        print("IMPORT_IMAGES_PER_SECOND=\(String(format: "%.2f", rate))")
    }
}

struct CommitBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Commit and diff time after 10 label changes, in stores of the given sizes.",
        discussion: "Per size: a table row, then COMMIT_MS_<size>=... DIFF_MS_<size>=... for scripts.")

    @Option(help: "Store sizes (samples), comma-separated.")
    var sizes: String = "10000,100000"

    @Option(help: "Commits of 10 label changes per size (the median is printed).")
    var repeats: Int = 5

    func validate() throws {
        guard !parsedSizes.isEmpty, parsedSizes.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--sizes must be positive whole numbers separated by commas, e.g. 10000,100000")
        }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    private var parsedSizes: [Int] {
        let parts = sizes.split(separator: ",").map { Int($0) }
        return parts.contains(nil) ? [] : parts.compactMap { $0 }
    }

    func run() throws {
        let sizes = parsedSizes
        print("store size | fill (s) | commit of 10 label changes (median ms) | diff HEAD~1 HEAD (median ms) | first commit (s)")
        for size in sizes {
            let root = URL(fileURLWithPath: NSTemporaryDirectory() + "karyo-bench-commit-\(size)")
            try? FileManager.default.removeItem(at: root)
            let store = try DatasetStore.create(at: root, splitPolicy: SplitPolicy(seed: 1))
            var tokens: [String] = []
            let fill = try seconds {
                let batch = 5000
                for start in stride(from: 0, to: size, by: batch) {
                    let samples = (start..<min(size, start + batch)).map { i -> NewSample in
                        var png = Data("bench-sample-\(i)".utf8)  // unique bytes; blobs are opaque to the store
                        png.append(contentsOf: [UInt8(i & 0xFF)])
                        return NewSample(
                            lab: "bench", patientIdentifier: "patient-\(i / 2)", caseIdentifier: "case-\(i / 2)",
                            cellIdentifier: "cell-\(i)", png: png, width: 90, height: 90, sourceFormat: "png",
                            sourceBitDepth: 8, sourceColorModel: "gray", kind: .karyogram,
                            initialLabel: InitialLabel(label: i % 4 == 0 ? .positive : .negative, source: .karyotypeReport),
                            author: "bench")
                    }
                    tokens += try store.addSamples(samples, durableBlobs: false).map(\.sampleToken)
                }
            }
            let first = try seconds { _ = try store.commit(message: "all", author: "bench") }
            var commitTimes: [Double] = []
            var diffTimes: [Double] = []
            for r in 0..<repeats {
                for k in 0..<10 {
                    let token = tokens[(r * 7919 + k * 104_729) % tokens.count]
                    let current = try store.sample(token: token).label ?? .negative
                    _ = try store.addLabel(
                        sample: token, label: current == .positive ? .negative : .positive, source: .reviewer,
                        author: "bench", reason: "benchmark flip", karyotype: nil)
                }
                commitTimes.append(try seconds { _ = try store.commit(message: "flip \(r)", author: "bench") })
                diffTimes.append(try seconds { _ = try store.diff(from: "HEAD~1", to: "HEAD") })
            }
            print(
                "\(size) | \(String(format: "%.1f", fill)) | \(String(format: "%.1f", median(commitTimes) * 1000)) | \(String(format: "%.1f", median(diffTimes) * 1000)) | \(String(format: "%.2f", first))"
            )
            print("COMMIT_MS_\(size)=\(String(format: "%.2f", median(commitTimes) * 1000)) DIFF_MS_\(size)=\(String(format: "%.2f", median(diffTimes) * 1000))")
            try? FileManager.default.removeItem(at: root)
        }
    }
}

/// De-identification throughput at 1600x1200 on every core, OCR on and off, for three sets: text-free
/// synthetic karyograms; karyograms and metaphases with burned-in fake identities (`--samples`,
/// default samples/synthetic-fake-identities), scaled to fit; and the burned-in text images of a
/// fixture corpus made by tools/make-deid-fixtures (`--corpus`), scaled to fit.
struct DeidThroughputBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deid",
        abstract: "De-identification images/s at 1600x1200 on every core, OCR on and off.",
        discussion: "Three sets: text-free synthetic karyograms; the images with burned-in fake identities in "
            + "--samples (FAKECASE*), scaled to fit; and, with --corpus, the burned-in text images of a fixture "
            + "corpus made by tools/make-deid-fixtures (CORPUS/in/text), scaled to fit.")

    @Option(help: "Images per set (a set with fewer files repeats them).")
    var images: Int = 16

    @Option(help: "Folder of images with burned-in fake identities (FAKECASE*).")
    var samples: String = "samples/synthetic-fake-identities"

    @Option(help: "A fixture corpus made by tools/make-deid-fixtures (its in/text images are used).")
    var corpus: String?

    func validate() throws {
        guard images >= 1 else { throw ValidationError("--images must be at least 1") }
    }

    func run() throws {
        let n = images
        let threads = ProcessInfo.processInfo.activeProcessorCount
        func report(_ name: String, _ inputs: [DecodedImage]) throws {
            guard !inputs.isEmpty else { return }
            for ocr in [true, false] {
                let rate = try DeidBench.imagesPerSecond(inputs: inputs, ocr: ocr, threads: threads)
                print("deid 1600x1200 \(name), OCR \(ocr ? "on " : "off"): \(String(format: "%.2f", rate)) images/s (\(inputs.count) images, \(threads) threads)")
            }
        }
        func load(_ folder: URL, _ keep: (String) -> Bool) -> [GrayImage] {
            let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
            return files.filter { keep($0.lastPathComponent) }.sorted { $0.path < $1.path }
                .compactMap { try? ImageCodec.decode(contentsOf: $0).image }
        }
        func repeated(_ images: [GrayImage]) -> [DecodedImage] {
            guard !images.isEmpty else { return [] }
            let fitted = images.map { DeidBench.fitted($0, width: 1600, height: 1200) }
            return (0..<max(n, images.count)).map { fitted[$0 % fitted.count] }
        }
        try report("text-free bars      ", (0..<n).map { DeidBench.syntheticImage(width: 1600, height: 1200, seed: $0) })
        let samples = URL(fileURLWithPath: self.samples)
        try report("samples with text   ", repeated(load(samples) { $0.hasPrefix("FAKECASE") }))
        if let corpus, !corpus.isEmpty {
            try report("corpus text images  ", repeated(load(URL(fileURLWithPath: corpus).appendingPathComponent("in/text")) { _ in true }))
        }
    }
}
