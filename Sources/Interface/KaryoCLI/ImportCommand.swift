import ArgumentParser
import Foundation
import Karyo
import KaryoCodecs
import KaryoCore
import KaryoDeid
import KaryoStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import karyotype images (PNG, JPEG, TIFF, BMP) from files and folders.",
        discussion: """
            Every file is decoded to 8-bit grayscale and de-identified before it is stored as a fresh \
            PNG: no metadata of the original is kept; burned-in identifiers (names, record numbers, \
            dates, the case's own identifiers) are found by OCR and masked, keeping chromosome numbers \
            and ISCN; files with several pages, pixels hidden under transparency, or text the OCR is \
            unsure of are quarantined for a person to decide. File names never reach the store, and \
            reports name files by position (#17) unless --show-paths is given. Patient, case and cell identifiers \
            from the manifest are kept only as keyed-hash lookup keys; the store holds random tokens. \
            Each file is its own transaction: a bad file is reported and the rest are imported; an \
            interrupted import keeps what it stored. Files whose pixels are already stored are skipped. \
            Exit status: 0 when every file was imported or was a duplicate, 2 when some failed or were \
            quarantined.
            """)

    @OptionGroup var options: ProjectOptions

    @Argument(help: "Files or folders (walked recursively). May be omitted with --manifest.")
    var paths: [String] = []

    @Option(help: "The lab that sent the images.")
    var lab: String

    @Option(help: "CSV manifest: file, patient_id, case_id, cell_id, karyotype[, label, label_source].")
    var manifest: String?

    @Option(help: "Image kind for every file: karyogram, metaphase or unknown (default: guessed from .A./.K. names).")
    var kind: ImageKind?

    @Option(help: "Largest image accepted, in pixels (decompression-bomb limit).")
    var maxPixels: Int = DecodeOptions.defaultMaxPixels

    @Option(help: "Author recorded with the initial labels (default: $KARYO_AUTHOR or $USER).")
    var author: String?

    @Flag(help: "Print only the summary and problems, not a line per file.")
    var quiet = false

    @Flag(help: "Name files by their paths in the report (paths can contain patient names; they are never stored).")
    var showPaths = false

    @Option(help: "De-identification config (JSON): OCR options and per-lab region templates.")
    var deidConfig: String?

    @Flag(help: "Skip the extraction of chromosomes 9 and 22 after de-identification.")
    var noExtract = false

    func validate() throws {
        if paths.isEmpty && manifest == nil { throw ValidationError("give files or folders to import, or --manifest") }
        if let kind, !NewSample.kinds.contains(kind) {
            throw ValidationError("--kind must be \(NewSample.kinds.map(\.rawValue).joined(separator: ", "))")
        }
        if maxPixels <= 0 { throw ValidationError("--max-pixels must be positive") }
    }

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let request = ImportRequest(
                paths: paths, lab: lab, manifest: manifest.map { URL(fileURLWithPath: $0) },
                author: author ?? Project.defaultAuthor, decodeOptions: DecodeOptions(maxPixels: maxPixels), kind: kind,
                deidProfile: try DeidProfile.load(configFile: deidConfig.map { URL(fileURLWithPath: $0) }),
                showPaths: showPaths,
                extraction: noExtract ? nil : ChromosomeExtraction(metaphaseFinder: ClassifierMetaphaseFinder.loadIfAvailable()))
            let progress = ProgressLine(label: "import")
            let report = try await ImportPipeline(store: store).run(request) { done, total in
                progress.update(done, of: total)
            }
            progress.finish()
            if options.json {
                try printJSON(report)
            } else {
                print(TextReport.importReport(report, perFile: !quiet), terminator: "")
            }
            if report.hasFailures { throw ExitCode(ExitCodes.partial) }
        }
    }
}

extension ImageKind: ExpressibleByArgument {}
