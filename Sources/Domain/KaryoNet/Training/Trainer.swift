import Foundation
import KaryoCore

/// Which optimizer a `Trainer` uses.
public enum OptimizerChoice: Sendable {
    case sgd(momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 0)
    case adamW(beta1: Float = 0.9, beta2: Float = 0.999, weightDecay: Float = 0.01)
}

/// Everything that controls a training run.
public struct TrainingConfiguration: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerChoice
    public var schedule: LearningRateSchedule
    /// Seeds shuffling, augmentation and dropout.
    public var seed: UInt64
    public var augmentation: Augmentation?
    public var classWeights: [Float]?
    public var labelSmoothing: Float
    /// Stop after this many epochs without a lower validation loss, restoring the best weights.
    public var earlyStoppingPatience: Int?
    /// Where to keep the last good checkpoint (written after every epoch with a finite loss).
    public var checkpointURL: URL?
    /// Drop a last batch smaller than `batchSize` (avoids 1-image batch-norm batches).
    public var dropLastBatch: Bool

    public init(epochs: Int, batchSize: Int, optimizer: OptimizerChoice = .sgd(),
                schedule: LearningRateSchedule = LearningRateSchedule(base: 0.01), seed: UInt64 = 0,
                augmentation: Augmentation? = nil, classWeights: [Float]? = nil, labelSmoothing: Float = 0,
                earlyStoppingPatience: Int? = nil, checkpointURL: URL? = nil, dropLastBatch: Bool = true) {
        self.epochs = epochs; self.batchSize = batchSize; self.optimizer = optimizer; self.schedule = schedule
        self.seed = seed; self.augmentation = augmentation; self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing; self.earlyStoppingPatience = earlyStoppingPatience
        self.checkpointURL = checkpointURL; self.dropLastBatch = dropLastBatch
    }
}

/// Loss and accuracy after one epoch.
public struct EpochMetrics: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Float
    public var trainAccuracy: Float
    public var validationLoss: Float?
    public var validationAccuracy: Float?
    public var learningRate: Float
}

/// One optimizer step, as reported to `Trainer.onStep`.
public struct TrainingStep: Sendable, Equatable {
    public var epoch: Int
    /// 0-based batch index within the epoch.
    public var batch: Int
    /// The training images of this batch, in batch order.
    public var indices: [Int]
    /// The batch's mean loss before the update.
    public var loss: Float
    public var learningRate: Float
}

/// How a run ended.
public enum StopReason: Sendable, Equatable {
    case completed
    /// Early stopping; the weights of `bestEpoch` were restored.
    case earlyStopped(bestEpoch: Int)
    /// The loss became NaN or infinite; the last good weights were restored. The message says where.
    case nonFiniteLoss(String)
}

/// The outcome of `Trainer.fit`.
public struct TrainingResult: Sendable {
    public var history: [EpochMetrics]
    public var stopReason: StopReason
}

/// Trains a `ResNet` with softmax cross-entropy: seeded shuffling, augmentation, schedules,
/// early stopping, per-epoch metrics, and a NaN/Inf guard that keeps the last good checkpoint.
///
/// Runs are deterministic: the same seed, data and backend give the same weights.
public final class Trainer {
    public let model: ResNet
    public let backend: any Backend
    public let configuration: TrainingConfiguration
    public let optimizer: any Optimizer
    /// Called after every epoch (for progress output).
    public var onEpoch: ((EpochMetrics) -> Void)?
    /// Called after every optimizer step (progress within an epoch; tracing a run's batch order).
    public var onStep: ((TrainingStep) -> Void)?

    public init(model: ResNet, backend: any Backend, configuration: TrainingConfiguration) {
        self.model = model; self.backend = backend; self.configuration = configuration
        let params = model.namedParameters.map(\.variable)
        switch configuration.optimizer {
        case let .sgd(momentum, nesterov, wd):
            optimizer = SGD(params, momentum: momentum, nesterov: nesterov, weightDecay: wd)
        case let .adamW(b1, b2, wd):
            optimizer = AdamW(params, beta1: b1, beta2: b2, weightDecay: wd)
        }
    }

    /// Trains on `train`, evaluating on `validation` after every epoch.
    public func fit(train: ImageDataset, validation: ImageDataset? = nil) throws -> TrainingResult {
        let c = configuration
        guard train.count > 0, c.batchSize > 0 else { throw KaryoNetError.invalidArgument("empty training set or batch size") }
        try validate(train, name: "training images")
        if let validation { try validate(validation, name: "validation images") }
        if let w = c.classWeights, w.count != model.configuration.classes {
            throw KaryoNetError.shapeMismatch(tensor: "class weights", expected: [model.configuration.classes], actual: [w.count])
        }
        model.unfoldBatchNorm()
        let batches = c.dropLastBatch && train.count >= c.batchSize
            ? train.count / c.batchSize : (train.count + c.batchSize - 1) / c.batchSize
        let totalSteps = batches * c.epochs
        var history: [EpochMetrics] = []
        var lastGood = model.stateDict()
        var best: (loss: Float, epoch: Int, state: SafeTensors)?
        var step = 0
        var generator = SeededGenerator(seed: c.seed)
        for epoch in 1...max(c.epochs, 1) {
            var order = Array(0..<train.count)
            order.shuffle(using: &generator)
            var lossSum = 0.0, correct = 0, seen = 0
            var lr: Float = 0
            for b in 0..<batches {
                let indices = Array(order[(b * c.batchSize)..<min((b + 1) * c.batchSize, train.count)])
                let (x, labels) = train.batch(indices, transform: c.augmentation.map { aug in
                    { (img: inout [Float]) in
                        aug.apply(&img, channels: train.channels, height: train.height, width: train.width, generator: &generator)
                    }
                })
                let tape = Tape(backend: backend, training: true, seed: generator.next())
                let logits = model(Variable(x), tape)
                let loss = tape.softmaxCrossEntropy(logits, labels: labels, classWeights: c.classWeights,
                                                    labelSmoothing: c.labelSmoothing)
                let value = loss.value.scalars[0]
                guard value.isFinite else {
                    try model.load(lastGood)
                    let message = "loss is \(value) at epoch \(epoch), batch \(b + 1); restored the weights after epoch \(epoch - 1)"
                        + (c.checkpointURL.map { " (kept \($0.path))" } ?? "")
                    return TrainingResult(history: history, stopReason: .nonFiniteLoss(message))
                }
                optimizer.zeroGradients()
                tape.backward(loss)
                lr = c.schedule.learningRate(step: step, totalSteps: totalSteps, stepsPerEpoch: batches)
                optimizer.step(learningRate: lr)
                step += 1
                onStep?(TrainingStep(epoch: epoch, batch: b, indices: indices, loss: value, learningRate: lr))
                lossSum += Double(value) * Double(indices.count)
                correct += zip(Self.argmax(backend.plain(logits.value)), labels).filter { $0 == $1 }.count
                seen += indices.count
            }
            var metrics = EpochMetrics(epoch: epoch, trainLoss: Float(lossSum / Double(max(seen, 1))),
                                       trainAccuracy: Float(correct) / Float(max(seen, 1)), learningRate: lr)
            if let validation, validation.count > 0 {
                let (vl, va) = evaluate(validation)
                metrics.validationLoss = vl; metrics.validationAccuracy = va
            }
            history.append(metrics)
            onEpoch?(metrics)
            let parametersFinite = model.namedParameters.allSatisfy { $0.variable.value.scalars.allSatisfy(\.isFinite) }
            guard metrics.trainLoss.isFinite, metrics.validationLoss?.isFinite ?? true, parametersFinite else {
                try model.load(lastGood)
                return TrainingResult(history: history, stopReason: .nonFiniteLoss(
                    "non-finite loss or weights after epoch \(epoch); restored the weights after epoch \(epoch - 1)"))
            }
            lastGood = model.stateDict()
            if let url = c.checkpointURL { try lastGood.write(to: url) }
            if let patience = c.earlyStoppingPatience, let vl = metrics.validationLoss {
                if best == nil || vl < best!.loss { best = (vl, epoch, lastGood) }
                if epoch - best!.epoch >= patience {
                    try model.load(best!.state)
                    if let url = c.checkpointURL { try best!.state.write(to: url) }
                    return TrainingResult(history: history, stopReason: .earlyStopped(bestEpoch: best!.epoch))
                }
            }
        }
        return TrainingResult(history: history, stopReason: .completed)
    }

    private func validate(_ data: ImageDataset, name: String) throws {
        try model.checkInput([max(data.count, 1), data.channels, data.height, data.width], name: name)
        let classes = model.configuration.classes
        if let bad = data.labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw KaryoNetError.invalidArgument("\(name): label \(data.labels[bad]) of image \(bad) is outside 0..<\(classes)")
        }
    }

    /// Mean loss and accuracy on `data` in inference mode.
    public func evaluate(_ data: ImageDataset) -> (loss: Float, accuracy: Float) {
        var lossSum = 0.0, correct = 0
        let bs = max(configuration.batchSize, 1)
        for start in stride(from: 0, to: data.count, by: bs) {
            let indices = Array(start..<min(start + bs, data.count))
            let (x, labels) = data.batch(indices)
            let tape = Tape(backend: backend, training: false)
            let logits = model(Variable(x), tape)
            let loss = tape.softmaxCrossEntropy(logits, labels: labels, classWeights: configuration.classWeights,
                                                labelSmoothing: configuration.labelSmoothing)
            lossSum += Double(loss.value.scalars[0]) * Double(indices.count)
            correct += zip(Self.argmax(backend.plain(logits.value)), labels).filter { $0 == $1 }.count
        }
        return (Float(lossSum / Double(max(data.count, 1))), Float(correct) / Float(max(data.count, 1)))
    }

    /// Row-wise argmax of a plain [N, C] tensor.
    static func argmax(_ t: Tensor) -> [Int] {
        let (n, c) = (t.shape[0], t.shape[1]), s = t.scalars
        return (0..<n).map { i in (0..<c).max { s[i * c + $0] < s[i * c + $1] }! }
    }
}
