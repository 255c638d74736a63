import ArgumentParser
import Foundation
import KaryoMetaphase

/// `karyo classifier`: the 24-class chromosome classifier (KaryoMetaphase) that picks the 9s and 22s
/// of a metaphase.
struct ClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Train or evaluate the 24-class chromosome classifier that reads metaphases.",
        discussion: """
            The classifier (a small KaryoNet ResNet) gives every chromosome of a metaphase one of 24 classes \
            (1-22, X, Y), so that the two 9s and the two 22s can be picked. Karyo uses the weights at \
            $KARYO_CLASSIFIER_WEIGHTS or ~/.cache/karyo/chromosome-classifier-pki3.safetensors when present, \
            else the ones shipped with it. tools/train-chromosome-classifier runs `karyo classifier train` \
            on the shared data sets.
            """,
        subcommands: [ClassifierTrain.self, ClassifierEvaluate.self]
    )
}

/// The labelled chromosome crops and their patient-grouped held-out split, shared by train and evaluate.
struct ClassifierDataOptions: ParsableArguments {
    @Option(help: "Folder with pki3-gband labels.csv.")
    var pki3: String?

    @Option(help: "Folder where pki3 images.tar.gz was extracted (holds images/; default: the --pki3 folder).")
    var pki3Images: String?

    @Option(help: "bioimlab-qband folder.")
    var bioimlabQband: String?

    @Option(help: "bioimlab-karyograms-yolo folder (CC BY: the only source allowed for shipped weights).")
    var bioimlabKaryograms: String?

    @Option(help: "Use only the first N pki3 cells (quick runs).")
    var limitCells: Int?

    @Option(help: "Fraction of patients held out for testing.")
    var heldOut: Double = 0.15

    @Option(help: "Seed of the patient split.")
    var splitSeed: UInt64 = 0

    /// Whether any held-out data set was named.
    var namesADataSet: Bool { pki3 != nil || bioimlabQband != nil || bioimlabKaryograms != nil }

    func validate() throws {
        for (flag, path) in [("--pki3", pki3), ("--pki3-images", pki3Images), ("--bioimlab-qband", bioimlabQband),
                             ("--bioimlab-karyograms", bioimlabKaryograms)] {
            if let path { try requireFolder(path, flag: flag) }
        }
        guard pki3Images == nil || pki3 != nil else { throw ValidationError("--pki3-images needs --pki3") }
        guard limitCells == nil || pki3 != nil else { throw ValidationError("--limit-cells needs --pki3") }
        if let limitCells, limitCells < 1 { throw ValidationError("--limit-cells must be at least 1") }
        guard heldOut >= 0, heldOut <= 1 else { throw ValidationError("--held-out must be between 0 and 1") }
    }

    /// Every crop of the named data sets (patients prefixed by their source: pki3/, bioimlab/, bioimlab-karyogram/).
    func load() throws -> [LabeledChromosome] {
        var all: [LabeledChromosome] = []
        if let pki3 {
            let images = URL(fileURLWithPath: pki3Images ?? pki3)
            all += try ChromosomeDataset.pki3(labelsCSV: URL(fileURLWithPath: pki3).appendingPathComponent("labels.csv"),
                                              imagesRoot: images, limitCells: limitCells)
        }
        if let bioimlabQband { all += try ChromosomeDataset.bioimlabQBand(folder: URL(fileURLWithPath: bioimlabQband)) }
        if let bioimlabKaryograms {
            all += try ChromosomeDataset.bioimlabKaryograms(folder: URL(fileURLWithPath: bioimlabKaryograms))
        }
        return all
    }

    func isHeldOut(_ crop: LabeledChromosome) -> Bool {
        ChromosomeDataset.isHeldOut(patient: crop.patient, fraction: heldOut, seed: splitSeed)
    }
}

/// Accuracy of a classifier on the held-out crops of one source.
struct HeldOutAccuracy: Encodable {
    struct ClassAccuracy: Encodable {
        var chromosome: String
        var accuracy: Double
    }

    var source: String
    var crops: Int
    var accuracy: Double
    var cellAssignedAccuracy: Double
    var chr9Accuracy: Double
    var chr22Accuracy: Double
    var weakestClasses: [ClassAccuracy]
}

/// What `karyo classifier train` and `evaluate` print with --json.
struct ClassifierReport: Encodable {
    var weights: String
    var trainCrops: Int
    var testCrops: Int
    var trainingSeconds: Double
    var heldOut: [HeldOutAccuracy]
}

struct ClassifierTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the 24-class chromosome classifier and print its patient-held-out accuracy.",
        discussion: """
            Data sets (any combination): --pki3 (labels.csv folder; images extracted under --pki3-images), \
            --bioimlab-qband, --bioimlab-karyograms (CC BY: the only source allowed for shipped weights), \
            --adir (DAPI metaphase crops from the label maps; only images the benchmark does not score). \
            Patients (pki3: the karyogram id before its first dot) are split by a stable hash; --held-out of \
            them are never trained on. Weights go to --output (default: $KARYO_CLASSIFIER_WEIGHTS or \
            ~/.cache/karyo/chromosome-classifier-pki3.safetensors). Progress goes to standard error.
            """)

    @OptionGroup var data: ClassifierDataOptions

    @Option(help: "adir-mfish-dapi-seg folder: images n with n % 3 != 0 are added to training (n % 3 == 0 are the benchmark's).")
    var adir: String?

    @Option(help: "Epochs.")
    var epochs: Int = 30

    @Option(help: "Batch size.")
    var batch: Int = 64

    @Option(help: "Base learning rate.")
    var lr: Float = 0.1

    @Option(help: "Canvas side in pixels.")
    var canvas: Int = ClassifierConfiguration().canvasSize

    @Option(help: "ResNet stem width.")
    var width: Int = ClassifierConfiguration().width

    @Option(help: "Stop after this many steps (0: none); for timing.")
    var maxSteps: Int = 0

    @Option(help: "Where to write the weights (default: $KARYO_CLASSIFIER_WEIGHTS or ~/.cache/karyo/chromosome-classifier-pki3.safetensors).")
    var output: String?

    @Option(help: "Fine-tune these weights instead of starting from a fresh network (their configuration wins).")
    var initialWeights: String?

    @Flag(help: "Blur half of the training canvases (metaphase chromosomes are often blurred).")
    var blur = false

    @Flag(help: "Vary staining contrast, darkness and chromosome width in training (another lab's chromosomes look different).")
    var appearance = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard data.namesADataSet || adir != nil else {
            throw ValidationError("give at least one data set (--pki3, --bioimlab-qband, --bioimlab-karyograms, --adir)")
        }
        if let adir { try requireFolder(adir, flag: "--adir") }
        if let initialWeights { try requireFile(initialWeights, flag: "--initial-weights") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard canvas >= 16 else { throw ValidationError("--canvas must be at least 16") }
        guard width >= 1 else { throw ValidationError("--width must be at least 1") }
        guard maxSteps >= 0 else { throw ValidationError("--max-steps must not be negative") }
    }

    func run() async throws {
        try await runReportingErrors {
            let t0 = Date()
            let all = try data.load()
            let adirTrain = try adir.map { folder in
                try ChromosomeDataset.adir(folder: URL(fileURLWithPath: folder), images: { $0 % 3 != 0 })
            } ?? []
            guard !all.isEmpty || !adirTrain.isEmpty else { throw ClassifierCommandError("the data sets hold no chromosome crops") }
            let test = all.filter { data.isHeldOut($0) }
            let train = all.filter { !data.isHeldOut($0) } + adirTrain
            guard !train.isEmpty else { throw ClassifierCommandError("no crops left to train on (--held-out \(data.heldOut))") }
            let patients = Set(all.map(\.patient)).count, testPatients = Set(test.map(\.patient)).count
            printError("loaded \(all.count + adirTrain.count) crops (\(patients) patients) in \(Int(Date().timeIntervalSince(t0))) s; "
                + "training on \(train.count), holding out \(test.count) crops of \(testPatients) patients")
            var options = ClassifierTraining.Options(
                epochs: epochs, batchSize: batch, learningRate: lr,
                configuration: ClassifierConfiguration(canvasSize: canvas, width: width), maxSteps: maxSteps)
            options.initialWeights = initialWeights.map { URL(fileURLWithPath: $0) }
            options.blurAugmentation = blur
            options.appearanceAugmentation = appearance
            let outURL = output.map { URL(fileURLWithPath: $0) } ?? ChromosomeClassifier.cachedWeightsURL
            let start = Date()
            let classifier = try ClassifierTraining.train(train, options: options) { printError($0) }
            let seconds = Date().timeIntervalSince(start)
            try classifier.save(to: outURL)
            printError("wrote \(outURL.path) after \(Int(seconds)) s of training")
            let heldOut = try evaluateHeldOut(classifier, on: test)
            let report = ClassifierReport(
                weights: outURL.path, trainCrops: train.count, testCrops: test.count, trainingSeconds: seconds, heldOut: heldOut)
            try printClassifierReport(report, json: json)
        }
    }
}

struct ClassifierEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Print the patient-held-out accuracy of trained classifier weights.",
        discussion: """
            The crops of the named data sets are split by patient exactly as `karyo classifier train` splits \
            them (the same --held-out and --split-seed), and the weights are scored on the held-out ones.
            """)

    @Argument(help: "The weights (safetensors, as `karyo classifier train` writes them).")
    var weights: String

    @OptionGroup var data: ClassifierDataOptions

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        try requireFile(weights, flag: "WEIGHTS")
        guard data.namesADataSet else {
            throw ValidationError("give at least one data set (--pki3, --bioimlab-qband, --bioimlab-karyograms)")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            let classifier = try ChromosomeClassifier(contentsOf: URL(fileURLWithPath: weights))
            let t0 = Date()
            let all = try data.load()
            let test = all.filter { data.isHeldOut($0) }
            guard !test.isEmpty else {
                throw ClassifierCommandError("no held-out crops to evaluate on (\(all.count) crops, --held-out \(data.heldOut))")
            }
            printError("loaded \(all.count) crops (\(Set(all.map(\.patient)).count) patients) in \(Int(Date().timeIntervalSince(t0))) s; "
                + "evaluating on \(test.count) held-out crops of \(Set(test.map(\.patient)).count) patients")
            let report = ClassifierReport(
                weights: weights, trainCrops: all.count - test.count, testCrops: test.count, trainingSeconds: 0,
                heldOut: try evaluateHeldOut(classifier, on: test))
            try printClassifierReport(report, json: json)
        }
    }
}

/// A failure of `karyo classifier` that is not a bad argument.
struct ClassifierCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The accuracy per source (the patient's prefix) of the held-out crops.
private func evaluateHeldOut(_ classifier: ChromosomeClassifier, on test: [LabeledChromosome]) throws -> [HeldOutAccuracy] {
    func rate(_ c: (correct: Int, total: Int)) -> Double { Double(c.correct) / Double(max(c.total, 1)) }
    var results: [HeldOutAccuracy] = []
    for source in ["pki3", "bioimlab", "bioimlab-karyogram"] {
        let part = test.filter { $0.patient.hasPrefix(source + "/") }
        guard !part.isEmpty else { continue }
        let e = try ClassifierTraining.evaluate(classifier, on: part)
        let weakest = e.perClass.enumerated().map { ($0.offset, rate($0.element)) }.sorted { $0.1 < $1.1 }.prefix(5)
        results.append(HeldOutAccuracy(
            source: source, crops: e.count, accuracy: e.accuracy, cellAssignedAccuracy: e.cellAssignedAccuracy,
            chr9Accuracy: rate(e.perClass[8]), chr22Accuracy: rate(e.perClass[21]),
            weakestClasses: weakest.map { HeldOutAccuracy.ClassAccuracy(chromosome: ChromosomeClass(index: $0.0).name, accuracy: $0.1) }))
    }
    return results
}

private func printClassifierReport(_ report: ClassifierReport, json: Bool) throws {
    if json {
        try printJSON(report)
        return
    }
    if report.heldOut.isEmpty { print("no held-out crops of pki3, bioimlab or bioimlab-karyogram patients: no accuracy") }
    for r in report.heldOut {
        print("\(r.source) held-out: " + String(format: "%d crops  accuracy %.4f  with 2-per-class cell assignment %.4f  chr9 %.3f  chr22 %.3f",
                     r.crops, r.accuracy, r.cellAssignedAccuracy, r.chr9Accuracy, r.chr22Accuracy))
        print("  weakest classes: " + r.weakestClasses.map { "\($0.chromosome) \(String(format: "%.3f", $0.accuracy))" }.joined(separator: ", "))
    }
}

private func requireFolder(_ path: String, flag: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(flag): no folder at \(path)")
    }
}

private func requireFile(_ path: String, flag: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        throw ValidationError("\(flag): no file at \(path)")
    }
}
