// karyo-train-classifier: trains the 24-class chromosome classifier (KaryoMetaphase) and prints its
// accuracy on patient-held-out cells. Argument parsing only; the work is in KaryoMetaphase.
import ArgumentParser
import Foundation
import KaryoMetaphase

@main
struct TrainClassifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "karyo-train-classifier",
        abstract: "Train the 24-class chromosome classifier and print its patient-held-out accuracy.",
        discussion: """
            Data sets (any combination): --pki3 (labels.csv folder; images extracted under --pki3-images),
            --bioimlab-qband, --bioimlab-karyograms (CC BY: the only source allowed for shipped weights),
            --adir (DAPI metaphase crops from the label maps; only images the benchmark does not score).
            Patients (pki3: the karyogram id before its first dot) are split by a stable hash;
            --held-out of them are never trained on. Weights go to --output
            (default: $KARYO_CLASSIFIER_WEIGHTS or ~/.cache/karyo/chromosome-classifier-pki3.safetensors).
            """)

    @Option(help: "Folder with pki3-gband labels.csv.") var pki3: String?
    @Option(help: "Folder where pki3 images.tar.gz was extracted (holds images/).") var pki3Images: String?
    @Option(help: "bioimlab-qband folder.") var bioimlabQband: String?
    @Option(help: "bioimlab-karyograms-yolo folder (CC BY).") var bioimlabKaryograms: String?
    @Option(help: "adir-mfish-dapi-seg folder: images n with n % 3 != 0 are added to training (n % 3 == 0 are the benchmark's).")
    var adir: String?
    @Option(help: "Fraction of patients held out for testing.") var heldOut: Double = 0.15
    @Option(help: "Seed of the patient split.") var splitSeed: UInt64 = 0
    @Option(help: "Epochs.") var epochs: Int = 30
    @Option(help: "Batch size.") var batch: Int = 64
    @Option(help: "Base learning rate.") var lr: Float = 0.1
    @Option(help: "Canvas side in pixels.") var canvas: Int = ClassifierConfiguration().canvasSize
    @Option(help: "ResNet stem width.") var width: Int = ClassifierConfiguration().width
    @Option(help: "Stop after this many steps (0: none); for timing.") var maxSteps: Int = 0
    @Option(help: "Use only the first N pki3 cells (quick runs).") var limitCells: Int?
    @Option(help: "Where to write the weights.") var output: String?
    @Option(help: "Evaluate these weights instead of training.") var evaluate: String?
    @Option(help: "Fine-tune these weights instead of starting from a fresh network.") var initialWeights: String?
    @Flag(help: "Blur half of the training canvases (metaphase chromosomes are often blurred).") var blur = false
    @Flag(help: "Vary staining contrast, darkness and chromosome width in training (another lab's chromosomes look different).")
    var appearance = false
    @Flag(help: "Print the result as JSON.") var json = false

    mutating func run() throws {
        var all: [LabeledChromosome] = []
        let t0 = Date()
        if let pki3 {
            let images = URL(fileURLWithPath: pki3Images ?? pki3)
            all += try ChromosomeDataset.pki3(labelsCSV: URL(fileURLWithPath: pki3).appendingPathComponent("labels.csv"),
                                              imagesRoot: images, limitCells: limitCells)
        }
        if let bioimlabQband { all += try ChromosomeDataset.bioimlabQBand(folder: URL(fileURLWithPath: bioimlabQband)) }
        if let bioimlabKaryograms {
            all += try ChromosomeDataset.bioimlabKaryograms(folder: URL(fileURLWithPath: bioimlabKaryograms))
        }
        var adirTrain: [LabeledChromosome] = []
        if let adir { adirTrain = try ChromosomeDataset.adir(folder: URL(fileURLWithPath: adir), images: { $0 % 3 != 0 }) }
        guard !all.isEmpty || !adirTrain.isEmpty else { throw ValidationError("give at least one data set (--pki3, --bioimlab-qband, --bioimlab-karyograms)") }
        let test = all.filter { ChromosomeDataset.isHeldOut(patient: $0.patient, fraction: heldOut, seed: splitSeed) }
        let train = all.filter { !ChromosomeDataset.isHeldOut(patient: $0.patient, fraction: heldOut, seed: splitSeed) } + adirTrain
        let patients = Set(all.map(\.patient)).count, testPatients = Set(test.map(\.patient)).count
        log("loaded \(all.count + adirTrain.count) crops (\(patients) patients) in \(Int(Date().timeIntervalSince(t0))) s; "
            + "training on \(train.count), holding out \(test.count) crops of \(testPatients) patients")
        let classifier: ChromosomeClassifier
        let outURL = output.map { URL(fileURLWithPath: $0) } ?? ChromosomeClassifier.cachedWeightsURL
        var seconds = 0.0
        if let evaluate {
            classifier = try ChromosomeClassifier(contentsOf: URL(fileURLWithPath: evaluate))
        } else {
            var options = ClassifierTraining.Options(
                epochs: epochs, batchSize: batch, learningRate: lr,
                configuration: ClassifierConfiguration(canvasSize: canvas, width: width), maxSteps: maxSteps)
            options.initialWeights = initialWeights.map { URL(fileURLWithPath: $0) }
            options.blurAugmentation = blur
            options.appearanceAugmentation = appearance
            let start = Date()
            classifier = try ClassifierTraining.train(train, options: options) { log($0) }
            seconds = Date().timeIntervalSince(start)
            try classifier.save(to: outURL)
            log("wrote \(outURL.path) after \(Int(seconds)) s of training")
        }
        var results: [String: Any] = ["train_crops": train.count, "test_crops": test.count, "training_seconds": seconds]
        for source in ["pki3", "bioimlab", "bioimlab-karyogram"] {
            let part = test.filter { $0.patient.hasPrefix(source + "/") }
            guard !part.isEmpty else { continue }
            let e = try ClassifierTraining.evaluate(classifier, on: part)
            results[source] = ["crops": e.count, "accuracy": e.accuracy, "cell_assigned_accuracy": e.cellAssignedAccuracy,
                               "chr9_accuracy": Double(e.perClass[8].correct) / Double(max(e.perClass[8].total, 1)),
                               "chr22_accuracy": Double(e.perClass[21].correct) / Double(max(e.perClass[21].total, 1))]
            if !json {
                print(String(format: "%@ held-out: %d crops  accuracy %.4f  with 2-per-class cell assignment %.4f  chr9 %.3f  chr22 %.3f",
                             source, e.count, e.accuracy, e.cellAssignedAccuracy,
                             Double(e.perClass[8].correct) / Double(max(e.perClass[8].total, 1)),
                             Double(e.perClass[21].correct) / Double(max(e.perClass[21].total, 1))))
                let worst = e.perClass.enumerated().map { ($0.offset, Double($0.element.correct) / Double(max($0.element.total, 1))) }
                    .sorted { $0.1 < $1.1 }.prefix(5)
                print("  weakest classes: " + worst.map { "\(ChromosomeClass(index: $0.0).name) \(String(format: "%.3f", $0.1))" }.joined(separator: ", "))
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}
