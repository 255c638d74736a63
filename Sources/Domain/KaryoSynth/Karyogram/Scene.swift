/// What the layouts draw: one chromosome of a cell with its body and provenance.
import KaryoCore

struct SceneChromosome: Sendable {
    let spec: ChromosomeSpec
    let body: any ChromosomeBody
    let source: [String]
}

/// A composed image before noise: the canvas, its objects and its lighting.
struct Scene {
    var canvas: Canvas
    var objects: [ObjectTruth] = []
    var rowLight: [Float]
    var columnLight: [Float]
    var backgroundNoise: Float
    var objectNoise: Float

    mutating func add(_ c: SceneChromosome, at placement: Placement, table: BandTable) {
        let id = objects.count + 1
        let box = c.body.draw(into: &canvas, at: placement, id: UInt8(clamping: id))
        objects.append(ObjectTruth(
            id: id, chromosomeClass: c.spec.chromosomeClass, role: c.spec.role, box: box.box,
            composition: c.spec.composition(table: table), axisLength: Double(c.body.length), source: c.source))
    }
}

/// Sizes of chromosomes relative to the image, by band level (longer and thinner at higher levels,
/// as in prometaphase).
enum Proportions {
    /// Length of chromosome 1 as a fraction of the image height in a karyogram.
    static func karyogramChr1(_ level: BandLevel) -> Float {
        switch level {
        case .bands300: return 0.175
        case .bands400: return 0.185
        case .bands550: return 0.195
        case .bands850: return 0.2
        }
    }

    /// Chromosome width as a fraction of chromosome 1's length.
    static func widthRatio(_ level: BandLevel) -> Float {
        switch level {
        case .bands300: return 0.19
        case .bands400: return 0.155
        case .bands550: return 0.125
        case .bands850: return 0.105
        }
    }

    /// The ideogram style of one image, with its per-image random variation.
    static func style(level: BandLevel, chr1Length: Float, rng: inout SeededGenerator) -> IdeogramStyle {
        let chr1 = chr1Length * rng.uniform(0.93, 1.07)
        let table = BandTable.embedded(level)
        var s = IdeogramStyle(scale: chr1 / Float(table["1"].length),
                              width: chr1 * widthRatio(level) * rng.uniform(0.9, 1.12))
        s.lightBand = rng.uniform(0.22, 0.36)
        s.darkBand = rng.uniform(0.82, 0.93)
        s.bandBlur = max(0.8, chr1 * rng.uniform(0.008, 0.016))
        s.edgeSoftness = rng.uniform(1.2, 2.8)
        s.groove = rng.uniform(0.05, 0.22)
        s.constriction = rng.uniform(0.2, 0.38)
        s.texture = rng.uniform(0.04, 0.12)
        return s
    }
}
