import Foundation
import KaryoCore
import KaryoStore
import Testing

/// The store's review-queue API (schema 0002): flag runs, queue pages, review decisions as label events.
@Suite("Review queues in the store")
struct ReviewQueueStoreTests {
    struct Fixture {
        let root: URL
        let store: DatasetStore
        let tokens: [String]
        let version: String

        init(samples: Int = 12) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-loop-queue-\(UUID().uuidString)")
            store = try DatasetStore.create(
                at: root, splitPolicy: SplitPolicy(validationFraction: 0.3, testFraction: 0, seed: 3))
            var tokens: [String] = []
            for i in 0..<samples {
                let png = Data([137, 80, 78, 71, 13, 10, 26, 10]) + Data("queue test \(i)".utf8)
                let sample = NewSample(
                    lab: "lab", patientIdentifier: "P\(i / 2)", png: png, width: 90, height: 90, sourceFormat: "png",
                    sourceBitDepth: 8, sourceColorModel: "gray",
                    initialLabel: InitialLabel(label: i % 3 == 0 ? .positive : .negative, source: .karyotypeReport),
                    author: "importer")
                tokens.append(try store.addSample(sample).sampleToken)
            }
            self.tokens = tokens
            version = try store.commit(message: "first", author: "curator").id
        }

        func cleanup() { try? FileManager.default.removeItem(at: root) }

        func items(_ queue: ReviewQueueKind, _ count: Int) throws -> [NewReviewQueueItem] {
            let members = Dictionary(uniqueKeysWithValues: try store.members(of: version).map { ($0.sampleToken, $0) })
            return tokens.prefix(count).enumerated().map { rank, token in
                NewReviewQueueItem(
                    queue: queue, sampleToken: token, rank: rank + 1, score: 1 - Double(rank) / 100,
                    reason: "test reason \(rank)", modelProbability: 0.5, label: members[token]!.label,
                    split: members[token]!.split)
            }
        }

        func flag(uncertainty: Int, labelError: Int) throws -> FlagRunInfo {
            try store.recordFlagRun(
                NewFlagRun(
                    version: "HEAD", trainingRun: nil, method: #"{"folds":3}"#, seed: 1, codeVersion: "test",
                    author: "tester", skipped: 2),
                items: try items(.uncertainty, uncertainty) + items(.labelError, labelError))
        }
    }

    @Test func emptyStoreHasAnEmptyQueue() throws {
        let f = try Fixture(samples: 2)
        defer { f.cleanup() }
        let page = try f.store.reviewQueue(.uncertainty)
        #expect(page.flagRun == nil && page.items.isEmpty && page.total == 0)
        #expect(try f.store.latestFlagRun() == nil)
    }

    @Test func flagRunsAndPages() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        let run = try f.flag(uncertainty: 10, labelError: 3)
        #expect(run.version == f.version)
        #expect(run.uncertaintyCount == 10 && run.labelErrorCount == 3 && run.skipped == 2)
        let page = try f.store.reviewQueue(.uncertainty, limit: 4, offset: 4)
        #expect(page.total == 10)
        #expect(page.items.map(\.rank) == [5, 6, 7, 8])
        #expect(page.items.map(\.sampleToken) == Array(f.tokens[4..<8]))
        #expect(page.items.allSatisfy { $0.review == nil && $0.flagRun == run.id })
        let errors = try f.store.reviewQueue(.labelError)
        #expect(errors.items.map(\.reason) == ["test reason 0", "test reason 1", "test reason 2"])
        let one = try f.store.reviewQueueItem(id: page.items[0].id)
        #expect(one == page.items[0])
        #expect(throws: StoreError.self) { try f.store.reviewQueueItem(id: 9999) }
        // A second run becomes the default.
        let second = try f.flag(uncertainty: 2, labelError: 0)
        #expect(try f.store.reviewQueue(.uncertainty).total == 2)
        #expect(try f.store.reviewQueue(.uncertainty, flagRun: run.id).total == 10)
        #expect(try f.store.flagRuns().map(\.id) == [second.id, run.id])
        #expect(try f.store.reviewQueueItems(sample: f.tokens[0]).count == 3)
    }

    @Test func decisionsAreReviewerLabelEvents() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        _ = try f.flag(uncertainty: 3, labelError: 3)
        let items = try f.store.reviewQueue(.labelError).items
        let relabel = try f.store.recordReviewDecision(
            item: items[0].id, decision: .relabel(items[0].label == .positive ? .negative : .positive),
            reviewer: "dr-a", reason: "FISH negative")
        #expect(relabel.source == .reviewer && relabel.author == "dr-a" && relabel.reason == "FISH negative")
        let confirm = try f.store.recordReviewDecision(item: items[1].id, decision: .confirm, reviewer: "dr-b", reason: nil)
        #expect(confirm.label == items[1].label)
        let unsure = try f.store.recordReviewDecision(item: items[2].id, decision: .unsure, reviewer: "dr-c", reason: "blurry")
        #expect(unsure.label == .unsure)
        #expect(try f.store.labelHistory(sample: items[0].sampleToken).last == relabel)

        let decided = try f.store.reviewQueue(.labelError, filter: .decided)
        #expect(decided.total == 3)
        #expect(decided.items[0].review?.reviewer == "dr-a")
        #expect(decided.items[0].currentLabel != decided.items[0].label)
        #expect(try f.store.reviewQueue(.labelError, filter: .pending).total == 0)
        // The same samples are in the uncertainty queue: decided there too (same sample).
        #expect(try f.store.reviewQueue(.uncertainty, filter: .pending).total == 0)
        // A relabel makes the next commit a new version.
        let next = try f.store.commit(message: "review", author: "curator")
        #expect(next.parent == f.version)
        // A new flag run starts undecided.
        _ = try f.flag(uncertainty: 3, labelError: 0)
        #expect(try f.store.reviewQueue(.uncertainty, filter: .pending).total == 3)
        // Empty reviewer is refused.
        #expect(throws: StoreError.self) {
            try f.store.recordReviewDecision(item: items[0].id, decision: .confirm, reviewer: " ", reason: nil)
        }
    }

    @Test func badFlagRunsAreRefused() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        var items = try f.items(.uncertainty, 3)
        items[2].rank = 5
        #expect(throws: StoreError.self) {
            try f.store.recordFlagRun(
                NewFlagRun(version: "HEAD", trainingRun: nil, method: "{}", seed: 1, codeVersion: "t", author: "a", skipped: 0),
                items: items)
        }
        #expect(try f.store.flagRuns().isEmpty)
        #expect(throws: StoreError.self) {
            try f.store.recordFlagRun(
                NewFlagRun(version: "HEAD", trainingRun: 77, method: "{}", seed: 1, codeVersion: "t", author: "a", skipped: 0),
                items: [])
        }
    }

    @Test func trainingRunsKeepWeightsAsBlobs() throws {
        let f = try Fixture(samples: 4)
        defer { f.cleanup() }
        let weights = Data("pretend safetensors".utf8)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let run = try f.store.recordTrainingRun(
            NewTrainingRun(
                version: "HEAD", purpose: .train, modelConfig: #"{"width":4}"#, seed: 7, codeVersion: "0.1.0",
                weights: weights, metrics: #"{"accuracy":1}"#, curves: "{}", author: "tester", startedAt: start,
                finishedAt: start.addingTimeInterval(3)))
        #expect(run.version == f.version && run.seed == 7 && run.purpose == .train)
        #expect(try f.store.readBlob(run.weightsBlob!) == weights)
        #expect(try f.store.trainingRuns(version: "HEAD").map(\.id) == [run.id])
        #expect(try f.store.trainingRun(id: run.id) == run)
        #expect(try f.store.verify().isHealthy)
        #expect(throws: StoreError.self) {
            try f.store.recordTrainingRun(
                NewTrainingRun(
                    version: "HEAD", purpose: .train, modelConfig: "not json", seed: 7, codeVersion: "0.1.0",
                    weights: nil, metrics: "{}", curves: "{}", author: "tester", startedAt: start, finishedAt: start))
        }
    }
}
