import Foundation
import KaryoCodecs
import KaryoCore

/// One labelled chromosome crop with the cell and patient it comes from.
public struct LabeledChromosome: Sendable {
    public var crop: ChromosomeCrop
    public var chromosome: ChromosomeClass
    /// The cell (karyogram) the crop was cut from.
    public var cell: String
    /// The patient (or case) the cell belongs to: the unit of held-out splits.
    public var patient: String
    /// Median crop length over the crops of the same cell (set by the loaders).
    public var cellMedianLength: Double

    public init(crop: ChromosomeCrop, chromosome: ChromosomeClass, cell: String, patient: String, cellMedianLength: Double = 0) {
        self.crop = crop; self.chromosome = chromosome; self.cell = cell; self.patient = patient; self.cellMedianLength = cellMedianLength
    }
}

/// An error reading a training data set, naming the file.
public struct ChromosomeDatasetError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Loaders for the chromosome data sets in `../shared/data`.
public enum ChromosomeDataset {
    /// pki3-gband: `labels.csv` (path,karyogram_id,class_index,…) with paths relative to
    /// `imagesRoot` (where `images.tar.gz` was extracted). The patient is the karyogram id up to
    /// its first dot (`97002023.12.tiff` → case `97002023`, cell 12), so cells of one case never
    /// straddle a split. Class 25 (one stray image) and undecodable files are skipped.
    /// - Parameter patients: keep only patients (`pki3/<case>`) for which this returns true.
    public static func pki3(labelsCSV: URL, imagesRoot: URL, limitCells: Int? = nil,
                            patients: (String) -> Bool = { _ in true }) throws -> [LabeledChromosome] {
        let rows = try csvRows(labelsCSV)
        var cellsSeen: [String] = []
        var out: [LabeledChromosome] = []
        for r in rows where r.count >= 3 {
            guard let cls = Int(r[2]), (1...24).contains(cls) else { continue }
            let cell = r[1]
            guard patients("pki3/" + String(cell.split(separator: ".").first ?? Substring(cell))) else { continue }
            if let limit = limitCells, !cellsSeen.contains(cell) {
                if cellsSeen.count >= limit { continue }
                cellsSeen.append(cell)
            }
            let url = imagesRoot.appendingPathComponent(r[0])
            guard let img = try? ImageCodec.decode(contentsOf: url).image, img.width >= 3, img.height >= 3 else { continue }
            let patient = String(cell.split(separator: ".").first ?? Substring(cell))
            out.append(LabeledChromosome(crop: ChromosomeCrop(image: img), chromosome: ChromosomeClass(index: cls - 1),
                                         cell: "pki3/" + cell, patient: "pki3/" + patient, cellMedianLength: 0))
        }
        guard !out.isEmpty else {
            throw ChromosomeDatasetError(message: "\(imagesRoot.path): no pki3 chromosome images found (extract images.tar.gz there)")
        }
        return withCellMedians(out)
    }

    /// bioimlab-qband: `labels.csv` (path,karyotype_id,class_index_1to24,…), bright chromosomes on
    /// black (inverted here). The karyotype id is both cell and patient.
    public static func bioimlabQBand(folder: URL) throws -> [LabeledChromosome] {
        let rows = try csvRows(folder.appendingPathComponent("labels.csv"))
        var out: [LabeledChromosome] = []
        for r in rows where r.count >= 3 {
            guard let cls = Int(r[2]), (1...24).contains(cls) else { continue }
            guard let img = try? ImageCodec.decode(contentsOf: folder.appendingPathComponent(r[0])).image,
                  img.width >= 3, img.height >= 3 else { continue }
            out.append(LabeledChromosome(crop: ChromosomeCrop(image: img, invert: true), chromosome: ChromosomeClass(index: cls - 1),
                                         cell: "bioimlab/" + r[1], patient: "bioimlab/" + r[1], cellMedianLength: 0))
        }
        guard !out.isEmpty else { throw ChromosomeDatasetError(message: "\(folder.path): no BioImLab chromosome images found") }
        return withCellMedians(out)
    }

    /// bioimlab-karyograms-yolo (CC BY 4.0): every YOLO box of the 416×416 karyograms cut out,
    /// inverted (bright on black). Class names in `data.yaml` are string-sorted; they are mapped by
    /// name. Augmented copies of one karyogram share the name before `_bmp`, which is the patient.
    /// Only `train/` and `valid/` unless `includeTest`.
    public static func bioimlabKaryograms(folder: URL, includeTest: Bool = false) throws -> [LabeledChromosome] {
        // Roboflow's data.yaml order: 1,10,11,…,19,2,20,21,22,3,…,9,X,Y.
        let names = (1...22).map(String.init).sorted() + ["X", "Y"]
        let classOf = names.map { ChromosomeClass(name: $0)! }
        var out: [LabeledChromosome] = []
        let fm = FileManager.default
        for split in ["train", "valid"] + (includeTest ? ["test"] : []) {
            let imgDir = folder.appendingPathComponent("\(split)/images")
            let files = ((try? fm.contentsOfDirectory(atPath: imgDir.path)) ?? []).filter { $0.hasSuffix(".jpg") }.sorted()
            for f in files {
                let labelURL = folder.appendingPathComponent("\(split)/labels/" + f.dropLast(4) + ".txt")
                guard let text = try? String(contentsOf: labelURL, encoding: .utf8),
                      let img = try? ImageCodec.decode(contentsOf: imgDir.appendingPathComponent(f)).image else { continue }
                let patient = "bioimlab-karyogram/" + (f.components(separatedBy: "_bmp").first ?? f)
                let cell = "\(split)/\(f)"
                for line in text.split(separator: "\n") {
                    let v = line.split(separator: " ").compactMap { Double($0) }
                    guard v.count == 5, let ci = Int(exactly: v[0]), (0..<24).contains(ci) else { continue }
                    let bw = v[3] * Double(img.width), bh = v[4] * Double(img.height)
                    let x0 = max(0, Int((v[1] * Double(img.width) - bw / 2).rounded())), y0 = max(0, Int((v[2] * Double(img.height) - bh / 2).rounded()))
                    let x1 = min(img.width, Int((v[1] * Double(img.width) + bw / 2).rounded())), y1 = min(img.height, Int((v[2] * Double(img.height) + bh / 2).rounded()))
                    guard x1 - x0 >= 3, y1 - y0 >= 3 else { continue }
                    var px = [UInt8](repeating: 0, count: (x1 - x0) * (y1 - y0))
                    for y in y0..<y1 { for x in x0..<x1 { px[(y - y0) * (x1 - x0) + x - x0] = img.pixels[y * img.width + x] } }
                    let crop = ChromosomeCrop(image: GrayImage(width: x1 - x0, height: y1 - y0, pixels: px), invert: true)
                    out.append(LabeledChromosome(crop: crop, chromosome: classOf[ci], cell: cell, patient: patient, cellMedianLength: 0))
                }
            }
        }
        guard !out.isEmpty else { throw ChromosomeDatasetError(message: "\(folder.path): no BioImLab karyogram boxes found") }
        return withCellMedians(out)
    }

    /// adir-mfish-dapi-seg: each 8-connected region of one class in `<n>gt.png` (value = class × 10)
    /// cut from the DAPI image `<n>im.png` (inverted), masked by the region. Each image is its own
    /// cell and patient (the source gives no patient ids). Regions under 40 pixels are skipped.
    /// - Parameter images: which image numbers to load (the benchmark scores `n % 3 == 0`; train on the rest).
    public static func adir(folder: URL, images: (Int) -> Bool) throws -> [LabeledChromosome] {
        var out: [LabeledChromosome] = []
        for n in 0..<1000 where images(n) {
            let imURL = folder.appendingPathComponent("\(n)im.png"), gtURL = folder.appendingPathComponent("\(n)gt.png")
            guard FileManager.default.fileExists(atPath: imURL.path) else { continue }
            let img: GrayImage, gt: GrayImage
            do {
                img = try ImageCodec.decode(contentsOf: imURL).image
                gt = try ImageCodec.decode(contentsOf: gtURL).image
            } catch { throw ChromosomeDatasetError(message: "\(imURL.lastPathComponent): \(error)") }
            guard img.width == gt.width, img.height == gt.height else {
                throw ChromosomeDatasetError(message: "\(gtURL.lastPathComponent): size differs from its image")
            }
            var inverted = img
            for i in inverted.pixels.indices { inverted.pixels[i] = 255 - inverted.pixels[i] }
            let seg = MetaphaseSegmenter(options: SegmentationOptions(splitTouching: false)).segment(img)
            for t in MetaphaseTruth.fromLabelMap(gt) where t.pixels.count >= 40 {
                var bits = [Bool](repeating: false, count: t.box.width * t.box.height)
                for p in t.pixels { bits[(p / img.width - t.box.y) * t.box.width + p % img.width - t.box.x] = true }
                let mask = ObjectMask(width: t.box.width, height: t.box.height, bits: bits)
                let bg = Double(seg.background.pixels[(t.box.y + t.box.height / 2) * img.width + t.box.x + t.box.width / 2])
                out.append(LabeledChromosome(crop: ChromosomeCrop(image: inverted, box: t.box, mask: mask, background: bg),
                                             chromosome: t.chromosome, cell: "adir/\(n)", patient: "adir/\(n)", cellMedianLength: 0))
            }
        }
        guard !out.isEmpty else { throw ChromosomeDatasetError(message: "\(folder.path): no ADIR images found") }
        return withCellMedians(out)
    }

    /// Sets `cellMedianLength` to the median crop length of each cell.
    public static func withCellMedians(_ items: [LabeledChromosome]) -> [LabeledChromosome] {
        var lengths: [String: [Double]] = [:]
        for i in items { lengths[i.cell, default: []].append(i.crop.length) }
        let medians = lengths.mapValues { ChromosomeClassifier.median($0) }
        return items.map { var i = $0; i.cellMedianLength = medians[i.cell] ?? i.crop.length; return i }
    }

    /// True when `patient` falls in the held-out part (a stable FNV-1a hash, not Swift's seeded one).
    public static func isHeldOut(patient: String, fraction: Double, seed: UInt64 = 0) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in patient.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
        h ^= h >> 33; h = h &* 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        return Double(h % 1_000_000) / 1_000_000 < fraction
    }

    static func csvRows(_ url: URL) throws -> [[String]] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ChromosomeDatasetError(message: "\(url.path): cannot read: \(error.localizedDescription)")
        }
        return text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
}
