import ArgumentParser
import Foundation
import Karyo
import KaryoCore

struct Samples: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List samples with their tokens, current label, patient and size.")

    @OptionGroup var options: ProjectOptions

    @Option(help: "Show at most this many samples.")
    var limit: Int = 50

    @Option(help: "Skip this many samples first.")
    var offset: Int = 0

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let samples = try store.samples(limit: limit, offset: offset)
            if options.json { try printJSON(samples) } else { print(TextReport.samples(samples), terminator: "") }
        }
    }
}

struct Label: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a label for one or more samples (an append-only label event).",
        discussion: """
            Labels: positive (t(9;22) present), negative, unsure. Give --as, or --karyotype with an ISCN \
            string to derive the label from it. Sources: karyotype, fish, pcr, reviewer, model. \
            The next `karyo commit` makes a new version with the new labels.
            """)

    @OptionGroup var options: ProjectOptions

    @Argument(help: "Sample tokens (see `karyo samples`).")
    var samples: [String]

    @Option(name: .customLong("as"), help: "The label: positive, negative or unsure.")
    var label: String?

    @Option(help: "An ISCN karyotype, e.g. 46,XY,t(9;22)(q34;q11.2)[20]; the label is derived from it unless --as is given.")
    var karyotype: String?

    @Option(help: "Where the label comes from: karyotype, fish, pcr, reviewer or model (default: reviewer, or karyotype with --karyotype).")
    var source: String?

    @Option(help: "Why (kept in the label history).")
    var reason: String?

    @Option(help: "Who decided (default: $KARYO_AUTHOR or $USER).")
    var author: String?

    func validate() throws {
        if samples.isEmpty { throw ValidationError("name at least one sample") }
        if label == nil && karyotype == nil { throw ValidationError("give --as LABEL or --karyotype ISCN") }
        if let label, SampleLabel(userInput: label) == nil {
            throw ValidationError("unknown label '\(label)': use positive, negative or unsure")
        }
        if let source, LabelSource(userInput: source) == nil {
            throw ValidationError("unknown source '\(source)': use karyotype, fish, pcr, reviewer or model")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let events = try Labeler(store: store).label(
                samples: samples, label: label.flatMap(SampleLabel.init(userInput:)), karyotype: karyotype,
                source: source.flatMap(LabelSource.init(userInput:)), author: author ?? Project.defaultAuthor,
                reason: reason)
            if options.json { try printJSON(events) } else { print(TextReport.labelEvents(events), terminator: "") }
        }
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the full label history of a sample.")

    @OptionGroup var options: ProjectOptions

    @Argument(help: "A sample token.")
    var sample: String

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let info = try store.sample(token: sample)
            let events = try store.labelHistory(sample: sample)
            if options.json {
                try printJSON(SampleHistory(sample: info, events: events))
            } else {
                print(TextReport.samples([info]) + TextReport.labelEvents(events), terminator: "")
            }
        }
    }
}
