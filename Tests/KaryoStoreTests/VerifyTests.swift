import Foundation
import KaryoCore
import Testing
@_spi(Testing) import KaryoStore

@Suite struct VerifyTests {
    func populated(_ project: TempProject) throws -> (DatasetStore, [String]) {
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        var tokens: [String] = []
        for i in 0..<5 {
            tokens.append(try store.addNew(newSample("verify \(i)", patient: "P\(i % 2)", label: i == 0 ? .positive : .negative)))
        }
        _ = try store.commit(message: "v1", author: "me")
        try store.relabel(tokens[1], .unsure)
        _ = try store.commit(message: "v2", author: "me")
        return (store, tokens)
    }

    @Test func healthyStorePasses() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, _) = try populated(project)
        let calls = Failures()
        let report = try store.verify { done, total in calls.add("\(done)/\(total)") }
        #expect(report.isHealthy)
        #expect(report.integrityOK && report.integrityMessages.isEmpty && report.foreignKeyViolations == 0)
        #expect(report.blobsChecked == 5 && report.missingBlobs.isEmpty && report.changedBlobs.isEmpty)
        #expect(report.orphanBlobs.isEmpty && report.leftoverTempFiles == 0)
        #expect(report.versionsChecked == 2 && report.versionsWithWrongID.isEmpty)
        #expect(calls.all.last == "5/5")
        // The report is Codable (the CLI prints it as JSON).
        let decoded = try JSONDecoder().decode(VerifyReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
    }

    @Test func catchesADeletedBlob() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try populated(project)
        let hash = try store.sample(token: tokens[2]).blobHash
        try FileManager.default.removeItem(at: store.blobURL(hash))
        let report = try store.verify(progress: nil)
        #expect(!report.isHealthy)
        #expect(report.missingBlobs == [hash])
        do {
            _ = try store.readBlob(hash)
            Issue.record("read a missing blob")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }
    }

    @Test func catchesABlobWhoseBytesChanged() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try populated(project)
        let hash = try store.sample(token: tokens[3]).blobHash
        let url = store.blobURL(hash)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0xFF  // same size, different content
        try bytes.write(to: url)
        let report = try store.verify(progress: nil)
        #expect(!report.isHealthy)
        #expect(report.changedBlobs == [hash] && report.missingBlobs.isEmpty)
        do {
            _ = try store.readBlob(hash)
            Issue.record("read a changed blob")
        } catch let error as StoreError {
            #expect(error.code == .corrupt)
        }
    }

    @Test func catchesABrokenRow() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, _) = try populated(project)
        try store._executeRawSQL("""
            PRAGMA foreign_keys = OFF;
            INSERT INTO cells(token, case_id, created_at) VALUES ('m-broken', 987654, '2025-01-01T00:00:00.000Z');
            PRAGMA foreign_keys = ON;
            """)
        let report = try store.verify(progress: nil)
        #expect(!report.isHealthy)
        #expect(report.foreignKeyViolations == 1)
    }

    @Test func catchesATamperedVersion() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try populated(project)
        let log = try store.log()
        // Rewrite v1's recorded label of one member behind the triggers' back.
        try store._executeRawSQL("""
            DROP TRIGGER version_changes_no_update;
            UPDATE version_changes SET label = 'unsure'
            WHERE version_seq = 1 AND sample_id = (SELECT id FROM samples WHERE token = '\(tokens[4])');
            """)
        let report = try store.verify(progress: nil)
        #expect(!report.isHealthy)
        // v1's members no longer give its id, and v2 (built on v1) is off too.
        #expect(report.versionsWithWrongID == [log[1].id, log[0].id])
    }

    @Test func catchesAStaleLabelCache() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try populated(project)
        try store._executeRawSQL("UPDATE samples SET current_label = 'positive' WHERE token = '\(tokens[2])'")
        let report = try store.verify(progress: nil)
        #expect(!report.isHealthy && !report.integrityOK)
        #expect(report.integrityMessages.contains { $0.contains("label history") })
    }

    @Test func orphansAndLeftoverTempFilesAreReportedButHarmless() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, _) = try populated(project)
        // What a process killed between the blob and its rows, or mid-write, leaves behind.
        let orphanHash = String(repeating: "e", count: 64)
        let orphanURL = store.blobURL(orphanHash)
        try FileManager.default.createDirectory(at: orphanURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("orphan".utf8).write(to: orphanURL)
        let tmp = project.storeDirectory.appendingPathComponent("tmp")
        try Data("half a blob".utf8).write(to: tmp.appendingPathComponent("w-leftover.tmp"))
        try Data("another".utf8).write(to: tmp.appendingPathComponent("w-leftover2.tmp"))
        try store._close()

        let reopened = try DatasetStore.open(at: project.root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
        let report = try reopened.verify(progress: nil)
        #expect(report.isHealthy)
        #expect(report.orphanBlobs == [orphanHash])
        #expect(report.leftoverTempFiles == 2)
        #expect(try reopened.log().count == 2)
    }

    @Test func refusesANewerSchema() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        try store._executeRawSQL("INSERT INTO grdb_migrations(identifier) VALUES ('9999_from_the_future')")
        try store._close()
        do {
            _ = try DatasetStore.open(at: project.root)
            Issue.record("opened a store with an unknown migration")
        } catch let error as StoreError {
            #expect(error.code == .newerSchema)
            #expect(error.message.contains("9999_from_the_future") && error.message.contains("newer version of karyo"))
        }
    }

    @Test func refusesANewerStoreFormat() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        try store._executeRawSQL("UPDATE config SET value = '99' WHERE key = 'store_format'")
        try store._close()
        do {
            _ = try DatasetStore.open(at: project.root)
            Issue.record("opened a store of a newer format")
        } catch let error as StoreError {
            #expect(error.code == .newerSchema)
        }
    }

    @Test func refusesAForeignDatabaseAndAMissingSecret() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        try store._close()
        let secret = project.storeDirectory.appendingPathComponent("secret.key")
        try FileManager.default.moveItem(at: secret, to: project.root.appendingPathComponent("secret.bak"))
        do {
            _ = try DatasetStore.open(at: project.root)
            Issue.record("opened without secret.key")
        } catch let error as StoreError {
            #expect(error.code == .corrupt)
        }
        try FileManager.default.moveItem(at: project.root.appendingPathComponent("secret.bak"), to: secret)
        _ = try DatasetStore.open(at: project.root)

        let other = try TempProject()
        defer { other.cleanup() }
        try FileManager.default.createDirectory(at: other.storeDirectory, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 32).write(to: other.storeDirectory.appendingPathComponent("secret.key"))
        try Data("this is not sqlite, just some text that is long enough to be a header".utf8)
            .write(to: other.storeDirectory.appendingPathComponent("store.sqlite"))
        #expect(throws: StoreError.self) { try DatasetStore.open(at: other.root) }
    }
}
