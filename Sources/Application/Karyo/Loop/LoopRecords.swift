import Foundation
import KaryoLoop
import KaryoStore

/// What a training run stores as its metrics JSON.
public struct RunMetrics: Sendable, Codable, Equatable {
    /// On the evaluation split (validation).
    public var evaluation: Evaluation?
    public var trainCount: Int
    public var evaluationCount: Int
    /// Members left out, by reason.
    public var skipped: [String: Int]
    /// The uncertainty-vs-random comparison of a `karyo loop` round.
    public var activeLearning: ActiveLearningComparison?
}

/// What a training run stores as its curves JSON.
public struct RunCurves: Sendable, Codable, Equatable {
    public var epochs: [EpochCurve]
}

enum LoopJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

extension TrainingRunInfo {
    /// The run's metrics, nil when they cannot be read (a run written by another tool).
    public var decodedMetrics: RunMetrics? { try? LoopJSON.decode(RunMetrics.self, metrics) }
    public var decodedCurves: [EpochCurve] { (try? LoopJSON.decode(RunCurves.self, curves))?.epochs ?? [] }
    /// The model spec the run was trained with, nil when unreadable.
    public var modelSpec: ModelSpec? { try? LoopJSON.decode(ModelSpec.self, modelConfig) }
}
