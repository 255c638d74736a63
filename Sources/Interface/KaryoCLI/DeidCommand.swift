import ArgumentParser
import Foundation
import Karyo
import KaryoDeid
import KaryoVision

struct Deid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write de-identified copies of images, or verify a folder of outputs.",
        discussion: """
            karyo deid IN OUT: every file under IN (walked recursively in path order, hidden files \
            skipped) becomes OUT/<n>.png, n its position in the walk: 8-bit gray pixels in a fresh PNG \
            with only IHDR, IDAT and IEND, burned-in identifiers masked by OCR and per-lab templates. \
            Files with several pages, pixels hidden under transparency, formats not understood, or \
            text OCR is unsure about are quarantined: no image is written, OUT/quarantine/quarantine.json \
            lists their index, SHA-256 and reason. OUT/deid-report.json records the outcome and \
            provenance of every file. Original file and folder names are never written or printed.

            karyo deid --verify FOLDER: runs the verifier on every file of FOLDER.

            Exit status: 0 all clean / all passed; 2 some files quarantined or failed verification.
            """)

    @Argument(help: "The input folder (or, with --verify, the folder to verify).")
    var input: String

    @Argument(help: "The output folder (must not exist or be empty).")
    var output: String?

    @Option(help: "JSON config: OCR options and per-lab region templates.")
    var config: String?

    @Option(help: "The lab that sent the images (selects its templates).")
    var lab: String = ""

    @Option(help: "A file of identifiers to mask and to search the outputs for, one per line.")
    var knownIdentifiers: String?

    @Flag(help: "Verify a folder instead of de-identifying.")
    var verify = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        if verify && output != nil { throw ValidationError("--verify takes one folder") }
        if !verify && output == nil { throw ValidationError("give IN and OUT folders") }
    }

    func run() async throws {
        try await runReportingErrors {
            do {
                try runDeid()
            } catch let error as DeidBatchError {
                printError("karyo: error: \(error.description)")
                switch error.kind {
                case .noInput: throw ExitCode(ExitCodes.notFound)
                case .outputExists: throw ExitCode(ExitCodes.cannotCreate)
                case .io: throw ExitCode(ExitCodes.ioError)
                }
            } catch let error as DeidConfigError {
                printError("karyo: error: \(error.description)")
                throw ExitCode(ExitCodes.dataError)
            } catch let error as OCRSetupError {
                printError("karyo: error: \(error.description)")
                throw ExitCode(ExitCodes.failure)
            }
        }
    }

    private func runDeid() throws {
        var known: [String] = []
        if let knownIdentifiers {
            // the path itself may name a patient: keep it out of the message
            guard let text = try? String(contentsOf: URL(fileURLWithPath: knownIdentifiers), encoding: .utf8) else {
                throw DeidConfigError(description: "cannot read the --known-identifiers file")
            }
            known = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if verify {
            let results = try DeidVerifier.verifyFolder(URL(fileURLWithPath: input), forbidden: known)
            // Names of Karyo's own outputs are printed; any other name (which may identify a
            // patient) is replaced by its position in path order.
            let shown = results.enumerated().map { i, r in
                r.file.range(of: #"^(quarantine/)?(\d+\.png|deid-report\.json|quarantine\.json)$"#, options: .regularExpression) != nil
                    ? r.file : "file #\(i + 1)"
            }
            if json {
                try printJSON(zip(shown, results).map { VerifiedFile(file: $0, result: $1.result) })
            } else {
                for (name, r) in zip(shown, results) {
                    print("\(r.result.passed ? "ok    " : "FAILED") \(name)\(r.result.problems.isEmpty ? "" : ": " + r.result.problems.joined(separator: "; "))")
                }
                print("\(results.filter { $0.result.passed }.count) of \(results.count) files passed")
            }
            if results.contains(where: { !$0.result.passed }) { throw ExitCode(ExitCodes.partial) }
            return
        }
        let profile = try DeidProfile.load(configFile: config.map { URL(fileURLWithPath: $0) })
        let progress = ProgressLine(label: "deid")
        let report = try DeidBatch.run(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output!),
                                       profile: profile, lab: lab, knownIdentifiers: known) { done, total in
            progress.update(done, of: total)
        }
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            for f in report.files where f.outcome == "quarantined" {
                print("quarantined #\(f.index): \(f.reason ?? "")")
            }
            print("\(report.cleanCount) clean, \(report.quarantinedCount) quarantined; report in deid-report.json")
        }
        if report.quarantinedCount > 0 { throw ExitCode(ExitCodes.partial) }
    }
}

private struct VerifiedFile: Encodable {
    let file: String
    let result: VerifierResult
}
