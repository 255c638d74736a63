import KaryoCore
@testable import KaryoNet
import Testing

/// Finite-difference checks of every differentiable operation on the reference backend.
@Suite struct GradientCheckTests {
    func param(_ shape: [Int], _ seed: UInt64, scale: Float = 1) -> Variable {
        Variable(randomTensor(shape, seed: seed, scale: scale), requiresGrad: true)
    }

    @Test(arguments: [(3, 1, 1), (7, 2, 3), (1, 2, 0), (3, 2, 1)])
    func convolution(kernel: Int, stride: Int, padding: Int) {
        let g = ConvGeometry(kernel: kernel, stride: stride, padding: padding)
        gradientCheck([param([2, 3, 7, 7], 1), param([2, 3, kernel, kernel], 2), param([2], 3)]) { t, v in
            t.conv2d(v[0], weight: v[1], bias: v[2], geometry: g)
        }
    }

    @Test func batchNormTraining() {
        gradientCheck([param([3, 2, 3, 3], 4), param([2], 5), param([2], 6)], epsilon: 1e-3) { t, v in
            t.batchNorm(v[0], scale: v[1], shift: v[2], running: (Tensor(zeros: [2]), Tensor(repeating: 1, shape: [2])),
                        epsilon: 1e-5).0
        }
    }

    @Test func batchNormInference() {
        let mean = Tensor([0.1, -0.2], shape: [2]), variance = Tensor([0.5, 2], shape: [2])
        gradientCheck([param([2, 2, 3, 3], 7), param([2], 8), param([2], 9)], training: false) { t, v in
            t.batchNorm(v[0], scale: v[1], shift: v[2], running: (mean, variance), epsilon: 1e-5).0
        }
    }

    @Test func relu() {
        // Values kept away from the kink at 0.
        var x = randomTensor([2, 3, 4, 4], seed: 10)
        x.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] += b[i] >= 0 ? 0.1 : -0.1 } }
        gradientCheck([Variable(x, requiresGrad: true)]) { t, v in t.relu(v[0]) }
    }

    @Test func residualAdd() {
        gradientCheck([param([2, 3, 4, 4], 11), param([2, 3, 4, 4], 12)]) { t, v in t.add(v[0], v[1]) }
    }

    @Test func sharedInputAccumulates() {
        gradientCheck([param([1, 2, 3, 3], 13)]) { t, v in t.add(t.relu(v[0]), v[0]) }
    }

    @Test func maxPooling() {
        // Distinct values spaced apart, so the arg-max of each window is stable under ±epsilon.
        var g = SeededGenerator(seed: 14)
        var values = (0..<(2 * 2 * 7 * 7)).map { Float($0) * 0.05 }
        values.shuffle(using: &g)
        let x = Variable(Tensor(values, shape: [2, 2, 7, 7]), requiresGrad: true)
        gradientCheck([x], epsilon: 1e-3) { t, v in t.pool2d(v[0], geometry: PoolGeometry(.max, kernel: 3, stride: 2, padding: 1)) }
    }

    @Test(arguments: [true, false])
    func averagePooling(countIncludePad: Bool) {
        gradientCheck([param([2, 2, 7, 7], 15)]) { t, v in
            t.pool2d(v[0], geometry: PoolGeometry(.average(countIncludePad: countIncludePad), kernel: 3, stride: 2, padding: 1))
        }
    }

    @Test(arguments: [[2, 3, 4, 4], [2, 3, 3, 5]])
    func globalAveragePooling(shape: [Int]) {
        gradientCheck([param(shape, 16)]) { t, v in t.globalAveragePool(v[0]) }
    }

    @Test func linear() {
        gradientCheck([param([3, 5], 17), param([4, 5], 18), param([4], 19)]) { t, v in
            t.linear(v[0], weight: v[1], bias: v[2])
        }
    }

    @Test func dropout() {
        gradientCheck([param([4, 6], 20)]) { t, v in t.dropout(v[0], p: 0.5) }
    }

    @Test(arguments: [(false, Float(0)), (true, Float(0)), (true, Float(0.1)), (false, Float(0.2))])
    func softmaxCrossEntropy(weighted: Bool, smoothing: Float) {
        gradientCheck([param([4, 3], 21, scale: 2)], epsilon: 1e-3) { t, v in
            t.softmaxCrossEntropy(v[0], labels: [0, 2, 1, 2], classWeights: weighted ? [0.5, 2, 1] : nil,
                                  labelSmoothing: smoothing)
        }
    }

    @Test func fusedBatchNormReLUAndAddReLU() {
        gradientCheck([param([3, 2, 3, 3], 23), param([2], 24), param([2], 25), param([3, 2, 3, 3], 26)], epsilon: 1e-3) { t, v in
            let (y, _) = t.batchNormReLU(v[0], scale: v[1], shift: v[2],
                                         running: (Tensor(zeros: [2]), Tensor(repeating: 1, shape: [2])), epsilon: 1e-5)
            return t.addReLU(y, v[3])
        }
    }

    /// The same checks through the oneDNN backend (blocked layouts, fused primitives, Winograd).
    @Test func oneDNNOperations() {
        let backend = OneDNNBackend(threads: 1)
        for (kernel, stride, padding) in [(3, 1, 1), (7, 2, 3), (1, 2, 0)] {
            let g = ConvGeometry(kernel: kernel, stride: stride, padding: padding)
            gradientCheck([param([2, 16, 7, 7], 30), param([16, 16, kernel, kernel], 31)], backend: backend) { t, v in
                t.conv2d(v[0], weight: v[1], geometry: g)
            }
        }
        gradientCheck([param([3, 16, 3, 3], 32), param([16], 33), param([16], 34), param([3, 16, 3, 3], 35)],
                      epsilon: 1e-3, backend: backend) { t, v in
            let (y, _) = t.batchNormReLU(v[0], scale: v[1], shift: v[2],
                                         running: (Tensor(zeros: [16]), Tensor(repeating: 1, shape: [16])), epsilon: 1e-5)
            let (z, _) = t.batchNorm(t.addReLU(y, v[3]), scale: v[1], shift: v[2],
                                     running: (Tensor(zeros: [16]), Tensor(repeating: 1, shape: [16])), epsilon: 1e-5)
            return t.globalAveragePool(t.pool2d(z, geometry: PoolGeometry(.average(countIncludePad: true), kernel: 3, stride: 2, padding: 1)))
        }
        var g = SeededGenerator(seed: 36)
        var values = (0..<(2 * 16 * 6 * 6)).map { Float($0) * 0.01 }
        values.shuffle(using: &g)
        gradientCheck([Variable(Tensor(values, shape: [2, 16, 6, 6]), requiresGrad: true)], epsilon: 1e-3, backend: backend) { t, v in
            t.pool2d(v[0], geometry: PoolGeometry(.max, kernel: 3, stride: 2, padding: 1))
        }
        gradientCheck([param([3, 5], 37), param([4, 5], 38), param([4], 39)], backend: backend) { t, v in
            t.linear(v[0], weight: v[1], bias: v[2])
        }
    }

    @Test func smallResNetEndToEnd() {
        let model = ResNet.small(width: 2, seed: 3)
        let x = Variable(randomTensor([2, 1, 12, 12], seed: 22))
        // A few parameters across the network: the stem, a batch norm, a downsample and fc.
        let picks = [model.stem.conv.weight, model.stages[1][0].units[0].bn.weight,
                     model.stages[2][0].downsample!.conv.weight, model.fc.weight]
        gradientCheck(picks, epsilon: 1e-2, tolerance: 2e-2) { t, _ in model(x, t) }
    }
}
