import CDNNL
import CKaryoNetKernels
import Foundation

/// The number format of inference convolutions.
public enum InferencePrecision: String, Sendable, CaseIterable {
    /// 32-bit floats: agrees with the reference backend and PyTorch within 1e-4.
    case f32
    /// bfloat16 activations and weights, float32 accumulation (AVX-512 BF16 CPUs run it about
    /// twice as fast as float32).
    case bf16
}

/// The fast backend: oneDNN 2.x primitives on the CPU. Convolutions choose blocked layouts
/// (`format_tag any`); batch norm, ReLU, add and pooling keep activations in those layouts, so
/// reorders happen only at the edges (input images, weights, the pooled features). The linear
/// layer uses `dnnl_sgemm`. Primitives are created once per shape and reused. oneDNN threads with
/// OpenMP (the one threading runtime in the process); `threads` is applied to the calling thread
/// before every primitive is created or run, since OpenMP's thread count is per calling thread.
///
/// A backend instance is not thread-safe: use it from one task at a time.
public final class OneDNNBackend: Backend {
    public var name: String { "oneDNN" }
    private let context = DNNLContext()
    private var engine: dnnl_engine_t { context.engine }
    private let stream: dnnl_stream_t
    private var layouts: [[Int]: [DNNLLayout]] = [:]
    private var plainLayouts: [[Int]: DNNLLayout] = [:]
    private var primitives: [PrimitiveKey: DNNLPrimitive] = [:]
    /// Inference weights already reordered, per source storage and target layout.
    private var weightCache: [WeightKey: CachedWeight] = [:]

    final class CachedWeight {
        /// Weak, so the cache never keeps dropped weights alive; a dead entry never matches.
        weak var source: TensorStorage?
        let generation: Int
        let reordered: Tensor
        init(source: TensorStorage, generation: Int, reordered: Tensor) {
            self.source = source; self.generation = generation; self.reordered = reordered
        }
    }

    struct WeightKey: Hashable {
        var storage: ObjectIdentifier
        var layout: ObjectIdentifier
    }
    private let threads: Int32?
    private let winograd: Bool
    /// The number format of the fused inference convolutions (`conv2dInference`).
    public let inferencePrecision: InferencePrecision
    /// Convolutions of `conv2dInference` that run in bfloat16 and in float32 (the latter where
    /// oneDNN has no fast bfloat16 kernel for the shape or the CPU); a profiling aid.
    public private(set) var inferenceConvolutionCounts: (bf16: Int, f32: Int) = (0, 0)
    /// The algorithm each convolution's forward primitive uses (backward primitives follow it).
    private var convAlgorithms: [PrimitiveKey: dnnl_alg_kind_t] = [:]

    struct PrimitiveKey: Hashable {
        var kind: String
        var dims: [Int]
        var layouts: [ObjectIdentifier] = []
    }

    /// Creates the backend.
    /// - Parameter threads: OpenMP threads for oneDNN (process-wide); nil leaves the runtime's default.
    ///   - winograd: use Winograd convolution for 3×3 stride-1 layers where oneDNN implements it
    ///     (fewer multiplications; agrees with the reference within the tests' 1e-4); other layers
    ///     and other CPUs use direct convolution.
    ///   - inferencePrecision: `.bf16` runs the fused inference convolutions (`Predictor`) with
    ///     bfloat16 activations and weights and float32 accumulation, about twice as fast on CPUs
    ///     with AVX-512 BF16 (results differ from float32 by about 1e-2 relative); layers without a
    ///     fast bfloat16 kernel (the 1-channel stem) stay float32, and so does everything on CPUs
    ///     without AVX-512 BF16. Training is float32.
    public init(threads: Int? = 2, winograd: Bool = true, inferencePrecision: InferencePrecision = .f32) {
        self.winograd = winograd
        self.inferencePrecision = inferencePrecision
        self.threads = threads.map { Int32(max($0, 1)) }
        if let t = self.threads { karyo_omp_set_num_threads(t) }
        var s: dnnl_stream_t?
        dnnlCheck(dnnl_stream_create(&s, context.engine, dnnl_stream_default_flags.rawValue), "create stream")
        stream = s!
    }

    deinit {
        primitives.removeAll()
        dnnl_stream_destroy(stream)
        scratchpad.deallocate()
    }

    /// True when this CPU has the AVX-512 BF16 instructions oneDNN's fast bfloat16 kernels use
    /// (elsewhere `.bf16` inference would be emulated or fall back to float32 layer by layer).
    public static var cpuHasNativeBF16: Bool {
        let bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
        return dnnl_get_effective_cpu_isa().rawValue & bf16 == bf16
    }

    /// Number of cached primitives (for tests of primitive reuse).
    public var cachedPrimitiveCount: Int { primitives.count }

    // MARK: Layouts

    private func makeMD(_ shape: [Int], tag: dnnl_format_tag_t, type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims = shape.map(Int64.init)
        dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(shape.count), dims, type, tag), "memory descriptor \(shape)")
        return md
    }

    private func plainTag(_ rank: Int) -> dnnl_format_tag_t {
        switch rank {
        case 1: dnnl_a
        case 2: dnnl_ab
        case 3: dnnl_abc
        default: dnnl_abcd
        }
    }

    private func anyMD(_ shape: [Int], type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        makeMD(shape, tag: dnnl_format_tag_any, type: type)
    }

    func plainLayout(_ shape: [Int]) -> DNNLLayout {
        if let l = plainLayouts[shape] { return l }
        var md = makeMD(shape, tag: plainTag(shape.count))
        let l = DNNLLayout(&md, shape: shape, isPlain: true, context: context)
        plainLayouts[shape] = l
        layouts[shape, default: []].append(l)
        return l
    }

    /// The interned layout equal to `md`.
    func intern(_ md: UnsafePointer<dnnl_memory_desc_t>, shape: [Int]) -> DNNLLayout {
        let plain = plainLayout(shape)
        for l in layouts[shape] ?? [] where dnnl_memory_desc_equal(l.md, md) != 0 { return l }
        let l = DNNLLayout(md, shape: shape, isPlain: dnnl_memory_desc_equal(plain.md, md) != 0, context: context)
        layouts[shape, default: []].append(l)
        return l
    }

    func layout(of t: Tensor) -> DNNLLayout {
        guard let opaque = t.layout else { return plainLayout(t.shape) }
        guard let l = opaque as? DNNLLayout else { fatalError("oneDNN backend got a tensor in another backend's layout") }
        return l
    }

    private func allocate(_ l: DNNLLayout) -> Tensor {
        Tensor(shape: l.shape, storage: TensorStorage(count: l.storageCount), layout: l.isPlain ? nil : l)
    }

    /// Seconds spent in layout conversions and how many ran (a profiling aid).
    public private(set) var reorderStatistics: (seconds: Double, count: Int, bytes: Int) = (0, 0, 0)

    /// `t` in layout `target` (the same tensor if it already is).
    func reorder(_ t: Tensor, to target: DNNLLayout) -> Tensor {
        let source = layout(of: t)
        if source === target { return t }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            reorderStatistics.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            reorderStatistics.count += 1
            reorderStatistics.bytes += target.storageCount * 4
        }
        let key = PrimitiveKey(kind: "reorder", dims: [], layouts: [ObjectIdentifier(source), ObjectIdentifier(target)])
        let p = primitives[key] ?? {
            if let threads { karyo_omp_set_num_threads(threads) }
            let p = DNNLPrimitive(reorderFrom: source.md, to: target.md, engine: engine)
            primitives[key] = p
            return p
        }()
        let out = allocate(target)
        execute(p, [(DNNL_ARG_FROM, source, t.storage.pointer), (DNNL_ARG_TO, target, out.storage.pointer)])
        return out
    }

    public func plain(_ x: Tensor) -> Tensor { x.isPlain ? x : reorder(x, to: plainLayout(x.shape)) }

    // MARK: Execution

    /// Scratch memory for the primitive being run (user-managed scratchpad, grown as needed).
    private var scratchpad = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
    private var scratchpadCapacity = 64

    private func execute(_ p: DNNLPrimitive, _ args: [(Int32, DNNLLayout, UnsafeMutablePointer<Float>)]) {
        if let threads { karyo_omp_set_num_threads(threads) }
        var memories: [dnnl_memory_t?] = []
        var execArgs: [dnnl_exec_arg_t] = []
        for (arg, l, pointer) in args {
            var m: dnnl_memory_t?
            dnnlCheck(dnnl_memory_create(&m, l.md, engine, pointer), "create memory")
            memories.append(m)
            execArgs.append(dnnl_exec_arg_t(arg: arg, memory: m))
        }
        let scratch = p.scratchpadSize
        if scratch > 0 {
            if scratch > scratchpadCapacity {
                scratchpad.deallocate()
                scratchpad = UnsafeMutableRawPointer.allocate(byteCount: scratch, alignment: 64)
                scratchpadCapacity = scratch
            }
            var m: dnnl_memory_t?
            dnnlCheck(dnnl_memory_create(&m, p.md(dnnl_query_scratchpad_md), engine, scratchpad), "create scratchpad memory")
            memories.append(m)
            execArgs.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: m))
        }
        dnnlCheck(dnnl_primitive_execute(p.primitive, stream, Int32(execArgs.count), execArgs), "execute primitive")
        dnnlCheck(dnnl_stream_wait(stream), "wait for stream")
        for m in memories { dnnl_memory_destroy(m) }
    }

    private func cached(_ key: PrimitiveKey, _ make: () -> DNNLPrimitive) -> DNNLPrimitive {
        if let p = primitives[key] { return p }
        if let threads { karyo_omp_set_num_threads(threads) }
        let p = make()
        primitives[key] = p
        return p
    }

    // MARK: Element-wise

    public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        binaryAdd(a, b, relu: false)
    }

    public func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor {
        binaryAdd(a, b, relu: true)
    }

    /// `a + b` in `a`'s layout, optionally with a fused ReLU post-op.
    private func binaryAdd(_ a: Tensor, _ b: Tensor, relu: Bool) -> Tensor {
        precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
        let la = layout(of: a)
        let bb = reorder(b, to: la)
        let kind = relu ? "add-relu" : "add"
        let p = cached(PrimitiveKey(kind: kind, dims: a.shape, layouts: [ObjectIdentifier(la)])) {
            var d = dnnl_binary_desc_t()
            dnnlCheck(dnnl_binary_desc_init(&d, dnnl_binary_add, la.md, la.md, la.md), "binary add descriptor")
            return DNNLPrimitive.make(
                descriptor: &d, engine: engine, hint: nil, what: relu ? "add+relu" : "add", reluPostOp: relu)
        }
        let out = allocate(la)
        execute(p, [(DNNL_ARG_SRC_0, la, a.storage.pointer), (DNNL_ARG_SRC_1, la, bb.storage.pointer),
                    (DNNL_ARG_DST, la, out.storage.pointer)])
        return out
    }

    public func relu(_ x: Tensor) -> Tensor {
        let l = layout(of: x)
        let p = cached(PrimitiveKey(kind: "relu", dims: x.shape, layouts: [ObjectIdentifier(l)])) {
            var d = dnnl_eltwise_desc_t()
            dnnlCheck(dnnl_eltwise_forward_desc_init(&d, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, l.md, 0, 0),
                      "relu descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: nil, what: "relu")
        }
        let out = allocate(l)
        execute(p, [(DNNL_ARG_SRC, l, x.storage.pointer), (DNNL_ARG_DST, l, out.storage.pointer)])
        return out
    }

    public func reluBackward(_ gradOutput: Tensor, output y: Tensor) -> Tensor {
        let l = layout(of: y)
        let g = reorder(gradOutput, to: l)
        let p = cached(PrimitiveKey(kind: "relu-bwd", dims: y.shape, layouts: [ObjectIdentifier(l)])) {
            let hint = primitives[PrimitiveKey(kind: "relu", dims: y.shape, layouts: [ObjectIdentifier(l)])] ?? {
                var f = dnnl_eltwise_desc_t()
                dnnlCheck(dnnl_eltwise_forward_desc_init(&f, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, l.md, 0, 0),
                          "relu descriptor")
                return DNNLPrimitive.make(descriptor: &f, engine: engine, hint: nil, what: "relu")
            }()
            var d = dnnl_eltwise_desc_t()
            dnnlCheck(dnnl_eltwise_backward_desc_init(&d, dnnl_eltwise_relu_use_dst_for_bwd, l.md, l.md, 0, 0),
                      "relu backward descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: hint, what: "relu backward")
        }
        let out = allocate(l)
        execute(p, [(DNNL_ARG_DST, l, y.storage.pointer), (DNNL_ARG_DIFF_DST, l, g.storage.pointer),
                    (DNNL_ARG_DIFF_SRC, l, out.storage.pointer)])
        return out
    }

    // MARK: Convolution

    /// A heap-allocated plain descriptor for an optional argument (caller deallocates).
    private func optionalMD(_ shape: [Int]?) -> UnsafeMutablePointer<dnnl_memory_desc_t>? {
        guard let shape else { return nil }
        let p = UnsafeMutablePointer<dnnl_memory_desc_t>.allocate(capacity: 1)
        p.initialize(to: makeMD(shape, tag: plainTag(shape.count)))
        return p
    }

    /// Algorithms to try for a geometry: Winograd first for 3×3 stride-1 when enabled.
    private func candidateAlgorithms(_ g: ConvGeometry) -> [dnnl_alg_kind_t] {
        (winograd && g.kernel == 3 && g.stride == 1) ? [dnnl_convolution_winograd, dnnl_convolution_direct]
            : [dnnl_convolution_direct]
    }

    private func convForwardKey(_ xShape: [Int], _ wShape: [Int], hasBias: Bool, _ g: ConvGeometry) -> PrimitiveKey {
        PrimitiveKey(kind: "conv", dims: xShape + wShape + [hasBias ? 1 : 0, g.kernel, g.stride, g.padding])
    }

    private func convDims(_ g: ConvGeometry) -> (strides: [Int64], padding: [Int64]) {
        ([Int64(g.stride), Int64(g.stride)], [Int64(g.padding), Int64(g.padding)])
    }

    private func convShapes(_ x: [Int], _ w: [Int], _ g: ConvGeometry) -> [Int] {
        [x[0], w[0], g.outputSize(x[2]), g.outputSize(x[3])]
    }

    private func convForwardPrimitive(_ xShape: [Int], _ wShape: [Int], hasBias: Bool, _ g: ConvGeometry) -> DNNLPrimitive {
        let key = convForwardKey(xShape, wShape, hasBias: hasBias, g)
        return cached(key) {
            var src = anyMD(xShape), wei = anyMD(wShape), dst = anyMD(convShapes(xShape, wShape, g))
            let bias = optionalMD(hasBias ? [wShape[0]] : nil)
            defer { bias?.deallocate() }
            let (strides, padding) = convDims(g)
            for algorithm in candidateAlgorithms(g) {
                var d = dnnl_convolution_desc_t()
                dnnlCheck(dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, algorithm, &src, &wei,
                                                             bias, &dst, strides, padding, padding),
                          "convolution descriptor")
                if let p = DNNLPrimitive(trying: &d, engine: engine, hint: nil) {
                    convAlgorithms[key] = algorithm
                    return p
                }
            }
            fatalError("KaryoNet oneDNN: no convolution implementation for input \(xShape), weight \(wShape)")
        }
    }

    /// The algorithm the forward convolution of these shapes uses.
    private func convAlgorithm(_ xShape: [Int], _ wShape: [Int], hasBias: Bool, _ g: ConvGeometry) -> dnnl_alg_kind_t {
        _ = convForwardPrimitive(xShape, wShape, hasBias: hasBias, g)
        return convAlgorithms[convForwardKey(xShape, wShape, hasBias: hasBias, g)] ?? dnnl_convolution_direct
    }

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry) -> Tensor {
        precondition(x.shape.count == 4 && weight.shape.count == 4 && weight.shape[1] == x.shape[1],
                     "conv2d: weight \(weight.shape) does not fit input \(x.shape)")
        let p = convForwardPrimitive(x.shape, weight.shape, hasBias: bias != nil, g)
        let srcL = intern(p.md(dnnl_query_src_md), shape: x.shape)
        let weiL = intern(p.md(dnnl_query_weights_md), shape: weight.shape)
        let dstShape = convShapes(x.shape, weight.shape, g)
        let dstL = intern(p.md(dnnl_query_dst_md), shape: dstShape)
        let src = reorder(x, to: srcL), wei = reorder(weight, to: weiL)
        let out = allocate(dstL)
        var args = [(DNNL_ARG_SRC, srcL, src.storage.pointer), (DNNL_ARG_WEIGHTS, weiL, wei.storage.pointer),
                    (DNNL_ARG_DST, dstL, out.storage.pointer)]
        if let bias { args.append((DNNL_ARG_BIAS, plainLayout(bias.shape), bias.storage.pointer)) }
        execute(p, args)
        return out
    }

    public func conv2dInference(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry,
                                residual: Tensor?, overwritingResidual: Bool, relu: Bool) -> Tensor {
        precondition(x.shape.count == 4 && weight.shape.count == 4 && weight.shape[1] == x.shape[1],
                     "conv2d: weight \(weight.shape) does not fit input \(x.shape)")
        let dstShape = convShapes(x.shape, weight.shape, g)
        if let residual { precondition(residual.shape == dstShape, "residual \(residual.shape) does not fit \(dstShape)") }
        let key = PrimitiveKey(kind: "conv-inference", dims: x.shape + weight.shape
            + [bias != nil ? 1 : 0, residual != nil ? 1 : 0, relu ? 1 : 0, g.kernel, g.stride, g.padding])
        let p = cached(key) {
            // bfloat16 first when asked for and the CPU has it natively (oneDNN's emulation on
            // plain AVX-512 is slower than float32), except for the 1-channel stem (no fast
            // kernel); an implementation oneDNN only has as reference code is never taken.
            let bf16 = inferencePrecision == .bf16 && Self.cpuHasNativeBF16 && x.shape[1] > 1
            let types = bf16 ? [dnnl_bf16, dnnl_f32] : [dnnl_f32]
            for type in types {
                if let p = fusedConvolution(x.shape, weight.shape, dstShape, type: type, hasBias: bias != nil,
                                            sum: residual != nil, relu: relu, g) {
                    if type == dnnl_bf16 { inferenceConvolutionCounts.bf16 += 1 } else { inferenceConvolutionCounts.f32 += 1 }
                    return p
                }
            }
            fatalError("KaryoNet oneDNN: no fused convolution implementation for input \(x.shape), weight \(weight.shape)")
        }
        let srcL = intern(p.md(dnnl_query_src_md), shape: x.shape)
        let weiL = intern(p.md(dnnl_query_weights_md), shape: weight.shape)
        let dstL = intern(p.md(dnnl_query_dst_md), shape: dstShape)
        let src = reorder(x, to: srcL)
        let wei = cachedWeights(weight, weiL)
        // The sum post-op accumulates into the destination, which starts as the residual: its own
        // storage when the caller gives it up and it is in the destination's layout, else a copy.
        let out: Tensor
        if let residual, overwritingResidual, layout(of: residual) === dstL {
            out = residual
        } else {
            out = allocate(dstL)
            if let residual {
                let r = reorder(residual, to: dstL)
                out.storage.pointer.update(from: r.storage.pointer, count: dstL.storageCount)
            }
        }
        var args = [(DNNL_ARG_SRC, srcL, src.storage.pointer), (DNNL_ARG_WEIGHTS, weiL, wei.storage.pointer),
                    (DNNL_ARG_DST, dstL, out.storage.pointer)]
        if let bias { args.append((DNNL_ARG_BIAS, plainLayout(bias.shape), bias.storage.pointer)) }
        execute(p, args)
        return out
    }

    /// `weight` in `layout`, reordered once per change of its contents.
    private func cachedWeights(_ weight: Tensor, _ layout: DNNLLayout) -> Tensor {
        let key = WeightKey(storage: ObjectIdentifier(weight.storage), layout: ObjectIdentifier(layout))
        if let hit = weightCache[key], hit.source === weight.storage, hit.generation == weight.storage.generation {
            return hit.reordered
        }
        weightCache = weightCache.filter { $0.value.source != nil }
        let reordered = reorder(weight, to: layout)
        weightCache[key] = CachedWeight(source: weight.storage, generation: weight.storage.generation, reordered: reordered)
        return reordered
    }

    /// A fused inference convolution (bias, optional sum and ReLU post-ops) with activations and
    /// weights of `type`, or nil when oneDNN has only a reference implementation for it.
    private func fusedConvolution(_ xShape: [Int], _ wShape: [Int], _ dstShape: [Int], type: dnnl_data_type_t,
                                  hasBias: Bool, sum: Bool, relu: Bool, _ g: ConvGeometry) -> DNNLPrimitive? {
        var src = anyMD(xShape, type: type), wei = anyMD(wShape, type: type), dst = anyMD(dstShape, type: type)
        let biasMD = optionalMD(hasBias ? [wShape[0]] : nil)
        defer { biasMD?.deallocate() }
        let (strides, padding) = convDims(g)
        // oneDNN 2.6.3 has no bfloat16 Winograd. Direct bfloat16 is slower than float32 Winograd on
        // the first two stages' 3×3 layers (measured 1.3 vs 1.0-1.1 ms at batch 16) but faster on
        // the last two (1.2 vs 1.7-2.3 ms) and on every 1×1 (twice as fast): one format end to
        // end, without conversions between layers, is the simpler and overall faster choice.
        let algorithms = type == dnnl_f32 ? candidateAlgorithms(g) : [dnnl_convolution_direct]
        for algorithm in algorithms {
            var d = dnnl_convolution_desc_t()
            dnnlCheck(dnnl_convolution_forward_desc_init(&d, dnnl_forward_inference, algorithm, &src, &wei,
                                                         biasMD, &dst, strides, padding, padding),
                      "convolution descriptor")
            // (A binary-add post-op reading the residual in place was tried: oneDNN 2.6.3 has
            // only its reference implementation for it, hundreds of times slower.)
            if let p = DNNLPrimitive(trying: &d, engine: engine, hint: nil, sumPostOp: sum, reluPostOp: relu),
               type == dnnl_f32 || !p.isReference {
                return p
            }
        }
        return nil
    }

    /// Drops cached reordered weights (they are also replaced automatically when weights change).
    public func clearWeightCache() { weightCache.removeAll() }

    public func conv2dBackwardData(
        _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], geometry g: ConvGeometry
    ) -> Tensor {
        let key = PrimitiveKey(kind: "conv-bwd-data", dims: inputShape + weight.shape + [g.kernel, g.stride, g.padding])
        let p = cached(key) {
            let hint = convForwardPrimitive(inputShape, weight.shape, hasBias: false, g)
            var src = anyMD(inputShape), wei = anyMD(weight.shape), dst = anyMD(gradOutput.shape)
            let (strides, padding) = convDims(g)
            var d = dnnl_convolution_desc_t()
            dnnlCheck(dnnl_convolution_backward_data_desc_init(&d, convAlgorithm(inputShape, weight.shape, hasBias: false, g), &src, &wei, &dst,
                                                               strides, padding, padding),
                      "convolution backward-data descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: hint, what: "convolution backward-data")
        }
        let diffSrcL = intern(p.md(dnnl_query_diff_src_md), shape: inputShape)
        let weiL = intern(p.md(dnnl_query_weights_md), shape: weight.shape)
        let diffDstL = intern(p.md(dnnl_query_diff_dst_md), shape: gradOutput.shape)
        let gy = reorder(gradOutput, to: diffDstL), wei = reorder(weight, to: weiL)
        let out = allocate(diffSrcL)
        execute(p, [(DNNL_ARG_DIFF_DST, diffDstL, gy.storage.pointer), (DNNL_ARG_WEIGHTS, weiL, wei.storage.pointer),
                    (DNNL_ARG_DIFF_SRC, diffSrcL, out.storage.pointer)])
        return out
    }

    public func conv2dBackwardWeights(
        _ gradOutput: Tensor, input x: Tensor, weight: Tensor, hasBias: Bool, geometry g: ConvGeometry
    ) -> (weight: Tensor, bias: Tensor?) {
        let weightShape = weight.shape
        let key = PrimitiveKey(kind: "conv-bwd-weights", dims: x.shape + weightShape + [hasBias ? 1 : 0, g.kernel, g.stride, g.padding])
        let p = cached(key) {
            let hint = convForwardPrimitive(x.shape, weightShape, hasBias: hasBias, g)
            var src = anyMD(x.shape), wei = anyMD(weightShape), dst = anyMD(gradOutput.shape)
            let bias = optionalMD(hasBias ? [weightShape[0]] : nil)
            defer { bias?.deallocate() }
            let (strides, padding) = convDims(g)
            var d = dnnl_convolution_desc_t()
            dnnlCheck(dnnl_convolution_backward_weights_desc_init(&d, convAlgorithm(x.shape, weightShape, hasBias: hasBias, g), &src, &wei,
                                                                  bias, &dst, strides, padding, padding),
                      "convolution backward-weights descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: hint, what: "convolution backward-weights")
        }
        let srcL = intern(p.md(dnnl_query_src_md), shape: x.shape)
        let diffWeiL = intern(p.md(dnnl_query_diff_weights_md), shape: weightShape)
        let diffDstL = intern(p.md(dnnl_query_diff_dst_md), shape: gradOutput.shape)
        let src = reorder(x, to: srcL), gy = reorder(gradOutput, to: diffDstL)
        let gw = allocate(diffWeiL)
        var gb: Tensor?
        var args = [(DNNL_ARG_SRC, srcL, src.storage.pointer), (DNNL_ARG_DIFF_DST, diffDstL, gy.storage.pointer),
                    (DNNL_ARG_DIFF_WEIGHTS, diffWeiL, gw.storage.pointer)]
        if hasBias {
            let b = Tensor(zeros: [weightShape[0]])
            args.append((DNNL_ARG_DIFF_BIAS, plainLayout(b.shape), b.storage.pointer))
            gb = b
        }
        execute(p, args)
        return (reorder(gw, to: layout(of: weight)), gb)
    }

    public func preparedWeight(_ weight: Tensor, inputShape: [Int], hasBias: Bool, geometry g: ConvGeometry) -> Tensor? {
        let p = convForwardPrimitive(inputShape, weight.shape, hasBias: hasBias, g)
        let weiL = intern(p.md(dnnl_query_weights_md), shape: weight.shape)
        return layout(of: weight) === weiL ? nil : reorder(weight, to: weiL)
    }

    // MARK: Batch normalization

    /// A batch-norm forward. Training forwards take the batch mean and variance as inputs (computed
    /// by `batchStatistics`) instead of computing them.
    private func bnForwardPrimitive(_ l: DNNLLayout, training: Bool, epsilon: Float, fuseReLU: Bool = false) -> DNNLPrimitive {
        let key = PrimitiveKey(kind: (training ? "bn" : "bn-inference") + (fuseReLU ? "-relu" : ""),
                               dims: [Int(epsilon.bitPattern)], layouts: [ObjectIdentifier(l)])
        return cached(key) {
            var d = dnnl_batch_normalization_desc_t()
            var flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue | dnnl_use_global_stats.rawValue
            if fuseReLU { flags |= dnnl_fuse_norm_relu.rawValue }
            dnnlCheck(dnnl_batch_normalization_forward_desc_init(&d, training ? dnnl_forward_training : dnnl_forward_inference,
                                                                 l.md, epsilon, flags), "batch-norm descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: nil, what: "batch norm")
        }
    }

    /// Per-channel mean and biased variance of `x` for a training forward, computed by Karyo rather
    /// than by oneDNN: two passes with every term added in Double (`ckaryo_channel_statistics`),
    /// channels split across the threads. oneDNN 2.6's own float32 sums differ per CPU (on an
    /// AVX2-only CPU by 3e-5 relative over 16 × 23 × 23 values), enough to move activations that
    /// are exactly zero in exact arithmetic (constant background) across the ReLU kink, which
    /// changes gradients by percents; these statistics are the float32 rounding of the exact ones
    /// on every CPU.
    private func batchStatistics(_ x: Tensor) -> BatchStatistics {
        let (n, c) = (x.shape[0], x.shape[1]), plane = x.shape[2...].reduce(1, *)
        // Straight from oneDNN's channel-blocked layout (no reorder); any other layout as plain
        // NCHW, which is the blocked layout with blocks of one channel.
        let blocked = layout(of: x).channelBlocking.flatMap { $0.block <= 64 ? $0 : nil }
        let source = blocked == nil ? plain(x) : x
        let (block, blocks) = blocked ?? (1, c)
        let mean = Tensor(zeros: [c]), variance = Tensor(zeros: [c])
        let values = SharedFloats(source.storage.pointer)
        let meanOut = SharedFloats(mean.storage.pointer), varianceOut = SharedFloats(variance.storage.pointer)
        let workers = max(1, min(Int(threads ?? 1), blocks))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for b in stride(from: worker, to: blocks, by: workers) {
                ckaryo_channel_statistics(values.pointer, n, blocks, plane, block, b, min(block, c - b * block),
                                          meanOut.pointer + b * block, varianceOut.pointer + b * block)
            }
        }
        withExtendedLifetime(source) {}
        return BatchStatistics(mean: mean, variance: variance)
    }

    /// A buffer written by disjoint parts of a parallel loop.
    private struct SharedFloats: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Float>
        init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
    }

    public func batchNormTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float) -> (Tensor, BatchStatistics) {
        let l = layout(of: x)
        let statistics = batchStatistics(x)
        let p = bnForwardPrimitive(l, training: true, epsilon: epsilon)
        let vl = plainLayout([x.shape[1]]), out = allocate(l)
        execute(p, [(DNNL_ARG_SRC, l, x.storage.pointer), (DNNL_ARG_DST, l, out.storage.pointer),
                    (DNNL_ARG_SCALE, vl, scale.storage.pointer), (DNNL_ARG_SHIFT, vl, shift.storage.pointer),
                    (DNNL_ARG_MEAN, vl, statistics.mean.storage.pointer), (DNNL_ARG_VARIANCE, vl, statistics.variance.storage.pointer)])
        return (out, statistics)
    }

    /// Batch norm and ReLU in one pass; the ReLU mask (workspace) is kept for the backward pass.
    public func batchNormReLUTraining(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
        -> (output: Tensor, statistics: BatchStatistics, context: AnyObject?) {
        let l = layout(of: x)
        let statistics = batchStatistics(x)
        let p = bnForwardPrimitive(l, training: true, epsilon: epsilon, fuseReLU: true)
        let vl = plainLayout([x.shape[1]]), out = allocate(l)
        let ws = Workspace(p.md(dnnl_query_workspace_md), context: context)
        execute(p, [(DNNL_ARG_SRC, l, x.storage.pointer), (DNNL_ARG_DST, l, out.storage.pointer),
                    (DNNL_ARG_SCALE, vl, scale.storage.pointer), (DNNL_ARG_SHIFT, vl, shift.storage.pointer),
                    (DNNL_ARG_MEAN, vl, statistics.mean.storage.pointer), (DNNL_ARG_VARIANCE, vl, statistics.variance.storage.pointer),
                    (DNNL_ARG_WORKSPACE, ws.layout, ws.storage.pointer)])
        return (out, statistics, ws)
    }

    public func batchNormReLUBackward(
        _ gradOutput: Tensor, input x: Tensor, output: Tensor, scale: Tensor, statistics: BatchStatistics,
        epsilon: Float, context: AnyObject?
    ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
        guard let ws = context as? Workspace else {
            return batchNormBackward(reluBackward(gradOutput, output: output), input: x, scale: scale,
                                     statistics: statistics, epsilon: epsilon)
        }
        return batchNormBackward(gradOutput, input: x, scale: scale, statistics: statistics, epsilon: epsilon,
                                 reluWorkspace: ws)
    }

    public func batchNormInference(
        _ x: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
    ) -> Tensor {
        let l = layout(of: x)
        let p = bnForwardPrimitive(l, training: false, epsilon: epsilon)
        let vl = plainLayout([x.shape[1]])
        let out = allocate(l)
        execute(p, [(DNNL_ARG_SRC, l, x.storage.pointer), (DNNL_ARG_DST, l, out.storage.pointer),
                    (DNNL_ARG_SCALE, vl, scale.storage.pointer), (DNNL_ARG_SHIFT, vl, shift.storage.pointer),
                    (DNNL_ARG_MEAN, vl, mean.storage.pointer), (DNNL_ARG_VARIANCE, vl, variance.storage.pointer)])
        return out
    }

    public func batchNormBackward(
        _ gradOutput: Tensor, input x: Tensor, scale: Tensor, statistics: BatchStatistics, epsilon: Float
    ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
        batchNormBackward(gradOutput, input: x, scale: scale, statistics: statistics, epsilon: epsilon, reluWorkspace: nil)
    }

    /// Batch-norm backward, with the ReLU fused when `reluWorkspace` (from the fused forward) is given.
    private func batchNormBackward(
        _ gradOutput: Tensor, input x: Tensor, scale: Tensor, statistics: BatchStatistics, epsilon: Float,
        reluWorkspace ws: Workspace?
    ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
        let l = layout(of: x)
        let gy = reorder(gradOutput, to: l)
        let fused = ws != nil
        let key = PrimitiveKey(kind: fused ? "bn-relu-bwd" : "bn-bwd", dims: [Int(epsilon.bitPattern)],
                               layouts: [ObjectIdentifier(l)])
        let p = cached(key) {
            let hint = bnForwardPrimitive(l, training: true, epsilon: epsilon, fuseReLU: fused)
            var d = dnnl_batch_normalization_desc_t()
            let flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue | (fused ? dnnl_fuse_norm_relu.rawValue : 0)
            dnnlCheck(dnnl_batch_normalization_backward_desc_init(&d, dnnl_backward, l.md, l.md, epsilon, flags),
                      fused ? "batch-norm+relu backward descriptor" : "batch-norm backward descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: hint,
                                      what: fused ? "batch norm+relu backward" : "batch norm backward")
        }
        let c = x.shape[1], vl = plainLayout([c])
        let gx = allocate(l), gScale = Tensor(zeros: [c]), gShift = Tensor(zeros: [c])
        // The shift is unused by the math but oneDNN's backward with use_shift expects it bound.
        let shift = Tensor(zeros: [c])
        var arguments = [(DNNL_ARG_SRC, l, x.storage.pointer), (DNNL_ARG_DIFF_DST, l, gy.storage.pointer),
                         (DNNL_ARG_MEAN, vl, statistics.mean.storage.pointer),
                         (DNNL_ARG_VARIANCE, vl, statistics.variance.storage.pointer),
                         (DNNL_ARG_SCALE, vl, scale.storage.pointer), (DNNL_ARG_SHIFT, vl, shift.storage.pointer),
                         (DNNL_ARG_DIFF_SRC, l, gx.storage.pointer),
                         (DNNL_ARG_DIFF_SCALE, vl, gScale.storage.pointer), (DNNL_ARG_DIFF_SHIFT, vl, gShift.storage.pointer)]
        if let ws { arguments.append((DNNL_ARG_WORKSPACE, ws.layout, ws.storage.pointer)) }
        execute(p, arguments)
        return (gx, gScale, gShift)
    }

    // MARK: Pooling

    private func poolAlgorithm(_ g: PoolGeometry) -> dnnl_alg_kind_t {
        switch g.kind {
        case .max: dnnl_pooling_max
        case .average(true): dnnl_pooling_avg_include_padding
        case .average(false): dnnl_pooling_avg_exclude_padding
        }
    }

    private func poolKey(_ kind: String, _ g: PoolGeometry, _ l: DNNLLayout) -> PrimitiveKey {
        let k: Int = switch g.kind { case .max: 0; case .average(true): 1; case .average(false): 2 }
        return PrimitiveKey(kind: kind, dims: [k, g.kernel, g.stride, g.padding], layouts: [ObjectIdentifier(l)])
    }

    private func poolForwardPrimitive(_ l: DNNLLayout, _ g: PoolGeometry) -> DNNLPrimitive {
        cached(poolKey("pool", g, l)) {
            let s = l.shape
            var dst = anyMD([s[0], s[1], g.outputSize(s[2]), g.outputSize(s[3])], type: l.md.pointee.data_type)
            let strides = [Int64(g.stride), Int64(g.stride)], kernel = [Int64(g.kernel), Int64(g.kernel)]
            let padding = [Int64(g.padding), Int64(g.padding)], dilation: [Int64] = [0, 0]
            var d = dnnl_pooling_v2_desc_t()
            dnnlCheck(dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_training, poolAlgorithm(g), l.md, &dst, strides,
                                                        kernel, dilation, padding, padding), "pooling descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: nil, what: "pooling")
        }
    }

    /// A primitive's workspace (max-pooling arg-max positions, the fused ReLU mask), kept from
    /// forward to backward.
    final class Workspace {
        let storage: TensorStorage
        let layout: DNNLLayout
        init(_ md: UnsafePointer<dnnl_memory_desc_t>, context: DNNLContext) {
            layout = DNNLLayout(md, shape: [-1], isPlain: false, context: context)
            storage = TensorStorage(count: max(layout.storageCount, 1))
        }
    }

    public func pool2d(_ x: Tensor, geometry g: PoolGeometry) -> (Tensor, AnyObject?) {
        let l = layout(of: x)
        let p = poolForwardPrimitive(l, g)
        let outShape = [x.shape[0], x.shape[1], g.outputSize(x.shape[2]), g.outputSize(x.shape[3])]
        let dstL = intern(p.md(dnnl_query_dst_md), shape: outShape)
        let out = allocate(dstL)
        var args = [(DNNL_ARG_SRC, l, x.storage.pointer), (DNNL_ARG_DST, dstL, out.storage.pointer)]
        var workspace: Workspace?
        if case .max = g.kind {
            let ws = Workspace(p.md(dnnl_query_workspace_md), context: context)
            args.append((DNNL_ARG_WORKSPACE, ws.layout, ws.storage.pointer))
            workspace = ws
        }
        execute(p, args)
        return (out, workspace)
    }

    public func pool2dBackward(
        _ gradOutput: Tensor, input x: Tensor, context: AnyObject?, geometry g: PoolGeometry
    ) -> Tensor {
        let l = layout(of: x)
        let p = cached(poolKey("pool-bwd", g, l)) {
            let hint = poolForwardPrimitive(l, g)
            var diffSrc = anyMD(x.shape), diffDst = anyMD(gradOutput.shape)
            let strides = [Int64(g.stride), Int64(g.stride)], kernel = [Int64(g.kernel), Int64(g.kernel)]
            let padding = [Int64(g.padding), Int64(g.padding)], dilation: [Int64] = [0, 0]
            var d = dnnl_pooling_v2_desc_t()
            dnnlCheck(dnnl_pooling_v2_backward_desc_init(&d, poolAlgorithm(g), &diffSrc, &diffDst, strides, kernel,
                                                         dilation, padding, padding), "pooling backward descriptor")
            return DNNLPrimitive.make(descriptor: &d, engine: engine, hint: hint, what: "pooling backward")
        }
        let diffSrcL = intern(p.md(dnnl_query_diff_src_md), shape: x.shape)
        let diffDstL = intern(p.md(dnnl_query_diff_dst_md), shape: gradOutput.shape)
        let gy = reorder(gradOutput, to: diffDstL)
        let out = allocate(diffSrcL)
        var args = [(DNNL_ARG_DIFF_DST, diffDstL, gy.storage.pointer), (DNNL_ARG_DIFF_SRC, diffSrcL, out.storage.pointer)]
        if case .max = g.kind {
            guard let ws = context as? Workspace else { fatalError("max-pooling backward needs its forward workspace") }
            args.append((DNNL_ARG_WORKSPACE, ws.layout, ws.storage.pointer))
        }
        execute(p, args)
        return out
    }

    // MARK: Linear (dnnl_sgemm, row-major)

    private static let n = CChar(UInt8(ascii: "N")), t = CChar(UInt8(ascii: "T"))

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let xp = plain(x)
        let (n, f, o) = (xp.shape[0], xp.shape[1], weight.shape[0])
        precondition(weight.shape == [o, f], "linear: weight \(weight.shape) does not fit input \(x.shape)")
        if let threads { karyo_omp_set_num_threads(threads) }
        var out = Tensor(zeros: [n, o])
        if let bias {
            out.withUnsafeMutableBufferPointer { p in for i in 0..<n { for j in 0..<o { p[i * o + j] = bias.storage.pointer[j] } } }
        }
        dnnlCheck(dnnl_sgemm(Self.n, Self.t, Int64(n), Int64(o), Int64(f), 1, xp.storage.pointer, Int64(f),
                             weight.storage.pointer, Int64(f), bias == nil ? 0 : 1, out.storage.pointer, Int64(o)), "sgemm")
        return out
    }

    public func linearBackward(_ gradOutput: Tensor, input x: Tensor, weight: Tensor, hasBias: Bool)
        -> (input: Tensor, weight: Tensor, bias: Tensor?) {
        let xp = plain(x), gy = plain(gradOutput)
        let (n, f, o) = (xp.shape[0], xp.shape[1], weight.shape[0])
        let gx = Tensor(zeros: [n, f]), gw = Tensor(zeros: [o, f])
        if let threads { karyo_omp_set_num_threads(threads) }
        dnnlCheck(dnnl_sgemm(Self.n, Self.n, Int64(n), Int64(f), Int64(o), 1, gy.storage.pointer, Int64(o),
                             weight.storage.pointer, Int64(f), 0, gx.storage.pointer, Int64(f)), "sgemm")
        dnnlCheck(dnnl_sgemm(Self.t, Self.n, Int64(o), Int64(f), Int64(n), 1, gy.storage.pointer, Int64(o),
                             xp.storage.pointer, Int64(f), 0, gw.storage.pointer, Int64(f)), "sgemm")
        var gb: Tensor?
        if hasBias {
            var b = [Float](repeating: 0, count: o)
            for i in 0..<n { for j in 0..<o { b[j] += gy.storage.pointer[i * o + j] } }
            gb = Tensor(b, shape: [o])
        }
        return (gx, gw, gb)
    }
}
