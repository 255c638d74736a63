import Foundation
import KaryoCore

/// Class probabilities with an uncertainty estimate.
public struct Prediction: Sendable, Equatable {
    /// Mean class probabilities.
    public var probabilities: [Float]
    /// Per-class standard deviation across samples (zero for a single deterministic pass).
    public var standardDeviation: [Float]
    /// The most probable class.
    public var predictedClass: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0 }
}

/// Inference: batch norm folded into the convolutions, optional test-time augmentation and
/// MC-dropout sampling for uncertainty.
public final class Predictor {
    public let model: ResNet
    public let backend: any Backend

    /// Folds the model's batch norms (undo with `model.unfoldBatchNorm()` before training again).
    public init(model: ResNet, backend: any Backend, foldBatchNorm: Bool = true) {
        self.model = model; self.backend = backend
        if foldBatchNorm { model.foldBatchNorm() }
    }

    /// Logits [N, classes] for images [N, C, H, W].
    /// - Throws: `KaryoNetError.shapeMismatch` if the images do not fit the model.
    public func logits(_ images: Tensor, dropoutSeed: UInt64? = nil) throws -> Tensor {
        try model.checkInput(images.shape)
        let tape = Tape(backend: backend, training: false, seed: dropoutSeed ?? 0)
        tape.dropoutAlwaysOn = dropoutSeed != nil
        return backend.plain(model(Variable(images), tape).value)
    }

    /// Softmax probabilities, one row per image.
    public func probabilities(_ images: Tensor) throws -> [[Float]] { try Self.softmax(logits(images)) }

    /// Predictions averaged over the original images and `augmentedCopies` augmented copies.
    public func predictWithTTA(_ images: Tensor, augmentation: Augmentation, augmentedCopies: Int, seed: UInt64 = 0)
        throws -> [Prediction] {
        var samples = [try probabilities(images)]
        var g = SeededGenerator(seed: seed)
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let per = c * h * w
        for _ in 0..<augmentedCopies {
            var all = images.scalars
            for i in 0..<n {
                var img = Array(all[(i * per)..<((i + 1) * per)])
                augmentation.apply(&img, channels: c, height: h, width: w, generator: &g)
                all.replaceSubrange((i * per)..<((i + 1) * per), with: img)
            }
            samples.append(try probabilities(Tensor(all, shape: images.shape)))
        }
        return Self.summarize(samples)
    }

    /// MC-dropout: `samples` stochastic passes with dropout active; needs a model with dropout > 0.
    public func predictWithMCDropout(_ images: Tensor, samples: Int, seed: UInt64 = 0) throws -> [Prediction] {
        guard model.configuration.dropout > 0 else {
            throw KaryoNetError.invalidArgument("MC-dropout needs a model built with dropout > 0")
        }
        var g = SeededGenerator(seed: seed)
        let runs = try (0..<max(samples, 1)).map { _ in try Self.softmax(logits(images, dropoutSeed: g.next())) }
        return Self.summarize(runs)
    }

    static func summarize(_ samples: [[[Float]]]) -> [Prediction] {
        let n = samples[0].count, k = samples[0].first?.count ?? 0, s = Float(samples.count)
        return (0..<n).map { i in
            var mean = [Float](repeating: 0, count: k), sd = mean
            for run in samples { for j in 0..<k { mean[j] += run[i][j] / s } }
            for run in samples { for j in 0..<k { sd[j] += (run[i][j] - mean[j]) * (run[i][j] - mean[j]) / s } }
            return Prediction(probabilities: mean, standardDeviation: sd.map { $0.squareRoot() })
        }
    }

    static func softmax(_ logits: Tensor) -> [[Float]] {
        let (n, k) = (logits.shape[0], logits.shape[1]), z = logits.scalars
        return (0..<n).map { i in
            let row = z[(i * k)..<((i + 1) * k)]
            let m = row.max()!
            let e = row.map { exp(Double($0 - m)) }
            let t = e.reduce(0, +)
            return e.map { Float($0 / t) }
        }
    }
}
