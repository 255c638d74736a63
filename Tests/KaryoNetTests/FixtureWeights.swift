import Foundation
@testable import KaryoNet

/// The deterministic fixture values of tools/torch/fixture_weights.py, so a network the size of
/// ResNet-50 is rebuilt identically in Swift and PyTorch without committing its weights.
enum FixtureWeights {
    static let seed: UInt64 = 2024

    static func fnv1a(_ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01B3 }
        return h
    }

    static func values(_ name: String, shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        let base = fnv1a(name) ^ seed
        var out = [Float](repeating: 0, count: n)
        let fanIn = shape.count == 4 ? Double(shape[1] * shape[2] * shape[3]) : 1
        // The value map, chosen once per tensor by its name (exactly as fixture_weights.py).
        let map: (Double) -> Double
        if name.hasSuffix("running_var") { map = { 1 + 0.25 * $0 } }
        else if name.hasSuffix("running_mean") || name.hasSuffix(".bias") { map = { 0.1 * $0 } }
        else if name == "fc.weight" { let r = Double(shape[1]).squareRoot(); map = { $0 / r } }
        else if shape.count == 4 && name != "input" { let r = (6 / fanIn).squareRoot(); map = { $0 * r } }
        else if name.hasSuffix("bn3.weight") { map = { 0.1 * (1 + 0.1 * $0) } }
        else if shape.count == 1 { map = { 1 + 0.1 * $0 } }
        else { map = { $0 } }
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                var z = base &+ UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                let u = Double(z >> 40) / 16_777_216 * 2 - 1
                p[i] = Float(map(u))
            }
        }
        return Tensor(out, shape: shape)
    }

    /// Sets every parameter and running statistic of `model` to its fixture value.
    static func fill(_ model: ResNet) {
        for (name, p) in model.namedParameters { p.value = values(name, shape: p.shape) }
        for (name, bn) in model.namedBatchNorms {
            bn.runningMean = values("\(name).running_mean", shape: bn.runningMean.shape)
            bn.runningVariance = values("\(name).running_var", shape: bn.runningVariance.shape)
        }
    }
}
