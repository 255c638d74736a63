import Crypto
import Foundation
import GRDB
import KaryoCore

extension DatasetStore {
    /// Checks the store: SQLite integrity and foreign keys, the store's own invariants (label
    /// cache, HEAD, linear history), every registered blob (present, same bytes), orphan blob
    /// files, stale temp files, and every version (its delta replayed from the start must give
    /// its stored content sum, counts and id). `progress(done, total)` follows the blob checks.
    public func verify(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport(
            integrityOK: true, integrityMessages: [], foreignKeyViolations: 0, blobsChecked: 0, missingBlobs: [],
            changedBlobs: [], orphanBlobs: [], leftoverTempFiles: 0, versionsChecked: 0, versionsWithWrongID: [])

        // 1. Database: SQLite's checks, the store's invariants and the versions, in one snapshot.
        let (registry, dbReport) = try storeGuarded("verifying the database") {
            try pool.read { db -> ([String: Int], VerifyReport) in
                var r = report
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                if integrity != ["ok"] {
                    r.integrityOK = false
                    r.integrityMessages += integrity
                }
                r.foreignKeyViolations = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count
                try Self.checkInvariants(db, into: &r)
                try Self.checkVersions(db, into: &r)
                var registry: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT hash, byte_size FROM blobs") {
                    registry[row[0]] = row[1]
                }
                return (registry, r)
            }
        }
        report = dbReport

        // 2. Blobs named by the registry: present and unchanged.
        let hashes = registry.keys.sorted()
        for (index, hash) in hashes.enumerated() {
            let url = blobURL(hash)
            if FileIO.fileSize(url) == nil {
                report.missingBlobs.append(hash)
            } else if let data = try? Data(contentsOf: url) {
                if data.count != registry[hash] || Hashing.sha256Hex(data) != hash {
                    report.changedBlobs.append(hash)
                }
            } else {
                report.changedBlobs.append(hash)
            }
            report.blobsChecked += 1
            progress?(index + 1, hashes.count)
        }

        // 3. Files nobody references (an import killed between the blob and its rows).
        let fm = FileManager.default
        for prefix in (try? fm.contentsOfDirectory(atPath: blobsDirectory.path))?.sorted() ?? [] {
            let dir = blobsDirectory.appendingPathComponent(prefix, isDirectory: true)
            guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else {
                report.orphanBlobs.append(prefix)
                continue
            }
            for name in names.sorted() where registry[prefix + name] == nil {
                report.orphanBlobs.append(prefix + name)
            }
        }

        // 4. Temp files of killed writers (those still held by a live writer are left alone).
        report.leftoverTempFiles = tempFilesCleanedAtOpen + FileIO.cleanTempDirectory(tmpDirectory)
        return report
    }

    static func checkInvariants(_ db: Database, into report: inout VerifyReport) throws {
        func fail(_ message: String) {
            report.integrityOK = false
            report.integrityMessages.append(message)
        }
        let staleLabels = try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM samples s
                WHERE s.current_label_event_id IS NOT (SELECT MAX(id) FROM label_events e WHERE e.sample_id = s.id)
                   OR s.current_label IS NOT (SELECT label FROM label_events e WHERE e.id = s.current_label_event_id)
                """) ?? 0
        if staleLabels > 0 {
            fail("\(staleLabels) sample(s) have a current label that disagrees with their label history")
        }
        let danglingKeys = try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM identity_keys i
                WHERE (i.kind = 'patient' AND NOT EXISTS (SELECT 1 FROM patients WHERE id = i.target_id))
                   OR (i.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases WHERE id = i.target_id))
                   OR (i.kind = 'cell' AND NOT EXISTS (SELECT 1 FROM cells WHERE id = i.target_id))
                """) ?? 0
        if danglingKeys > 0 {
            fail("\(danglingKeys) identity key(s) point at missing patients, cases or cells")
        }
        let offSplit = try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM version_changes vc
                JOIN samples s ON s.id = vc.sample_id
                JOIN cells c ON c.id = s.cell_id
                JOIN cases k ON k.id = c.case_id
                LEFT JOIN patient_splits ps ON ps.patient_id = k.patient_id
                WHERE ps.split IS NOT vc.split
                """) ?? 0
        if offSplit > 0 {
            fail("\(offSplit) version change(s) put a sample in another split than its patient's")
        }
        let wrongTallies = try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM (
                    SELECT stratum, split, COUNT(*) AS n FROM patient_splits GROUP BY stratum, split
                ) AS actual
                FULL OUTER JOIN split_tallies t USING (stratum, split)
                WHERE COALESCE(actual.n, 0) != COALESCE(t.patients, 0)
                """) ?? 0
        if wrongTallies > 0 {
            fail("the split tallies disagree with the patients' recorded splits")
        }
        let versions = try Row.fetchAll(db, sql: "SELECT id, parent_id FROM versions ORDER BY seq")
        var previous: String?
        for row in versions {
            let id: String = row[0]
            let parent: String? = row[1]
            if parent != previous {
                fail("version \(id) has parent \(parent ?? "none"), expected \(previous ?? "none") (history must be linear)")
            }
            previous = id
        }
        let head = try String.fetchOne(db, sql: "SELECT value FROM config WHERE key = 'head'")
        if head != previous {
            fail("HEAD is \(head ?? "unset") but the latest version is \(previous ?? "none")")
        }
        do {
            _ = try readPolicy(db)
        } catch {
            fail("\(error)")
        }
    }

    /// Replays all deltas in order, checking each step against the member state so far and each
    /// version's stored sum, counts and id against the recomputed ones.
    static func checkVersions(_ db: Database, into report: inout VerifyReport) throws {
        let versions = try Row.fetchAll(
            db, sql: "SELECT seq, id, content_sum, \(countColumns), member_count FROM versions ORDER BY seq")
        let changes = try Row.fetchCursor(
            db,
            sql: """
                SELECT vc.version_seq, vc.sample_id, s.token, vc.op, vc.label, vc.split, vc.old_label
                FROM version_changes vc LEFT JOIN samples s ON s.id = vc.sample_id
                ORDER BY vc.version_seq, vc.sample_id
                """)
        var pending = try changes.next()?.copy()
        var state: [Int64: MemberState] = [:]
        var sum = UInt256.zero
        var counts = CountMatrix()
        for version in versions {
            let seq: Int64 = version[0]
            let id: String = version[1]
            var consistent = true
            while let change = pending, (change[0] as Int64) <= seq {
                pending = try changes.next()?.copy()
                let changeSeq: Int64 = change[0]
                guard changeSeq == seq, let token: String = change[2],
                    let label = SampleLabel(rawValue: change[4]), let split = Split(rawValue: change[5])
                else {
                    consistent = false
                    continue
                }
                let sampleID: Int64 = change[1]
                let op: String = change[3]
                let old = state[sampleID]
                let new: MemberState?
                switch op {
                case "add":
                    consistent = consistent && old == nil
                    new = MemberState(label: label, split: split)
                case "remove":
                    consistent = consistent && old == MemberState(label: label, split: split)
                    new = nil
                case "update":
                    let oldLabel = (change[6] as String?).flatMap(SampleLabel.init(rawValue:))
                    consistent = consistent && old != nil && old?.label == oldLabel && old?.split == split
                    new = MemberState(label: label, split: split)
                default:
                    consistent = false
                    continue
                }
                if let old {
                    sum = sum &- VersionDigest.memberDigest(sampleToken: token, label: old.label, split: old.split)
                    counts[old.split, old.label] -= 1
                }
                if let new {
                    sum = sum &+ VersionDigest.memberDigest(sampleToken: token, label: new.label, split: new.split)
                    counts[new.split, new.label] += 1
                }
                state[sampleID] = new
            }
            let storedSum = UInt256(littleEndianBytes: version[2] as Data)
            var storedCounts = CountMatrix()
            var column = 3
            for split in Split.allCases {
                for label in [SampleLabel.positive, .negative, .unsure] {
                    storedCounts[split, label] = version[column]
                    column += 1
                }
            }
            let memberCount: Int = version[column]
            let ok = consistent && storedSum == sum && VersionDigest.versionID(contentSum: sum) == id
                && storedCounts == counts && memberCount == state.count
            if !ok { report.versionsWithWrongID.append(id) }
            report.versionsChecked += 1
        }
        if pending != nil {
            report.integrityOK = false
            report.integrityMessages.append("version_changes has rows for versions that do not exist")
        }
    }

    static let countColumns = """
        train_positive, train_negative, train_unsure, validation_positive, validation_negative, validation_unsure,
        test_positive, test_negative, test_unsure
        """
}
