import CDNNL

/// The oneDNN CPU engine, shared by a backend and the layouts it creates (which outlive it when
/// tensors do).
final class DNNLContext: @unchecked Sendable {
    let engine: dnnl_engine_t

    init() {
        var e: dnnl_engine_t?
        dnnlCheck(dnnl_engine_create(&e, dnnl_cpu, 0), "create engine")
        engine = e!
    }

    deinit { dnnl_engine_destroy(engine) }

    /// Runs a one-off reorder between two descriptors on a private stream (thread-safe).
    func reorder(from src: UnsafePointer<dnnl_memory_desc_t>, _ srcPointer: UnsafeMutableRawPointer,
                 to dst: UnsafePointer<dnnl_memory_desc_t>, _ dstPointer: UnsafeMutableRawPointer) {
        let p = DNNLPrimitive(reorderFrom: src, to: dst, engine: engine)
        var stream: dnnl_stream_t?
        dnnlCheck(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "create stream")
        var a: dnnl_memory_t?, b: dnnl_memory_t?
        dnnlCheck(dnnl_memory_create(&a, src, engine, srcPointer), "create memory")
        dnnlCheck(dnnl_memory_create(&b, dst, engine, dstPointer), "create memory")
        var args = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: a), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: b)]
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(p.scratchpadSize, 64), alignment: 64)
        var s: dnnl_memory_t?
        if p.scratchpadSize > 0 {
            dnnlCheck(dnnl_memory_create(&s, dnnl_primitive_desc_query_md(p.pd, dnnl_query_scratchpad_md, 0), engine, scratch),
                      "create scratchpad memory")
            args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: s))
        }
        dnnlCheck(dnnl_primitive_execute(p.primitive, stream, Int32(args.count), args), "execute reorder")
        dnnlCheck(dnnl_stream_wait(stream), "wait for stream")
        dnnl_memory_destroy(a); dnnl_memory_destroy(b); dnnl_stream_destroy(stream)
        if let s { dnnl_memory_destroy(s) }
        scratch.deallocate()
    }
}

/// A oneDNN memory layout (descriptor) for one logical shape, interned by the backend so that
/// layouts compare by identity.
final class DNNLLayout: OpaqueLayout, @unchecked Sendable {
    let md: UnsafeMutablePointer<dnnl_memory_desc_t>
    let shape: [Int]
    let storageCount: Int
    /// True when the layout is plain row-major (tensors in it are returned with `layout == nil`).
    let isPlain: Bool
    private let context: DNNLContext

    init(_ source: UnsafePointer<dnnl_memory_desc_t>, shape: [Int], isPlain: Bool, context: DNNLContext) {
        md = .allocate(capacity: 1)
        md.initialize(to: source.pointee)
        self.shape = shape
        storageCount = (dnnl_memory_desc_get_size(source) + 3) / 4
        self.isPlain = isPlain
        self.context = context
    }

    deinit { md.deallocate() }

    /// The channel block and block count when this is a dense channel-blocked 4-D float32 layout
    /// (oneDNN's nChw8c or nChw16c: images × blocks × height × width × block), else nil.
    var channelBlocking: (block: Int, blocks: Int)? {
        let d = md.pointee
        guard d.ndims == 4, d.format_kind == dnnl_blocked, d.data_type == dnnl_f32, d.offset0 == 0 else { return nil }
        let b = d.format_desc.blocking
        guard b.inner_nblks == 1, b.inner_idxs.0 == 1, b.inner_blks.0 > 1, d.padded_dims.1 % b.inner_blks.0 == 0,
              d.padded_dims.2 == d.dims.2, d.padded_dims.3 == d.dims.3 else { return nil }
        let (block, blocks, h, w) = (b.inner_blks.0, d.padded_dims.1 / b.inner_blks.0, d.dims.2, d.dims.3)
        guard b.strides.0 == blocks * h * w * block, b.strides.1 == h * w * block, b.strides.2 == w * block,
              b.strides.3 == block else { return nil }
        return (Int(block), Int(blocks))
    }

    func plainStorage(from storage: TensorStorage, shape: [Int]) -> TensorStorage {
        precondition(shape.count == self.shape.count && shape.reduce(1, *) == self.shape.reduce(1, *),
                     "layout of \(self.shape) used for \(shape)")
        var plain = dnnl_memory_desc_t()
        let tags = [dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd]
        dnnlCheck(dnnl_memory_desc_init_by_tag(&plain, Int32(shape.count), self.shape.map(Int64.init), dnnl_f32,
                                               tags[min(shape.count, 4) - 1]), "plain descriptor")
        let out = TensorStorage(count: shape.reduce(1, *))
        context.reorder(from: md, storage.pointer, to: &plain, out.pointer)
        return out
    }
}

/// A primitive descriptor and its primitive.
final class DNNLPrimitive {
    let pd: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    /// Bytes of scratch memory the primitive needs at execution (`DNNL_ARG_SCRATCHPAD`), read
    /// once from the descriptor.
    let scratchpadSize: Int

    /// Creates a primitive; stops with a message naming `what` if oneDNN cannot.
    static func make(descriptor: UnsafeRawPointer, engine: dnnl_engine_t, hint: DNNLPrimitive?, what: String,
                     sumPostOp: Bool = false, reluPostOp: Bool = false) -> DNNLPrimitive {
        guard let p = DNNLPrimitive(trying: descriptor, engine: engine, hint: hint, sumPostOp: sumPostOp,
                                    reluPostOp: reluPostOp) else {
            fatalError("KaryoNet oneDNN: no implementation for \(what)")
        }
        return p
    }

    /// Creates a primitive, or returns nil when oneDNN has no implementation for it (for example
    /// Winograd convolution on a CPU without AVX-512).
    init?(trying descriptor: UnsafeRawPointer, engine: dnnl_engine_t, hint: DNNLPrimitive?,
          sumPostOp: Bool = false, reluPostOp: Bool = false) {
        let attr = Self.userScratchpadAttributes()
        if reluPostOp || sumPostOp {
            var ops: dnnl_post_ops_t?
            dnnlCheck(dnnl_post_ops_create(&ops), "create post-ops")
            if sumPostOp { dnnlCheck(dnnl_post_ops_append_sum(ops, 1), "append sum post-op") }
            if reluPostOp { dnnlCheck(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "append ReLU post-op") }
            dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, ops), "set post-ops")
            dnnl_post_ops_destroy(ops)
        }
        defer { dnnl_primitive_attr_destroy(attr) }
        var pd: dnnl_primitive_desc_t?
        guard dnnl_primitive_desc_create(&pd, descriptor, attr, engine, hint?.pd) == dnnl_success, let pd else { return nil }
        var p: dnnl_primitive_t?
        guard dnnl_primitive_create(&p, pd) == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            return nil
        }
        self.pd = pd
        primitive = p
        scratchpadSize = Self.scratchpadSize(pd)
    }

    init(reorderFrom src: UnsafePointer<dnnl_memory_desc_t>, to dst: UnsafePointer<dnnl_memory_desc_t>, engine: dnnl_engine_t) {
        var pd: dnnl_primitive_desc_t?
        let attr = Self.userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, src, engine, dst, engine, attr), "create reorder descriptor")
        var p: dnnl_primitive_t?
        dnnlCheck(dnnl_primitive_create(&p, pd), "create reorder")
        self.pd = pd!
        primitive = p!
        scratchpadSize = Self.scratchpadSize(pd!)
    }

    /// Attributes asking for a user-managed scratchpad. oneDNN's default (library) scratchpad is
    /// global per thread and sized when a primitive is created, so a primitive created on one
    /// thread and run on another (as Swift tasks move between threads) could write past it; the
    /// Winograd convolutions, with the largest scratchpads, crashed that way.
    static func userScratchpadAttributes() -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        dnnlCheck(dnnl_primitive_attr_create(&attr), "create attributes")
        dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set scratchpad mode")
        return attr!
    }

    private static func scratchpadSize(_ pd: dnnl_primitive_desc_t) -> Int {
        guard let md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) else { return 0 }
        return dnnl_memory_desc_get_size(md)
    }

    /// The implementation oneDNN chose (for example `brgconv_1x1:avx512_core_bf16`).
    var implementation: String {
        var info: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) == dnnl_success, let info else { return "" }
        return String(cString: info)
    }

    /// True for oneDNN's reference (unoptimized) implementations.
    var isReference: Bool { implementation.contains("ref") }

    /// A memory descriptor the primitive chose (`dnnl_query_src_md`, …).
    func md(_ what: dnnl_query_t, _ index: Int32 = 0) -> UnsafePointer<dnnl_memory_desc_t> {
        guard let md = dnnl_primitive_desc_query_md(pd, what, index) else {
            fatalError("KaryoNet oneDNN: primitive has no memory descriptor for query \(what.rawValue)")
        }
        return md
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }
}

/// Stops with a message naming the failed oneDNN call (these are programming errors: shapes and
/// layouts are validated before oneDNN is called).
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
    if status != dnnl_success { fatalError("KaryoNet oneDNN: \(what()) failed with status \(status.rawValue)") }
}
