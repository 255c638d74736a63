// karyo-bench engine: times KaryoNet on ResNet-50 (the paper's variant, 90×90×1) for tools/bench-engine.
//
//   karyo-bench engine train --batch 16 --steps 8 --warmup 2 [--size 90] [--threads 2] [--profile]
//   karyo-bench engine infer --batch 16 --steps 8 --warmup 2 [--split 8] [--direct]
//   karyo-bench engine infer-bf16 ... (the same with bfloat16 inference convolutions)
//     (--split: run the batch as sub-batches of that size; --direct: no Winograd convolutions)
//   karyo-bench engine accuracy --cells DIR --epochs 20 --batch 16 --lr 0.01 --warmup-epochs 0 --seed 1
//                           [--momentum 0.9] [--weight-decay 1e-4] [--model resnet50|small [--width 8]]
//                           [--reference] [--save-init F] [--trace F]
//     (DIR: a `karyo-bench t922-cells` folder, cells.csv + PNGs; see CellSet.swift;
//      --save-init: write the initial weights (safetensors, torchvision names) before training;
//      --trace: write one line per optimizer step, `epoch batch loss lr i1,i2,...`, so that
//      tools/torch/bench.py can train from the same weights on the same batches and compare;
//      --model small: basic blocks [1, 1, 1, 1] of stem width --width, for step-by-step comparisons;
//      --reference: train on the plain-Swift reference backend instead of oneDNN)
//   karyo-bench engine gradients --cells DIR [--batch 16] [--model resnet50|small [--width 8]] [--seed 1]
//     (one step's parameter gradients on the first batch of DIR's training cells: oneDNN against the
//      reference backend, the largest relative difference per parameter)
//
// Prints one line of `key=value` pairs (images_per_s is the median over the timed steps,
// peak_rss_mb from getrusage).
import ArgumentParser
import Foundation
import KaryoCore
import KaryoTestSupport
import KaryoNet

private func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

private func minorFaults() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_minflt
}

private func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The cell set in `folder`; exits with a message naming the problem.
private func loadCells(_ folder: String) throws -> CellSet {
    do { return try CellSet(folder: URL(fileURLWithPath: folder)) } catch {
        FileHandle.standardError.write("karyo-bench engine: \(error)\n".data(using: .utf8)!)
        throw ExitCode(65)
    }
}

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time and train KaryoNet on ResNet-50 (the paper's variant, 90x90x1), for tools/bench-engine.",
        discussion: """
            Each prints one line of key=value pairs (images_per_s is the median over the timed steps, \
            peak_rss_mb from getrusage); tools/bench-engine runs them against PyTorch (tools/torch/bench.py).
            """,
        subcommands: [EngineTrain.self, EngineInfer.self, EngineInferBF16.self, EngineAccuracy.self, EngineGradients.self],
        defaultSubcommand: EngineTrain.self)
}

/// Where the computation runs: oneDNN (Winograd unless --direct), optionally profiled, or the
/// plain-Swift reference backend.
struct EngineBackendOptions: ParsableArguments {
    @Option(help: "oneDNN threads.")
    var threads: Int = 2

    @Flag(help: "No Winograd convolutions (oneDNN's direct algorithm only).")
    var direct = false

    @Flag(help: "Run on the plain-Swift reference backend instead of oneDNN.")
    var reference = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }
}

/// --model resnet50 (the paper's variant) or small (basic blocks [1, 1, 1, 1], stem width --width).
struct EngineModelOptions: ParsableArguments {
    @Option(help: "resnet50 (the paper's variant) or small (basic blocks [1, 1, 1, 1] of stem width --width).")
    var model: String = "resnet50"

    @Option(help: "Stem width of --model small.")
    var width: Int = 8

    @Option(help: "Seed of the initial weights and the batch order.")
    var seed: UInt64 = 1

    func validate() throws {
        guard model == "resnet50" || model == "small" else { throw ValidationError("--model must be resnet50 or small") }
        guard width >= 1 else { throw ValidationError("--width must be at least 1") }
    }

    func makeModel() -> ResNet {
        model == "small" ? ResNet.small(width: width, seed: seed) : ResNet.paperVariant(seed: seed)
    }
}

/// Options of the timing modes (train, infer, infer-bf16).
struct EngineTimingOptions: ParsableArguments {
    @Option(help: "Images per step.")
    var batch: Int = 16

    @Option(help: "Timed steps.")
    var steps: Int = 8

    @Option(help: "Untimed steps first.")
    var warmup: Int = 2

    @Option(help: "Image side in pixels.")
    var size: Int = 90

    @Option(help: "Inference only: run the batch as sub-batches of this size (0: whole).")
    var split: Int = 0

    @Flag(help: "Print the backend's time per operation (and oneDNN's reorders) over the timed steps.")
    var profile = false

    @OptionGroup var backendOptions: EngineBackendOptions

    func validate() throws {
        guard batch >= 1, steps >= 1, size >= 1 else { throw ValidationError("--batch, --steps and --size must be at least 1") }
        guard warmup >= 0, split >= 0 else { throw ValidationError("--warmup and --split must not be negative") }
    }

    /// Times `mode` (train, infer or infer-bf16) and prints its key=value line.
    func run(mode: String) throws {
        let batch = self.batch, steps = self.steps, warmup = self.warmup, size = self.size, split = self.split
        let oneDNN = OneDNNBackend(threads: backendOptions.threads, winograd: !backendOptions.direct,
                                   inferencePrecision: mode == "infer-bf16" ? .bf16 : .f32)
        let profiler = profile ? ProfilingBackend(oneDNN) : nil
        let backend: any Backend = backendOptions.reference ? ReferenceBackend() as any Backend : (profiler ?? oneDNN) as any Backend
        let model = ResNet.paperVariant(seed: 1)
        var g = SeededGenerator(seed: 7)
        let x = Tensor.randomNormal([batch, 1, size, size], std: 1, generator: &g)
        let labels = (0..<batch).map { $0 % 2 }
        let optimizer = SGD(model.namedParameters.map(\.variable), momentum: 0.9, weightDecay: 1e-4)
        let predictor = mode.hasPrefix("infer") ? Predictor(model: model, backend: backend) : nil
        let chunks = split > 0 ? stride(from: 0, to: batch, by: split).map { s in
            Tensor(Array(x.scalars[(s * size * size)..<(min(s + split, batch) * size * size)]), shape: [min(split, batch - s), 1, size, size])
        } : []
        var times: [Double] = []
        var faults = 0
        var reorders = oneDNN.reorderStatistics
        for step in 0..<(warmup + steps) {
            if step == warmup { faults = minorFaults() }
            let start = now()
            if let predictor {
                if split > 0 && split < batch {
                    for s in stride(from: 0, to: batch, by: split) { _ = try predictor.logits(chunks[s / split]) }
                } else {
                    _ = try predictor.logits(x)
                }
            } else {
                let tape = Tape(backend: backend, training: true)
                let loss = tape.softmaxCrossEntropy(model(Variable(x), tape), labels: labels)
                optimizer.zeroGradients()
                tape.backward(loss)
                optimizer.step(learningRate: 0.01)
            }
            if step >= warmup { times.append(now() - start) }
            if step == warmup - 1 { profiler?.reset(); reorders = oneDNN.reorderStatistics }
        }
        if let profiler {
            print(profiler.report())
            print(String(format: "backend total %.3f s over %d steps", profiler.totals.values.reduce(0) { $0 + $1.seconds }, steps))
            let r = oneDNN.reorderStatistics
            print(String(format: "reorders (inside the above): %.3f s, %d calls, %.0f MB per step",
                         r.seconds - reorders.seconds, (r.count - reorders.count) / steps,
                         Double(r.bytes - reorders.bytes) / 1e6 / Double(steps)))
        }
        if mode == "infer-bf16" {
            let c = oneDNN.inferenceConvolutionCounts
            FileHandle.standardError.write("karyo-bench engine: \(c.bf16) bfloat16 and \(c.f32) float32 inference convolutions\n".data(using: .utf8)!)
        }
        let m = median(times)
        print(String(format: "engine=karyo mode=%@ batch=%d images_per_s=%.2f step_s=%.4f best_images_per_s=%.2f peak_rss_mb=%.0f faults_per_step=%d",
                     mode, batch, Double(batch) / m, m, Double(batch) / times.min()!, peakRSSMegabytes(),
                     (minorFaults() - faults) / max(steps, 1)))
    }
}

struct EngineTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training steps per second (images/s) on random 90x90 inputs.")
    @OptionGroup var timing: EngineTimingOptions
    func run() throws { try timing.run(mode: "train") }
}

struct EngineInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Float32 inference images/s on random 90x90 inputs.")
    @OptionGroup var timing: EngineTimingOptions
    func run() throws { try timing.run(mode: "infer") }
}

struct EngineInferBF16: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer-bf16", abstract: "Inference images/s with bfloat16 convolutions on random 90x90 inputs.")
    @OptionGroup var timing: EngineTimingOptions
    func run() throws { try timing.run(mode: "infer-bf16") }
}

struct EngineAccuracy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Train on a t(9;22) cell set and print the validation accuracy (and the bfloat16 agreement).",
        discussion: """
            --cells: a `karyo-bench t922-cells` folder (cells.csv + PNGs). --save-init writes the initial \
            weights (safetensors, torchvision names) before training; --trace writes one line per optimizer \
            step, `epoch batch loss lr i1,i2,...`, so that tools/torch/bench.py can train from the same \
            weights on the same batches and compare.
            """)

    @Option(help: "A `karyo-bench t922-cells` folder (cells.csv + PNGs).")
    var cells: String

    @Option(help: "Epochs.")
    var epochs: Int = 20

    @Option(help: "Mini-batch size.")
    var batch: Int = 16

    @Option(help: "Base learning rate (cosine decay to 0).")
    var lr: Float = 0.01

    @Option(help: "Epochs of linear learning-rate warm-up.")
    var warmupEpochs: Int = 0

    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9

    @Option(help: "SGD weight decay.")
    var weightDecay: Float = 1e-4

    @Option(help: "Write the initial weights here (safetensors, torchvision names) before training.")
    var saveInit: String?

    @Option(help: "Write one line per optimizer step here: `epoch batch loss lr i1,i2,...`.")
    var trace: String?

    @OptionGroup var model: EngineModelOptions
    @OptionGroup var backendOptions: EngineBackendOptions

    func validate() throws {
        guard epochs >= 1, batch >= 1 else { throw ValidationError("--epochs and --batch must be at least 1") }
        guard warmupEpochs >= 0 else { throw ValidationError("--warmup-epochs must not be negative") }
    }

    func run() throws {
        let threads = backendOptions.threads, batch = self.batch
        let oneDNN = OneDNNBackend(threads: threads, winograd: !backendOptions.direct)
        let backend: any Backend = backendOptions.reference ? ReferenceBackend() as any Backend : oneDNN as any Backend
        let cells = try loadCells(self.cells)
        let train = cells.train, validation = cells.validation
        let checksum = train.pixels.reduce(0.0) { $0 + Double($1) } + validation.pixels.reduce(0.0) { $0 + Double($1) }
        print(String(format: "karyo: %d training (%d positive) and %d validation (%d positive) cells of %dx%d, pixel sum %.3f",
                     train.count, train.labels.reduce(0, +), validation.count, validation.labels.reduce(0, +),
                     train.width, train.height, checksum))
        let epochs = self.epochs
        let lr = self.lr
        let seed = self.model.seed
        let model = self.model.makeModel()
        let config = TrainingConfiguration(
            epochs: epochs, batchSize: batch, optimizer: .sgd(momentum: momentum, nesterov: false, weightDecay: weightDecay),
            schedule: LearningRateSchedule(base: lr, kind: .cosine(minimum: 0),
                                           warmupSteps: warmupEpochs * (train.count / batch)),
            seed: seed)
        let saveInit = self.saveInit ?? "", tracePath = self.trace ?? ""
        if !saveInit.isEmpty { try model.save(to: URL(fileURLWithPath: saveInit)) }
        let trainer = Trainer(model: model, backend: backend, configuration: config)
        var trace = ""
        if !tracePath.isEmpty {
            trainer.onStep = { s in
                trace += String(format: "%d %d %.6f %.8g ", s.epoch, s.batch, s.loss, s.learningRate)
                    + s.indices.map(String.init).joined(separator: ",") + "\n"
            }
        }
        let start = now()
        trainer.onEpoch = { m in
            print(String(format: "karyo epoch %2d train_loss=%.4f train_acc=%.3f val_loss=%.4f val_acc=%.3f (%.0f s)",
                         m.epoch, m.trainLoss, m.trainAccuracy, m.validationLoss ?? .nan, m.validationAccuracy ?? .nan, now() - start))
            fflush(nil)
        }
        let result = try trainer.fit(train: train, validation: validation)
        if !tracePath.isEmpty { try trace.write(toFile: tracePath, atomically: true, encoding: .utf8) }
        // The trained model's validation predictions with float32 and with bfloat16 inference.
        if OneDNNBackend.cpuHasNativeBF16 {
            let f32 = Predictor(model: model, backend: OneDNNBackend(threads: threads))
            let bf16 = Predictor(model: model, backend: OneDNNBackend(threads: threads, inferencePrecision: .bf16))
            var maxDifference: Float = 0, agree = 0, correct = (f32: 0, bf16: 0)
            for start in stride(from: 0, to: validation.count, by: batch) {
                let indices = Array(start..<min(start + batch, validation.count))
                let (x, labels) = validation.batch(indices)
                for ((p, q), label) in zip(zip(try f32.probabilities(x), try bf16.probabilities(x)), labels) {
                    maxDifference = max(maxDifference, abs(p[1] - q[1]))
                    let (a, b) = (p[1] > p[0] ? 1 : 0, q[1] > q[0] ? 1 : 0)
                    agree += a == b ? 1 : 0; correct.f32 += a == label ? 1 : 0; correct.bf16 += b == label ? 1 : 0
                }
            }
            print(String(format: "karyo bfloat16 inference of the trained model: %d of %d validation classes as float32, max |p(bf16) - p(f32)| = %.5f, accuracy %.4f vs %.4f",
                         agree, validation.count, maxDifference, Float(correct.bf16) / Float(validation.count),
                         Float(correct.f32) / Float(validation.count)))
        }
        let last = result.history.last!
        print(String(format: "engine=karyo mode=accuracy seed=%llu epochs=%d val_acc=%.4f val_loss=%.4f seconds=%.0f peak_rss_mb=%.0f",
                     seed, result.history.count, last.validationAccuracy ?? .nan, last.validationLoss ?? .nan, now() - start,
                     peakRSSMegabytes()))
    }
}

struct EngineGradients: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradients",
        abstract: "One step's parameter gradients on real cells: oneDNN against the reference backend.",
        discussion: """
            From the same initial weights, on the first batch of the training cells: the largest relative \
            difference per parameter (max |difference| / max |reference gradient|).
            """)

    @Option(help: "A `karyo-bench t922-cells` folder (cells.csv + PNGs).")
    var cells: String

    @Option(help: "Images in the batch.")
    var batch: Int = 16

    @Option(help: "oneDNN threads.")
    var threads: Int = 2

    @Flag(help: "No Winograd convolutions (oneDNN's direct algorithm only).")
    var direct = false

    @OptionGroup var model: EngineModelOptions

    func validate() throws {
        guard batch >= 1, threads >= 1 else { throw ValidationError("--batch and --threads must be at least 1") }
    }

    func run() throws {
        // One training step's parameter gradients on the first batch of real cells, oneDNN against the
        // reference backend, from the same initial weights: the largest relative difference per parameter
        // (max |difference| / max |reference gradient|).
        let cells = try loadCells(self.cells)
        let oneDNN = OneDNNBackend(threads: threads, winograd: !direct)
        let batch = self.batch
        func gradients(_ backend: any Backend) -> [(name: String, values: [Float])] {
            let model = self.model.makeModel()
            let (x, labels) = cells.train.batch(Array(0..<min(batch, cells.train.count)))
            let tape = Tape(backend: backend, training: true)
            tape.backward(tape.softmaxCrossEntropy(model(Variable(x), tape), labels: labels))
            return model.namedParameters.map { ($0.name, backend.plain($0.variable.grad!).scalars) }
        }
        for (r, o) in zip(gradients(ReferenceBackend()), gradients(oneDNN)) {
            let difference = zip(r.values, o.values).map { abs($0 - $1) }.max() ?? 0
            print(String(format: "%-32@ %.2e", r.name as NSString, difference / max(r.values.map(abs).max() ?? 0, 1e-30)))
        }
    }
}
