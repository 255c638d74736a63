import ArgumentParser
import Foundation
import Karyo
import KaryoStore

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a version as train/validation(/test) folders with CSV and JSON manifests.",
        discussion: """
            Layout: OUT/SPLIT/CLASS/SAMPLE.png, readable by PyTorch's ImageFolder and Keras' \
            image_dataset_from_directory, plus OUT/manifest.csv and OUT/manifest.json. Patients never \
            straddle splits; only the training split is balanced. The same version, seed and options \
            give byte-identical output; every export is recorded and can be reproduced.

            Examples:
              karyo export HEAD out/ --balance undersample --seed 1
              karyo export --list
              karyo export --reproduce 3 out-again/
            """)

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The version to export (id, prefix, tag, HEAD), or with --reproduce the export id.")
    var version: String?

    @Argument(help: "The output folder (must not exist or be empty).")
    var output: String?

    @Option(help: "Seed for balancing and re-splitting.")
    var seed: UInt64 = 0

    @Option(help: "Balance the training split: none, undersample, oversample or class-weights.")
    var balance: BalanceStrategy = .none

    @Option(help: "Re-split patients at export with this validation fraction instead of the version's splits.")
    var validationFraction: Double?

    @Option(help: "With --validation-fraction: the test fraction.")
    var testFraction: Double = 0

    @Flag(help: "List recorded exports.")
    var list = false

    @Flag(help: "Re-run the recorded export whose id is given as the first argument and check it is byte-identical.")
    var reproduce = false

    func validate() throws {
        if list { return }
        guard version != nil, output != nil else { throw ValidationError("give a version and an output folder") }
        if reproduce, Int64(version!) == nil { throw ValidationError("--reproduce takes an export id (see --list)") }
    }

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let exporter = Exporter(store: store)
            if list {
                let records = try store.exports()
                if options.json { try printJSON(records) } else { print(TextReport.exports(records), terminator: "") }
                return
            }
            let out = URL(fileURLWithPath: output!)
            let progress = ProgressLine(label: "export")
            let result: Exporter.Result
            if reproduce {
                result = try exporter.reproduce(exportID: Int64(version!)!, to: out)
            } else {
                let request = ExportRequest(
                    version: version!, seed: seed, balance: balance,
                    resplit: validationFraction.map { .init(validationFraction: $0, testFraction: testFraction) })
                result = try exporter.export(request, to: out) { progress.update($0, of: $1) }
            }
            progress.finish()
            if options.json { try printJSON(result) } else { print(TextReport.export(result), terminator: "") }
        }
    }
}

extension BalanceStrategy: ExpressibleByArgument {}
