import Foundation
import Testing

/// The whole command line, run as a user would, on the bundled samples.
@Suite("karyo command line", .serialized)
struct CLIWorkflowTests {
    static let commands = [
        "init", "import", "status", "samples", "label", "history", "commit", "log", "show", "diff", "tag", "verify",
        "export", "synth", "deid",
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

        // The synthetic cells: 24 images of 12 cells of 4 patients, two of them t(9;22)-positive.
        let synthetic = samples.appendingPathComponent("synthetic")
        let imported = try karyo(
            "import", synthetic.path, "--lab", "demo", "--manifest", synthetic.path + "/manifest.csv", "--json")
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as! [String: Any]
        let summary = report["summary"] as! [String: Int]
        #expect(summary["imported"] == 24)
        #expect(summary["failed"] == 0 && summary["quarantined"] == 0)

        let again = try karyo("import", synthetic.path, "--lab", "demo", "--manifest", synthetic.path + "/manifest.csv")
        #expect(again.status == 0)
        #expect(again.stdout.contains("24 duplicates"))

        let status = try karyo("status", "--json")
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"samples\" : 24"))

        let commit1 = try karyo("commit", "-m", "first import", "--json")
        #expect(commit1.status == 0, "\(commit1.stderr)")
        let v1 = try #require(
            (try JSONSerialization.jsonObject(with: Data(commit1.stdout.utf8)) as? [String: Any])?["id"] as? String)
        #expect(try karyo("commit", "-m", "nothing new").status == 1)

        let samplesList = try karyo("samples", "--json")
        let listed = try JSONSerialization.jsonObject(with: Data(samplesList.stdout.utf8)) as! [[String: Any]]
        #expect(listed.count == 24)
        // Negatives first: the FISH relabel below turns two of them positive.
        let tokens = (listed.filter { $0["label"] as? String == "negative" } + listed.filter { $0["label"] as? String != "negative" })
            .compactMap { $0["token"] as? String }
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
        let good = try Data(contentsOf: Repository.samples.appendingPathComponent("synthetic/SYN-000003-C1.001.A.jpg"))
        try good.write(to: folder.appendingPathComponent("good.jpg"))
        try good.prefix(300).write(to: folder.appendingPathComponent("cut.jpg"))
        try Data(repeating: 0x42, count: 100).write(to: folder.appendingPathComponent("noise.bmp"))
        let result = try KaryoBinary.run(["import", folder.path, "--lab", "x", "--show-paths"], in: project)
        #expect(result.status == 2)
        #expect(result.stdout.contains("cut.jpg") && result.stdout.contains("noise.bmp"))
        #expect(result.stdout.contains("1 imported"))
        // Without --show-paths, the same failures are reported by position only.
        let again = try KaryoBinary.run(["import", folder.path, "--lab", "x"], in: project)
        #expect(again.status == 2)
        #expect(!again.stdout.contains("cut.jpg") && !again.stdout.contains("noise.bmp"))
        #expect(again.stdout.contains("FAILED       #"))
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

    @Test("import de-identifies: burned-in fake identities are masked or quarantined, and recorded")
    func importDeidentifies() throws {
        let tmp = try TemporaryFolder()
        let project = tmp.path("p")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try KaryoBinary.run(["init"], in: project).status == 0)
        let fake = Repository.samples.appendingPathComponent("synthetic-fake-identities")
        let imported = try KaryoBinary.run(
            ["import", "--lab", "fake", "--manifest", fake.path + "/manifest.csv", "--json"], in: project)
        let report = try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as! [String: Any]
        let summary = report["summary"] as! [String: Int]
        #expect(summary["imported"]! + summary["quarantined"]! == 6, "\(imported.stdout)\(imported.stderr)")
        #expect(summary["failed"] == 0)
        let samples = try JSONSerialization.jsonObject(
            with: Data(try KaryoBinary.run(["samples", "--json"], in: project).stdout.utf8)) as! [[String: Any]]
        for sample in samples {
            let provenance = try JSONSerialization.jsonObject(
                with: Data((sample["provenance"] as! String).utf8)) as! [String: Any]
            let deid = try #require(provenance["deid"] as? [String: Any])
            // Every fake-identity image has burned-in text: something was masked, and 113101 claimed.
            #expect((deid["maskedRegions"] as? Int ?? 0) > 0)
            #expect((deid["methodCodes"] as? [String])?.contains("113101") == true)
        }
        #expect(!imported.stdout.contains("FAKECASE") && !imported.stdout.contains("DOE"))
    }

    @Test("karyo deid writes numbered, verified copies and karyo deid --verify passes them")
    func deidCommand() throws {
        let tmp = try TemporaryFolder()
        let fake = Repository.samples.appendingPathComponent("synthetic-fake-identities")
        let input = tmp.path("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: fake.path) where name.hasSuffix(".K.png") || name.hasSuffix(".A.png") {
            try FileManager.default.copyItem(at: fake.appendingPathComponent(name), to: input.appendingPathComponent(name))
        }
        let out = tmp.path("out")
        let run = try KaryoBinary.run(["deid", input.path, out.path], in: tmp.url)
        #expect(run.status == 0 || run.status == 2, "\(run.stderr)")
        #expect(!run.stdout.contains("FAKECASE"))
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(written.contains("deid-report.json"))
        #expect(written.allSatisfy { !$0.contains("FAKECASE") })
        // The verifier (structure, metadata, raw bytes, OCR) finds none of the planted identifiers.
        let manifest = try String(contentsOf: fake.appendingPathComponent("manifest.csv"), encoding: .utf8)
        let known = manifest.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[1]) }
            + ["DOE, JANE (FAKE)", "DOE, JOHN (FAKE)"]
        try (known.joined(separator: "\n") + "\n").write(to: tmp.path("known.txt"), atomically: true, encoding: .utf8)
        let verify = try KaryoBinary.run(
            ["deid", "--verify", out.path, "--known-identifiers", tmp.path("known.txt").path, "--json"], in: tmp.url)
        #expect(verify.status == 0, "\(verify.stdout)")
        let results = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as! [[String: Any]]
        #expect(results.count >= 3)
        for entry in results {
            let problems = ((entry["result"] as? [String: Any])?["problems"] as? [String]) ?? []
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test("commands outside a project say so")
    func notAProject() throws {
        let tmp = try TemporaryFolder()
        let result = try KaryoBinary.run(["status"], in: tmp.url)
        #expect(result.status == 66)
        #expect(result.stderr.contains("not inside a Karyo project"))
    }
}
