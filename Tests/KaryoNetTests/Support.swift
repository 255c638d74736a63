import Foundation
import KaryoCore
@testable import KaryoNet
import KaryoTestSupport
import Testing

/// Random plain tensor with values in [-1, 1).
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return .randomUniform(shape, low: -scale, high: scale, generator: &g)
}

/// Largest |a − b| / max(|b|, floor) over two equally shaped tensors.
func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-3) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i]) / max(abs(b[i]), floor)) }
    return worst
}

/// The error this suite allows between two float32 evaluations of a network, or between one and a
/// float64 reference, from float32 error analysis rather than from what one CPU gives: the rounding
/// error of an n-term float32 sum is at most n·u (u = 2⁻²⁴) and grows like √n·u when the roundings
/// are independent; errors add up over the layers a gradient passes back through.
/// `depth`: the layers on the longest path; `terms`: the most terms any one sum has (a
/// convolution's C·k·k, a weight gradient's or a batch statistic's N·H·W). The factor 4 covers the
/// tail of the √n model; never below 1e-4.
func float32Tolerance(depth: Int, terms: Int) -> Float {
    max(1e-4, 4 * Float(depth) * Float(terms).squareRoot() * Float.ulpOfOne / 2)
}

/// `float32Tolerance(depth:terms:)` for a ResNet on an input of shape [N, C, H, W]: its
/// convolutions as the depth; as the terms the largest of a convolution's C·k·k and the stem
/// output's N·(H/2)·(W/2) (the longest weight-gradient and batch-statistic sums).
func float32Tolerance(_ model: ResNet, input: [Int]) -> Float {
    let convolutions = model.namedParameters.map(\.variable.value.shape).filter { $0.count == 4 }
    let longestConvolution = convolutions.map { $0[1] * $0[2] * $0[3] }.max() ?? 1
    let stemPositions = input[0] * ((input[2] + 1) / 2) * ((input[3] + 1) / 2)
    return float32Tolerance(depth: convolutions.count, terms: max(longestConvolution, stemPositions))
}

/// Relative error of two vectors as a whole: ‖a − b‖∞ / ‖b‖∞.
func normRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    var diff: Float = 0, ref: Float = 0
    for i in a.indices { diff = max(diff, abs(a[i] - b[i])); ref = max(ref, abs(b[i])) }
    return ref == 0 ? diff : diff / ref
}

/// Compares analytic gradients of `sum(f(inputs) · r)` with central finite differences for every
/// element of every input that requires a gradient. The projection `r` is fixed, so the scalar is
/// smooth in the inputs. Inputs are perturbed in place and restored.
func gradientCheck(
    _ inputs: [Variable], epsilon: Float = 1e-2, tolerance: Float = 1e-2, training: Bool = true,
    backend: any Backend = ReferenceBackend(),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: (Tape, [Variable]) -> Variable
) {
    func evaluate(record: Bool) -> (Double, Tape, Variable, [Float]) {
        let tape = Tape(backend: backend, training: training, recording: record, seed: 7)
        let out = f(tape, inputs)
        let y = backend.plain(out.value).scalars
        var g = SeededGenerator(seed: 99)
        let r = (0..<y.count).map { _ in g.nextUniform() * 2 - 1 }
        var s = 0.0
        for i in y.indices { s += Double(y[i]) * Double(r[i]) }
        return (s, tape, out, r)
    }
    for input in inputs { input.grad = nil }
    // Analytic: seed the output gradient with r.
    let (_, tape, out, r) = evaluate(record: true)
    let projected = tape.record(Tensor([0], shape: [1]), inputs: [out]) { _ in
        tape.accumulate(out, Tensor(r, shape: out.shape))
    }
    tape.backward(projected)
    for (k, input) in inputs.enumerated() where input.requiresGrad {
        let analytic = backend.plain(input.grad!).scalars
        var numeric = [Float](repeating: 0, count: analytic.count)
        for i in 0..<analytic.count {
            let original = input.value.scalars[i]
            func shifted(_ d: Float) -> Double {
                input.value = input.value.plain()   // a backend may have moved it to its own layout
                input.value.withUnsafeMutableBufferPointer { $0[i] = original + d }
                defer { input.value.withUnsafeMutableBufferPointer { $0[i] = original } }
                return evaluate(record: false).0
            }
            numeric[i] = Float((shifted(epsilon) - shifted(-epsilon)) / (2 * Double(epsilon)))
        }
        var worst: Float = 0, at = 0
        for i in analytic.indices {
            let e = abs(analytic[i] - numeric[i]) / max(1, abs(numeric[i]))
            if e > worst { worst = e; at = i }
        }
        #expect(worst < tolerance, "input \(k) element \(at): analytic \(analytic[at]) vs numeric \(numeric[at])",
                sourceLocation: sourceLocation)
    }
}

/// Two well separated classes of small images: a horizontal bar (0) or a vertical bar (1) at a
/// random position, on noise.
func barsDataset(count: Int, size: Int = 16, seed: UInt64) -> ImageDataset {
    var g = SeededGenerator(seed: seed)
    var pixels = [Float](repeating: 0, count: count * size * size)
    var labels = [Int]()
    for i in 0..<count {
        let label = i % 2
        labels.append(label)
        let at = 2 + Int(g.nextUniform() * Float(size - 4)), from = Int(g.nextUniform() * Float(size / 2))
        for y in 0..<size {
            for x in 0..<size {
                var v = g.nextUniform() * 0.3
                let onBar = label == 0 ? (y == at && x >= from && x < from + size / 2)
                                       : (x == at && y >= from && y < from + size / 2)
                if onBar { v += 1 }
                pixels[i * size * size + y * size + x] = v
            }
        }
    }
    return try! ImageDataset(pixels: pixels, labels: labels, channels: 1, height: size, width: size)
}

/// The repository root, from this file's path.
let repositoryRoot = TestPaths.repository
let fixturesDirectory = repositoryRoot.appendingPathComponent("Tests/KaryoNetTests/Fixtures")
