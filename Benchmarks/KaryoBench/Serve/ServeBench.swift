// karyo-bench serve: builds a synthetic store for the review web app's load benchmark
// (tools/bench-serve runs it, then wrk against `karyo serve`).
//
//   karyo-bench serve build-store DIR [--samples 100000] [--queue 1000]
import ArgumentParser
import Foundation
import KaryoTestSupport
import KaryoStore

struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The review web app's load benchmark: a synthetic store to serve (tools/bench-serve).",
        subcommands: [ServeBuildStore.self])
}

struct ServeBuildStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-store",
        abstract: "Build a synthetic store of N samples with review queues, timed.")

    @Argument(help: "The project folder to create.")
    var directory: String

    @Option(help: "Samples in the store.")
    var samples: Int = 100_000

    @Option(help: "Items per review queue.")
    var queue: Int = 1000

    func validate() throws {
        guard samples > 0 else { throw ValidationError("bad value for --samples: must be positive") }
        guard queue > 0 else { throw ValidationError("bad value for --queue: must be positive") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: self.directory)
        do {
            let store = try DatasetStore.create(at: directory, splitPolicy: SplitPolicy(validationFraction: 0.2, seed: 1))
            let summary = try DemoStore.populate(store, samples: samples, queueItems: queue)
            print(
                "karyo-bench serve: built \(summary.samples) samples, \(summary.queueItems) items per queue, version \(summary.version) in \(String(format: "%.1f", summary.seconds)) s (\(String(format: "%.0f", Double(summary.samples) / summary.seconds)) samples/s)"
            )
        } catch {
            FileHandle.standardError.write(Data("karyo-bench serve: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }
}
