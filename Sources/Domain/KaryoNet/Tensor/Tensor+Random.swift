import KaryoCore

extension Tensor {
    /// A plain tensor of normal samples with the given standard deviation.
    public static func randomNormal(_ shape: [Int], std: Float, generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = generator.nextNormal() * std } }
        return t
    }

    /// A plain tensor of uniform samples in [low, high).
    public static func randomUniform(_ shape: [Int], low: Float, high: Float, generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer { b in
            for i in b.indices { b[i] = low + (high - low) * generator.nextUniform() }
        }
        return t
    }
}
