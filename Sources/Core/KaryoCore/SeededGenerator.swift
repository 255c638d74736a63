import Foundation

/// The one seeded random number generator of Karyo: xoshiro256**, its state filled by SplitMix64
/// from a 64-bit seed. Same seed, same sequence, on every platform; never the system generator, so
/// every synthetic image, weight initialisation, shuffle and bootstrap is a pure function of its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator from a 64-bit seed.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// A seed derived from a batch seed and an index path, so that items can be made in any order.
    public static func derive(_ seed: UInt64, _ parts: UInt64...) -> UInt64 {
        var r = SeededGenerator(seed: seed)
        var h = r.next()
        for p in parts {
            var q = SeededGenerator(seed: h ^ (p &* 0xD1B5_4A32_D192_ED03))
            h = q.next()
        }
        return h
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform Float in [0, 1) (24 random bits).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A uniform Float in `lo..<hi`.
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A cheap, bounded, roughly normal sample (the sum of four uniforms in [-1, 1), scaled), mean 0
    /// and standard deviation `sd`; never beyond ±3.5 `sd`, which suits rendering jitter.
    public mutating func approximateNormal(_ sd: Float) -> Float {
        var sum: Float = 0
        for _ in 0..<4 { sum += uniform(-1, 1) }
        return sum * sd * 0.866
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < p
    }

    /// An integer in `range` (by modulo; the bias is below 2^-50 for ranges under 2^14).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
