/// A seeded pseudo-random generator: SplitMix64 seeding xoshiro256**. Never the system generator,
/// so every image is a pure function of its seed.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var sm = seed
        func next() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    /// A seed derived from a batch seed and an index path, so that items can be made in any order.
    static func derive(_ seed: UInt64, _ parts: UInt64...) -> UInt64 {
        var r = SeededRandom(seed: seed)
        var h = r.next()
        for p in parts {
            var q = SeededRandom(seed: h ^ (p &* 0xD1B5_4A32_D192_ED03))
            h = q.next()
        }
        return h
    }

    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in `lo..<hi`.
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    /// Approximately normal (sum of four uniforms), mean 0, standard deviation `sd`.
    mutating func normal(_ sd: Float) -> Float {
        var sum: Float = 0
        for _ in 0..<4 { sum += uniform(-1, 1) }
        return sum * sd * 0.866
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < p
    }

    /// An integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
