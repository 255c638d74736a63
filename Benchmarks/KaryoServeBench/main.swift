// karyo-serve-bench: builds a synthetic store for the review web app's load benchmark
// (tools/bench-serve runs it, then wrk against `karyo serve`).
//
//   karyo-serve-bench build-store DIR [--samples 100000] [--queue 1000]
import Foundation
import KaryoServe
import KaryoTestSupport
import KaryoStore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("karyo-serve-bench: \(message)\n".utf8))
    exit(64)
}

var args = Array(CommandLine.arguments.dropFirst())
guard args.first == "build-store", args.count >= 2 else {
    fail("usage: karyo-serve-bench build-store DIR [--samples N] [--queue N]")
}
let directory = URL(fileURLWithPath: args[1])
var samples = 100_000
var queue = 1000
var i = 2
while i < args.count {
    guard i + 1 < args.count, let value = Int(args[i + 1]), value > 0 else { fail("bad value for \(args[i])") }
    switch args[i] {
    case "--samples": samples = value
    case "--queue": queue = value
    default: fail("unknown option \(args[i])")
    }
    i += 2
}
do {
    let store = try DatasetStore.create(at: directory, splitPolicy: SplitPolicy(validationFraction: 0.2, seed: 1))
    let summary = try DemoStore.populate(store, samples: samples, queueItems: queue)
    print(
        "karyo-serve-bench: built \(summary.samples) samples, \(summary.queueItems) items per queue, version \(summary.version) in \(String(format: "%.1f", summary.seconds)) s (\(String(format: "%.0f", Double(summary.samples) / summary.seconds)) samples/s)"
    )
} catch {
    fail("\(error)")
}
