// karyo-bench metaphase: prints metaphase segmentation and 9/22 classification figures on real
// images (tools/bench-metaphase). Argument parsing and printing only; the work is in KaryoMetaphase.
import Foundation
import ArgumentParser
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import KaryoMetaphase

struct MetaphaseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metaphase",
        abstract: "Metaphase segmentation and chromosome 9/22 figures on real images.",
        subcommands: [Segment.self, ADIR.self, Pairs.self, LabAdapt.self, Montage.self, CellShape.self])
}

private func loadImage(_ path: String) throws -> GrayImage {
    do { return try ImageCodec.decode(contentsOf: URL(fileURLWithPath: path)).image } catch {
        throw ValidationError("\(path): \(error)")
    }
}

private func imageFiles(under root: String) -> [String] {
    let exts: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue,
          let e = FileManager.default.enumerator(atPath: root) else { return [root] }
    return e.compactMap { $0 as? String }.filter { exts.contains(($0 as NSString).pathExtension.lowercased()) }
        .sorted().map { root + "/" + $0 }
}

/// Draws box outlines (overlaps darker) on a copy of the image for a visual check.
private func overlay(_ image: GrayImage, _ seg: MetaphaseSegmentation, labels: [String]? = nil) -> GrayImage {
    var out = seg.normalized
    for o in seg.objects {
        let v: UInt8 = o.isOverlap ? 0 : (o.wasSplit ? 60 : 128)
        for y in 0..<o.box.height {
            for x in 0..<o.box.width where o.mask[x, y] {
                let edge = x == 0 || y == 0 || x == o.box.width - 1 || y == o.box.height - 1
                    || !o.mask[x - 1, y] || !o.mask[x + 1, y] || !o.mask[x, y - 1] || !o.mask[x, y + 1]
                if edge { out[o.box.x + x, o.box.y + y] = v }
            }
        }
    }
    for r in seg.rejected {
        for x in r.box.x..<(r.box.x + r.box.width) { out[x, r.box.y] = 255; out[x, r.box.y + r.box.height - 1] = 255 }
    }
    return out
}

struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment every image under the given paths; print object counts (and write overlays).")
    @Argument(help: "Images or folders.") var paths: [String]
    @Option(help: "Write <n>.png overlays here.") var overlays: String?
    mutating func run() throws {
        var n = 0, failed = 0
        let start = Date()
        for p in paths {
            for f in imageFiles(under: p) {
                let img: GrayImage
                do { img = try loadImage(f) } catch { print("\(f): not decoded: \(error)"); failed += 1; continue }
                let seg = MetaphaseSegmenter().segment(img)
                n += 1
                print("\(f): \(img.width)x\(img.height) \(seg.polarity.rawValue) objects \(seg.objects.count) "
                      + "(overlaps \(seg.objects.filter(\.isOverlap).count), split \(seg.objects.filter(\.wasSplit).count)) "
                      + "rejected \(seg.rejected.count) (nuclei \(seg.rejected.filter { $0.reason == .nucleus }.count)) "
                      + "median area \(seg.medianArea) total area \(seg.objects.map(\.area).reduce(0, +)) threshold \(seg.threshold)")
                if let overlays {
                    try FileManager.default.createDirectory(atPath: overlays, withIntermediateDirectories: true)
                    try ImageCodec.encodePNG(overlay(img, seg)).write(to: URL(fileURLWithPath: "\(overlays)/\(n).png"))
                }
            }
        }
        print("segmented \(n) images (\(failed) not decodable) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}

/// The analyzer's adaptation from the bench's options.
private func adaptation(widthRatio: Double, straightenBend: Double) -> CellAdaptation {
    var a = CellAdaptation.metaphase
    a.referenceWidthRatio = widthRatio > 0 ? widthRatio : nil
    a.straightenMinimumBend = straightenBend > 0 ? straightenBend : nil
    return a
}

private func printScore(_ name: String, _ s: MetaphaseScore, images: Int, seconds: Double) {
    let t = s.truth9 + s.truth22, c = s.correct9 + s.correct22
    print(String(format: "%@: %d images  9s+22s found and correctly classified %d/%d = %.3f  (9: %d/%d, 22: %d/%d)",
                 name, images, c, t, Double(c) / Double(max(t, 1)), s.correct9, s.truth9, s.correct22, s.truth22))
    print(String(format: "  segmented as one object: 9s+22s %d/%d, all chromosomes %d/%d = %.3f; false 9/22 picks %d; %.2f s/image",
                 s.segmented9 + s.segmented22, t, s.segmentedAll, s.truthAll, Double(s.segmentedAll) / Double(max(s.truthAll, 1)),
                 s.falsePicks, seconds / Double(max(images, 1))))
    print(String(format: "  chromosomes segmented as one object and correctly classified (all classes): %d/%d = %.3f",
                 s.correctAll, s.segmentedAll, Double(s.correctAll) / Double(max(s.segmentedAll, 1))))
}

struct ADIR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adir",
        abstract: "Score 9/22 picking on the ADIR DAPI metaphases (<n>im.png with <n>gt.png).",
        discussion: "Only images with n % 3 == 0 are scored (karyo classifier train --adir trains on the others) unless --all-images.")
    @Argument(help: "The adir-mfish-dapi-seg folder.") var folder: String
    @Flag(help: "Score every image, also those a classifier may have been trained on.") var allImages = false
    @Option(help: "Classifier weights (default: ChromosomeClassifier.load()).") var weights: String?
    @Option(help: "Segmenter extent threshold as a fraction of Otsu's.") var lowFraction = 0.9
    @Flag(help: "One line per image.") var verbose = false
    @Option(help: "Draw a cell's crops thinner when its median width / median length is above this (0: off).") var widthRatio = 0.24
    @Option(help: "Straighten crops whose centre line bends more than this many widths from its chord (0: off).") var straightenBend = 0.5
    mutating func run() throws {
        let classifier = try weights.map { try ChromosomeClassifier(contentsOf: URL(fileURLWithPath: $0)) } ?? ChromosomeClassifier.load()
        var analyzer = MetaphaseAnalyzer(classifier: classifier, segmenter: MetaphaseSegmenter(options: SegmentationOptions(lowFraction: lowFraction)))
        analyzer.adaptation = adaptation(widthRatio: widthRatio, straightenBend: straightenBend)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix("im.png") }
            .filter { allImages || (Int($0.dropLast(6)) ?? 1) % 3 == 0 }
            .sorted { Int($0.dropLast(6)) ?? 0 < Int($1.dropLast(6)) ?? 0 }
        var total = MetaphaseScore(), free = MetaphaseScore()
        let start = Date()
        for f in files {
            let img = try loadImage(folder + "/" + f)
            let gt = try loadImage(folder + "/" + f.replacingOccurrences(of: "im.png", with: "gt.png"))
            let a = try analyzer.analyze(img)
            let truth = MetaphaseTruth.fromLabelMap(gt)
            let s = MetaphaseTruth.score(a, truth: truth, imageWidth: img.width)
            total = total + s
            let freeTruth = zip(truth, MetaphaseTruth.standsFree(truth, in: gt)).filter(\.1).map(\.0)
            free = free + MetaphaseTruth.score(a, truth: freeTruth, imageWidth: img.width)
            if verbose {
                print("\(f): objects \(a.objects.count) 9: \(s.correct9)/\(s.truth9) 22: \(s.correct22)/\(s.truth22) "
                      + "segmented \(s.segmentedAll)/\(s.truthAll) review \(a.needsReview)")
            }
        }
        printScore(allImages ? "ADIR DAPI (all images)" : "ADIR DAPI (held-out images n % 3 == 0)", total, images: files.count, seconds: Date().timeIntervalSince(start))
        let t = total.truth9 + total.truth22, ft = free.truth9 + free.truth22
        print(String(format: "  truth 9s+22s standing free in the label map (touching no other chromosome): %d/%d; of those found and correctly classified %d/%d = %.3f, segmented as one object %d",
                     ft, t, free.correct9 + free.correct22, ft, Double(free.correct9 + free.correct22) / Double(max(ft, 1)),
                     free.segmented9 + free.segmented22))
    }
}

struct Pairs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Score 9/22 picking on metaphases whose truth is derived from the paired .K karyogram.")
    @Argument(help: "A folder with metaphase/*.A.* and karyogram/*.K.* (e.g. cabinh-8129A).") var folder: String
    @Option(help: "Classifier weights (default: ChromosomeClassifier.load()).") var weights: String?
    @Option(help: "Segmenter extent threshold as a fraction of Otsu's.") var lowFraction = 0.9
    @Flag(help: "One line per image.") var verbose = false
    @Option(help: "Write overlays of the derived truth here.") var overlays: String?
    @Option(help: "Draw a cell's crops thinner when its median width / median length is above this (0: off).") var widthRatio = 0.24
    @Option(help: "Straighten crops whose centre line bends more than this many widths from its chord (0: off).") var straightenBend = 0.5
    @Flag(help: "Per image: accuracy on the karyogram's own crops, and the classes given to the true 9s and 22s.") var diagnose = false
    mutating func run() throws {
        let classifier = try weights.map { try ChromosomeClassifier(contentsOf: URL(fileURLWithPath: $0)) } ?? ChromosomeClassifier.load()
        var analyzer = MetaphaseAnalyzer(classifier: classifier, segmenter: MetaphaseSegmenter(options: SegmentationOptions(lowFraction: lowFraction)))
        analyzer.adaptation = adaptation(widthRatio: widthRatio, straightenBend: straightenBend)
        let mdir = folder + "/metaphase", kdir = folder + "/karyogram"
        let files = try FileManager.default.contentsOfDirectory(atPath: mdir).filter { $0.contains(".A.") }.sorted()
        var total = MetaphaseScore()
        var images = 0
        var kCorrect = 0, kTotal = 0, k922 = 0, k922Total = 0
        var pairCorrect = [0, 0]
        let start = Date()
        for f in files {
            let kname = f.replacingOccurrences(of: ".A.", with: ".K.")
            let img = try loadImage(mdir + "/" + f), karyogram = try loadImage(kdir + "/" + kname)
            let a = try analyzer.analyze(img)
            let derived: PairedTruth
            do { derived = try PairedTruth.derive(metaphase: a.segmentation, karyogram: karyogram) } catch {
                print("\(f): no truth derived: \(error)"); continue
            }
            images += 1
            if let overlays {
                // Each matched pair: the karyogram chromosome, then the metaphase object it was matched to.
                try FileManager.default.createDirectory(atPath: overlays, withIntermediateDirectories: true)
                let config = ClassifierConfiguration(canvasSize: 48)
                var crops: [ChromosomeCrop] = [], medians: [Double] = []
                for p in derived.pairs { crops += [p.karyogram, p.metaphase]; medians += [derived.medians.karyogram, derived.medians.metaphase] }
                let k = ChromosomeClassifier.montage(crops.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
                                                     medianLength: derived.medians.karyogram, configuration: config, columns: 12)
                let m = ChromosomeClassifier.montage(crops.enumerated().filter { $0.offset % 2 == 1 }.map(\.element),
                                                     medianLength: derived.medians.metaphase, configuration: config, columns: 12)
                var both = GrayImage(width: k.width, height: k.height * 2, fill: 255)
                for y in 0..<k.height { for x in 0..<k.width { both[x, 2 * y - y % 48] = k[x, y]; both[x, 2 * y - y % 48 + 48] = m[x, y] } }
                try ImageCodec.encodePNG(both).write(to: URL(fileURLWithPath: "\(overlays)/\(f).pairs.png"))
                print("\(f): classes of the pairs in order: " + derived.pairs.map(\.chromosome.name).joined(separator: " "))
            }
            if diagnose {
                let kc = derived.pairs.map(\.karyogram)
                let kAssigned = CellAssignment.assign(probabilities: try classifier.classify(cell: kc, medianLength: derived.medians.karyogram, adaptation: analyzer.adaptation))
                let ok = zip(kAssigned, derived.pairs).filter { $0 == $1.chromosome.index }.count
                let ok922 = zip(kAssigned, derived.pairs).filter { $0 == $1.chromosome.index && ($1.chromosome == .chr9 || $1.chromosome == .chr22) }.count
                let n922 = derived.pairs.filter { $0.chromosome == .chr9 || $0.chromosome == .chr22 }.count
                kCorrect += ok; kTotal += kc.count; k922 += ok922; k922Total += n922
                let mc = derived.pairs.map(\.metaphase)
                for (n, med) in [derived.medians.metaphase, ChromosomeClassifier.medianLength(mc)].enumerated() {
                    let asg = CellAssignment.assign(probabilities: try classifier.classify(cell: mc, medianLength: med, adaptation: analyzer.adaptation))
                    pairCorrect[n] += zip(asg, derived.pairs).filter { $0 == $1.chromosome.index }.count
                }
                let mOK = derived.truth.filter { t in a.objects.first { $0.object.box == t.box }?.assigned == t.chromosome }.count
                var line = "\(f): karyogram crops \(ok)/\(kc.count), 9/22 \(ok922)/\(n922); metaphase objects \(mOK)/\(derived.truth.count); "
                    + String(format: "median length karyogram %.1f metaphase %.1f; true 9/22 ->", derived.medians.karyogram, derived.medians.metaphase)
                for t in derived.truth where t.chromosome == .chr9 || t.chromosome == .chr22 {
                    guard let o = a.objects.first(where: { $0.object.box == t.box }) else { line += " \(t.chromosome):unmatched"; continue }
                    let top = o.probabilities.indices.sorted { o.probabilities[$0] > o.probabilities[$1] }.prefix(3)
                    line += " \(t.chromosome):\(o.assigned)(p\(t.chromosome)=\(String(format: "%.2f", o.probabilities[t.chromosome.index])) top "
                        + top.map { "\(ChromosomeClass(index: $0))" }.joined(separator: ",") + ")"
                }
                print(line)
            }
            let s = derived.score(a)
            total = total + s
            if verbose {
                print("\(f): objects \(a.objects.count), karyogram chromosomes \(derived.karyogramObjects), matched \(derived.truth.count) "
                      + "(mean match score \(String(format: "%.2f", derived.meanScore))); 9: \(s.correct9)/\(s.truth9) 22: \(s.correct22)/\(s.truth22)")
            }
        }
        printScore("paired .A/.K metaphases", total, images: images, seconds: Date().timeIntervalSince(start))
        if diagnose {
            print(String(format: "  karyogram crops (matched, classified as one cell): %d/%d = %.3f, 9s+22s %d/%d",
                         kCorrect, kTotal, Double(kCorrect) / Double(max(kTotal, 1)), k922, k922Total))
            print("  matched metaphase crops classified without the others, with the segmentation's median: \(pairCorrect[0]), with their own median: \(pairCorrect[1])")
        }
    }
}

struct LabAdapt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab-adapt",
        abstract: "Leave one cell out: fine-tune the classifier on the other cells' karyogram (.K) chromosomes, score the held-out cell's metaphase (.A).",
        discussion: "Measures what a lab's own karyograms (classes known from their slots) do for its metaphases. "
            + "The held-out cell's karyogram is never trained on; its truth is derived as in `pairs`.")
    @Argument(help: "A folder with metaphase/*.A.* and karyogram/*.K.* (e.g. cabinh-8129A).") var folder: String
    @Option(help: "Weights to start from (default: ChromosomeClassifier.cachedWeightsURL).") var weights: String?
    @Option(help: "Also train on the first N cells of pki3 (against forgetting); needs --pki3 and --pki3-images.") var pki3Cells = 0
    @Option(help: "Folder with pki3-gband labels.csv.") var pki3: String?
    @Option(help: "Folder where pki3 images.tar.gz was extracted.") var pki3Images: String?
    @Option(help: "Epochs of fine-tuning per held-out cell.") var epochs = 6
    @Option(help: "Base learning rate.") var lr: Float = 0.01
    @Flag(help: "Also train on the other cells' metaphase (.A) chromosomes, labelled through their karyogram (as reviewed cells would be).")
    var metaphases = false
    mutating func run() throws {
        let base = weights.map { URL(fileURLWithPath: $0) } ?? ChromosomeClassifier.cachedWeightsURL
        let mdir = folder + "/metaphase", kdir = folder + "/karyogram"
        guard pki3Cells == 0 || pki3 != nil else { throw ValidationError("--pki3-cells needs --pki3 (and --pki3-images)") }
        let files = try FileManager.default.contentsOfDirectory(atPath: mdir).filter { $0.contains(".A.") }.sorted()
        var images: [String: (metaphase: GrayImage, karyogram: GrayImage)] = [:]
        for f in files {
            images[f] = (try loadImage(mdir + "/" + f), try loadImage(kdir + "/" + f.replacingOccurrences(of: ".A.", with: ".K.")))
        }
        var karyograms: [String: [LabeledChromosome]] = [:]
        for f in files {
            let (metaphase, karyogram) = images[f]!
            let k = try PairedTruth.karyogramChromosomes(karyogram)
            karyograms[f] = ChromosomeDataset.withCellMedians(k.map {
                LabeledChromosome(crop: $0.crop, chromosome: $0.chromosome, cell: f, patient: folder, cellMedianLength: 0)
            })
            if metaphases {
                let derived = try PairedTruth.derive(metaphase: MetaphaseSegmenter().segment(metaphase), karyogram: karyogram)
                karyograms[f, default: []] += derived.pairs.map {
                    LabeledChromosome(crop: $0.metaphase, chromosome: $0.chromosome, cell: f + "/metaphase", patient: folder,
                                      cellMedianLength: derived.medians.metaphase)
                }
            }
        }
        var extra: [LabeledChromosome] = []
        if pki3Cells > 0, let pki3 {
            extra = try ChromosomeDataset.pki3(labelsCSV: URL(fileURLWithPath: pki3).appendingPathComponent("labels.csv"),
                                               imagesRoot: URL(fileURLWithPath: pki3Images ?? pki3), limitCells: pki3Cells)
        }
        var total = MetaphaseScore()
        let start = Date()
        for f in files {
            let train = files.filter { $0 != f }.flatMap { karyograms[$0] ?? [] } + extra
            var options = ClassifierTraining.Options(epochs: epochs, batchSize: 32, learningRate: lr)
            options.initialWeights = base
            let classifier = try ClassifierTraining.train(train, options: options)
            let analyzer = MetaphaseAnalyzer(classifier: classifier)
            let a = try analyzer.analyze(images[f]!.metaphase)
            let s = try PairedTruth.derive(metaphase: a.segmentation, karyogram: images[f]!.karyogram).score(a)
            total = total + s
            print("\(f): trained on \(train.count) crops; 9: \(s.correct9)/\(s.truth9) 22: \(s.correct22)/\(s.truth22), all classes \(s.correctAll)/\(s.segmentedAll)")
        }
        printScore("lab-adapted, leave one cell out", total, images: files.count, seconds: Date().timeIntervalSince(start))
    }
}

struct Montage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the classifier's input canvases of a metaphase's objects as one PNG (for a visual check).")
    @Argument(help: "A metaphase image.") var image: String
    @Argument(help: "Output PNG.") var output: String
    @Option(help: "Treat the image as one cell's single-chromosome crops folder instead (pki3 style).") var cropsFolder: String?
    @Flag(help: "Only the objects that get straightened: each as drawn on its principal axis, then straightened.") var bentPairs = false
    mutating func run() throws {
        let classifier = ChromosomeClassifier()
        if let cropsFolder {
            // One cell of single-chromosome crops (pki3: <cell>/clase<N>/*.tiff), in file order.
            let files = imageFiles(under: cropsFolder)
            let crops = try files.map { ChromosomeCrop(image: try loadImage($0)) }
            let lengths = crops.map(\.length).sorted()
            let median = lengths.isEmpty ? 1 : lengths[lengths.count / 2]
            try ImageCodec.encodePNG(ChromosomeClassifier.montage(crops, medianLength: median, configuration: classifier.configuration))
                .write(to: URL(fileURLWithPath: output))
            print("\(crops.count) crops -> \(output)")
            return
        }
        let img = try loadImage(image)
        let seg = MetaphaseSegmenter().segment(img)
        if bentPairs {
            // Each straightened object twice: as drawn along its principal axis, then straightened.
            var plain = CellAdaptation.metaphase
            plain.straightenMinimumBend = nil
            let crops = seg.objects.map { o in
                ChromosomeCrop(image: seg.normalized, box: o.box, mask: o.mask,
                               background: Double(seg.background.pixels[(o.box.y + o.box.height / 2) * seg.background.width + o.box.x + o.box.width / 2]))
            }
            let straight = crops.straightened(CellAdaptation.metaphase)
            var both: [ChromosomeCrop] = []
            for (c, s) in zip(crops, straight) where s.centreLine != nil { both += [c, s] }
            let median = ChromosomeClassifier.medianLength(crops)
            try ImageCodec.encodePNG(ChromosomeClassifier.montage(both, medianLength: median, configuration: classifier.configuration,
                                                                  columns: 10, adaptation: plain))
                .write(to: URL(fileURLWithPath: output))
            print("\(both.count / 2) of \(crops.count) objects straightened -> \(output)")
            return
        }
        try ImageCodec.encodePNG(classifier.inputMontage(seg)).write(to: URL(fileURLWithPath: output))
        print("\(seg.objects.count) objects -> \(output)")
    }
}

struct CellShape: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cell-shape",
        abstract: "Median chromosome width / median length per cell (pki3 crop folders or metaphase images).")
    @Argument(help: "pki3 cell folders (<cell>.tiff/clase<N>/...) or metaphase images.") var paths: [String]
    mutating func run() throws {
        var ratios: [Double] = []
        for p in paths {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: p, isDirectory: &isDir)
            let crops: [ChromosomeCrop]
            if isDir.boolValue {
                crops = try imageFiles(under: p).map { ChromosomeCrop(image: try loadImage($0)) }
            } else {
                let seg = MetaphaseSegmenter().segment(try loadImage(p))
                crops = seg.objects.filter { !$0.isOverlap }.map { o in
                    ChromosomeCrop(image: seg.normalized, box: o.box, mask: o.mask, background: 255)
                }
            }
            guard !crops.isEmpty else { continue }
            let lengths = crops.map(\.length).sorted(), widths = crops.map { Double($0.area) / $0.length }.sorted()
            let r = widths[widths.count / 2] / lengths[lengths.count / 2]
            ratios.append(r)
            print(String(format: "%@: %d crops median length %.1f median width %.1f ratio %.3f", (p as NSString).lastPathComponent,
                         crops.count, lengths[lengths.count / 2], widths[widths.count / 2], r))
        }
        ratios.sort()
        if !ratios.isEmpty { print(String(format: "median ratio over %d cells: %.3f", ratios.count, ratios[ratios.count / 2])) }
    }
}
