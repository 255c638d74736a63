import Foundation
import KaryoCore
import KaryoStore

/// A queue item with the files its images were written to (what `karyo review` prints).
public struct ReviewListing: Sendable, Codable, Equatable {
    public var item: ReviewQueueItem
    /// The stored image and the model input, written for a person to open.
    public var imageFiles: [String]
}

/// The command-line review: list a queue, write each sample's images to files, record decisions.
public struct LoopReview {
    public let store: DatasetStore

    public init(store: DatasetStore) { self.store = store }

    /// One page of a queue with every item's images written under `imageFolder` (created if
    /// needed) as `<sample>.png` (the stored image) and `<sample>.normalize-t922.png` (the model
    /// input, when there is one). Files already there are left as they are (same content).
    public func list(
        queue: ReviewQueueKind, flagRun: Int64?, filter: ReviewQueueFilter, limit: Int, offset: Int, imageFolder: URL
    ) throws -> (page: ReviewQueuePage, listings: [ReviewListing]) {
        let page = try store.reviewQueue(queue, flagRun: flagRun, filter: filter, limit: limit, offset: offset)
        let listings = try page.items.map { item in
            ReviewListing(item: item, imageFiles: try writeImages(sample: item.sampleToken, to: imageFolder).map(\.path))
        }
        return (page, listings)
    }

    /// Writes the sample's stored image and model input into `folder`; returns the files.
    public func writeImages(sample token: String, to folder: URL) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create \(folder.path): \(error.localizedDescription)")
        }
        let info = try store.sample(token: token)
        var files: [(URL, String)] = [(folder.appendingPathComponent("\(token).png"), info.blobHash)]
        if let input = try store.derivedImages(sample: token).last(where: { $0.step == LoopData.inputStep }) {
            files.append((folder.appendingPathComponent("\(token).\(LoopData.inputStep.rawValue).png"), input.blobHash))
        }
        for (url, hash) in files where !FileManager.default.fileExists(atPath: url.path) {
            do {
                try store.readBlob(hash).write(to: url, options: .atomic)
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.io, "cannot write \(url.path): \(error.localizedDescription)")
            }
        }
        return files.map(\.0)
    }

    /// Records a decision on a queue item (a `reviewer` label event).
    public func decide(item: Int64, decision: ReviewDecision, reviewer: String, reason: String?) throws -> LabelEvent {
        try store.recordReviewDecision(item: item, decision: decision, reviewer: reviewer, reason: reason)
    }

    /// Parses "confirm", "unsure", "relabel:positive" / "positive" / "negative".
    public static func parseDecision(_ text: String) -> ReviewDecision? {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        switch t {
        case "confirm", "ok", "correct": return .confirm
        case "unsure", "?": return .unsure
        default:
            let label = t.hasPrefix("relabel:") ? String(t.dropFirst("relabel:".count)) : t
            guard let l = SampleLabel(userInput: label), l != .unsure else { return nil }
            return .relabel(l)
        }
    }
}
