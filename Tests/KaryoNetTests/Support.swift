import Foundation
import KaryoCore
@testable import KaryoNet
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
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let fixturesDirectory = repositoryRoot.appendingPathComponent("Tests/KaryoNetTests/Fixtures")
