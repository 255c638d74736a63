import Foundation
import KaryoCore
import KaryoVision

/// Truth for a metaphase (`.A`) derived from the karyogram of the same cell (`.K`).
///
/// 1. The karyogram's slot underlines are found (thin dark horizontal lines at least 40 px long),
///    grouped into rows and read in the standard order 1-5 / 6-12 / 13-18 / 19-22, X, Y; anything but
///    24 underlines is an error.
/// 2. The karyogram is segmented like a metaphase; each object takes the class of the underline
///    just below it (its centre above the line, its bottom within 60 px).
/// 3. Each karyogram chromosome is matched to one metaphase object: both are drawn by the
///    classifier's renderer (long axis vertical, one scale per cell from the cell's median length),
///    compared by normalized correlation over the four flips, minus the difference of relative
///    lengths; pairs are taken greedily from the best score (one-to-one, score ≥ 0.35).
/// Karyogram chromosomes without a match (metaphase objects that are overlaps or clusters) stay in
/// `expected9`/`expected22`, so they count as not found.
public struct PairedTruth: @unchecked Sendable {
    /// Matched metaphase objects with their karyogram class.
    public var truth: [TruthChromosome]
    /// Chromosome objects assigned to slots in the karyogram.
    public var karyogramObjects: Int
    /// Chromosomes 9 and 22 in the karyogram (normally 2 each).
    public var expected9: Int, expected22: Int
    /// Mean match score of the accepted pairs.
    public var meanScore: Double
    /// For checking by eye: the karyogram crop and the matched metaphase crop of every pair, with
    /// the class (karyogram crop first), and the medians to draw them at.
    public var pairs: [(chromosome: ChromosomeClass, karyogram: ChromosomeCrop, metaphase: ChromosomeCrop)] = []
    public var medians: (karyogram: Double, metaphase: Double) = (1, 1)

    /// Derives the truth of `metaphase` (a segmentation of the `.A` image) from `karyogram`.
    /// - Throws: `ChromosomeDatasetError` when the karyogram's layout is not the standard one.
    public static func derive(metaphase: MetaphaseSegmentation, karyogram: GrayImage) throws -> PairedTruth {
        let kObjects = try karyogramChromosomes(karyogram)
        let kc = kObjects.map(\.crop), ac = crops(metaphase, metaphase.objects)
        let kMedian = ChromosomeClassifier.median(kc.map(\.length))
        let aMedian = ChromosomeClassifier.median(metaphase.objects.filter { !$0.isOverlap }.map(\.length))
        let config = ClassifierConfiguration(canvasSize: 48)
        let size = 48 * 48
        func canvases(_ c: ChromosomeCrop, median: Double) -> [[Float]] {
            [(false, false), (true, false), (false, true), (true, true)].map { f, m in
                var out = [Float](repeating: 0, count: 2 * size)
                InputBuilder.render(c, medianLength: median, configuration: config, transform: CropTransform(flip: f, mirror: m),
                                    into: &out, offset: 0)
                return Array(out[0..<size])
            }
        }
        func correlation(_ a: [Float], _ b: [Float]) -> Double {
            let ma = a.reduce(0, +) / Float(a.count), mb = b.reduce(0, +) / Float(b.count)
            var sab = 0.0, saa = 0.0, sbb = 0.0
            for i in a.indices {
                let x = Double(a[i] - ma), y = Double(b[i] - mb)
                sab += x * y; saa += x * x; sbb += y * y
            }
            return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
        }
        let kCanvas = kc.map { canvases($0, median: kMedian)[0] }
        let aCanvas = ac.map { canvases($0, median: aMedian) }
        var pairs: [(score: Double, k: Int, a: Int)] = []
        for k in kc.indices {
            for a in ac.indices {
                let lengthTerm = abs(log((kc[k].length / kMedian) / (ac[a].length / aMedian)))
                let corr = aCanvas[a].map { correlation(kCanvas[k], $0) }.max() ?? 0
                pairs.append((corr - lengthTerm, k, a))
            }
        }
        pairs.sort { $0.score > $1.score }
        var usedK = Set<Int>(), usedA = Set<Int>()
        var truth: [TruthChromosome] = []
        var scores: [Double] = []
        var shown: [(chromosome: ChromosomeClass, karyogram: ChromosomeCrop, metaphase: ChromosomeCrop)] = []
        let w = metaphase.normalized.width
        for p in pairs where p.score >= 0.35 && !usedK.contains(p.k) && !usedA.contains(p.a) {
            usedK.insert(p.k); usedA.insert(p.a)
            let o = metaphase.objects[p.a]
            var pixels = Set<Int>()
            for y in 0..<o.box.height { for x in 0..<o.box.width where o.mask[x, y] { pixels.insert((o.box.y + y) * w + o.box.x + x) } }
            truth.append(TruthChromosome(chromosome: kObjects[p.k].chromosome, pixels: pixels, box: o.box))
            scores.append(p.score)
            shown.append((kObjects[p.k].chromosome, kc[p.k], ac[p.a]))
        }
        return PairedTruth(truth: truth, karyogramObjects: kObjects.count,
                           expected9: kObjects.filter { $0.chromosome == .chr9 }.count, expected22: kObjects.filter { $0.chromosome == .chr22 }.count,
                           meanScore: scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count),
                           pairs: shown.sorted { $0.chromosome.index < $1.chromosome.index }, medians: (kMedian, aMedian))
    }

    /// The chromosomes of a karyogram with 24 slot underlines (steps 1-2), each with the class of
    /// its slot, as crops the classifier draws.
    /// - Throws: `ChromosomeDatasetError` when the karyogram does not show exactly 24 underlines.
    public static func karyogramChromosomes(_ karyogram: GrayImage) throws -> [(chromosome: ChromosomeClass, crop: ChromosomeCrop)] {
        let lines = underlines(karyogram)
        guard lines.count == 24 else {
            throw ChromosomeDatasetError(message: "karyogram layout: found \(lines.count) slot underlines, expected 24")
        }
        // Karyogram chromosomes are laid out apart: no splitting (it would cut large, blurred ones at bands).
        let kseg = MetaphaseSegmenter(options: SegmentationOptions(splitTouching: false)).segment(karyogram)
        var out: [(object: SegmentedObject, chromosome: ChromosomeClass)] = []
        for o in kseg.objects {
            let cx = o.box.x + o.box.width / 2, bottom = o.box.y + o.box.height
            if o.box.height <= 6 { continue }  // an underline itself
            let candidates = lines.enumerated().filter { _, l in
                cx >= l.x && cx < l.x + l.width && l.y >= bottom - 8 && l.y - bottom < 60
            }
            guard let best = candidates.min(by: { $0.element.y < $1.element.y }) else { continue }
            out.append((o, ChromosomeClass(index: best.offset)))
        }
        return zip(out, crops(kseg, out.map(\.object))).map { ($0.chromosome, $1) }
    }

    static func crops(_ seg: MetaphaseSegmentation, _ objs: [SegmentedObject]) -> [ChromosomeCrop] {
        objs.map { o in
            let bg = Double(seg.background.pixels[(o.box.y + o.box.height / 2) * seg.background.width + o.box.x + o.box.width / 2])
            return ChromosomeCrop(image: seg.normalized, box: o.box, mask: o.mask, background: bg)
        }
    }

    /// Slot underlines in reading order (rows top to bottom, left to right within a row).
    static func underlines(_ image: GrayImage) -> [PixelBox] {
        let w = image.width, h = image.height
        let mask = image.pixels.map { $0 < 128 }
        let map = ConnectedComponents.labelMap(of: BinaryMask(width: w, height: h, bits: mask))
        let comps = ConnectedComponents.regions(of: map, width: w, height: h)
        let lines = comps.filter { $0.box.width >= 40 && $0.box.height <= 5 && $0.area >= $0.box.width * 8 / 10 }.map(\.box)
        let sorted = lines.sorted { $0.y < $1.y }
        var rows: [[PixelBox]] = []
        for l in sorted {
            if let last = rows.last?.first, abs(last.y - l.y) <= 10 { rows[rows.count - 1].append(l) } else { rows.append([l]) }
        }
        return rows.flatMap { $0.sorted { $0.x < $1.x } }
    }
}
