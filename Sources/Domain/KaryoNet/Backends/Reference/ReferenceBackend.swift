/// The plain-Swift backend: direct loops over plain NCHW tensors with Float64 accumulation.
/// Small and obviously correct; used by tests as the ground truth for other backends.
public final class ReferenceBackend: Backend {
    public init() {}
    public var name: String { "reference" }

    public func plain(_ x: Tensor) -> Tensor {
        precondition(x.isPlain, "the reference backend cannot read an opaque layout")
        return x
    }

    private func check(_ x: Tensor) { precondition(x.isPlain, "the reference backend needs plain tensors") }

    public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        check(a); check(b)
        precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
        let out = TensorStorage(count: a.count)
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.pointer
        for i in 0..<a.count { po[i] = pa[i] + pb[i] }
        return Tensor(shape: a.shape, storage: out)
    }

    /// Output positions `o` (along one axis) whose input position `o·stride − padding + tap` lies
    /// inside `0..<size`.
    private func validOutputs(tap: Int, size: Int, outputSize: Int, _ g: ConvGeometry) -> Range<Int> {
        var lo = 0
        while lo < outputSize && lo * g.stride - g.padding + tap < 0 { lo += 1 }
        var hi = outputSize
        while hi > lo && (hi - 1) * g.stride - g.padding + tap >= size { hi -= 1 }
        return lo..<hi
    }

    // The convolutions loop over kernel taps outside and output pixels inside, so each tap's
    // valid output range is computed once and the innermost loop is one multiply-add per pixel.

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry) -> Tensor {
        check(x); check(weight)
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k) = (weight.shape[0], g.kernel)
        precondition(weight.shape == [o, c, k, k], "conv2d: weight \(weight.shape) does not fit input \(x.shape)")
        let (oh, ow, s) = (g.outputSize(h), g.outputSize(w), g.stride)
        let out = TensorStorage(count: n * o * oh * ow)
        let px = x.storage.pointer, pw = weight.storage.pointer, py = out.pointer
        let pb = bias?.storage.pointer
        let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(oh * ow, 1))
        let rowRanges = (0..<k).map { validOutputs(tap: $0, size: h, outputSize: oh, g) }
        let colRanges = (0..<k).map { validOutputs(tap: $0, size: w, outputSize: ow, g) }
        defer { acc.deallocate() }
        for ni in 0..<n {
            for oi in 0..<o {
                acc.initialize(repeating: Double(pb?[oi] ?? 0), count: oh * ow)
                for ci in 0..<c {
                    let xPlane = px + (ni * c + ci) * h * w
                    for ky in 0..<k {
                        let rows = rowRanges[ky]
                        for kx in 0..<k {
                            let cols = colRanges[kx]
                            let wv = Double(pw[((oi * c + ci) * k + ky) * k + kx])
                            for yi in rows {
                                let xRow = (yi * s - g.padding + ky) * w - g.padding + kx, aRow = yi * ow
                                for xi in cols { acc[aRow + xi] += wv * Double(xPlane[xRow + xi * s]) }
                            }
                        }
                    }
                }
                let yPlane = py + (ni * o + oi) * oh * ow
                for i in 0..<(oh * ow) { yPlane[i] = Float(acc[i]) }
            }
        }
        return Tensor(shape: [n, o, oh, ow], storage: out)
    }

    public func conv2dBackwardData(
        _ gy: Tensor, weight: Tensor, inputShape: [Int], geometry g: ConvGeometry
    ) -> Tensor {
        check(gy); check(weight)
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (o, k, oh, ow, s) = (weight.shape[0], g.kernel, gy.shape[2], gy.shape[3], g.stride)
        let out = TensorStorage(count: n * c * h * w)
        let pg = gy.storage.pointer, pw = weight.storage.pointer, px = out.pointer
        let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(h * w, 1))
        let rowRanges = (0..<k).map { validOutputs(tap: $0, size: h, outputSize: oh, g) }
        let colRanges = (0..<k).map { validOutputs(tap: $0, size: w, outputSize: ow, g) }
        defer { acc.deallocate() }
        for ni in 0..<n {
            for ci in 0..<c {
                acc.initialize(repeating: 0, count: h * w)
                for oi in 0..<o {
                    let gPlane = pg + (ni * o + oi) * oh * ow
                    for ky in 0..<k {
                        let rows = rowRanges[ky]
                        for kx in 0..<k {
                            let cols = colRanges[kx]
                            let wv = Double(pw[((oi * c + ci) * k + ky) * k + kx])
                            for yi in rows {
                                let aRow = (yi * s - g.padding + ky) * w - g.padding + kx, gRow = yi * ow
                                for xi in cols { acc[aRow + xi * s] += wv * Double(gPlane[gRow + xi]) }
                            }
                        }
                    }
                }
                let xPlane = px + (ni * c + ci) * h * w
                for i in 0..<(h * w) { xPlane[i] = Float(acc[i]) }
            }
        }
        return Tensor(shape: inputShape, storage: out)
    }

    public func conv2dBackwardWeights(
        _ gy: Tensor, input x: Tensor, weight: Tensor, hasBias: Bool, geometry g: ConvGeometry
    ) -> (weight: Tensor, bias: Tensor?) {
        check(gy); check(x); check(weight)
        let weightShape = weight.shape
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k, oh, ow, s) = (weightShape[0], g.kernel, gy.shape[2], gy.shape[3], g.stride)
        var gw = [Float](repeating: 0, count: o * c * k * k)
        var gb = [Float](repeating: 0, count: o)
        let rowRanges = (0..<k).map { validOutputs(tap: $0, size: h, outputSize: oh, g) }
        let colRanges = (0..<k).map { validOutputs(tap: $0, size: w, outputSize: ow, g) }
        let pg = gy.storage.pointer, px = x.storage.pointer
        for oi in 0..<o {
            var b = 0.0
            for ni in 0..<n {
                let gPlane = pg + (ni * o + oi) * oh * ow
                for i in 0..<(oh * ow) { b += Double(gPlane[i]) }
            }
            gb[oi] = Float(b)
            for ci in 0..<c {
                for ky in 0..<k {
                    let rows = rowRanges[ky]
                    for kx in 0..<k {
                        let cols = colRanges[kx]
                        var acc = 0.0
                        for ni in 0..<n {
                            let gPlane = pg + (ni * o + oi) * oh * ow
                            let xPlane = px + (ni * c + ci) * h * w
                            for yi in rows {
                                let xRow = (yi * s - g.padding + ky) * w - g.padding + kx, gRow = yi * ow
                                for xi in cols { acc += Double(gPlane[gRow + xi]) * Double(xPlane[xRow + xi * s]) }
                            }
                        }
                        gw[((oi * c + ci) * k + ky) * k + kx] = Float(acc)
                    }
                }
            }
        }
        return (Tensor(gw, shape: weightShape), hasBias ? Tensor(gb, shape: [o]) : nil)
    }

    /// Per-channel mean and biased variance in Float64.
    private func channelStatistics(_ x: Tensor) -> (mean: [Double], variance: [Double]) {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(n * c, 1)
        let m = Double(n * hw)
        let px = x.storage.pointer
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        for ci in 0..<c {
            var s = 0.0
            for ni in 0..<n { let b = (ni * c + ci) * hw; for i in 0..<hw { s += Double(px[b + i]) } }
            let mu = s / m
            var v = 0.0
            for ni in 0..<n {
                let b = (ni * c + ci) * hw
                for i in 0..<hw { let d = Double(px[b + i]) - mu; v += d * d }
            }
            mean[ci] = mu; variance[ci] = v / m
        }
        return (mean, variance)
    }

    private func normalize(
        _ x: Tensor, scale: Tensor, shift: Tensor, mean: [Double], variance: [Double], epsilon: Float
    ) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(n * c, 1)
        let out = TensorStorage(count: x.count)
        let px = x.storage.pointer, py = out.pointer, ps = scale.storage.pointer, pt = shift.storage.pointer
        for ci in 0..<c {
            let inv = 1 / (variance[ci] + Double(epsilon)).squareRoot()
            let a = Double(ps[ci]) * inv, b = Double(pt[ci]) - mean[ci] * a
            for ni in 0..<n {
                let base = (ni * c + ci) * hw
                for i in 0..<hw { py[base + i] = Float(Double(px[base + i]) * a + b) }
            }
        }
        return Tensor(shape: x.shape, storage: out)
    }

    public func batchNormTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float) -> (Tensor, BatchStatistics) {
        check(x)
        let (mean, variance) = channelStatistics(x)
        let y = normalize(x, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
        let c = x.shape[1]
        return (y, BatchStatistics(mean: Tensor(mean.map(Float.init), shape: [c]),
                                   variance: Tensor(variance.map(Float.init), shape: [c])))
    }

    public func batchNormInference(
        _ x: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
    ) -> Tensor {
        check(x)
        return normalize(x, scale: scale, shift: shift, mean: mean.scalars.map(Double.init),
                         variance: variance.scalars.map(Double.init), epsilon: epsilon)
    }

    public func batchNormBackward(
        _ gy: Tensor, input x: Tensor, scale: Tensor, statistics: BatchStatistics, epsilon: Float
    ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
        check(gy); check(x)
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(n * c, 1)
        let m = Double(n * hw)
        let px = x.storage.pointer, pg = gy.storage.pointer, ps = scale.storage.pointer
        let pm = statistics.mean.storage.pointer, pv = statistics.variance.storage.pointer
        let out = TensorStorage(count: x.count)
        var gScale = [Float](repeating: 0, count: c), gShift = [Float](repeating: 0, count: c)
        for ci in 0..<c {
            let mu = Double(pm[ci]), inv = 1 / (Double(pv[ci]) + Double(epsilon)).squareRoot()
            var sumG = 0.0, sumGX = 0.0
            for ni in 0..<n {
                let b = (ni * c + ci) * hw
                for i in 0..<hw {
                    let gv = Double(pg[b + i])
                    sumG += gv; sumGX += gv * (Double(px[b + i]) - mu) * inv
                }
            }
            gShift[ci] = Float(sumG); gScale[ci] = Float(sumGX)
            let k = Double(ps[ci]) * inv / m
            for ni in 0..<n {
                let b = (ni * c + ci) * hw
                for i in 0..<hw {
                    let xhat = (Double(px[b + i]) - mu) * inv
                    out.pointer[b + i] = Float(k * (m * Double(pg[b + i]) - sumG - xhat * sumGX))
                }
            }
        }
        return (Tensor(shape: x.shape, storage: out), Tensor(gScale, shape: [c]), Tensor(gShift, shape: [c]))
    }

    public func relu(_ x: Tensor) -> Tensor {
        check(x)
        let out = TensorStorage(count: x.count)
        let px = x.storage.pointer
        for i in 0..<x.count { out.pointer[i] = max(px[i], 0) }
        return Tensor(shape: x.shape, storage: out)
    }

    public func reluBackward(_ gy: Tensor, output y: Tensor) -> Tensor {
        check(gy); check(y)
        let out = TensorStorage(count: y.count)
        let pg = gy.storage.pointer, py = y.storage.pointer
        for i in 0..<y.count { out.pointer[i] = py[i] > 0 ? pg[i] : 0 }
        return Tensor(shape: y.shape, storage: out)
    }

    /// Visits every output element's window; `body(outIndex, inPlaneBase, iy0, ix0, count)`.
    private func forEachWindow(
        _ shape: [Int], _ g: PoolGeometry,
        _ body: (_ outIndex: Int, _ planeBase: Int, _ iy0: Int, _ ix0: Int) -> Void
    ) {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (g.outputSize(h), g.outputSize(w))
        for p in 0..<(n * c) {
            for yi in 0..<oh {
                for xi in 0..<ow {
                    body((p * oh + yi) * ow + xi, p * h * w, yi * g.stride - g.padding, xi * g.stride - g.padding)
                }
            }
        }
    }

    private func divisor(_ g: PoolGeometry, h: Int, w: Int, iy0: Int, ix0: Int) -> Double {
        if case .average(countIncludePad: true) = g.kind {
            // PyTorch counts padded positions but not positions beyond the padded border.
            let y1 = min(iy0 + g.kernel, h + g.padding), x1 = min(ix0 + g.kernel, w + g.padding)
            return Double((y1 - iy0) * (x1 - ix0))
        }
        let ys = max(iy0, 0), ye = min(iy0 + g.kernel, h), xs = max(ix0, 0), xe = min(ix0 + g.kernel, w)
        return Double(max((ye - ys) * (xe - xs), 1))
    }

    public func pool2d(_ x: Tensor, geometry g: PoolGeometry) -> (Tensor, AnyObject?) {
        check(x)
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outShape = [n, c, g.outputSize(h), g.outputSize(w)]
        let out = TensorStorage(count: outShape.reduce(1, *))
        let px = x.storage.pointer
        forEachWindow(x.shape, g) { oi, base, iy0, ix0 in
            var best = -Float.infinity, sum = 0.0
            for iy in max(iy0, 0)..<min(iy0 + g.kernel, h) {
                for ix in max(ix0, 0)..<min(ix0 + g.kernel, w) {
                    let v = px[base + iy * w + ix]
                    best = max(best, v); sum += Double(v)
                }
            }
            if case .max = g.kind { out.pointer[oi] = best } else {
                out.pointer[oi] = Float(sum / divisor(g, h: h, w: w, iy0: iy0, ix0: ix0))
            }
        }
        return (Tensor(shape: outShape, storage: out), nil)
    }

    public func pool2dBackward(
        _ gy: Tensor, input x: Tensor, context: AnyObject?, geometry g: PoolGeometry
    ) -> Tensor {
        check(gy); check(x)
        let (h, w) = (x.shape[2], x.shape[3])
        var gx = [Double](repeating: 0, count: x.count)
        let px = x.storage.pointer, pg = gy.storage.pointer
        gx.withUnsafeMutableBufferPointer { pgx in
            forEachWindow(x.shape, g) { oi, base, iy0, ix0 in
                let gv = Double(pg[oi])
                if case .max = g.kind {
                    var best = -Float.infinity, at = -1
                    for iy in max(iy0, 0)..<min(iy0 + g.kernel, h) {
                        for ix in max(ix0, 0)..<min(ix0 + g.kernel, w) where px[base + iy * w + ix] > best {
                            best = px[base + iy * w + ix]; at = base + iy * w + ix
                        }
                    }
                    if at >= 0 { pgx[at] += gv }
                } else {
                    let d = gv / divisor(g, h: h, w: w, iy0: iy0, ix0: ix0)
                    for iy in max(iy0, 0)..<min(iy0 + g.kernel, h) {
                        for ix in max(ix0, 0)..<min(ix0 + g.kernel, w) { pgx[base + iy * w + ix] += d }
                    }
                }
            }
        }
        return Tensor(gx.map(Float.init), shape: x.shape)
    }

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        check(x); check(weight)
        let (n, f, o) = (x.shape[0], x.shape[1], weight.shape[0])
        precondition(weight.shape == [o, f], "linear: weight \(weight.shape) does not fit input \(x.shape)")
        let out = TensorStorage(count: n * o)
        let px = x.storage.pointer, pw = weight.storage.pointer, pb = bias?.storage.pointer
        for ni in 0..<n {
            for oi in 0..<o {
                var acc = Double(pb?[oi] ?? 0)
                for fi in 0..<f { acc += Double(px[ni * f + fi]) * Double(pw[oi * f + fi]) }
                out.pointer[ni * o + oi] = Float(acc)
            }
        }
        return Tensor(shape: [n, o], storage: out)
    }

    public func linearBackward(_ gy: Tensor, input x: Tensor, weight: Tensor, hasBias: Bool)
        -> (input: Tensor, weight: Tensor, bias: Tensor?) {
        let (n, f, o) = (x.shape[0], x.shape[1], weight.shape[0])
        let px = x.storage.pointer, pw = weight.storage.pointer, pg = gy.storage.pointer
        var gx = [Float](repeating: 0, count: n * f), gw = [Float](repeating: 0, count: o * f)
        var gb = [Float](repeating: 0, count: o)
        for ni in 0..<n {
            for fi in 0..<f {
                var acc = 0.0
                for oi in 0..<o { acc += Double(pg[ni * o + oi]) * Double(pw[oi * f + fi]) }
                gx[ni * f + fi] = Float(acc)
            }
        }
        for oi in 0..<o {
            var sb = 0.0
            for ni in 0..<n { sb += Double(pg[ni * o + oi]) }
            gb[oi] = Float(sb)
            for fi in 0..<f {
                var acc = 0.0
                for ni in 0..<n { acc += Double(pg[ni * o + oi]) * Double(px[ni * f + fi]) }
                gw[oi * f + fi] = Float(acc)
            }
        }
        return (Tensor(gx, shape: [n, f]), Tensor(gw, shape: [o, f]), hasBias ? Tensor(gb, shape: [o]) : nil)
    }
}
