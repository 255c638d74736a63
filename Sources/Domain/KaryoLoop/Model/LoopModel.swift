import Foundation
import KaryoCore
import KaryoNet

/// The model the loop trains: a small KaryoNet ResNet on one 90x90 gray image per sample.
public struct ModelSpec: Sendable, Codable, Equatable {
    /// Stem channels of the ResNet (basic blocks [1, 1, 1, 1]; 64 would be ResNet-18's width).
    public var width: Int
    /// Dropout before the classifier (needed for MC dropout).
    public var dropout: Double
    public var epochs: Int
    public var batchSize: Int
    /// SGD with momentum 0.9, cosine decay, 1 epoch of linear warm-up.
    public var learningRate: Double
    public var weightDecay: Double
    /// Random rotation, shift, contrast and brightness during training.
    public var augment: Bool
    /// Weight the loss by inverse class frequency.
    public var balanceClasses: Bool
    /// Side of the square input image in pixels.
    public var inputSize: Int
    /// oneDNN threads.
    public var threads: Int
    /// When set, small training sets get more epochs so that training makes at least this many
    /// optimizer steps (a set of 20 images is one step per epoch; 12 epochs would not train it).
    public var minimumSteps: Int?

    public init(
        width: Int = 8, dropout: Double = 0.25, epochs: Int = 12, batchSize: Int = 32, learningRate: Double = 0.05,
        weightDecay: Double = 5e-4, augment: Bool = true, balanceClasses: Bool = true, inputSize: Int = 90,
        threads: Int = 2, minimumSteps: Int? = nil
    ) {
        self.minimumSteps = minimumSteps
        self.width = width
        self.dropout = dropout
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.augment = augment
        self.balanceClasses = balanceClasses
        self.inputSize = inputSize
        self.threads = threads
    }

    /// The architecture's name as checkpoints record it.
    public var architecture: String { "resnet-basic-1-1-1-1-w\(width)" }

    /// The spec as a JSON object (sorted keys), for run records.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var object = (try? JSONSerialization.jsonObject(with: encoder.encode(self))) as? [String: Any] ?? [:]
        object["architecture"] = architecture
        object["optimizer"] = "sgd-momentum-0.9-cosine"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Loss and accuracy after one training epoch (a point of the training curves).
public struct EpochCurve: Sendable, Codable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var learningRate: Double

    public init(
        epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double?, validationAccuracy: Double?,
        learningRate: Double
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
    }
}

/// A trainable, scorable model. Not thread-safe (one oneDNN backend): use it from one task.
public final class LoopModel {
    public let spec: ModelSpec
    public let seed: UInt64
    let network: ResNet
    let backend: OneDNNBackend

    /// A freshly initialised model.
    public init(spec: ModelSpec, seed: UInt64) {
        self.spec = spec
        self.seed = seed
        network = ResNet.small(width: spec.width, inputChannels: 1, classes: 2, dropout: Float(spec.dropout), seed: seed)
        backend = OneDNNBackend(threads: spec.threads)
    }

    /// A model with the weights of a checkpoint written by `checkpoint()`.
    /// - Throws: `LoopError` naming the problem when the checkpoint does not fit `spec`.
    public convenience init(spec: ModelSpec, checkpoint: Data) throws {
        self.init(spec: spec, seed: 0)
        do {
            try network.load(SafeTensors(data: checkpoint))
        } catch {
            throw LoopError("the checkpoint does not fit the model \(spec.architecture): \(error)")
        }
    }

    /// The weights as SafeTensors bytes (PyTorch-compatible names), with the spec in the metadata.
    public func checkpoint() -> Data {
        network.unfoldBatchNorm()
        var st = network.stateDict()
        st.metadata["karyo.loop.spec"] = spec.json
        return st.serialized()
    }

    /// Trains on `train`, evaluating on `validation` (if not empty) after every epoch.
    /// - Returns: the per-epoch curves.
    /// - Throws: `LoopError` for an empty training set or images of the wrong size.
    public func train(
        _ train: [LoopSample], validation: [LoopSample] = [], onEpoch: ((EpochCurve) -> Void)? = nil
    ) throws -> [EpochCurve] {
        guard !train.isEmpty else { throw LoopError("nothing to train on: the training set is empty") }
        let trainSet = try dataset(train)
        let validationSet = validation.isEmpty ? nil : try dataset(validation)
        let positives = train.filter(\.positive).count
        var weights: [Float]?
        if spec.balanceClasses, positives > 0, positives < train.count {
            let n = Float(train.count)
            weights = [n / (2 * Float(train.count - positives)), n / (2 * Float(positives))]
        }
        let batchSize = min(spec.batchSize, train.count)
        let stepsPerEpoch = train.count > spec.batchSize ? train.count / spec.batchSize : 1
        let epochs = max(spec.epochs, ((spec.minimumSteps ?? 0) + stepsPerEpoch - 1) / stepsPerEpoch)
        let configuration = TrainingConfiguration(
            epochs: epochs, batchSize: batchSize,
            optimizer: .sgd(momentum: 0.9, nesterov: false, weightDecay: Float(spec.weightDecay)),
            schedule: LearningRateSchedule(
                base: Float(spec.learningRate), kind: .cosine(minimum: Float(spec.learningRate) / 100),
                warmupSteps: stepsPerEpoch),
            seed: seed,
            augmentation: spec.augment
                ? Augmentation(maxRotationDegrees: 8, maxShift: 3, contrast: 0.1, brightness: 0.1) : nil,
            classWeights: weights, dropLastBatch: train.count > spec.batchSize)
        let trainer = Trainer(model: network, backend: backend, configuration: configuration)
        var curves: [EpochCurve] = []
        trainer.onEpoch = { m in
            let curve = EpochCurve(
                epoch: m.epoch, trainLoss: Double(m.trainLoss), trainAccuracy: Double(m.trainAccuracy),
                validationLoss: m.validationLoss.map(Double.init), validationAccuracy: m.validationAccuracy.map(Double.init),
                learningRate: Double(m.learningRate))
            curves.append(curve)
            onEpoch?(curve)
        }
        let result = try trainer.fit(train: trainSet, validation: validationSet)
        if case .nonFiniteLoss(let message) = result.stopReason {
            throw LoopError("training diverged: \(message); try a lower learning rate")
        }
        return curves
    }

    /// The probability that each image is t(9;22)-positive (deterministic pass).
    public func probabilities(_ images: [GrayImage]) throws -> [Double] {
        try passes(images, count: 1, seed: nil)[0]
    }

    /// `count` MC-dropout passes: `result[t][i]` is pass t's probability for image i.
    /// - Throws: `LoopError` when the model has no dropout.
    public func mcDropoutPasses(_ images: [GrayImage], count: Int, seed: UInt64) throws -> [[Double]] {
        guard spec.dropout > 0 else { throw LoopError("MC dropout needs a model with dropout > 0") }
        return try passes(images, count: max(1, count), seed: seed)
    }

    func passes(_ images: [GrayImage], count: Int, seed: UInt64?) throws -> [[Double]] {
        let predictor = Predictor(model: network, backend: backend)
        var result = [[Double]](repeating: [], count: count)
        var generator = SeededGenerator(seed: seed ?? 0)
        let passSeeds = (0..<count).map { _ in generator.next() }
        let chunk = 128
        for start in stride(from: 0, to: images.count, by: chunk) {
            let part = Array(images[start..<min(start + chunk, images.count)])
            let tensor = Tensor(try pixels(part), shape: [part.count, 1, spec.inputSize, spec.inputSize])
            for t in 0..<count {
                let logits = try predictor.logits(tensor, dropoutSeed: seed == nil ? nil : passSeeds[t] &+ UInt64(start))
                let z = logits.scalars
                for i in 0..<part.count {
                    // softmax over two classes = sigmoid of the difference
                    result[t].append(1 / (1 + exp(Double(z[i * 2] - z[i * 2 + 1]))))
                }
            }
        }
        return result
    }

    func dataset(_ samples: [LoopSample]) throws -> ImageDataset {
        try ImageDataset(
            pixels: pixels(samples.map(\.image)), labels: samples.map { $0.positive ? 1 : 0 }, channels: 1,
            height: spec.inputSize, width: spec.inputSize)
    }

    func pixels(_ images: [GrayImage]) throws -> [Float] {
        let side = spec.inputSize
        var out: [Float] = []
        out.reserveCapacity(images.count * side * side)
        for image in images {
            guard image.width == side, image.height == side else {
                throw LoopError("the model takes \(side)x\(side) images, got \(image.width)x\(image.height)")
            }
            out.append(contentsOf: image.pixels.map { Float($0) / 255 })
        }
        return out
    }
}
