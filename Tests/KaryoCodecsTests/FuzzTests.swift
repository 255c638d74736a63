import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

/// Opt-in mutation fuzzing, meant to be run under AddressSanitizer:
/// `KARYO_FUZZ_ITERATIONS=20000 swift test --sanitize=address --filter Fuzz`.
@Suite("Mutation fuzzing (opt-in)", .enabled(if: ProcessInfo.processInfo.environment["KARYO_FUZZ_ITERATIONS"] != nil,
                                             "set KARYO_FUZZ_ITERATIONS to run"))
struct FuzzTests {
    @Test func mutateSamples() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["KARYO_FUZZ_ITERATIONS"] ?? "") ?? 1000
        let seed = UInt64(ProcessInfo.processInfo.environment["KARYO_FUZZ_SEED"] ?? "") ?? 1
        let options = DecodeOptions(maxPixels: 1 << 22)
        let interesting: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x10]
        var rng = SeededGenerator(seed: seed)
        for (name, data) in try Samples.all() {
            let base = [UInt8](data)
            var outcomes: [String: Int] = [:]
            for _ in 0..<iterations {
                var b = base
                let ops = Int.random(in: 1...4, using: &rng)
                for _ in 0..<ops where !b.isEmpty {
                    let pos = Int.random(in: 0..<b.count, using: &rng)
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 0: b[pos] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                    case 1: b[pos] = interesting.randomElement(using: &rng)!
                    case 2: b[pos] = UInt8.random(in: 0...255, using: &rng)
                    case 3: b.removeSubrange(pos..<min(b.count, pos + Int.random(in: 1...16, using: &rng)))
                    case 4: b.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: pos)
                    default:
                        // Copy a run of bytes over another place (duplicates markers/chunks/tags).
                        let len = Int.random(in: 1...32, using: &rng)
                        let from = Int.random(in: 0..<b.count, using: &rng)
                        let run = Array(b[from..<min(b.count, from + len)])
                        for (i, v) in run.enumerated() where pos + i < b.count { b[pos + i] = v }
                    }
                }
                do {
                    let d = try ImageCodec.decode(Data(b), fileName: name, options: options)
                    #expect(d.image.pixels.count == d.image.width * d.image.height)
                    outcomes["ok", default: 0] += 1
                } catch {
                    #expect(error.file == name)
                    outcomes[error.kind.rawValue, default: 0] += 1
                }
            }
            print("[Fuzz] \(name): \(outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
    }
}
