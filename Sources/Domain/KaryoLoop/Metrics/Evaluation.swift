import Foundation

/// Everything measured on one evaluation set: cell and case metrics with patient-bootstrap
/// intervals, calibration before and after temperature scaling, curves for the report.
public struct Evaluation: Sendable, Codable, Equatable {
    /// Cell metrics with 95% intervals, by metric name (see `BinaryMetrics.names`).
    public var cell: [String: MetricEstimate]
    public var cellConfusion: ConfusionMatrix
    public var cellCount: Int
    /// Case metrics (a case is positive when at least 2 of its cells are).
    public var caseLevel: [String: MetricEstimate]
    public var caseConfusion: ConfusionMatrix
    public var caseCount: Int
    /// Temperature fitted on this set; `cell["ece"]` is before scaling, this after.
    public var temperature: Double
    public var calibratedECE: MetricEstimate
    public var roc: [ROCPoint]
    public var reliability: [ReliabilityBin]
    public var calibratedReliability: [ReliabilityBin]
    public var bootstrapReplicates: Int

    /// Evaluates probabilities of the positive class against labels.
    /// - Parameters:
    ///   - patients, caseIDs: per item, for the bootstrap and the case aggregation.
    ///   - replicates: bootstrap replicates (0: no intervals).
    public init(
        probabilities: [Double], labels: [Bool], patients: [String], caseIDs: [String], replicates: Int = 1000,
        seed: UInt64 = 1
    ) {
        let cellMetrics = BinaryMetrics(probabilities: probabilities, labels: labels)
        let scaling = TemperatureScaling.fit(probabilities: probabilities, labels: labels)
        let calibrated = scaling.apply(probabilities)
        let cellIntervals = PatientBootstrap.intervals(patients: patients, replicates: replicates, seed: seed) { idx in
            let m = BinaryMetrics(probabilities: idx.map { probabilities[$0] }, labels: idx.map { labels[$0] })
            var values: [String: Double?] = [:]
            for name in BinaryMetrics.names { values[name] = m.value(name) }
            values["calibratedECE"] = Metrics.expectedCalibrationError(
                probabilities: idx.map { calibrated[$0] }, labels: idx.map { labels[$0] })
            return values
        }
        let cases = CaseAggregation.cases(
            caseIDs: caseIDs, patients: patients, probabilities: probabilities, labels: labels)
        let caseMetrics = CaseAggregation.metrics(cases)
        let caseIntervals = PatientBootstrap.intervals(
            patients: cases.map(\.patient), replicates: replicates, seed: seed &+ 1
        ) { idx in
            let m = CaseAggregation.metrics(idx.map { cases[$0] })
            var values: [String: Double?] = [:]
            for name in BinaryMetrics.names { values[name] = m.value(name) }
            return values
        }
        cell = Dictionary(
            uniqueKeysWithValues: BinaryMetrics.names.map {
                ($0, MetricEstimate(value: cellMetrics.value($0), interval: cellIntervals[$0]))
            })
        cellConfusion = cellMetrics.confusion
        cellCount = labels.count
        caseLevel = Dictionary(
            uniqueKeysWithValues: BinaryMetrics.names.map {
                ($0, MetricEstimate(value: caseMetrics.value($0), interval: caseIntervals[$0]))
            })
        caseConfusion = caseMetrics.confusion
        caseCount = cases.count
        temperature = scaling.temperature
        calibratedECE = MetricEstimate(
            value: labels.isEmpty ? nil : Metrics.expectedCalibrationError(probabilities: calibrated, labels: labels),
            interval: cellIntervals["calibratedECE"])
        roc = Metrics.thinned(Metrics.rocCurve(scores: probabilities, labels: labels))
        reliability = Metrics.reliability(probabilities: probabilities, labels: labels)
        calibratedReliability = Metrics.reliability(probabilities: calibrated, labels: labels)
        bootstrapReplicates = replicates
    }
}
