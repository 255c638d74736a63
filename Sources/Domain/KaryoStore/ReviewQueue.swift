// Review queues: what `karyo flag` writes and `karyo review` / `karyo serve` read.
//
// API summary (all on `DatasetStore`, schema in schema/0002_training_runs.sql):
// - `recordFlagRun(_:items:)` stores one flag run and its queue items in one transaction.
// - `flagRuns(version:)`, `flagRun(id:)`, `latestFlagRun(version:)` list and read flag runs.
// - `reviewQueue(_:flagRun:filter:limit:offset:)` lists one queue ('uncertainty' or 'label-error')
//   of a flag run (default: the latest), in rank order, a page at a time, with the total count.
//   Indexed on (flag_run_id, queue, rank): a page of a 100,000-item queue reads only that page.
// - `reviewQueueItem(id:)` reads one item (with the sample's current label and its review state).
// - `recordReviewDecision(item:decision:reviewer:reason:)` records confirm / relabel / unsure as a
//   label event (source 'reviewer', author = reviewer, reason) through the ordinary label API, so
//   the next `karyo commit` makes a new version. An item is "decided" once its sample has a
//   reviewer label event newer than its flag run's watermark.

import Foundation
import GRDB
import KaryoCore

/// The two review queues a flag run fills.
public enum ReviewQueueKind: String, Sendable, Codable, CaseIterable {
    /// Samples the model is least sure about (entropy, margin, BALD).
    case uncertainty
    /// Samples whose given label probably is wrong (confident learning on out-of-fold probabilities).
    case labelError = "label-error"
}

/// One flagged sample to store (input of `recordFlagRun`).
public struct NewReviewQueueItem: Sendable, Equatable {
    public var queue: ReviewQueueKind
    public var sampleToken: String
    /// 1 = most in need of review; ranks of a queue must be 1...n without gaps or repeats.
    public var rank: Int
    public var score: Double
    /// Why the sample is flagged, for a person ("entropy 0.69; p(positive) 0.52").
    public var reason: String
    /// The model's probability that the sample is t(9;22)-positive.
    public var modelProbability: Double
    /// The sample's label when it was flagged.
    public var label: SampleLabel
    public var split: Split

    public init(
        queue: ReviewQueueKind, sampleToken: String, rank: Int, score: Double, reason: String,
        modelProbability: Double, label: SampleLabel, split: Split
    ) {
        self.queue = queue
        self.sampleToken = sampleToken
        self.rank = rank
        self.score = score
        self.reason = reason
        self.modelProbability = modelProbability
        self.label = label
        self.split = split
    }
}

/// A flag run to store (input of `recordFlagRun`).
public struct NewFlagRun: Sendable, Equatable {
    /// A version reference (id, prefix, tag, HEAD).
    public var version: String
    public var trainingRun: Int64?
    /// Method parameters as a JSON object (folds, MC passes, thresholds).
    public var method: String
    public var seed: Int
    public var codeVersion: String
    public var author: String
    /// Members that could not be scored (no model input image).
    public var skipped: Int

    public init(
        version: String, trainingRun: Int64?, method: String, seed: Int, codeVersion: String, author: String,
        skipped: Int
    ) {
        self.version = version
        self.trainingRun = trainingRun
        self.method = method
        self.seed = seed
        self.codeVersion = codeVersion
        self.author = author
        self.skipped = skipped
    }
}

/// A stored flag run.
public struct FlagRunInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var version: String
    public var trainingRun: Int64?
    public var method: String
    public var seed: Int
    public var codeVersion: String
    public var author: String
    /// Reviewer label events with a larger id than this decide the run's items.
    public var maxLabelEventID: Int64
    public var uncertaintyCount: Int
    public var labelErrorCount: Int
    public var skipped: Int
    public var createdAt: Date
}

/// The review decision on a queue item, read back from the label history.
public struct ReviewState: Sendable, Codable, Equatable {
    /// The latest reviewer label event on the sample after the item was flagged.
    public var labelEventID: Int64
    /// nil: the reviewer withdrew the label.
    public var label: SampleLabel?
    public var reviewer: String
    public var reason: String?
    public var decidedAt: Date
}

/// One item of a review queue.
public struct ReviewQueueItem: Sendable, Codable, Equatable {
    public var id: Int64
    public var flagRun: Int64
    public var queue: ReviewQueueKind
    public var sampleToken: String
    public var rank: Int
    public var score: Double
    public var reason: String
    /// The model's probability that the sample is t(9;22)-positive.
    public var modelProbability: Double
    /// The label the sample had when it was flagged.
    public var label: SampleLabel
    /// The sample's current label (nil: withdrawn).
    public var currentLabel: SampleLabel?
    public var split: Split
    public var createdAt: Date
    /// nil while no reviewer has decided.
    public var review: ReviewState?
}

/// Which items of a queue to list.
public enum ReviewQueueFilter: String, Sendable, Codable, CaseIterable {
    case all
    /// Items without a reviewer decision yet.
    case pending
    /// Items with a reviewer decision.
    case decided
}

/// One page of a queue.
public struct ReviewQueuePage: Sendable, Codable, Equatable {
    /// nil when no flag run exists (then `items` is empty).
    public var flagRun: FlagRunInfo?
    public var queue: ReviewQueueKind
    public var filter: ReviewQueueFilter
    /// Items matching the filter in the whole queue.
    public var total: Int
    public var offset: Int
    public var items: [ReviewQueueItem]
}

/// A reviewer's decision on a flagged sample.
public enum ReviewDecision: Sendable, Equatable {
    /// The label is right (a label event with the same label).
    case confirm
    /// The label is wrong; the sample gets this label.
    case relabel(SampleLabel)
    /// The reviewer cannot tell (the label becomes `unsure`, so it leaves training).
    case unsure

    /// The label event's label when the current label is `current`.
    public func label(current: SampleLabel) -> SampleLabel {
        switch self {
        case .confirm: current
        case .relabel(let label): label
        case .unsure: .unsure
        }
    }
}

extension DatasetStore {
    // MARK: - Flag runs

    /// Stores a flag run and its queue items in one transaction. Every item's sample must be in the
    /// store; ranks of each queue must be exactly 1...n.
    /// - Throws: `.invalidInput` for bad ranks, scores or JSON; `.notFound` for an unknown version
    ///   or sample.
    @discardableResult
    public func recordFlagRun(_ run: NewFlagRun, items: [NewReviewQueueItem]) throws -> FlagRunInfo {
        try Validate.json(run.method, "flag run method")
        let author = try Validate.required(run.author, "the author")
        let codeVersion = try Validate.required(run.codeVersion, "the code version")
        guard run.skipped >= 0 else { throw StoreError(.invalidInput, "skipped must not be negative") }
        for queue in ReviewQueueKind.allCases {
            let ranks = items.filter { $0.queue == queue }.map(\.rank).sorted()
            guard ranks == (0..<ranks.count).map({ $0 + 1 }) else {
                throw StoreError(.invalidInput, "the ranks of the \(queue.rawValue) queue must be 1...\(ranks.count)")
            }
        }
        for item in items {
            guard item.score.isFinite else {
                throw StoreError(.invalidInput, "sample \(item.sampleToken) has a non-finite score")
            }
            guard item.modelProbability >= 0, item.modelProbability <= 1 else {
                throw StoreError(.invalidInput, "sample \(item.sampleToken) has a probability outside 0...1")
            }
            _ = try Validate.required(item.reason, "the reason of a flagged sample")
        }
        let now = self.now
        return try storeGuarded("recording a flag run") {
            try pool.write { db in
                let version = try Self.resolveRow(db, run.version)
                if let training = run.trainingRun,
                    try Int.fetchOne(db, sql: "SELECT 1 FROM training_runs WHERE id = ?", arguments: [training]) == nil
                {
                    throw StoreError(.notFound, "no training run \(training)")
                }
                let watermark = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM label_events") ?? 0
                let uncertainty = items.filter { $0.queue == .uncertainty }.count
                try db.execute(
                    sql: """
                        INSERT INTO flag_runs(version_id, training_run_id, method, seed, code_version, author,
                            max_label_event_id, uncertainty_count, label_error_count, skipped_count, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        version.id, run.trainingRun, run.method, run.seed, codeVersion, author, watermark,
                        uncertainty, items.count - uncertainty, run.skipped, now,
                    ])
                let runID = db.lastInsertedRowID
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO review_queue_items(flag_run_id, queue, sample_id, rank, score, reason,
                            model_probability, label, split, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for item in items {
                    let sampleID = try Self.sampleID(db, token: item.sampleToken)
                    try insert.execute(arguments: [
                        runID, item.queue.rawValue, sampleID, item.rank, item.score, item.reason,
                        item.modelProbability, item.label.rawValue, item.split.rawValue, now,
                    ])
                }
                guard let info = try Self.fetchFlagRun(db, where: "f.id = ?", [runID]).first else {
                    throw StoreError(.corrupt, "flag run \(runID) vanished while it was written")
                }
                return info
            }
        }
    }

    /// Flag runs, newest first; only those of `version` (a reference) when given.
    public func flagRuns(version: String? = nil) throws -> [FlagRunInfo] {
        try storeGuarded("listing flag runs") {
            try pool.read { db in
                if let version {
                    let row = try Self.resolveRow(db, version)
                    return try Self.fetchFlagRun(db, where: "f.version_id = ? ORDER BY f.id DESC", [row.id])
                }
                return try Self.fetchFlagRun(db, where: "1 ORDER BY f.id DESC", [])
            }
        }
    }

    /// One flag run. - Throws: `.notFound`.
    public func flagRun(id: Int64) throws -> FlagRunInfo {
        try storeGuarded("reading flag run \(id)") {
            try pool.read { db in
                guard let info = try Self.fetchFlagRun(db, where: "f.id = ?", [id]).first else {
                    throw StoreError(.notFound, "no flag run \(id)")
                }
                return info
            }
        }
    }

    /// The newest flag run (of `version` when given), nil when there is none.
    public func latestFlagRun(version: String? = nil) throws -> FlagRunInfo? {
        try storeGuarded("reading the latest flag run") {
            try pool.read { db in
                if let version {
                    let row = try Self.resolveRow(db, version)
                    return try Self.fetchFlagRun(db, where: "f.version_id = ? ORDER BY f.id DESC LIMIT 1", [row.id])
                        .first
                }
                return try Self.fetchFlagRun(db, where: "1 ORDER BY f.id DESC LIMIT 1", []).first
            }
        }
    }

    static func fetchFlagRun(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> [FlagRunInfo]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT f.id, f.version_id, f.training_run_id, f.method, f.seed, f.code_version, f.author,
                    f.max_label_event_id, f.uncertainty_count, f.label_error_count, f.skipped_count, f.created_at
                FROM flag_runs f WHERE
                """ + " " + condition,
            arguments: arguments
        ).map { row in
            FlagRunInfo(
                id: row[0], version: row[1], trainingRun: row[2], method: row[3], seed: row[4], codeVersion: row[5],
                author: row[6], maxLabelEventID: row[7], uncertaintyCount: row[8], labelErrorCount: row[9],
                skipped: row[10], createdAt: Timestamp.date(row[11]))
        }
    }

    // MARK: - Queues

    /// One page of a review queue, in rank order.
    /// - Parameters:
    ///   - queue: which queue.
    ///   - flagRun: the flag run; nil means the newest one.
    ///   - filter: all items, only pending ones or only decided ones.
    ///   - limit: at most this many items (nil: all).
    ///   - offset: items to skip (after filtering).
    /// - Returns: the page with the total count of matching items; an empty page when no flag run exists.
    /// - Throws: `.notFound` for an unknown flag run.
    public func reviewQueue(
        _ queue: ReviewQueueKind, flagRun: Int64? = nil, filter: ReviewQueueFilter = .all, limit: Int? = nil,
        offset: Int = 0
    ) throws -> ReviewQueuePage {
        try storeGuarded("listing the \(queue.rawValue) queue") {
            try pool.read { db in
                let run: FlagRunInfo
                if let flagRun {
                    guard let found = try Self.fetchFlagRun(db, where: "f.id = ?", [flagRun]).first else {
                        throw StoreError(.notFound, "no flag run \(flagRun)")
                    }
                    run = found
                } else {
                    guard let found = try Self.fetchFlagRun(db, where: "1 ORDER BY f.id DESC LIMIT 1", []).first else {
                        return ReviewQueuePage(
                            flagRun: nil, queue: queue, filter: filter, total: 0, offset: max(0, offset), items: [])
                    }
                    run = found
                }
                let decided = """
                    EXISTS (SELECT 1 FROM label_events e WHERE e.sample_id = q.sample_id
                        AND e.id > \(run.maxLabelEventID) AND e.source = 'reviewer')
                    """
                let condition: String
                switch filter {
                case .all: condition = ""
                case .pending: condition = " AND NOT " + decided
                case .decided: condition = " AND " + decided
                }
                let base = "FROM review_queue_items q WHERE q.flag_run_id = ? AND q.queue = ?" + condition
                let args: StatementArguments = [run.id, queue.rawValue]
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + base, arguments: args) ?? 0
                let ids = try Int64.fetchAll(
                    db, sql: "SELECT q.id " + base + " ORDER BY q.rank LIMIT ? OFFSET ?",
                    arguments: args + [limit ?? -1, max(0, offset)])
                let items = try ids.map { id -> ReviewQueueItem in
                    guard let item = try Self.fetchQueueItem(db, id: id) else {
                        throw StoreError(.corrupt, "queue item \(id) vanished while it was read")
                    }
                    return item
                }
                return ReviewQueuePage(
                    flagRun: run, queue: queue, filter: filter, total: total, offset: max(0, offset), items: items)
            }
        }
    }

    /// One queue item. - Throws: `.notFound`.
    public func reviewQueueItem(id: Int64) throws -> ReviewQueueItem {
        try storeGuarded("reading queue item \(id)") {
            try pool.read { db in
                guard let item = try Self.fetchQueueItem(db, id: id) else {
                    throw StoreError(.notFound, "no review queue item \(id)")
                }
                return item
            }
        }
    }

    /// The items naming a sample, newest flag run first (both queues).
    public func reviewQueueItems(sample token: String) throws -> [ReviewQueueItem] {
        try storeGuarded("reading the queue items of \(token)") {
            try pool.read { db in
                let sampleID = try Self.sampleID(db, token: token)
                let ids = try Int64.fetchAll(
                    db, sql: "SELECT id FROM review_queue_items WHERE sample_id = ? ORDER BY flag_run_id DESC, queue",
                    arguments: [sampleID])
                return try ids.compactMap { try Self.fetchQueueItem(db, id: $0) }
            }
        }
    }

    static func fetchQueueItem(_ db: Database, id: Int64) throws -> ReviewQueueItem? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT q.id, q.flag_run_id, q.queue, s.token, q.rank, q.score, q.reason, q.model_probability,
                            q.label, s.current_label, q.split, q.created_at, f.max_label_event_id, q.sample_id
                        FROM review_queue_items q
                        JOIN samples s ON s.id = q.sample_id
                        JOIN flag_runs f ON f.id = q.flag_run_id
                        WHERE q.id = ?
                        """), arguments: [id])
        else { return nil }
        let watermark: Int64 = row[12]
        let sampleID: Int64 = row[13]
        let review = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT id, label, author, reason, created_at FROM label_events
                    WHERE sample_id = ? AND id > ? AND source = 'reviewer' ORDER BY id DESC LIMIT 1
                    """), arguments: [sampleID, watermark]
        ).map { r in
            ReviewState(
                labelEventID: r[0], label: (r[1] as String?).flatMap(SampleLabel.init(rawValue:)), reviewer: r[2],
                reason: r[3], decidedAt: Timestamp.date(r[4]))
        }
        guard let queue = ReviewQueueKind(rawValue: row[2]), let label = SampleLabel(rawValue: row[8]),
            let split = Split(rawValue: row[10])
        else {
            throw StoreError(.corrupt, "review queue item \(id) has an unknown queue, label or split")
        }
        return ReviewQueueItem(
            id: row[0], flagRun: row[1], queue: queue, sampleToken: row[3], rank: row[4], score: row[5],
            reason: row[6], modelProbability: row[7], label: label,
            currentLabel: (row[9] as String?).flatMap(SampleLabel.init(rawValue:)), split: split,
            createdAt: Timestamp.date(row[11]), review: review)
    }

    // MARK: - Decisions

    /// Records a reviewer's decision on a queue item as a label event (source `reviewer`).
    /// Confirm keeps the current label, relabel sets a new one, unsure sets `unsure`.
    /// - Throws: `.invalidInput` for an empty reviewer, or confirming a sample whose label was
    ///   withdrawn; `.notFound` for an unknown item.
    @discardableResult
    public func recordReviewDecision(item id: Int64, decision: ReviewDecision, reviewer: String, reason: String?)
        throws -> LabelEvent
    {
        let item = try reviewQueueItem(id: id)
        return try recordReviewDecision(sample: item.sampleToken, decision: decision, reviewer: reviewer, reason: reason)
    }

    /// Records a reviewer's decision on a sample as a label event (source `reviewer`).
    ///
    /// Written with `recordReview`'s check: if the sample is relabelled between reading its label
    /// (which "confirm" refers to) and writing, nothing is written and `.conflict` is thrown.
    @discardableResult
    public func recordReviewDecision(sample token: String, decision: ReviewDecision, reviewer: String, reason: String?)
        throws -> LabelEvent
    {
        let sample = try sample(token: token)
        let current = sample.label
        let label: SampleLabel
        switch (decision, current) {
        case (.confirm, nil):
            throw StoreError(.invalidInput, "sample \(token) has no label to confirm")
        case (_, let current?):
            label = decision.label(current: current)
        case (.relabel(let new), nil):
            label = new
        case (.unsure, nil):
            label = .unsure
        }
        switch try recordReview(
            sample: token, label: label, expectedLabelEventID: sample.labelEventID, author: reviewer, reason: reason)
        {
        case .recorded(let event):
            return event
        case .conflict(let now):
            throw StoreError(
                .conflict,
                "sample \(token) was labelled \(now?.label?.rawValue ?? "anew") by \(now?.author ?? "another reviewer") "
                    + "while this decision was recorded; nothing was written: look at it again")
        }
    }
}
