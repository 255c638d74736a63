import Foundation
import GRDB
import KaryoCore

/// The result of recording a review decision that was made on a page showing one label state.
public enum ReviewOutcome: Sendable, Equatable {
    /// The decision is now the sample's latest label event.
    case recorded(LabelEvent)
    /// Someone else labelled the sample after the page was shown: nothing was written; `current`
    /// is the event that now sets the sample's label (nil when it has none).
    case conflict(current: LabelEvent?)
}

/// A sample sent to two readers who do not see each other's call.
public struct DoubleReading: Sendable, Codable, Equatable {
    public var id: Int64
    public var sampleToken: String
    public var reader1: String
    public var reader2: String
    public var createdBy: String
    public var createdAt: Date
    /// The calls made so far (blind to the other reader until both are in).
    public var reads: [BlindRead]
    /// Set when a label event settled the reading (agreement or adjudication).
    public var labelEventID: Int64?
    public var adjudication: Adjudication?

    /// Both reads are in and they differ, and no adjudication settled it yet.
    public var needsAdjudication: Bool {
        reads.count == 2 && reads[0].decision != reads[1].decision && adjudication == nil
    }
}

/// One reader's call in a double reading.
public struct BlindRead: Sendable, Codable, Equatable {
    public var reader: String
    public var decision: SampleLabel
    public var comment: String?
    public var createdAt: Date
}

/// An adjudicator's call on a double reading whose readers disagreed.
public struct Adjudication: Sendable, Codable, Equatable {
    public var adjudicator: String
    public var decision: SampleLabel
    public var comment: String?
    public var labelEventID: Int64
    public var createdAt: Date
}

/// The two calls of one double reading with both reads in, for agreement statistics.
public struct ReadPair: Sendable, Codable, Equatable {
    public var readingID: Int64
    public var readerA: String
    public var readerB: String
    public var decisionA: SampleLabel
    public var decisionB: SampleLabel

    public init(readingID: Int64, readerA: String, readerB: String, decisionA: SampleLabel, decisionB: SampleLabel) {
        self.readingID = readingID
        self.readerA = readerA
        self.readerB = readerB
        self.decisionA = decisionA
        self.decisionB = decisionB
    }
}

extension DatasetStore {
    // MARK: - Review decisions

    /// Appends a reviewer's label event unless the sample was labelled since the page was shown.
    ///
    /// The check and the append are one transaction, so of two reviewers deciding the same item
    /// at once exactly one decision is written and the other gets `.conflict` (and can decide
    /// again, knowing the other call).
    /// - Parameters:
    ///   - expectedLabelEventID: the sample's `labelEventID` when the decision page was rendered.
    public func recordReview(
        sample token: String, label: SampleLabel, expectedLabelEventID: Int64?, author: String, reason: String?
    ) throws -> ReviewOutcome {
        let author = try Validate.required(author, "the author")
        let reason = Validate.optional(reason)
        let now = self.now
        return try storeGuarded("recording a review of \(token)") {
            try pool.write { db in
                let sampleID = try Self.sampleID(db, token: token)
                let current = try Int64.fetchOne(
                    db, sql: "SELECT current_label_event_id FROM samples WHERE id = ?", arguments: [sampleID])
                guard current == expectedLabelEventID else {
                    return .conflict(current: try current.flatMap { try Self.labelEvent(db, id: $0, token: token) })
                }
                let id = try self.insertLabelEvent(
                    db, sampleID: sampleID, label: label, source: .reviewer, author: author, reason: reason,
                    karyotype: nil, now: now)
                return .recorded(
                    LabelEvent(
                        id: id, sampleToken: token, label: label, source: .reviewer, author: author, reason: reason,
                        karyotype: nil, createdAt: Timestamp.date(now)))
            }
        }
    }

    static func labelEvent(_ db: Database, id: Int64, token: String) throws -> LabelEvent? {
        try Row.fetchOne(
            db, sql: "SELECT id, label, source, author, reason, karyotype, created_at FROM label_events WHERE id = ?",
            arguments: [id]
        ).map { row in
            LabelEvent(
                id: row[0], sampleToken: token, label: (row[1] as String?).flatMap(SampleLabel.init(rawValue:)),
                source: LabelSource(rawValue: row[2]) ?? .reviewer, author: row[3], reason: row[4], karyotype: row[5],
                createdAt: Timestamp.date(row[6]))
        }
    }

    /// A value that changes whenever a review page's content may change: the newest label event,
    /// flag run and derived image (one indexed read; pages cache their rendering under it).
    public func reviewStateStamp() throws -> String {
        try storeGuarded("reading the review state") {
            try pool.read { db in
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT (SELECT MAX(id) FROM label_events), (SELECT MAX(id) FROM flag_runs),
                                (SELECT MAX(id) FROM derived_images)
                            """))
                return "\(row?[0] as Int64? ?? 0)-\(row?[1] as Int64? ?? 0)-\(row?[2] as Int64? ?? 0)"
            }
        }
    }

    // MARK: - Double reading

    /// Sends a sample to two readers (reviewer accounts or above, not disabled).
    /// - Throws: `.invalidInput` when the readers are the same, `.notFound` for an unknown sample
    ///   or account, `.conflict` when the sample has an unsettled double reading.
    @discardableResult
    public func createDoubleReading(sample token: String, reader1: String, reader2: String, createdBy: String) throws
        -> Int64
    {
        guard reader1 != reader2 else { throw StoreError(.invalidInput, "the two readers must be different accounts") }
        let now = self.now
        return try storeGuarded("assigning a double reading of \(token)") {
            try pool.write { db in
                let sampleID = try Self.sampleID(db, token: token)
                let r1 = try Self.activeAccountID(db, reader1)
                let r2 = try Self.activeAccountID(db, reader2)
                let by = try Self.activeAccountID(db, createdBy)
                if try Int.fetchOne(
                    db, sql: "SELECT 1 FROM double_readings WHERE sample_id = ? AND label_event_id IS NULL",
                    arguments: [sampleID]) != nil
                {
                    throw StoreError(.conflict, "sample \(token) already has an open double reading")
                }
                try db.execute(
                    sql: """
                        INSERT INTO double_readings(sample_id, reader1_id, reader2_id, created_by, created_at)
                        VALUES (?, ?, ?, ?, ?)
                        """, arguments: [sampleID, r1, r2, by, now])
                return db.lastInsertedRowID
            }
        }
    }

    static func activeAccountID(_ db: Database, _ name: String) throws -> Int64 {
        guard
            let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM accounts WHERE name = ? AND disabled = 0", arguments: [name])
        else {
            throw StoreError(.notFound, "no active account named \(name)")
        }
        return id
    }

    static let readingSelect = """
        SELECT d.id, s.token, a1.name, a2.name, c.name, d.created_at, d.label_event_id
        FROM double_readings d
        JOIN samples s ON s.id = d.sample_id
        JOIN accounts a1 ON a1.id = d.reader1_id
        JOIN accounts a2 ON a2.id = d.reader2_id
        JOIN accounts c ON c.id = d.created_by
        """

    static func fetchReadings(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> [DoubleReading]
    {
        try Row.fetchAll(db, sql: readingSelect + " WHERE " + condition + " ORDER BY d.id", arguments: arguments).map {
            row in
            let id: Int64 = row[0]
            let reads = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.name, r.decision, r.comment, r.created_at FROM blind_reads r
                    JOIN accounts a ON a.id = r.reader_id WHERE r.reading_id = ? ORDER BY r.id
                    """, arguments: [id]
            ).map { r in
                BlindRead(
                    reader: r[0], decision: SampleLabel(rawValue: r[1]) ?? .unsure, comment: r[2],
                    createdAt: Timestamp.date(r[3]))
            }
            let adjudication = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.name, j.decision, j.comment, j.label_event_id, j.created_at FROM adjudications j
                    JOIN accounts a ON a.id = j.adjudicator_id WHERE j.reading_id = ?
                    """, arguments: [id]
            ).map { r in
                Adjudication(
                    adjudicator: r[0], decision: SampleLabel(rawValue: r[1]) ?? .unsure, comment: r[2],
                    labelEventID: r[3], createdAt: Timestamp.date(r[4]))
            }
            return DoubleReading(
                id: id, sampleToken: row[1], reader1: row[2], reader2: row[3], createdBy: row[4],
                createdAt: Timestamp.date(row[5]), reads: reads, labelEventID: row[6], adjudication: adjudication)
        }
    }

    /// One double reading, or nil.
    public func doubleReading(id: Int64) throws -> DoubleReading? {
        try storeGuarded("reading double reading \(id)") {
            try pool.read { db in try Self.fetchReadings(db, where: "d.id = ?", [id]).first }
        }
    }

    /// The double readings assigned to `reader` that they have not read yet.
    public func pendingReads(reader: String) throws -> [DoubleReading] {
        try storeGuarded("listing the reads of \(reader)") {
            try pool.read { db in
                try Self.fetchReadings(
                    db,
                    where: """
                        (a1.name = ? OR a2.name = ?) AND NOT EXISTS (SELECT 1 FROM blind_reads r
                            WHERE r.reading_id = d.id AND r.reader_id = (SELECT id FROM accounts WHERE name = ?))
                        """, [reader, reader, reader])
            }
        }
    }

    /// All double readings (of one sample when given), oldest first.
    public func doubleReadings(sample token: String? = nil) throws -> [DoubleReading] {
        try storeGuarded("listing double readings") {
            try pool.read { db in
                if let token { return try Self.fetchReadings(db, where: "s.token = ?", [token]) }
                return try Self.fetchReadings(db, where: "1", [])
            }
        }
    }

    /// Records `reader`'s blind call. When it is the second call and both agree, the agreed label
    /// is appended as a label event (source reviewer, author the second reader) and the reading is
    /// settled; when they disagree the reading waits for an adjudicator.
    /// - Throws: `.notFound` (no such reading, or `reader` is not one of its readers),
    ///   `.conflict` when the reader already read it.
    @discardableResult
    public func recordBlindRead(reading id: Int64, reader: String, decision: SampleLabel, comment: String?) throws
        -> DoubleReading
    {
        let comment = Validate.optional(comment)
        let now = self.now
        return try storeGuarded("recording a blind read") {
            try pool.write { db in
                guard let reading = try Self.fetchReadings(db, where: "d.id = ?", [id]).first,
                    reading.reader1 == reader || reading.reader2 == reader
                else {
                    throw StoreError(.notFound, "no double reading \(id) for \(reader)")
                }
                if reading.reads.contains(where: { $0.reader == reader }) {
                    throw StoreError(.conflict, "\(reader) has already read double reading \(id)")
                }
                let readerID = try Self.activeAccountID(db, reader)
                try db.execute(
                    sql: "INSERT INTO blind_reads(reading_id, reader_id, decision, comment, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, readerID, decision.rawValue, comment, now])
                if let first = reading.reads.first, first.decision == decision, reading.labelEventID == nil {
                    let sampleID = try Self.sampleID(db, token: reading.sampleToken)
                    let notes = [first.comment, comment].compactMap { $0 }.joined(separator: " / ")
                    let reason =
                        "double reading \(id): \(first.reader) and \(reader) agree"
                        + (notes.isEmpty ? "" : " (\(notes))")
                    let eventID = try self.insertLabelEvent(
                        db, sampleID: sampleID, label: decision, source: .reviewer, author: reader, reason: reason,
                        karyotype: nil, now: now)
                    try db.execute(
                        sql: "UPDATE double_readings SET label_event_id = ? WHERE id = ?", arguments: [eventID, id])
                }
                return try Self.fetchReadings(db, where: "d.id = ?", [id])[0]
            }
        }
    }

    /// Double readings whose readers disagreed and that no one has adjudicated yet.
    public func readingsNeedingAdjudication() throws -> [DoubleReading] {
        try doubleReadings().filter(\.needsAdjudication)
    }

    /// Settles a disagreement: the adjudicator's call becomes a label event (source reviewer,
    /// author the adjudicator). An adjudicator cannot be one of the two readers.
    @discardableResult
    public func adjudicate(reading id: Int64, adjudicator: String, decision: SampleLabel, comment: String?) throws
        -> LabelEvent
    {
        let comment = Validate.optional(comment)
        let now = self.now
        return try storeGuarded("adjudicating double reading \(id)") {
            try pool.write { db in
                guard let reading = try Self.fetchReadings(db, where: "d.id = ?", [id]).first else {
                    throw StoreError(.notFound, "no double reading \(id)")
                }
                guard reading.reader1 != adjudicator, reading.reader2 != adjudicator else {
                    throw StoreError(.invalidInput, "a reader cannot adjudicate their own double reading")
                }
                guard reading.needsAdjudication else {
                    throw StoreError(.conflict, "double reading \(id) does not need adjudication")
                }
                let adjudicatorID = try Self.activeAccountID(db, adjudicator)
                let sampleID = try Self.sampleID(db, token: reading.sampleToken)
                let calls = reading.reads.map { "\($0.reader): \($0.decision.rawValue)" }.joined(separator: ", ")
                let reason = "adjudication of double reading \(id) (\(calls))" + (comment.map { ": \($0)" } ?? "")
                let eventID = try self.insertLabelEvent(
                    db, sampleID: sampleID, label: decision, source: .reviewer, author: adjudicator, reason: reason,
                    karyotype: nil, now: now)
                try db.execute(
                    sql: """
                        INSERT INTO adjudications(reading_id, adjudicator_id, decision, comment, label_event_id, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [id, adjudicatorID, decision.rawValue, comment, eventID, now])
                try db.execute(sql: "UPDATE double_readings SET label_event_id = ? WHERE id = ?", arguments: [eventID, id])
                return LabelEvent(
                    id: eventID, sampleToken: reading.sampleToken, label: decision, source: .reviewer,
                    author: adjudicator, reason: reason, karyotype: nil, createdAt: Timestamp.date(now))
            }
        }
    }

    /// Every double reading with both calls in, readers ordered by name within a pair.
    public func completedReadPairs() throws -> [ReadPair] {
        try storeGuarded("listing read pairs") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT r1.reading_id, a1.name, r1.decision, a2.name, r2.decision
                        FROM blind_reads r1 JOIN blind_reads r2 ON r2.reading_id = r1.reading_id AND r2.id > r1.id
                        JOIN accounts a1 ON a1.id = r1.reader_id JOIN accounts a2 ON a2.id = r2.reader_id
                        ORDER BY r1.reading_id
                        """
                ).map { row in
                    var pair = ReadPair(
                        readingID: row[0], readerA: row[1], readerB: row[3],
                        decisionA: SampleLabel(rawValue: row[2]) ?? .unsure,
                        decisionB: SampleLabel(rawValue: row[4]) ?? .unsure)
                    if pair.readerB < pair.readerA {
                        swap(&pair.readerA, &pair.readerB)
                        swap(&pair.decisionA, &pair.decisionB)
                    }
                    return pair
                }
            }
        }
    }
}
