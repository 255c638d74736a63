import Foundation
import Testing
@testable import KaryoNet

/// Compares KaryoNet with PyTorch (float64) reference vectors made by tools/make-torch-fixtures:
/// a training step (logits, loss, parameter gradients, running statistics) and an eval-mode
/// forward pass, within 1e-4 relative error (‖a − b‖∞ / ‖b‖∞ per tensor).
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

    static func compare(_ o: Outcome, _ fixture: SafeTensors, tolerance: Float = 1e-4,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
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

    @Test func resnet50PaperVariantOneDNNMatchesPyTorch() throws {
        let fixture = try Self.load("resnet50-paper")
        try Self.compare(Self.run(ResNet.paperVariant(), OneDNNBackend(threads: 1), fixture), fixture)
    }
}
