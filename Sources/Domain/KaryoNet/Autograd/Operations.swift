import Foundation

/// The differentiable operations. Each computes its value with the tape's backend and records a
/// backward function when any input requires a gradient.
extension Tape {
    /// 2-D convolution. `x` [N,C,H,W], `weight` [O,C,k,k], `bias` [O].
    /// - Parameter inputGradient: pass false for the first layer to skip the unneeded backward-data.
    public func conv2d(
        _ x: Variable, weight: Variable, bias: Variable? = nil, geometry: ConvGeometry, inputGradient: Bool = true
    ) -> Variable {
        let backend = self.backend
        if recording && weight.requiresGrad,
           let prepared = backend.preparedWeight(weight.value, inputShape: x.shape, hasBias: bias != nil, geometry: geometry) {
            weight.value = prepared
        }
        let y = backend.conv2d(x.value, weight: weight.value, bias: bias?.value, geometry: geometry)
        let xValue = x.value, inputShape = x.shape
        return record(y, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { [unowned self] g in
            if weight.requiresGrad || bias?.requiresGrad == true {
                let (gw, gb) = backend.conv2dBackwardWeights(
                    g, input: xValue, weight: weight.value, hasBias: bias != nil, geometry: geometry)
                accumulate(weight, gw)
                if let bias, let gb { accumulate(bias, gb) }
            }
            if x.requiresGrad && inputGradient {
                accumulate(x, backend.conv2dBackwardData(g, weight: weight.value, inputShape: inputShape, geometry: geometry))
            }
        }
    }

    /// A convolution with its epilogue fused (`+ residual`, ReLU) for inference. When recording, it
    /// is computed from the differentiable operations instead. `overwritingResidual`: the residual
    /// variable is dead after this call, and its storage may receive the result.
    public func conv2dInference(
        _ x: Variable, weight: Variable, bias: Variable?, geometry: ConvGeometry, residual: Variable?,
        overwritingResidual: Bool = false, relu: Bool
    ) -> Variable {
        let needsGradient = recording && ([x, weight, residual].contains { $0?.requiresGrad == true } || bias?.requiresGrad == true)
        if needsGradient {
            var y = conv2d(x, weight: weight, bias: bias, geometry: geometry)
            if let residual { y = relu ? addReLU(y, residual) : add(y, residual) } else if relu { y = self.relu(y) }
            return y
        }
        return Variable(backend.conv2dInference(x.value, weight: weight.value, bias: bias?.value, geometry: geometry,
                                                residual: residual?.value, overwritingResidual: overwritingResidual,
                                                relu: relu))
    }

    /// Batch normalization over N, H, W. In training mode it normalizes with the batch statistics
    /// and returns them (the caller updates running statistics); otherwise it uses `running`.
    public func batchNorm(
        _ x: Variable, scale: Variable, shift: Variable, running: (mean: Tensor, variance: Tensor),
        epsilon: Float
    ) -> (Variable, BatchStatistics?) {
        let backend = self.backend
        if !training {
            let y = backend.batchNormInference(x.value, scale: scale.value, shift: shift.value,
                                               mean: running.mean, variance: running.variance, epsilon: epsilon)
            // Inference-mode backward (used only for gradient checks): a per-channel affine map.
            let xValue = x.value
            let out = record(y, inputs: [x, scale, shift]) { [unowned self] g in
                self.batchNormInferenceBackward(g, x: x, xValue: xValue, scale: scale, shift: shift,
                                                running: running, epsilon: epsilon)
            }
            return (out, nil)
        }
        let (y, stats) = backend.batchNormTraining(x.value, scale: scale.value, shift: shift.value, epsilon: epsilon)
        let xValue = x.value
        let out = record(y, inputs: [x, scale, shift]) { [unowned self] g in
            let (gx, gs, gb) = backend.batchNormBackward(g, input: xValue, scale: scale.value,
                                                         statistics: stats, epsilon: epsilon)
            accumulate(x, gx); accumulate(scale, gs); accumulate(shift, gb)
        }
        return (out, stats)
    }

    /// `relu(batchNorm(x))` in one fused operation (training mode); in inference mode the two
    /// are applied in turn. The caller updates running statistics from the returned statistics.
    public func batchNormReLU(
        _ x: Variable, scale: Variable, shift: Variable, running: (mean: Tensor, variance: Tensor),
        epsilon: Float
    ) -> (Variable, BatchStatistics?) {
        guard training else {
            let (y, _) = batchNorm(x, scale: scale, shift: shift, running: running, epsilon: epsilon)
            return (relu(y), nil)
        }
        let backend = self.backend
        let (y, stats, context) = backend.batchNormReLUTraining(x.value, scale: scale.value, shift: shift.value,
                                                                epsilon: epsilon)
        let xValue = x.value
        let out = record(y, inputs: [x, scale, shift]) { [unowned self] g in
            let (gx, gs, gb) = backend.batchNormReLUBackward(g, input: xValue, output: y, scale: scale.value,
                                                             statistics: stats, epsilon: epsilon, context: context)
            accumulate(x, gx); accumulate(scale, gs); accumulate(shift, gb)
        }
        return (out, stats)
    }

    /// `relu(a + b)`, the end of a residual block, in one fused forward pass.
    public func addReLU(_ a: Variable, _ b: Variable) -> Variable {
        precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
        let backend = self.backend
        let y = backend.addReLU(a.value, b.value)
        return record(y, inputs: [a, b]) { [unowned self] g in
            let gx = backend.reluBackward(g, output: y)
            accumulate(a, gx); accumulate(b, gx)
        }
    }

    private func batchNormInferenceBackward(
        _ g: Tensor, x: Variable, xValue: Tensor, scale: Variable, shift: Variable,
        running: (mean: Tensor, variance: Tensor), epsilon: Float
    ) {
        let gp = backend.plain(g), xp = backend.plain(xValue)
        let (n, c) = (xp.shape[0], xp.shape[1]), hw = xp.count / (n * c)
        let s = scale.value.scalars, m = running.mean.scalars, v = running.variance.scalars
        var gx = [Float](repeating: 0, count: xp.count), gs = [Float](repeating: 0, count: c)
        var gb = [Float](repeating: 0, count: c)
        let pg = gp.storage.pointer, px = xp.storage.pointer
        for ci in 0..<c {
            let inv = 1 / (v[ci] + epsilon).squareRoot()
            var sg = 0.0, sgx = 0.0
            for ni in 0..<n {
                let b = (ni * c + ci) * hw
                for i in 0..<hw {
                    gx[b + i] = pg[b + i] * s[ci] * inv
                    sg += Double(pg[b + i]); sgx += Double(pg[b + i]) * Double((px[b + i] - m[ci]) * inv)
                }
            }
            gs[ci] = Float(sgx); gb[ci] = Float(sg)
        }
        accumulate(x, Tensor(gx, shape: xp.shape)); accumulate(scale, Tensor(gs, shape: [c]))
        accumulate(shift, Tensor(gb, shape: [c]))
    }

    /// max(x, 0).
    public func relu(_ x: Variable) -> Variable {
        let backend = self.backend
        let y = backend.relu(x.value)
        return record(y, inputs: [x]) { [unowned self] g in accumulate(x, backend.reluBackward(g, output: y)) }
    }

    /// Element-wise sum (the residual connection).
    public func add(_ a: Variable, _ b: Variable) -> Variable {
        precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
        let y = backend.add(a.value, b.value)
        return record(y, inputs: [a, b]) { [unowned self] g in accumulate(a, g); accumulate(b, g) }
    }

    /// Max or average pooling.
    public func pool2d(_ x: Variable, geometry: PoolGeometry) -> Variable {
        let backend = self.backend
        let (y, context) = backend.pool2d(x.value, geometry: geometry)
        let xValue = x.value
        return record(y, inputs: [x]) { [unowned self] g in
            accumulate(x, backend.pool2dBackward(g, input: xValue, context: context, geometry: geometry))
        }
    }

    /// Global average pooling: [N,C,H,W] → plain [N,C].
    public func globalAveragePool(_ x: Variable) -> Variable {
        let backend = self.backend
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        if h == w {
            let geometry = PoolGeometry(.average(countIncludePad: false), kernel: h, stride: h)
            let (y, context) = backend.pool2d(x.value, geometry: geometry)
            let flat = backend.plain(y).reshaped([n, c])
            let xValue = x.value
            return record(flat, inputs: [x]) { [unowned self] g in
                accumulate(x, backend.pool2dBackward(g.reshaped([n, c, 1, 1]), input: xValue,
                                                     context: context, geometry: geometry))
            }
        }
        let xp = backend.plain(x.value)
        var out = [Float](repeating: 0, count: n * c)
        let hw = h * w
        xp.withUnsafeBufferPointer { p in
            for i in 0..<(n * c) {
                var s = 0.0
                for j in 0..<hw { s += Double(p[i * hw + j]) }
                out[i] = Float(s / Double(hw))
            }
        }
        return record(Tensor(out, shape: [n, c]), inputs: [x]) { [unowned self] g in
            var gx = [Float](repeating: 0, count: n * c * hw)
            let gs = g.scalars
            for i in 0..<(n * c) { for j in 0..<hw { gx[i * hw + j] = gs[i] / Float(hw) } }
            accumulate(x, Tensor(gx, shape: x.shape))
        }
    }

    /// Fully connected layer: `x` [N,F] times `weight`ᵀ ([O,F]) plus `bias` [O].
    public func linear(_ x: Variable, weight: Variable, bias: Variable?) -> Variable {
        let backend = self.backend
        let xValue = backend.plain(x.value)
        let y = backend.linear(xValue, weight: weight.value, bias: bias?.value)
        return record(y, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { [unowned self] g in
            let (gx, gw, gb) = backend.linearBackward(g, input: xValue, weight: weight.value, hasBias: bias != nil)
            accumulate(x, gx); accumulate(weight, gw)
            if let bias, let gb { accumulate(bias, gb) }
        }
    }

    /// Inverted dropout: in training (or with `dropoutAlwaysOn`) zeroes each element with
    /// probability `p` and scales the rest by 1/(1-p); otherwise the identity.
    public func dropout(_ x: Variable, p: Float) -> Variable {
        guard p > 0, training || dropoutAlwaysOn else { return x }
        let xp = backend.plain(x.value)
        let keep = 1 - p
        var mask = [Float](repeating: 0, count: xp.count)
        for i in mask.indices { mask[i] = generator.nextUniform() < keep ? 1 / keep : 0 }
        let xs = xp.scalars
        var y = [Float](repeating: 0, count: xs.count)
        for i in y.indices { y[i] = xs[i] * mask[i] }
        return record(Tensor(y, shape: xp.shape), inputs: [x]) { [unowned self] g in
            let gs = backend.plain(g).scalars
            var gx = [Float](repeating: 0, count: gs.count)
            for i in gx.indices { gx[i] = gs[i] * mask[i] }
            accumulate(x, Tensor(gx, shape: xp.shape))
        }
    }

    /// Mean softmax cross-entropy over the batch with optional class weights and label smoothing,
    /// with PyTorch's `nn.CrossEntropyLoss` semantics (weighted mean normalized by the summed
    /// weights of the targets).
    public func softmaxCrossEntropy(
        _ logits: Variable, labels: [Int], classWeights: [Float]? = nil, labelSmoothing: Float = 0
    ) -> Variable {
        let z = backend.plain(logits.value)
        let (n, c) = (z.shape[0], z.shape[1])
        precondition(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows")
        let w = classWeights ?? [Float](repeating: 1, count: c)
        precondition(w.count == c, "softmaxCrossEntropy: \(w.count) class weights for \(c) classes")
        let zs = z.scalars
        var grad = [Double](repeating: 0, count: n * c)
        var total = 0.0, weightSum = 0.0
        let eps = Double(labelSmoothing)
        for i in 0..<n {
            let y = labels[i]
            precondition(y >= 0 && y < c, "label \(y) out of range 0..<\(c)")
            let row = (0..<c).map { Double(zs[i * c + $0]) }
            let mx = row.max()!
            let lse = mx + log(row.reduce(0) { $0 + exp($1 - mx) })
            var rowTotalWeight = 0.0
            for j in 0..<c {
                let a = (j == y ? (1 - eps) * Double(w[y]) : 0) + eps / Double(c) * Double(w[j])
                total -= a * (row[j] - lse)
                rowTotalWeight += a
                grad[i * c + j] = -a
            }
            for j in 0..<c { grad[i * c + j] += rowTotalWeight * exp(row[j] - lse) }
            weightSum += Double(w[y])
        }
        let loss = Float(total / weightSum)
        let scaledGrad = grad.map { Float($0 / weightSum) }
        return record(Tensor([loss], shape: [1]), inputs: [logits]) { [unowned self] g in
            let s = g.scalars[0]
            accumulate(logits, Tensor(scaledGrad.map { $0 * s }, shape: [n, c]))
        }
    }
}
