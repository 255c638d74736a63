import Foundation
import KaryoCodecs
import KaryoCore

import KaryoStore
import KaryoVision

/// What `DemoStore.populate` made.
public struct DemoStoreSummary: Sendable, Codable, Equatable {
    public var samples: Int
    public var queueItems: Int
    public var version: String
    public var flagRun: Int64
    public var seconds: Double
}

/// Fills an empty store with synthetic review data: small synthetic karyogram-like images with
/// boxes for two 9s and two 22s, a committed version, derived images for the flagged samples
/// (a normalized 90x90 input and the four chromosome crops, with their boxes in the parameters),
/// and a flag run whose two queues hold `queueItems` samples each. For tests, the browser test
/// and the load benchmark; the images are drawn, never taken from real patients.
public enum DemoStore {
    static let width = 160, height = 96
    /// Boxes of the four chromosomes drawn in every synthetic image (x, y, w, h).
    static let boxes: [(String, PixelBox)] = [
        ("9", PixelBox(x: 12, y: 10, width: 14, height: 40)), ("9", PixelBox(x: 34, y: 10, width: 14, height: 40)),
        ("22", PixelBox(x: 100, y: 40, width: 10, height: 22)), ("22", PixelBox(x: 118, y: 40, width: 10, height: 22)),
    ]

    /// - Parameters:
    ///   - samples: how many samples (each one image and one patient).
    ///   - queueItems: items per queue (at most `samples`).
    ///   - durable: fsync blobs (false makes bulk building much faster; for benchmarks and tests).
    @discardableResult
    public static func populate(_ store: DatasetStore, samples: Int, queueItems: Int, durable: Bool = false) throws
        -> DemoStoreSummary
    {
        let start = Date()
        let queueItems = min(queueItems, samples)
        var tokens: [String] = []
        tokens.reserveCapacity(samples)
        var labels: [SampleLabel] = []
        let batchSize = 2000
        var index = 0
        while index < samples {
            let end = min(samples, index + batchSize)
            let batch = try (index..<end).map { i -> NewSample in
                let label: SampleLabel = i % 3 == 0 ? .positive : .negative
                labels.append(label)
                return NewSample(
                    lab: "demo-lab", patientIdentifier: nil, png: try ImageCodec.encodePNG(image(i)), width: width,
                    height: height, sourceFormat: "png", sourceBitDepth: 8, sourceColorModel: "gray", kind: .karyogram,
                    initialLabel: InitialLabel(label: label, source: .karyotypeReport, karyotype: nil, reason: "demo"),
                    author: "demo", provenance: "{\"demo\":true}")
            }
            tokens += try store.addSamples(batch, durableBlobs: durable).map(\.sampleToken)
            index = end
        }
        let version = try store.commit(message: "demo data", author: "demo")
        // Derived images for the flagged samples (the same samples head both queues).
        for i in 0..<queueItems {
            let token = tokens[i]
            let composite = CompositeDerivation(
                mode: .sharedScale, size: 90, scaleX: 1, scaleY: 1, lengths: boxes.map { Double($0.1.height) }, missingSlots: [],
                contrastLow: 0, contrastHigh: 235, slots: boxes.map(\.0))
            try store.addDerivedImage(
                sample: token, png: try ImageCodec.encodePNG(normalized(i)), step: .normalizeT922,
                parameters: DerivationParameters.composite(composite).json, inputHash: String(repeating: "0", count: 64),
                codeVersion: "demo")
            for (n, (label, box)) in boxes.enumerated() {
                let chromosome = ChromosomeDerivation(
                    label: label, homolog: n % 2 + 1, box: box,
                    imageKind: .karyogram, polarity: .darkOnLight, confidence: 1, length: Double(box.height))
                try store.addDerivedImage(
                    sample: token, png: try ImageCodec.encodePNG(ImageOps.crop(image(i), box)), step: .extractChromosome,
                    parameters: DerivationParameters.chromosome(chromosome).json,
                    inputHash: String(repeating: "0", count: 64), codeVersion: "demo")
            }
        }
        var items: [NewReviewQueueItem] = []
        var generator = SeededGenerator(seed: 7)
        for queue in ReviewQueueKind.allCases {
            for i in 0..<queueItems {
                let p = Double(generator.next() % 1000) / 1000
                items.append(
                    NewReviewQueueItem(
                        queue: queue, sampleToken: tokens[i], rank: i + 1, score: 1 - Double(i) / Double(max(1, queueItems)),
                        reason: queue == .uncertainty
                            ? "entropy \(String(format: "%.2f", 0.5 + p / 2)); p(positive) \(String(format: "%.2f", p))"
                            : "given \(labels[i].rawValue) but out-of-fold p(positive) \(String(format: "%.2f", p))",
                        modelProbability: p, label: labels[i], split: .train))
            }
        }
        let run = try store.recordFlagRun(
            NewFlagRun(
                version: version.id, trainingRun: nil, method: "{\"demo\":true}", seed: 7, codeVersion: "demo",
                author: "demo", skipped: 0), items: items)
        return DemoStoreSummary(
            samples: samples, queueItems: queueItems, version: version.id, flagRun: run.id,
            seconds: Date().timeIntervalSince(start))
    }

    /// A light background with four dark "chromosomes" and the sample's index written as pixels,
    /// so every image (and blob) is unique.
    static func image(_ i: Int) -> GrayImage {
        var pixels = [UInt8](repeating: 235, count: width * height)
        for (n, (_, b)) in boxes.enumerated() {
            for y in b.y...b.maxY {
                for x in b.x...b.maxX {
                    let band = ((y - b.y) / 4 + n) % 3 == 0 ? 40 : 90
                    pixels[y * width + x] = UInt8(band)
                }
            }
        }
        var v = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
        for bit in 0..<40 {
            pixels[(height - 2) * width + 4 + bit] = (v & 1) == 1 ? 0 : 255
            pixels[(height - 3) * width + 4 + bit] = UInt8(truncatingIfNeeded: i >> (bit % 32))
            v >>= 1
            if v == 0 { v = UInt64(i) + 1 }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }


    static func normalized(_ i: Int) -> GrayImage {
        var pixels = [UInt8](repeating: 255, count: 90 * 90)
        for y in 5..<85 {
            for x in 10..<25 { pixels[y * 90 + x] = 60 }
            for x in 30..<45 { pixels[y * 90 + x] = 60 }
            for x in 55..<65 where y > 40 { pixels[y * 90 + x] = 70 }
            for x in 72..<82 where y > 40 { pixels[y * 90 + x] = 70 }
        }
        pixels[0] = UInt8(truncatingIfNeeded: i)
        pixels[1] = UInt8(truncatingIfNeeded: i >> 8)
        pixels[2] = UInt8(truncatingIfNeeded: i >> 16)
        return GrayImage(width: 90, height: 90, pixels: pixels)
    }
}

