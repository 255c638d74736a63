// karyonet-bench: times KaryoNet on ResNet-50 (the paper's variant, 90×90×1) for tools/bench-engine.
//
//   karyonet-bench train --batch 16 --steps 8 --warmup 2 [--size 90] [--threads 2] [--profile]
//   karyonet-bench infer --batch 16 --steps 8 --warmup 2 [--split 8] [--direct]
//   karyonet-bench infer-bf16 ... (the same with bfloat16 inference convolutions)
//     (--split: run the batch as sub-batches of that size; --direct: no Winograd convolutions)
//   karyonet-bench accuracy --cells DIR --epochs 20 --batch 16 --lr 0.01 --warmup-epochs 0 --seed 1
//                           [--momentum 0.9] [--weight-decay 1e-4] [--model resnet50|small [--width 8]]
//                           [--reference] [--save-init F] [--trace F]
//     (DIR: a `karyo-bench t922-cells` folder, cells.csv + PNGs; see CellSet.swift;
//      --save-init: write the initial weights (safetensors, torchvision names) before training;
//      --trace: write one line per optimizer step, `epoch batch loss lr i1,i2,...`, so that
//      tools/torch/bench.py can train from the same weights on the same batches and compare;
//      --model small: basic blocks [1, 1, 1, 1] of stem width --width, for step-by-step comparisons;
//      --reference: train on the plain-Swift reference backend instead of oneDNN)
//   karyonet-bench gradients --cells DIR [--batch 16] [--model resnet50|small [--width 8]] [--seed 1]
//     (one step's parameter gradients on the first batch of DIR's training cells: oneDNN against the
//      reference backend, the largest relative difference per parameter)
//
// Prints one line of `key=value` pairs (images_per_s is the median over the timed steps,
// peak_rss_mb from getrusage).
import Foundation
import KaryoCore
import KaryoTestSupport
import KaryoNet

func argument(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count { return args[i + 1] }
    return fallback
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func minorFaults() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_minflt
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The cell set named by --cells; exits with a message naming the problem.
func loadCells() -> CellSet {
    do { return try CellSet(folder: URL(fileURLWithPath: argument("cells", ""))) } catch {
        FileHandle.standardError.write("karyonet-bench: \(error)\n".data(using: .utf8)!)
        exit(65)
    }
}

/// --model resnet50 (the paper's variant) or small (basic blocks [1, 1, 1, 1], stem width --width).
func makeModel(seed: UInt64) -> ResNet {
    argument("model", "resnet50") == "small" ? ResNet.small(width: Int(argument("width", "8"))!, seed: seed)
        : ResNet.paperVariant(seed: seed)
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

let mode = CommandLine.arguments.dropFirst().first ?? "train"
let batch = Int(argument("batch", "16"))!
let steps = Int(argument("steps", "8"))!
let warmup = Int(argument("warmup", "2"))!
let size = Int(argument("size", "90"))!
let threads = Int(argument("threads", "2"))!
let oneDNN = OneDNNBackend(threads: threads, winograd: !CommandLine.arguments.contains("--direct"),
                           inferencePrecision: mode == "infer-bf16" ? .bf16 : .f32)
let split = Int(argument("split", "0"))!
let profiler = CommandLine.arguments.contains("--profile") ? ProfilingBackend(oneDNN) : nil
let backend: any Backend = CommandLine.arguments.contains("--reference") ? ReferenceBackend() as any Backend : (profiler ?? oneDNN) as any Backend

switch mode {
case "train", "infer", "infer-bf16":
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
        FileHandle.standardError.write("karyonet-bench: \(c.bf16) bfloat16 and \(c.f32) float32 inference convolutions\n".data(using: .utf8)!)
    }
    let m = median(times)
    print(String(format: "engine=karyo mode=%@ batch=%d images_per_s=%.2f step_s=%.4f best_images_per_s=%.2f peak_rss_mb=%.0f faults_per_step=%d",
                 mode, batch, Double(batch) / m, m, Double(batch) / times.min()!, peakRSSMegabytes(),
                 (minorFaults() - faults) / max(steps, 1)))

case "accuracy":
    let cells = loadCells()
    let train = cells.train, validation = cells.validation
    let checksum = train.pixels.reduce(0.0) { $0 + Double($1) } + validation.pixels.reduce(0.0) { $0 + Double($1) }
    print(String(format: "karyo: %d training (%d positive) and %d validation (%d positive) cells of %dx%d, pixel sum %.3f",
                 train.count, train.labels.reduce(0, +), validation.count, validation.labels.reduce(0, +),
                 train.width, train.height, checksum))
    let epochs = Int(argument("epochs", "20"))!
    let lr = Float(argument("lr", "0.01"))!
    let seed = UInt64(argument("seed", "1"))!
    let model = makeModel(seed: seed)
    let config = TrainingConfiguration(
        epochs: epochs, batchSize: batch, optimizer: .sgd(momentum: Float(argument("momentum", "0.9"))!, nesterov: false, weightDecay: Float(argument("weight-decay", "1e-4"))!),
        schedule: LearningRateSchedule(base: lr, kind: .cosine(minimum: 0),
                                       warmupSteps: Int(argument("warmup-epochs", "0"))! * (train.count / batch)),
        seed: seed)
    let saveInit = argument("save-init", ""), tracePath = argument("trace", "")
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

case "gradients":
    // One training step's parameter gradients on the first batch of real cells, oneDNN against the
    // reference backend, from the same initial weights: the largest relative difference per parameter
    // (max |difference| / max |reference gradient|).
    let cells = loadCells()
    let seed = UInt64(argument("seed", "1"))!
    func gradients(_ backend: any Backend) -> [(name: String, values: [Float])] {
        let model = makeModel(seed: seed)
        let (x, labels) = cells.train.batch(Array(0..<min(batch, cells.train.count)))
        let tape = Tape(backend: backend, training: true)
        tape.backward(tape.softmaxCrossEntropy(model(Variable(x), tape), labels: labels))
        return model.namedParameters.map { ($0.name, backend.plain($0.variable.grad!).scalars) }
    }
    for (r, o) in zip(gradients(ReferenceBackend()), gradients(oneDNN)) {
        let difference = zip(r.values, o.values).map { abs($0 - $1) }.max() ?? 0
        print(String(format: "%-32@ %.2e", r.name as NSString, difference / max(r.values.map(abs).max() ?? 0, 1e-30)))
    }

default:
    FileHandle.standardError.write("usage: karyonet-bench train|infer|infer-bf16|accuracy|gradients [options]\n".data(using: .utf8)!)
    exit(64)
}
