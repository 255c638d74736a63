import Foundation
import KaryoCodecs
import KaryoCore
@testable import KaryoDeid
import KaryoTestSupport
import KaryoVision
import Testing

/// Real karyograms from ../shared/data (skipped when the folder is absent).
let sharedData = TestPaths.sharedData
let karyogramFolder = sharedData.appendingPathComponent("metaphase-karyogram-pairs/cabinh-8129A/karyogram")
let nhgriKaryogram = sharedData.appendingPathComponent("wiki-karyograms/NHGRI_human_male_karyotype.png")

/// The slot-number regions of a CytoVision-style layout, found from the layout itself (not by
/// Karyo's text finder): each slot has a thin horizontal underline at least 80 px long; its
/// number sits in the band just below it.
func slotNumberRegions(_ image: GrayImage) -> [PixelBox] {
    var lines: [PixelBox] = []
    for y in 3..<(image.height - 3) {
        var x = 0
        while x < image.width {
            guard image[x, y] < 160 else { x += 1; continue }
            var e = x
            while e < image.width && image[e, y] < 160 { e += 1 }
            let mid = (x + e) / 2
            if e - x >= 80 && image[mid, y - 3] > 200 && image[mid, y + 3] > 200 {
                let run = PixelBox(x: x, y: y, width: e - x, height: 1)
                if let i = lines.firstIndex(where: { abs($0.y + $0.height - y) <= 1 && abs($0.x - x) <= 4 }) {
                    lines[i] = lines[i].union(run)
                } else {
                    lines.append(run)
                }
            }
            x = e
        }
    }
    return lines.map { PixelBox(x: $0.x, y: $0.y + $0.height + 2, width: $0.width, height: 36).clipped(width: image.width, height: image.height) }
}

@Suite(.serialized) struct KaryogramTests {
    /// Every slot number (1-22, X, Y) of the real karyograms survives: the image is not
    /// quarantined and the pixels of all 24 slot-number regions are unchanged. tesseract (the
    /// CLI) confirms that the regions hold the chromosome numbers, read from the output.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: karyogramFolder.path), "needs ../shared/data"))
    func realKaryogramsKeepAll24SlotNumbers() throws {
        let d = try Deidentifier(profile: DeidProfile())
        let files = try FileManager.default.contentsOfDirectory(at: karyogramFolder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(".K.TIF") }.sorted { $0.path < $1.path }
        #expect(files.count >= 10)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-deid-slots-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var crops: [String] = []
        for (n, file) in files.enumerated() {
            let decoded = try ImageCodec.decode(contentsOf: file)
            guard case .clean(let result) = d.deidentify(decoded, lab: "real", knownIdentifiers: []) else {
                Issue.record("karyogram \(n + 1) was quarantined"); continue
            }
            let regions = slotNumberRegions(decoded.image)
            #expect(regions.count == 24, "karyogram \(n + 1): \(regions.count) slot underlines found")
            for (k, r) in regions.enumerated() {
                var changed = 0
                for y in r.y..<(r.y + r.height) {
                    for x in r.x..<(r.x + r.width) where decoded.image[x, y] != result.image[x, y] { changed += 1 }
                }
                #expect(changed == 0, "karyogram \(n + 1) slot \(k + 1): \(changed) pixels changed")
                // the output's region, enlarged twice, for tesseract
                var pixels: [UInt8] = []
                for y in 0..<(r.height * 2) { for x in 0..<(r.width * 2) { pixels.append(result.image[r.x + x / 2, r.y + y / 2]) } }
                let path = work.appendingPathComponent("\(n)-\(k).png").path
                try ImageCodec.encodePNG(GrayImage(width: r.width * 2, height: r.height * 2, pixels: pixels)).write(to: URL(fileURLWithPath: path))
                crops.append(path)
            }
            #expect(result.provenance.maskedRegions == 0, "karyogram \(n + 1): \(result.provenance.maskedRegions) regions masked")
        }
        guard have("tesseract") else { return }
        let list = work.appendingPathComponent("list.txt")
        try crops.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        let (rc, text) = shell(["tesseract", list.path, "-", "--psm", "7", "-c", "debug_file=/dev/null",
                                "-c", "tessedit_char_whitelist=0123456789XY"])
        #expect(rc == 0)
        let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let labels = Set((1...22).map(String.init) + ["X", "Y"])
        let read = pages.filter { labels.contains($0) }.count
        // tesseract misreads a few isolated digits; nearly all must be read as chromosome numbers
        #expect(read * 10 >= crops.count * 9, "tesseract read \(read) of \(crops.count) slot numbers")
    }

    /// The public-domain NHGRI karyogram (3084x2417, no text) passes unchanged.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: nhgriKaryogram.path), "needs ../shared/data"))
    func nhgriKaryogramIsUnchanged() throws {
        let d = try Deidentifier(profile: DeidProfile())
        let decoded = try ImageCodec.decode(contentsOf: nhgriKaryogram)
        guard case .clean(let result) = d.deidentify(decoded, lab: "real", knownIdentifiers: []) else {
            Issue.record("quarantined"); return
        }
        #expect(result.image == decoded.image)
        #expect(result.provenance.maskedRegions == 0)
    }
}

/// BioImLab Q-band karyograms (416x416 JPEG, bright chromosomes on black, small slot numbers):
/// the bundled samples and a sample of the data set in ../shared/data.
let bioimlabSamples = repoRoot.appendingPathComponent("samples/bioimlab")
let bioimlabData = sharedData.appendingPathComponent("bioimlab-karyograms-yolo")

/// One image per karyogram (the data set holds several augmented copies of each), every
/// `stride`-th karyogram in name order.
func bioimlabDataSample(stride: Int) -> [URL] {
    var firstOf: [String: URL] = [:]
    for split in ["train", "valid", "test"] {
        let dir = bioimlabData.appendingPathComponent(split).appendingPathComponent("images")
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        for f in files.sorted(by: { $0.path < $1.path }) where f.pathExtension == "jpg" {
            let key = String(f.lastPathComponent.prefix { $0 != "_" })
            if firstOf[key] == nil { firstOf[key] = f }
        }
    }
    let keys = firstOf.keys.sorted()
    return Swift.stride(from: 0, to: keys.count, by: stride).map { firstOf[keys[$0]]! }
}

@Suite struct BioImLabKaryogramTests {
    /// Not quarantined, and nothing masked: the slot numbers 1-22, X, Y and the chromosomes are
    /// kept as they are (rows of chromosomes are not taken for unreadable text).
    func expectCleanAndUnchanged(_ files: [URL]) throws -> (clean: Int, quarantined: [String]) {
        let d = try Deidentifier(profile: DeidProfile())
        var clean = 0
        var quarantined: [String] = []
        for file in files {
            let decoded = try ImageCodec.decode(Data(contentsOf: file), fileName: file.lastPathComponent)
            switch d.deidentify(decoded, lab: "real", knownIdentifiers: []) {
            case .clean(let result):
                clean += 1
                #expect(result.provenance.maskedRegions == 0, "\(file.lastPathComponent): \(result.provenance.maskedRegions) regions masked")
                #expect(result.image == decoded.image, "\(file.lastPathComponent): pixels changed")
            case .quarantined:
                quarantined.append(file.lastPathComponent)
            }
        }
        return (clean, quarantined)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: bioimlabSamples.path), "needs samples/bioimlab"))
    func bundledSamplesAreClean() throws {
        let files = try FileManager.default.contentsOfDirectory(at: bioimlabSamples, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "jpg" }.sorted { $0.path < $1.path }
        #expect(files.count == 12)
        let r = try expectCleanAndUnchanged(files)
        #expect(r.clean == files.count, "quarantined: \(r.quarantined)")
    }

    /// Slow (about 1 s per image): runs with KARYO_DEID_FULL=1. Masking or changed pixels fail;
    /// quarantine (the fail-closed outcome: a person decides) is counted and printed, since some
    /// karyograms still have rows of chromosomes taken for unreadable text.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: bioimlabData.path), "needs ../shared/data"),
          .enabled(if: ProcessInfo.processInfo.environment["KARYO_DEID_FULL"] == "1", "set KARYO_DEID_FULL=1"))
    func dataSetSampleIsClean() throws {
        let stride = Int(ProcessInfo.processInfo.environment["KARYO_BIOIMLAB_STRIDE"] ?? "") ?? 4
        let files = bioimlabDataSample(stride: stride)
        #expect(files.count >= 20)
        let r = try expectCleanAndUnchanged(files)
        print("BioImLab data set: \(r.clean) of \(files.count) karyograms clean; quarantined: \(r.quarantined)")
    }
}

/// The verifier's OCR check on clean karyograms: chromosome shapes are not taken for names.
@Suite struct VerifierOnKaryogramsTests {
    static let synthetic = repoRoot.appendingPathComponent("samples/synthetic")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: synthetic.path) && TesseractEngine.locateTessdata() != nil,
                   "needs samples/synthetic and eng.traineddata"))
    func deidentifiedSyntheticKaryogramsPassTheOCRCheck() throws {
        let d = try Deidentifier(profile: DeidProfile())
        let files = try FileManager.default.contentsOfDirectory(at: Self.synthetic, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(".K.png") }.sorted { $0.path < $1.path }
        #expect(!files.isEmpty)
        for file in files {
            let decoded = try ImageCodec.decode(Data(contentsOf: file), fileName: file.lastPathComponent)
            guard case .clean(let result) = d.deidentify(decoded, lab: "real", knownIdentifiers: []) else {
                Issue.record("\(file.lastPathComponent) was quarantined"); continue
            }
            let verdict = DeidVerifier.verify(png: result.png, image: result.image, forbidden: [], ocr: true)
            #expect(verdict.passed, "\(file.lastPathComponent): \(verdict.problems)")
        }
    }

    /// A possible name counts only with 3 or more letters, on a text line that is not a row of blobs.
    @Test func credibleNameNeedsTextGlyphs() {
        let word = OCRWord(text: "Xq", confidence: 95, box: PixelBox(x: 0, y: 0, width: 20, height: 10))
        let line = TextLine(box: PixelBox(x: 0, y: 0, width: 100, height: 12), vertical: false, lightOnDark: false,
                            glyphs: 6, glyphHeight: 10)
        #expect(!DeidVerifier.isCredibleName(word, [line]))
        let name = OCRWord(text: "Smith", confidence: 95, box: PixelBox(x: 0, y: 0, width: 40, height: 10))
        #expect(DeidVerifier.isCredibleName(name, [line]))
        #expect(!DeidVerifier.isCredibleName(name, []))
        var blobs = line
        blobs.blobGlyphs = 5
        #expect(!DeidVerifier.isCredibleName(name, [blobs]))
    }
}
