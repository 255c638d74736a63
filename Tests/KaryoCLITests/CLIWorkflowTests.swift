import Foundation
import Testing

/// The whole command line, run as a user would, on the bundled samples.
@Suite("karyo command line", .serialized)
struct CLIWorkflowTests {
    static let commands = [
        "init", "import", "status", "samples", "label", "history", "commit", "log", "show", "diff", "tag", "verify",
        "export", "synth",
    ]

    @Test("every command has --help", arguments: [[]] + commands.map { [$0] })
    func help(command: [String]) throws {
        let tmp = try TemporaryFolder()
        let result = try KaryoBinary.run(command + ["--help"], in: tmp.url)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE"))
    }

    @Test("init, import, status, label, commit, log, show, diff, tag, verify, export on the samples")
    func workflow() throws {
        let tmp = try TemporaryFolder()
        let samples = try copySamples(to: tmp.url)
        let project = tmp.path("project")
        func karyo(_ args: String...) throws -> KaryoBinary.Result {
            try KaryoBinary.run(Array(args), in: project)
        }
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try karyo("init", "--split-seed", "5", "--validation-fraction", "0.3").status == 0)
        #expect(try karyo("init").status == 73)  // already a project

        let imported = try karyo("import", samples.path, "--lab", "demo", "--manifest", samples.path + "/manifest.csv", "--json")
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as! [String: Any]
        let summary = report["summary"] as! [String: Int]
        #expect(summary["imported"] == 13)
        #expect(summary["failed"] == 0)

        let again = try karyo("import", samples.path, "--lab", "demo", "--manifest", samples.path + "/manifest.csv")
        #expect(again.status == 0)
        #expect(again.stdout.contains("13 duplicates") || again.stdout.contains("duplicates: 13"))

        let status = try karyo("status", "--json")
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"samples\" : 13"))

        let commit1 = try karyo("commit", "-m", "first import", "--json")
        #expect(commit1.status == 0, "\(commit1.stderr)")
        let v1 = try #require(
            (try JSONSerialization.jsonObject(with: Data(commit1.stdout.utf8)) as? [String: Any])?["id"] as? String)
        #expect(try karyo("commit", "-m", "nothing new").status == 1)

        let samplesList = try karyo("samples", "--json")
        let tokens = (try JSONSerialization.jsonObject(with: Data(samplesList.stdout.utf8)) as! [[String: Any]])
            .compactMap { $0["token"] as? String }
        #expect(tokens.count == 13)
        let label = try karyo(
            "label", tokens[0], tokens[1], "--as", "positive", "--source", "fish", "--reason", "BCR::ABL1 fusion by FISH")
        #expect(label.status == 0, "\(label.stderr)")
        #expect(try karyo("label", tokens[2], "--karyotype", "46,XY,t(9;22)(q34;q11").status == 65)  // unparsable
        #expect(try karyo("label", "s-doesnotexist", "--as", "negative").status == 66)
        let history = try karyo("history", tokens[0])
        #expect(history.stdout.contains("fish") && history.stdout.contains("BCR::ABL1"))

        let commit2 = try karyo("commit", "-m", "FISH results", "--json")
        #expect(commit2.status == 0)
        let diff = try karyo("diff", v1, "HEAD", "--json")
        #expect(diff.status == 0)
        #expect(diff.stdout.contains(tokens[0]) && diff.stdout.contains(tokens[1]))
        let textDiff = try karyo("diff", v1, "HEAD")
        #expect(textDiff.stdout.contains("negative -> positive"))

        let log = try karyo("log")
        #expect(log.stdout.contains("FISH results") && log.stdout.contains("first import"))
        #expect(try karyo("tag", "baseline", v1).status == 0)
        #expect(try karyo("show", "baseline", "--members").stdout.contains(tokens[5]))
        #expect(try karyo("tag", "--list").stdout.contains("baseline"))
        #expect(try karyo("show", "no-such-version").status == 66)

        let verify = try karyo("verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        let export = try karyo("export", "HEAD", tmp.path("export").path, "--balance", "oversample", "--seed", "4", "--json")
        #expect(export.status == 0, "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: tmp.path("export/manifest.csv").path))
        let reproduce = try karyo("export", "--reproduce", "1", tmp.path("export2").path)
        #expect(reproduce.status == 0, "\(reproduce.stderr)")
        #expect(
            FileManager.default.contentsEqual(
                atPath: tmp.path("export/manifest.json").path, andPath: tmp.path("export2/manifest.json").path))
    }

    @Test("bad input: a broken file is named, the batch goes on, exit status 2")
    func badInput() throws {
        let tmp = try TemporaryFolder()
        let project = tmp.path("p")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try KaryoBinary.run(["init"], in: project).status == 0)
        let folder = tmp.path("in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = try Data(contentsOf: Repository.samples.appendingPathComponent("bioimlab/karyogram-2.jpg"))
        try good.write(to: folder.appendingPathComponent("good.jpg"))
        try good.prefix(300).write(to: folder.appendingPathComponent("cut.jpg"))
        try Data(repeating: 0x42, count: 100).write(to: folder.appendingPathComponent("noise.bmp"))
        let result = try KaryoBinary.run(["import", folder.path, "--lab", "x"], in: project)
        #expect(result.status == 2)
        #expect(result.stdout.contains("cut.jpg") && result.stdout.contains("noise.bmp"))
        #expect(result.stdout.contains("1 imported"))
        #expect(try KaryoBinary.run(["verify"], in: project).status == 0)
    }

    @Test("a synthetic batch from karyo synth imports with karyo import exactly like a lab's, labels included")
    func synthImports() throws {
        let tmp = try TemporaryFolder()
        let project = tmp.path("p")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try KaryoBinary.run(["init", "--split-seed", "3"], in: project).status == 0)
        let out = tmp.path("synth").path
        let synth = try KaryoBinary.run(
            ["synth", out, "--count", "4", "--cells-per-case", "2", "--kind", "both", "--positive-fraction", "0.5",
             "--format", "mixed", "--seed", "11", "--width", "600", "--height", "540"], in: tmp.url)
        #expect(synth.status == 0, "\(synth.stderr)")
        let manifest = try String(contentsOfFile: out + "/manifest.csv", encoding: .utf8)
        let rows = manifest.split(separator: "\n").dropFirst()
        let positives = rows.count { $0.contains(",positive,") }
        #expect(rows.count == 8 && positives > 0 && positives < 8)

        let imported = try KaryoBinary.run(
            ["import", "--lab", "synthetic", "--manifest", out + "/manifest.csv", "--json"], in: project)
        #expect(imported.status == 0, "\(imported.stderr)")
        let summary = (try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as! [String: Any])["summary"]
            as! [String: Int]
        #expect(summary["imported"] == 8 && summary["failed"] == 0)
        let status = try JSONSerialization.jsonObject(
            with: Data(try KaryoBinary.run(["status", "--json"], in: project).stdout.utf8)) as! [String: Any]
        let labels = status["labelCounts"] as! [String: Int]
        #expect(labels["positive"] == positives && labels["negative"] == 8 - positives)
        #expect(status["patients"] as? Int == 2)
        // 4 cells in 2 cases; the karyogram and the metaphase of one cell share the cell.
        #expect(status["cells"] as? Int == 4)
    }

    @Test("commands outside a project say so")
    func notAProject() throws {
        let tmp = try TemporaryFolder()
        let result = try KaryoBinary.run(["status"], in: tmp.url)
        #expect(result.status == 66)
        #expect(result.stderr.contains("not inside a Karyo project"))
    }
}
