import Foundation
@testable import KaryoNet
import Testing

/// Compares KaryoNet with PyTorch (float64) reference vectors made by tools/make-torch-fixtures:
/// a training step (logits, loss, parameter gradients, running statistics) and an eval-mode
/// forward pass, within relative error (‖a − b‖∞ / ‖b‖∞ per tensor) of 1e-4 or, for deep networks,
/// the float32 error-analysis bound `float32Tolerance` of the network and input.
@Suite struct FixtureTests {
    struct Outcome {
        var trainLogits: [Float], loss: Float, evalLogits: [Float], foldedLogits: [Float]
        var model: ResNet
    }

    static func run(_ model: ResNet, _ backend: any Backend, _ fixture: SafeTensors) throws -> Outcome {
        FixtureWeights.fill(model)
        let x = try fixture.float("input")
        let labels = try fixture.int64("labels").map { Int($0) }
        let weights = (fixture.metadata["class_weights"] ?? "[1.0, 1.5]")
            .trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",")
            .map { Float($0.trimmingCharacters(in: .whitespaces))! }
        let smoothing = Float(fixture.metadata["label_smoothing"] ?? "0.05")!
        let tape = Tape(backend: backend, training: true)
        let logits = model(Variable(x), tape)
        let loss = tape.softmaxCrossEntropy(logits, labels: labels, classWeights: weights, labelSmoothing: smoothing)
        tape.backward(loss)
        let trainLogits = backend.plain(logits.value).scalars
        let evalLogits = try Predictor(model: model, backend: backend, foldBatchNorm: false).logits(x).scalars
        let folded = try Predictor(model: model, backend: backend, foldBatchNorm: true).logits(x).scalars
        model.unfoldBatchNorm()
        return Outcome(trainLogits: trainLogits, loss: loss.value.scalars[0], evalLogits: evalLogits,
                       foldedLogits: folded, model: model)
    }

    static func compare(_ o: Outcome, _ fixture: SafeTensors, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tolerance = float32Tolerance(o.model, input: try fixture.float("input").shape)
        func check(_ a: [Float], _ name: String, _ what: String) throws {
            let ref = try fixture.float(name).scalars
            let e = normRelativeError(Array(a.prefix(ref.count)), ref)
            #expect(e < tolerance, "\(what): relative error \(e)", sourceLocation: sourceLocation)
        }
        try check(o.trainLogits, "train_logits", "training logits")
        try check([o.loss], "loss", "loss")
        try check(o.evalLogits, "eval_logits", "eval logits")
        try check(o.foldedLogits, "eval_logits", "folded eval logits")
        let params = Dictionary(uniqueKeysWithValues: o.model.namedParameters.map { ($0.name, $0.variable) })
        let bns = Dictionary(uniqueKeysWithValues: o.model.namedBatchNorms.map { ($0.name, $0.layer) })
        var gradients = 0
        for key in fixture.entries.keys.sorted() {
            if key.hasPrefix("grad.") {
                let name = String(key.dropFirst(5))
                try check(params[name]!.grad!.scalars, key, "gradient of \(name)")
                gradients += 1
            } else if key.hasPrefix("stat.") {
                let parts = key.dropFirst(5).split(separator: ".")
                let layer = parts.dropLast().joined(separator: "."), stat = parts.last!
                let bn = bns[layer]!
                try check(stat == "running_mean" ? bn.runningMean.scalars : bn.runningVariance.scalars, key, key)
            }
        }
        #expect(gradients > 10, sourceLocation: sourceLocation)
    }

    static func load(_ name: String) throws -> SafeTensors {
        try SafeTensors(contentsOf: fixturesDirectory.appendingPathComponent("\(name).safetensors"))
    }

    @Test func smallResNetReferenceBackendMatchesPyTorch() throws {
        let fixture = try Self.load("small-resnet")
        try Self.compare(Self.run(ResNet.small(width: 8), ReferenceBackend(), fixture), fixture)
    }

    @Test func smallResNetOneDNNMatchesPyTorch() throws {
        let fixture = try Self.load("small-resnet")
        try Self.compare(Self.run(ResNet.small(width: 8), OneDNNBackend(threads: 1), fixture), fixture)
    }

    /// A checkpoint written by PyTorch itself (its `state_dict()` after the training step, with
    /// `num_batches_tracked`) loads into Karyo and gives PyTorch's eval-mode logits; the same file
    /// starts a fine-tuning model with another classifier (transfer learning, `fc.` skipped).
    @Test func loadsPyTorchStateDict() throws {
        let fixture = try Self.load("small-resnet")
        let url = fixturesDirectory.appendingPathComponent("small-resnet-torch-state.safetensors")
        let model = ResNet.small(width: 8)
        try model.load(contentsOf: url)
        #expect(model.namedBatchNorms.allSatisfy { $0.layer.numBatchesTracked == 1 })
        let x = try fixture.float("input")
        for backend: any Backend in [ReferenceBackend(), OneDNNBackend(threads: 1)] {
            let logits = try Predictor(model: model, backend: backend).logits(x).scalars
            model.unfoldBatchNorm()
            let e = normRelativeError(logits, try fixture.float("eval_logits").scalars)
            #expect(e < 1e-4, "\(backend.name): relative error \(e)")
        }
        let fineTune = ResNet.small(width: 8, classes: 24)
        #expect(throws: KaryoNetError.self) { try fineTune.load(contentsOf: url) }
        try fineTune.load(contentsOf: url, skipping: ["fc."])
        #expect(fineTune.stem.conv.weight.value.scalars == model.stem.conv.weight.value.scalars)
        #expect(fineTune.fc.weight.shape == [24, 64])
    }

    /// ResNet-50 (paper variant) on a 4×1×32×32 input: every layer of the real network on the
    /// plain-Swift backend, small enough for a debug build.
    @Test func resnet50PaperVariantReferenceBackendMatchesPyTorch() throws {
        let fixture = try Self.load("resnet50-paper-tiny")
        try Self.compare(Self.run(ResNet.paperVariant(), ReferenceBackend(), fixture), fixture)
    }

    @Test func resnet50PaperVariantOneDNNMatchesPyTorchOnTinyInput() throws {
        let fixture = try Self.load("resnet50-paper-tiny")
        try Self.compare(Self.run(ResNet.paperVariant(), OneDNNBackend(threads: 1), fixture), fixture)
    }

    /// On ResNet-50 at 64×64 the folded inference uses Winograd (oneDNN's F(4×4, 3×3), the
    /// default) for the stride-1 3×3 layers; it is checked within 1e-4 as everything else, and so is
    /// the direct convolution.
    @Test func resnet50PaperVariantOneDNNMatchesPyTorch() throws {
        let fixture = try Self.load("resnet50-paper")
        let outcome = try Self.run(ResNet.paperVariant(), OneDNNBackend(threads: 1), fixture)
        try Self.compare(outcome, fixture)
        let direct = try Predictor(model: outcome.model, backend: OneDNNBackend(threads: 1, winograd: false))
            .logits(try fixture.float("input")).scalars
        outcome.model.unfoldBatchNorm()
        let reference = try fixture.float("eval_logits").scalars
        let (eWinograd, eDirect) = (normRelativeError(outcome.foldedLogits, reference), normRelativeError(direct, reference))
        print("ResNet-50 64×64 folded inference against PyTorch float64: Winograd \(eWinograd), direct \(eDirect)")
        #expect(eDirect < 1e-4)
    }
}
