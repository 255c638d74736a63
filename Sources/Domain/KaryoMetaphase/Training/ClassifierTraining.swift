import Foundation
import KaryoCore
import KaryoNet

/// Training and evaluation of `ChromosomeClassifier` with KaryoNet.
public enum ClassifierTraining {
    /// Hyper-parameters of a run.
    public struct Options: Sendable {
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Float
        public var weightDecay: Float
        public var seed: UInt64
        public var configuration: ClassifierConfiguration
        /// Stop after this many optimizer steps (0 = no limit); for timing runs.
        public var maxSteps: Int
        /// Start from these weights (fine-tuning) instead of a fresh network; their configuration wins.
        public var initialWeights: URL?
        /// Blur half of the training canvases (Gaussian, σ 0.4-1.6 px), as metaphase chromosomes often are.
        public var blurAugmentation = false
        /// Vary how each chromosome looks as another lab's staining and condensation would: darkness
        /// raised to a power of 0.7-1.4 and scaled by 0.75-1.25, and the chromosome drawn 0.8-1.25
        /// times as wide. Measured (30 epochs, with the ADIR crops): cabinh karyogram crops 78% (77%
        /// without), but its metaphases no better (20/40 9s and 22s against 21/40); off by default.
        public var appearanceAugmentation = false

        public init(epochs: Int = 12, batchSize: Int = 64, learningRate: Float = 0.1, weightDecay: Float = 5e-4, seed: UInt64 = 1,
                    configuration: ClassifierConfiguration = ClassifierConfiguration(), maxSteps: Int = 0) {
            self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate; self.weightDecay = weightDecay
            self.seed = seed; self.configuration = configuration; self.maxSteps = maxSteps
        }
    }

    /// Accuracy figures on a labelled set.
    public struct Evaluation: Sendable {
        public var count: Int
        /// Argmax of each crop on its own.
        public var accuracy: Double
        /// After the 2-per-class assignment over each cell's crops.
        public var cellAssignedAccuracy: Double
        /// Per class (index = `ChromosomeClass.index`): correct and total, per-crop argmax.
        public var perClass: [(correct: Int, total: Int)]
    }

    /// Trains a fresh classifier on `data` (SGD, Nesterov momentum, cosine schedule with warm-up,
    /// label smoothing 0.05; augmentation: random 180° flips, mirroring, ±8° rotation, ±8% scale,
    /// ±2 px shift). `progress` receives one line per epoch.
    public static func train(_ data: [LabeledChromosome], options o: Options,
                             progress: (String) -> Void = { _ in }) throws -> ChromosomeClassifier {
        guard !data.isEmpty else { throw ChromosomeDatasetError(message: "no training images") }
        let classifier = try o.initialWeights.map { try ChromosomeClassifier(contentsOf: $0) }
            ?? ChromosomeClassifier(configuration: o.configuration, seed: o.seed)
        let model = classifier.model
        let configuration = classifier.configuration
        let backend = OneDNNBackend(threads: 2)
        let optimizer = SGD(model.namedParameters.map(\.variable), momentum: 0.9, nesterov: true, weightDecay: o.weightDecay)
        let batches = max(1, data.count / o.batchSize)
        let total = o.maxSteps > 0 ? min(o.maxSteps, batches * o.epochs) : batches * o.epochs
        let schedule = LearningRateSchedule(base: o.learningRate, kind: .cosine(minimum: o.learningRate * 0.002),
                                            warmupSteps: min(200, total / 10))
        var g = SeededGenerator(seed: o.seed)
        var step = 0
        let start = Date()
        epochs: for epoch in 1...max(o.epochs, 1) {
            var order = Array(data.indices)
            order.shuffle(using: &g)
            var lossSum = 0.0, correct = 0, seen = 0
            for b in 0..<batches {
                if o.maxSteps > 0 && step >= o.maxSteps { break epochs }
                let idx = Array(order[(b * o.batchSize)..<min((b + 1) * o.batchSize, data.count)])
                let x = batchTensor(data, idx, configuration: configuration, blur: o.blurAugmentation,
                                    appearance: o.appearanceAugmentation, generator: &g)
                let labels = idx.map { data[$0].chromosome.index }
                let tape = Tape(backend: backend, training: true, seed: g.next())
                let logits = model(Variable(x), tape)
                let loss = tape.softmaxCrossEntropy(logits, labels: labels, labelSmoothing: 0.05)
                let value = loss.value.scalars[0]
                guard value.isFinite else {
                    throw ChromosomeDatasetError(message: "training diverged (loss \(value)) at epoch \(epoch), batch \(b + 1)")
                }
                optimizer.zeroGradients()
                tape.backward(loss)
                optimizer.step(learningRate: schedule.learningRate(step: step, totalSteps: total, stepsPerEpoch: batches))
                step += 1
                lossSum += Double(value) * Double(idx.count)
                let plain = backend.plain(logits.value).scalars
                for (i, l) in labels.enumerated() {
                    let row = plain[(i * 24)..<((i + 1) * 24)]
                    if row.indices.max(by: { row[$0] < row[$1] })! - i * 24 == l { correct += 1 }
                }
                seen += idx.count
            }
            let elapsed = Date().timeIntervalSince(start)
            progress(String(format: "epoch %d/%d  loss %.4f  train accuracy %.4f  %.0f s  (%.0f images/s)", epoch, o.epochs,
                            lossSum / Double(max(seen, 1)), Double(correct) / Double(max(seen, 1)), elapsed,
                            Double(step * o.batchSize) / max(elapsed, 1e-9)))
        }
        return classifier
    }

    /// Per-crop and per-cell (2-per-class assignment) accuracy of `classifier` on `data`.
    public static func evaluate(_ classifier: ChromosomeClassifier, on data: [LabeledChromosome]) throws -> Evaluation {
        var byCell: [String: [Int]] = [:]
        for (i, d) in data.enumerated() { byCell[d.cell, default: []].append(i) }
        var correct = 0, assignedCorrect = 0
        var perClass = [(correct: Int, total: Int)](repeating: (0, 0), count: 24)
        for cell in byCell.keys.sorted() {
            let idx = byCell[cell]!
            let probs = try classifier.classify(cell: idx.map { data[$0].crop }, medianLength: data[idx[0]].cellMedianLength)
            let assigned = CellAssignment.assign(probabilities: probs)
            for (j, i) in idx.enumerated() {
                let truth = data[i].chromosome.index
                let top = CellAssignment.mostProbable(probs[j])
                perClass[truth].total += 1
                if top == truth { correct += 1; perClass[truth].correct += 1 }
                if assigned[j] == truth { assignedCorrect += 1 }
            }
        }
        let n = Double(max(data.count, 1))
        return Evaluation(count: data.count, accuracy: Double(correct) / n, cellAssignedAccuracy: Double(assignedCorrect) / n,
                          perClass: perClass)
    }

    static func batchTensor(_ data: [LabeledChromosome], _ idx: [Int], configuration c: ClassifierConfiguration,
                            blur: Bool = false, appearance: Bool = false, generator g: inout SeededGenerator) -> Tensor {
        let s = c.canvasSize, per = 2 * s * s
        var out = [Float](repeating: 0, count: idx.count * per)
        for (k, i) in idx.enumerated() {
            var t = CropTransform(
                flip: g.nextUniform() < 0.5, mirror: g.nextUniform() < 0.5,
                rotation: Double(g.nextUniform() * 2 - 1) * 8 * .pi / 180,
                scaleJitter: 1 + Double(g.nextUniform() * 2 - 1) * 0.08,
                shift: (Double(g.nextUniform() * 2 - 1) * 2, Double(g.nextUniform() * 2 - 1) * 2))
            if appearance { t.across = exp(Double(g.nextUniform() * 2 - 1) * log(1.25)) }
            InputBuilder.render(data[i].crop, medianLength: data[i].cellMedianLength, configuration: c, transform: t,
                                into: &out, offset: k * per)
            if appearance {
                // Staining differs between labs: a power changes the band contrast, a factor the darkness.
                let power = Float(exp(Double(g.nextUniform() * 2 - 1) * log(1.4)))
                let gain = 0.75 + 0.5 * g.nextUniform()
                for j in (k * per)..<(k * per + s * s) where out[j] > 0 { out[j] = gain * pow(out[j], power) }
            }
            if blur && g.nextUniform() < 0.5 {
                // Metaphase chromosomes are often blurred compared with karyogram cut-outs.
                gaussianBlur(&out, offset: k * per, size: s, sigma: 0.4 + Double(g.nextUniform()) * 1.2)
            }
        }
        return Tensor(out, shape: [idx.count, 2, s, s])
    }

    /// Separable Gaussian blur of one canvas plane in place.
    static func gaussianBlur(_ a: inout [Float], offset: Int, size s: Int, sigma: Double) {
        let r = max(1, Int((2.5 * sigma).rounded(.up)))
        var k = (-r...r).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let sum = k.reduce(0, +)
        k = k.map { $0 / sum }
        var tmp = [Float](repeating: 0, count: s * s)
        for y in 0..<s {
            for x in 0..<s {
                var v: Float = 0
                for j in -r...r { let xx = min(max(x + j, 0), s - 1); v += k[j + r] * a[offset + y * s + xx] }
                tmp[y * s + x] = v
            }
        }
        for y in 0..<s {
            for x in 0..<s {
                var v: Float = 0
                for j in -r...r { let yy = min(max(y + j, 0), s - 1); v += k[j + r] * tmp[yy * s + x] }
                a[offset + y * s + x] = v
            }
        }
    }
}
