// karyo-bench extract: extraction rates of chromosomes 9 and 22 against the truth, per dataset.
//   karyo-bench extract [--data DIR] [--samples DIR] [--truth DIR] [--verbose] [--walk] [--only TEXT] [--overlay DIR]
// DIR defaults: ../shared/data, samples, Tests/KaryoExtractTests/Fixtures (relative to the cwd).
import ArgumentParser
import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import KaryoExtract

struct ExtractBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extraction rates of chromosomes 9 and 22 against the truth, per dataset.",
        discussion: """
            Data sets: the cabinh-8129A karyograms (.K), the NHGRI karyogram, the BioImLab karyograms (one copy \
            per karyogram, then all files; scored with BioImLab's annotation margin), samples/bioimlab and the \
            synthetic samples. A chromosome counts as found when an extracted one of the same class has box \
            IoU >= 0.5. Folders are relative to the current directory (tools/bench-extract runs it from the \
            repository root).
            """)

    @Option(help: "The shared data folder.")
    var data: String = "../shared/data"

    @Option(help: "The bundled samples folder.")
    var samples: String = "samples"

    @Option(help: "The folder of truth fixtures (cabinh, NHGRI and BioImLab sample boxes).")
    var truth: String = "Tests/KaryoExtractTests/Fixtures"

    @Flag(help: "Print every image whose 9s and 22s were not all found, with the boxes found and wanted.")
    var verbose = false

    @Flag(help: "Also run the extractor on every image file under the data folder (no crash, kinds, time per image).")
    var walk = false

    @Option(help: "Only the images (or data sets) whose name contains this text.")
    var only: String?

    @Option(help: "Write overlays here (layout slots gray, extracted boxes black, true 9/22 boxes white).")
    var overlay: String?

    func run() throws {
        let dataDir = data, samplesDir = samples
        let scorer = ExtractScorer(truthDir: truth, verbose: verbose, only: only, overlayDir: overlay)
        // BioImLab: one image per karyotype number (test, then valid, then train, first by name).
        let yolo = dataDir + "/bioimlab-karyograms-yolo"
        var bioAll: [Case] = [], bioCopies: [String: [Case]] = [:]
        for split in ["test", "valid", "train"] {
            for img in files(yolo + "/\(split)/images", ["jpg"]) {
                let name = img.lastPathComponent
                let label = URL(fileURLWithPath: yolo + "/\(split)/labels").appendingPathComponent((name as NSString).deletingPathExtension + ".txt")
                let c = Case(name: "\(split)/\(name)", url: img) { try ExtractionTruth.yolo(label, imageWidth: 416, imageHeight: 416) }
                bioAll.append(c)
                let key = String(name.prefix(while: { $0 != "_" }))
                bioCopies[key, default: []].append(c)
            }
        }
        // One copy per karyogram: the validation/test copy (not augmented) when there is one, else among
        // the training copies (all augmented) the one with the fewest speckles, then the most contrast.
        let bioDistinct: [String: Case] = bioCopies.mapValues { copies in
            if let plain = copies.first(where: { !$0.name.hasPrefix("train/") }) { return plain }
            let q = copies.map { quality($0.url) }
            let fewest = q.map(\.speckles).min()!
            let clean = copies.indices.filter { q[$0].speckles <= fewest + 1 }
            return copies[clean.max(by: { q[$0].contrast < q[$1].contrast })!]
        }
        let pairsTruth = scorer.boxesFixture("cabinh-karyogram-truth.json")
        let pairs = files(dataDir + "/metaphase-karyogram-pairs/cabinh-8129A/karyogram", ["tif"]).map { u in
            Case(name: u.lastPathComponent, url: u) { pairsTruth[u.lastPathComponent] ?? [] }
        }
        let nhgriTruth = scorer.boxesFixture("nhgri-truth.json")
        let nhgri = [URL(fileURLWithPath: dataDir + "/wiki-karyograms/NHGRI_human_male_karyotype.png")]
            .filter { FileManager.default.fileExists(atPath: $0.path) }
            .map { u in Case(name: "NHGRI", url: u) { nhgriTruth["NHGRI_human_male_karyotype.png"] ?? [] } }
        let synth = files(samplesDir + "/synthetic", ["png", "jpg", "tif"]).filter { $0.lastPathComponent.contains(".K.") }.map { u in
            Case(name: u.lastPathComponent, url: u) {
                try ExtractionTruth.synthetic(URL(fileURLWithPath: samplesDir + "/synthetic/truth/\(u.lastPathComponent).json"))
            }
        }
        let sampleTruth = scorer.boxesFixture("bioimlab-samples-truth.json")
        let bioSamples = files(samplesDir + "/bioimlab", ["jpg"]).map { u in
            Case(name: u.lastPathComponent, url: u) { sampleTruth[u.lastPathComponent] ?? [] }
        }

        print("cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        scorer.score("cabinh-8129A karyograms (.K)", pairs)
        scorer.score("NHGRI karyogram", nhgri)
        let bioMargin = ExtractionTruth.bioimlabAnnotationMargin
        scorer.score("BioImLab karyograms, \(bioDistinct.count) distinct", bioDistinct.keys.sorted().map { bioDistinct[$0]! }, margin: bioMargin)
        scorer.score("BioImLab karyograms, all \(bioAll.count) files (augmented copies included)", bioAll, margin: bioMargin)
        scorer.score("samples/bioimlab", bioSamples, margin: bioMargin)
        scorer.score("samples/synthetic karyograms", synth)

        if walk {
            // Every image file under the data folder: no crash, kinds counted, time per image.
            var counts: [String: Int] = [:]
            var n = 0, decodeErrors = 0, slowest = 0.0, slowestName = ""
            let start = Date()
            if let e = FileManager.default.enumerator(atPath: dataDir) {
                for case let rel as String in e {
                    let ext = (rel as NSString).pathExtension.lowercased()
                    guard ["png", "jpg", "jpeg", "tif", "tiff", "bmp"].contains(ext) else { continue }
                    let url = URL(fileURLWithPath: dataDir).appendingPathComponent(rel)
                    let t0 = Date()
                    do {
                        let r = try scorer.extractor.extract(contentsOf: url)
                        counts[r.kind.rawValue, default: 0] += 1
                    } catch {
                        decodeErrors += 1
                    }
                    let dt = Date().timeIntervalSince(t0)
                    if dt > slowest { slowest = dt; slowestName = rel }
                    n += 1
                }
            }
            print(String(format: "walk of %@: %d image files, %@, %d undecodable; %.3f s/image, slowest %.2f s (%@)",
                         dataDir, n, counts.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", "), decodeErrors,
                         Date().timeIntervalSince(start) / Double(max(1, n)), slowest, slowestName))
        }
    }
}

private struct Case { var name: String; var url: URL; var truth: () throws -> [LabelledBox] }

private func median(_ v: [Int]) -> Double { v.isEmpty ? .nan : Double(v.sorted()[v.count / 2]) }

/// Scores the extractor on a list of cases and prints the rates.
private struct ExtractScorer {
    let truthDir: String
    let verbose: Bool
    let only: String?
    let overlayDir: String?
    let extractor = ChromosomeExtractor()

    func score(_ title: String, _ cases: [Case], margin: (x: Int, y: Int) = (0, 0)) {
        let cases = cases.filter { only == nil || $0.name.contains(only!) || title.contains(only!) }
        guard !cases.isEmpty else { print("\(title): no images (skipped)"); return }
        var total = ExtractionScore()
        var complete = 0
        var kinds: [ImageKind: Int] = [:]
        var tight = ExtractionScore()
        var sides: [[Int]] = [[], [], [], []]
        // True 9/22 boxes that a box around what the image shows inside them can match (see
        // ExtractionTruth.isAttainable), and of those, how many were found.
        var attainable = 0, attainableFound = 0
        let start = Date()
        for c in cases {
            do {
                let image = try ImageCodec.decode(contentsOf: c.url).image
                let result = extractor.extract(image)
                if let dir = overlayDir { try writeOverlay(c, image, result, truth: try c.truth(), dir: dir) }
                let truth = try c.truth()
                let s = ExtractionTruth.score(result, truth: truth, margin: margin)
                total.add(s)
                if margin != (0, 0) { tight.add(ExtractionTruth.score(result, truth: truth)) }
                // Where truth and extraction overlap, how far the truth box reaches beyond ours.
                for t in truth where ["9", "22"].contains(t.label) {
                    if let b = result.chromosomes(t.label).map(\.box).max(by: { $0.iou(t.box) < $1.iou(t.box) }), b.iou(t.box) > 0.2 {
                        sides[0].append(b.x - t.box.x); sides[1].append(t.box.maxX - b.maxX)
                        sides[2].append(b.y - t.box.y); sides[3].append(t.box.maxY - b.maxY)
                    }
                }
                var reachable: [PixelBox: Bool] = [:]
                for t in truth where ["9", "22"].contains(t.label) {
                    let ok = ExtractionTruth.isAttainable(t.box, in: image, margin: margin)
                    reachable[t.box] = ok
                    if ok {
                        attainable += 1
                        if ExtractionTruth.score(result, truth: [t], margin: margin).totalFound == 1 { attainableFound += 1 }
                    }
                }
                kinds[result.kind, default: 0] += 1
                if s.complete { complete += 1 } else if verbose {
                    let got = result.chromosomes.map { "\($0.label):\($0.box)" }.joined(separator: " ")
                    let want = truth.filter { ["9", "22"].contains($0.label) }.map { t in
                        let best = result.chromosomes(t.label).map {
                            PixelBox(x: $0.box.x - margin.x, y: $0.box.y - margin.y, width: $0.box.width + 2 * margin.x, height: $0.box.height + 2 * margin.y).iou(t.box)
                        }.max() ?? 0
                        return "\(t.label):\(t.box)=\(String(format: "%.2f", best))" + (reachable[t.box] == false ? "(beyond the image)" : "")
                    }.joined(separator: " ")
                    print("  MISS \(c.name): \(result.kind.rawValue) (\(result.kindReason)) found \(s.totalFound)/\(s.totalTruth)\n    got  \(got)\n    want \(want)\n    issues: \(result.issues.map(\.message).joined(separator: "; "))")
                }
            } catch {
                print("  ERROR \(c.name): \(error)")
            }
        }
        let secs = Date().timeIntervalSince(start)
        let rate = total.totalTruth > 0 ? 100 * Double(total.totalFound) / Double(total.totalTruth) : 0
        let per = ["9", "22"].map { "chr\($0) \(total.found[$0] ?? 0)/\(total.truth[$0] ?? 0)" }.joined(separator: ", ")
        print(String(format: "%@: %d images, %d/%d chromosomes found (%.1f%%; %@), %d/%d images complete (%.1f%%), %.2f s/image",
                     title, cases.count, total.totalFound, total.totalTruth, rate, per, complete, cases.count,
                     100 * Double(complete) / Double(cases.count), secs / Double(cases.count)))
        if margin != (0, 0) {
            print(String(format: "  scored with the annotation margin %d px left/right, %d px top/bottom; with tight boxes: %d/%d (%.1f%%)",
                         margin.x, margin.y, tight.totalFound, tight.totalTruth, 100 * Double(tight.totalFound) / Double(max(1, tight.totalTruth))))
        }
        let truth922 = total.totalTruth
        if attainable < truth922 {
            print(String(format: "  true boxes a box around the chromosome can match (its pixels over 3 gray levels from the background inside the box%@, IoU >= 0.5): %d/%d; found %d/%d of those (%.1f%%)",
                         margin != (0, 0) ? ", grown by the margin" : "", attainable, truth922, attainableFound, attainable,
                         100 * Double(attainableFound) / Double(max(1, attainable))))
        }
        print(String(format: "  truth box beyond the extracted box, median px: left %.0f, right %.0f, top %.0f, bottom %.0f",
                     median(sides[0]), median(sides[1]), median(sides[2]), median(sides[3])))
        if kinds[.karyogram, default: 0] != cases.count {
            print("  kinds: " + kinds.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", "))
        }
    }

    /// The image with the layout slots (gray), extracted boxes (black) and true 9/22 boxes (white) drawn.
    func writeOverlay(_ c: Case, _ image: GrayImage, _ r: ExtractionResult, truth: [LabelledBox], dir: String) throws {
        var img = image
        func rect(_ b: PixelBox, _ v: UInt8) {
            for x in max(0, b.x)...min(img.width - 1, max(b.x, b.maxX)) {
                if b.y >= 0, b.y < img.height { img[x, b.y] = v }
                if b.maxY >= 0, b.maxY < img.height { img[x, b.maxY] = v }
            }
            for y in max(0, b.y)...min(img.height - 1, max(b.y, b.maxY)) {
                if b.x >= 0, b.x < img.width { img[b.x, y] = v }
                if b.maxX >= 0, b.maxX < img.width { img[b.maxX, y] = v }
            }
        }
        for s in r.layout?.slots ?? [] { rect(s.region, 128) }
        for t in truth where ["9", "22"].contains(t.label) { rect(t.box, 255) }
        for ch in r.chromosomes { rect(ch.box, 0) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let name = c.name.replacingOccurrences(of: "/", with: "_") + ".png"
        try ImageCodec.encodePNG(img).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
    }

    func boxesFixture(_ name: String) -> [String: [LabelledBox]] {
        let url = URL(fileURLWithPath: truthDir).appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { return [:] }
        return (try? JSONDecoder().decode([String: [LabelledBox]].self, from: data)) ?? [:]
    }
}

private func files(_ dir: String, _ ext: [String]) -> [URL] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
    return names.sorted().filter { ext.contains(($0 as NSString).pathExtension.lowercased()) }.map { URL(fileURLWithPath: dir).appendingPathComponent($0) }
}

/// Quality of a copy: isolated bright or dark pixels per thousand (Roboflow's salt-and-pepper
/// augmentation) and the gray range between the median and the 99.5th percentile (its
/// darkening augmentation leaves faint chromosomes nearly black).
private func quality(_ url: URL) -> (speckles: Int, contrast: Int) {
    guard let img = try? ImageCodec.decode(contentsOf: url).image, img.width > 2, img.height > 2 else { return (Int.max, 0) }
    let sorted = img.pixels.sorted()
    let contrast = Int(sorted[sorted.count * 995 / 1000]) - Int(sorted[sorted.count / 2])
    var n = 0
    for y in 1..<(img.height - 1) {
        for x in 1..<(img.width - 1) {
            let v = Int(img[x, y])
            var lo = 255, hi = 0
            for dy in -1...1 { for dx in -1...1 where dx != 0 || dy != 0 { let u = Int(img[x + dx, y + dy]); lo = min(lo, u); hi = max(hi, u) } }
            if v > hi + 40 || v < lo - 40 { n += 1 }
        }
    }
    return (n * 1000 / (img.width * img.height), contrast)
}
