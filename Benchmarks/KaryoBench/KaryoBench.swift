// karyo-bench: Karyo's benchmarks. Prints figures; asserts nothing. One subcommand per benchmark:
//
//   karyo-bench import | commit | deid | t922-cells   the store, the import pipeline, de-identification,
//                                                     the t(9;22) cell set (StoreBench.swift, T922Cells.swift)
//   karyo-bench extract                               9/22 extraction rates against the truth (Extract/)
//   karyo-bench metaphase <sub>                       metaphase segmentation and 9/22 picking (Metaphase/)
//   karyo-bench loop DIR                              the active-learning loop (Loop/)
//   karyo-bench engine <sub>                          KaryoNet on ResNet-50, against PyTorch (Engine/)
//   karyo-bench serve build-store DIR                 a synthetic store for the review app's load test (Serve/)
//
// The tools/bench-* scripts build it in release mode and run it; `karyo-bench <sub> --help` lists
// each benchmark's options.
import ArgumentParser

@main
struct KaryoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "karyo-bench",
        abstract: "Karyo's benchmarks: print figures (quoted in docs/), assert nothing.",
        discussion: "The tools/bench-* scripts build this in release mode and run it; see docs/benchmarks.md.",
        subcommands: [
            ImportBench.self, CommitBench.self, DeidThroughputBench.self, T922CellsCommand.self, ExtractBench.self,
            MetaphaseBench.self, LoopBench.self, EngineBench.self, ServeBench.self,
        ])
}
