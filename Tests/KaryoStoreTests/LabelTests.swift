import Foundation
import KaryoCore
import Testing
@_spi(Testing) import KaryoStore

@Suite struct LabelTests {
    @Test func labelEventsAreAppendOnly() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let token = try store.addNew(newSample("l", label: .negative))
        let event = try store.addLabel(
            sample: token, label: .positive, source: .fish, author: "dr. a", reason: "BCR::ABL1 fusion", karyotype: nil)
        #expect(event.label == .positive && event.source == .fish && event.reason == "BCR::ABL1 fusion")

        for sql in [
            "UPDATE label_events SET label = 'unsure'",
            "UPDATE label_events SET author = 'someone else' WHERE id = \(event.id)",
            "DELETE FROM label_events",
            "DELETE FROM label_events WHERE id = \(event.id)",
        ] {
            #expect(throws: (any Error).self, "\(sql) must fail") { try store._executeRawSQL(sql) }
        }
        let history = try store.labelHistory(sample: token)
        #expect(history.map(\.label) == [.negative, .positive])
        #expect(history.map(\.id) == history.map(\.id).sorted())
        #expect(history[1] == event)
        #expect(try store.sample(token: token).label == .positive)
        #expect(try store.sample(token: token).labelSource == .fish)
        #expect(try store.sample(token: token).labelEventID == event.id)
    }

    @Test func samplesCannotBeDeletedOrRewritten() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        try store.addNew(newSample("x"))
        #expect(throws: (any Error).self) { try store._executeRawSQL("DELETE FROM samples") }
        #expect(throws: (any Error).self) { try store._executeRawSQL("UPDATE samples SET width = 1") }
    }

    @Test func withdrawingALabelMakesTheSampleUnlabelled() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let token = try store.addNew(newSample("w", label: .positive))
        #expect(throws: StoreError.self) { try store.withdrawLabel(sample: token, author: "r", reason: " ") }
        let event = try store.withdrawLabel(sample: token, author: "r", reason: "image of another patient")
        #expect(event.label == nil)
        let info = try store.sample(token: token)
        #expect(info.label == nil && info.labelSource == nil && info.labelEventID == event.id)
        #expect(try store.status().unlabelled == 1)
        #expect(try store.labelHistory(sample: token).map(\.label) == [.positive, nil])
    }

    @Test func labellingValidatesInput() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let token = try store.addNew(newSample("v"))
        do {
            try store.addLabel(sample: "s-missing", label: .positive, source: .pcr, author: "a", reason: nil, karyotype: nil)
            Issue.record("labelled a missing sample")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }
        do {
            try store.addLabel(sample: token, label: .positive, source: .pcr, author: "", reason: nil, karyotype: nil)
            Issue.record("accepted an empty author")
        } catch let error as StoreError {
            #expect(error.code == .invalidInput)
        }
        #expect(try store.labelHistory(sample: token).isEmpty)
    }
}
