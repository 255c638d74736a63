import Foundation

extension ResNet {
    /// The metadata key holding the architecture name.
    public static let architectureMetadataKey = "karyo.architecture"

    /// Parameters and batch-norm buffers under torchvision's names (`conv1.weight`,
    /// `bn1.running_mean`, `layer1.0.conv1.weight`, `fc.weight`, …), as PyTorch's `state_dict()`.
    public func stateDict() -> SafeTensors {
        var st = SafeTensors()
        st.metadata = ["format": "pt", Self.architectureMetadataKey: configuration.architectureName]
        for (name, v) in namedParameters { st.setFloat(name, v.value) }
        for (name, bn) in namedBatchNorms {
            st.setFloat("\(name).running_mean", bn.runningMean)
            st.setFloat("\(name).running_var", bn.runningVariance)
            st.setInt64("\(name).num_batches_tracked", [bn.numBatchesTracked], shape: [])
        }
        return st
    }

    /// Writes a safetensors checkpoint that PyTorch loads with `load_state_dict`.
    public func save(to url: URL) throws { try stateDict().write(to: url) }

    /// Loads a checkpoint written by Karyo or PyTorch. Nothing changes unless every tensor fits.
    /// - Parameters:
    ///   - skipping: name prefixes to leave untouched (e.g. `["fc."]` for transfer learning to
    ///     another number of classes); checkpoint tensors under them are ignored.
    ///   - summingInputChannels: for a model with 1 input channel, accept a `conv1.weight` with
    ///     several (torchvision's RGB ImageNet weights) and sum them, which is exact for a gray
    ///     image replicated into every channel.
    /// - Throws: `KaryoNetError.shapeMismatch`, `.missingTensor`, `.unexpectedTensor` or
    ///   `.architectureMismatch`, each naming the tensor.
    public func load(_ st: SafeTensors, skipping: [String] = [], summingInputChannels: Bool = false) throws {
        var st = st
        if summingInputChannels, configuration.inputChannels == 1, let e = st.entries["conv1.weight"],
           e.shape.count == 4, e.shape[1] > 1 {
            let w = try st.float("conv1.weight").scalars
            let (o, c, k) = (e.shape[0], e.shape[1], e.shape[2] * e.shape[3])
            var summed = [Float](repeating: 0, count: o * k)
            for oi in 0..<o { for ci in 0..<c { for i in 0..<k { summed[oi * k + i] += w[(oi * c + ci) * k + i] } } }
            st.setFloat("conv1.weight", Tensor(summed, shape: [o, 1, e.shape[2], e.shape[3]]))
        }
        func skipped(_ name: String) -> Bool { skipping.contains { name.hasPrefix($0) } }
        var expected: [String: [Int]] = [:]
        for (name, v) in namedParameters where !skipped(name) { expected[name] = v.shape }
        for (name, bn) in namedBatchNorms where !skipped(name + ".") {
            expected["\(name).running_mean"] = bn.runningMean.shape
            expected["\(name).running_var"] = bn.runningVariance.shape
        }
        let optional = Set(namedBatchNorms.map { "\($0.name).num_batches_tracked" })
        let present = Set(st.entries.keys).filter { !skipped($0) }
        let missing = expected.keys.filter { !present.contains($0) }.sorted()
        let unexpected = present.filter { expected[$0] == nil && !optional.contains($0) }.sorted()
        let theirs = st.metadata[Self.architectureMetadataKey]
        let ours = configuration.architectureName
        if !missing.isEmpty && !unexpected.isEmpty || (theirs != nil && theirs != ours && !(missing.isEmpty && unexpected.isEmpty) ) {
            var parts: [String] = ["model is \(ours)"]
            if let theirs { parts.append("checkpoint is \(theirs)") }
            if let m = missing.first { parts.append("missing tensor '\(m)'" + (missing.count > 1 ? " and \(missing.count - 1) more" : "")) }
            if let u = unexpected.first { parts.append("unexpected tensor '\(u)'" + (unexpected.count > 1 ? " and \(unexpected.count - 1) more" : "")) }
            throw KaryoNetError.architectureMismatch(parts.joined(separator: "; "))
        }
        if let m = missing.first { throw KaryoNetError.missingTensor(m) }
        if let u = unexpected.first { throw KaryoNetError.unexpectedTensor(u) }
        for name in expected.keys.sorted() {
            let e = st.entries[name]!
            if e.shape != expected[name]! {
                if theirs != nil && theirs != ours {
                    throw KaryoNetError.architectureMismatch("model is \(ours), checkpoint is \(theirs!); tensor '\(name)' has shape \(e.shape), expected \(expected[name]!)")
                }
                throw KaryoNetError.shapeMismatch(tensor: name, expected: expected[name]!, actual: e.shape)
            }
        }
        // Convert everything first, then assign.
        var values: [String: Tensor] = [:]
        for name in expected.keys { values[name] = try st.float(name) }
        for (name, v) in namedParameters where !skipped(name) { v.value = values[name]! }
        for (name, bn) in namedBatchNorms where !skipped(name + ".") {
            bn.runningMean = values["\(name).running_mean"]!
            bn.runningVariance = values["\(name).running_var"]!
            if let n = try? st.int64("\(name).num_batches_tracked").first { bn.numBatchesTracked = n }
        }
        if isFolded { foldBatchNorm() }
    }

    /// Loads a checkpoint file (see `load(_:skipping:summingInputChannels:)`).
    public func load(contentsOf url: URL, skipping: [String] = [], summingInputChannels: Bool = false) throws {
        try load(SafeTensors(contentsOf: url), skipping: skipping, summingInputChannels: summingInputChannels)
    }
}
