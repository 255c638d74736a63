import Foundation
import KaryoCore
@testable import KaryoMetaphase
import KaryoTestSupport

let metaphaseRepoRoot = TestPaths.repository
/// ../shared/data next to the repository (tests using it skip when it is absent).
let sharedDataFolder = TestPaths.sharedData
let hasSharedData = TestPaths.hasSharedData

/// A synthetic dark-on-light spread drawn from rods (capsules): (centre, half-length, radius, angle, darkness).
struct SyntheticSpread {
    var width = 400, height = 300
    var rods: [(x: Double, y: Double, half: Double, radius: Double, angle: Double, dark: Double)] = []
    var discs: [(x: Double, y: Double, radius: Double, dark: Double)] = []

    func render() -> GrayImage {
        var px = [UInt8](repeating: 235, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var d = 0.0
                for r in rods {
                    let ux = cos(r.angle), uy = sin(r.angle)
                    let dx = Double(x) - r.x, dy = Double(y) - r.y
                    let t = max(-r.half, min(r.half, dx * ux + dy * uy))
                    let ex = dx - t * ux, ey = dy - t * uy
                    let dist = (ex * ex + ey * ey).squareRoot()
                    if dist < r.radius { d = min(200, d + r.dark * min(1, (r.radius - dist) / 1.5)) }
                }
                for c in discs {
                    let dist = ((Double(x) - c.x) * (Double(x) - c.x) + (Double(y) - c.y) * (Double(y) - c.y)).squareRoot()
                    if dist < c.radius { d = max(d, c.dark) }
                }
                px[y * width + x] = UInt8(max(0, 235 - d))
            }
        }
        return GrayImage(width: width, height: height, pixels: px)
    }
}

/// Twelve separate rods of varied lengths laid out on a grid.
func separateRods() -> [(x: Double, y: Double, half: Double, radius: Double, angle: Double, dark: Double)] {
    var out: [(x: Double, y: Double, half: Double, radius: Double, angle: Double, dark: Double)] = []
    for i in 0..<12 {
        let x = 40 + Double(i % 6) * 60
        let y = 50 + Double(i / 6) * 90
        let half = 8 + Double(i % 5) * 3
        out.append((x: x, y: y, half: half, radius: 5, angle: Double(i) * 0.5, dark: 120))
    }
    return out
}
