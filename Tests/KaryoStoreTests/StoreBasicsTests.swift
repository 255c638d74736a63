import Foundation
import KaryoCore
import KaryoStore
import Testing
@_spi(Testing) import KaryoStore

#if canImport(Glibc)
import Glibc
#endif

@Suite struct StoreBasicsTests {
    @Test func createLaysOutTheStoreAndOpenReadsIt() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let dir = project.storeDirectory
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: dir.appendingPathComponent("store.sqlite").path))
        #expect(fm.fileExists(atPath: dir.appendingPathComponent("blobs").path))
        #expect(fm.fileExists(atPath: dir.appendingPathComponent("tmp").path))
        let secret = try Data(contentsOf: dir.appendingPathComponent("secret.key"))
        #expect(secret.count == 32)
        let mode = try fm.attributesOfItem(atPath: dir.appendingPathComponent("secret.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.splitPolicy == testPolicy)
        #expect(try store._queryStrings("PRAGMA journal_mode") == ["wal"])
        #expect(try store._queryInt("PRAGMA foreign_keys") == 1)
        #expect(try store._queryInt("PRAGMA synchronous") == 2)  // FULL
        // No staging folder left behind.
        #expect(try fm.contentsOfDirectory(atPath: project.root.path) == [DatasetStore.folderName])

        let reopened = try DatasetStore.open(at: project.root)
        #expect(try reopened.splitPolicy == testPolicy)
        #expect(reopened.projectRoot.path == project.root.standardizedFileURL.path)
    }

    @Test func splitPolicyWithLargeSeedRoundTrips() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let policy = SplitPolicy(validationFraction: 0.25, testFraction: 0.05, seed: UInt64.max - 7)
        _ = try DatasetStore.create(at: project.root, splitPolicy: policy)
        #expect(try DatasetStore.open(at: project.root).splitPolicy == policy)
    }

    @Test func createRefusesAnExistingProjectAndBadPolicies() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        _ = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        #expect(throws: StoreError.self) { try DatasetStore.create(at: project.root, splitPolicy: testPolicy) }
        do {
            _ = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        } catch let error as StoreError {
            #expect(error.code == .alreadyExists)
        }
        let other = try TempProject()
        defer { other.cleanup() }
        do {
            _ = try DatasetStore.create(at: other.root, splitPolicy: SplitPolicy(validationFraction: 0.7, testFraction: 0.5, seed: 1))
            Issue.record("a policy without training data was accepted")
        } catch let error as StoreError {
            #expect(error.code == .invalidInput)
        }
    }

    @Test func openAndLocate() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        do {
            _ = try DatasetStore.open(at: project.root)
            Issue.record("opened a folder without .karyo")
        } catch let error as StoreError {
            #expect(error.code == .notAProject)
        }
        #expect(DatasetStore.locate(from: project.root) == nil)
        _ = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let nested = project.root.appendingPathComponent("a/b/c", isDirectory: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        #expect(DatasetStore.locate(from: nested)?.standardizedFileURL.path == project.root.standardizedFileURL.path)
        #expect(DatasetStore.locate(from: project.root)?.standardizedFileURL.path == project.root.standardizedFileURL.path)
    }

    @Test func sampleRoundTrip() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let batch = try store.beginImportBatch(lab: "Lab A")
        var sample = newSample("one", patient: "P1", caseID: "C1", cell: "CELL1", label: .positive,
                               karyotype: "46,XX,t(9;22)(q34;q11.2)[20]", batch: batch)
        sample.kind = .metaphase
        guard case .added(let info) = try store.addSample(sample) else {
            Issue.record("expected a new sample")
            return
        }
        #expect(info.token.hasPrefix("s-") && info.token.count == 14)
        #expect(info.patientToken.hasPrefix("p-") && info.caseToken.hasPrefix("c-") && info.cellToken.hasPrefix("m-"))
        #expect(info.lab == "Lab A")
        #expect(info.width == 640 && info.height == 480)
        #expect(info.sourceFormat == "tiff" && info.sourceBitDepth == 16 && info.sourceColorModel == "gray")
        #expect(info.kind == .metaphase)
        #expect(info.importBatch == batch)
        #expect(info.label == .positive && info.labelSource == .karyotypeReport)
        #expect(info.byteSize == fakePNG("one").count)
        #expect(try store.sample(token: info.token) == info)
        #expect(try store.samples(limit: nil, offset: 0) == [info])
        #expect(try store.readBlob(info.blobHash) == fakePNG("one"))
        // Content-addressed layout: blobs/ab/cdef…
        let url = store.blobURL(info.blobHash)
        #expect(url.lastPathComponent == String(info.blobHash.dropFirst(2)))
        #expect(url.deletingLastPathComponent().lastPathComponent == String(info.blobHash.prefix(2)))
        #expect(FileManager.default.fileExists(atPath: url.path))

        let history = try store.labelHistory(sample: info.token)
        #expect(history.count == 1)
        #expect(history[0].label == .positive && history[0].karyotype == "46,XX,t(9;22)(q34;q11.2)[20]")
        #expect(history[0].source == .karyotypeReport && history[0].author == "importer")

        // Same bytes again: a duplicate, nothing new.
        #expect(try store.addSample(newSample("one", patient: "P9")) == .duplicate(existingToken: info.token))
        try store.finishImportBatch(batch, imported: 1, duplicates: 1, failed: 0)
        let batches = try store.importBatches()
        #expect(batches.count == 1 && batches[0].lab == "Lab A" && batches[0].imported == 1 && batches[0].duplicates == 1)
        #expect(batches[0].failed == 0 && batches[0].finishedAt != nil)
        #expect(throws: StoreError.self) { try store.finishImportBatch(batch, imported: 1, duplicates: 1, failed: 0) }

        let status = try store.status()
        #expect(status.labs == 1 && status.patients == 1 && status.cases == 1 && status.cells == 1 && status.samples == 1)
        #expect(status.labelCounts == LabelCounts(positive: 1) && status.unlabelled == 0)
        #expect(status.head == nil && status.uncommitted.added == 1)
    }

    @Test func samplesListingPagesInImportOrder() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let results = try store.addSamples((0..<7).map { newSample("page \($0)") }, durableBlobs: false)
        let tokens = results.map(\.sampleToken)
        #expect(try store.samples(limit: 3, offset: 0).map(\.token) == Array(tokens[0..<3]))
        #expect(try store.samples(limit: 3, offset: 5).map(\.token) == Array(tokens[5...]))
        #expect(try store.samples(limit: nil, offset: 2).count == 5)
        let unlabelled = try store.status()
        #expect(unlabelled.unlabelled == 7 && unlabelled.uncommitted.total == 0)
    }

    @Test func bulkImportSkipsDuplicatesInsideTheBatch() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let results = try store.addSamples(
            [newSample("a", patient: "P1"), newSample("b", patient: "P1"), newSample("a", patient: "P2")], durableBlobs: false)
        #expect(!results[0].isDuplicate && !results[1].isDuplicate)
        #expect(results[2] == .duplicate(existingToken: results[0].sampleToken))
        #expect(try store.status().samples == 2)
    }

    @Test func invalidInputIsRejectedBeforeAnythingIsWritten() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        var empty = newSample("x")
        empty.png = Data()
        var badKind = newSample("y")
        badKind.kind = .neither  // not a kind the store records
        var noAuthor = newSample("z")
        noAuthor.author = "  "
        for sample in [empty, badKind, noAuthor] {
            do {
                _ = try store.addSample(sample)
                Issue.record("accepted invalid sample")
            } catch let error as StoreError {
                #expect(error.code == .invalidInput)
            }
        }
        #expect(try store.status().samples == 0)
        #expect(project.allStoreFiles().filter { $0.path.contains("/blobs/") }.isEmpty)
        do {
            _ = try store.sample(token: "s-doesnotexist")
            Issue.record("found a missing sample")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }
    }

    @Test func derivedImagesRoundTrip() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let token = try store.addNew(newSample("source"))
        let input = try store.sample(token: token).blobHash
        let png = fakePNG("crop of source")
        let hash = try store.addDerivedImage(
            sample: token, png: png, step: .extractChromosome, parameters: #"{"x":1,"y":2}"#, inputHash: input, codeVersion: "1.0")
        #expect(try store.readBlob(hash) == png)
        // Recording the same derivation again is a no-op.
        #expect(try store.addDerivedImage(
            sample: token, png: png, step: .extractChromosome, parameters: #"{"x":1,"y":2}"#, inputHash: input, codeVersion: "1.0") == hash)
        let derived = try store.derivedImages(sample: token)
        #expect(derived.count == 1)
        #expect(derived[0].blobHash == hash && derived[0].step == .extractChromosome && derived[0].parameters == #"{"x":1,"y":2}"#)
        #expect(derived[0].inputHash == input && derived[0].codeVersion == "1.0" && derived[0].sampleToken == token)
        #expect(throws: StoreError.self) {
            try store.addDerivedImage(sample: token, png: png, step: .extractChromosome, parameters: "{not json", inputHash: input, codeVersion: "1")
        }
        #expect(try store.verify(progress: nil).isHealthy)
    }

    @Test func injectedClockTimesRoundTrip() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let fixed = Date(timeIntervalSince1970: 1_700_000_000.5)
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy, clock: StoreClock { fixed })
        let token = try store.addNew(newSample("t", label: .negative))
        #expect(try store.sample(token: token).importedAt == fixed)
        #expect(try store.labelHistory(sample: token)[0].createdAt == fixed)
        let version = try store.commit(message: "first", author: "me")
        #expect(version.createdAt == fixed)
        #expect(try store._queryStrings("SELECT created_at FROM versions") == ["2023-11-14T22:13:20.500Z"])
    }

    @Test func exportsRoundTrip() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        try store.addNew(newSample("e", label: .positive))
        let version = try store.commit(message: "v", author: "me")
        let manifest = String(repeating: "ab", count: 32)
        let id = try store.recordExport(version: "HEAD", parameters: #"{"format":"folders"}"#, manifestSHA256: manifest.uppercased())
        let records = try store.exports()
        #expect(records.count == 1)
        #expect(records[0].id == id && records[0].version == version.id)
        #expect(records[0].parameters == #"{"format":"folders"}"# && records[0].manifestSHA256 == manifest)
        #expect(throws: StoreError.self) { try store.recordExport(version: "HEAD", parameters: "{}", manifestSHA256: "xyz") }
        #expect(throws: StoreError.self) { try store.recordExport(version: "nope", parameters: "{}", manifestSHA256: manifest) }
    }

    @Test func blobFilesAreReadOnlyAndWrittenOnce() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let token = try store.addNew(newSample("ro"))
        let url = store.blobURL(try store.sample(token: token).blobHash)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o444)
        let inode = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
        // The same bytes as a derived image: the existing file is kept, not rewritten.
        _ = try store.addDerivedImage(sample: token, png: fakePNG("ro"), step: .normalizeT922, parameters: "{}", inputHash: "x", codeVersion: "1")
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int == inode)
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.storeDirectory.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test func twoConnectionsWritingConcurrentlyKeepTheStoreHealthy() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        _ = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        // Two independent DatasetStores = two separate SQLite connections sets, as two processes have.
        let stores = [try DatasetStore.open(at: project.root), try DatasetStore.open(at: project.root)]
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            do {
                for i in 0..<25 {
                    let token = try stores[worker].addNew(newSample("w\(worker)-\(i)", patient: "P\(i % 5)", label: .negative))
                    try stores[worker].relabel(token, i % 2 == 0 ? .positive : .unsure)
                    if i % 10 == 9 {
                        do {
                            _ = try stores[worker].commit(message: "w\(worker) \(i)", author: "w\(worker)")
                        } catch let error as StoreError where error.code == .nothingToCommit {
                            // The other worker committed everything just before: fine.
                        }
                    }
                }
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty)
        let store = try DatasetStore.open(at: project.root)
        #expect(try store.status().samples == 50)
        #expect(try store.status().patients == 5)
        let report = try store.verify(progress: nil)
        #expect(report.isHealthy)
        #expect(report.versionsChecked == (try store.log().count))
        #expect(report.versionsChecked >= 1)
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
