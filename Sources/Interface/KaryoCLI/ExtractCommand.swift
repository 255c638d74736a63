import ArgumentParser
import Foundation
import Karyo

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract chromosomes 9 and 22 and compose the 90x90 model input.",
        discussion: """
            Karyograms are read by their layout (a grid of numbered boxes, slot underlines, or the four \
            standard rows 1-5 / 6-12 / 13-18 / 19-22,X,Y), so the slot gives the class; dark-on-light \
            (G-band) and bright-on-dark (Q-band) images are both handled. Metaphases go to the chromosome \
            classifier when its weights are available. Images that are neither (a photo, a blank page) \
            are reported as such. Missing or extra chromosomes are reported, never invented. Each \
            chromosome is turned upright (long axis vertical, bent ones straightened, p-arm up); the two \
            9s and two 22s of a cell are composed side by side at one scale into 90x90 (--paper-resize: \
            the paper's plain resize instead).

            Without files: extracts every sample of the project that has no extraction yet and records \
            each derived image (step extract-chromosome per chromosome, normalize-t922 for the composite) \
            with its parameters and input hash. With files and --output: writes, per image, \
            <name>/chr9-1.png ... <name>/t922-composite.png and <name>/extraction.json.
            Exit status: 0, or 2 when some image could not be read.
            """)

    @OptionGroup var options: ProjectOptions

    @Argument(help: "Image files or folders to extract from (instead of the project's samples).")
    var files: [String] = []

    @Option(help: "Folder for the crops and composites of the given files.")
    var output: String?

    @Flag(help: "Compose with the paper's plain resize (each cell stretched to fill 90x90).")
    var paperResize = false

    @Flag(help: "Extract again from samples that already have an extraction.")
    var redo = false

    @Flag(help: "Do not use the metaphase classifier even when its weights are available.")
    var noClassifier = false

    func validate() throws {
        if !files.isEmpty && output == nil { throw ValidationError("give --output FOLDER for the crops of the given files") }
        if files.isEmpty && output != nil { throw ValidationError("--output is for extracting from files: give the files") }
    }

    func run() async throws {
        try await runReportingErrors {
            let finder = noClassifier ? nil : ClassifierMetaphaseFinder.loadIfAvailable()
            let extraction = ChromosomeExtraction(metaphaseFinder: finder, mode: paperResize ? .paperResize : .sharedScale)
            let progress = ProgressLine(label: "extract")
            if let output {
                let urls = try Self.imageFiles(files)
                let items = try FolderExtraction.run(urls, output: URL(fileURLWithPath: output), extraction: extraction) { done, total in
                    progress.update(done, of: total)
                }
                progress.finish()
                if options.json {
                    try printJSON(items)
                } else {
                    for item in items {
                        print("\(item.file): " + (item.error ?? item.outcome?.summary ?? "") + (item.written.isEmpty ? "" : " -> \(item.written.count) files"))
                    }
                }
                if items.contains(where: { $0.error != nil }) { throw ExitCode(ExitCodes.partial) }
            } else {
                let store = try Project.open(explicitPath: options.project)
                let report = try ProjectExtraction(store: store, extraction: extraction).run(redo: redo) { done, total in
                    progress.update(done, of: total)
                }
                progress.finish()
                if options.json {
                    try printJSON(report)
                } else {
                    for item in report.items {
                        print("\(item.sample): " + (item.error ?? item.outcome?.summary ?? "") + (item.derived > 0 ? " (\(item.derived) derived images)" : ""))
                    }
                    print("extracted \(report.extracted) sample(s), \(report.failed) failed, \(report.alreadyExtracted) already extracted")
                }
                if report.failed > 0 { throw ExitCode(ExitCodes.partial) }
            }
        }
    }

    /// The image files named, folders walked (sorted); a missing path is an error naming it.
    static func imageFiles(_ paths: [String]) throws -> [URL] {
        let exts = Set(["png", "jpg", "jpeg", "tif", "tiff", "bmp"])
        var out: [URL] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw ValidationError("\(p): no such file or folder")
            }
            if isDir.boolValue {
                let base = URL(fileURLWithPath: p)
                let names = (FileManager.default.enumerator(atPath: p)?.allObjects as? [String] ?? []).sorted()
                out += names.filter { exts.contains(($0 as NSString).pathExtension.lowercased()) }.map { base.appendingPathComponent($0) }
            } else {
                out.append(URL(fileURLWithPath: p))
            }
        }
        return out
    }
}
