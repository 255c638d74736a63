import Foundation
import KaryoCore
@testable import KaryoNet
import Testing

@Suite struct TrainingTests {
    static let train = barsDataset(count: 64, seed: 1)
    static let validation = barsDataset(count: 32, seed: 2)

    func config(epochs: Int, seed: UInt64 = 3) -> TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: 16, optimizer: .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-4),
                              schedule: LearningRateSchedule(base: 0.05, kind: .cosine(minimum: 0.001), warmupSteps: 2),
                              seed: seed)
    }

    @Test func learnsSeparableTask() throws {
        let model = ResNet.small(width: 4, seed: 1)
        let trainer = Trainer(model: model, backend: ReferenceBackend(), configuration: config(epochs: 8))
        let result = try trainer.fit(train: Self.train, validation: Self.validation)
        #expect(result.stopReason == .completed)
        #expect(result.history.count == 8)
        let last = result.history.last!
        #expect(last.trainLoss < result.history.first!.trainLoss)
        #expect(last.validationAccuracy! >= 0.9, "history: \(result.history)")
    }

    @Test func deterministic() throws {
        func run() throws -> Data {
            let model = ResNet.small(width: 2, seed: 4)
            var c = config(epochs: 2)
            c.augmentation = Augmentation()
            _ = try Trainer(model: model, backend: ReferenceBackend(), configuration: c).fit(train: Self.train.subset(Array(0..<32)))
            return model.stateDict().serialized()
        }
        #expect(try run() == run())
    }

    /// `onStep` reports every optimizer step: each epoch's batches cover the training set once
    /// (last partial batch dropped), the learning rate follows the schedule, and the epoch's train
    /// loss is the mean of its steps' losses.
    @Test func onStepReportsEveryBatch() throws {
        let model = ResNet.small(width: 2, seed: 6)
        let c = config(epochs: 2)
        let trainer = Trainer(model: model, backend: ReferenceBackend(), configuration: c)
        var steps: [TrainingStep] = []
        trainer.onStep = { steps.append($0) }
        let data = Self.train.subset(Array(0..<40))
        let result = try trainer.fit(train: data)
        #expect(steps.count == 2 * 2)
        for epoch in 1...2 {
            let ofEpoch = steps.filter { $0.epoch == epoch }
            #expect(ofEpoch.map(\.batch) == [0, 1])
            let seen = ofEpoch.flatMap(\.indices)
            #expect(seen.count == 32 && Set(seen).count == 32 && seen.allSatisfy { (0..<40).contains($0) })
            let mean = ofEpoch.map { Double($0.loss) }.reduce(0, +) / 2
            #expect(abs(mean - Double(result.history[epoch - 1].trainLoss)) < 1e-5)
        }
        for (i, s) in steps.enumerated() {
            #expect(s.learningRate == c.schedule.learningRate(step: i, totalSteps: 4, stepsPerEpoch: 2))
        }
        #expect(steps[0].indices != steps[2].indices)  // reshuffled every epoch
    }

    @Test func adamWAndLabelSmoothingTrain() throws {
        let model = ResNet.small(width: 2, seed: 5)
        var c = config(epochs: 2)
        c.optimizer = .adamW(weightDecay: 0.01)
        c.schedule = LearningRateSchedule(base: 0.01, kind: .step(everyEpochs: 1, gamma: 0.5))
        c.classWeights = [1, 2]; c.labelSmoothing = 0.1
        let result = try Trainer(model: model, backend: ReferenceBackend(), configuration: c).fit(train: Self.train.subset(Array(0..<32)))
        #expect(result.history.count == 2)
        #expect(result.history.allSatisfy { $0.trainLoss.isFinite })
        #expect(result.history[1].learningRate == 0.005)
    }

    @Test func earlyStoppingRestoresBest() throws {
        let model = ResNet.small(width: 2, seed: 6)
        var c = config(epochs: 30)
        c.schedule = LearningRateSchedule(base: 0.5)   // too high: validation loss soon stops improving
        c.earlyStoppingPatience = 2
        let small = Self.train.subset(Array(0..<32))
        let trainer = Trainer(model: model, backend: ReferenceBackend(), configuration: c)
        let result = try trainer.fit(train: small, validation: Self.validation.subset(Array(0..<16)))
        guard case let .earlyStopped(best) = result.stopReason else { Issue.record("ran \(result.history.count) epochs"); return }
        #expect(result.history.count == best + 2)
        let bestLoss = result.history[best - 1].validationLoss!
        #expect(abs(trainer.evaluate(Self.validation.subset(Array(0..<16))).loss - bestLoss) < 1e-5)
    }

    @Test func nonFiniteLossStopsAndKeepsLastGoodCheckpoint() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("karyonet-nan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let model = ResNet.small(width: 2, seed: 7)
        var c = config(epochs: 1)
        c.checkpointURL = url
        _ = try Trainer(model: model, backend: ReferenceBackend(), configuration: c).fit(train: Self.train.subset(Array(0..<32)))
        let saved = try Data(contentsOf: url)
        #expect(saved == model.stateDict().serialized())
        var pixels = Self.train.subset(Array(0..<32)).pixels
        pixels[5] = .nan
        let poisoned = try ImageDataset(pixels: pixels, labels: Self.train.subset(Array(0..<32)).labels, channels: 1, height: 16, width: 16)
        c.epochs = 3
        let result = try Trainer(model: model, backend: ReferenceBackend(), configuration: c).fit(train: poisoned)
        guard case let .nonFiniteLoss(message) = result.stopReason else { Issue.record("\(result.stopReason)"); return }
        #expect(message.contains("nan") && message.contains("epoch 1"))
        #expect(try Data(contentsOf: url) == saved)
        #expect(model.stateDict().serialized() == saved)
    }

    @Test func augmentationKeepsSizeAndIdentityWhenOff() {
        var g = SeededGenerator(seed: 1)
        let image = Array(Self.train.image(0))
        var same = image
        Augmentation(maxRotationDegrees: 0, maxShift: 0, contrast: 0, brightness: 0)
            .apply(&same, channels: 1, height: 16, width: 16, generator: &g)
        #expect(maxRelativeError(same, image, floor: 1) < 1e-5)
        var moved = image
        Augmentation().apply(&moved, channels: 1, height: 16, width: 16, generator: &g)
        #expect(moved.count == image.count && moved != image)
        // Intensity mass (a proxy for chromosome size) stays close: no scaling.
        let sum = { (a: [Float]) in a.reduce(0, +) }
        #expect(abs(sum(moved) - sum(image)) / sum(image) < 0.3)
    }
}

@Suite struct InferenceTests {
    @Test func foldedBatchNormMatchesEvalMode() throws {
        let model = ResNet.small(width: 4, dropout: 0.3, seed: 2)
        // Non-trivial running statistics.
        _ = try Trainer(model: model, backend: ReferenceBackend(),
                        configuration: TrainingConfiguration(epochs: 1, batchSize: 8)).fit(train: barsDataset(count: 16, seed: 4))
        let x = randomTensor([3, 1, 16, 16], seed: 5)
        let plain = try Predictor(model: model, backend: ReferenceBackend(), foldBatchNorm: false).logits(x).scalars
        let folded = try Predictor(model: model, backend: ReferenceBackend()).logits(x).scalars
        #expect(model.isFolded)
        #expect(normRelativeError(folded, plain) < 1e-5)
    }

    @Test func ttaAndMCDropout() throws {
        let model = ResNet.small(width: 4, dropout: 0.5, seed: 2)
        let predictor = Predictor(model: model, backend: ReferenceBackend())
        let x = randomTensor([2, 1, 16, 16], seed: 6)
        let tta = try predictor.predictWithTTA(x, augmentation: Augmentation(), augmentedCopies: 3)
        #expect(tta.count == 2)
        #expect(tta.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-5 })
        let mc = try predictor.predictWithMCDropout(x, samples: 8, seed: 1)
        #expect(mc.contains { $0.standardDeviation.max()! > 0 })
        let again = try predictor.predictWithMCDropout(x, samples: 8, seed: 1)
        #expect(mc == again)
        let noDropout = Predictor(model: ResNet.small(), backend: ReferenceBackend())
        #expect(throws: KaryoNetError.self) { try noDropout.predictWithMCDropout(x, samples: 2) }
    }
}

@Suite struct BadInputTests {
    @Test func wrongChannelCountNamesInputAndLayer() throws {
        let model = ResNet.small(inputChannels: 1)
        let rgb = try ImageDataset(pixels: [Float](repeating: 0, count: 2 * 3 * 16 * 16), labels: [0, 1],
                                   channels: 3, height: 16, width: 16)
        let trainer = Trainer(model: model, backend: ReferenceBackend(), configuration: TrainingConfiguration(epochs: 1, batchSize: 2))
        do {
            _ = try trainer.fit(train: rgb)
            Issue.record("expected an error")
        } catch let error as KaryoNetError {
            #expect(error.description.contains("training images") && error.description.contains("conv1.weight"), "\(error)")
        }
        #expect(throws: KaryoNetError.self) {
            try Predictor(model: model, backend: ReferenceBackend()).logits(Tensor(zeros: [1, 3, 16, 16]))
        }
    }

    @Test func labelsAndClassWeightsAreChecked() throws {
        let data = try ImageDataset(pixels: [Float](repeating: 0, count: 2 * 16 * 16), labels: [0, 5], channels: 1, height: 16, width: 16)
        let model = ResNet.small()
        #expect(throws: KaryoNetError.self) {
            try Trainer(model: model, backend: ReferenceBackend(), configuration: TrainingConfiguration(epochs: 1, batchSize: 2)).fit(train: data)
        }
        var c = TrainingConfiguration(epochs: 1, batchSize: 2)
        c.classWeights = [1, 2, 3]
        #expect(throws: KaryoNetError.shapeMismatch(tensor: "class weights", expected: [2], actual: [3])) {
            try Trainer(model: model, backend: ReferenceBackend(), configuration: c).fit(train: barsDataset(count: 4, seed: 1))
        }
    }
}
