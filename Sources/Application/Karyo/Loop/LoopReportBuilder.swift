import Foundation
import KaryoLoop
import KaryoStore

/// Gathers the report's data from the store: the newest non-fold run of every version, the
/// newest run in detail, the top of each queue of the newest flag run with images, and the newest
/// uncertainty-vs-random comparison.
public struct LoopReportBuilder {
    public let store: DatasetStore
    /// Items shown per queue.
    public var flaggedPerQueue: Int = 25

    public init(store: DatasetStore) { self.store = store }

    public func build(title: String = "Karyo model-in-the-loop report") throws -> LoopReport {
        let runs = try store.trainingRuns().filter { $0.purpose != .fold }
        var versions: [LoopReport.VersionPoint] = []
        var notes: [String] = []
        for version in try store.log().reversed() {
            guard let run = runs.last(where: { $0.version == version.id }), let metrics = run.decodedMetrics else { continue }
            let e = metrics.evaluation
            versions.append(
                LoopReport.VersionPoint(
                    version: version.id, createdAt: version.createdAt, run: run.id,
                    accuracy: e?.cell["accuracy"] ?? MetricEstimate(value: nil, interval: nil),
                    sensitivity: e?.cell["sensitivity"] ?? MetricEstimate(value: nil, interval: nil),
                    specificity: e?.cell["specificity"] ?? MetricEstimate(value: nil, interval: nil),
                    trainCount: metrics.trainCount, validationCount: metrics.evaluationCount))
        }
        var latest: LoopReport.RunDetail?
        if let run = runs.last, let metrics = run.decodedMetrics {
            if let evaluation = metrics.evaluation {
                latest = LoopReport.RunDetail(
                    run: run.id, version: run.version, seed: run.seed, modelConfig: run.modelConfig,
                    codeVersion: run.codeVersion, weightsBlob: run.weightsBlob, curves: run.decodedCurves,
                    evaluation: evaluation, skipped: metrics.skipped)
            } else {
                notes.append("Training run \(run.id) had no validation samples, so it has no metrics.")
            }
        }
        let activeLearning = runs.reversed().lazy.compactMap { $0.decodedMetrics?.activeLearning }.first

        var flagged: [LoopReport.FlaggedSample] = []
        var totals: [String: Int] = [:]
        let flagRun = try store.latestFlagRun()
        if let flagRun {
            for queue in ReviewQueueKind.allCases {
                let page = try store.reviewQueue(queue, flagRun: flagRun.id, limit: flaggedPerQueue)
                totals[queue.rawValue] = page.total
                for item in page.items {
                    let input = try store.derivedImages(sample: item.sampleToken).last { $0.step == LoopData.inputStep }
                    let png = try input.map { try store.readBlob($0.blobHash) }
                    var decision: String?
                    if let review = item.review { decision = review.label?.rawValue ?? "withdrawn" }
                    flagged.append(
                        LoopReport.FlaggedSample(
                            queue: queue.rawValue, rank: item.rank, sample: item.sampleToken, score: item.score,
                            reason: item.reason, probability: item.modelProbability, label: item.label.rawValue,
                            split: item.split.rawValue, decision: decision, png: png))
                }
            }
            if flagRun.skipped > 0 {
                notes.append("Flag run \(flagRun.id) could not score \(flagRun.skipped) members (no model input or unsure label).")
            }
        }
        return LoopReport(
            title: title, generatedAt: Date(), codeVersion: KaryoVersion.current, versions: versions, latestRun: latest,
            flagRun: flagRun?.id, flagged: flagged, queueTotals: totals, activeLearning: activeLearning, notes: notes)
    }
}
