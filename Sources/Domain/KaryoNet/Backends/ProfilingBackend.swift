import Foundation

/// Wraps a backend and accumulates wall time and call counts per operation, for finding hot spots.
public final class ProfilingBackend: Backend {
    public let base: any Backend
    /// Seconds and calls per operation name.
    public private(set) var totals: [String: (seconds: Double, calls: Int)] = [:]

    public init(_ base: any Backend) { self.base = base }
    public var name: String { "profiled \(base.name)" }

    private func time<R>(_ op: String, _ body: () -> R) -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        let r = body()
        let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let old = totals[op] ?? (0, 0)
        totals[op] = (old.seconds + t, old.calls + 1)
        return r
    }

    /// Clears the totals.
    public func reset() { totals = [:] }

    /// A table of operations by descending time.
    public func report() -> String {
        let all = totals.values.reduce(0) { $0 + $1.seconds }
        return totals.sorted { $0.value.seconds > $1.value.seconds }.map {
            String(format: "%-22@ %8.4f s %5.1f%% %6d calls", $0.key as NSString, $0.value.seconds, 100 * $0.value.seconds / max(all, 1e-12), $0.value.calls)
        }.joined(separator: "\n")
    }

    public func plain(_ x: Tensor) -> Tensor { x.isPlain ? x : time("plain") { base.plain(x) } }
    public func add(_ a: Tensor, _ b: Tensor) -> Tensor { time("add") { base.add(a, b) } }
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        time("conv") { base.conv2d(x, weight: weight, bias: bias, geometry: geometry) }
    }
    public func conv2dBackwardData(_ g: Tensor, weight: Tensor, inputShape: [Int], geometry: ConvGeometry) -> Tensor {
        time("conv backward data") { base.conv2dBackwardData(g, weight: weight, inputShape: inputShape, geometry: geometry) }
    }
    public func conv2dBackwardWeights(_ g: Tensor, input: Tensor, weight: Tensor, hasBias: Bool, geometry: ConvGeometry)
        -> (weight: Tensor, bias: Tensor?) {
        time("conv backward weights") {
            base.conv2dBackwardWeights(g, input: input, weight: weight, hasBias: hasBias, geometry: geometry)
        }
    }
    public func preparedWeight(_ weight: Tensor, inputShape: [Int], hasBias: Bool, geometry: ConvGeometry) -> Tensor? {
        time("prepare weight") { base.preparedWeight(weight, inputShape: inputShape, hasBias: hasBias, geometry: geometry) }
    }
    public func batchNormTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float) -> (Tensor, BatchStatistics) {
        time("batch norm") { base.batchNormTraining(x, scale: scale, shift: shift, epsilon: epsilon) }
    }
    public func batchNormInference(_ x: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float) -> Tensor {
        time("batch norm inference") {
            base.batchNormInference(x, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
        }
    }
    public func batchNormBackward(_ g: Tensor, input: Tensor, scale: Tensor, statistics: BatchStatistics, epsilon: Float)
        -> (input: Tensor, scale: Tensor, shift: Tensor) {
        time("batch norm backward") { base.batchNormBackward(g, input: input, scale: scale, statistics: statistics, epsilon: epsilon) }
    }
    public func relu(_ x: Tensor) -> Tensor { time("relu") { base.relu(x) } }
    public func reluBackward(_ g: Tensor, output: Tensor) -> Tensor { time("relu backward") { base.reluBackward(g, output: output) } }
    public func pool2d(_ x: Tensor, geometry: PoolGeometry) -> (Tensor, AnyObject?) { time("pool") { base.pool2d(x, geometry: geometry) } }
    public func pool2dBackward(_ g: Tensor, input: Tensor, context: AnyObject?, geometry: PoolGeometry) -> Tensor {
        time("pool backward") { base.pool2dBackward(g, input: input, context: context, geometry: geometry) }
    }
    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor { time("linear") { base.linear(x, weight: weight, bias: bias) } }
    public func linearBackward(_ g: Tensor, input: Tensor, weight: Tensor, hasBias: Bool) -> (input: Tensor, weight: Tensor, bias: Tensor?) {
        time("linear backward") { base.linearBackward(g, input: input, weight: weight, hasBias: hasBias) }
    }
    public func batchNormReLUTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
        -> (output: Tensor, statistics: BatchStatistics, context: AnyObject?) {
        time("batch norm+relu") { base.batchNormReLUTraining(x, scale: scale, shift: shift, epsilon: epsilon) }
    }
    public func batchNormReLUBackward(
        _ g: Tensor, input: Tensor, output: Tensor, scale: Tensor, statistics: BatchStatistics, epsilon: Float, context: AnyObject?
    ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
        time("batch norm+relu backward") {
            base.batchNormReLUBackward(g, input: input, output: output, scale: scale, statistics: statistics,
                                       epsilon: epsilon, context: context)
        }
    }
    public func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor { time("add+relu") { base.addReLU(a, b) } }
    public func conv2dInference(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry,
                                residual: Tensor?, overwritingResidual: Bool, relu: Bool) -> Tensor {
        time("conv inference (fused)") {
            base.conv2dInference(x, weight: weight, bias: bias, geometry: geometry, residual: residual,
                                 overwritingResidual: overwritingResidual, relu: relu)
        }
    }
}
