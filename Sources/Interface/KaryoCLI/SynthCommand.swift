import ArgumentParser
import Foundation
import Karyo
import KaryoSynth

struct Synth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make SYNTHETIC karyograms and metaphases with ground truth (no real patient in them).",
        discussion: """
            Every image this command writes is synthetic: chromosomes are drawn from the NCBI ISCN band \
            tables (public domain), or, with --real-chromosomes, cut from real single-chromosome crops \
            read from the folder you give (semi-synthetic; the crops are never copied into the project). \
            Positives carry t(9;22)(q34;q11.2): der(9) and der(22) (the Ph) beside the normal homologs. \
            OUT receives the images, manifest.csv (import with: karyo import --lab synthetic \
            --manifest OUT/manifest.csv), README.txt and truth/<image>.json + truth/<image>.mask.png \
            (ISCN, label, sex, box, mask, class and role of every chromosome). The same options and \
            --seed always give the same files.
            """)

    @Argument(help: "Output folder (created; must not already hold a manifest.csv).")
    var out: String

    @Option(help: "Number of cells (with --kind both, two images per cell).")
    var count: Int = 12

    @Option(help: "Fraction of cases (patients) carrying t(9;22) in at least two cells.")
    var positiveFraction: Double = 0.5

    @Option(help: "karyogram, metaphase or both (CytoVision-style <case>.<cell>.K / .A pairs).")
    var kind: String = "karyogram"

    @Option(help: "ISCN band level: 300, 400 or 550 (850 also works).")
    var bandLevel: Int = 400

    @Option(help: "Seed; the same seed and options give the same files.")
    var seed: UInt64 = 1

    @Option(help: "png, jpeg, tiff or mixed (cycles the three).")
    var format: String = "png"

    @Option(help: "Image width in pixels.")
    var width: Int = 1000

    @Option(help: "Image height in pixels.")
    var height: Int = 900

    @Option(help: "Cells per case (one case per synthetic patient).")
    var cellsPerCase: Int = 3

    @Option(help: "Folder of real chromosome crops with labels.csv (extracted PKI-3, or BioImLab Q-band): semi-synthetic images.")
    var realChromosomes: String?

    @Flag(help: "With Q-band crops, keep bright-on-dark polarity instead of inverting to G-like.")
    var qBandPolarity = false

    @Option(help: "Fraction of positive cases with a variant three-way t(9;22;v).")
    var variant: Double = 0

    @Option(help: "Fraction of positive cases with a masked Ph, ins(22;9)(q11.2;q34q34).")
    var maskedPh: Double = 0

    @Option(help: "Fraction of negative cases carrying t(8;21), t(15;17) or t(4;11) (hard negatives).")
    var hardNegatives: Double = 0

    @Flag(help: "Burn plainly FAKE names, record numbers and birth dates into pixels and metadata (de-identification tests).")
    var fakeIdentities = false

    @Flag(help: "Do not write the label-map masks.")
    var noMasks = false

    @Option(help: ArgumentHelp("Print karyograms/s for N images of the given size instead of writing files.", visibility: .hidden))
    var benchmark: Int?

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard SynthOptions.Images(rawValue: kind) != nil else { throw ValidationError("--kind must be karyogram, metaphase or both") }
        guard SynthOptions.Format(rawValue: format) != nil else { throw ValidationError("--format must be png, jpeg, tiff or mixed") }
        guard BandLevel(rawValue: bandLevel) != nil else { throw ValidationError("--band-level must be 300, 400 or 550") }
        if let problem = options.validationProblem() { throw ValidationError(problem) }
    }

    var options: SynthOptions {
        var o = SynthOptions()
        o.count = count
        o.positiveFraction = positiveFraction
        o.kind = SynthOptions.Images(rawValue: kind) ?? .karyogram
        o.bandLevel = BandLevel(rawValue: bandLevel) ?? .bands400
        o.seed = seed
        o.format = SynthOptions.Format(rawValue: format) ?? .png
        o.width = width
        o.height = height
        o.cellsPerCase = cellsPerCase
        o.realChromosomes = realChromosomes.map { URL(fileURLWithPath: $0) }
        o.keepQBandPolarity = qBandPolarity
        o.variantFraction = variant
        o.maskedPhFraction = maskedPh
        o.hardNegativeFraction = hardNegatives
        o.fakeIdentities = fakeIdentities
        o.writeMasks = !noMasks
        return o
    }

    func run() async throws {
        try await runReportingErrors {
            if let benchmark {
                let rate = try SynthGenerator.benchmark(images: benchmark, width: width, height: height,
                                                        bandLevel: options.bandLevel, encodePNG: false)
                let withPNG = try SynthGenerator.benchmark(images: benchmark, width: width, height: height,
                                                           bandLevel: options.bandLevel, encodePNG: true)
                print(String(format: "synth: %.1f karyograms/s rendered, %.1f/s rendered + PNG-encoded (%dx%d, %d cores)",
                             rate, withPNG, width, height, ProcessInfo.processInfo.activeProcessorCount))
                return
            }
            let progress = ProgressLine(label: "synth")
            let report = try SynthGenerator(options: options).generate(into: URL(fileURLWithPath: out)) { done, total in
                progress.update(done, of: total)
            }
            progress.finish()
            if json {
                try printJSON(report)
            } else {
                print("Wrote \(report.images) SYNTHETIC images (\(report.cells) cells, \(report.cases) cases, "
                    + "\(report.positiveCases) positive) to \(report.output) in \(String(format: "%.1f", report.seconds)) s.")
                print("Manifest: \(report.manifest)")
            }
        }
    }
}
