import Foundation
import GRDB
import KaryoCore

/// A validated, normalised `NewSample` with its blob hash.
struct PreparedSample: Sendable {
    var lab: String
    var patient: String?
    var caseID: String?
    var cell: String?
    var png: Data
    var hash: String
    var width: Int
    var height: Int
    var sourceFormat: String
    var sourceBitDepth: Int
    var sourceColorModel: String
    var kind: ImageKind
    var importBatch: Int64?
    var initialLabel: InitialLabel?
    var author: String
    var provenance: String
}

enum Validate {
    static func required(_ value: String, _ what: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw StoreError(.invalidInput, "\(what) must not be empty") }
        return trimmed
    }

    /// Trimmed; empty means absent.
    static func optional(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// Image bytes are opaque to the store (the import pipeline re-encodes them); only empty
    /// data is refused.
    static func imageBytes(_ data: Data) throws {
        guard !data.isEmpty else { throw StoreError(.invalidInput, "image bytes are empty") }
    }

    static func hash(_ hash: String) throws {
        guard Hashing.isSHA256Hex(hash) else {
            throw StoreError(.invalidInput, "\(hash.debugDescription) is not a lowercase hex SHA-256")
        }
    }

    static func json(_ text: String, _ what: String) throws {
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
            throw StoreError(.invalidInput, "\(what) must be valid JSON")
        }
    }
}

extension DatasetStore {
    // MARK: - Blobs

    /// Where the blob with this hash lives: `.karyo/blobs/ab/cdef…` (first two hex chars, rest).
    public func blobURL(_ hash: String) -> URL {
        let prefix = String(hash.prefix(2))
        let rest = String(hash.dropFirst(2))
        return blobsDirectory.appendingPathComponent(prefix, isDirectory: true).appendingPathComponent(rest)
    }

    /// Reads a blob and checks its bytes against its hash (`.corrupt` if they differ).
    public func readBlob(_ hash: String) throws -> Data {
        try Validate.hash(hash)
        let url = blobURL(hash)
        guard FileIO.fileSize(url) != nil else { throw StoreError(.notFound, "blob \(hash) is missing") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw StoreError(.io, "cannot read blob \(hash): \(error.localizedDescription)")
        }
        guard Hashing.sha256Hex(data) == hash else {
            throw StoreError(.corrupt, "blob \(hash) has changed on disk (its bytes no longer match its hash)")
        }
        return data
    }

    /// Writes a blob atomically unless a file of the right size is already there. Returns the
    /// directory to fsync (nil when nothing was written). Blob files are read-only (0444).
    func storeBlob(_ data: Data, hash: String, durable: Bool) throws -> URL? {
        let url = blobURL(hash)
        if FileIO.fileSize(url) == data.count { return nil }
        let dir = url.deletingLastPathComponent()
        if try FileIO.makeDirectory(dir), durable {
            try FileIO.fsyncDirectory(blobsDirectory)
        }
        try FileIO.writeAtomically(data, to: url, tmpDir: tmpDirectory, mode: 0o444, durable: durable)
        return dir
    }

    // MARK: - Import

    /// Imports one image in one transaction (the blob is written, durably, first). Identical image
    /// bytes already in the store give `.duplicate`.
    public func addSample(_ sample: NewSample) throws -> AddSampleResult {
        try addSamples([sample], durableBlobs: true)[0]
    }

    /// Imports many images in ONE transaction; `durableBlobs: false` skips the fsyncs of blob
    /// files (for benchmarks and tests: a power loss could then lose blobs the rows refer to).
    public func addSamples(_ samples: [NewSample], durableBlobs: Bool = true) throws -> [AddSampleResult] {
        let prepared = try samples.map(prepare)
        if prepared.isEmpty { return [] }
        var dirsToSync = Set<URL>()
        for sample in prepared {
            if let dir = try storeBlob(sample.png, hash: sample.hash, durable: durableBlobs) {
                dirsToSync.insert(dir)
            }
        }
        if durableBlobs {
            for dir in dirsToSync { try FileIO.fsyncDirectory(dir) }
        }
        let now = self.now
        return try storeGuarded("importing samples") {
            try pool.write { db in
                try prepared.map { try self.insertSample($0, db: db, now: now) }
            }
        }
    }

    func prepare(_ sample: NewSample) throws -> PreparedSample {
        let lab = try Validate.required(sample.lab, "the lab name")
        try Validate.imageBytes(sample.png)
        guard sample.width > 0, sample.height > 0 else {
            throw StoreError(.invalidInput, "image size must be positive (got \(sample.width)x\(sample.height))")
        }
        guard sample.sourceBitDepth > 0 else {
            throw StoreError(.invalidInput, "source bit depth must be positive (got \(sample.sourceBitDepth))")
        }
        guard NewSample.kinds.contains(sample.kind) else {
            throw StoreError(
                .invalidInput,
                "sample kind must be one of \(NewSample.kinds.map(\.rawValue).joined(separator: ", ")) (got \(sample.kind.rawValue))")
        }
        var initial = sample.initialLabel
        if var label = initial {
            label.karyotype = Validate.optional(label.karyotype)
            label.reason = Validate.optional(label.reason)
            initial = label
        }
        return PreparedSample(
            lab: lab,
            patient: Validate.optional(sample.patientIdentifier),
            caseID: Validate.optional(sample.caseIdentifier),
            cell: Validate.optional(sample.cellIdentifier),
            png: sample.png,
            hash: Hashing.sha256Hex(sample.png),
            width: sample.width,
            height: sample.height,
            sourceFormat: try Validate.required(sample.sourceFormat, "the source format"),
            sourceBitDepth: sample.sourceBitDepth,
            sourceColorModel: try Validate.required(sample.sourceColorModel, "the source colour model"),
            kind: sample.kind,
            importBatch: sample.importBatch,
            initialLabel: initial,
            author: try Validate.required(sample.author, "the author"),
            provenance: sample.provenance)
    }

    func insertSample(_ sample: PreparedSample, db: Database, now: String) throws -> AddSampleResult {
        if let existing = try String.fetchOne(
            db.cachedStatement(sql: "SELECT token FROM samples WHERE blob_hash = ?"), arguments: [sample.hash])
        {
            return .duplicate(existingToken: existing)
        }
        try db.cachedStatement(
            sql: "INSERT INTO blobs(hash, byte_size, created_at) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING"
        ).execute(arguments: [sample.hash, sample.png.count, now])
        let labID = try labID(db, name: sample.lab, now: now)
        if let batch = sample.importBatch {
            guard let batchLab = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT lab_id FROM import_batches WHERE id = ?"), arguments: [batch])
            else {
                throw StoreError(.notFound, "no import batch \(batch)")
            }
            guard batchLab == labID else {
                throw StoreError(.invalidInput, "import batch \(batch) belongs to another lab")
            }
        }
        let cellID = try cellID(db, sample: sample, labID: labID, now: now)
        let token = try uniqueToken(db, prefix: "s-", table: "samples")
        try db.cachedStatement(
            sql: """
                INSERT INTO samples(token, cell_id, blob_hash, width, height, source_format, source_bit_depth,
                    source_color_model, kind, imported_at, import_batch_id, provenance)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            token, cellID, sample.hash, sample.width, sample.height, sample.sourceFormat, sample.sourceBitDepth,
            sample.sourceColorModel, sample.kind.rawValue, now, sample.importBatch, sample.provenance,
        ])
        let sampleID = db.lastInsertedRowID
        if let initial = sample.initialLabel {
            _ = try insertLabelEvent(
                db, sampleID: sampleID, label: initial.label, source: initial.source, author: sample.author,
                reason: initial.reason, karyotype: initial.karyotype, now: now)
        }
        guard let info = try Self.fetchSample(db, where: "s.id = ?", [sampleID]) else {
            throw StoreError(.corrupt, "the new sample \(token) cannot be read back")
        }
        return .added(info)
    }

    func labID(_ db: Database, name: String, now: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM labs WHERE name = ?"), arguments: [name]) {
            return id
        }
        try db.cachedStatement(sql: "INSERT INTO labs(name, created_at) VALUES (?, ?)").execute(arguments: [name, now])
        return db.lastInsertedRowID
    }

    /// Finds or creates the cell (and its case and patient) of a sample through the keyed
    /// identity lookups. See `NewSample` for what absent identifiers mean.
    func cellID(_ db: Database, sample: PreparedSample, labID: Int64, now: String) throws -> Int64 {
        guard let patient = sample.patient else {
            let patientID = try insertEntity(db, table: "patients", prefix: "p-", parentColumn: "lab_id", parent: labID, now: now)
            let caseID = try insertEntity(db, table: "cases", prefix: "c-", parentColumn: "patient_id", parent: patientID, now: now)
            return try insertEntity(db, table: "cells", prefix: "m-", parentColumn: "case_id", parent: caseID, now: now)
        }
        let lab = sample.lab
        let patientID = try findOrCreate(
            db, kind: "patient", key: identity.lookupKey(kind: "patient", lab: lab, parts: [patient]),
            table: "patients", prefix: "p-", parentColumn: "lab_id", parent: labID, now: now)
        let caseID = try findOrCreate(
            db, kind: "case", key: identity.lookupKey(kind: "case", lab: lab, parts: [patient, sample.caseID]),
            table: "cases", prefix: "c-", parentColumn: "patient_id", parent: patientID, now: now)
        guard let cell = sample.cell else {
            return try insertEntity(db, table: "cells", prefix: "m-", parentColumn: "case_id", parent: caseID, now: now)
        }
        return try findOrCreate(
            db, kind: "cell", key: identity.lookupKey(kind: "cell", lab: lab, parts: [patient, sample.caseID, cell]),
            table: "cells", prefix: "m-", parentColumn: "case_id", parent: caseID, now: now)
    }

    private func findOrCreate(
        _ db: Database, kind: String, key: String, table: String, prefix: String, parentColumn: String, parent: Int64,
        now: String
    ) throws -> Int64 {
        if let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT kind, target_id FROM identity_keys WHERE lookup_key = ?"), arguments: [key])
        {
            guard row[0] as String == kind else { throw StoreError(.corrupt, "identity key of the wrong kind") }
            return row[1]
        }
        let id = try insertEntity(db, table: table, prefix: prefix, parentColumn: parentColumn, parent: parent, now: now)
        try db.cachedStatement(sql: "INSERT INTO identity_keys(lookup_key, kind, target_id) VALUES (?, ?, ?)")
            .execute(arguments: [key, kind, id])
        return id
    }

    /// `table`, `prefix` and `parentColumn` are fixed strings from this file, never user input.
    private func insertEntity(
        _ db: Database, table: String, prefix: String, parentColumn: String, parent: Int64, now: String
    ) throws -> Int64 {
        let token = try uniqueToken(db, prefix: prefix, table: table)
        try db.cachedStatement(sql: "INSERT INTO \(table)(token, \(parentColumn), created_at) VALUES (?, ?, ?)")
            .execute(arguments: [token, parent, now])
        return db.lastInsertedRowID
    }

    /// A random token not yet used in `table` (60 random bits; a clash just draws again).
    func uniqueToken(_ db: Database, prefix: String, table: String) throws -> String {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM \(table) WHERE token = ?")
        while true {
            let token = Tokens.random(prefix: prefix)
            if try Int.fetchOne(statement, arguments: [token]) == nil { return token }
        }
    }

    // MARK: - Import batches

    /// Starts an import batch (the lab is created if new); returns its id.
    public func beginImportBatch(lab: String) throws -> Int64 {
        let lab = try Validate.required(lab, "the lab name")
        let now = self.now
        return try storeGuarded("starting an import batch") {
            try pool.write { db in
                let labID = try self.labID(db, name: lab, now: now)
                try db.execute(
                    sql: "INSERT INTO import_batches(lab_id, started_at) VALUES (?, ?)", arguments: [labID, now])
                return db.lastInsertedRowID
            }
        }
    }

    public func finishImportBatch(_ id: Int64, imported: Int, duplicates: Int, failed: Int) throws {
        guard imported >= 0, duplicates >= 0, failed >= 0 else {
            throw StoreError(.invalidInput, "import batch counts must not be negative")
        }
        let now = self.now
        try storeGuarded("finishing import batch \(id)") {
            try pool.write { db in
                guard let finished = try Row.fetchOne(db, sql: "SELECT finished_at FROM import_batches WHERE id = ?", arguments: [id])
                else {
                    throw StoreError(.notFound, "no import batch \(id)")
                }
                guard (finished[0] as String?) == nil else {
                    throw StoreError(.conflict, "import batch \(id) is already finished")
                }
                try db.execute(
                    sql: "UPDATE import_batches SET finished_at = ?, imported = ?, duplicates = ?, failed = ? WHERE id = ?",
                    arguments: [now, imported, duplicates, failed, id])
            }
        }
    }

    public func importBatches() throws -> [ImportBatchInfo] {
        try storeGuarded("listing import batches") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT b.id, l.name, b.started_at, b.finished_at, b.imported, b.duplicates, b.failed
                        FROM import_batches b JOIN labs l ON l.id = b.lab_id ORDER BY b.id
                        """
                ).map { row in
                    ImportBatchInfo(
                        id: row[0], lab: row[1], startedAt: Timestamp.date(row[2]),
                        finishedAt: (row[3] as String?).map(Timestamp.date), imported: row[4], duplicates: row[5],
                        failed: row[6])
                }
            }
        }
    }

    // MARK: - Labels

    /// Appends a label event; the sample's current label becomes `label`.
    @discardableResult
    public func addLabel(
        sample token: String, label: SampleLabel, source: LabelSource, author: String, reason: String?,
        karyotype: String?
    ) throws -> LabelEvent {
        try appendLabelEvent(
            sample: token, label: label, source: source, author: author, reason: reason, karyotype: karyotype)
    }

    /// Appends an event that withdraws the sample's label: it is unlabelled again and leaves the
    /// dataset at the next commit (recorded as a `remove`). A reason is required.
    @discardableResult
    public func withdrawLabel(sample token: String, source: LabelSource = .reviewer, author: String, reason: String)
        throws -> LabelEvent
    {
        guard Validate.optional(reason) != nil else {
            throw StoreError(.invalidInput, "withdrawing a label needs a reason")
        }
        return try appendLabelEvent(sample: token, label: nil, source: source, author: author, reason: reason, karyotype: nil)
    }

    private func appendLabelEvent(
        sample token: String, label: SampleLabel?, source: LabelSource, author: String, reason: String?,
        karyotype: String?
    ) throws -> LabelEvent {
        let author = try Validate.required(author, "the author")
        let reason = Validate.optional(reason)
        let karyotype = Validate.optional(karyotype)
        let now = self.now
        return try storeGuarded("labelling sample \(token)") {
            try pool.write { db in
                let sampleID = try Self.sampleID(db, token: token)
                let id = try self.insertLabelEvent(
                    db, sampleID: sampleID, label: label, source: source, author: author, reason: reason,
                    karyotype: karyotype, now: now)
                return LabelEvent(
                    id: id, sampleToken: token, label: label, source: source, author: author, reason: reason,
                    karyotype: karyotype, createdAt: Timestamp.date(now))
            }
        }
    }

    func insertLabelEvent(
        _ db: Database, sampleID: Int64, label: SampleLabel?, source: LabelSource, author: String, reason: String?,
        karyotype: String?, now: String
    ) throws -> Int64 {
        try db.cachedStatement(
            sql: """
                INSERT INTO label_events(sample_id, label, source, author, reason, karyotype, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [sampleID, label?.rawValue, source.rawValue, author, reason, karyotype, now])
        return db.lastInsertedRowID
    }

    /// The sample's label events, oldest first.
    public func labelHistory(sample token: String) throws -> [LabelEvent] {
        try storeGuarded("reading the label history of \(token)") {
            try pool.read { db in
                let sampleID = try Self.sampleID(db, token: token)
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, label, source, author, reason, karyotype, created_at
                        FROM label_events WHERE sample_id = ? ORDER BY id
                        """,
                    arguments: [sampleID]
                ).map { row in
                    LabelEvent(
                        id: row[0], sampleToken: token, label: (row[1] as String?).flatMap(SampleLabel.init(rawValue:)),
                        source: LabelSource(rawValue: row[2]) ?? .reviewer, author: row[3], reason: row[4],
                        karyotype: row[5], createdAt: Timestamp.date(row[6]))
                }
            }
        }
    }

    // MARK: - Samples

    static let sampleSelect = """
        SELECT s.id, s.token, l.name, p.token, k.token, c.token, s.blob_hash, b.byte_size, s.width, s.height,
            s.source_format, s.source_bit_depth, s.source_color_model, s.kind, s.imported_at, s.import_batch_id,
            s.current_label, e.source, s.current_label_event_id, s.provenance
        FROM samples s
        JOIN cells c ON c.id = s.cell_id
        JOIN cases k ON k.id = c.case_id
        JOIN patients p ON p.id = k.patient_id
        JOIN labs l ON l.id = p.lab_id
        JOIN blobs b ON b.hash = s.blob_hash
        LEFT JOIN label_events e ON e.id = s.current_label_event_id
        """

    static func decodeSample(_ row: Row) -> SampleInfo {
        let label = (row[16] as String?).flatMap(SampleLabel.init(rawValue:))
        return SampleInfo(
            token: row[1], lab: row[2], patientToken: row[3], caseToken: row[4], cellToken: row[5], blobHash: row[6],
            byteSize: row[7], width: row[8], height: row[9], sourceFormat: row[10], sourceBitDepth: row[11],
            sourceColorModel: row[12], kind: ImageKind(rawValue: row[13]) ?? .unknown, importedAt: Timestamp.date(row[14]), importBatch: row[15],
            label: label, labelSource: label == nil ? nil : (row[17] as String?).flatMap(LabelSource.init(rawValue:)),
            labelEventID: row[18], provenance: row[19])
    }

    static func fetchSample(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> SampleInfo? {
        try Row.fetchOne(db.cachedStatement(sql: sampleSelect + " WHERE " + condition), arguments: arguments)
            .map(decodeSample)
    }

    public func sample(token: String) throws -> SampleInfo {
        try storeGuarded("reading sample \(token)") {
            try pool.read { db in
                guard let info = try Self.fetchSample(db, where: "s.token = ?", [token]) else {
                    throw StoreError(.notFound, "no sample \(token)")
                }
                return info
            }
        }
    }

    /// Samples in import order.
    public func samples(limit: Int? = nil, offset: Int = 0) throws -> [SampleInfo] {
        try storeGuarded("listing samples") {
            try pool.read { db in
                try Row.fetchAll(
                    db, sql: Self.sampleSelect + " ORDER BY s.id LIMIT ? OFFSET ?",
                    arguments: [limit ?? -1, max(0, offset)]
                ).map(Self.decodeSample)
            }
        }
    }

    // MARK: - Derived images

    /// Stores a derived image (crop, normalisation...) of a sample; returns its blob hash.
    /// Recording the same derivation twice is a no-op.
    @discardableResult
    public func addDerivedImage(
        sample token: String, png: Data, step: DerivedStep, parameters: String, inputHash: String, codeVersion: String
    ) throws -> String {
        try Validate.imageBytes(png)
        try Validate.json(parameters, "derivation parameters")
        let inputHash = try Validate.required(inputHash, "the input hash")
        let codeVersion = try Validate.required(codeVersion, "the code version")
        let exists = try storeGuarded("reading sample \(token)") {
            try pool.read { db in try Int.fetchOne(db, sql: "SELECT 1 FROM samples WHERE token = ?", arguments: [token]) }
        }
        guard exists != nil else { throw StoreError(.notFound, "no sample \(token)") }
        let hash = Hashing.sha256Hex(png)
        if let dir = try storeBlob(png, hash: hash, durable: true) {
            try FileIO.fsyncDirectory(dir)
        }
        let now = self.now
        try storeGuarded("recording a derived image of \(token)") {
            try pool.write { db in
                let sampleID = try Self.sampleID(db, token: token)
                try db.execute(
                    sql: "INSERT INTO blobs(hash, byte_size, created_at) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING",
                    arguments: [hash, png.count, now])
                try db.execute(
                    sql: """
                        INSERT INTO derived_images(sample_id, blob_hash, step, parameters, input_hash, code_version, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [sampleID, hash, step.rawValue, parameters, inputHash, codeVersion, now])
            }
        }
        return hash
    }

    /// The derived images of a sample, oldest first.
    public func derivedImages(sample token: String) throws -> [DerivedImageInfo] {
        try storeGuarded("listing derived images of \(token)") {
            try pool.read { db in
                let sampleID = try Self.sampleID(db, token: token)
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, blob_hash, step, parameters, input_hash, code_version, created_at
                        FROM derived_images WHERE sample_id = ? ORDER BY id
                        """,
                    arguments: [sampleID]
                ).map { row in
                    let stepName: String = row[2]
                    guard let step = DerivedStep(rawValue: stepName) else {
                        throw StoreError(.corrupt, "a derived image of \(token) has an unknown step")
                    }
                    return DerivedImageInfo(
                        id: row[0], sampleToken: token, blobHash: row[1], step: step, parameters: row[3],
                        inputHash: row[4], codeVersion: row[5], createdAt: Timestamp.date(row[6]))
                }
            }
        }
    }
}

extension DatasetStore {
    /// The row id of the sample with this token; `.notFound` when there is none.
    static func sampleID(_ db: Database, token: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM samples WHERE token = ?", arguments: [token]) else {
            throw StoreError(.notFound, "no sample \(token)")
        }
        return id
    }
}
