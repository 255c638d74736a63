import Foundation
import KaryoDeid
import KaryoImage
import Testing

/// tools/bench-deid runs this in release with KARYO_DEID_BENCH=1; skipped otherwise.
/// Three sets of 1600x1200 images, each de-identified with OCR on and off on every core:
/// text-free synthetic karyograms; the repository's synthetic karyograms and metaphases with
/// burned-in fake identities (samples/synthetic-fake-identities), scaled to fit; and, when
/// KARYO_DEID_BENCH_CORPUS names a corpus made by tools/make-deid-fixtures, its burned-in
/// text images scaled to fit.
@Test(.enabled(if: ProcessInfo.processInfo.environment["KARYO_DEID_BENCH"] != nil))
func benchDeid() throws {
    let env = ProcessInfo.processInfo.environment
    let n = Int(env["KARYO_DEID_BENCH_IMAGES"] ?? "") ?? 16
    let threads = ProcessInfo.processInfo.activeProcessorCount
    func report(_ name: String, _ inputs: [DecodedImage]) throws {
        guard !inputs.isEmpty else { return }
        for ocr in [true, false] {
            let rate = try DeidBench.imagesPerSecond(inputs: inputs, ocr: ocr, threads: threads)
            print(String(format: "deid 1600x1200 %@, OCR %@: %.2f images/s (%d images, %d threads)",
                         name, ocr ? "on " : "off", rate, inputs.count, threads))
        }
    }
    try report("text-free bars      ", (0..<n).map { DeidBench.syntheticImage(width: 1600, height: 1200, seed: $0) })
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
    let samples = repoRoot.appendingPathComponent("samples/synthetic-fake-identities")
    try report("samples with text   ", repeated(load(samples) { $0.hasPrefix("FAKECASE") }))
    if let corpus = env["KARYO_DEID_BENCH_CORPUS"] {
        try report("corpus text images  ", repeated(load(URL(fileURLWithPath: corpus).appendingPathComponent("in/text")) { _ in true }))
    }
}
