import Foundation
import KaryoCore

/// A 2-D convolution layer (torchvision's `nn.Conv2d`, square kernel, no groups).
public final class Conv2d {
    /// Weight [out, in, k, k].
    public let weight: Variable
    /// Optional bias [out] (ResNet convolutions have none until batch norm is folded in).
    public var bias: Variable?
    /// Kernel, stride and padding.
    public let geometry: ConvGeometry
    /// False for a first layer whose input gradient is never needed.
    public var computesInputGradient = true

    /// Creates a layer with Kaiming-normal (fan-out, ReLU) weights, as torchvision's ResNet.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = false, generator: inout SeededGenerator) {
        geometry = ConvGeometry(kernel: kernel, stride: stride, padding: padding)
        let std = (2 / Float(outChannels * kernel * kernel)).squareRoot()
        weight = Variable(.randomNormal([outChannels, inChannels, kernel, kernel], std: std, generator: &generator),
                          requiresGrad: true)
        self.bias = bias ? Variable(Tensor(zeros: [outChannels]), requiresGrad: true) : nil
    }

    /// Applies the convolution.
    public func callAsFunction(_ x: Variable, _ tape: Tape) -> Variable {
        tape.conv2d(x, weight: weight, bias: bias, geometry: geometry, inputGradient: computesInputGradient)
    }
}

/// Batch normalization over channels (torchvision's `nn.BatchNorm2d`: eps 1e-5, momentum 0.1,
/// running variance updated with the unbiased batch variance).
public final class BatchNorm2d {
    /// Scale (γ), PyTorch's `weight`.
    public let weight: Variable
    /// Shift (β), PyTorch's `bias`.
    public let bias: Variable
    /// Running mean [C].
    public var runningMean: Tensor
    /// Running variance [C].
    public var runningVariance: Tensor
    /// Number of training batches seen (`num_batches_tracked`).
    public var numBatchesTracked: Int64 = 0
    /// Running-statistics momentum.
    public var momentum: Float = 0.1
    /// Added to the variance before the square root.
    public var epsilon: Float = 1e-5

    /// Creates a layer with γ = 1, β = 0, mean 0 and variance 1.
    public init(_ channels: Int) {
        weight = Variable(Tensor(repeating: 1, shape: [channels]), requiresGrad: true)
        bias = Variable(Tensor(zeros: [channels]), requiresGrad: true)
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(repeating: 1, shape: [channels])
    }

    /// Normalizes `x` (then applies ReLU if `relu`); in training mode also updates the running
    /// statistics.
    public func callAsFunction(_ x: Variable, _ tape: Tape, relu: Bool = false) -> Variable {
        let (y, stats) = relu
            ? tape.batchNormReLU(x, scale: weight, shift: bias, running: (runningMean, runningVariance), epsilon: epsilon)
            : tape.batchNorm(x, scale: weight, shift: bias, running: (runningMean, runningVariance), epsilon: epsilon)
        if let stats {
            let m = x.value.count / max(x.shape[1], 1)
            let unbias = m > 1 ? Float(m) / Float(m - 1) : 1
            let mean = stats.mean.scalars, variance = stats.variance.scalars, mom = momentum
            runningMean.withUnsafeMutableBufferPointer { r in
                for i in r.indices { r[i] = (1 - mom) * r[i] + mom * mean[i] }
            }
            runningVariance.withUnsafeMutableBufferPointer { r in
                for i in r.indices { r[i] = (1 - mom) * r[i] + mom * variance[i] * unbias }
            }
            numBatchesTracked += 1
        }
        return y
    }

    /// The per-channel affine map (a, b) with y = a·x + b that this layer applies in inference mode.
    public func inferenceAffine() -> (scale: [Float], shift: [Float]) {
        let g = weight.value.scalars, b = bias.value.scalars
        let m = runningMean.scalars, v = runningVariance.scalars
        var a = [Float](repeating: 0, count: g.count), s = a
        for i in g.indices {
            a[i] = Float(Double(g[i]) / (Double(v[i]) + Double(epsilon)).squareRoot())
            s[i] = Float(Double(b[i]) - Double(m[i]) * Double(a[i]))
        }
        return (a, s)
    }
}

/// A fully connected layer (torchvision's `nn.Linear` initialization: uniform ±1/√in).
public final class Linear {
    /// Weight [out, in].
    public let weight: Variable
    /// Bias [out].
    public let bias: Variable

    /// Creates a layer.
    public init(_ inFeatures: Int, _ outFeatures: Int, generator: inout SeededGenerator) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Variable(.randomUniform([outFeatures, inFeatures], low: -bound, high: bound, generator: &generator),
                          requiresGrad: true)
        bias = Variable(.randomUniform([outFeatures], low: -bound, high: bound, generator: &generator),
                        requiresGrad: true)
    }

    /// Applies the layer to `x` [N, in].
    public func callAsFunction(_ x: Variable, _ tape: Tape) -> Variable {
        tape.linear(x, weight: weight, bias: bias)
    }
}

/// A convolution followed by batch normalization; after `fold()` the normalization is merged into
/// the convolution's weight and bias (inference only).
public final class ConvBN {
    public let conv: Conv2d
    public let bn: BatchNorm2d
    /// Folded weight and bias, set by `fold()`.
    public private(set) var folded: (weight: Variable, bias: Variable)?

    init(_ conv: Conv2d, _ bn: BatchNorm2d) { self.conv = conv; self.bn = bn }

    /// Applies conv then batch norm (or the folded convolution), then adds `residual` and applies
    /// ReLU if asked. `overwritingResidual`: the residual is not used after this call (its storage
    /// may receive the folded convolution's result).
    public func callAsFunction(_ x: Variable, _ tape: Tape, relu: Bool = false, residual: Variable? = nil,
                               overwritingResidual: Bool = false) -> Variable {
        if let folded, !tape.training {
            return tape.conv2dInference(x, weight: folded.weight, bias: folded.bias, geometry: conv.geometry,
                                        residual: residual, overwritingResidual: overwritingResidual, relu: relu)
        }
        if let residual {
            let y = bn(conv(x, tape), tape)
            return relu ? tape.addReLU(y, residual) : tape.add(y, residual)
        }
        return bn(conv(x, tape), tape, relu: relu)
    }

    /// Merges the inference-mode batch norm into the convolution: w' = a·w, b' = shift.
    public func fold() {
        let (a, shift) = bn.inferenceAffine()
        var w = conv.weight.value.plain()
        let perOut = w.count / a.count
        w.withUnsafeMutableBufferPointer { p in
            for o in a.indices { for i in 0..<perOut { p[o * perOut + i] *= a[o] } }
        }
        folded = (Variable(w), Variable(Tensor(shift, shape: [shift.count])))
    }

    /// Drops the folded copy (after weights change).
    public func unfold() { folded = nil }
}
