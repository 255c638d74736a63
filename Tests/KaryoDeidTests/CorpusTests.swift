import Foundation
import KaryoCodecs
import KaryoCore
@testable import KaryoDeid
import KaryoTestSupport
import Testing

/// Runs a command; returns (exit status, stdout+stderr).
func shell(_ args: [String], cwd: URL? = nil) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

func have(_ tool: String) -> Bool { shell(["which", tool]).0 == 0 }

let repoRoot = TestPaths.repository

/// The fixture corpus, generated once per test process.
final class Corpus: Sendable {
    let dir: URL
    let out: URL
    let report: DeidBatchReport
    let expected: [(rel: String, expect: String, category: String, boxes: [[Int]])]
    let planted: [String]

    static let shared: Corpus? = {
        guard have("exiftool"), have("python3") else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-deid-corpus-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: dir)
        let (rc, log) = shell([repoRoot.appendingPathComponent("tools/make-deid-fixtures").path, dir.path])
        guard rc == 0 else { print("make-deid-fixtures failed: \(log)"); return nil }
        let known = (try? String(contentsOf: dir.appendingPathComponent("known-identifiers.txt"), encoding: .utf8))?
            .split(separator: "\n").map(String.init) ?? []
        let out = dir.appendingPathComponent("out")
        guard let report = try? DeidBatch.run(input: dir.appendingPathComponent("in"), output: out, profile: DeidProfile(),
                                              lab: "lab-fake", knownIdentifiers: known) else { return nil }
        return Corpus(dir: dir, out: out, report: report)
    }()

    init(dir: URL, out: URL, report: DeidBatchReport) {
        self.dir = dir
        self.out = out
        self.report = report
        let tsv = (try? String(contentsOf: dir.appendingPathComponent("expected.tsv"), encoding: .utf8)) ?? ""
        var rows: [(rel: String, expect: String, category: String, boxes: [[Int]])] = []
        for line in tsv.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let boxes = (try? JSONDecoder().decode([[Int]].self, from: Data(f[3].utf8))) ?? []
            rows.append((f[0], f[1], f[2], boxes))
        }
        // walk order: relative paths sorted bytewise
        expected = rows.sorted { Array($0.rel.utf8).lexicographicallyPrecedes(Array($1.rel.utf8)) }
        planted = ((try? String(contentsOf: dir.appendingPathComponent("planted-strings.txt"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    func outputFiles() -> [URL] {
        (FileManager.default.enumerator(at: out, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true }
    }
}

@Suite(.serialized) struct CorpusTests {
    @Test func everyFileHasTheExpectedOutcome() throws {
        let c = try #require(Corpus.shared, "fixture corpus unavailable (needs python3 with Pillow or pip, and exiftool)")
        #expect(c.expected.count >= 50)
        #expect(c.report.files.count == c.expected.count)
        for (i, e) in c.expected.enumerated() {
            let f = c.report.files[i]
            #expect(f.index == i + 1)
            if e.expect == "quarantine" {
                #expect(f.outcome == "quarantined", "#\(i + 1) \(e.category) should be quarantined")
                #expect(!(f.reason ?? "").isEmpty)
                #expect(!FileManager.default.fileExists(atPath: c.out.appendingPathComponent("\(i + 1).png").path))
            } else {
                #expect(f.outcome == "clean", "#\(i + 1) \(e.category) \(e.rel): \(f.reason ?? "")")
            }
        }
    }

    @Test func noPlantedStringOrNameInAnyOutputByte() throws {
        let c = try #require(Corpus.shared, "fixture corpus unavailable")
        // raw bytes, with grep as the independent tool
        let list = c.dir.appendingPathComponent("planted-strings.txt").path
        let (rc, hits) = shell(["grep", "-r", "-a", "-i", "-F", "-l", "-f", list, c.out.path])
        #expect(rc == 1, "planted strings found in: \(hits)")
        // every path component of every input name
        var names = Set<String>()
        for e in c.expected {
            let parts = e.rel.split(separator: "/").map(String.init)
            names.insert(parts.last!)  // every file name
            if e.category == "names" { for part in parts { names.insert(part) } }  // identity folders
        }
        for file in c.outputFiles() {
            let bytes = try String(decoding: Data(contentsOf: file), as: UTF8.self)
            for n in names { #expect(!bytes.contains(n), "an input name occurs in \(file.lastPathComponent)") }
            #expect(file.lastPathComponent.range(of: #"^(\d+\.png|deid-report\.json|quarantine\.json)$"#, options: .regularExpression) != nil)
        }
        // the in-library folder verifier agrees
        let results = try DeidVerifier.verifyFolder(c.out, forbidden: c.planted, ocr: false)
        for r in results { #expect(r.result.passed, "\(r.file): \(r.result.problems)") }
    }

    @Test(.enabled(if: have("exiftool") && have("pngcheck") && have("tiffdump")))
    func independentToolsSeeOnlyStructuralData() throws {
        let c = try #require(Corpus.shared, "fixture corpus unavailable")
        let pngs = c.outputFiles().filter { $0.pathExtension == "png" }.map(\.path).sorted()
        #expect(!pngs.isEmpty)
        let allowed: Set<String> = ["ExifToolVersion", "FileName", "Directory", "FileSize", "FileModifyDate", "FileAccessDate",
                                    "FileInodeChangeDate", "FilePermissions", "FileType", "FileTypeExtension", "MIMEType",
                                    "ImageWidth", "ImageHeight", "BitDepth", "ColorType", "Compression", "Filter", "Interlace",
                                    "ImageSize", "Megapixels"]
        let (_, exif) = shell(["exiftool", "-a", "-u", "-U", "-G1", "-s", "-ee"] + pngs)
        for line in exif.split(separator: "\n") where line.hasPrefix("[") {
            let tag = line.split(separator: "]", maxSplits: 1)[1].split(separator: ":", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces)
            #expect(allowed.contains(tag), "exiftool: \(line)")
        }
        for png in pngs {
            let (rc, out) = shell(["pngcheck", "-v", png])
            #expect(rc == 0, "pngcheck failed on \(png)")
            for line in out.split(separator: "\n") where line.contains("chunk ") {
                let ok = ["IHDR", "IDAT", "IEND"].contains { line.contains("chunk \($0)") }
                #expect(ok, "pngcheck: \(line)")
            }
            let (trc, _) = shell(["tiffdump", png])
            #expect(trc != 0, "tiffdump read a TIFF structure in \(png)")
        }
    }

    @Test func controlsAreUnchangedAndTextImagesChangeOnlyInsideTheirText() throws {
        let c = try #require(Corpus.shared, "fixture corpus unavailable")
        for (i, e) in c.expected.enumerated() where e.category == "control" || e.category == "pixel-text" {
            let outURL = c.out.appendingPathComponent("\(i + 1).png")
            guard FileManager.default.fileExists(atPath: outURL.path) else { continue }
            let input = try ImageCodec.decode(contentsOf: c.dir.appendingPathComponent("in").appendingPathComponent(e.rel)).image
            let output = try ImageCodec.decode(contentsOf: outURL).image
            if e.category == "control" {
                #expect(input == output, "control \(e.rel) changed")
                #expect(c.report.files[i].provenance.maskedRegions == 0)
                continue
            }
            let allowed = e.boxes.map { PixelBox(x: $0[0], y: $0[1], width: $0[2] - $0[0], height: $0[3] - $0[1]).padded(by: 12) }
            var outside = 0
            for y in 0..<input.height {
                for x in 0..<input.width where input[x, y] != output[x, y] {
                    if !allowed.contains(where: { $0.contains(x: x, y: y) }) { outside += 1 }
                }
            }
            #expect(outside == 0, "\(e.rel): \(outside) pixels changed outside the planted text")
        }
    }

    /// tesseract (the CLI, not Karyo's binding) on overlapping strips of the output pixels at 0,
    /// 90 and 270 degrees must read no planted identifier token. By default on a representative
    /// subset of the burned-in text images (white-on-dark, vertical both ways, 12 px low
    /// contrast, text between chromosomes, a two-line block, a 1600x1200 image with all kinds);
    /// with KARYO_DEID_FULL=1 on every output of the corpus.
    @Test(.enabled(if: have("tesseract")))
    func tesseractCLIFindsNoPlantedTokens() throws {
        let c = try #require(Corpus.shared, "fixture corpus unavailable")
        let full = ProcessInfo.processInfo.environment["KARYO_DEID_FULL"] == "1"
        let subset: Set<String> = ["text/low-contrast-12px.png", "text/white-on-dark.png", "text/vertical-90.png",
                                   "text/vertical-270.png", "text/middle.png", "text/mrn-dob-block.png", "text/big-all.png"]
        let work = c.dir.appendingPathComponent("strips")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var list: [String] = []
        var checked = 0
        for (i, e) in c.expected.enumerated() where full || subset.contains(e.rel) {
            let outURL = c.out.appendingPathComponent("\(i + 1).png")
            guard let image = try? ImageCodec.decode(contentsOf: outURL).image else { continue }
            checked += 1
            for o in TextOrientation.allCases {
                let r = TextScanner.rotate(image, o)
                var top = 0
                while top < r.height {
                    let rows = min(256, r.height - top)
                    let strip = GrayImage(width: r.width, height: rows, pixels: Array(r.pixels[(top * r.width)..<((top + rows) * r.width)]))
                    let path = work.appendingPathComponent("\(i + 1)-\(o.rawValue)-\(top).png").path
                    try ImageCodec.encodePNG(strip).write(to: URL(fileURLWithPath: path))
                    list.append(path)
                    if top + rows >= r.height { break }
                    top += 192
                }
            }
        }
        #expect(checked >= (full ? 50 : subset.count))
        // one tesseract process per core, each on its share of the strips
        let strips = list
        let shards = max(1, min(ProcessInfo.processInfo.activeProcessorCount, strips.count))
        let texts = Texts(count: shards)
        DispatchQueue.concurrentPerform(iterations: shards) { k in
            let mine = strips.enumerated().filter { $0.offset % shards == k }.map(\.element)
            let listFile = work.appendingPathComponent("list-\(k).txt")
            try? mine.joined(separator: "\n").write(to: listFile, atomically: true, encoding: .utf8)
            let (rc, text) = shell(["env", "OMP_THREAD_LIMIT=1", "tesseract", listFile.path, "-", "--psm", "11", "-c", "debug_file=/dev/null"])
            texts.set(k, rc, text)
        }
        let tokens = ["DOE", "JANE", "FAKE", "ROE", "RICHARD", "8675309", "12345", "1950", "4471", "Springfield"]
        for (rc, text) in texts.all {
            #expect(rc == 0)
            let words = text.split(whereSeparator: { $0.isWhitespace }).map { $0.uppercased() }
            for t in tokens {
                let hit = words.filter { $0.contains(t.uppercased()) }
                #expect(hit.isEmpty, "tesseract read planted token \(t) in the outputs (\(hit.count)x)")
            }
        }
    }
}

/// Results of parallel tesseract runs.
final class Texts: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [(Int32, String)]
    init(count: Int) { values = Array(repeating: (-1, ""), count: count) }
    func set(_ i: Int, _ rc: Int32, _ text: String) { lock.lock(); values[i] = (rc, text); lock.unlock() }
    var all: [(Int32, String)] { lock.lock(); defer { lock.unlock() }; return values }
}
