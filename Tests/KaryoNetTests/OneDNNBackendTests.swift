import Foundation
import KaryoCore
@testable import KaryoNet
import Testing

/// The oneDNN backend agrees with the reference backend within 1e-4 relative error
/// (‖a − b‖∞ / ‖b‖∞) for every primitive, and for a whole small ResNet within the bound of
/// float32 error analysis (`float32Tolerance`, at least 1e-4).
/// Tests use one OpenMP thread each: Swift Testing runs tests in parallel on two cores, and
/// OpenMP teams oversubscribing them slow every test down severalfold.
@Suite struct OneDNNBackendTests {
    let fast = OneDNNBackend(threads: 1)
    let reference = ReferenceBackend()

    func agree(_ a: Tensor, _ b: Tensor, _ what: String, tolerance: Float = 1e-4,
               sourceLocation: SourceLocation = #_sourceLocation) {
        let pa = fast.plain(a)
        #expect(pa.shape == b.shape, "\(what): shape", sourceLocation: sourceLocation)
        let e = normRelativeError(pa.scalars, b.scalars)
        #expect(e < tolerance, "\(what): relative error \(e)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [(3, 1, 1, 16, 16), (7, 2, 3, 1, 16), (1, 2, 0, 16, 32), (3, 2, 1, 8, 16), (1, 1, 0, 32, 8)])
    func convolution(kernel: Int, stride: Int, padding: Int, inC: Int, outC: Int) {
        let g = ConvGeometry(kernel: kernel, stride: stride, padding: padding)
        let x = randomTensor([2, inC, 9, 9], seed: 1), w = randomTensor([outC, inC, kernel, kernel], seed: 2)
        let b = randomTensor([outC], seed: 3)
        let y = fast.conv2d(x, weight: w, bias: b, geometry: g)
        let yr = reference.conv2d(x, weight: w, bias: b, geometry: g)
        agree(y, yr, "forward")
        let gy = randomTensor(yr.shape, seed: 4)
        agree(fast.conv2dBackwardData(gy, weight: w, inputShape: x.shape, geometry: g),
              reference.conv2dBackwardData(gy, weight: w, inputShape: x.shape, geometry: g), "backward data")
        let (gw, gb) = fast.conv2dBackwardWeights(gy, input: x, weight: w, hasBias: true, geometry: g)
        let (gwr, gbr) = reference.conv2dBackwardWeights(gy, input: x, weight: w, hasBias: true, geometry: g)
        agree(gw, gwr, "backward weights"); agree(gb!, gbr!, "backward bias")
    }

    @Test func batchNormReluAddPoolChainStaysBlocked() {
        // A convolution output (blocked) through the other primitives, forward and backward.
        let x0 = randomTensor([4, 3, 10, 10], seed: 5), w = randomTensor([16, 3, 3, 3], seed: 6)
        let g = ConvGeometry(kernel: 3, padding: 1)
        let x = fast.conv2d(x0, weight: w, bias: nil, geometry: g)
        let xr = reference.conv2d(x0, weight: w, bias: nil, geometry: g)
        #expect(!x.isPlain, "convolution output should be in a blocked layout")
        let scale = randomTensor([16], seed: 7), shift = randomTensor([16], seed: 8)
        let (y, stats) = fast.batchNormTraining(x, scale: scale, shift: shift, epsilon: 1e-5)
        let (yr, statsR) = reference.batchNormTraining(xr, scale: scale, shift: shift, epsilon: 1e-5)
        agree(y, yr, "bn forward"); agree(stats.mean, statsR.mean, "bn mean"); agree(stats.variance, statsR.variance, "bn var")
        #expect(!y.isPlain)
        let gy = randomTensor(yr.shape, seed: 9)
        let b = fast.batchNormBackward(gy, input: x, scale: scale, statistics: stats, epsilon: 1e-5)
        let br = reference.batchNormBackward(gy, input: xr, scale: scale, statistics: statsR, epsilon: 1e-5)
        agree(b.input, br.input, "bn backward", tolerance: 2e-4); agree(b.scale, br.scale, "bn dscale"); agree(b.shift, br.shift, "bn dshift")
        let mean = randomTensor([16], seed: 10), variance = Tensor(repeating: 0.7, shape: [16])
        agree(fast.batchNormInference(x, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: 1e-5),
              reference.batchNormInference(xr, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: 1e-5), "bn inference")
        let r = fast.relu(y), rr = reference.relu(yr)
        agree(r, rr, "relu")
        agree(fast.reluBackward(gy, output: r), reference.reluBackward(gy, output: rr), "relu backward")
        agree(fast.add(r, y), reference.add(rr, yr), "add")
        agree(fast.add(r, gy), reference.add(rr, gy), "add plain to blocked")
        for pool in [PoolGeometry(.max, kernel: 3, stride: 2, padding: 1),
                     PoolGeometry(.average(countIncludePad: true), kernel: 3, stride: 2, padding: 1),
                     PoolGeometry(.average(countIncludePad: false), kernel: 10, stride: 10)] {
            let (p, ctx) = fast.pool2d(y, geometry: pool)
            let (pr, ctxR) = reference.pool2d(yr, geometry: pool)
            agree(p, pr, "pool \(pool)")
            let gp = randomTensor(pr.shape, seed: 11)
            agree(fast.pool2dBackward(gp, input: y, context: ctx, geometry: pool),
                  reference.pool2dBackward(gp, input: yr, context: ctxR, geometry: pool), "pool backward \(pool)")
        }
    }

    @Test func linear() {
        let x = randomTensor([5, 7], seed: 12), w = randomTensor([3, 7], seed: 13), b = randomTensor([3], seed: 14)
        agree(fast.linear(x, weight: w, bias: b), reference.linear(x, weight: w, bias: b), "linear")
        let gy = randomTensor([5, 3], seed: 15)
        let f = fast.linearBackward(gy, input: x, weight: w, hasBias: true)
        let r = reference.linearBackward(gy, input: x, weight: w, hasBias: true)
        agree(f.input, r.input, "dx"); agree(f.weight, r.weight, "dw"); agree(f.bias!, r.bias!, "db")
    }

    /// Logits and every parameter gradient of a training step of a small ResNet.
    static func step(_ model: ResNet, _ backend: any Backend, _ x: Tensor, labels: [Int]) -> (logits: [Float], grads: [String: [Float]]) {
        let tape = Tape(backend: backend, training: true)
        let logits = model(Variable(x), tape)
        let loss = tape.softmaxCrossEntropy(logits, labels: labels, classWeights: [1, 1.5], labelSmoothing: 0.05)
        for (_, p) in model.namedParameters { p.grad = nil }
        tape.backward(loss)
        var grads: [String: [Float]] = [:]
        for (name, p) in model.namedParameters { grads[name] = p.grad!.scalars }
        return (backend.plain(logits.value).scalars, grads)
    }

    @Test(arguments: [StemPooling.max, .average])
    func smallResNetAgrees(pooling: StemPooling) throws {
        let x = randomTensor([4, 1, 32, 32], seed: 16)
        let a = ResNet.small(width: 16, stemPooling: pooling, seed: 3), b = ResNet.small(width: 16, stemPooling: pooling, seed: 3)
        let f = Self.step(a, fast, x, labels: [0, 1, 1, 0])
        let r = Self.step(b, reference, x, labels: [0, 1, 1, 0])
        let tolerance = float32Tolerance(a, input: x.shape)
        #expect(normRelativeError(f.logits, r.logits) < tolerance)
        for (name, g) in r.grads {
            let e = normRelativeError(f.grads[name]!, g)
            #expect(e < tolerance, "gradient of \(name): relative error \(e)")
        }
        // Running statistics were updated identically.
        for ((name, bnA), (_, bnB)) in zip(a.namedBatchNorms, b.namedBatchNorms) {
            #expect(normRelativeError(bnA.runningVariance.scalars, bnB.runningVariance.scalars) < 1e-4, "\(name)")
        }
        // Inference with folded batch norm agrees too.
        let pf = try Predictor(model: a, backend: fast).logits(x).scalars
        let pr = try Predictor(model: b, backend: reference, foldBatchNorm: false).logits(x).scalars
        #expect(normRelativeError(pf, pr) < 1e-4)
    }

    /// bfloat16 inference: the same classes and logits within bfloat16's precision (8 bits of
    /// mantissa, so about 1e-2 relative), with the convolutions really in bfloat16 on CPUs that
    /// have it and the stem in float32.
    @Test func bfloat16InferenceAgreesWithFloat32() throws {
        let x = randomTensor([8, 1, 32, 32], seed: 21)
        let model = ResNet.small(width: 16, stemPooling: .average, seed: 5)
        // A few training steps give the batch norms real running statistics to fold.
        for _ in 0..<3 { _ = Self.step(model, fast, x, labels: [0, 1, 1, 0, 1, 0, 0, 1]) }
        let f32 = try Predictor(model: model, backend: fast).logits(x).scalars
        let bf16Backend = OneDNNBackend(threads: 1, inferencePrecision: .bf16)
        let bf16 = try Predictor(model: model, backend: bf16Backend).logits(x).scalars
        let error = normRelativeError(bf16, f32)
        #expect(error < 3e-2, "bfloat16 logits differ from float32 by \(error)")
        #expect(error > 0 || !OneDNNBackend.cpuHasNativeBF16, "bfloat16 gave bit-identical results: it did not run")
        let counts = bf16Backend.inferenceConvolutionCounts
        #expect(counts.f32 >= 1, "the 1-channel stem stays float32")
        if !OneDNNBackend.cpuHasNativeBF16 { #expect(counts.bf16 == 0, "no emulated bfloat16") }
        if OneDNNBackend.cpuHasNativeBF16 {
            #expect(counts.bf16 >= 4, "convolutions in bfloat16: \(counts)")
        }
        #expect(fast.inferenceConvolutionCounts.bf16 == 0)
        for i in 0..<8 {
            let a = Array(f32[(2 * i)..<(2 * i + 2)]), b = Array(bf16[(2 * i)..<(2 * i + 2)])
            if abs(a[0] - a[1]) > 0.1 { #expect((a[0] > a[1]) == (b[0] > b[1]), "image \(i): \(a) vs \(b)") }
        }
    }

    @Test func optimizerStepsAgreeWithBlockedParameters() throws {
        // Average pooling after the stem: a max-pooling arg-max flipped by a 1e-6 difference would
        // move a gradient to another pixel and make later steps incomparable.
        let x = randomTensor([4, 1, 24, 24], seed: 18)
        let a = ResNet.small(width: 16, stemPooling: .average, seed: 4)
        let b = ResNet.small(width: 16, stemPooling: .average, seed: 4)
        let sgdA = SGD(a.namedParameters.map(\.variable), momentum: 0.9, nesterov: true, weightDecay: 1e-3)
        let sgdB = SGD(b.namedParameters.map(\.variable), momentum: 0.9, nesterov: true, weightDecay: 1e-3)
        for labels in [[0, 1, 1, 0], [1, 1, 0, 0]] {
            _ = Self.step(a, fast, x, labels: labels); sgdA.step(learningRate: 0.01)
            _ = Self.step(b, reference, x, labels: labels); sgdB.step(learningRate: 0.01)
        }
        // oneDNN keeps convolution weights in its own blocked layout between steps…
        #expect(!a.stages[1][0].units[1].conv.weight.value.isPlain)
        // …yet they read, save and load as plain values.
        for ((name, va), (_, vb)) in zip(a.namedParameters, b.namedParameters) {
            let e = normRelativeError(va.value.scalars, vb.value.scalars)
            #expect(e < float32Tolerance(a, input: x.shape), "\(name): relative error \(e)")
        }
        let copy = ResNet.small(width: 16, seed: 9)
        try copy.load(SafeTensors(data: a.stateDict().serialized()))
        #expect(copy.stateDict().serialized() == a.stateDict().serialized())
    }

    @Test func deterministicWithTwoThreads() throws {
        func run() throws -> Data {
            let model = ResNet.small(width: 8, seed: 5)
            var c = TrainingConfiguration(epochs: 2, batchSize: 8, seed: 11)
            c.augmentation = Augmentation()
            _ = try Trainer(model: model, backend: OneDNNBackend(threads: 2), configuration: c).fit(train: barsDataset(count: 32, seed: 3))
            return model.stateDict().serialized()
        }
        #expect(try run() == run())
    }

    @Test func primitivesAreReused() {
        let model = ResNet.small(width: 8)
        let x = randomTensor([2, 1, 16, 16], seed: 17)
        _ = Self.step(model, fast, x, labels: [0, 1])
        let count = fast.cachedPrimitiveCount
        _ = Self.step(model, fast, x, labels: [1, 0])
        #expect(fast.cachedPrimitiveCount == count)
    }

    @Test func trainsFastOnSeparableTask() throws {
        let model = ResNet.small(width: 8, seed: 1)
        let c = TrainingConfiguration(epochs: 6, batchSize: 16, optimizer: .sgd(momentum: 0.9),
                                      schedule: LearningRateSchedule(base: 0.05, kind: .cosine(minimum: 0)), seed: 2)
        let result = try Trainer(model: model, backend: fast, configuration: c)
            .fit(train: barsDataset(count: 128, seed: 3), validation: barsDataset(count: 64, seed: 4))
        #expect(result.history.last!.validationAccuracy! >= 0.9, "\(result.history)")
    }

    /// Chromosome-like images: objects on a background of exact zeros. Batch statistics summed in
    /// float32 by oneDNN (3e-5 relative apart from the exact ones on an AVX2-only CPU over 16 × 23 × 23
    /// values, 10× less with AVX-512) move activations that are exactly zero in exact arithmetic
    /// across the ReLU kink and change gradients by percents, differently on each CPU; Karyo
    /// computes the statistics itself (`OneDNNBackend.batchStatistics`), and the gradients then
    /// agree within float32 error analysis on every CPU (run with `ONEDNN_MAX_CPU_ISA=AVX2` too).
    @Test func gradientsOnZeroBackgroundImagesMatchReference() throws {
        var g = SeededGenerator(seed: 21)
        var pixels = [Float](repeating: 0, count: 16 * 90 * 90)
        for i in 0..<16 {
            for _ in 0..<6 {
                let (x0, y0) = (Int(g.nextUniform() * 70), Int(g.nextUniform() * 60))
                let (w, h, v) = (4 + Int(g.nextUniform() * 8), 10 + Int(g.nextUniform() * 25), 0.3 + g.nextUniform() * 0.7)
                for y in y0..<min(90, y0 + h) { for x in x0..<min(90, x0 + w) { pixels[i * 8100 + y * 90 + x] = v } }
            }
        }
        let x = Tensor(pixels, shape: [16, 1, 90, 90]), labels = (0..<16).map { $0 % 2 }
        func gradients(_ backend: any Backend) -> [(String, [Float])] {
            let model = ResNet.small(width: 16, seed: 1)
            _ = Self.step(model, backend, x, labels: labels)
            return model.namedParameters.map { ($0.name, backend.plain($0.variable.grad!).scalars) }
        }
        let tolerance = float32Tolerance(ResNet.small(width: 16, seed: 1), input: x.shape)
        var worst: Float = 0
        for ((name, a), (_, b)) in zip(gradients(OneDNNBackend(threads: 2)), gradients(reference)) {
            let e = normRelativeError(a, b)
            worst = max(worst, e)
            #expect(e < tolerance, "\(name): relative error \(e) (tolerance \(tolerance))")
        }
        print("zero-background gradients, oneDNN against the reference: worst relative error \(worst), tolerance \(tolerance)")
    }
}
