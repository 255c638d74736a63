import Foundation
import GRDB
import KaryoCore

/// A member's state in a version.
struct MemberState: Equatable, Sendable {
    var label: SampleLabel
    var split: Split
}

/// A sample whose membership differs between HEAD and the working state.
struct WorkingChange: Sendable {
    var sampleID: Int64
    var token: String
    var old: MemberState?
    var new: MemberState?
}

/// A patient who joins the dataset with the next commit, and the split chosen for it.
struct NewPatientSplit: Sendable {
    var patientID: Int64
    var split: Split
    var stratum: String
}

/// What the next commit would record.
struct WorkingState: Sendable {
    var changes: [WorkingChange]
    var newPatients: [NewPatientSplit]
}

/// A row of `versions`.
struct VersionRow: Sendable {
    var seq: Int64
    var id: String
    var parentID: String?
    var message: String
    var author: String
    var createdAt: String
    var counts: CountMatrix
    var added: Int
    var removed: Int
    var updated: Int
    var contentSum: UInt256
    var maxLabelEventID: Int64
    var maxSampleID: Int64

    static let columns = """
        seq, id, parent_id, message, author, created_at,
        train_positive, train_negative, train_unsure,
        validation_positive, validation_negative, validation_unsure,
        test_positive, test_negative, test_unsure,
        added_count, removed_count, updated_count, content_sum, max_label_event_id, max_sample_id
        """

    init(row: Row) throws {
        seq = row[0]
        id = row[1]
        parentID = row[2]
        message = row[3]
        author = row[4]
        createdAt = row[5]
        counts = CountMatrix(
            train: LabelCounts(positive: row[6], negative: row[7], unsure: row[8]),
            validation: LabelCounts(positive: row[9], negative: row[10], unsure: row[11]),
            test: LabelCounts(positive: row[12], negative: row[13], unsure: row[14]))
        added = row[15]
        removed = row[16]
        updated = row[17]
        let sumBytes: Data = row[18]
        guard let sum = UInt256(littleEndianBytes: sumBytes) else {
            throw StoreError(.corrupt, "version \(id) has a malformed content sum")
        }
        contentSum = sum
        maxLabelEventID = row[19]
        maxSampleID = row[20]
    }

    static func fetch(_ db: Database, id: String) throws -> VersionRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM versions WHERE id = ?"), arguments: [id])
            .map(VersionRow.init(row:))
    }

    static func all(_ db: Database) throws -> [VersionRow] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM versions ORDER BY seq").map(VersionRow.init(row:))
    }

    /// HEAD: the version named by config `head`, nil before the first commit.
    static func head(_ db: Database) throws -> VersionRow? {
        guard let id = try String.fetchOne(db, sql: "SELECT value FROM config WHERE key = 'head'") else { return nil }
        guard let row = try fetch(db, id: id) else {
            throw StoreError(.corrupt, "HEAD names version \(id), which does not exist")
        }
        return row
    }

    func info(tags: [String]) -> VersionInfo {
        VersionInfo(
            id: id, parent: parentID, message: message, author: author, createdAt: Timestamp.date(createdAt),
            memberCount: counts.total, labelCounts: counts.labelCounts, splitCounts: counts.splitCounts,
            counts: counts, added: added, removed: removed, updated: updated, tags: tags)
    }
}

extension DatasetStore {
    // MARK: - Working state

    /// The samples whose membership differs between `head` and the working state, found from the
    /// watermarks: samples added since (id > max_sample_id) and samples with label events since
    /// (id > max_label_event_id). Both are primary-key range scans, so the cost is O(changes).
    func workingChanges(_ db: Database, head: VersionRow?) throws -> [WorkingChange] {
        try workingState(db, head: head).changes
    }

    /// The working changes and the splits chosen for patients who join the dataset for the first time.
    ///
    /// A member's split is its patient's: recorded in `patient_splits` when the patient's first
    /// sample joined a committed version, and never changed. Patients joining now are assigned by a
    /// ``StratifiedAssigner`` in keyed-hash order against the tallies of earlier patients, so each
    /// class is split in the policy's proportions while no earlier patient moves.
    func workingState(_ db: Database, head: VersionRow?) throws -> WorkingState {
        let maxSample = head?.maxSampleID ?? 0
        let maxEvent = head?.maxLabelEventID ?? 0
        let candidates = try Row.fetchAll(
            db,
            sql: """
                SELECT s.id, s.token, s.current_label, p.token, p.id, ps.split
                FROM samples s
                JOIN cells c ON c.id = s.cell_id
                JOIN cases k ON k.id = c.case_id
                JOIN patients p ON p.id = k.patient_id
                LEFT JOIN patient_splits ps ON ps.patient_id = p.id
                WHERE s.id IN (SELECT id FROM samples WHERE id > ? UNION SELECT sample_id FROM label_events WHERE id > ?)
                ORDER BY s.id
                """,
            arguments: [maxSample, maxEvent])

        // Patients without a recorded split who gain a member now, with the class they count in.
        var unassigned: [Int64: (token: String, stratum: String)] = [:]
        for row in candidates {
            guard (row[5] as String?) == nil, let raw: String = row[2] else { continue }
            let patientID: Int64 = row[4]
            let positive = raw == SampleLabel.positive.rawValue || unassigned[patientID]?.stratum == "positive"
            unassigned[patientID] = (row[3], positive ? "positive" : "negative")
        }
        var assigned: [Int64: Split] = [:]
        var newPatients: [NewPatientSplit] = []
        if !unassigned.isEmpty {
            var assigner = StratifiedAssigner(policy: try Self.readPolicy(db), tallies: try Self.splitTallies(db))
            let byToken = assigner.assignAll(unassigned.values.map { ($0.token, $0.stratum) })
            for (patientID, patient) in unassigned.sorted(by: { $0.key < $1.key }) {
                let split = byToken[patient.token]!
                assigned[patientID] = split
                newPatients.append(NewPatientSplit(patientID: patientID, split: split, stratum: patient.stratum))
            }
        }

        var changes: [WorkingChange] = []
        for row in candidates {
            let sampleID: Int64 = row[0]
            let token: String = row[1]
            let old: MemberState? =
                if let head, sampleID <= head.maxSampleID {
                    try Self.memberState(db, sampleID: sampleID, atSeq: head.seq)
                } else {
                    nil
                }
            var new: MemberState?
            if let raw: String = row[2] {
                guard let label = SampleLabel(rawValue: raw) else {
                    throw StoreError(.corrupt, "sample \(token) has an unknown label \(raw)")
                }
                let recorded = (row[5] as String?).flatMap(Split.init(rawValue:))
                guard let split = recorded ?? assigned[row[4]] else {
                    throw StoreError(.corrupt, "patient \(row[3] as String) of sample \(token) has an unknown split")
                }
                new = MemberState(label: label, split: split)
            }
            if old != new {
                changes.append(WorkingChange(sampleID: sampleID, token: token, old: old, new: new))
            }
        }
        return WorkingState(changes: changes, newPatients: newPatients)
    }

    /// Patients per stratum and split so far (six rows at most).
    static func splitTallies(_ db: Database) throws -> [String: [Split: Int]] {
        var tallies: [String: [Split: Int]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT stratum, split, patients FROM split_tallies") {
            guard let split = Split(rawValue: row[1]) else { throw StoreError(.corrupt, "split_tallies has an unknown split") }
            tallies[row[0], default: [:]][split] = row[2]
        }
        return tallies
    }

    /// The state of one sample in the version with sequence number `seq` (history is linear, so
    /// the latest change at or before `seq` decides). Uses the (sample_id, version_seq) index.
    static func memberState(_ db: Database, sampleID: Int64, atSeq seq: Int64) throws -> MemberState? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT op, label, split FROM version_changes
                WHERE sample_id = ? AND version_seq <= ? ORDER BY version_seq DESC LIMIT 1
                """)
        guard let row = try Row.fetchOne(statement, arguments: [sampleID, seq]) else { return nil }
        return try decodeChange(op: row[0], label: row[1], split: row[2])
    }

    /// The state a change row leaves: nil for `remove`.
    static func decodeChange(op: String, label: String, split: String) throws -> MemberState? {
        if op == "remove" { return nil }
        guard let label = SampleLabel(rawValue: label), let split = Split(rawValue: split) else {
            throw StoreError(.corrupt, "a version change has an unknown label or split (\(label), \(split))")
        }
        return MemberState(label: label, split: split)
    }

    /// The changes HEAD → working state, as a diff (to = "WORKING").
    public func uncommittedChanges() throws -> VersionDiff {
        try storeGuarded("computing uncommitted changes") {
            try pool.read { db in
                let head = try VersionRow.head(db)
                let changes = try self.workingChanges(db, head: head)
                return Self.makeDiff(
                    from: head?.id, to: "WORKING", changes.map { ($0.token, $0.old, $0.new) })
            }
        }
    }

    // MARK: - Commit

    /// Records the working state as a new version (its parent is HEAD) and moves HEAD to it, in one
    /// transaction. Writes one `version_changes` row per changed member, nothing else per member.
    public func commit(message: String, author: String) throws -> VersionInfo {
        let message = try Validate.required(message, "the commit message")
        let author = try Validate.required(author, "the author")
        let now = self.now
        return try storeGuarded("committing") {
            try pool.write { db in
                let head = try VersionRow.head(db)
                let working = try self.workingState(db, head: head)
                let changes = working.changes
                guard !changes.isEmpty else {
                    if let head {
                        throw StoreError(
                            .nothingToCommit, "the working state is identical to version \(head.id) (HEAD); nothing to commit")
                    }
                    throw StoreError(.nothingToCommit, "nothing to commit: no sample has a label yet")
                }
                var sum = head?.contentSum ?? .zero
                var counts = head?.counts ?? CountMatrix()
                var added = 0
                var removed = 0
                var updated = 0
                for change in changes {
                    if let old = change.old {
                        sum = sum &- VersionDigest.memberDigest(sampleToken: change.token, label: old.label, split: old.split)
                        counts[old.split, old.label] -= 1
                    }
                    if let new = change.new {
                        sum = sum &+ VersionDigest.memberDigest(sampleToken: change.token, label: new.label, split: new.split)
                        counts[new.split, new.label] += 1
                    }
                    switch (change.old, change.new) {
                    case (nil, .some): added += 1
                    case (.some, nil): removed += 1
                    default: updated += 1
                    }
                }
                let id = VersionDigest.versionID(contentSum: sum)
                if try VersionRow.fetch(db, id: id) != nil {
                    if id == head?.id {
                        throw StoreError(.nothingToCommit, "the working state is identical to version \(id) (HEAD); nothing to commit")
                    }
                    throw StoreError(.nothingToCommit, "the working state is identical to earlier version \(id); tag it instead")
                }
                let maxSample = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM samples") ?? 0
                let maxEvent = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM label_events") ?? 0
                var arguments: StatementArguments = [id, head?.id, message, author, now]
                for split in Split.allCases {
                    for label in [SampleLabel.positive, .negative, .unsure] {
                        arguments += [counts[split, label]]
                    }
                }
                arguments += [added, removed, updated, Data(sum.littleEndianBytes), maxEvent, maxSample]
                try db.execute(
                    sql: """
                        INSERT INTO versions(id, parent_id, message, author, created_at,
                            train_positive, train_negative, train_unsure,
                            validation_positive, validation_negative, validation_unsure,
                            test_positive, test_negative, test_unsure,
                            added_count, removed_count, updated_count, member_count,
                            content_sum, max_label_event_id, max_sample_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(counts.total), ?, ?, ?)
                        """,
                    arguments: arguments)
                let seq = db.lastInsertedRowID
                let insert = try db.makeStatement(
                    sql: """
                        INSERT INTO version_changes(version_seq, sample_id, op, label, split, old_label)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """)
                for change in changes {
                    switch (change.old, change.new) {
                    case (nil, .some(let new)):
                        try insert.execute(arguments: [seq, change.sampleID, "add", new.label.rawValue, new.split.rawValue, nil])
                    case (.some(let old), nil):
                        try insert.execute(arguments: [seq, change.sampleID, "remove", old.label.rawValue, old.split.rawValue, nil])
                    case (.some(let old), .some(let new)):
                        try insert.execute(arguments: [
                            seq, change.sampleID, "update", new.label.rawValue, new.split.rawValue, old.label.rawValue,
                        ])
                    case (nil, nil):
                        break
                    }
                }
                let recordSplit = try db.makeStatement(
                    sql: "INSERT INTO patient_splits(patient_id, split, stratum, version_seq) VALUES (?, ?, ?, ?)")
                for patient in working.newPatients {
                    try recordSplit.execute(arguments: [patient.patientID, patient.split.rawValue, patient.stratum, seq])
                }
                try db.execute(
                    sql: "INSERT INTO config(key, value) VALUES ('head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [id])
                guard let row = try VersionRow.fetch(db, id: id) else {
                    throw StoreError(.corrupt, "the new version \(id) cannot be read back")
                }
                return row.info(tags: [])
            }
        }
    }

    // MARK: - Log, resolve

    /// All versions, newest first.
    public func log() throws -> [VersionInfo] {
        try storeGuarded("reading the version log") {
            try pool.read { db in
                var tags: [String: [String]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, version_id FROM tags ORDER BY name") {
                    tags[row[1], default: []].append(row[0])
                }
                return try VersionRow.all(db).reversed().map { $0.info(tags: tags[$0.id] ?? []) }
            }
        }
    }

    /// Resolves a full id, a unique id prefix (at least 4 hex chars, with or without "v-"), a tag,
    /// or "HEAD", each optionally followed by "~N" (N parents back) or "^" (one back).
    public func resolveVersion(_ ref: String) throws -> VersionInfo {
        try storeGuarded("resolving \(ref)") {
            try pool.read { db in
                let row = try Self.resolveRow(db, ref)
                return row.info(tags: try Self.tagNames(db, version: row.id))
            }
        }
    }

    static func tagNames(_ db: Database, version: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM tags WHERE version_id = ? ORDER BY name", arguments: [version])
    }

    static func resolveRow(_ db: Database, _ ref: String) throws -> VersionRow {
        var base = ref.trimmingCharacters(in: .whitespaces)
        var steps = 0
        while base.hasSuffix("^") {
            steps += 1
            base.removeLast()
        }
        if let tilde = base.lastIndex(of: "~") {
            let number = base[base.index(after: tilde)...]
            guard let n = number.isEmpty ? 1 : Int(number), n >= 0 else {
                throw StoreError(.invalidInput, "bad version reference \(ref.debugDescription)")
            }
            steps += n
            base = String(base[..<tilde])
        }
        guard !base.isEmpty else { throw StoreError(.invalidInput, "empty version reference") }

        var row: VersionRow
        if base == "HEAD" {
            guard let head = try VersionRow.head(db) else {
                throw StoreError(.notFound, "there are no versions yet (nothing was committed)")
            }
            row = head
        } else if let exact = try VersionRow.fetch(db, id: base) {
            row = exact
        } else if let tagged = try String.fetchOne(db, sql: "SELECT version_id FROM tags WHERE name = ?", arguments: [base]) {
            guard let found = try VersionRow.fetch(db, id: tagged) else {
                throw StoreError(.corrupt, "tag \(base) names a missing version \(tagged)")
            }
            row = found
        } else {
            let hex = (base.hasPrefix("v-") ? String(base.dropFirst(2)) : base).lowercased()
            guard hex.count >= 4, hex.count <= VersionDigest.idHexLength,
                hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
            else {
                throw StoreError(.notFound, "no version or tag \(base.debugDescription) (id prefixes need at least 4 hex characters)")
            }
            let matches = try String.fetchAll(
                db, sql: "SELECT id FROM versions WHERE id GLOB ? ORDER BY seq LIMIT 6", arguments: ["v-\(hex)*"])
            guard let first = matches.first else {
                throw StoreError(.notFound, "no version or tag \(base.debugDescription)")
            }
            guard matches.count == 1 else {
                throw StoreError(
                    .ambiguous,
                    "\(base.debugDescription) matches several versions (\(matches.prefix(5).joined(separator: ", "))\(matches.count > 5 ? ", ..." : "")); use more characters")
            }
            row = try VersionRow.fetch(db, id: first)!
        }
        for step in 0..<steps {
            guard let parent = row.parentID, let parentRow = try VersionRow.fetch(db, id: parent) else {
                throw StoreError(.notFound, "\(ref) goes back \(steps) versions, but there are only \(step) before \(base)")
            }
            row = parentRow
        }
        return row
    }

    // MARK: - Members, diff

    /// The members of a version, sorted by sample token.
    public func members(of version: String) throws -> [VersionMember] {
        try storeGuarded("listing the members of \(version)") {
            try pool.read { db in
                let row = try Self.resolveRow(db, version)
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT x.op, x.label, x.split, s.token, p.token, k.token, c.token, l.name,
                            s.blob_hash, s.width, s.height, s.kind
                        FROM (SELECT sample_id, op, label, split, MAX(version_seq) AS seq
                              FROM version_changes WHERE version_seq <= ? GROUP BY sample_id) x
                        JOIN samples s ON s.id = x.sample_id
                        JOIN cells c ON c.id = s.cell_id
                        JOIN cases k ON k.id = c.case_id
                        JOIN patients p ON p.id = k.patient_id
                        JOIN labs l ON l.id = p.lab_id
                        ORDER BY s.token
                        """,
                    arguments: [row.seq])
                var members: [VersionMember] = []
                members.reserveCapacity(row.counts.total)
                while let r = try rows.next() {
                    guard let state = try Self.decodeChange(op: r[0], label: r[1], split: r[2]) else { continue }
                    members.append(
                        VersionMember(
                            sampleToken: r[3], patientToken: r[4], caseToken: r[5], cellToken: r[6], lab: r[7],
                            label: state.label, split: state.split, blobHash: r[8], width: r[9], height: r[10],
                            kind: ImageKind(rawValue: r[11]) ?? .unknown))
                }
                return members
            }
        }
    }

    /// What changed from version `a` to version `b`. When `a` is an ancestor of `b` only the deltas
    /// between them are read; otherwise both member sets are compared.
    public func diff(from a: String, to b: String) throws -> VersionDiff {
        try diff(from: a, to: b, forceGeneral: false)
    }

    @_spi(Testing) public func diff(from a: String, to b: String, forceGeneral: Bool) throws -> VersionDiff {
        try storeGuarded("comparing \(a) and \(b)") {
            try pool.read { db in
                let from = try Self.resolveRow(db, a)
                let to = try Self.resolveRow(db, b)
                // History is linear (the versions_linear trigger), so a lower seq is an ancestor.
                if from.seq <= to.seq, !forceGeneral {
                    return try Self.ancestorDiff(db, from: from, to: to)
                }
                return try Self.generalDiff(db, from: from, to: to)
            }
        }
    }

    static func ancestorDiff(_ db: Database, from: VersionRow, to: VersionRow) throws -> VersionDiff {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT x.sample_id, s.token, x.op, x.label, x.split
                FROM (SELECT sample_id, op, label, split, MAX(version_seq) AS seq
                      FROM version_changes WHERE version_seq > ? AND version_seq <= ? GROUP BY sample_id) x
                JOIN samples s ON s.id = x.sample_id
                """,
            arguments: [from.seq, to.seq])
        var entries: [(String, MemberState?, MemberState?)] = []
        for row in rows {
            let new = try decodeChange(op: row[2], label: row[3], split: row[4])
            let old = try memberState(db, sampleID: row[0], atSeq: from.seq)
            entries.append((row[1], old, new))
        }
        return makeDiff(from: from.id, to: to.id, entries)
    }

    static func generalDiff(_ db: Database, from: VersionRow, to: VersionRow) throws -> VersionDiff {
        let old = try memberStates(db, atSeq: from.seq)
        let new = try memberStates(db, atSeq: to.seq)
        var entries: [(String, MemberState?, MemberState?)] = []
        for (token, state) in old where new[token] != state {
            entries.append((token, state, new[token]))
        }
        for (token, state) in new where old[token] == nil {
            entries.append((token, nil, state))
        }
        return makeDiff(from: from.id, to: to.id, entries)
    }

    /// All members of the version with sequence number `seq`, by sample token.
    static func memberStates(_ db: Database, atSeq seq: Int64) throws -> [String: MemberState] {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT s.token, x.op, x.label, x.split
                FROM (SELECT sample_id, op, label, split, MAX(version_seq) AS seq
                      FROM version_changes WHERE version_seq <= ? GROUP BY sample_id) x
                JOIN samples s ON s.id = x.sample_id
                """,
            arguments: [seq])
        var states: [String: MemberState] = [:]
        while let row = try rows.next() {
            if let state = try decodeChange(op: row[1], label: row[2], split: row[3]) {
                states[row[0]] = state
            }
        }
        return states
    }

    static func makeDiff(from: String?, to: String, _ entries: [(String, MemberState?, MemberState?)]) -> VersionDiff {
        var diff = VersionDiff(from: from, to: to, added: [], removed: [], labelChanges: [], splitChanges: [])
        for (token, old, new) in entries.sorted(by: { $0.0 < $1.0 }) {
            switch (old, new) {
            case (nil, .some(let new)):
                diff.added.append(DiffMember(sampleToken: token, label: new.label, split: new.split))
            case (.some(let old), nil):
                diff.removed.append(DiffMember(sampleToken: token, label: old.label, split: old.split))
            case (.some(let old), .some(let new)):
                if old.label != new.label {
                    diff.labelChanges.append(LabelChange(sampleToken: token, old: old.label, new: new.label))
                }
                if old.split != new.split {
                    diff.splitChanges.append(SplitChange(sampleToken: token, old: old.split, new: new.split))
                }
            case (nil, nil):
                break
            }
        }
        return diff
    }

    // MARK: - Tags

    static func validateTagName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == 46 || byte == 95 || byte == 45
        }
        guard !name.isEmpty, name.utf8.count <= 100, allowed, let first = name.utf8.first,
            first != 46, first != 45, name != "HEAD", !name.hasPrefix("v-")
        else {
            throw StoreError(
                .invalidInput,
                "bad tag name \(name.debugDescription): use letters, digits, '.', '_' and '-' (not first), "
                    + "at most 100 characters, not HEAD, not starting with v-")
        }
    }

    /// Tags a version. Re-tagging the same version is a no-op; a name used for another version
    /// is `.alreadyExists` (delete the tag first).
    public func tag(_ name: String, version: String) throws {
        try Self.validateTagName(name)
        let now = self.now
        try storeGuarded("tagging \(version) as \(name)") {
            try pool.write { db in
                let row = try Self.resolveRow(db, version)
                if let existing = try String.fetchOne(db, sql: "SELECT version_id FROM tags WHERE name = ?", arguments: [name]) {
                    if existing == row.id { return }
                    throw StoreError(.alreadyExists, "tag \(name) already names version \(existing); delete it first")
                }
                try db.execute(
                    sql: "INSERT INTO tags(name, version_id, created_at) VALUES (?, ?, ?)", arguments: [name, row.id, now])
            }
        }
    }

    public func deleteTag(_ name: String) throws {
        try storeGuarded("deleting tag \(name)") {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM tags WHERE name = ?", arguments: [name])
                guard db.changesCount == 1 else { throw StoreError(.notFound, "no tag \(name)") }
            }
        }
    }

    /// All tags, sorted by name.
    public func tags() throws -> [TagInfo] {
        try storeGuarded("listing tags") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, version_id, created_at FROM tags ORDER BY name").map {
                    TagInfo(name: $0[0], version: $0[1], createdAt: Timestamp.date($0[2]))
                }
            }
        }
    }

    // MARK: - Exports

    /// Records that the app layer exported `version`; returns the record id.
    @discardableResult
    public func recordExport(version: String, parameters: String, manifestSHA256: String) throws -> Int64 {
        try Validate.json(parameters, "export parameters")
        let manifest = manifestSHA256.lowercased()
        try Validate.hash(manifest)
        let now = self.now
        return try storeGuarded("recording an export of \(version)") {
            try pool.write { db in
                let row = try Self.resolveRow(db, version)
                try db.execute(
                    sql: "INSERT INTO exports(version_id, parameters, manifest_sha256, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [row.id, parameters, manifest, now])
                return db.lastInsertedRowID
            }
        }
    }

    /// All recorded exports, oldest first.
    public func exports() throws -> [ExportRecord] {
        try storeGuarded("listing exports") {
            try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT id, version_id, parameters, manifest_sha256, created_at FROM exports ORDER BY id"
                ).map {
                    ExportRecord(
                        id: $0[0], version: $0[1], parameters: $0[2], manifestSHA256: $0[3],
                        createdAt: Timestamp.date($0[4]))
                }
            }
        }
    }
}
