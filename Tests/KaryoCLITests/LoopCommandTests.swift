import Foundation
import KaryoCodecs
import KaryoCore
import KaryoStore
import Testing

/// End to end: train, flag, review, report and loop on a tiny project with a tiny model.
@Suite("karyo train / flag / review / report / loop", .serialized)
struct LoopCommandTests {
    /// A project of `patients` x 2 cells with 90x90 normalize-t922 images (positives carry a dark
    /// bar), all but the last sample; one commit.
    static func makeProject(in folder: URL, patients: Int = 12) throws -> (tokens: [String], missingInput: String) {
        let store = try DatasetStore.create(
            at: folder, splitPolicy: SplitPolicy(validationFraction: 0.34, testFraction: 0, seed: 5))
        var tokens: [String] = []
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for i in 0..<(patients * 2) {
            let positive = (i / 2) % 2 == 0
            var pixels = (0..<(90 * 90)).map { _ in UInt8(170 + Int(next() % 50)) }
            if positive {
                let x0 = 30 + Int(next() % 6)
                for y in 20..<60 { for x in x0..<(x0 + 12) { pixels[y * 90 + x] = 25 } }
            }
            let png = try ImageCodec.encodePNG(GrayImage(width: 90, height: 90, pixels: pixels))
            let token = try store.addSample(
                NewSample(
                    lab: "lab", patientIdentifier: "P\(i / 2)", caseIdentifier: "C\(i / 2)", png: png, width: 90,
                    height: 90, sourceFormat: "png", sourceBitDepth: 8, sourceColorModel: "gray",
                    initialLabel: InitialLabel(label: positive ? .positive : .negative, source: .karyotypeReport),
                    author: "importer")
            ).sampleToken
            if i < patients * 2 - 1 {
                try store.addDerivedImage(
                    sample: token, png: png, step: .normalizeT922, parameters: "{}", inputHash: "test",
                    codeVersion: "test")
            }
            tokens.append(token)
        }
        _ = try store.commit(message: "tiny", author: "test")
        return (tokens, tokens.last!)
    }

    static let model = ["--epochs", "3", "--width", "4", "--no-augment", "--batch-size", "8", "--seed", "3"]

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("the loop commands have --help", arguments: ["train", "flag", "review", "report", "loop"])
    func help(command: String) throws {
        let folder = try TemporaryFolder()
        let result = try KaryoBinary.run([command, "--help"], in: folder.url)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: karyo \(command)"))
    }

    @Test("train, flag, review (list, images, decide), report (HTML, JSON)")
    func trainFlagReviewReport() throws {
        let folder = try TemporaryFolder()
        let project = folder.path("project")
        let (tokens, missing) = try Self.makeProject(in: project)
        func karyo(_ args: [String]) throws -> KaryoBinary.Result { try KaryoBinary.run(args, in: project) }

        let train = try karyo(["train", "HEAD", "--json"] + Self.model)
        #expect(train.status == 0, "\(train.stderr)")
        let trained = try json(train.stdout)
        #expect((trained["skipped"] as? [String: Int]) == ["without a normalize-t922 image": 1])
        #expect(trained["weightsBlob"] is String)
        let evaluation = try #require(trained["evaluation"] as? [String: Any])
        let cell = try #require(evaluation["cell"] as? [String: Any])
        #expect(cell["accuracy"] != nil && cell["ece"] != nil && cell["rocAUC"] != nil)
        #expect(evaluation["caseLevel"] != nil && evaluation["temperature"] != nil)

        let text = try karyo(["train", "HEAD"] + Self.model)
        #expect(text.status == 0)
        #expect(text.stdout.contains("left out: 1 without a normalize-t922 image"))
        #expect(text.stdout.contains("cases: accuracy"))

        let flag = try karyo(
            ["flag", "HEAD", "--folds", "2", "--mc-passes", "3", "--uncertainty-limit", "5", "--json"] + Self.model)
        #expect(flag.status == 0, "\(flag.stderr)")
        let flagged = try json(flag.stdout)
        #expect((flagged["uncertainty"] as? [Any])?.count == 5)
        #expect(flagged["trainedNow"] as? Bool == false)  // reuses the run with the same configuration
        #expect((flagged["scored"] as? Int) == tokens.count - 1)

        let images = folder.path("review-images")
        let list = try karyo(["review", "--queue", "uncertainty", "--all", "--limit", "2", "--images", images.path])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("uncertainty queue of flag run"))
        let paths = list.stdout.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("image: ") ? String(t.dropFirst(7)) : nil
        }
        #expect(paths.count == 4)  // stored image and model input of 2 items
        #expect(paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(paths.contains { $0.hasSuffix(".normalize-t922.png") })

        let page = try json(try karyo(["review", "--queue", "uncertainty", "--all", "--json", "--images", images.path]).stdout)
        let items = try #require((page["page"] as? [String: Any])?["items"] as? [[String: Any]])
        let first = try #require(items.first)
        let itemID = try #require(first["id"] as? Int)
        let sample = try #require(first["sampleToken"] as? String)
        let oldLabel = try #require(first["label"] as? String)
        let newLabel = oldLabel == "positive" ? "negative" : "positive"
        let decide = try karyo([
            "review", "--decide", String(itemID), "--as", newLabel, "--reviewer", "dr-x", "--reason", "FISH says so", "--json",
        ])
        #expect(decide.status == 0, "\(decide.stderr)")
        let event = try json(decide.stdout)
        #expect(event["source"] as? String == "reviewer" && event["author"] as? String == "dr-x")
        #expect(event["reason"] as? String == "FISH says so" && event["label"] as? String == newLabel)
        let store = try DatasetStore.open(at: project)
        let last = try #require(try store.labelHistory(sample: sample).last)
        #expect(last.source == .reviewer && last.author == "dr-x" && last.label?.rawValue == newLabel)
        // Pending listing no longer shows it.
        let pending = try json(try karyo(["review", "--queue", "uncertainty", "--json", "--images", images.path]).stdout)
        #expect((pending["page"] as? [String: Any])?["total"] as? Int == 4)
        // The decision makes the next commit a new version.
        #expect(try karyo(["commit", "-m", "review"]).status == 0)

        let report = try karyo(["report", "-o", "report.html"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: project.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Accuracy per dataset version"))
        #expect(html.contains("data:image/png;base64,"))
        #expect(html.contains("Calibration (validation cells)") && html.contains("ROC (validation cells)"))
        #expect(html.contains(sample))
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
        let reportJSON = try json(try karyo(["report", "--json"]).stdout)
        #expect((reportJSON["versions"] as? [Any])?.count == 1)  // the new version has no run yet
        #expect(reportJSON["flagRun"] is Int)

        // Errors: unknown version (66), bad usage (64), a decision without --as.
        #expect(try karyo(["train", "v-ffffffff"] + Self.model).status == 66)
        #expect(try karyo(["review", "--decide", "1"]).status == 64)
        #expect(try karyo(["flag", "HEAD", "--folds", "1"]).status == 64)
        #expect(!missing.isEmpty)
    }

    @Test("loop: a whole round with decisions, a commit, the random arm and the report")
    func loopRound() throws {
        let folder = try TemporaryFolder()
        let project = folder.path("project")
        let (tokens, _) = try Self.makeProject(in: project, patients: 8)
        let decisions = folder.path("decisions.csv")
        try Data("sample,decision,reason\n\(tokens[0]),negative,FISH negative\n\(tokens[2]),confirm,\n".utf8).write(to: decisions)
        let result = try KaryoBinary.run(
            ["loop", "HEAD", "--decisions", decisions.path, "--report", "round.html", "--folds", "2", "--mc-passes", "2",
             "--uncertainty-limit", "4", "--al-min-steps", "3", "--json"] + Self.model, in: project)
        #expect(result.status == 0, "\(result.stderr)")
        let outcome = try json(result.stdout)
        #expect(outcome["decisionsRecorded"] as? Int == 2)
        let committed = try #require(outcome["committedVersion"] as? String)
        #expect((outcome["finalRun"] as? [String: Any])?["version"] as? String == committed)
        let al = try #require(outcome["activeLearning"] as? [String: Any])
        #expect(al["random"] != nil && al["uncertainty"] != nil && al["randomFinalAccuracy"] != nil)
        let html = try String(contentsOf: project.appendingPathComponent("round.html"), encoding: .utf8)
        #expect(html.contains("Uncertainty sampling vs random sampling"))
        #expect(html.components(separatedBy: "<tr><td>v-").count - 1 == 2)  // two versions with runs
        // Bad decisions file: named, exit 65.
        try Data("sample,decision\n\(tokens[1]),maybe\n".utf8).write(to: decisions)
        let bad = try KaryoBinary.run(["loop", "--decisions", decisions.path] + Self.model, in: project)
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("decisions.csv line 2"))
    }
}
