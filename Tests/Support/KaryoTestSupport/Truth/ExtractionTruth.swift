import Foundation
import KaryoCore
import KaryoExtract
import KaryoVision

/// Readers of the truth formats Karyo meets, and the IoU scoring of an extraction against them.
public enum ExtractionTruth {
    /// The BioImLab/Roboflow class order: the names sorted as STRINGS ("1", "10", "11", ... "9", "X", "Y").
    public static let bioimlabClassNames: [String] = ((1...22).map(String.init) + ["X", "Y"]).sorted()

    /// Truth from a YOLO label file (`class cx cy w h`, normalised) of an image of the given size.
    /// - Throws: an error naming the file and line when a line is malformed.
    public static func yolo(_ url: URL, imageWidth: Int, imageHeight: Int,
                            classNames: [String] = bioimlabClassNames) throws -> [LabelledBox] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [LabelledBox] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let f = line.split(separator: " ").compactMap { Double($0) }
            guard f.count == 5, let cls = Int(exactly: f[0]), classNames.indices.contains(cls) else {
                throw TruthError(file: url.lastPathComponent, detail: "line \(n + 1) is not `class cx cy w h`")
            }
            let W = Double(imageWidth), H = Double(imageHeight)
            let x0 = (f[1] - f[3] / 2) * W, y0 = (f[2] - f[4] / 2) * H
            out.append(LabelledBox(label: classNames[cls], box: PixelBox(
                x: Int(x0.rounded()), y: Int(y0.rounded()), width: Int((f[3] * W).rounded()), height: Int((f[4] * H).rounded()))))
        }
        return out
    }

    /// Truth from a `karyo synth` truth JSON (`objects[].class`, `objects[].box`).
    public static func synthetic(_ url: URL) throws -> [LabelledBox] {
        struct File: Decodable { struct Obj: Decodable { var `class`: String; var box: PixelBox }; var objects: [Obj] }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch {
            throw TruthError(file: url.lastPathComponent, detail: "not a synthetic truth file: \(error)")
        }
        return file.objects.map { LabelledBox(label: $0.class, box: $0.box) }
    }

    /// The margin BioImLab's YOLO boxes leave around each chromosome, per side, at 416x416:
    /// measured over the 90 distinct karyograms as the median difference between the annotated
    /// box and the chromosome's extent (1 px left/right, 3 px top/bottom; the benchmark prints it).
    public static let bioimlabAnnotationMargin = (x: 1, y: 3)

    /// The extent of what the image shows inside a true box: the bounding box of its pixels whose
    /// 3x3 median differs from the image's median gray by more than `minimumContrast` (nil when
    /// none does). With a contrast of a few gray levels (above JPEG noise) this is the most any
    /// box that follows the chromosome can cover inside the truth box.
    public static func visibleExtent(of box: PixelBox, in image: GrayImage, minimumContrast: Int = 3) -> PixelBox? {
        let clipped = box.intersection(PixelBox(x: 0, y: 0, width: image.width, height: image.height))
        guard clipped.width > 0, clipped.height > 0 else { return nil }
        let background = ImageOps.percentile(ImageOps.histogram(image), 0.5)
        // One pixel of context around the box so that the median filter sees its edges' neighbours.
        let context = PixelBox(x: clipped.x - 1, y: clipped.y - 1, width: clipped.width + 2, height: clipped.height + 2)
            .intersection(PixelBox(x: 0, y: 0, width: image.width, height: image.height))
        let filtered = ImageOps.median3(ImageOps.crop(image, context))
        var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
        for y in clipped.y...clipped.maxY {
            for x in clipped.x...clipped.maxX where abs(Int(filtered[x - context.x, y - context.y]) - background) > minimumContrast {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        return x0 <= x1 ? PixelBox(minX: x0, minY: y0, maxX: x1, maxY: y1) : nil
    }

    /// True when a box drawn around what the image shows inside `truth` (its `visibleExtent`,
    /// grown by `margin` per side) reaches `minIoU` with it: false means the annotation is drawn
    /// around more than the image shows, and no extraction that follows the image can match it.
    public static func isAttainable(_ truth: PixelBox, in image: GrayImage, margin: (x: Int, y: Int) = (0, 0),
                                    minIoU: Double = 0.5, minimumContrast: Int = 3) -> Bool {
        guard let v = visibleExtent(of: truth, in: image, minimumContrast: minimumContrast) else { return false }
        let grown = PixelBox(x: v.x - margin.x, y: v.y - margin.y, width: v.width + 2 * margin.x, height: v.height + 2 * margin.y)
        return grown.iou(truth) >= minIoU
    }

    /// How many true boxes of `labels` an extraction found (same class, IoU >= `minIoU`, each
    /// extracted chromosome used once).
    /// - Parameter margin: background the truth's annotators left around each chromosome, per
    ///   side; the extracted (tight) boxes are grown by it before the IoU. Zero for tight truth.
    public static func score(_ result: ExtractionResult, truth: [LabelledBox], labels: [String] = ["9", "22"],
                             minIoU: Double = 0.5, margin: (x: Int, y: Int) = (0, 0)) -> ExtractionScore {
        var score = ExtractionScore()
        for label in labels {
            let want = truth.filter { $0.label == label }
            var have = result.chromosomes(label).map {
                PixelBox(x: $0.box.x - margin.x, y: $0.box.y - margin.y, width: $0.box.width + 2 * margin.x, height: $0.box.height + 2 * margin.y)
            }
            var hit = 0
            for t in want {
                if let (i, iou) = have.enumerated().map({ ($0.offset, $0.element.iou(t.box)) }).max(by: { $0.1 < $1.1 }), iou >= minIoU {
                    hit += 1
                    have.remove(at: i)
                }
            }
            score.truth[label, default: 0] += want.count
            score.found[label, default: 0] += hit
        }
        return score
    }
}

/// Per-class counts of true boxes and of those found.
public struct ExtractionScore: Sendable, Codable, Equatable {
    public var truth: [String: Int] = [:]
    public var found: [String: Int] = [:]
    public init() {}
    public var totalTruth: Int { truth.values.reduce(0, +) }
    public var totalFound: Int { found.values.reduce(0, +) }
    /// Every true box found.
    public var complete: Bool { totalFound == totalTruth }
    public mutating func add(_ other: ExtractionScore) {
        for (k, v) in other.truth { truth[k, default: 0] += v }
        for (k, v) in other.found { found[k, default: 0] += v }
    }
}

/// A truth file that cannot be read.
public struct TruthError: Error, CustomStringConvertible {
    public var file: String
    public var detail: String
    public var description: String { "\(file): \(detail)" }
}
