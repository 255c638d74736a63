import ArgumentParser
import Foundation
import Karyo
import KaryoCore
import KaryoStore

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a Karyo project (a .karyo store) in a folder.",
        discussion: """
            The split policy is fixed at init: every patient is assigned to train, validation or test by a \
            keyed hash of their pseudonymous token, so a patient never changes split as data is added.
            """)

    @Argument(help: "The project folder (created if missing).")
    var path: String = "."

    @Option(help: "Fraction of patients in the validation split.")
    var validationFraction: Double = 0.2

    @Option(help: "Fraction of patients in the test split (0: none).")
    var testFraction: Double = 0

    @Option(help: "Seed of the split assignment (default: random, recorded in the store).")
    var splitSeed: UInt64?

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let policy = SplitPolicy(
                validationFraction: validationFraction, testFraction: testFraction,
                seed: splitSeed ?? UInt64.random(in: 0...UInt64(UInt32.max)))
            let store = try Project.create(at: path, splitPolicy: policy)
            if json {
                try printJSON(InitResult(project: store.projectRoot.path, splitPolicy: policy))
            } else {
                print("Created a Karyo project in \(store.projectRoot.path)")
                print(
                    "Split policy: validation \(policy.validationFraction), test \(policy.testFraction), seed \(policy.seed)")
            }
        }
    }

    struct InitResult: Encodable {
        var project: String
        var splitPolicy: SplitPolicy
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what the store holds and what is not yet committed.")

    @OptionGroup var options: ProjectOptions

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let status = try store.status()
            if options.json { try printJSON(status) } else { print(TextReport.status(status), terminator: "") }
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-hash every blob and check the database; report anything missing or changed.",
        discussion: "Exits 0 when the store is healthy, 2 when damage was found.")

    @OptionGroup var options: ProjectOptions

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let progress = ProgressLine(label: "verify")
            let report = try store.verify(progress: { done, total in progress.update(done, of: total) })
            progress.finish()
            if options.json { try printJSON(report) } else { print(TextReport.verify(report), terminator: "") }
            if !report.isHealthy { throw ExitCode(ExitCodes.partial) }
        }
    }
}
