import Foundation
import Synchronization

/// Errors reported by KaryoNet. Every message names the tensor or parameter involved.
public enum KaryoNetError: Error, CustomStringConvertible, Equatable {
    /// Two shapes that must agree do not.
    case shapeMismatch(tensor: String, expected: [Int], actual: [Int])
    /// A checkpoint lacks a tensor the model needs.
    case missingTensor(String)
    /// A checkpoint holds a tensor the model does not have.
    case unexpectedTensor(String)
    /// A checkpoint was written for another architecture.
    case architectureMismatch(String)
    /// A file is not a valid safetensors file.
    case invalidCheckpoint(String)
    /// The loss became NaN or infinite.
    case nonFiniteLoss(epoch: Int, step: Int, value: Float)
    /// Any other invalid argument.
    case invalidArgument(String)
    /// An error reported by a compute backend.
    case backend(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(name, expected, actual):
            return "shape mismatch for tensor '\(name)': expected \(expected), got \(actual)"
        case let .missingTensor(name): return "checkpoint is missing tensor '\(name)'"
        case let .unexpectedTensor(name): return "checkpoint has unexpected tensor '\(name)'"
        case let .architectureMismatch(message): return "checkpoint of another architecture: \(message)"
        case let .invalidCheckpoint(message): return "invalid checkpoint: \(message)"
        case let .nonFiniteLoss(epoch, step, value):
            return "training stopped: loss is \(value) at epoch \(epoch), step \(step)"
        case let .invalidArgument(message): return message
        case let .backend(message): return "backend error: \(message)"
        }
    }
}

/// A layout a backend chose for a tensor's elements (for example oneDNN's blocked `nChw16c`).
/// Layouts are interned by their backend, so equal layouts are the same object.
public protocol OpaqueLayout: AnyObject, Sendable {
    /// The number of Float32 elements the storage needs, padding included.
    var storageCount: Int { get }
    /// The elements of `storage` (in this layout) in plain row-major order.
    func plainStorage(from storage: TensorStorage, shape: [Int]) -> TensorStorage
}

/// Reference-counted, 64-byte aligned Float32 storage.
public final class TensorStorage: @unchecked Sendable {
    /// The elements. Mutated only through `Tensor`'s copy-on-write accessors or by backends
    /// writing a freshly allocated result.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int
    /// Incremented by every mutable access through `Tensor`, so caches of derived data (such as
    /// a backend's reordered weights) can tell when the contents changed.
    public internal(set) var generation = 0

    /// Allocates uninitialized storage for `count` elements (reusing a pooled buffer of the same
    /// size when one is free, so training steps do not page-fault fresh memory every time).
    public init(count: Int) {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = BufferPool.shared.take(bytes: bytes) ?? {
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
                fatalError("KaryoNet: cannot allocate \(bytes) bytes")
            }
            return raw
        }()
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
    }

    /// Allocates zero-filled storage.
    public convenience init(zeros count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { BufferPool.shared.give(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride) }

    /// Returns the buffers kept for reuse (at most 512 MB) to the system, e.g. after training.
    public static func releasePooledBuffers() { BufferPool.shared.drain() }

    func copy() -> TensorStorage {
        let s = TensorStorage(count: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }
}

/// Freed large buffers kept by exact size for reuse, up to a byte budget.
final class BufferPool: Sendable {
    static let shared = BufferPool()
    /// Buffers smaller than this go straight back to malloc.
    static let minimumBytes = 1 << 16
    /// Most bytes kept in the pool (KARYO_BUFFER_POOL_MB overrides; 0 disables pooling).
    let budget: Int = {
        if let v = ProcessInfo.processInfo.environment["KARYO_BUFFER_POOL_MB"], let mb = Int(v) { return mb << 20 }
        return 512 << 20
    }()
    private struct State: ~Copyable {
        var free: [Int: [UInt]] = [:]   // addresses by size
        var bytes = 0
    }
    private let state = Mutex(State())

    func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= Self.minimumBytes else { return nil }
        return state.withLock { s -> UInt? in
            guard let p = s.free[bytes]?.popLast() else { return nil }
            s.bytes -= bytes
            return p
        }.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    func give(_ p: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= Self.minimumBytes {
            let address = UInt(bitPattern: p)
            let kept = state.withLock { s in
                guard s.bytes + bytes <= budget else { return false }
                s.free[bytes, default: []].append(address)
                s.bytes += bytes
                return true
            }
            if kept { return }
        }
        free(p)
    }

    /// Returns every pooled buffer to the system.
    func drain() {
        let all = state.withLock { s in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]; s.bytes = 0
            return all
        }
        for a in all { free(UnsafeMutableRawPointer(bitPattern: a)) }
    }
}

/// A dense Float32 tensor, NCHW for images, `[N, features]` for matrices, `[C]` for vectors.
///
/// Tensors are values: copies share storage until one is mutated (copy on write).
/// A backend may return a tensor in an opaque layout (`layout != nil`); `Backend.plain(_:)`
/// converts it back.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    /// The logical shape.
    public let shape: [Int]
    /// The elements (plain row-major order unless `layout` is set).
    public private(set) var storage: TensorStorage
    /// A backend-specific layout, or nil for plain row-major order.
    public let layout: (any OpaqueLayout)?

    /// Number of logical elements.
    public var count: Int { shape.reduce(1, *) }
    /// True if the elements are in plain row-major order.
    public var isPlain: Bool { layout == nil }

    /// Wraps existing storage.
    public init(shape: [Int], storage: TensorStorage, layout: (any OpaqueLayout)? = nil) {
        precondition(storage.count >= (layout?.storageCount ?? shape.reduce(1, *)), "storage too small")
        self.shape = shape
        self.storage = storage
        self.layout = layout
    }

    /// A zero-filled plain tensor.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(zeros: shape.reduce(1, *)))
    }

    /// A plain tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        let s = TensorStorage(count: shape.reduce(1, *))
        s.pointer.initialize(repeating: value, count: s.count)
        self.init(shape: shape, storage: s)
    }

    /// A plain tensor holding `data` in row-major order.
    /// - Throws: `KaryoNetError.shapeMismatch` if `data.count` does not match `shape`.
    public init(shape: [Int], data: [Float], name: String = "tensor") throws {
        let n = shape.reduce(1, *)
        guard data.count == n, shape.allSatisfy({ $0 >= 0 }) else {
            throw KaryoNetError.shapeMismatch(tensor: name, expected: shape, actual: [data.count])
        }
        let s = TensorStorage(count: n)
        data.withUnsafeBufferPointer { s.pointer.update(from: $0.baseAddress!, count: n) }
        self.init(shape: shape, storage: s)
    }

    /// A plain tensor holding `data`; traps if the count does not match (for literals in code).
    public init(_ data: [Float], shape: [Int]) {
        precondition(data.count == shape.reduce(1, *), "data count \(data.count) does not match shape \(shape)")
        // swiftlint:disable:next force_try
        try! self.init(shape: shape, data: data)
    }

    /// The same values in plain row-major order (converted if the layout is opaque).
    public func plain() -> Tensor {
        guard let layout else { return self }
        return Tensor(shape: shape, storage: layout.plainStorage(from: storage, shape: shape))
    }

    /// True when `self` and `other` have the same layout (both plain, or the same opaque layout).
    public func hasSameLayout(as other: Tensor) -> Bool {
        switch (layout, other.layout) {
        case (nil, nil): true
        case let (a?, b?): a === b
        default: false
        }
    }

    /// The elements as an array in plain row-major order.
    public var scalars: [Float] {
        let p = plain()
        return Array(UnsafeBufferPointer(start: p.storage.pointer, count: count))
    }

    /// Read-only access to the elements in plain row-major order.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let p = plain()
        return try withExtendedLifetime(p) { try body(UnsafeBufferPointer(start: p.storage.pointer, count: count)) }
    }

    /// Mutable access to the plain elements; copies the storage first if it is shared.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        precondition(isPlain, "mutate a tensor in an opaque layout element-wise with withUnsafeMutableStorage")
        return try withUnsafeMutableStorage(body)
    }

    /// Read-only access to the raw storage in its own layout (padding included), for element-wise
    /// work that does not depend on the order, such as optimizer updates.
    public func withUnsafeStorage<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: layout?.storageCount ?? count))
    }

    /// Mutable access to the raw storage in its own layout; copies the storage first if it is shared.
    public mutating func withUnsafeMutableStorage<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.generation &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: layout?.storageCount ?? count))
    }

    /// A zero tensor with the same shape and layout.
    public func zerosLike() -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(zeros: layout?.storageCount ?? count), layout: layout)
    }

    /// The same elements under another shape with the same element count (plain tensors only).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(isPlain && newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    /// Checks the shape, naming the tensor in the error.
    public func expectShape(_ expected: [Int], name: String) throws {
        if shape != expected { throw KaryoNetError.shapeMismatch(tensor: name, expected: expected, actual: shape) }
    }

    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(head)\(count > 8 ? ", ..." : "")])"
    }
}
