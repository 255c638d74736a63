import Foundation
import KaryoCore
import KaryoNet

/// How crops become network inputs, and the network's size. Stored in the checkpoint's metadata.
public struct ClassifierConfiguration: Sendable, Hashable {
    /// Side of the square canvas, in pixels.
    public var canvasSize: Int
    /// The cell's median chromosome length is drawn as this fraction of the canvas side: one
    /// scale per cell, so relative sizes survive (a chromosome longer than the canvas is shrunk to fit;
    /// the second input channel still carries its true relative length).
    public var medianLengthFraction: Double
    /// Stem width of the ResNet (basic blocks [1, 1, 1, 1]).
    public var width: Int

    public init(canvasSize: Int = 128, medianLengthFraction: Double = 0.42, width: Int = 24) {
        self.canvasSize = canvasSize; self.medianLengthFraction = medianLengthFraction; self.width = width
    }

    /// Input channels: darkness, and log(length / cell median length) as a constant plane.
    public static let inputChannels = 2

    var metadata: [String: String] {
        ["karyo.classifier.canvas": String(canvasSize), "karyo.classifier.median-fraction": String(medianLengthFraction),
         "karyo.classifier.width": String(width), "karyo.classifier.classes": "1-22,X,Y"]
    }

    init?(metadata: [String: String]) {
        guard let c = metadata["karyo.classifier.canvas"].flatMap(Int.init),
              let f = metadata["karyo.classifier.median-fraction"].flatMap(Double.init),
              let w = metadata["karyo.classifier.width"].flatMap(Int.init) else { return nil }
        self.init(canvasSize: c, medianLengthFraction: f, width: w)
    }
}

/// A problem loading or running the chromosome classifier.
public struct ChromosomeClassifierError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A small ResNet (KaryoNet) that classifies single chromosomes into 24 classes (1-22, X, Y).
///
/// Inputs are built per cell: every crop is turned long axis vertical and drawn at one scale for
/// the whole cell (the cell's median length maps to a fixed fraction of the canvas), and a second
/// channel holds log(length / median length). Predictions average the four flips (p-arm
/// orientation is unknown in a metaphase). Thread-safe (calls are serialized).
public final class ChromosomeClassifier: @unchecked Sendable {
    public let configuration: ClassifierConfiguration
    let model: ResNet
    private let backend: OneDNNBackend
    private let lock = NSLock()
    private var predictor: Predictor?

    /// A freshly initialized (untrained) classifier.
    public init(configuration: ClassifierConfiguration = ClassifierConfiguration(), seed: UInt64 = 0) {
        self.configuration = configuration
        model = ResNet.small(width: configuration.width, inputChannels: ClassifierConfiguration.inputChannels,
                             classes: ChromosomeClass.count, seed: seed)
        backend = OneDNNBackend(threads: ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 1)
    }

    /// Loads weights written by `save(to:)`.
    /// - Throws: `ChromosomeClassifierError` naming the file when it is missing, not a classifier
    ///   checkpoint, or does not fit the network.
    public convenience init(contentsOf url: URL) throws {
        let st: SafeTensors
        do { st = try SafeTensors(contentsOf: url) } catch {
            throw ChromosomeClassifierError("\(url.path): cannot read classifier weights: \(error)")
        }
        guard let config = ClassifierConfiguration(metadata: st.metadata) else {
            throw ChromosomeClassifierError("\(url.path): not a chromosome classifier checkpoint (no karyo.classifier metadata)")
        }
        self.init(configuration: config)
        do { try model.load(st) } catch {
            throw ChromosomeClassifierError("\(url.path): weights do not fit the classifier: \(error)")
        }
    }

    /// Writes the weights and configuration as safetensors.
    public func save(to url: URL) throws {
        lock.lock(); defer { lock.unlock() }
        model.unfoldBatchNorm()
        predictor = nil
        var st = model.stateDict()
        for (k, v) in configuration.metadata { st.metadata[k] = v }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try st.write(to: url)
    }

    /// Where `load()` looks for weights trained on pki3-gband (not shipped):
    /// `$KARYO_CLASSIFIER_WEIGHTS`, else `~/.cache/karyo/chromosome-classifier-pki3.safetensors`.
    public static var cachedWeightsURL: URL {
        if let p = ProcessInfo.processInfo.environment["KARYO_CLASSIFIER_WEIGHTS"], !p.isEmpty {
            return URL(fileURLWithPath: p)
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/karyo/chromosome-classifier-pki3.safetensors")
    }

    /// The weights shipped with Karyo (trained on CC BY BioImLab karyogram crops only), if present.
    public static var bundledWeightsURL: URL? {
        Bundle.module.url(forResource: "chromosome-classifier", withExtension: "safetensors", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "chromosome-classifier", withExtension: "safetensors")
    }

    /// The best available classifier: the cached weights if present, else the shipped ones.
    /// - Throws: `ChromosomeClassifierError` when neither exists or a file is damaged.
    public static func load() throws -> ChromosomeClassifier {
        let cached = cachedWeightsURL
        if FileManager.default.fileExists(atPath: cached.path) { return try ChromosomeClassifier(contentsOf: cached) }
        if let bundled = bundledWeightsURL { return try ChromosomeClassifier(contentsOf: bundled) }
        throw ChromosomeClassifierError(
            "no chromosome classifier weights: train them with tools/train-chromosome-classifier (writes \(cached.path))")
    }

    /// 24 probabilities for every object of a segmentation, in `seg.objects` order.
    /// - Parameter adaptation: how the metaphase objects are made to look like the karyogram crops
    ///   the network was trained on (default `.metaphase`).
    public func classify(_ seg: MetaphaseSegmentation, adaptation: CellAdaptation = .metaphase) throws -> [[Float]] {
        let cell = Self.cellCrops(seg, adaptation: adaptation)
        var rest = adaptation
        rest.straightenMinimumBend = nil  // done above
        return try classify(cell: cell.crops, medianLength: cell.medianLength, adaptation: rest)
    }

    /// The crops of a segmentation's objects as the classifier draws them (background: the median of
    /// the local background under each box; bent ones straightened as `adaptation` says) and the
    /// cell's median length over its single (not overlapping) objects.
    static func cellCrops(_ seg: MetaphaseSegmentation, adaptation: CellAdaptation)
        -> (crops: [ChromosomeCrop], medianLength: Double) {
        let crops = seg.objects.map { o in
            var bg: [UInt8] = []
            for y in stride(from: o.box.y, to: o.box.y + o.box.height, by: 2) {
                for x in stride(from: o.box.x, to: o.box.x + o.box.width, by: 2) { bg.append(seg.background.pixels[y * seg.background.width + x]) }
            }
            bg.sort()
            return ChromosomeCrop(image: seg.normalized, box: o.box, mask: o.mask, background: Double(bg.isEmpty ? 255 : bg[bg.count / 2]))
        }.straightened(adaptation)
        let singles = zip(seg.objects, crops).filter { !$0.0.isOverlap }.map(\.1.length)
        return (crops, median(singles.isEmpty ? crops.map(\.length) : singles))
    }

    /// 24 probabilities for each crop of one cell.
    /// - Parameters:
    ///   - medianLength: the cell's median chromosome length (defaults to the crops' median).
    ///   - adaptation: changes to the rendering for cells unlike the training crops (default none).
    public func classify(cell crops: [ChromosomeCrop], medianLength: Double? = nil,
                         adaptation: CellAdaptation = .none) throws -> [[Float]] {
        guard !crops.isEmpty else { return [] }
        let crops = crops.straightened(adaptation)
        let median = medianLength ?? Self.medianLength(crops)
        let across = adaptation.acrossFactor(crops, medianLength: median)
        lock.lock(); defer { lock.unlock() }
        if predictor == nil { predictor = Predictor(model: model, backend: backend) }
        var result = [[Float]](repeating: [Float](repeating: 0, count: ChromosomeClass.count), count: crops.count)
        let variants = [(false, false), (true, false), (false, true), (true, true)]
        let batch = 64
        for start in stride(from: 0, to: crops.count, by: batch) {
            let part = Array(crops[start..<min(start + batch, crops.count)])
            for (flip, mirror) in variants {
                let x = InputBuilder.inputs(part, medianLength: median, configuration: configuration,
                                            transforms: part.map { _ in CropTransform(flip: flip, mirror: mirror, across: across) })
                let p = try predictor!.probabilities(x)
                for i in part.indices { for k in 0..<ChromosomeClass.count { result[start + i][k] += p[i][k] / Float(variants.count) } }
            }
        }
        return result
    }

    /// The median length of `crops` (1 when empty).
    public static func medianLength(_ crops: [ChromosomeCrop]) -> Double { median(crops.map(\.length)) }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 1 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A per-crop transform for rendering (augmentation during training, flips at inference).
struct CropTransform {
    var flip = false, mirror = false
    var rotation = 0.0
    var scaleJitter = 1.0
    var shift = (0.0, 0.0)
    /// Factor on the scale across the long axis.
    var across = 1.0
}

/// Inference-time changes that make one cell's chromosomes look more like the karyogram crops the
/// classifier was trained on.
public struct CellAdaptation: Sendable, Hashable {
    /// When the cell's median chromosome width over its median length is above this, every crop is
    /// drawn thinner across its long axis by the ratio (at most `maximumCompression`). Condensed,
    /// chromatid-separated metaphase chromosomes are far wider for their length than the pki3 crops
    /// (0.24 is the median of 30 pki3 cells, measured with `karyo-bench metaphase cell-shape`).
    public var referenceWidthRatio: Double?
    /// Smallest factor across the axis.
    public var maximumCompression: Double
    /// Straighten crops whose centre line bends more than this many mean widths away from its chord
    /// (`ChromosomeCrop.straightened`); nil: never.
    public var straightenMinimumBend: Double?
    /// Relative to the cell's median chromosome width, the smallest mean width of a crop that is
    /// straightened (see `ChromosomeCrop.straightened`).
    public var straightenMinimumWidth = 0.7

    public init(referenceWidthRatio: Double? = nil, maximumCompression: Double = 0.5, straightenMinimumBend: Double? = nil) {
        self.referenceWidthRatio = referenceWidthRatio; self.maximumCompression = maximumCompression
        self.straightenMinimumBend = straightenMinimumBend
    }

    /// No change: crops drawn exactly as in training.
    public static let none = CellAdaptation()
    /// For metaphase spreads: thinner drawing of wide cells, bent chromosomes straightened
    /// (measured with the pki3 weights: cabinh 9s+22s 15/40 → 17/40, all classes 52% → 59%;
    /// ADIR 18/119 → 24/119, all classes 46% → 48%).
    public static let metaphase = CellAdaptation(referenceWidthRatio: 0.24, straightenMinimumBend: 0.5)

    /// The cell's width ratio: median of area / length over median length.
    static func widthRatio(_ crops: [ChromosomeCrop], medianLength: Double) -> Double {
        crops.medianWidth / max(medianLength, 1)
    }

    func acrossFactor(_ crops: [ChromosomeCrop], medianLength: Double) -> Double {
        guard let ref = referenceWidthRatio, !crops.isEmpty else { return 1 }
        let r = Self.widthRatio(crops, medianLength: medianLength)
        return r > ref ? max(maximumCompression, ref / r) : 1
    }
}

extension Array where Element == ChromosomeCrop {
    /// The cell's median chromosome width: the median of area / length (1 when empty).
    var medianWidth: Double { ChromosomeClassifier.median(map { Double($0.area) / $0.length }) }

    /// The crops of one cell as they will be drawn: bent ones straightened as `adaptation` says.
    public func straightened(_ adaptation: CellAdaptation) -> [ChromosomeCrop] {
        guard let bend = adaptation.straightenMinimumBend, !isEmpty else { return self }
        let cellWidth = medianWidth
        return map { $0.centreLine != nil ? $0 : $0.straightened(minimumBend: bend, minimumWidth: adaptation.straightenMinimumWidth * cellWidth) }
    }
}

/// Builds the classifier's input tensor for crops of one cell.
enum InputBuilder {
    static func inputs(_ crops: [ChromosomeCrop], medianLength: Double, configuration c: ClassifierConfiguration,
                       transforms: [CropTransform]) -> Tensor {
        let s = c.canvasSize, plane = s * s
        var out = [Float](repeating: 0, count: crops.count * 2 * plane)
        for (i, crop) in crops.enumerated() {
            render(crop, medianLength: medianLength, configuration: c, transform: transforms[i], into: &out, offset: i * 2 * plane)
        }
        return Tensor(out, shape: [crops.count, 2, s, s])
    }

    static func render(_ crop: ChromosomeCrop, medianLength: Double, configuration c: ClassifierConfiguration,
                       transform t: CropTransform, into out: inout [Float], offset: Int) {
        let s = c.canvasSize, plane = s * s
        let median = max(medianLength, 1)
        var scale = c.medianLengthFraction * Double(s) / median * t.scaleJitter
        if crop.length * scale > Double(s - 4) { scale = Double(s - 4) / crop.length }
        crop.render(size: s, scale: scale, flip: t.flip, mirror: t.mirror, rotation: t.rotation, shift: t.shift,
                    across: t.across, into: &out, offset: offset)
        let rel = Float(min(max(log(crop.length * t.scaleJitter / median), -1.5), 1.5))
        for k in 0..<plane { out[offset + plane + k] = rel }
    }
}

extension ChromosomeClassifier {
    /// The classifier's input canvases (channel 0) of a segmentation's objects, tiled in rows of
    /// `columns`, as an 8-bit image (darkness 0 → white): for checking what the network sees.
    public func inputMontage(_ seg: MetaphaseSegmentation, columns: Int = 10, adaptation: CellAdaptation = .metaphase) -> GrayImage {
        let cell = Self.cellCrops(seg, adaptation: adaptation)
        return Self.montage(cell.crops, medianLength: cell.medianLength, configuration: configuration, columns: columns,
                            adaptation: adaptation)
    }

    /// Canvases of crops of one cell tiled as an image (see `inputMontage`).
    public static func montage(_ crops: [ChromosomeCrop], medianLength: Double, configuration c: ClassifierConfiguration,
                               columns: Int = 10, adaptation: CellAdaptation = .none) -> GrayImage {
        let crops = crops.straightened(adaptation)
        let across = adaptation.acrossFactor(crops, medianLength: medianLength)
        let s = c.canvasSize, rows = max(1, (crops.count + columns - 1) / columns)
        var img = GrayImage(width: s * columns, height: s * rows, fill: 255)
        var buf = [Float](repeating: 0, count: 2 * s * s)
        for (i, crop) in crops.enumerated() {
            InputBuilder.render(crop, medianLength: medianLength, configuration: c, transform: CropTransform(across: across),
                                into: &buf, offset: 0)
            let ox = (i % columns) * s, oy = (i / columns) * s
            for y in 0..<s { for x in 0..<s { img[ox + x, oy + y] = UInt8(max(0, min(255, 255 - buf[y * s + x] * 200))) } }
        }
        return img
    }
}
