import Foundation
import Testing

/// `karyo extract` and the extraction step of `karyo import`, run as a user would.
@Suite("karyo extract", .serialized)
struct ExtractCommandTests {
    static let repo: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
    static let nhgri = repo.appendingPathComponent("samples/nhgri/nhgri-male-karyogram.png")
    static let bioimlab = repo.appendingPathComponent("samples/bioimlab/karyogram-11.jpg")

    /// A real CytoVision-style karyogram (slot underlines with printed class numbers).
    static let cabinh = repo.appendingPathComponent("../shared/data/metaphase-karyogram-pairs/cabinh-8129A/karyogram/8129A.013.K.TIF")
        .standardizedFileURL
    static let hasCabinh = FileManager.default.fileExists(atPath: cabinh.path)

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func helpIsThere() throws {
        let tmp = try TemporaryFolder()
        let r = try KaryoBinary.run(["extract", "--help"], in: tmp.url)
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE") && r.stdout.contains("--output"))
    }

    @Test func filesGiveCropsAndAComposite() throws {
        let tmp = try TemporaryFolder()
        // A format karyo does not read (PGM).
        let blank = tmp.path("blank.pgm")
        try Data(("P5\n400 300\n255\n").utf8 + [UInt8](repeating: 250, count: 400 * 300)).write(to: blank)
        let out = tmp.path("out")
        let r = try KaryoBinary.run(["extract", "--output", out.path, "--json", Self.nhgri.path, Self.bioimlab.path], in: tmp.url)
        #expect(r.status == 0, "\(r.stderr)")
        let items = try #require(try json(r.stdout) as? [[String: Any]])
        #expect(items.count == 2)
        for item in items {
            let outcome = try #require(item["outcome"] as? [String: Any])
            #expect(outcome["kind"] as? String == "karyogram")
            #expect((outcome["found"] as? [String: Int]) == ["9": 2, "22": 2])
            #expect((item["written"] as? [String])?.count == 6)
        }
        let composite = out.appendingPathComponent("nhgri-male-karyogram/t922-composite.png")
        #expect(FileManager.default.fileExists(atPath: composite.path))
        // A file that is not an image is reported, with exit status 2.
        let bad = try KaryoBinary.run(["extract", "--output", out.path, blank.path], in: tmp.url)
        #expect(bad.status == 2)
        #expect(bad.stdout.contains("blank.pgm"))
    }

    @Test func importExtractsAndExtractSkipsWhatIsDone() throws {
        let tmp = try TemporaryFolder()
        let project = tmp.path("project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try KaryoBinary.run(["init"], in: project).status == 0)
        let imported = try KaryoBinary.run(["import", "--lab", "demo", "--json", Self.bioimlab.path, Self.nhgri.path], in: project)
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try #require(try json(imported.stdout) as? [String: Any])
        let files = try #require(report["files"] as? [[String: Any]])
        #expect(files.count == 2)
        for f in files { #expect((f["extraction"] as? String)?.contains("chr9 x2, chr22 x2") == true, "\(f)") }
        let again = try KaryoBinary.run(["extract", "--json"], in: project)
        #expect(again.status == 0)
        let done = try #require(try json(again.stdout) as? [String: Any])
        #expect(done["alreadyExtracted"] as? Int == 2)
        #expect((done["items"] as? [Any])?.isEmpty == true)
        let redo = try KaryoBinary.run(["extract", "--redo", "--json"], in: project)
        let redone = try #require(try json(redo.stdout) as? [String: Any])
        let items = try #require(redone["items"] as? [[String: Any]])
        #expect(items.map { $0["derived"] as? Int } == [5, 5])
    }

    @Test(.enabled(if: hasCabinh, "needs ../shared/data"))
    func importNamesKaryogramSlotsByTheirPrintedNumbers() throws {
        let tmp = try TemporaryFolder()
        let project = tmp.path("project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try KaryoBinary.run(["init"], in: project).status == 0)
        let imported = try KaryoBinary.run(["import", "--lab", "cabinh", "--json", Self.cabinh.path], in: project)
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try #require(try json(imported.stdout) as? [String: Any])
        let file = try #require((report["files"] as? [[String: Any]])?.first)
        #expect(file["extraction"] as? String == "karyogram: chr9 x2, chr22 x2 (underlines, printed slot numbers)", "\(file)")
        let out = tmp.path("out")
        let loose = try KaryoBinary.run(["extract", "--output", out.path, "--json", Self.cabinh.path], in: tmp.url)
        let outcome = try #require(((try json(loose.stdout) as? [[String: Any]])?.first)?["outcome"] as? [String: Any])
        #expect(outcome["slotNaming"] as? String == "printed-numbers")
    }
}
