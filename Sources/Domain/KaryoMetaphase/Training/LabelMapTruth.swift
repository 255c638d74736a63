import Foundation
import KaryoCore
import KaryoVision

/// One true chromosome of a metaphase: its class and pixels (image coordinates).
public struct TruthChromosome: Sendable {
    public var chromosome: ChromosomeClass
    /// Pixel indices (y × width + x) of the chromosome in the metaphase image.
    public var pixels: Set<Int>
    public var box: PixelBox
}

/// Ground truth for metaphases: the chromosomes of a label map (training data for the classifier).
public enum MetaphaseTruth {
    /// Truth from an ADIR label map (pixel = class × 10; 230 = X, 240 = Y, 0 = background): each
    /// 8-connected region of one class is one chromosome (touching homologs of the same class stay
    /// one region; regions under 20 pixels are ignored).
    public static func fromLabelMap(_ map: GrayImage) -> [TruthChromosome] {
        let w = map.width, h = map.height
        var out: [TruthChromosome] = []
        for cls in 1...24 {
            let value = UInt8(cls * 10)
            let mask = map.pixels.map { $0 == value }
            guard mask.contains(true) else { continue }
            let map = ConnectedComponents.labelMap(of: BinaryMask(width: w, height: h, bits: mask))
            let (labels, count) = (map.labels, map.count)
            var pixels = [Set<Int>](repeating: [], count: count + 1)
            for i in labels.indices where labels[i] > 0 { pixels[Int(labels[i])].insert(i) }
            for l in 1...max(count, 1) where l <= count && pixels[l].count >= 20 {
                let xs = pixels[l].map { $0 % w }, ys = pixels[l].map { $0 / w }
                let box = PixelBox(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()! + 1, height: ys.max()! - ys.min()! + 1)
                out.append(TruthChromosome(chromosome: ChromosomeClass(index: cls - 1), pixels: pixels[l], box: box))
            }
        }
        return out
    }
}
