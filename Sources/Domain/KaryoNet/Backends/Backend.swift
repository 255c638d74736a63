/// Geometry of a 2-D convolution (square kernels, symmetric padding, no dilation, no groups).
public struct ConvGeometry: Hashable, Sendable {
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    /// Output spatial size for an input of size `n`.
    public func outputSize(_ n: Int) -> Int { (n + 2 * padding - kernel) / stride + 1 }
}

/// Pooling kind.
public enum PoolKind: Hashable, Sendable {
    case max
    /// Average pooling; padded elements are excluded from the divisor when `countIncludePad` is false.
    case average(countIncludePad: Bool)
}

/// Geometry of a 2-D pooling window.
public struct PoolGeometry: Hashable, Sendable {
    public var kind: PoolKind
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public init(_ kind: PoolKind, kernel: Int, stride: Int, padding: Int = 0) {
        self.kind = kind; self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    /// Output spatial size for an input of size `n` (floor mode, as PyTorch's default).
    public func outputSize(_ n: Int) -> Int { (n + 2 * padding - kernel) / stride + 1 }
}

/// Statistics a training-mode batch normalization computed.
public struct BatchStatistics: Sendable {
    /// Per-channel mean, shape [C].
    public var mean: Tensor
    /// Per-channel biased variance, shape [C].
    public var variance: Tensor
}

/// The compute primitives a ResNet needs, forward and backward. Autograd (`Tape`) is written
/// once on top of this interface; `ReferenceBackend` implements it in plain Swift and
/// `OneDNNBackend` with oneDNN primitives in blocked layouts.
///
/// Image tensors are NCHW; a backend may return them in an opaque layout of its own, which only
/// that backend reads. Vectors (`[C]`), matrices (`[N, F]`) and parameters are always plain.
public protocol Backend: AnyObject {
    /// A short name for messages.
    var name: String { get }
    /// Converts a tensor to plain row-major layout (a no-op for plain tensors).
    func plain(_ x: Tensor) -> Tensor
    /// Element-wise `a + b` (same logical shape).
    func add(_ a: Tensor, _ b: Tensor) -> Tensor
    /// Convolution of `x` [N,C,H,W] with `weight` [O,C,k,k] (+ `bias` [O]).
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor
    /// Gradient of the convolution with respect to its input.
    func conv2dBackwardData(_ gradOutput: Tensor, weight: Tensor, inputShape: [Int], geometry: ConvGeometry) -> Tensor
    /// Gradients of the convolution with respect to weight ([O,C,k,k], in the layout of `weight`)
    /// and bias (plain [O]).
    func conv2dBackwardWeights(
        _ gradOutput: Tensor, input: Tensor, weight: Tensor, hasBias: Bool, geometry: ConvGeometry
    ) -> (weight: Tensor, bias: Tensor?)
    /// The weight in the layout this backend's training convolution wants, or nil if it already
    /// is in it (or the backend has no preference). Autograd stores the result in the parameter, so
    /// weights stay in that layout between steps and are not converted on every use.
    func preparedWeight(_ weight: Tensor, inputShape: [Int], hasBias: Bool, geometry: ConvGeometry) -> Tensor?
    /// Training-mode batch normalization: normalizes with the batch statistics it returns.
    func batchNormTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float) -> (Tensor, BatchStatistics)
    /// Inference-mode batch normalization with given statistics.
    func batchNormInference(
        _ x: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
    ) -> Tensor
    /// Gradients of training-mode batch normalization (input, scale, shift).
    func batchNormBackward(
        _ gradOutput: Tensor, input: Tensor, scale: Tensor, statistics: BatchStatistics, epsilon: Float
    ) -> (input: Tensor, scale: Tensor, shift: Tensor)
    /// max(x, 0).
    func relu(_ x: Tensor) -> Tensor
    /// Gradient of ReLU given its output.
    func reluBackward(_ gradOutput: Tensor, output: Tensor) -> Tensor
    /// Max or average pooling. The returned context (if any) is passed back to `pool2dBackward`.
    func pool2d(_ x: Tensor, geometry: PoolGeometry) -> (Tensor, AnyObject?)
    /// Gradient of pooling with respect to its input.
    func pool2dBackward(
        _ gradOutput: Tensor, input: Tensor, context: AnyObject?, geometry: PoolGeometry
    ) -> Tensor
    /// `x` [N,F] times `weight`ᵀ ([O,F]) plus `bias` [O]; plain in and out.
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor
    /// Gradients of `linear` (input, weight, bias).
    func linearBackward(_ gradOutput: Tensor, input: Tensor, weight: Tensor, hasBias: Bool)
        -> (input: Tensor, weight: Tensor, bias: Tensor?)

    /// `relu(batchNormTraining(x))`; the context goes to `batchNormReLUBackward`.
    /// (Defaulted: see the extension.)
    func batchNormReLUTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
        -> (output: Tensor, statistics: BatchStatistics, context: AnyObject?)
    /// Gradients of `batchNormReLUTraining` given its output.
    func batchNormReLUBackward(
        _ gradOutput: Tensor, input: Tensor, output: Tensor, scale: Tensor, statistics: BatchStatistics,
        epsilon: Float, context: AnyObject?
    ) -> (input: Tensor, scale: Tensor, shift: Tensor)
    /// `relu(a + b)`.
    func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor
    /// Inference convolution with fused epilogue: `conv(x) + bias (+ residual)`, then ReLU if `relu`.
    /// Backends may cache `weight` in their preferred layout while its storage is unchanged. With
    /// `overwritingResidual` the caller gives up the residual: a backend may write the result into
    /// its storage instead of copying it (the residual tensor must not be read afterwards).
    func conv2dInference(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry,
                         residual: Tensor?, overwritingResidual: Bool, relu: Bool) -> Tensor
}

/// Fused operations. The defaults compose the primitives above; a backend overrides them when it
/// can do the work in one pass over memory.
extension Backend {
    /// `relu(batchNormTraining(x))`; the context goes to `batchNormReLUBackward`.
    public func batchNormReLUTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
        -> (output: Tensor, statistics: BatchStatistics, context: AnyObject?) {
        let (y, stats) = batchNormTraining(x, scale: scale, shift: shift, epsilon: epsilon)
        return (relu(y), stats, nil)
    }

    /// Gradients of `batchNormReLUTraining` given its output.
    public func batchNormReLUBackward(
        _ gradOutput: Tensor, input: Tensor, output: Tensor, scale: Tensor, statistics: BatchStatistics,
        epsilon: Float, context: AnyObject?
    ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
        batchNormBackward(reluBackward(gradOutput, output: output), input: input, scale: scale,
                          statistics: statistics, epsilon: epsilon)
    }

    /// `relu(a + b)`.
    public func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor { relu(add(a, b)) }

    public func preparedWeight(_ weight: Tensor, inputShape: [Int], hasBias: Bool, geometry: ConvGeometry) -> Tensor? { nil }

    public func conv2dInference(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry,
                                residual: Tensor?, overwritingResidual: Bool, relu: Bool) -> Tensor {
        var y = conv2d(x, weight: weight, bias: bias, geometry: geometry)
        if let residual { y = relu ? addReLU(y, residual) : add(y, residual) } else if relu { y = self.relu(y) }
        return y
    }
}
