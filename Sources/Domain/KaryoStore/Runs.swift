import Foundation
import GRDB
import KaryoCore

/// Why a training run was made.
public enum TrainingRunPurpose: String, Sendable, Codable, CaseIterable {
    /// `karyo train`.
    case train
    /// One round of `karyo loop`.
    case loop
    /// One fold of the cross-validation of `karyo flag`.
    case fold
}

/// A training run to record (input of `recordTrainingRun`).
public struct NewTrainingRun: Sendable, Equatable {
    /// A version reference (id, prefix, tag, HEAD).
    public var version: String
    public var purpose: TrainingRunPurpose
    public var trainSplit: Split
    public var evalSplit: Split
    /// Architecture, input size, optimiser, epochs... (JSON object).
    public var modelConfig: String
    public var seed: Int
    public var codeVersion: String
    /// The checkpoint's bytes (SafeTensors), stored as a content-addressed blob; nil: none kept.
    public var weights: Data?
    /// Metrics (JSON object).
    public var metrics: String
    /// Per-epoch curves (JSON object).
    public var curves: String
    /// Other facts (JSON object): loop arm, skipped samples...
    public var details: String
    public var author: String
    public var startedAt: Date
    public var finishedAt: Date

    public init(
        version: String, purpose: TrainingRunPurpose, trainSplit: Split = .train, evalSplit: Split = .validation,
        modelConfig: String, seed: Int, codeVersion: String, weights: Data?, metrics: String, curves: String,
        details: String = "{}", author: String, startedAt: Date, finishedAt: Date
    ) {
        self.version = version
        self.purpose = purpose
        self.trainSplit = trainSplit
        self.evalSplit = evalSplit
        self.modelConfig = modelConfig
        self.seed = seed
        self.codeVersion = codeVersion
        self.weights = weights
        self.metrics = metrics
        self.curves = curves
        self.details = details
        self.author = author
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A recorded training run.
public struct TrainingRunInfo: Sendable, Codable, Equatable {
    public var id: Int64
    /// The full version id.
    public var version: String
    public var purpose: TrainingRunPurpose
    public var trainSplit: Split
    public var evalSplit: Split
    public var modelConfig: String
    public var seed: Int
    public var codeVersion: String
    /// SHA-256 of the checkpoint blob (read it with `readBlob`); nil when none was kept.
    public var weightsBlob: String?
    public var metrics: String
    public var curves: String
    public var details: String
    public var author: String
    public var startedAt: Date
    public var finishedAt: Date
}

extension DatasetStore {
    /// Records a training run; its weights are written first as a durable, content-addressed blob.
    /// - Throws: `.invalidInput` for malformed JSON or an empty author; `.notFound` for an unknown
    ///   version.
    @discardableResult
    public func recordTrainingRun(_ run: NewTrainingRun) throws -> TrainingRunInfo {
        try Validate.json(run.modelConfig, "the model configuration")
        try Validate.json(run.metrics, "the metrics")
        try Validate.json(run.curves, "the training curves")
        try Validate.json(run.details, "the run details")
        let author = try Validate.required(run.author, "the author")
        let codeVersion = try Validate.required(run.codeVersion, "the code version")
        var weightsHash: String?
        if let weights = run.weights {
            guard !weights.isEmpty else { throw StoreError(.invalidInput, "the weights are empty") }
            let hash = Hashing.sha256Hex(weights)
            if let dir = try storeBlob(weights, hash: hash, durable: true) {
                try FileIO.fsyncDirectory(dir)
            }
            weightsHash = hash
        }
        let now = self.now
        return try storeGuarded("recording a training run") {
            try pool.write { db in
                let version = try Self.resolveRow(db, run.version)
                if let weightsHash {
                    try db.execute(
                        sql: "INSERT INTO blobs(hash, byte_size, created_at) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING",
                        arguments: [weightsHash, run.weights?.count ?? 0, now])
                }
                try db.execute(
                    sql: """
                        INSERT INTO training_runs(version_id, purpose, train_split, eval_split, model_config, seed,
                            code_version, weights_blob, metrics, curves, details, author, started_at, finished_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        version.id, run.purpose.rawValue, run.trainSplit.rawValue, run.evalSplit.rawValue,
                        run.modelConfig, run.seed, codeVersion, weightsHash, run.metrics, run.curves, run.details,
                        author, Timestamp.format(run.startedAt), Timestamp.format(run.finishedAt),
                    ])
                let id = db.lastInsertedRowID
                guard let info = try Self.fetchTrainingRuns(db, where: "id = ?", [id]).first else {
                    throw StoreError(.corrupt, "training run \(id) vanished while it was written")
                }
                return info
            }
        }
    }

    /// Training runs, oldest first; only those of `version` (a reference) and `purpose` when given.
    public func trainingRuns(version: String? = nil, purpose: TrainingRunPurpose? = nil) throws -> [TrainingRunInfo] {
        try storeGuarded("listing training runs") {
            try pool.read { db in
                var conditions: [String] = []
                var arguments: StatementArguments = []
                if let version {
                    let row = try Self.resolveRow(db, version)
                    conditions.append("version_id = ?")
                    arguments += [row.id]
                }
                if let purpose {
                    conditions.append("purpose = ?")
                    arguments += [purpose.rawValue]
                }
                let condition = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
                return try Self.fetchTrainingRuns(db, where: condition + " ORDER BY id", arguments)
            }
        }
    }

    /// One training run. - Throws: `.notFound`.
    public func trainingRun(id: Int64) throws -> TrainingRunInfo {
        try storeGuarded("reading training run \(id)") {
            try pool.read { db in
                guard let info = try Self.fetchTrainingRuns(db, where: "id = ?", [id]).first else {
                    throw StoreError(.notFound, "no training run \(id)")
                }
                return info
            }
        }
    }

    static func fetchTrainingRuns(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> [TrainingRunInfo]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, version_id, purpose, train_split, eval_split, model_config, seed, code_version,
                    weights_blob, metrics, curves, details, author, started_at, finished_at
                FROM training_runs WHERE
                """ + " " + condition,
            arguments: arguments
        ).map { row in
            TrainingRunInfo(
                id: row[0], version: row[1], purpose: TrainingRunPurpose(rawValue: row[2]) ?? .train,
                trainSplit: Split(rawValue: row[3]) ?? .train, evalSplit: Split(rawValue: row[4]) ?? .validation,
                modelConfig: row[5], seed: row[6], codeVersion: row[7], weightsBlob: row[8], metrics: row[9],
                curves: row[10], details: row[11], author: row[12], startedAt: Timestamp.date(row[13]),
                finishedAt: Timestamp.date(row[14]))
        }
    }

    /// The model input images of many samples in one read: for each sample token, the blob hash of
    /// its newest derived image made by `step` (samples without one are absent from the result).
    public func derivedImageHashes(step: DerivedStep, samples tokens: [String]) throws -> [String: String] {
        try storeGuarded("reading derived images") {
            try pool.read { db in
                var result: [String: String] = [:]
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT d.blob_hash FROM derived_images d JOIN samples s ON s.id = d.sample_id
                        WHERE s.token = ? AND d.step = ? ORDER BY d.id DESC LIMIT 1
                        """)
                for token in tokens {
                    if let hash = try String.fetchOne(statement, arguments: [token, step.rawValue]) {
                        result[token] = hash
                    }
                }
                return result
            }
        }
    }
}
