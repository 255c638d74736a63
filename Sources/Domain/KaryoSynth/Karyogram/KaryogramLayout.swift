/// The standard clinical karyogram layout (as exported by CytoVision-style systems): four rows,
/// 1-5 / 6-12 / 13-18 / 19-22 X Y, chromosomes standing on a thin underline with the class number
/// printed below each slot, dark chromosomes on a white ground.
import KaryoCore

enum KaryogramLayout {
    struct Slot {
        let chromosomeClass: String
        /// Slot centre as a fraction of the width.
        let x: Float
        let row: Int
    }

    /// Underline position of each row, fraction of the height.
    static let rowBaselines: [Float] = [0.282, 0.498, 0.688, 0.903]
    /// Half-length of the underline of each row, fraction of the width.
    static let underlineHalf: [Float] = [0.072, 0.058, 0.058, 0.058]

    static let slots: [Slot] = {
        var s: [Slot] = []
        for (c, x) in zip(1...5, [0.091, 0.257, 0.423, 0.729, 0.896] as [Float]) {
            s.append(Slot(chromosomeClass: String(c), x: x, row: 0))
        }
        for c in 6...12 { s.append(Slot(chromosomeClass: String(c), x: 0.078 + Float(c - 6) * 0.1398, row: 1)) }
        for (c, x) in zip(13...18, [0.078, 0.217, 0.356, 0.633, 0.772, 0.911] as [Float]) {
            s.append(Slot(chromosomeClass: String(c), x: x, row: 2))
        }
        for (c, x) in zip(["19", "20", "21", "22", "X", "Y"], [0.078, 0.217, 0.424, 0.563, 0.772, 0.911] as [Float]) {
            s.append(Slot(chromosomeClass: c, x: x, row: 3))
        }
        return s
    }()

    /// Draws the cell's chromosomes as a karyogram; derivatives stand right of their normal homolog.
    static func compose(_ chromosomes: [SceneChromosome], width: Int, height: Int, table: BandTable,
                        rng: inout SeededGenerator) -> Scene {
        var scene = Scene(canvas: Canvas(width: width, height: height),
                          rowLight: [Float](repeating: 255, count: height),
                          columnLight: [Float](repeating: 0, count: width),
                          backgroundNoise: 0, objectNoise: rng.uniform(4, 9))
        let W = Float(width), H = Float(height)
        let textScale = max(1, Int((H / 450).rounded()))
        // Underlines and numbers first, chromosomes on top.
        for slot in slots {
            let base = Int(rowBaselines[slot.row] * H)
            let half = underlineHalf[slot.row] * W
            let x0 = Int(slot.x * W - half), x1 = Int(slot.x * W + half)
            scene.canvas.darken(x: x0, y: base, width: x1 - x0, height: max(1, textScale / 2), factor: 0.25)
            let (tw, _) = BitmapFont.size(slot.chromosomeClass, scale: textScale)
            BitmapFont.draw(slot.chromosomeClass, into: &scene.canvas, x: Int(slot.x * W) - tw / 2,
                            y: base + Int(0.016 * H), scale: textScale, ink: .dark(0.92))
        }
        let byClass = Dictionary(grouping: chromosomes, by: { $0.spec.chromosomeClass })
        for slot in slots {
            guard var members = byClass[slot.chromosomeClass], !members.isEmpty else { continue }
            // Normal homolog(s) first (left), derivatives right.
            members.sort { ($0.spec.role == .normal ? 0 : 1) < ($1.spec.role == .normal ? 0 : 1) }
            let base = rowBaselines[slot.row] * H - 0.006 * H
            let gap = rng.uniform(0.2, 0.5) * members[0].body.width + 2
            let total = members.reduce(Float(0)) { $0 + $1.body.width } + gap * Float(members.count - 1)
            var x = slot.x * W - total / 2
            for m in members {
                let cx = x + m.body.width / 2 + rng.uniform(-1.5, 1.5)
                let p = Placement(centerX: cx, centerY: base - m.body.length / 2 - rng.uniform(0, 3),
                                  angle: rng.approximateNormal(0.03),
                                  curvature: rng.chance(0.25) ? rng.approximateNormal(0.6) / max(20, m.body.length) : 0)
                scene.add(m, at: p, table: table)
                x += m.body.width + gap
            }
        }
        return scene
    }
}
